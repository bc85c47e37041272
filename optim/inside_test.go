package optim

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// The quasi-Newton shadow is gonum's matrix: after every accepted step,
// −H·g is the direction gonum's next search runs along (BFGS; L-BFGS with
// fewer pairs than steps, so that old pairs drop out).
func TestInsideQuasiNewtonIsGonums(t *testing.T) {
	for _, tt := range []struct{ surface, opt string }{
		{"rosenbrock", "bfgs"},
		{"rosenbrock", "lbfgs:memory=2"},
		{"rosenbrock-nd:n=5", "bfgs"},
		{"rosenbrock-nd:n=5", "lbfgs:memory=3"},
	} {
		land := build(t, tt.surface)
		r := start(t, land, tt.opt, land.Start())
		var want []float64
		checked := 0
		for k := 0; k < 30 && r.Step(); k++ {
			st := r.Inside()
			if st == nil || len(st.Lines) == 0 {
				t.Fatalf("%s: no inside after step %d", tt.opt, k+1)
			}
			got := st.Lines[len(st.Lines)-1].Dir
			if want != nil {
				if d := floats.Distance(got, want, math.Inf(1)) / floats.Norm(want, math.Inf(1)); d > 1e-10 {
					t.Errorf("%s on %s, search %d: gonum's direction %v, −H·g %v (relative difference %g)", tt.opt, tt.surface, k+1, got, want, d)
				}
				checked++
			}
			n := land.Dim()
			h := mat.NewDense(n, n, st.InvHess)
			g := make([]float64, n)
			land.Grad(g, r.X)
			var d mat.VecDense
			d.MulVec(h, mat.NewVecDense(n, g))
			want = floats.ScaleTo(make([]float64, n), -1, d.RawVector().Data)
		}
		if checked < 10 {
			t.Errorf("%s on %s: only %d directions checked", tt.opt, tt.surface, checked)
		}
	}
}

// On a quadratic BFGS learns the inverse Hessian from the changes in
// gradient: from (−4, 3) with its strong-Wolfe searches (c₂ = 0.9), the
// matrix is far from A⁻¹ after one step and within 1e−3 of it after three
// (with exact searches it would take n = 2; Nocedal & Wright 2006, thm.
// 6.4): the ellipse on the map becomes the true one.
func TestInsideBFGSLearnsTheInverseHessian(t *testing.T) {
	land := build(t, "quadratic")
	axx, axy, ayy := quadA()
	det := axx*ayy - axy*axy
	inv := []float64{ayy / det, -axy / det, -axy / det, axx / det}
	r := start(t, land, "bfgs", []float64{-4, 3})
	var gap []float64
	for range 3 {
		r.Step()
		gap = append(gap, floats.Distance(r.Inside().InvHess, inv, math.Inf(1))/floats.Norm(inv, math.Inf(1)))
	}
	if !(gap[0] > 0.5 && gap[2] < 1e-3) {
		t.Errorf("BFGS's inverse Hessian after 1, 2, 3 steps is %v from A⁻¹ (relative): %v, want %v", gap, r.Inside().InvHess, inv)
	}
}

// The first-order state by hand, after one step from (1, 1) on the
// quadratic, whose gradient there is g = A·(1, 1).
func TestInsideFirstOrder(t *testing.T) {
	land := build(t, "quadratic")
	g := quadGrad([]float64{1, 1})
	for _, tt := range []struct {
		opt             string
		velocity, scale func(i int) float64
	}{
		// b = g after one step; the next step's momentum part is −lr·μ·b.
		{"momentum:lr=0.01,momentum=0.9", func(i int) float64 { return -0.01 * 0.9 * g[i] }, nil},
		// m̂ = g, v̂ = g² after one step: scale lr/(|g| + ε), velocity −lr·g/(|g| + ε).
		{"adam:lr=0.1", func(i int) float64 { return -0.1 * g[i] / (math.Abs(g[i]) + 1e-8) }, func(i int) float64 { return 0.1 / (math.Abs(g[i]) + 1e-8) }},
		// S = g²: the next step's γ/(|g| + ε).
		{"adagrad:lr=0.5", nil, func(i int) float64 { return 0.5 / (math.Abs(g[i]) + 1e-10) }},
		// v = (1 − α)g².
		{"rmsprop:lr=0.01", nil, func(i int) float64 { return 0.01 / (math.Sqrt(0.01*g[i]*g[i]) + 1e-8) }},
		{"gd:lr=0.01", nil, nil},
	} {
		r := start(t, land, tt.opt, []float64{1, 1})
		if r.Inside() != nil && tt.opt != "gd:lr=0.01" {
			t.Errorf("%s carries state before its first step", tt.opt)
		}
		r.Step()
		st := r.Inside()
		for i := range 2 {
			if tt.velocity == nil && st != nil && st.Velocity != nil || tt.velocity != nil && math.Abs(st.Velocity[i]-tt.velocity(i)) > 1e-12*math.Abs(tt.velocity(i)) {
				t.Errorf("%s: velocity %v", tt.opt, st)
			}
			if tt.scale == nil && st != nil && st.Scale != nil || tt.scale != nil && math.Abs(st.Scale[i]-tt.scale(i)) > 1e-12*tt.scale(i) {
				t.Errorf("%s: scale %v", tt.opt, st)
			}
		}
	}
}

// init_seed starts a racer on a network from the initialization drawn with
// its own seed, the surface's scheme otherwise; a surface has none.
func TestOwnInitialWeights(t *testing.T) {
	land := build(t, "mlp:data=moons,n=40,h1=4,h2=0")
	own := build(t, "mlp:data=moons,n=40,h1=4,h2=0,init_seed=7")
	r := start(t, land, "adam:init_seed=7", land.Start())
	if !floats.Equal(r.X, own.Start()) || floats.Equal(r.X, land.Start()) {
		t.Errorf("init_seed=7 started at %v; the surface with init_seed=7 starts at %v", r.X[:3], own.Start()[:3])
	}
	if _, err := Start(build(t, "rosenbrock"), "adam:init_seed=2", []float64{0, 0}, 1); err == nil || !strings.Contains(err.Error(), "init_seed draws a network's initial weights") {
		t.Errorf("init_seed on rosenbrock: %v", err)
	}
}

// A racer's own model: its spec's model keys build the surface's network
// with those settings, on the same data and minibatches, from that model's
// initial weights; the same run as the surface with those settings. Keys the
// surface has no setting for, or settings it refuses together, are errors
// that name the key.
func TestOwnModel(t *testing.T) {
	plain := build(t, "mlp:data=moons,n=40,depth=3,width=4,batch=8")
	residual := build(t, "mlp:data=moons,n=40,depth=3,width=4,batch=8,residual=true")
	own := start(t, plain, "sgd:lr=0.1,residual=true", plain.Start())
	twin := start(t, residual, "sgd:lr=0.1", residual.Start())
	if own.Land == plain || own.Land.Spec != residual.Spec {
		t.Fatalf("the racer trains %s; want %s", own.Land.Spec, residual.Spec)
	}
	for range 20 {
		own.Step()
		twin.Step()
	}
	if !floats.Equal(own.X, twin.X) || own.F != twin.F {
		t.Errorf("residual=true on the plain surface: f = %v; on the residual surface f = %v", own.F, twin.F)
	}
	if same := start(t, plain, "sgd:lr=0.1,residual=false", plain.Start()); same.Land != plain {
		t.Errorf("residual=false on a plain surface trains %s apart", same.Land.Spec)
	}
	bn := start(t, plain, "sgd:lr=0.1,batchnorm=true", plain.Start())
	if bn.Land.Dim() <= plain.Dim() || len(bn.X) != bn.Land.Dim() {
		t.Errorf("batchnorm=true: %d weights, its landscape %d, the plain net %d", len(bn.X), bn.Land.Dim(), plain.Dim())
	}
	rnn := build(t, "rnn:steps=5,hidden=4,n=20")
	lstm := start(t, rnn, "adam:cell=lstm,forget_bias=0", rnn.Start())
	if lstm.Land.Spec != "rnn:cell=lstm,steps=5,hidden=4,n=20,forget_bias=0" {
		t.Errorf("cell=lstm,forget_bias=0 trains %s", lstm.Land.Spec)
	}
	for _, tt := range []struct{ surface, opt, want string }{
		{"rosenbrock", "adam:residual=true", "residual changes this racer's own network, and the surface rosenbrock is not a network"},
		{"mlp:data=moons,n=40", "adam:cell=lstm", "the surface mlp has no setting cell (mlp has residual, batchnorm, aux, aux_weight, act; rnn has cell, forget_bias, gain)"},
		{"mlp:data=moons,n=40,act=maxout", "adam:batchnorm=true", "this racer's own model: batch normalization takes one pre-activation per unit"},
		{"mlp:data=moons,n=40,h1=4,h2=0", "adam:aux=3", "aux"},
	} {
		land := build(t, tt.surface)
		_, err := Start(land, tt.opt, land.Start(), 1)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s on %s: %v; want %q", tt.opt, tt.surface, err, tt.want)
		}
	}
}

// TestStepsToLearnTheBit pins the T = 25 row of docs/lessons.md's table of
// steps to learn, raced as the page races them: one race on the LSTM
// surface, each racer its own model (forget_bias, cell=tanh, gain), Adam at
// lr 0.01 from the race's seed 1, the first iteration whose training loss
// is below 0.1 (0: not within 600).
func TestStepsToLearnTheBit(t *testing.T) {
	if testing.Short() {
		t.Skip("600 LSTM steps")
	}
	land := build(t, "rnn:cell=lstm,steps=25,hidden=10")
	want := map[string]int{"adam:lr=0.01,forget_bias=0": 0, "adam:lr=0.01": 90, "adam:lr=0.01,forget_bias=3": 32, "adam:lr=0.01,cell=tanh,gain=0.5": 129, "adam:lr=0.01,cell=tanh": 18}
	for opt, steps := range want {
		r := start(t, land, opt, land.Start())
		got := 0
		for r.Iter < 600 && r.Step() {
			if r.F < 0.1 {
				got = r.Iter
				break
			}
		}
		if got != steps {
			t.Errorf("%s learns the bit after %d steps; docs/lessons.md says %d", opt, got, steps)
		}
	}
}
