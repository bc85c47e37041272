// Package e2e tests the app as a user meets it: the server on a loopback
// port and the page in headless Chromium.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/stream"
	"github.com/saddle-viz/saddle/web"
)

const chromiumPath = "/usr/bin/chromium"

// startServer serves the app (web.Serve, what `saddle serve` runs) on a
// free loopback port and waits for /healthz. It stops the server when the
// test ends and checks that it shut down cleanly.
func startServer(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- web.Serve(ctx, web.Options{Addr: "127.0.0.1:0", MaxSessions: 64, MaxPerClient: stream.DefaultMaxPerClient, IdleTimeout: stream.DefaultIdleTimeout, Limits: race.DefaultLimits, Log: log,
			Ready: func(addr string) { ready <- addr }}, io.Discard)
	}()
	var url string
	select {
	case addr := <-ready:
		url = "http://" + addr
	case err := <-done:
		t.Fatalf("the server stopped: %v", err)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v", err)
	}
	resp.Body.Close()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the server ended with %v", err)
		}
	})
	return url
}

// browser starts headless Chromium for one test. Without Chromium the test
// is skipped, unless SADDLE_E2E=1 (CI), where that is a failure.
func browser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("SADDLE_E2E") == "1" {
			t.Fatalf("SADDLE_E2E=1 but %s is missing: install Debian's chromium", chromiumPath)
		}
		t.Skipf("browser test skipped: %s is missing (apt-get install chromium; SADDLE_E2E=1 makes this a failure)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		// WebGL for the 3-D view, from Chromium's software renderer.
		chromedp.Flag("use-angle", "swiftshader"), chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	return ctx
}

// do runs browser actions with a time limit.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it holds.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := poll(tctx, expr); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// poll waits until a JavaScript predicate holds in the page, or ctx ends.
// One chromedp.Poll runs in the execution context the page had when it
// was sent: one sent as a navigation's new document replaces the old can
// wait in the old one for ever, though the predicate holds in the new.
// So each poll is given a few seconds and then sent again, to whatever
// document is there by then.
func poll(ctx context.Context, expr string) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := chromedp.Run(pctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(4*time.Second)))
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
}

// pixels is a JavaScript expression: how many pixels of the canvas with the
// given id satisfy test, a condition on the colour's r, g and b, within the
// columns that start at the fraction from of its width and span the
// fraction width. The canvas is copied first, so WebGL canvases count too.
func pixels(id string, from, width float64, test string) string {
	return fmt.Sprintf(`(() => {
		const src = document.getElementById(%q), c = document.createElement('canvas');
		c.width = src.width; c.height = src.height;
		const cx = c.getContext('2d'); cx.drawImage(src, 0, 0);
		const d = cx.getImageData(Math.ceil(c.width * %g), 0, Math.floor(c.width * %g), c.height).data;
		let n = 0;
		for (let i = 0; i < d.length; i += 4) {
			const r = d[i], g = d[i + 1], b = d[i + 2];
			if (%s) n++;
		}
		return n;
	})()`, id, from, width, test)
}

// screenshot saves the page as a PNG for people to look at, in
// $SADDLE_ARTIFACTS when it is set (make artifacts), else in the test's
// temporary directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SADDLE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir() // kept only when asked for
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserRace(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	do(t, ctx, chromedp.Navigate(url))
	waitFor(t, ctx, "the surface and three racers at their start",
		`window.saddle && window.saddle.surface && ['r1','r2','r3'].every(id => window.saddle.racers.get(id)?.iter.length >= 1)`)
	if got := eval[string](t, ctx, `window.saddle.surface.name`); got != "rosenbrock" {
		t.Fatalf("the default surface is %q, want rosenbrock", got)
	}

	// Play: the three racers run, their paths are drawn, the leaderboard fills.
	do(t, ctx, chromedp.Click(chromedp.ID("play")))
	waitFor(t, ctx, "60 iterations of each racer",
		`['r1','r2'].every(id => window.saddle.racers.get(id).iter.length > 60) && window.saddle.racers.get('r3').iter.length > 10`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#leaderboard tbody tr').length`); n != 3 {
		t.Errorf("the leaderboard has %d rows, want 3", n)
	}
	// The paths are on the canvas: pixels in the racers' colours near their
	// current points.
	painted := eval[bool](t, ctx, `(() => {
		const c = document.getElementById('landscape'), ctx = c.getContext('2d'), dpr = window.devicePixelRatio || 1;
		const L = window.saddle.landscape, want = ['#d55e00', '#56b4e9'];
		return ['r1', 'r2'].every((id, i) => {
			const r = window.saddle.racers.get(id), n = r.xs.length;
			const [x, y] = L.toPx(r.xs[n - 2], r.xs[n - 1]);
			const d = ctx.getImageData(Math.round(x * dpr) - 2, Math.round(y * dpr) - 2, 5, 5).data;
			const hex = want[i], R = parseInt(hex.slice(1, 3), 16), G = parseInt(hex.slice(3, 5), 16), B = parseInt(hex.slice(5, 7), 16);
			for (let k = 0; k < d.length; k += 4) if (Math.abs(d[k] - R) < 30 && Math.abs(d[k + 1] - G) < 30 && Math.abs(d[k + 2] - B) < 30) return true;
			return false;
		});
	})()`)
	if !painted {
		t.Error("the racers' current points are not drawn in their colours")
	}
	screenshot(t, ctx, "race-rosenbrock")

	// Change a learning rate: the racer restarts with the new spec.
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`.racer[data-id="r2"] .param[data-param="lr"] .param-value`), "0.01"))
	waitFor(t, ctx, "the retuned racer", `window.saddle.state.racers.find(r => r.id === 'r2').spec === 'adam:lr=0.01'`)

	// Reset: a new generation, every racer back at iteration 0.
	gen := eval[int](t, ctx, `window.saddle.gen`)
	do(t, ctx, chromedp.Click(chromedp.ID("reset")))
	waitFor(t, ctx, "the reset", fmt.Sprintf(`window.saddle.gen > %d && !window.saddle.playing`, gen))

	// Click a new start point on the map.
	box := eval[[]float64](t, ctx, `(() => { const r = document.getElementById('landscape').getBoundingClientRect(); return [r.left, r.top]; })()`)
	want := eval[[]float64](t, ctx, `window.saddle.landscape.toWorld(300, 200)`)
	do(t, ctx, chromedp.MouseClickXY(box[0]+300, box[1]+200))
	waitFor(t, ctx, "the new start", fmt.Sprintf(`window.saddle.state.start && Math.abs(window.saddle.state.start[0] - %g) < 1e-9 && Math.abs(window.saddle.state.start[1] - %g) < 1e-9`, want[0], want[1]))
	waitFor(t, ctx, "the racers at the new start", fmt.Sprintf(`window.saddle.racers.get('r1')?.xs[0] === %g`, want[0]))

	// A bad value typed into a box is refused beside it, in a student's
	// words; the race and the address keep the last good value.
	spec := eval[string](t, ctx, `window.saddle.state.racers.find((r) => r.id === 'r1').spec`)
	for typed, want := range map[string]string{
		"-3":    "-3 is too small: learning rate takes a number from 0 to 100.",
		"abc":   "“abc” is not a number: learning rate takes a number from 0 to 100.",
		"":      "learning rate needs a value: type a number from 0 to 100.",
		"1e400": "1e400 is too large: learning rate takes a number from 0 to 100.",
	} {
		eval[any](t, ctx, fmt.Sprintf(`(() => {
			const box = document.querySelector('.racer[data-id="r1"] .param[data-param="lr"] .param-value');
			box.value = %q;
			box.dispatchEvent(new Event('change'));
		})()`, typed))
		if got := eval[string](t, ctx, `document.querySelector('.racer[data-id="r1"] .param[data-param="lr"] .param-note').textContent`); got != want {
			t.Errorf("typing %q: the note says %q, want %q", typed, got, want)
		}
		if got := eval[string](t, ctx, `window.saddle.state.racers.find((r) => r.id === 'r1').spec + ' ' + new URLSearchParams(location.search).getAll('opt')[0]`); got != spec+" "+spec {
			t.Errorf("typing %q changed the race or the address: %s", typed, got)
		}
	}
	screenshot(t, ctx, "race-error")

	// The page loaded nothing from the network and broke no CSP rule.
	if errs := eval[[]string](t, ctx, `performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin.replace('http', 'ws')) && !n.startsWith(location.origin))`); len(errs) > 0 {
		t.Errorf("resources from elsewhere: %v", errs)
	}
	if strings.Contains(eval[string](t, ctx, `document.getElementById('connection').textContent`), "disconnected") {
		t.Error("the page lost its connection")
	}
}

// BenchmarkPageFrameRate measures, in Chromium, how many full redraws a
// second the page makes (landscape, four charts, leaderboard) with 8 racers
// of 20,000 points each:
//
//	go test -run '^$' -bench PageFrameRate -benchtime 1x .
func BenchmarkPageFrameRate(b *testing.B) {
	ctx := browser(b)
	url := startServer(b)
	racers := `[` + strings.Repeat(`{"opt":"adam:lr=0.0001"},{"opt":"momentum:lr=0.0002"},`, 3) + `{"opt":"gd:lr=0.0005"},{"opt":"rmsprop:lr=0.0005"}]`
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		b.Fatal(err)
	}
	if err := poll(ctx, `window.saddle && window.saddle.surface && window.saddle.gen >= 1`); err != nil {
		b.Fatal(err)
	}
	// Drive the page's own socket: configure 8 racers at full speed and wait
	// for 20,000 points each.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = window.saddle;
		s.send({type: 'configure', surface: 'rosenbrock', speed: 1e6, tol: 0, racers: `+racers+`});
		s.send({type: 'play'});
	})()`)); err != nil {
		b.Fatal(err)
	}
	pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := poll(pctx, `window.saddle.racers.size === 8 && [...window.saddle.racers.values()].every(r => r.iter.length >= 20000)`); err != nil {
		b.Fatal(err)
	}
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.saddle.send({type: 'pause'})`))
	for b.Loop() {
		fps, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(async () => {
			const frames = 30, t0 = performance.now();
			for (let i = 0; i < frames; i++) {
				window.saddle.invalidate();
				await new Promise((r) => requestAnimationFrame(r));
			}
			await new Promise((r) => requestAnimationFrame(r));
			return frames * 1000 / (performance.now() - t0);
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(fps, "redraws/s")
	}
}

// TestBrowserSpecMirrorsGo runs the spec cases that package spec is tested
// on through the page's static/spec.js: the page reads specs as the server
// does, errors included.
func TestBrowserSpecMirrorsGo(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	do(t, ctx, chromedp.Navigate(url+"/lessons"))
	cases, err := os.ReadFile("../spec/testdata/specs.json")
	if err != nil {
		t.Fatal(err)
	}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	got, err := chromedp.Run(tctx, chromedp.Evaluate[[]map[string]any](`import('/static/spec.js').then((m) => `+string(cases)+`.map((c) => {
		const s = m.parse(c.text, c.rest || []);
		return s.error ? { error: s.error.field, message: s.error.message } : { name: s.name, pairs: s.pairs, string: m.format(s) };
	}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var want []map[string]any
	json.Unmarshal(cases, &want)
	for i, w := range want {
		g := got[i]
		if e, ok := w["error"]; ok {
			if g["error"] != e || !strings.Contains(fmt.Sprint(g["message"]), fmt.Sprint(w["message"])) {
				t.Errorf("%q: the page says %v; want an error at %q saying %q", w["text"], g, e, w["message"])
			}
			continue
		}
		if g["name"] != w["name"] || g["string"] != w["string"] || fmt.Sprint(g["pairs"]) != fmt.Sprint(w["pairs"]) {
			t.Errorf("%q: the page reads %v; want %v", w["text"], g, w)
		}
	}
}

// BenchmarkPageLiveRace measures the page's frames a second during a race
// of 16 racers at 1,000 iterations a second (the most a race has, playing
// fast), over three seconds once 5,000 iterations are in, as the display's
// animation frames count them: a frame whose work outlasts 1/60 s delays
// the next.
//
//	go test -run '^$' -bench PageLiveRace -benchtime 1x ./e2e
func BenchmarkPageLiveRace(b *testing.B) {
	ctx := browser(b)
	url := startServer(b)
	q := ""
	for i := range 16 {
		q += fmt.Sprintf("&opt=adam:lr=%g", 0.0002*float64(i+1))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/?surface=rosenbrock&tol=0&speed=1000"+q)); err != nil {
		b.Fatal(err)
	}
	if err := poll(ctx, `window.saddle && window.saddle.surface && window.saddle.racers.size === 16`); err != nil {
		b.Fatal(err)
	}
	chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.saddle.send({type: 'play'})`))
	pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := poll(pctx, `[...window.saddle.racers.values()].every(r => r.iter.length >= 5000)`); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		fps, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise((resolve) => {
			let n = 0;
			const t0 = performance.now();
			const tick = () => {
				n++;
				const dt = performance.now() - t0;
				if (dt < 3000) requestAnimationFrame(tick);
				else resolve(n * 1000 / dt);
			};
			requestAnimationFrame(tick);
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(fps, "frames/s")
	}
}

// TestBrowserFormulaBox: a user types their own surface. A bad formula is
// marked under its failing column and does not reach the race; an example
// races at once, shown back as MathML and carried in the permalink; the map
// is drawn and the racers move on the formula's exact gradient.
func TestBrowserFormulaBox(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=expr&opt=adam:lr=0.05&opt=newton&t=5")
	waitFor(t, ctx, "the formula box with the default formula", `!document.getElementById('formula').hidden && document.querySelector('#formula-echo math') !== null && document.getElementById('formula-input').value.startsWith('(x^2 - 1)^2')`)
	if hidden := eval[bool](t, ctx, `document.querySelector('#surface-params [data-param="f"]') === null`); !hidden {
		t.Error("the formula is also among the settings' sliders")
	}
	// A formula with a mistake at column 7.
	eval[any](t, ctx, `document.getElementById('formula-input').value = ''`)
	do(t, ctx, chromedp.SendKeys(chromedp.ID("formula-input"), "x + y^"))
	waitFor(t, ctx, "the problem under column 7", `(() => { const e = document.getElementById('formula-error'); return !e.hidden && e.dataset.column === '7' && e.textContent.includes('column 7: expected an expression after "^"') && e.textContent.split('\n')[1].indexOf('^') === 6; })()`)
	if inv := eval[string](t, ctx, `document.getElementById('formula-input').getAttribute('aria-invalid')`); inv != "true" {
		t.Errorf("the box's aria-invalid is %q", inv)
	}
	if spec := eval[string](t, ctx, `window.saddle.surface.spec`); strings.Contains(spec, "y^") {
		t.Errorf("the bad formula reached the race: %s", spec)
	}
	// An example races at once.
	eval[any](t, ctx, `(() => { const s = document.getElementById('formula-examples'); s.value = 'x^3 - 3*x*y^2'; s.dispatchEvent(new Event('change')); })()`)
	waitFor(t, ctx, "the monkey saddle racing", `window.saddle.surface.spec === 'expr:f=x^3 - 3*x*y^2' && document.getElementById('formula-error').hidden && document.querySelector('#formula-echo msup') !== null && new URL(location.href).searchParams.get('surface') === 'expr:f=x^3 - 3*x*y^2'`)
	do(t, ctx, chromedp.Click(chromedp.ID("play")))
	waitFor(t, ctx, "both racers moving", `[...window.saddle.racers.values()].every((r) => r.iter.at(-1) >= 3)`)
	// Newton's first step on x³ − 3xy² from (−1.5, 1.5), by hand: the
	// gradient is (3x² − 3y², −6xy) = (0, 13.5), the Hessian
	// [[6x, −6y], [−6y, −6x]] = [[−9, −9], [−9, 9]]; H⁻¹g = (−0.75, 0.75),
	// so Newton goes to (−1.5, 1.5) − (−0.75, 0.75) = (−0.75, 0.75).
	got := eval[[]float64](t, ctx, `(() => { const r = [...window.saddle.racers.values()].find((r) => r.spec === 'newton'); return [r.xs[2], r.xs[3]]; })()`)
	if math.Abs(got[0]-(-0.75)) > 1e-12 || math.Abs(got[1]-0.75) > 1e-12 {
		t.Errorf("Newton's first step on the typed formula went to %v; by hand (−0.75, 0.75)", got)
	}
	screenshot(t, ctx, "formula-box")
}
