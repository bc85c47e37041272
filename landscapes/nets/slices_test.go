package nets

import (
	"context"
	"math"
	"sync"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func objective(t *testing.T) (*Objective, []float64) {
	t.Helper()
	d := data(t, "moons", 120)
	m := NewMLP(d, []int{6, 5}, Tanh, 0.001)
	train, val := Split(d.N(), 0.25, 1)
	theta, _ := Init{Scheme: "glorot"}.Weights(m, 3)
	return &Objective{Model: m, Train: train, Val: val, Batch: 16}, theta
}

func TestSliceReproducesExplicitPerturbations(t *testing.T) {
	o, theta := objective(t)
	d1 := o.FilterDirection(theta, 1, true)
	d2 := o.FilterDirection(theta, 2, true)
	const n = 7
	grid := make([][]Point, n)
	var mu sync.Mutex
	if err := o.Slice(context.Background(), theta, d1, d2, -1, 1, n, func(row int, pts []Point) {
		mu.Lock()
		grid[row] = pts
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	m := o.Model.(*MLP)
	for row := range n {
		for col := range n {
			x, y := -1+2*float64(col)/(n-1), -1+2*float64(row)/(n-1)
			p := append([]float64(nil), theta...)
			floats.AddScaled(p, x, d1)
			floats.AddScaled(p, y, d2)
			if want := m.Loss(p, o.Train); grid[row][col].TrainLoss != want {
				t.Fatalf("slice (%d, %d): loss %g, explicit perturbation %g", row, col, grid[row][col].TrainLoss, want)
			}
			if want := m.Errors(p, o.Val); grid[row][col].ValErr != want {
				t.Fatalf("slice (%d, %d): validation error %g, want %g", row, col, grid[row][col].ValErr, want)
			}
		}
	}
	// A cancelled slice stops and says so.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Slice(ctx, theta, d1, d2, -1, 1, 50, func(int, []Point) {}); err == nil {
		t.Error("a cancelled slice reported no error")
	}
}

func TestFilterNormalization(t *testing.T) {
	o, theta := objective(t)
	for i, f := range o.filters() { // biases of both signs
		if f.bias {
			theta[f.from] = 0.1 * float64(i%5-2)
		}
	}
	for _, ignore := range []bool{true, false} {
		d := o.FilterDirection(theta, 5, ignore)
		for _, f := range o.filters() {
			dn, tn := floats.Norm(d[f.from:f.to], 2), floats.Norm(theta[f.from:f.to], 2)
			if f.bias && ignore {
				if dn != 0 {
					t.Fatalf("a bias of the direction is %g, want 0 when biases are ignored", dn)
				}
				continue
			}
			if f.bias && !floats.Equal(d[f.from:f.to], theta[f.from:f.to]) {
				t.Fatalf("bias [%d, %d) of the direction is %v, want the bias itself %v (Li et al.'s d = w)", f.from, f.to, d[f.from:f.to], theta[f.from:f.to])
			}
			if math.Abs(dn-tn) > 1e-12*math.Max(1, tn) {
				t.Fatalf("filter [%d, %d): direction norm %g, weights' norm %g", f.from, f.to, dn, tn)
			}
		}
	}
	// Every parameter belongs to exactly one filter.
	covered := make([]int, o.Dim())
	for _, f := range o.filters() {
		for i := f.from; i < f.to; i++ {
			covered[i]++
		}
	}
	for i, c := range covered {
		if c != 1 {
			t.Fatalf("parameter %d is in %d filters", i, c)
		}
	}
}

func TestInterpolation(t *testing.T) {
	o, a := objective(t)
	b := o.FilterDirection(a, 9, false)
	alphas, pts, err := o.Interpolate(context.Background(), a, b, -0.5, 1.5, 9)
	if err != nil {
		t.Fatal(err)
	}
	if alphas[0] != -0.5 || alphas[8] != 1.5 || pts[2].TrainLoss != o.Model.Loss(a, o.Train) {
		t.Errorf("α = %v; at α = 0 the loss is %g, want %g", alphas, pts[2].TrainLoss, o.Model.Loss(a, o.Train))
	}
}

func TestTrajectoryPlane(t *testing.T) {
	o, theta := objective(t)
	g := make([]float64, o.Dim())
	var path [][]float64
	for range 60 {
		path = append(path, append([]float64(nil), theta...))
		o.Model.Grad(g, theta, o.Train)
		floats.AddScaled(theta, -0.5, g)
	}
	pl := TrajectoryPlane(path)
	if math.Abs(floats.Norm(pl.D1, 2)-1) > 1e-10 || math.Abs(floats.Norm(pl.D2, 2)-1) > 1e-10 || math.Abs(floats.Dot(pl.D1, pl.D2)) > 1e-10 {
		t.Errorf("the directions are not orthonormal: |d1| = %g, |d2| = %g, d1·d2 = %g", floats.Norm(pl.D1, 2), floats.Norm(pl.D2, 2), floats.Dot(pl.D1, pl.D2))
	}
	// The explained variance is the share of the path's total variance along
	// each direction (stat.PC centres the points on their mean).
	last := path[len(path)-1]
	var mean = make([]float64, len(last))
	for _, p := range path {
		floats.AddScaled(mean, 1/float64(len(path)), p)
	}
	var centred, c1, c2 float64
	for _, p := range path {
		var a, b float64
		for k := range p {
			c := p[k] - mean[k]
			centred += c * c
			a += c * pl.D1[k]
			b += c * pl.D2[k]
		}
		c1 += a * a
		c2 += b * b
	}
	if math.Abs(pl.Explained[0]-c1/centred) > 1e-9 || math.Abs(pl.Explained[1]-c2/centred) > 1e-9 || pl.Explained[0] < pl.Explained[1] {
		t.Errorf("explained %v, want [%g %g]", pl.Explained, c1/centred, c2/centred)
	}
	truth, proj, err := o.Faithfulness(context.Background(), path, pl)
	if err != nil || truth[len(truth)-1] != proj[len(proj)-1] {
		t.Errorf("at the last point the true and projected losses differ: %g, %g (%v)", truth[len(truth)-1], proj[len(proj)-1], err)
	}
}

func TestSpectralDensityAndHutchinson(t *testing.T) {
	iris, _ := Iris()
	m := NewMLP(iris, []int{5}, Tanh, 0.01)
	theta, _ := Init{Scheme: "glorot"}.Weights(m, 4)
	n := m.Dim()
	mul := func(dst, v []float64) { m.HVP(dst, theta, v, nil, false) }
	var es mat.EigenSym
	es.Factorize(fullHessian(m, theta, nil), false)
	exact := es.Values(nil)
	trace := floats.Sum(exact)

	d := SpectralDensity(n, 30, 20, mul, 1)
	if s := floats.Sum(d.Weights); math.Abs(s-1) > 1e-12 {
		t.Errorf("the density's weights sum to %g, want 1", s)
	}
	mean := floats.Dot(d.Nodes, d.Weights)
	// The mean of the density estimates trace/n; its spread across probes is
	// that of vᵀHv for unit v.
	if math.Abs(mean-trace/float64(n)) > 0.25*math.Abs(trace/float64(n))+0.01 {
		t.Errorf("density mean %g, trace/n %g", mean, trace/float64(n))
	}
	// Integrating the smoothed density over a wide range gives 1.
	lo, hi := exact[0]-1, exact[n-1]+1
	var integral float64
	const steps = 4000
	for i := range steps {
		x := lo + (hi-lo)*(float64(i)+0.5)/steps
		integral += d.Smooth(x, 0.05) * (hi - lo) / steps
	}
	if math.Abs(integral-1) > 0.01 {
		t.Errorf("the smoothed density integrates to %g", integral)
	}
	est, se := HutchinsonTrace(n, 400, mul, 2)
	if math.Abs(est-trace) > 4*se {
		t.Errorf("Hutchinson %g ± %g, exact trace %g", est, se, trace)
	}
}

func TestSpectrumSummary(t *testing.T) {
	iris, _ := Iris()
	m := NewMLP(iris, []int{5}, Tanh, 0.01)
	all := make([]int, iris.N())
	for i := range all {
		all[i] = i
	}
	o := &Objective{Model: m, Train: all}
	theta, _ := Init{Scheme: "glorot"}.Weights(m, 4)
	s, _ := o.Spectrum(context.Background(), theta, 30, 10, 200, 1)
	if len(s.Exact) != m.Dim() || len(s.LayerTop) != 2 {
		t.Fatalf("exact %d eigenvalues, %d layer tops", len(s.Exact), len(s.LayerTop))
	}
	exactTrace := floats.Sum(s.Exact)
	if math.Abs(s.Trace-exactTrace) > 4*s.TraceSE+1e-9 {
		t.Errorf("Hutchinson %g ± %g, exact %g", s.Trace, s.TraceSE, exactTrace)
	}
	// A layer's block of H has eigenvalues within H's (Cauchy interlacing).
	for l, top := range s.LayerTop {
		if top > s.Exact[len(s.Exact)-1]+1e-9 {
			t.Errorf("layer %d's top eigenvalue %g exceeds H's %g", l+1, top, s.Exact[len(s.Exact)-1])
		}
	}
}

func TestEigenMapMatchesLanczosAtEachPoint(t *testing.T) {
	o, theta := objective(t)
	d1, d2 := o.FilterDirection(theta, 1, true), o.FilterDirection(theta, 2, true)
	var mu sync.Mutex
	got := map[int][2][]float64{}
	if err := o.EigenMap(context.Background(), theta, d1, d2, -1, 1, 3, 15, func(row int, lo, hi []float64) {
		mu.Lock()
		got[row] = [2][]float64{lo, hi}
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	p := append([]float64(nil), theta...)
	floats.AddScaled(p, 1, d1)  // x = 1 (column 2)
	floats.AddScaled(p, -1, d2) // y = −1 (row 0)
	eig := Lanczos(len(p), 15, func(dst, v []float64) { o.Model.HVP(dst, p, v, o.Train, false) }, 1)
	if got[0][0][2] != eig[0] || got[0][1][2] != eig[len(eig)-1] {
		t.Errorf("map at (1, −1): [%g, %g], Lanczos there [%g, %g]", got[0][0][2], got[0][1][2], eig[0], eig[len(eig)-1])
	}
}

// GradNoise is the exact mean of ‖g_B − g‖² over every minibatch of b
// examples: enumerate all C(9, 3) = 84 of a 9-example training set.
func TestGradNoiseIsTheMinibatchSpread(t *testing.T) {
	o, theta := objective(t)
	o.Train = o.Train[:9]
	g, gb := make([]float64, len(theta)), make([]float64, len(theta))
	o.Grad(g, theta)
	sum, count := 0.0, 0
	for i := 0; i < 9; i++ {
		for j := i + 1; j < 9; j++ {
			for k := j + 1; k < 9; k++ {
				o.BatchGrad(gb, theta, []int{i, j, k})
				d := floats.Distance(gb, g, 2)
				sum += d * d
				count++
			}
		}
	}
	want := math.Sqrt(sum / float64(count))
	got, err := o.GradNoise(context.Background(), theta, 3)
	if err != nil || math.Abs(got-want) > 1e-12*want || count != 84 {
		t.Errorf("GradNoise = %g (%v); the mean over all %d minibatches of 3 gives %g", got, err, count, want)
	}
	if full, _ := o.GradNoise(context.Background(), theta, 9); full != 0 {
		t.Errorf("the full batch has noise %g", full)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.GradNoise(ctx, theta, 3); err == nil {
		t.Error("a cancelled GradNoise returned no error")
	}
}

// The explorer finds critical points where the gradient vanishes: from a
// trained network a minimum (no negative eigenvalue), from random starts
// saddles above it (Dauphin et al. 2014: the high-loss critical points are
// saddles).
func TestFindCritical(t *testing.T) {
	d := data(t, "moons", 60)
	m := NewMLP(d, []int{3}, Tanh, 0.01)
	train, _ := Split(d.N(), 0, 1)
	o := &Objective{Model: m, Train: train}
	trained := randomTheta(m.Dim(), 0.5, 1)
	g := make([]float64, m.Dim())
	for range 3000 {
		o.Grad(g, trained)
		floats.AddScaled(trained, -1, g)
	}
	minimum, err := o.FindCritical(context.Background(), trained, 300)
	if err != nil || !minimum.Converged || minimum.Negative != 0 {
		t.Fatalf("from a trained network: %+v (%v), want a minimum", minimum, err)
	}
	o.Grad(g, trained)
	saddles := 0
	for seed := range 12 {
		p, err := o.FindCritical(context.Background(), randomTheta(m.Dim(), []float64{0.3, 1, 2}[seed%3], uint64(seed)), 300)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Converged {
			continue
		}
		if p.Loss > minimum.Loss+0.05 {
			saddles++
			if p.Negative == 0 {
				t.Errorf("a critical point at loss %g, above the minimum's %g, has no negative eigenvalue", p.Loss, minimum.Loss)
			}
		}
	}
	if saddles < 3 {
		t.Errorf("%d saddles found from 12 starts", saddles)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := o.FindCritical(ctx, trained, 10); err == nil {
		t.Error("a cancelled search returned no error")
	}
}

// An auxiliary head's parameters are filters of their own and a layer block
// of their own: every parameter in exactly one of each.
func TestAuxiliaryHeadFiltersAndBlocks(t *testing.T) {
	o, _ := objective(t)
	m := o.Model.(*MLP)
	m.SetAux(1, 0.5)
	for name, ranges := range map[string][][2]int{"filters": nil, "blocks": o.layerBlocks()} {
		if name == "filters" {
			for _, f := range o.filters() {
				ranges = append(ranges, [2]int{f.from, f.to})
			}
		}
		covered := make([]int, o.Dim())
		for _, r := range ranges {
			for i := r[0]; i < r[1]; i++ {
				covered[i]++
			}
		}
		for i, c := range covered {
			if c != 1 {
				t.Fatalf("%s: parameter %d of %d is in %d", name, i, o.Dim(), c)
			}
		}
	}
}
