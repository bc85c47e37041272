package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/saddle-viz/saddle/web"
)

// arrive opens a page and waits until its race has run to the clock value
// the address gives (t) and stopped there.
func arrive(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(url))
	// A generous limit: a lesson's race of a recurrent network takes 7 s
	// here alone, and four times that beside two busy processes.
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := poll(tctx, `window.saddle && window.saddle.surface && !window.saddle.playing && ['arrived', 'the race is over'].some((m) => (document.getElementById('race-status').dataset.message || '').startsWith(m))`); err != nil {
		// Say where the page is, to tell a slow race from a stuck one.
		where := eval[string](t, ctx, `JSON.stringify(window.saddle ? { playing: window.saddle.playing, gen: window.saddle.gen, message: document.getElementById('race-status').dataset.message, connection: document.getElementById('connection').textContent, opens: window.saddle.opens, clocks: [...window.saddle.racers.values()].map((r) => r.iter.at(-1)) } : 'no page')`)
		t.Fatalf("%s: the race did not arrive (%v): %s", url, err, where)
	}
	// A network's tiles come with its first report and push the panels below
	// them down: a click aimed before they are drawn lands elsewhere.
	waitFor(t, ctx, "the network view drawn", `(() => {
		const view = document.getElementById('netview');
		if (view.hidden) return true;
		const caps = [...view.querySelectorAll('.net-tile figcaption')];
		return caps.length === window.saddle.racers.size && caps.every((c) => c.textContent !== '');
	})()`)
}

// lessonOutcomes holds, for every lesson, how far to run it and the outcome
// its text promises, as a JavaScript predicate over the racers r1, r2, …
// (each with iter, evals, f, gnorm, xs and reached).
var lessonOutcomes = map[string]struct {
	t       int
	promise string
}{
	"ill-conditioning":         {200, `r2.reached && r3.reached && r2.reached.iter < 170 && r3.reached.iter < r2.reached.iter && !r1.reached && length(r3) < length(r2) && 3 * length(r2) < length(r1)`},
	"saddle-points":            {30, `Math.hypot(last(r2)[0], last(r2)[1]) < 1e-8 && Math.abs(Math.abs(last(r3)[1]) - 1) < 1e-6 && Math.abs(last(r3)[0]) < 1e-6 && Math.abs(Math.abs(last(r1)[1]) - 1) < 0.05`},
	"plateaus":                 {100, `Math.hypot(last(r1)[0] - 3.5, last(r1)[1] - 2.5) < 1e-3 && Math.hypot(last(r2)[0] - 3.5, last(r2)[1] - 2.5) > 1`},
	"cliffs":                   {60, `anyOut(r1) && r1.xs[2] < -20 && !anyOut(r2) && r2.reached && r2.reached.iter < 60 && Math.hypot(last(r2)[0] - 1.3381, last(r2)[1]) < 1e-3 && window.saddle.surface.critical.some((c) => c.kind === 'minimum' && Math.abs(c.x[0] - 1.3381) < 1e-3)`},
	"continuation-rastrigin":   {700, `fin(r1) > 10 && fin(r2) < 1e-6`},
	"continuation-wells":       {400, `fin(r1) > -0.01 && fin(r2) < -0.7`},
	"weight-space-symmetry":    {400, `Math.abs(last(r1)[0] * last(r1)[1] - 1) < 1e-3 && Math.abs(last(r1)[0] - last(r1)[1]) > 1 && Math.abs(last(r2)[0] - last(r2)[1]) < 0.01`},
	"permutation-symmetry":     {400, `[r1, r2].every((r) => fin(r) < 0.02 && r.diag.net.train_err < 0.02)`},
	"adaptive-methods":         {500, `[r1, r2, r3, r4].every((r) => fin(r) < 0.2)`},
	"second-order":             {60, `Math.hypot(last(r1)[0], last(r1)[1] - 1) < 1e-8 && r1.status === 'converged' && r1.diag.eig[0] < -27 && [r2, r3].every((r) => r.status === 'converged' && Math.hypot(last(r)[0] - 3, last(r)[1] - 0.5) < 1e-5 && r.diag.eig[0] > 0)`},
	"quasi-newton":             {200, `[r1, r2, r3, r4].every((r) => r.reached) && r1.reached.clock < r3.reached.clock && r3.reached.clock < r2.reached.clock && [...document.querySelectorAll('#leaderboard tbody tr')].find((tr) => tr.dataset.id === 'r1').cells[5].textContent === String(r1.cost.at(-1))`},
	"natural-gradient":         {40, `r3.status === 'refused' && r2.reached && r2.reached.iter < 25 && !r1.reached`},
	"natural-gradient-network": {40, `fin(r2) < 1e-6 && fin(r1) > 0.05 && fin(r3) > 10 * fin(r2)`},
	"sgd-noise-and-schedules":  {300, `fin(r2) < fin(r1) / 10`},
	"coordinate-descent":       {200, `r1.reached && !r3.reached`},
	"networks-spirals":         {1500, `[r1, r2, r3].every((r) => r.diag.net.train_err < 0.05) && document.querySelectorAll('#netview .net-tile').length === 3`},
	"curriculum":               {1000, `r1.f[600] > 0.6 && [600, 800, 1000].every((i) => r2.f[i] < r1.f[i] - 0.1)`},
	"pretraining":              {700, `r1.f[100] < 0.3 && r2.f[400] > 0.6 && r2.f[700] < 0.3`},
	"continuation-network":     {800, `r2.f[400] > r1.f[400] && r2.f[800] < r2.f[400]`},
	"network-landscapes":       {300, `[r1, r2].every((r) => r.diag.net.train_err < 0.1) && !document.getElementById('slices').hidden`},
	"initialization":           {100, `[r1, r2].every((r) => r.diag.net.act_std[0] === 0 && r.diag.net.act_std[1] === 0 && Math.abs(r.diag.net.train_loss - Math.log(2)) < 0.01) && document.querySelector('.racer[data-id="r1"] .racer-status').textContent.includes('layer σ of activations 0 0')`},
	"rnn-exploding-gradients": {400, `Math.max(...r1.gnorm) > 100 * Math.max(...r2.gnorm) && fin(r1) > 0.5 && fin(r2) < 0.01 && r1.diag.net.dh_norms.length === 30 && (() => {
		const c = [...document.querySelectorAll('#netview .net-tile canvas')];
		return c.length === 2 && c.every((x) => x.dataset.lo && x.dataset.lo === c[0].dataset.lo && x.dataset.hi === c[0].dataset.hi && x.getAttribute('aria-label').includes('t = 1 … 30'));
	})()`},
	"biased-gradients": {300, `Math.hypot(...last(r1)) < 1e-6 && Math.hypot(last(r2)[0] + 0.775, last(r2)[1] + 0.389711432) < 1e-6 && Math.abs(r2.gnorm.at(-1) - 1) < 1e-6 && Math.hypot(...last(r3)) < 0.2 && Math.hypot(...last(r3)) > 0.01`},
	"online-learning": {1500, `r1.diag.net.train_loss < 0.01 && r1.diag.net.val_loss > 0.5 && Math.abs(r2.diag.net.train_loss - r2.diag.net.val_loss) < 0.15 && 2 * r2.diag.net.val_loss < r1.diag.net.val_loss &&
		window.saddle.charts.loss.series.filter((s) => s.dashed).length === 2`},
	"transfer": {800, `r2.diag.net.val_err < r1.diag.net.val_err && r2.f[450] < r1.f[50] && r3.f[800] < r4.f[400] && r2.f[399] > r2.f[0] &&
		document.querySelector('.racer[data-id="' + r2.id + '"] .racer-status').textContent.includes('validation')`},
	"critical-points":  {2000, `fin(r1) < 0.3 && !document.getElementById('critical-go').hidden`},
	"deep-network":     {300, `[r1, r2].every((r) => fin(r) > 0.6 && r.diag.net.train_err > 0.3 && r.diag.net.grad_std.length === 21 && r.diag.net.grad_std[0] > 0.3 * r.diag.net.grad_std[20])`},
	"residual-network": {400, `[r2, r4].every((r) => fin(r) < 0.05 && r.diag.net.train_err < 0.02 && r.diag.net.grad_std.length === 21) && [r1, r3].every((r) => fin(r) > 0.6 && r.diag.net.train_err > 0.3)`},
	"long-term-dependencies": {600, `[r1, r2, r4].every((r) => fin(r) < 0.1 && r.diag.net.dh_norms.length === 25) && fin(r3) > 0.2 && r4.f.findIndex((f) => f < 0.1) < r1.f.findIndex((f) => f < 0.1) && (() => {
		const c = [...document.querySelectorAll('#netview .net-tile canvas')];
		return c.length === 4 && c.every((x) => x.dataset.lo === c[0].dataset.lo && x.dataset.hi === c[0].dataset.hi && x.getAttribute('aria-label').includes('t = 1 … 25'));
	})()`},
	"auxiliary-head": {1500, `[r1, r2].every((r) => r.diag.net.train_err < 0.05 && fin(r) < 0.3)`},
	"batch-normalization": {1500, `[r1, r2].every((r) => fin(r) < 0.25 && r.diag.net.train_err < 0.1 && r.diag.net.val_loss !== undefined && r.diag.net.grad_std.length === 11) && fin(r3) > 0.55 && r3.diag.net.train_err > 0.3 &&
		window.saddle.charts.loss.series.filter((s) => s.dashed).length === 3`},
	"batch-size": {4, `fin(r1) < fin(r2) && fin(r2) < fin(r3) && fin(r3) < fin(r4) && r1.iter.at(-1) === 1920 && r4.iter.at(-1) === 4 && r1.f[56] > r2.f[56] &&
		r1.diag.net.grad_noise > r2.diag.net.grad_noise && r2.diag.net.grad_noise > r3.diag.net.grad_noise && r4.diag.net.grad_noise === undefined &&
		window.saddle.charts.gnorm.series.filter((s) => s.dashed).length === 3`},
	"second-order-minibatches": {60, `r1.status === 'failed' && r2.status === 'failed' && r1.iter.at(-1) < r2.iter.at(-1) && r3.reached && r4.status === 'running' && fin(r4) < 0.5 * r4.f[0] &&
		document.querySelector('.racer[data-id="' + r1.id + '"] .racer-status').textContent.includes('a larger batch helps')`},
	"polyak-averaging": {1000, `(() => {
		const tail = (a) => a.slice(-200), mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
		return [r1, r2].every((r) => r.avgF.length === r.f.length && r.avgXs.length === r.xs.length) && 20 * Math.max(...tail(r1.avgF)) < mean(tail(r1.f)) && 3 * mean(tail(r2.avgF)) < mean(tail(r2.f)) &&
			window.saddle.charts.loss.series.filter((s) => s.dotted).length === 2;
	})()`},
	"polyak-averaging-network": {1000, `(() => {
		const tail = (a) => a.slice(-200), mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
		return 2 * r1.avgF.at(-1) < mean(tail(r1.f)) && r1.avgF.at(-1) < r2.avgF.at(-1) && Math.max(...tail(r1.avgF)) < mean(tail(r1.f));
	})()`},
	"deep-linear-plateaus": {1500, `(() => {
		const s = window.saddle.surface.singular, half = s.map((v, k) => r1.modes[k].findIndex((m) => m > v / 2));
		return s.length === 4 && half.every((h, k) => h > 0 && (k === 0 || h > half[k - 1] + 20)) &&
			r1.modes.every((m, k) => Math.abs(m[m.length - 1] - s[k]) < 0.15 * s[k]) &&
			document.querySelectorAll('#netview .net-tile:not([hidden])').length === 2 && document.getElementById('error-figure').hidden;
	})()`},
}

// reportsCurrent holds when every racer's network report describes where
// the racer is (reports are computed away from the race and come later).
const reportsCurrent = `[...window.saddle.racers.values()].every((r) => r.diag && r.diag.net && r.diag.diag_iter === r.iter.at(-1))`

func TestBrowserLessons(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	do(t, ctx, chromedp.Navigate(url+"/lessons"))
	links := eval[[]string](t, ctx, `[...document.querySelectorAll('.lesson-list a')].map(a => a.getAttribute('href'))`)
	if len(links) != len(web.Lessons) || len(web.Lessons) < 10 {
		t.Fatalf("the lesson list links %d lessons of %d: %v", len(links), len(web.Lessons), links)
	}
	screenshot(t, ctx, "lessons")
	for _, l := range web.Lessons {
		t.Run(l.Slug, func(t *testing.T) {
			o, ok := lessonOutcomes[l.Slug]
			if !ok {
				t.Fatalf("lesson %s has no outcome to check", l.Slug)
			}
			arrive(t, ctx, fmt.Sprintf("%s/?lesson=%s&t=%d", url, l.Slug, o.t))
			// A network racer's report is computed away from the race and
			// comes later: wait until each describes where its racer is.
			waitFor(t, ctx, "the racers' reports", `window.saddle.surface.n > 0 || `+reportsCurrent)
			if got := eval[string](t, ctx, `document.getElementById('lesson-title').textContent`); !strings.HasPrefix(got, l.Title) {
				t.Errorf("the lesson panel shows %q", got)
			}
			kept := eval[bool](t, ctx, `(() => {
				const R = window.saddle.racers, ids = window.saddle.state.racers.map((x) => x.id);
				const [r1, r2, r3, r4] = ids.map((id) => R.get(id));
				const last = (r) => r.xs.slice(-2), fin = (r) => r.f[r.f.length - 1];
				const length = (r) => { let L = 0; for (let i = 2; i < r.xs.length; i += 2) L += Math.hypot(r.xs[i] - r.xs[i - 2], r.xs[i + 1] - r.xs[i - 1]); return L; };
				const anyOut = (r) => { const b = window.saddle.surface.view; for (let i = 0; i < r.xs.length; i += 2) if (r.xs[i] < b[0] || r.xs[i] > b[1] || r.xs[i + 1] < b[2] || r.xs[i + 1] > b[3]) return true; return false; };
				return !!(`+o.promise+`);
			})()`)
			screenshot(t, ctx, "lesson-"+l.Slug)
			if !kept {
				state := eval[string](t, ctx, `JSON.stringify([...window.saddle.racers.values()].map((r) => ({spec: r.spec, iter: r.iter.at(-1), f: r.f.at(-1), x: r.xs.slice(-2), reached: r.reached, status: r.status})))`)
				t.Errorf("the lesson's promise %s does not hold: %s", o.promise, state)
			}
		})
	}
}

// raceData is the page's record of every racer, to compare two loads.
const raceData = `JSON.stringify(window.saddle.state.racers.map((s) => { const r = window.saddle.racers.get(s.id); return [s.spec, r.iter, r.evals, r.f, r.gnorm, r.xs]; }))`

func TestBrowserPermalinkReproducesTheRace(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=rosenbrock:noise=2&opt=adam:lr=0.05&opt=sgd:lr=0.001,momentum=0.9&opt=bfgs&seed=5&start=-1,2.5&t=40")
	first := eval[string](t, ctx, raceData)
	if !strings.Contains(first, "adam:lr=0.05") || strings.Count(first, ",40],") < 4 {
		t.Fatalf("the race did not run to 40: %.300s", first)
	}
	link := eval[string](t, ctx, `location.href`)
	for _, want := range []string{"surface=rosenbrock%3Anoise%3D2", "seed=5", "t=40", "start=-1%2C2.5"} {
		if !strings.Contains(link, want) {
			t.Errorf("the address %s lacks %s", link, want)
		}
	}
	// A fresh page from the address reproduces every number, bit for bit.
	do(t, ctx, chromedp.Navigate(url+"/lessons")) // leave the page
	arrive(t, ctx, link)
	if again := eval[string](t, ctx, raceData); again != first {
		t.Errorf("the permalink gave a different race:\n%.300s\n%.300s", first, again)
	}
	// Back and forward: a new surface, then back to the race.
	do(t, ctx, chromedp.SetValue(chromedp.ID("surface"), "saddle"))
	waitFor(t, ctx, "the saddle", `window.saddle.surface.name === 'saddle' && location.search.includes('surface=saddle')`)
	eval[any](t, ctx, `history.back()`)
	waitFor(t, ctx, "rosenbrock again", `window.saddle.pops === 1 && window.saddle.surface && window.saddle.surface.name === 'rosenbrock' && document.getElementById('surface').value === 'rosenbrock' && window.saddle.state.racers.length === 3`)
	eval[any](t, ctx, `history.forward()`)
	waitFor(t, ctx, "the saddle again", `window.saddle.pops === 2 && window.saddle.surface.name === 'saddle'`)
}

func TestBrowserExportDownloads(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	dir := t.TempDir()
	arrive(t, ctx, url+"/?surface=rosenbrock&opt=adam:lr=0.05&opt=bfgs&t=30")
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTo(true)})
		return err
	}))
	for _, format := range []string{"png", "svg", "pdf", "csv", "json"} {
		// An event stream ends when the loop over it breaks: one per download.
		ectx, cancel := context.WithTimeout(ctx, time.Minute)
		progress := chromedp.Events(ectx, cdpbrowser.DownloadProgress)
		do(t, ctx, chromedp.Click(chromedp.CSS(`#export a[data-format="`+format+`"]`)))
		var name string
		for ev, err := range progress {
			if err != nil {
				t.Fatalf("%s: the download did not complete: %v", format, err)
			}
			if ev.State == cdpbrowser.DownloadProgressStateCompleted {
				name = ev.GUID
				break
			}
		}
		cancel()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkExport(t, format, data)
	}
	// The file names say what is inside.
	href := eval[string](t, ctx, `document.querySelector('#export a[data-format="png"]').href`)
	if cd, _ := httpGet(t, href); !strings.Contains(cd, `filename="saddle-rosenbrock-adam-bfgs-30-iterations.png"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	// Under the evaluations clock the export holds what the screen shows:
	// each racer's rows up to the same clock, not the same iteration.
	arrive(t, ctx, url+"/?surface=rosenbrock&opt=adam:lr=0.05&opt=bfgs&opt=newton&clock=evaluations&t=40")
	shown := eval[[]int](t, ctx, `window.saddle.state.racers.map((s) => window.saddle.racers.get(s.id).iter.length)`)
	href = eval[string](t, ctx, `(() => { const a = document.querySelector('#export a[data-format="csv"]'); a.dispatchEvent(new Event('focus')); return a.href; })()`)
	_, body := httpGet(t, href)
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range rows[1:] {
		counts[r[0]]++
	}
	for i, opt := range []string{"adam:lr=0.05", "bfgs", "newton"} {
		if counts[opt] != shown[i] {
			t.Errorf("the export has %d rows of %s, the screen %d", counts[opt], opt, shown[i])
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

func checkExport(t *testing.T, format string, data []byte) {
	t.Helper()
	switch format {
	case "png":
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != 1600 {
			t.Errorf("png: %v", err)
		}
	case "svg":
		var doc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(data, &doc); err != nil || doc.XMLName.Local != "svg" {
			t.Errorf("svg: %v, root %q", err, doc.XMLName.Local)
		}
	case "pdf":
		if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data[len(data)-32:], []byte("%%EOF")) {
			t.Error("pdf: not a complete PDF file")
		}
	case "csv":
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil || strings.Join(rows[0], ",") != "opt,iter,evals,f,gnorm,x0,x1" || len(rows) < 32 {
			t.Errorf("csv: %v, %d rows", err, len(rows))
		}
	case "json":
		var doc struct {
			Runs []struct{ Iterates []any } `json:"runs"`
		}
		if err := json.Unmarshal(data, &doc); err != nil || len(doc.Runs) != 2 || len(doc.Runs[0].Iterates) != 31 {
			t.Errorf("json: %v, %+v", err, doc)
		}
	}
}

func TestBrowserKeyboard(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	do(t, ctx, chromedp.EmulateViewport(1280, 720))
	do(t, ctx, chromedp.Navigate(url+"/?lesson=saddle-points"))
	waitFor(t, ctx, "the race", `window.saddle && window.saddle.surface && window.saddle.racers.get('r1')?.iter.length >= 1`)
	// At 1280×720, a projector, the whole map is on the screen.
	if bottom := eval[float64](t, ctx, `document.getElementById('landscape').getBoundingClientRect().bottom`); bottom > 720 {
		t.Errorf("the map ends at %v px, below a 720 px screen", bottom)
	}
	eval[any](t, ctx, `document.activeElement.blur()`)
	do(t, ctx, chromedp.KeyEvent(" "))
	waitFor(t, ctx, "space to play", `window.saddle.playing`)
	do(t, ctx, chromedp.KeyEvent(" "))
	waitFor(t, ctx, "space to pause", `!window.saddle.playing`)
	n := eval[int](t, ctx, `window.saddle.racers.get('r1').iter.at(-1)`)
	do(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, ctx, "→ to step", fmt.Sprintf(`window.saddle.racers.get('r1').iter.at(-1) > %d && !window.saddle.playing`, n))
	gen := eval[int](t, ctx, `window.saddle.gen`)
	do(t, ctx, chromedp.KeyEvent("r"))
	waitFor(t, ctx, "r to reset", fmt.Sprintf(`window.saddle.gen > %d`, gen))
	// Tab reaches every control, and the focused one is outlined.
	seen := map[string]bool{}
	for range 80 {
		do(t, ctx, chromedp.KeyEvent("\t"))
		id := eval[string](t, ctx, `(document.activeElement.id || document.activeElement.className || document.activeElement.tagName) + ''`)
		seen[id] = true
		if outline := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`); outline == "none" && id != "BODY" {
			t.Errorf("%s has focus but no visible outline", id)
		}
	}
	for _, want := range []string{"surface", "play", "step", "reset", "speed", "clock", "landscape", "toggle-3d", "add-racer", "copy-link", "opt", "param-value"} {
		if !seen[want] {
			t.Errorf("Tab never reached %s (reached %v)", want, seen)
		}
	}
	// Enter on the focused map puts the start at the middle of the view.
	eval[any](t, ctx, `document.getElementById('landscape').focus()`)
	do(t, ctx, chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "Enter to set the start", `(() => { const b = window.saddle.landscape.box, s = window.saddle.state.start; return Math.abs(s[0] - (b[0] + b[1]) / 2) < 1e-9; })()`)
	screenshot(t, ctx, "keyboard-720p")
}

func TestBrowser3D(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?lesson=saddle-points&t=30")
	if !eval[bool](t, ctx, `window.saddle.view3d.ok`) {
		t.Fatal("no WebGL in this Chromium: the 3-D view cannot be tested")
	}
	do(t, ctx, chromedp.Click(chromedp.ID("toggle-3d")))
	waitFor(t, ctx, "the 3-D view drawn", `!document.getElementById('view3d').hidden && document.getElementById('landscape').hidden && window.saddle.view3d.frames > 0`)
	// Pixels of the mesh, not just the white background.
	coloured := eval[int](t, ctx, pixels("view3d", 0, 1, "r < 200 || g < 200"))
	if coloured < 1000 {
		t.Errorf("the 3-D view drew %d coloured pixels", coloured)
	}
	// The paths are drawn on it: pixels in the first racer's vermillion.
	waitFor(t, ctx, "the paths in 3-D", pixels("view3d", 0, 1, "Math.abs(r - 0xd5) < 20 && Math.abs(g - 0x5e) < 20 && b < 40")+" > 0")
	// The arrow keys turn it.
	yaw := eval[float64](t, ctx, `window.saddle.view3d.yaw`)
	eval[any](t, ctx, `document.getElementById('view3d').focus()`)
	do(t, ctx, chromedp.KeyEvent(kb.ArrowLeft))
	if got := eval[float64](t, ctx, `window.saddle.view3d.yaw`); got >= yaw {
		t.Errorf("← left the yaw at %v (was %v)", got, yaw)
	}
	screenshot(t, ctx, "view-3d")
}

// httpGet fetches a URL and returns its Content-Disposition and body.
func httpGet(t *testing.T, url string) (string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return resp.Header.Get("Content-Disposition"), body
}

// TestBrowserDigitsShowsConfusionMatrices: on data of more than two
// dimensions each racer's tile is its validation confusion matrix.
func TestBrowserDigitsShowsConfusionMatrices(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=digits,h1=32,h2=0,batch=64&opt=adam:lr=0.01&opt=sgd:lr=0.5&t=60")
	waitFor(t, ctx, "two tiles with errors", `document.querySelectorAll('#netview .net-tile').length === 2 && [...document.querySelectorAll('#netview figcaption')].every((c) => c.textContent.includes('error'))`)
	waitFor(t, ctx, "the reports of iteration 60", `[...window.saddle.racers.values()].every((r) => r.diag && r.diag.diag_iter === 60)`)
	if errs := eval[float64](t, ctx, `window.saddle.racers.get('r1').diag.net.train_err`); errs > 0.5 {
		t.Errorf("adam's training error after 60 steps on digits is %g", errs)
	}
	screenshot(t, ctx, "digits-confusion")
}

// TestBrowserBadRacerInLinkIsLeftOut: a link with bad racer specs and a bad
// surface parameter races the other racers on the surface with that
// parameter at its default, and names what it left out.
func TestBrowserBadRacerInLinkIsLeftOut(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=saddle:blur=nan,noise=0.01&opt=adam:lr=abc&opt=newton&opt=sgd:momentum=7&t=3")
	if got := eval[string](t, ctx, `window.saddle.state.racers.map((r) => r.spec).join(' ')`); got != "newton" {
		t.Errorf("the racers are %q, want newton alone", got)
	}
	msg := eval[string](t, ctx, `document.querySelector('[data-error-for="surface"]').textContent`)
	for _, want := range []string{"racers[0].opt.lr", "[0, 100]", "racers[2].opt.momentum", "Left out “adam:lr=abc”, “sgd:momentum=7”", "surface.blur", "blur back to the default"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message %q does not say %q", msg, want)
		}
	}
	if s := eval[string](t, ctx, `location.search`); strings.Contains(s, "abc") || strings.Contains(s, "nan") || !strings.Contains(s, "noise%3D0.01") {
		t.Errorf("the address still holds the bad racer: %s", s)
	}
	if it := eval[int](t, ctx, `window.saddle.racers.get(window.saddle.state.racers[0].id).iter.at(-1)`); it != 3 {
		t.Errorf("newton ran %d iterations, the link says 3", it)
	}
	waitFor(t, ctx, "the leaderboard to show where newton is", `(() => {
		const rows = document.querySelectorAll('#leaderboard tbody tr');
		return rows.length === 1 && rows[0].cells[4].textContent === '3';
	})()`)
	// The race came in one frame: its Hessian eigenvalues are a dot each
	// (drawn at an animation frame after the panels take the data).
	waitFor(t, ctx, "the eigenvalue chart's dots", pixels("chart-eig", 0, 1, "r > 180 && g > 60 && g < 130 && b < 50")+" >= 10")
	screenshot(t, ctx, "bad-racer-left-out")
}

// TestBrowserSliceCancel: a large slice is cancelled from its button. The
// slice (101×101 points of the digits network, about 10 s of both cores'
// work) is far longer than a click takes, and the test waits on what the
// page shows, never on time.
func TestBrowserSliceCancel(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=digits,h1=32,h2=0,batch=64&opt=adam:lr=0.01&t=3")
	// With biases included the caption says how they move (Li et al.'s d = b).
	do(t, ctx, chromedp.Click(chromedp.ID("slice-bias")))
	waitFor(t, ctx, "biases included", `!document.getElementById('slice-bias').checked`)
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-kind"), "random"), chromedp.SetValue(chromedp.ID("slice-n"), "101"), chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the slice under way", `!document.getElementById('slice-cancel').hidden && document.getElementById('slice-progress').value >= 1`)
	do(t, ctx, chromedp.Click(chromedp.ID("slice-cancel")))
	waitFor(t, ctx, "the cancelled slice", `document.getElementById('slice-caption').textContent.includes('(cancelled)') && document.getElementById('slice-cancel').hidden`)
	if rows := eval[int](t, ctx, `document.getElementById('slice-progress').value`); rows >= 101 {
		t.Errorf("the cancelled slice has all %d rows", rows)
	}
	if c := eval[string](t, ctx, `document.getElementById('slice-caption').textContent`); !strings.Contains(c, "each direction moves every bias by the bias itself (d = b)") {
		t.Errorf("the caption of a slice with biases does not say how they move: %q", c)
	}
}

// TestBrowserSlices computes a trajectory plane and a random slice of a
// network's loss in the page and sees them drawn.
func TestBrowserSlices(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=moons,n=120,h1=8,h2=8,batch=16&opt=adam:lr=0.02&opt=sgd:lr=0.3&t=80")
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-kind"), "plane"), chromedp.SetValue(chromedp.ID("slice-n"), "21"), chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the plane and its faithfulness", `/faithful|misleads/.test(document.getElementById('slice-caption').textContent)`)
	painted := eval[int](t, ctx, pixels("slice-map", 0, 1, "Math.abs(r - g) > 30 || Math.abs(g - b) > 30"))
	if painted < 1000 {
		t.Errorf("the plane drew %d coloured pixels", painted)
	}
	if !eval[bool](t, ctx, `!document.getElementById('slice-line').parentElement.hidden`) {
		t.Error("the plane's faithfulness chart is not shown")
	}
	screenshot(t, ctx, "slice-plane")
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-kind"), "interpolate"), chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the interpolation", `document.getElementById('slice-caption').textContent.includes('initial weights') && document.getElementById('slice-progress').hidden`)
	waitFor(t, ctx, "the interpolation drawn", pixels("slice-line", 0, 1, "r < 60 && g > 90 && b > 150")+" > 0") // the blue line
	if !eval[bool](t, ctx, `!document.getElementById('slice-error').hidden && document.getElementById('slice-error').width > 0`) {
		t.Error("the interpolation's error chart is not shown")
	}
	screenshot(t, ctx, "slice-interpolation")
	// Between the two racers' solutions.
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-kind"), "between"))
	waitFor(t, ctx, "the second racer's menu", `!document.getElementById('slice-other-label').hidden && document.getElementById('slice-other').value === 'r2'`)
	do(t, ctx, chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the line between solutions", `document.getElementById('slice-caption').textContent.includes("other racer's") && document.getElementById('slice-progress').hidden`)
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-kind"), "eigmap"), chromedp.SetValue(chromedp.ID("slice-n"), "7"), chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the eigenvalue map", `document.getElementById('slice-caption').textContent.includes('of the points have a negative eigenvalue') && document.getElementById('slice-caption').textContent.includes('the largest eigenvalue, on the right')`)
	// The second map is the λmax map in viridis: no grey background left in it.
	if grey := eval[int](t, ctx, `(() => {
		const c = document.getElementById('slice-map'), a = window.saddle.sliceView.areas[1], k = c.width / parseFloat(c.style.width);
		const d = c.getContext('2d').getImageData(Math.ceil(a.x * k), Math.ceil(a.y * k), Math.floor(a.w * k), Math.floor(a.h * k)).data;
		let n = 0;
		for (let i = 0; i < d.length; i += 4) if (d[i] === 238 && d[i + 1] === 238 && d[i + 2] === 238) n++;
		return n;
	})()`); grey > 0 {
		t.Errorf("the largest-eigenvalue map left %d pixels unpainted", grey)
	}
	screenshot(t, ctx, "slice-eigmap")
	do(t, ctx, chromedp.Click(chromedp.ID("spectrum-go")))
	waitFor(t, ctx, "the spectrum", `document.getElementById('spectrum-caption').textContent.includes('Trace')`)
	eval[any](t, ctx, `document.getElementById('slices').scrollIntoView()`)
	screenshot(t, ctx, "spectrum")
}

// TestBrowserFairRace tunes the racers' learning rates and races the tuned specs.
func TestBrowserFairRace(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=quadratic&opt=gd:lr=0.0005&opt=momentum:lr=0.0002&t=1")
	do(t, ctx, chromedp.Click(chromedp.CSS("#tuning summary")), chromedp.SetValue(chromedp.ID("tune-steps"), "60"), chromedp.Click(chromedp.ID("tune-go")))
	waitFor(t, ctx, "the tuned race", `document.querySelectorAll('#tuned tr').length === 2 && window.saddle.state.racers[0].spec !== 'gd:lr=0.0005' && window.saddle.state.racers[0].spec.startsWith('gd:lr=')`)
	if !strings.Contains(eval[string](t, ctx, `location.search`), "gd%3Alr%3D") {
		t.Error("the tuned specs are not in the address")
	}
	screenshot(t, ctx, "fair-race")
}

// TestBrowserNaturalGradientRefusedOnAPlainSurface: natural gradient needs a
// Fisher; on Rosenbrock it is refused before it runs, beside its card.
func TestBrowserNaturalGradientRefusedOnAPlainSurface(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=rosenbrock&opt=adam:lr=0.05&opt=gd:lr=0.001&t=5")
	do(t, ctx, chromedp.SetValue(`.racer[data-id="r2"] select.opt`, "natural-gradient"))
	eval[any](t, ctx, `document.querySelector('.racer[data-id="r2"] select.opt').dispatchEvent(new Event('change'))`)
	waitFor(t, ctx, "the refusal beside the card", `document.querySelector('[data-error-for="racer:r2"]').textContent.includes('Fisher')`)
	msg := eval[string](t, ctx, `document.querySelector('[data-error-for="racer:r2"]').textContent`)
	for _, want := range []string{"natural-gradient needs the Fisher information", "rosenbrock"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the card's error %q does not say %q", msg, want)
		}
	}
	if n := eval[int](t, ctx, `window.saddle.racers.get('r1').iter.length`); n < 6 {
		t.Errorf("adam has %d rows; the refusal must not stop the other racers", n)
	}
}

// TestExportsAreTheSameFigure: one race exported as PNG, SVG and PDF,
// rasterized (Chromium for the SVG, pdftoppm for the PDF), shows the same
// map, and the PDF's text reads back as written (pdftotext).
func TestExportsAreTheSameFigure(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SADDLE_E2E") == "1" {
				t.Fatalf("SADDLE_E2E=1 but %s is missing: install Debian's poppler-utils", tool)
			}
			t.Skipf("%s is missing (apt-get install poppler-utils)", tool)
		}
	}
	ctx := browser(t)
	url := startServer(t)
	dir := t.TempDir()
	query := "/export?surface=beale&opt=adam:lr=0.05&opt=rmsprop:lr=0.01&t=120&size=1200x600&format="
	files := map[string]string{}
	for _, f := range []string{"png", "svg", "pdf"} {
		_, body := httpGet(t, url+query+f)
		files[f] = filepath.Join(dir, "race."+f)
		if err := os.WriteFile(files[f], body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "144", "-singlefile", files["pdf"], filepath.Join(dir, "pdf")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	text, err := exec.Command("pdftotext", files["pdf"], "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Beale's function (beale)", "f – f* against iteration, f* = 0", "adam:lr=0.05 [completed]", "rmsprop:lr=0.01 [completed]", "colour and contours: log10 of f above its minimum"} {
		if !strings.Contains(strings.Join(strings.Fields(string(text)), " "), want) {
			t.Errorf("the PDF's text does not read back %q:\n%s", want, text)
		}
	}
	// The SVG, drawn by the browser at the PNG's size.
	svg, _ := os.ReadFile(files["svg"])
	do(t, ctx, chromedp.Navigate(url+"/lessons"))
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[any](`window.svgData = '`+base64.StdEncoding.EncodeToString(svg)+`'; 0`)); err != nil {
		t.Fatal(err)
	}
	svgPNG, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(async () => {
		const img = new Image(1200, 600);
		img.src = 'data:image/svg+xml;base64,' + window.svgData;
		await img.decode();
		const c = document.createElement('canvas'); c.width = 1200; c.height = 600;
		const cx = c.getContext('2d'); cx.fillStyle = '#fff'; cx.fillRect(0, 0, 1200, 600); cx.drawImage(img, 0, 0, 1200, 600);
		return c.toDataURL('image/png');
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("drawing the SVG: %v", err)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(svgPNG, "data:image/png;base64,"))
	decode := func(name string, data []byte) image.Image {
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 600 {
			t.Fatalf("%s: %v, %v", name, err, img.Bounds())
		}
		return img
	}
	pngData, _ := os.ReadFile(files["png"])
	pdfData, _ := os.ReadFile(filepath.Join(dir, "pdf.png"))
	ref := decode("png", pngData)
	for name, img := range map[string]image.Image{"svg": decode("svg", raw), "pdf": decode("pdf", pdfData)} {
		// Inside the map (its axes run from about x = 112 to 600, y = 50 to 500).
		same, all := 0, 0
		for y := 80; y < 470; y += 2 {
			for x := 140; x < 580; x += 2 {
				r1, g1, b1, _ := ref.At(x, y).RGBA()
				r2, g2, b2, _ := img.At(x, y).RGBA()
				d := max(absDiff(r1, r2), absDiff(g1, g2), absDiff(b1, b2)) >> 8
				if d <= 40 {
					same++
				}
				all++
			}
		}
		if share := float64(same) / float64(all); share < 0.97 {
			t.Errorf("the %s map matches the PNG's in %.1f%% of its pixels; want at least 97%%", name, 100*share)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestBrowserCriticalPoints: the critical-point lesson's button plots what
// the lesson says: minima at the lowest loss, saddles above.
func TestBrowserCriticalPoints(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?lesson=critical-points&t=2000")
	do(t, ctx, chromedp.Click(chromedp.ID("critical-go")))
	waitFor(t, ctx, "every search", `document.getElementById('critical-caption').textContent.includes('24 done')`)
	c := eval[string](t, ctx, `document.getElementById('critical-caption').textContent`)
	minima, saddles := eval[int](t, ctx, `+document.getElementById('critical').dataset.minima`), eval[int](t, ctx, `+document.getElementById('critical').dataset.saddles`)
	if minima < 1 || saddles < 3 || !strings.Contains(c, "has 0 negative eigenvalues") {
		t.Errorf("the explorer found %d minima and %d saddles: %q", minima, saddles, c)
	}
	if n := eval[int](t, ctx, pixels("critical", 0, 1, "(r > 200 && g < 120 && b < 40) || (r < 40 && g > 90 && g < 130 && b > 160)")); n < 50 {
		t.Errorf("the plot shows %d pixels of its points", n)
	}
	screenshot(t, ctx, "critical-points")
}

// TestBrowserRacerCardOffersTheNewKeys: a racer's card has a control for
// every key of issue 14 in a group that names it, and choosing one races it:
// averaging streams the averaged iterate, freeze keeps the hidden layer.
func TestBrowserRacerCardOffersTheNewKeys(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=digits,h1=8,h2=0,classes=high&opt=sgd:lr=0.1&t=2")
	groups := eval[map[string][]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('.racer details.modifiers')].map((d) => [d.querySelector('summary').textContent, [...d.querySelectorAll('[data-param]')].map((p) => p.dataset.param)]))`)
	want := map[string][]string{
		"Clipping, curriculum, pretraining, transfer and learning-rate schedule": {"transfer", "freeze"},
		"Minibatches and own initial weights (networks)":                         {"batch", "online", "init_seed"},
		"Averaging: Polyak or EMA of the iterates":                               {"average", "ema_decay"},
		"Biased gradient: add an offset":                                         {"grad_bias", "grad_bias_angle", "grad_bias_drift"},
	}
	for title, keys := range want {
		for _, k := range keys {
			if !slices.Contains(groups[title], k) {
				t.Errorf("the group %q lacks %s: %v", title, k, groups)
			}
		}
	}
	// Averaging from the card: the racer restarts with an averaged iterate.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const sel = document.querySelector('.racer [data-param="average"] select');
		sel.value = 'polyak';
		sel.dispatchEvent(new Event('change'));
	})()`))
	waitFor(t, ctx, "the averaging racer", `window.saddle.state.racers[0].spec.includes('average=polyak') && window.saddle.state.racers[0].avgCol > 0`)
	do(t, ctx, chromedp.Click(chromedp.ID("step")))
	waitFor(t, ctx, "its averaged iterate", `(() => { const r = window.saddle.racers.get(window.saddle.state.racers[0].id); return r.avgF && r.avgF.length === r.f.length && r.f.length >= 2; })()`)
	// Freeze from the card: the checkbox puts freeze=true in the spec.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.racer [data-param="freeze"]').closest('details').open = true`))
	do(t, ctx, chromedp.Click(chromedp.CSS(`.racer [data-param="freeze"] input`)))
	waitFor(t, ctx, "the frozen racer", `window.saddle.state.racers[0].spec.includes('freeze=true') && location.search.includes('freeze%3Dtrue')`)
}

// TestBrowserBatchNormIsWhatTrains: the batch-normalization lesson's
// network without the normalization, at the same learning rates, gets
// nowhere, as the lesson says; the Settings box turns it off.
func TestBrowserBatchNormIsWhatTrains(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?lesson=batch-normalization&t=5")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#surface-params details.surface-settings summary`)))
	box := `#surface-params [data-param="batchnorm"] input[type="checkbox"]`
	waitFor(t, ctx, "the batch normalization box", `(() => { const b = document.querySelector('`+box+`'); return b && b.checked && b.offsetParent !== null; })()`)
	do(t, ctx, chromedp.Click(chromedp.CSS(box)))
	waitFor(t, ctx, "the network without it", `(() => { const s = new URL(location.href).searchParams.get('surface') || ''; return s.startsWith('mlp:') && !s.includes('batchnorm=true') && window.saddle.surface && window.saddle.state.surface.values.batchnorm === 'false'; })()`)
	link := eval[string](t, ctx, `(() => { const u = new URL(location.href); u.searchParams.set('t', '1500'); return u.href; })()`)
	arrive(t, ctx, link)
	waitFor(t, ctx, "the racers' reports", reportsCurrent)
	got := eval[[]float64](t, ctx, `[...window.saddle.racers.values()].flatMap((r) => [r.f.at(-1), r.diag.net.train_err, r.iter.at(-1)])`)
	if len(got) != 9 || got[0] < 0.55 || got[3] < 0.55 || got[6] < 0.55 || got[1] < 0.3 || got[4] < 0.3 || got[7] < 0.3 || got[2] != 1500 {
		t.Errorf("without batch normalization (loss, training error, iteration) are %v; the lesson says neither racer gets anywhere", got)
	}
}

// TestBrowserForgetGateClosed: in the long-term-dependencies lesson with
// the forget gate's bias at 0 neither racer has learned the bit after 600
// steps (losses 0.34 and 0.68 here), as the lesson says.
func TestBrowserForgetGateClosed(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=rnn:cell=lstm,steps=25,hidden=10,forget_bias=0&opt=adam:lr=0.01&opt=adam:lr=0.003&t=600")
	waitFor(t, ctx, "the racers' reports", reportsCurrent)
	got := eval[[]float64](t, ctx, `[...window.saddle.racers.values()].map((r) => r.f.at(-1))`)
	if len(got) != 2 || got[0] < 0.2 || got[1] < 0.2 {
		t.Errorf("with the forget bias at 0 the losses after 600 steps are %v; the lesson says neither racer has learned the bit", got)
	}
}

// TestBrowserAuxiliaryHeadIsWhatTrains: the auxiliary-head lesson's network
// without its head stays at chance, as the lesson says.
func TestBrowserAuxiliaryHeadIsWhatTrains(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=moons,n=300,depth=6,width=16,act=sigmoid,batch=32,aux=0&opt=sgd:lr=1&opt=sgd:lr=0.3,momentum=0.9&t=1500")
	waitFor(t, ctx, "the racers' reports", reportsCurrent)
	if errs := eval[[]float64](t, ctx, `[...window.saddle.racers.values()].map((r) => r.diag.net.train_err)`); errs[0] < 0.4 || errs[1] < 0.4 {
		t.Errorf("without the auxiliary head the training errors are %v; the lesson says it stays at chance", errs)
	}
}

// TestBrowserOwnModelFromTheCard: a racer's card offers the surface's model
// settings under “Own model”, the surface's values as the defaults;
// unticking residual connections on a residual surface writes
// residual=false into that racer's spec alone, and it trains the plain net
// beside a residual racer. An RNN's card offers its cell; an analytic
// surface's none.
func TestBrowserOwnModelFromTheCard(t *testing.T) {
	ctx := browser(t)
	url := startServer(t)
	arrive(t, ctx, url+"/?surface=mlp:data=moons,n=100,depth=3,width=8,residual=true&opt=sgd:lr=0.1&opt=sgd:lr=0.1&t=2")
	own := `(() => { const d = [...document.querySelectorAll('.racer')][0].querySelector('details.modifiers:has([data-param="residual"])'); return d ? { title: d.querySelector('summary').textContent, keys: [...d.querySelectorAll('[data-param]')].map((p) => p.dataset.param), residual: d.querySelector('[data-param="residual"] input').checked, hidden: d.hidden } : null; })()`
	got := eval[map[string]any](t, ctx, own)
	if got == nil || got["title"] != "Own model: this racer’s network" || got["residual"] != true || got["hidden"] != false || fmt.Sprint(got["keys"]) != "[residual aux aux_weight batchnorm act]" {
		t.Fatalf("the own-model group: %v", got)
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('.racer')][0].querySelector('[data-param="residual"]').closest('details').open = true`))
	do(t, ctx, chromedp.Click(chromedp.CSS(`.racer:first-of-type [data-param="residual"] input`)))
	waitFor(t, ctx, "the plain racer", `window.saddle.state.racers[0].spec === 'sgd:lr=0.1,residual=false' && window.saddle.state.racers[1].spec === 'sgd:lr=0.1' && location.search.includes('residual%3Dfalse')`)
	do(t, ctx, chromedp.Click(chromedp.ID("step")))
	waitFor(t, ctx, "both racers' first steps", `[...window.saddle.racers.values()].every((r) => r.f.length >= 2)`)
	if f := eval[[]float64](t, ctx, `[...window.saddle.racers.values()].map((r) => r.f[0])`); len(f) != 2 || f[0] == f[1] {
		t.Errorf("the plain and the residual racer start at losses %v: the same model?", f)
	}
	arrive(t, ctx, url+"/?surface=rnn:steps=5,hidden=4&opt=adam&t=1")
	if keys := eval[[]string](t, ctx, `[...document.querySelector('.racer [data-param="cell"]').closest('details').querySelectorAll('[data-param]')].map((p) => p.dataset.param)`); fmt.Sprint(keys) != "[cell gain forget_bias]" {
		t.Errorf("an RNN racer's own model keys: %v", keys)
	}
	arrive(t, ctx, url+"/?surface=rosenbrock&opt=adam&t=1")
	if n := eval[int](t, ctx, `[...document.querySelectorAll('.racer details.modifiers')].filter((d) => !d.hidden && d.querySelector('summary').textContent.startsWith('Own model')).length`); n != 0 {
		t.Errorf("rosenbrock's racer card offers an own model (%d groups)", n)
	}
}
