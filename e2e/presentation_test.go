package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/stream"
	"github.com/saddle-viz/saddle/web"
)

// axeSource is axe-core, a test asset injected into the page; the app never
// serves it.
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// axe runs axe-core on the page and returns its violations, one line each:
// the rule, its impact, what it asks for and where.
func axe(t *testing.T, ctx context.Context) []string {
	t.Helper()
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		eval[any](t, ctx, axeSource+";true")
	}
	tctx, cancel := context.WithTimeout(ctx, 60e9)
	defer cancel()
	out, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
		r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	return out
}

// console collects the page's console errors and uncaught exceptions from
// now on; the function it returns gives those seen so far.
func console(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	lctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	messages := chromedp.Console(lctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				seen = append(seen, m.String()+" "+m.URL)
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// recordCanvasText makes every canvas of the pages opened from now on
// remember the texts drawn on it (canvas.__texts), so that a test reads
// what a map or a chart shows: its labels, legend and colour bar.
func recordCanvasText(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `(() => {
			const fill = CanvasRenderingContext2D.prototype.fillText;
			CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
				(this.canvas.__texts ||= new Set()).add(String(text));
				return fill.call(this, text, ...rest);
			};
		})()`})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
}

// drawnText is the texts drawn on a canvas since the page loaded, with
// those of the layers the map composes it from (the map's axes and colour
// bar are drawn once, on a layer).
func drawnText(t *testing.T, ctx context.Context, selector string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`(() => {
		const c = document.querySelector(%q), L = window.saddle.landscape;
		const layers = c === L.canvas ? Object.values(L.layers || {}) : [];
		return [c, ...layers].flatMap((x) => [...(x.__texts || [])]);
	})()`, selector))
}

func containsAll(have []string, want ...string) []string {
	var missing []string
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || strings.Contains(h, w)
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

// TestBrowserAccessibility: the main page and every lesson, with their
// races on the screen, have no violation that axe-core finds, and log no
// console error (a missing favicon was one).
func TestBrowserAccessibility(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	errs := console(t, ctx)
	pages := []string{"/?t=20", "/lessons", "/?lesson=saddle-points&t=5&present=on&curvature=on"}
	for _, l := range web.Lessons {
		pages = append(pages, "/?lesson="+l.Slug+"&t=5")
	}
	for _, p := range pages {
		if p == "/lessons" {
			do(t, ctx, chromedp.Navigate(url+p))
		} else {
			arrive(t, ctx, url+p)
		}
		if v := axe(t, ctx); len(v) > 0 {
			t.Errorf("%s: %d accessibility violations:\n%s", p, len(v), strings.Join(v, "\n"))
		}
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("console errors: %v", e)
	}
}

// TestBrowserEverySize: at a projector's, two laptops' and a phone's size,
// the page and its presentation mode are no wider than the window and
// nothing is cut off, on a surface and on a network.
func TestBrowserEverySize(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	long := "&opt=" + "adam:lr=0.05,beta1=0.85,beta2=0.995,eps=1e-07,weight_decay=0.0001"
	for _, size := range [][2]int64{{1024, 768}, {1280, 800}, {1366, 768}, {390, 844}} {
		for _, p := range []string{"/?t=40" + long, "/?lesson=networks-spirals&t=40", "/?lesson=saddle-points&t=20&present=on"} {
			do(t, ctx, chromedp.EmulateViewport(size[0], size[1]))
			arrive(t, ctx, url+p)
			where := fmt.Sprintf("%dx%d %s", size[0], size[1], p)
			// Wider than the window, or cut off inside a box that hides or
			// scrolls what does not fit.
			bad := eval[[]string](t, ctx, `(() => {
				const W = document.documentElement.clientWidth, out = [];
				if (document.documentElement.scrollWidth > W) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
				for (const e of document.querySelectorAll('body *')) {
					const r = e.getBoundingClientRect();
					if (r.width === 0 || r.height === 0) continue;
					const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
					if (r.right > W + 1) out.push(name + ' reaches ' + Math.round(r.right));
					const o = getComputedStyle(e).overflowX;
					if (o !== 'visible' && e.tagName !== 'SELECT' && e.tagName !== 'INPUT' && e.scrollWidth > e.clientWidth + 1) out.push(name + ' cuts off ' + (e.scrollWidth - e.clientWidth) + ' px');
				}
				return out.slice(0, 10);
			})()`)
			if len(bad) > 0 {
				t.Errorf("%s: %v", where, bad)
			}
			if strings.Contains(p, "present") {
				font := "20px"
				if size[0] < 600 {
					font = "17px" // a phone's presentation: large, but within its width
				}
				if got := eval[string](t, ctx, `getComputedStyle(document.documentElement).fontSize + ' ' + document.getElementById('racers').offsetParent + ' ' + [...document.querySelectorAll('#charts figure')].filter((f) => f.offsetParent).length`); got != font+" null 1" {
					t.Errorf("%s: presentation mode shows (type size, the racers' cards' parent, charts shown) %q, want %s null 1", where, got, font)
				}
			}
			screenshot(t, ctx, fmt.Sprintf("size-%dx%d-%d", size[0], size[1], len(p)))
		}
	}
}

// TestBrowserPresentationKeys: p enters presentation mode and Escape
// leaves it; the address keeps it.
func TestBrowserPresentationKeys(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?lesson=ill-conditioning&t=10")
	do(t, ctx, chromedp.KeyEvent("p"))
	waitFor(t, ctx, "presentation mode", `document.documentElement.classList.contains('present') && location.search.includes('present=on') && document.getElementById('present').getAttribute('aria-pressed') === 'true'`)
	do(t, ctx, chromedp.KeyEvent("\u001b"))
	waitFor(t, ctx, "back from presentation mode", `!document.documentElement.classList.contains('present') && !location.search.includes('present')`)
}

// TestBrowserBadLinksFallBack: every bad part of a link goes back to its
// default with a message that names it, and the race runs: a map and racers,
// no exception.
func TestBrowserBadLinksFallBack(t *testing.T) {
	ctx := browser(t)
	base := startServer(t)
	errs := console(t, ctx)
	for link, want := range map[string]string{
		"surface=nosuch":                   "surface=nosuch is not accepted (accepted surfaces: quadratic",
		"clock=bogus":                      "clock=bogus is not accepted (accepted clocks: iterations",
		"speed=1e300":                      "speed=1e300 is not accepted",
		"start=1e308,1e308":                "start=1e308,1e308 is not accepted",
		"start=1,2,3":                      "the start back to the default",
		"lesson=nope":                      "lesson=nope is not accepted",
		"tol=-1&patience=x&view=1,0,0,1":   "tol=-1 is not accepted",
		"seed=1.5&patience=-2&map_blur=99": "seed=1.5 is not accepted",
	} {
		arrive(t, ctx, base+"/?"+link+"&t=3")
		got := eval[string](t, ctx, `document.querySelector('[data-error-for="surface"]').textContent`)
		if !strings.Contains(got, want) {
			t.Errorf("?%s: the page says %q, want %q", link, got, want)
		}
		if ok := eval[bool](t, ctx, `window.saddle.surface.n > 0 && window.saddle.state.racers.length === 3 && [...window.saddle.racers.values()].every((r) => r.iter.length > 0)`); !ok {
			t.Errorf("?%s: no map or no racers", link)
		}
		// The address holds none of the bad values.
		have, _ := url.ParseQuery(strings.TrimPrefix(eval[string](t, ctx, `location.search`), "?"))
		asked, _ := url.ParseQuery(link)
		for key, v := range asked {
			if have.Get(key) == v[0] {
				t.Errorf("?%s: the address still says %s=%s", link, key, v[0])
			}
		}
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("console errors: %v", e)
	}
}

// TestBrowserReconnectRestoresTheRace: the server restarts mid-race; the
// page reconnects and the race is where it was, and Pause pressed while
// disconnected holds. The address holds the clock while the race plays.
func TestBrowserReconnectRestoresTheRace(t *testing.T) {
	ctx := browser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := func() (stop func()) {
		sctx, cancel := context.WithCancel(context.Background())
		done, ready := make(chan error, 1), make(chan struct{})
		go func() {
			done <- web.Serve(sctx, web.Options{Addr: addr, MaxSessions: 8, MaxPerClient: stream.DefaultMaxPerClient, Limits: race.DefaultLimits,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(string) { close(ready) }}, io.Discard)
		}()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("serving on %s: %v", addr, err)
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("the server ended with %v", err)
			}
		}
	}
	stop := serve()
	do(t, ctx, chromedp.Navigate("http://"+addr+"/?surface=quadratic&opt=gd:lr=0.001&opt=adam:lr=0.001&tol=0&speed=100"))
	waitFor(t, ctx, "the race", `window.saddle && window.saddle.gen >= 0 && window.saddle.racers.size === 2`)
	do(t, ctx, chromedp.Click(chromedp.ID("play")))
	waitFor(t, ctx, "the address to follow the race", `Number(new URLSearchParams(location.search).get('t')) >= 30`)
	stop()
	waitFor(t, ctx, "the page to see the server gone", `document.getElementById('connection').dataset.status === 'closed'`)
	clock := eval[float64](t, ctx, `Math.max(...[...window.saddle.racers.values()].map((r) => r.iter.at(-1)))`)
	do(t, ctx, chromedp.Click(chromedp.ID("play"))) // Pause, while disconnected
	if got := eval[string](t, ctx, `document.getElementById('play').textContent`); got != "Play" {
		t.Errorf("after Pause while disconnected the button says %q", got)
	}
	stop = serve()
	defer func() { stop() }()
	waitFor(t, ctx, "the race restored", fmt.Sprintf(`document.getElementById('connection').dataset.status === 'open' && document.getElementById('race-status').dataset.message === 'arrived' && [...window.saddle.racers.values()].every((r) => r.iter.at(-1) >= %g)`, clock))
	if eval[bool](t, ctx, `window.saddle.playing`) {
		t.Error("the race plays again although Pause was pressed while disconnected")
	}
	if n := eval[int](t, ctx, `window.saddle.racers.get('r1').iter.filter((v, i, a) => i > 0 && v <= a[i - 1]).length`); n != 0 {
		t.Errorf("the restored race has %d iterates out of order", n)
	}

	// A link's race cut off on its way to t goes on to t, and stops there:
	// a seek is not play.
	do(t, ctx, chromedp.Navigate("http://"+addr+"/?lesson=rnn-exploding-gradients&t=300"))
	waitFor(t, ctx, "the seek under way", `window.saddle && window.saddle.playing && [...window.saddle.racers.values()].some((r) => r.iter.at(-1) >= 10)`)
	stop()
	waitFor(t, ctx, "the page to see the server gone", `document.getElementById('connection').dataset.status === 'closed'`)
	stop = serve()
	waitFor(t, ctx, "the link's race at 300", `document.getElementById('race-status').dataset.message === 'arrived' && !window.saddle.playing && [...window.saddle.racers.values()].every((r) => r.iter.at(-1) === 300)`)
}

// TestBrowserMapShowsWhatTheLessonAsks: in a lesson the map names every
// racer in a legend clear of their current points, has a colour bar, and
// draws no curvature until asked; then the labels keep off the points and
// off each other.
func TestBrowserMapShowsWhatTheLessonAsks(t *testing.T) {
	ctx := browser(t)
	recordCanvasText(t, ctx)
	url := startServer(t)
	arrive(t, ctx, url+"/?lesson=ill-conditioning&t=200")
	specs := eval[[]string](t, ctx, `window.saddle.state.racers.map((r) => r.spec)`)
	if m := containsAll(drawnText(t, ctx, "#landscape"), append(specs, "f − min f + δ (log scale)", "x₀", "x₁")...); len(m) > 0 {
		t.Errorf("the map does not show %v", m)
	}
	check := `(() => {
		const L = window.saddle.landscape, ends = L.ends(), boxes = [L.legendBox, ...(L.labels || [])];
		const over = (p, q) => p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
		const bad = [];
		for (const b of boxes) for (const e of ends) if (over(b, { x: e.x - 5, y: e.y - 5, w: 10, h: 10 })) bad.push((b.text || 'the legend') + ' covers ' + e.r.spec);
		for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (over(boxes[i], boxes[j])) bad.push((boxes[i].text || 'the legend') + ' covers ' + boxes[j].text);
		const b = document.querySelector('.view-buttons').getBoundingClientRect(), c = document.getElementById('landscape').getBoundingClientRect();
		if (over(L.legendBox, { x: b.left - c.left, y: b.top - c.top, w: b.width, h: b.height })) bad.push('the view buttons cover the legend');
		return bad;
	})()`
	if got := eval[bool](t, ctx, `window.saddle.landscape.curvature || (window.saddle.landscape.labels || []).length > 0`); got {
		t.Error("a lesson's map draws the curvature before it is asked for")
	}
	if bad := eval[[]string](t, ctx, check); len(bad) > 0 {
		t.Errorf("on the map: %v", bad)
	}
	do(t, ctx, chromedp.Click(chromedp.ID("toggle-curvature")))
	waitFor(t, ctx, "the curvature's labels", `(window.saddle.landscape.labels || []).some((l) => l.text.startsWith('λ'))`)
	if bad := eval[[]string](t, ctx, check); len(bad) > 0 {
		t.Errorf("with the curvature shown: %v", bad)
	}
	if !strings.Contains(eval[string](t, ctx, `location.search`), "curvature=on") {
		t.Error("the address does not keep the curvature shown")
	}
	screenshot(t, ctx, "lesson-map-curvature")
}

// TestBrowserSixteenRacers: racers 9 to 16 repeat the eight colours, dashed
// and with square points; Add says why it is disabled.
func TestBrowserSixteenRacers(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	q := ""
	for i := 1; i <= 16; i++ {
		q += fmt.Sprintf("&opt=gd:lr=%g", 0.001*float64(i))
	}
	arrive(t, ctx, url+"/?surface=quadratic"+q+"&t=30")
	got := eval[string](t, ctx, `(() => {
		const sw = [...document.querySelectorAll('#leaderboard .swatch')].map((s) => s.classList.contains('square') ? 's' : 'c');
		const ends = window.saddle.landscape.ends().map((e) => e.shape[0]).join('');
		return sw.filter((x) => x === 's').length + ' ' + ends + ' ' + document.getElementById('add-racer').disabled + ' ' + document.getElementById('add-racer-why').textContent;
	})()`)
	// In racer order: eight circles, then eight squares.
	if want := "8 ccccccccssssssss true A race has at most 16 racers: remove one to add another."; got != want {
		t.Errorf("16 racers: %q, want %q", got, want)
	}
	screenshot(t, ctx, "sixteen-racers")
}

// TestBrowserContinuationMapBlur: the continuation lesson's map follows the
// continuation racer and says so; a student can look at the surface at any
// blur without changing what the racers are scored on, and the link keeps it.
func TestBrowserContinuationMapBlur(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?lesson=continuation-rastrigin&t=100")
	caption := eval[string](t, ctx, `document.getElementById('surface-blur').textContent`)
	for _, want := range []string{"The map shows the surface as gd:lr=0.004,blur_from=2,blur_steps=600 sees it", "Every racer is scored on the surface itself"} {
		if !strings.Contains(caption, want) {
			t.Errorf("the caption %q does not say %q", caption, want)
		}
	}
	f := eval[float64](t, ctx, `window.saddle.racers.get('r1').f.at(-1)`)
	do(t, ctx, chromedp.SetValue(chromedp.ID("map-blur-mode"), "fixed"))
	eval[any](t, ctx, `document.getElementById('map-blur-mode').dispatchEvent(new Event('change'))`)
	eval[any](t, ctx, `(() => { const s = document.getElementById('map-blur'); s.value = '0.5'; s.dispatchEvent(new Event('input')); })()`)
	waitFor(t, ctx, "the map blurred by 0.5", `window.saddle.surface.map_blur && window.saddle.surface.blur_s === 0.5 && document.getElementById('surface-blur').textContent.startsWith('The map shows the surface blurred by s = 0.5, for looking only.')`)
	if got := eval[float64](t, ctx, `window.saddle.racers.get('r1').f.at(-1)`); got != f {
		t.Errorf("looking at a blurred map changed the racer's f from %v to %v", f, got)
	}
	waitFor(t, ctx, "the address to keep the map's blur", `location.search.includes('map_blur=0.5')`)
	arrive(t, ctx, eval[string](t, ctx, `location.href`))
	waitFor(t, ctx, "the map's blur after a reload", `window.saddle.surface.map_blur && window.saddle.surface.blur_s === 0.5 && document.getElementById('map-blur-mode').value === 'fixed'`)
}

// TestBrowserCanvasesSayWhatTheyShow: the confusion matrix names iris's
// species and its axes; a slice of a network's loss has axes and a colour
// bar.
func TestBrowserCanvasesSayWhatTheyShow(t *testing.T) {
	ctx := browser(t)
	recordCanvasText(t, ctx)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=iris,h1=8,h2=0&opt=adam:lr=0.02&t=30")
	waitFor(t, ctx, "the confusion matrix", `document.querySelector('#netview .net-tile canvas')?.__texts?.size > 0`)
	if m := containsAll(drawnText(t, ctx, "#netview .net-tile canvas"), "predicted class →", "true class →", "setosa", "virginica"); len(m) > 0 {
		t.Errorf("the confusion matrix does not show %v", m)
	}
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-n"), "9"), chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the slice", `document.getElementById('slice-progress').hidden && !document.getElementById('slice-map').hidden`)
	if m := containsAll(drawnText(t, ctx, "#slice-map"), "α (along direction δ)", "β (along direction η)", "training loss (log scale)"); len(m) > 0 {
		t.Errorf("the slice does not show %v", m)
	}
	var raw json.RawMessage = []byte(eval[string](t, ctx, `JSON.stringify(window.saddle.surface.classes)`))
	if string(raw) != `["setosa","versicolor","virginica"]` {
		t.Errorf("iris's classes: %s", raw)
	}
}

// TestBrowserBinaryFramesReadAsJSON: the page's reader of binary frames
// (static/frames.js) gives, for the same race, what the JSON frame says
// (all but the computing times, which are the machine's).
func TestBrowserBinaryFramesReadAsJSON(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=saddle&opt=newton&t=1")
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	diffs, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](`(async () => {
		const { decodeFrame } = await import('/static/frames.js');
		const open = (q) => new Promise((res) => { const ws = new WebSocket('ws://' + location.host + '/ws' + q); ws.binaryType = 'arraybuffer'; ws.onopen = () => res(ws); });
		const next = (ws) => new Promise((res) => {
			ws.onmessage = (ev) => {
				const m = typeof ev.data === 'string' ? JSON.parse(ev.data) : decodeFrame(ev.data);
				if (m && m.type === 'frame') res(m);
			};
		});
		// Points as the binary reader gives them; keys in one order.
		const flat = (f) => {
			for (const r of f.racers) {
				if (Array.isArray(r.points)) r.points = { stride: r.points[0].length, rows: r.points.length, data: r.points.flat() };
				else r.points.data = Array.from(r.points.data);
				// Computing time, the fourth number of a row, is the machine's.
				for (let i = 3; i < r.points.data.length; i += r.points.stride) r.points.data[i] = 0;
				r.reason ||= '';
			}
			return f;
		};
		const canon = (x) => Array.isArray(x) ? '[' + x.map(canon).join(',') + ']' : x && typeof x === 'object' ? '{' + Object.keys(x).sort().map((k) => k + ':' + canon(x[k])).join(',') + '}' : String(x);
		const [j, b] = await Promise.all([open('?frames=json'), open('?frames=binary')]);
		const conf = JSON.stringify({ type: 'configure', surface: 'saddle', tol: 0, racers: [{ id: 'a', opt: 'newton' }, { id: 'b', opt: 'bfgs' }, { id: 'c', opt: 'nesterov-lookahead:lr=0.01' }, { id: 'd', opt: 'gd:lr=9' }] });
		const diffs = [];
		for (const msg of [conf, '{"type":"step"}', '{"type":"step"}']) {
			const [fj, fb] = [next(j), next(b)];
			j.send(msg); b.send(msg);
			const [a, c] = [canon(flat(await fj)), canon(flat(await fb))];
			if (a !== c) diffs.push('JSON ' + a + '\nbinary ' + c);
		}
		j.close(); b.close();
		return diffs;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("the frames differ:\n%.2000s", d)
	}
}
