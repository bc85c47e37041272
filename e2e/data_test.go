package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/saddle-viz/saddle/landscapes/nets"
)

// petsCSV is three clusters of points in a file's own units, labelled by
// words.
func petsCSV() string {
	var b strings.Builder
	b.WriteString("x,y,label\n")
	for i := range 150 {
		c := i % 3
		a, r := 2.399963*float64(i), math.Sqrt(float64(i%50)/50)
		fmt.Fprintf(&b, "%.4f,%.4f,%s\n", 150+60*float64(c)+25*r*math.Cos(a), 20+15*float64(c%2)+6*r*math.Sin(a), []string{"cat", "dog", "emu"}[c])
	}
	return b.String()
}

// upload chooses a file in the data box, as a student does.
func upload(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	before := eval[int](t, ctx, `window.saddle.dataUploads()`)
	do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("data-file"), []string{file}))
	waitFor(t, ctx, "the upload's answer", fmt.Sprintf(`window.saddle.dataUploads() > %d`, before))
}

// TestBrowserYourOwnData: a student uploads a CSV of their own points; a
// bad file is refused with its line, column and problem; a good one trains
// the MLP, its decision regions drawn over the points; a link to the race
// says the file must be uploaded again and, given it, runs the race the
// link left; and the race exported as JSON opens as a file.
func TestBrowserYourOwnData(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "pets.csv"), filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte(petsCSV()), 0o644)
	os.WriteFile(bad, []byte("x,y,label\n1,2,cat\n3,four,dog\n"), 0o644)
	u, err := nets.ReadCSV("pets.csv", strings.NewReader(petsCSV()))
	if err != nil {
		t.Fatal(err)
	}
	// A link to a race on data this server does not hold (yet).
	surface := "mlp:data=csv,h1=8,h2=0,csv=" + u.ID
	link := srv + "/?surface=" + url.QueryEscape(surface) + "&opt=adam:lr%3D0.05&opt=sgd:lr%3D0.5&t=60"
	do(t, ctx, chromedp.Navigate(link))
	waitFor(t, ctx, "the link asking for its data again", `(() => { const e = document.getElementById('data-error'); return !e.hidden && e.textContent.includes('is not on this server: uploaded data lives only as long as the session that uploaded it') && e.textContent.includes('upload it again'); })()`)
	// A bad file: its line, its column, what is wrong.
	upload(t, ctx, bad)
	waitFor(t, ctx, "the bad file's problem", `document.getElementById('data-error').textContent === 'bad.csv: line 3, column 2: y is "four", not a number' && !document.getElementById('data-error').hidden`)
	// The file the link needs: the race the link left, run to t = 60.
	upload(t, ctx, good)
	waitFor(t, ctx, "the link's race on the data", `window.saddle.surface && window.saddle.surface.spec === `+jsQuote(surface)+` && !window.saddle.playing && document.getElementById('race-status').dataset.message === 'arrived' && [...window.saddle.racers.values()].every((r) => r.iter.at(-1) === 60)`)
	waitFor(t, ctx, "the racers' reports", reportsCurrent)
	status := eval[string](t, ctx, `document.getElementById('data-status').textContent`)
	for _, want := range []string{"pets.csv: 150 points, 3 classes (cat, dog, emu); inputs standardized", "a link to this race needs the file again"} {
		if !strings.Contains(status, want) {
			t.Errorf("the data box says %q; want %q", status, want)
		}
	}
	if !eval[bool](t, ctx, `document.getElementById('data-error').hidden`) {
		t.Error("the bad file's problem is still shown")
	}
	// Adam has learnt the three clusters; its tile draws them with their
	// regions and names.
	if e := eval[float64](t, ctx, `window.saddle.racers.get('r1').diag.net.train_err`); e > 0.05 {
		t.Errorf("Adam's training error on three separated clusters after 60 steps is %g", e)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#netview .net-tile').length`); n != 2 {
		t.Errorf("%d network tiles", n)
	}
	screenshot(t, ctx, "your-own-data")

	// The race exported as JSON carries the data; opened as a file on a
	// fresh page it is the same race.
	resp, err := http.Get(srv + "/export?format=json&surface=" + url.QueryEscape(surface) + "&opt=" + url.QueryEscape("adam:lr=0.05") + "&steps=25")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"data":{"name":"pets.csv","id":"`+u.ID+`"`) {
		t.Fatalf("the export: %d %.200s", resp.StatusCode, body)
	}
	shared := filepath.Join(dir, "race.json")
	os.WriteFile(shared, body, 0o644)
	arrive(t, ctx, srv+"/?surface=rosenbrock&opt=gd:lr%3D0.001&t=3")
	upload(t, ctx, shared)
	waitFor(t, ctx, "the shared race", `window.saddle.surface && window.saddle.surface.spec === `+jsQuote(surface)+` && window.saddle.racers.size === 1 && [...window.saddle.racers.values()][0].spec === 'adam:lr=0.05' && !window.saddle.playing && document.getElementById('race-status').dataset.message === 'arrived' && window.saddle.racers.get('r1').iter.at(-1) === 25`)
	// The same losses as the export's, bit for bit.
	want := exportLoss(t, body)
	if got := eval[float64](t, ctx, `window.saddle.racers.get('r1').f.at(-1)`); got != want {
		t.Errorf("the shared race's loss at step 25 is %v; the export's %v", got, want)
	}
}

// exportLoss is the last loss of the first run in a JSON export.
func exportLoss(t *testing.T, body []byte) float64 {
	t.Helper()
	var doc struct {
		Runs []struct {
			Iterates []struct{ F float64 }
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Runs) == 0 {
		t.Fatalf("%v", err)
	}
	its := doc.Runs[0].Iterates
	return its[len(its)-1].F
}

// jsQuote writes a Go string as a JavaScript string literal.
func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserYourOwnRegression: a CSV of x,y,target trains a regression;
// each tile draws the predicted target with the points on its scale.
func TestBrowserYourOwnRegression(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	var b strings.Builder
	b.WriteString("x,y,target\n")
	for i := range 200 {
		x, y := float64(i%20)/2, float64(i/20)
		fmt.Fprintf(&b, "%g,%g,%.6f\n", x, y, 100+20*math.Sin(x/2)+3*y)
	}
	file := filepath.Join(t.TempDir(), "heights.csv")
	os.WriteFile(file, []byte(b.String()), 0o644)
	arrive(t, ctx, srv+"/?surface=mlp:h1%3D16,h2%3D0,act%3Dtanh&opt=adam:lr%3D0.02&t=1")
	upload(t, ctx, file)
	waitFor(t, ctx, "the regression on the data", `window.saddle.surface && window.saddle.surface.spec.startsWith('mlp:data=csv,h2=0,csv=') && document.getElementById('data-status').textContent.startsWith('heights.csv: 200 points, a regression target;')`)
	do(t, ctx, chromedp.Click(chromedp.ID("play")))
	waitFor(t, ctx, "a fitted regression", `(() => { const r = window.saddle.racers.get('r1'); return r && r.iter.at(-1) >= 300 && r.diag && r.diag.net && r.diag.net.pred && r.diag.net.train_loss < 0.05; })()`)
	do(t, ctx, chromedp.Click(chromedp.ID("play")))
	waitFor(t, ctx, "the tile and its legend", `(() => { const tile = document.querySelector('#netview .net-tile'); const leg = document.querySelector('#netview .net-legend'); return tile && !tile.hidden && tile.querySelector('figcaption').textContent.startsWith('adam:lr=0.02: training loss') && leg && leg.textContent.startsWith('predicted and true target (standardized) from') && leg.querySelector('.ramp') !== null; })()`)
	screenshot(t, ctx, "your-own-regression")
}

// TestBrowserInsideTheOptimizer: a student switches on what each racer
// carries: BFGS's inverse-Hessian approximation beside the true one (and
// how far apart they are), momentum's velocity, Adam's scale, CG's line
// searches; the link keeps the choice, and switching one off takes it away.
func TestBrowserInsideTheOptimizer(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	arrive(t, ctx, srv+"/?surface=quadratic&opt=bfgs&opt=momentum:lr%3D0.005,momentum%3D0.9&opt=adam:lr%3D0.1&opt=cg&start=-2.5,2&t=2&inside=r1,r2,r3,r4")
	waitFor(t, ctx, "every racer's inside drawn", `window.saddle.landscape.insideShown.length === 4`)
	got := eval[map[string]string](t, ctx, `Object.fromEntries(window.saddle.landscape.insideShown.map((s) => [s.id, [...new Set(s.kinds)].sort().join(' ')]))`)
	want := map[string]string{"r1": "approx line newton step true", "r2": "velocity", "r3": "scale step velocity", "r4": "line"}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s draws %q; want %q", id, got[id], w)
		}
	}
	// After two steps BFGS has not yet learnt the curvature; the caption
	// says by how much, and says what every glyph is.
	caption := eval[string](t, ctx, `document.getElementById('inside-caption').textContent`)
	for _, w := range []string{"Inside bfgs: the solid ellipse is its inverse-Hessian approximation H", "the dashed one the true inverse Hessian's at the same point (H is off by", "Inside momentum:lr=0.005,momentum=0.9", "the step its momentum alone would take next", "Inside adam:lr=0.1", "per-coordinate scale", "Inside cg: the lines are its last 2 line searches"} {
		if !strings.Contains(caption, w) {
			t.Errorf("the caption %q does not say %q", caption, w)
		}
	}
	before := eval[float64](t, ctx, `window.saddle.landscape.insideShown.find((s) => s.id === 'r1').mismatch`)
	screenshot(t, ctx, "inside-the-optimizer")
	// Three more steps: BFGS's approximation has learnt the inverse Hessian.
	for range 3 {
		do(t, ctx, chromedp.Click(chromedp.ID("step")))
	}
	waitFor(t, ctx, "five steps", `window.saddle.racers.get('r1').iter.at(-1) >= 5 || window.saddle.racers.get('r1').status !== 'running'`)
	waitFor(t, ctx, "BFGS's approximation close to the truth", fmt.Sprintf(`(() => { const s = window.saddle.landscape.insideShown.find((s) => s.id === 'r1'); return s && s.mismatch < 0.01 * %v; })()`, before))
	// Off for BFGS: the link drops it.
	do(t, ctx, chromedp.Click(chromedp.CSS(`.racer[data-id="r1"] .inside`)))
	waitFor(t, ctx, "BFGS's glyphs gone", `window.saddle.landscape.insideShown.every((s) => s.id !== 'r1') && new URL(location.href).searchParams.get('inside') === 'r2,r3,r4' && document.querySelector('.racer[data-id="r1"] .inside').getAttribute('aria-pressed') === 'false'`)
}

// TestBrowserLocalQuadratic: the local-quadratic panel predicts, from the
// start, the error along each eigen-direction of gradient descent and of
// momentum (PyTorch's SGD) exactly as the racers then move on the
// quadratic, and states the rates and the optimum for κ = 25.
func TestBrowserLocalQuadratic(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	do(t, ctx, chromedp.Navigate(srv+"/?surface=quadratic&opt=gd:lr%3D0.05&opt=momentum:lr%3D0.02,momentum%3D0.6&start=-2.5,2"))
	waitFor(t, ctx, "both racers at the start with their curvature", `window.saddle && window.saddle.surface && ['r1', 'r2'].every((id) => { const r = window.saddle.racers.get(id); return r && r.diag && r.diag.eig && r.iter.length === 1; }) && !document.getElementById('quad-panel').hidden`)
	predicted := eval[[][][]float64](t, ctx, `(() => {
		const r = window.saddle.racers.get('r1'), d = r.diag, at = { x: [r.xs[0], r.xs[1]], g: d.grad, eig: d.eig, vecs: d.vecs };
		const gd = window.saddle.quad.model(at, 0.05, 0, 30), m = window.saddle.quad.model(at, 0.02, 0.6, 30);
		return [gd.gd.errors, m.momentum.errors, [gd.xstar], gd.vecs];
	})()`)
	eval[any](t, ctx, `window.saddle.send({ type: 'seek', req: 'transport', to: 30 })`)
	waitFor(t, ctx, "30 iterations", `['r1', 'r2'].every((id) => window.saddle.racers.get(id).iter.at(-1) === 30)`)
	xstar, q := predicted[2][0], predicted[3]
	for j, id := range []string{"r1", "r2"} {
		xs := eval[[]float64](t, ctx, `window.saddle.racers.get('`+id+`').xs`)
		for k := 0; k <= 30; k++ {
			for i := range 2 {
				got := q[i][0]*(xs[2*k]-xstar[0]) + q[i][1]*(xs[2*k+1]-xstar[1])
				want := predicted[j][i][k]
				if math.Abs(got-want) > 1e-9*(1+math.Abs(predicted[j][i][0])) {
					t.Errorf("%s at iteration %d along q%d: the racer's error %v, the model's %v", id, k, i+1, got, want)
				}
			}
		}
	}
	// The racer's own settings (gd has no momentum: 0.9 assumed), the rates
	// and the optimum for κ = 25: (√25 − 1)/(√25 + 1) = 2/3, GD's 24/26.
	do(t, ctx, chromedp.SetValue(chromedp.ID("quad-racer"), "r2"))
	eval[any](t, ctx, `document.getElementById('quad-racer').dispatchEvent(new Event('change'))`)
	waitFor(t, ctx, "the panel with momentum's settings", `document.getElementById('quad-text').textContent.includes('With momentum:lr=0.02,momentum=0.6')`)
	text := eval[string](t, ctx, `document.getElementById('quad-text').textContent`)
	for _, w := range []string{"λ₁ = 1, λ₂ = 25 (κ = 25)", "lr α = 0.02 and momentum β = 0.6", "rate (√κ − 1)/(√κ + 1) = 0.667", "α* = 0.111, β* = 0.444", "rate (κ − 1)/(κ + 1) = 0.923", "quadratic model's minimum is at (0, 0)"} {
		if !strings.Contains(text, w) {
			t.Errorf("the panel says %q; want %q", text, w)
		}
	}
	// Gradient descent's rate with α = 0.02: max |1 − αλ| = 0.98; the map
	// marks the racer's setting and the optimum.
	if !strings.Contains(text, "gradient descent converges at rate 0.98 (114 iterations a digit)") {
		t.Errorf("the panel says %q", text)
	}
	if ok := eval[bool](t, ctx, `(() => { const m = window.saddle.quad.panel.marks; return !!m && m.racer.every(Number.isFinite) && m.racer[1] < m.best[1]; })()`); !ok {
		t.Error("the rate map does not mark the racer's setting (β 0.6) above the optimum's (β 0.444)")
	}
	eval[any](t, ctx, `document.getElementById('quad-panel').scrollIntoView()`)
	screenshot(t, ctx, "local-quadratic")
}

// TestBrowserPermutationSymmetry: the lesson's promise. Two solutions from
// different initial weights have a high barrier between them as they are,
// and almost none once the second's hidden units are matched to the
// first's; the slice says so, and draws both lines.
func TestBrowserPermutationSymmetry(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	arrive(t, ctx, srv+"/?lesson=permutation-symmetry&t=400")
	do(t, ctx, chromedp.SetValue(chromedp.ID("slice-kind"), "matched"))
	waitFor(t, ctx, "the second racer's menu", `!document.getElementById('slice-other-label').hidden && document.getElementById('slice-other').value === 'r2'`)
	do(t, ctx, chromedp.Click(chromedp.ID("slice-go")))
	waitFor(t, ctx, "the lines before and after matching", `document.getElementById('slice-progress').hidden && (window.saddle.sliceView.job || {}).barrier !== undefined`)
	b := eval[[]float64](t, ctx, `window.saddle.sliceView.job.barrier`)
	if !(b[0] > 0.2 && b[1] < b[0]/10) {
		t.Errorf("the barrier went from %v to %v; the lesson promises a high one that matching all but removes", b[0], b[1])
	}
	caption := eval[string](t, ctx, `document.getElementById('slice-caption').textContent`)
	for _, w := range []string{"with its hidden units permuted to match this racer's by weight matching", "units moved, the same function", "after matching: much of the barrier was the permutation symmetry of the hidden units"} {
		if !strings.Contains(caption, w) {
			t.Errorf("the caption %q does not say %q", caption, w)
		}
	}
	waitFor(t, ctx, "both lines drawn", pixels("slice-line", 0, 1, "r < 60 && g > 90 && b > 150")+" > 0 && "+pixels("slice-line", 0, 1, "r > 190 && g < 120 && b < 60")+" > 0")
	eval[any](t, ctx, `document.getElementById('slices').scrollIntoView()`)
	screenshot(t, ctx, "permutation-symmetry")
}

// TestBrowserResidualSideBySide: in the residual-network lesson a plain
// racer and its residual twin race in one race; a student computes each
// one's 2-D slice and Hessian spectrum and sees them side by side, with
// what the lesson promises: the residual racer at the bottom of a basin
// whose loss rises by a factor of hundreds, the plain one on a plateau
// where it varies by a factor of about three.
func TestBrowserResidualSideBySide(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	arrive(t, ctx, srv+"/?lesson=residual-network&t=400")
	for _, id := range []string{"r3", "r4"} {
		do(t, ctx, chromedp.SetValue(chromedp.ID("slice-racer"), id), chromedp.SetValue(chromedp.ID("slice-kind"), "random"), chromedp.SetValue(chromedp.ID("slice-n"), "15"), chromedp.Click(chromedp.ID("slice-go")))
		waitFor(t, ctx, id+"'s slice kept", `document.querySelector('#compare-figures figure[data-kind="slice"][data-id="`+id+`"]') !== null`)
		do(t, ctx, chromedp.Click(chromedp.ID("spectrum-go")))
		waitFor(t, ctx, id+"'s spectrum kept", `document.querySelector('#compare-figures figure[data-kind="spectrum"][data-id="`+id+`"]') !== null`)
	}
	got := eval[map[string]any](t, ctx, `(() => {
		const fig = (kind, id) => document.querySelector('#compare-figures figure[data-kind="' + kind + '"][data-id="' + id + '"]');
		const s3 = JSON.parse(fig('slice', 'r3').dataset.summary), s4 = JSON.parse(fig('slice', 'r4').dataset.summary);
		const r = (f) => f.getBoundingClientRect();
		return { plainRatio: s3.hi / s3.lo, twinRatio: s4.hi / s4.lo, twinLowest: s4.lowest,
			sameRow: Math.abs(r(fig('slice', 'r3')).top - r(fig('slice', 'r4')).top) < 2 && r(fig('slice', 'r3')).right <= r(fig('slice', 'r4')).left,
			figures: document.querySelectorAll('#compare-figures figure').length, shown: !document.getElementById('compare').hidden,
			caption4: fig('slice', 'r4').querySelector('figcaption').textContent,
			plainCurv: Number(fig('spectrum', 'r3').dataset.curvature), twinCurv: Number(fig('spectrum', 'r4').dataset.curvature), spectrum3: fig('spectrum', 'r3').querySelector('figcaption').textContent,
			loaded: [...document.querySelectorAll('#compare-figures img')].every((i) => i.complete && i.naturalWidth > 100) };
	})()`)
	t.Logf("side by side: %v", got)
	if got["figures"] != 4.0 || got["shown"] != true || got["sameRow"] != true || got["loaded"] != true {
		t.Errorf("side by side: %d figures, shown %v, the slices in one row %v, pictures loaded %v", int(got["figures"].(float64)), got["shown"], got["sameRow"], got["loaded"])
	}
	if !(got["twinRatio"].(float64) > 100 && got["twinLowest"] == true && got["plainRatio"].(float64) < 5) {
		t.Errorf("the residual racer's slice rises ×%v (lowest at the racer: %v), the plain one's ×%v; the lesson promises hundreds and about three", got["twinRatio"], got["twinLowest"], got["plainRatio"])
	}
	if !(got["plainCurv"].(float64) > 0.1 && got["twinCurv"].(float64) < 0.01) {
		t.Errorf("|λmin/λmax| is %v at the plain racer and %v at its twin; the lesson says about 0.3 and below 0.01", got["plainCurv"], got["twinCurv"])
	}
	for _, w := range []string{"r4 · adam:lr=0.003,residual=true", "the lowest on the slice", "bumps"} {
		if !strings.Contains(got["caption4"].(string), w) {
			t.Errorf("the twin's caption %q does not say %q", got["caption4"], w)
		}
	}
	if !strings.Contains(got["spectrum3"].(string), "r3 · adam:lr=0.003 — Hessian spectrum: eigenvalues from") {
		t.Errorf("the plain racer's spectrum caption: %q", got["spectrum3"])
	}
	eval[any](t, ctx, `document.getElementById('compare').scrollIntoView()`)
	screenshot(t, ctx, "residual-side-by-side")
}
