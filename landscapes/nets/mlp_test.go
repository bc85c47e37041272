package nets

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func data(t *testing.T, name string, n int) *Dataset {
	t.Helper()
	d, err := Generate(name, n, 0.1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func randomTheta(n int, scale float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	th := make([]float64, n)
	for i := range th {
		th[i] = scale * rng.NormFloat64()
	}
	return th
}

func models(t *testing.T) map[string]*MLP {
	blobs := data(t, "blobs", 30)
	spirals := data(t, "spirals", 24)
	iris, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	residual := func(m *MLP) *MLP { m.Residual = true; return m }
	aux := func(m *MLP, k int, w float64) *MLP { m.SetAux(k, w); return m }
	return map[string]*MLP{
		"residual tanh 2-5-5-5-4-3 l2":        residual(NewMLP(blobs, []int{5, 5, 5, 4}, Tanh, 0.01)),
		"residual relu 2-6-6-6-2":             residual(NewMLP(spirals, []int{6, 6, 6}, ReLU, 0)),
		"residual sigmoid 3-4-4-3 regression": residual(NewMLP(LinearTask(3, 20, 0.1, 4), []int{4, 4}, Sigmoid, 0.01)),
		"aux tanh 2-5-4-3 at 1 l2":            aux(NewMLP(blobs, []int{5, 4}, Tanh, 0.01), 1, 0.3),
		"aux residual relu 2-6-6-6-2 at 2":    aux(residual(NewMLP(spirals, []int{6, 6, 6}, ReLU, 0)), 2, 0.5),
		"aux sigmoid 3-4-4-3 regression at 1": aux(NewMLP(LinearTask(3, 20, 0.1, 5), []int{4, 4}, Sigmoid, 0.01), 1, 1),
		"residual maxout 2-4-4-3":             residual(NewMLP(blobs, []int{4, 4}, Maxout, 0)),
		"tanh 2-5-4-3 l2":                     NewMLP(blobs, []int{5, 4}, Tanh, 0.01),
		"sigmoid 2-6-2":                       NewMLP(spirals, []int{6}, Sigmoid, 0),
		"relu 2-7-5-2":                        NewMLP(spirals, []int{7, 5}, ReLU, 0.001),
		"linear 2-3-3":                        NewMLP(blobs, []int{3}, Linear, 0),
		"softmax 4-3":                         NewMLP(iris, nil, Tanh, 0.1),
		"tanh 4-8-3 iris":                     NewMLP(iris, []int{8}, Tanh, 0),
		"deep linear 3-3-3-3 regression":      NewMLP(LinearTask(3, 20, 0.1, 2), []int{3, 3}, Linear, 0),
		"maxout 2-4-3-3 l2":                   NewMLP(blobs, []int{4, 3}, Maxout, 0.01),
		"maxout 4-5-3 iris":                   NewMLP(iris, []int{5}, Maxout, 0),
		"tanh 3-4-3 regression l2":            NewMLP(LinearTask(3, 20, 0.1, 3), []int{4}, Tanh, 0.05),
	}
}

func TestMLPGradientAndHVPAgainstFiniteDifferences(t *testing.T) {
	for name, m := range models(t) {
		t.Run(name, func(t *testing.T) {
			n := m.Dim()
			batch := []int{0, 3, 5, 7, 11, 13}
			g := make([]float64, n)
			hv := make([]float64, n)
			for trial := range 5 {
				theta := randomTheta(n, 0.7, uint64(trial))
				v := randomTheta(n, 1, uint64(100+trial))
				loss := m.Grad(g, theta, batch)
				if math.Abs(loss-m.Loss(theta, batch)) > 1e-12 {
					t.Fatalf("Grad's loss %g differs from Loss %g", loss, m.Loss(theta, batch))
				}
				want := fd.Gradient(nil, func(x []float64) float64 { return m.Loss(x, batch) }, theta, &fd.Settings{Formula: fd.Central})
				if d := maxDiff(g, want); d > 1e-6*(1+floats.Norm(want, math.Inf(1))) {
					t.Fatalf("trial %d: gradient differs from finite differences by %g", trial, d)
				}
				// H·v is the derivative of the gradient along v.
				m.HVP(hv, theta, v, batch, false)
				gradAt := func(h float64) []float64 {
					x := append([]float64(nil), theta...)
					floats.AddScaled(x, h, v)
					out := make([]float64, n)
					m.Grad(out, x, batch)
					return out
				}
				const h = 1e-5
				plus, minus := gradAt(h), gradAt(-h)
				fdHv := make([]float64, n)
				for i := range fdHv {
					fdHv[i] = (plus[i] - minus[i]) / (2 * h)
				}
				if d := maxDiff(hv, fdHv); d > 1e-5*(1+floats.Norm(fdHv, math.Inf(1))) {
					t.Fatalf("trial %d: H·v differs from finite differences of the gradient by %g", trial, d)
				}
			}
		})
	}
}

func maxDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestFisherAgainstItsDefinition compares the Gauss–Newton product with
// F·v, F = (1/n) Σₓ Σ_y p(y|x) ∇log p(y|x) ∇log p(y|x)ᵀ computed example by
// example and class by class.
func TestFisherAgainstItsDefinition(t *testing.T) {
	iris, _ := Iris()
	m := NewMLP(iris, []int{5}, Tanh, 0)
	n := m.Dim()
	theta := randomTheta(n, 0.5, 3)
	v := randomTheta(n, 1, 4)
	batch := []int{1, 50, 100, 120}
	got := make([]float64, n)
	m.HVP(got, theta, v, batch, true)
	want := make([]float64, n)
	score := make([]float64, n)
	probs := make([]float64, 3)
	for _, ex := range batch {
		m.Predict(probs, theta, iris.Row(ex))
		for y := range 3 {
			one := &Dataset{Name: "one", X: iris.Row(ex), D: 4, Y: []int{y}, Classes: 3}
			single := NewMLP(one, []int{5}, Tanh, 0)
			single.Grad(score, theta, nil) // −∇log p(y|x)
			floats.AddScaled(want, probs[y]*floats.Dot(score, v)/float64(len(batch)), score)
		}
	}
	if d := maxDiff(got, want); d > 1e-12*(1+floats.Norm(want, math.Inf(1))) {
		t.Errorf("Fisher·v differs from its definition by %g", d)
	}
}

func TestDataSets(t *testing.T) {
	digits, err := Digits()
	if err != nil || digits.N() != 1797 || digits.D != 64 || digits.Classes != 10 {
		t.Fatalf("digits: %v, %d examples", err, digits.N())
	}
	if mx := floats.Max(digits.X); mx != 1 {
		t.Errorf("digits scaled to a maximum of %g, want 1", mx)
	}
	iris, err := Iris()
	if err != nil || iris.N() != 150 || iris.ClassNames[2] != "virginica" {
		t.Fatalf("iris: %v, %d examples, classes %v", err, iris.N(), iris.ClassNames)
	}
	for name := range Generators {
		a, _ := Generate(name, 200, 0.1, 0.05, 9)
		b, _ := Generate(name, 200, 0.1, 0.05, 9)
		if !floats.Equal(a.X, b.X) || a.N() != 200 {
			t.Errorf("%s: the same seed gave different data", name)
		}
		counts := make([]int, a.Classes)
		for _, y := range a.Y {
			counts[y]++
		}
		for c, k := range counts {
			if k < 200/a.Classes/2 {
				t.Errorf("%s: class %d has %d of 200 examples", name, c, k)
			}
		}
	}
	if _, err := Generate("nope", 10, 0, 0, 1); err == nil {
		t.Error("an unknown data set was accepted")
	}
}

func TestBatchesAreSeededAndCoverEachEpoch(t *testing.T) {
	train, val := Split(100, 0.2, 5)
	if len(train) != 80 || len(val) != 20 {
		t.Fatalf("split %d/%d", len(train), len(val))
	}
	a, b := NewBatches(train, 16, 3), NewBatches(train, 16, 3)
	seen := map[int]int{}
	for range 5 {
		x, y := a.Next(), b.Next()
		for i := range x {
			if x[i] != y[i] {
				t.Fatal("the same seed dealt different minibatches")
			}
			seen[x[i]]++
		}
	}
	if len(seen) != 80 || a.Epoch != 0 {
		t.Errorf("one epoch of 5 batches of 16 covered %d of 80 examples", len(seen))
	}
	a.Next()
	if a.Epoch != 1 {
		t.Errorf("epoch %d after 6 batches, want 1", a.Epoch)
	}
}

func TestRNNGradientAndHVPAgainstFiniteDifferences(t *testing.T) {
	r := NewBitTask(4, 6, 12, 0.5, 1)
	n := r.Dim()
	batch := []int{0, 2, 5, 7, 11}
	g, hv, gn := make([]float64, n), make([]float64, n), make([]float64, n)
	for trial := range 4 {
		theta := randomTheta(n, 0.6, uint64(trial))
		v := randomTheta(n, 1, uint64(50+trial))
		r.Grad(g, theta, batch)
		want := fd.Gradient(nil, func(x []float64) float64 { return r.Loss(x, batch) }, theta, &fd.Settings{Formula: fd.Central})
		if d := maxDiff(g, want); d > 1e-6*(1+floats.Norm(want, math.Inf(1))) {
			t.Fatalf("trial %d: BPTT gradient differs from finite differences by %g", trial, d)
		}
		r.HVP(hv, theta, v, batch, false)
		const h = 1e-5
		plus, minus := make([]float64, n), make([]float64, n)
		x := append([]float64(nil), theta...)
		floats.AddScaled(x, h, v)
		r.Grad(plus, x, batch)
		floats.AddScaled(x, -2*h, v)
		r.Grad(minus, x, batch)
		for i := range plus {
			plus[i] = (plus[i] - minus[i]) / (2 * h)
		}
		if d := maxDiff(hv, plus); d > 1e-5*(1+floats.Norm(plus, math.Inf(1))) {
			t.Fatalf("trial %d: H·v through time differs from finite differences by %g", trial, d)
		}
		// The Gauss–Newton product is symmetric positive semi-definite: vᵀGv ≥ 0.
		r.HVP(gn, theta, v, batch, true)
		if floats.Dot(v, gn) < -1e-12 {
			t.Fatalf("vᵀGv = %g < 0", floats.Dot(v, gn))
		}
	}
	// ‖∂L/∂hₜ‖ is recorded for every step.
	r.Grad(g, randomTheta(n, 0.6, 9), nil)
	if norms := r.HiddenGradNorms(); len(norms) != 6 || norms[5] <= 0 {
		t.Errorf("hidden gradient norms %v", norms)
	}
}

func TestLossAndErrorsAgreeWithLossAndErrors(t *testing.T) {
	digits, _ := Digits()
	for _, act := range []Activation{Tanh, ReLU, Sigmoid} {
		m := NewMLP(digits, []int{12, 7}, act, 0.01)
		theta := randomTheta(m.Dim(), 0.3, 4)
		loss, errs := m.LossAndErrors(theta, nil)
		if want := m.Loss(theta, nil); math.Abs(loss-want) > 1e-12*want {
			t.Errorf("%s: fused loss %g, Loss %g", Activations[act], loss, want)
		}
		if want := m.Errors(theta, nil); errs != want {
			t.Errorf("%s: fused error %g, Errors %g", Activations[act], errs, want)
		}
	}
	reg := NewMLP(LinearTask(3, 100, 0.1, 1), []int{4}, Linear, 0)
	theta := randomTheta(reg.Dim(), 0.5, 1)
	if loss, _ := reg.LossAndErrors(theta, nil); math.Abs(loss-reg.Loss(theta, nil)) > 1e-12 {
		t.Errorf("regression: fused loss %g, Loss %g", loss, reg.Loss(theta, nil))
	}
}

// logSumExpLoss is −log softmax(z)ᵧ written out directly: max z − zᵧ +
// log Σ exp(z − max z).
func logSumExpLoss(z []float64, y int) float64 {
	mx := floats.Max(z)
	var s float64
	for _, v := range z {
		s += math.Exp(v - mx)
	}
	return mx - z[y] + math.Log(s)
}

// Far from a good solution (weights ×300) an example's cross-entropy runs
// to thousands; it must be computed, not capped at −log(1e−300) ≈ 690.8.
func TestCrossEntropyIsExactForConfidentMistakes(t *testing.T) {
	d := data(t, "blobs", 60)
	m := NewMLP(d, []int{5}, Tanh, 0)
	theta := randomTheta(m.Dim(), 1, 3)
	floats.Scale(300, theta)
	var want float64
	worst := 0.0
	z, h := make([]float64, d.Classes), make([]float64, 5)
	for i := range d.N() {
		x := d.Row(i)
		W1, b1, W2, b2 := m.W(theta, 1), m.B(theta, 1), m.W(theta, 2), m.B(theta, 2)
		for j := range h {
			h[j] = math.Tanh(b1[j] + floats.Dot(W1[j*2:j*2+2], x))
		}
		for k := range z {
			z[k] = b2[k] + floats.Dot(W2[k*5:k*5+5], h)
		}
		l := logSumExpLoss(z, d.Y[i])
		want += l
		worst = math.Max(worst, l)
	}
	want /= float64(d.N())
	if worst < 800 { // above the old cap of 690.8
		t.Fatalf("the test needs confident mistakes: the worst example's loss is only %g", worst)
	}
	g := make([]float64, m.Dim())
	for name, got := range map[string]float64{"Loss": m.Loss(theta, nil), "Grad": m.Grad(g, theta, nil)} {
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("MLP %s: mean cross-entropy %.15g, direct computation %.15g", name, got, want)
		}
	}

	r := NewBitTask(8, 4, 20, 0.5, 2)
	rt := randomTheta(r.Dim(), 1, 5)
	floats.Scale(300, rt)
	want, worst = 0, 0
	for i := range r.Y {
		W, U, b, V, c := r.parts(rt)
		hs := make([]float64, 8)
		for step := range 4 {
			x, next := r.x(i, step), make([]float64, 8)
			for j := range 8 {
				s := b[j] + U[2*j]*x[0] + U[2*j+1]*x[1] + floats.Dot(W[j*8:j*8+8], hs)
				next[j] = math.Tanh(s)
			}
			hs = next
		}
		logits := []float64{c[0] + floats.Dot(V[:8], hs), c[1] + floats.Dot(V[8:], hs)}
		l := logSumExpLoss(logits, r.Y[i])
		want += l
		worst = math.Max(worst, l)
	}
	want /= float64(len(r.Y))
	if worst < 800 {
		t.Fatalf("the RNN test needs confident mistakes: the worst example's loss is only %g", worst)
	}
	if got := r.Loss(rt, nil); math.Abs(got-want) > 1e-12*want {
		t.Errorf("RNN: mean cross-entropy %.15g, direct computation %.15g", got, want)
	}
}

// The Fisher formed from per-example Jacobians is the matrix whose products
// HVP's Gauss–Newton mode computes, column by column.
func TestFisherMatrixMatchesGaussNewtonProducts(t *testing.T) {
	check := func(name string, model Model, batch []int) {
		n := model.Dim()
		theta := randomTheta(n, 0.5, 11)
		got := mat.NewSymDense(n, nil)
		model.Fisher(got, theta, batch)
		e, col := make([]float64, n), make([]float64, n)
		worst, scale := 0.0, 0.0
		for j := range n {
			clear(e)
			e[j] = 1
			model.HVP(col, theta, e, batch, true)
			for i := range n {
				worst = math.Max(worst, math.Abs(got.At(i, j)-col[i]))
				scale = math.Max(scale, math.Abs(col[i]))
			}
		}
		if worst > 1e-12*(1+scale) {
			t.Errorf("%s: the Fisher matrix differs from the Gauss–Newton products by %g (largest entry %g)", name, worst, scale)
		}
	}
	for name, m := range models(t) {
		check(name, m, nil)
		check(name+" on a batch", m, []int{0, 3, 5, 7})
	}
	check("rnn", NewBitTask(4, 6, 12, 0.5, 1), nil)
	check("rnn on a batch", NewBitTask(5, 4, 12, 0.5, 2), []int{1, 4, 9})
}

// With an auxiliary head the Gauss–Newton product is Jᵀ Λ J v + w J_auxᵀ
// Λ_aux J_aux v over the examples, each J by finite differences of the
// heads' logits: an independent check of the R-operator through the head.
func TestGaussNewtonWithAnAuxiliaryHead(t *testing.T) {
	m := NewMLP(data(t, "blobs", 30), []int{5, 4}, Tanh, 0)
	m.SetAux(1, 0.4)
	n := m.Dim()
	theta, v := randomTheta(n, 0.7, 5), randomTheta(n, 1, 6)
	batch := []int{2, 7, 11}
	got := make([]float64, n)
	m.HVP(got, theta, v, batch, true)
	heads := func(x []float64, e int) (main, aux []float64) {
		m.forward(x, m.Data.Row(e))
		return append([]float64(nil), m.a[m.Layers()]...), append([]float64(nil), m.auxA...)
	}
	want := make([]float64, n)
	const h = 1e-6
	for _, e := range batch {
		xp, xm := append([]float64(nil), theta...), append([]float64(nil), theta...)
		floats.AddScaled(xp, h, v)
		floats.AddScaled(xm, -h, v)
		mp, ap := heads(xp, e)
		mm, am := heads(xm, e)
		m0, a0 := heads(theta, e)
		for k, head := range [][3][]float64{{mp, mm, m0}, {ap, am, a0}} {
			jv := make([]float64, len(head[0]))
			for i := range jv {
				jv[i] = (head[0][i] - head[1][i]) / (2 * h)
			}
			p := make([]float64, len(jv))
			softmax(p, head[2])
			var pjv float64
			for i := range p {
				pjv += p[i] * jv[i]
			}
			u := make([]float64, len(jv)) // Λ J v
			for i := range u {
				u[i] = p[i] * (jv[i] - pjv)
			}
			weight := 1.0
			if k == 1 {
				weight = m.AuxWeight
			}
			g := fd.Gradient(nil, func(x []float64) float64 {
				mh, ah := heads(x, e)
				if k == 1 {
					mh = ah
				}
				return floats.Dot(u, mh)
			}, theta, &fd.Settings{Formula: fd.Central})
			floats.AddScaled(want, weight/float64(len(batch)), g)
		}
	}
	if d := maxDiff(got, want); d > 1e-5*(1+floats.Norm(want, math.Inf(1))) {
		t.Errorf("G·v with an auxiliary head differs from Jᵀ Λ J v by %g", d)
	}
}
