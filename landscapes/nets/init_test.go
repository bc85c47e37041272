package nets

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// fullHessian builds the Hessian column by column from Hessian-vector products.
func fullHessian(m *MLP, theta []float64, batch []int) *mat.SymDense {
	n := m.Dim()
	h := mat.NewSymDense(n, nil)
	e, col := make([]float64, n), make([]float64, n)
	for j := range n {
		clear(e)
		e[j] = 1
		m.HVP(col, theta, e, batch, false)
		for i := 0; i <= j; i++ {
			h.SetSym(i, j, col[i]) // the upper triangle; H is symmetric
		}
	}
	return h
}

func TestLanczosAgainstTheFullEigendecomposition(t *testing.T) {
	iris, _ := Iris()
	m := NewMLP(iris, []int{6}, Tanh, 0.01)
	theta, _ := Init{Scheme: "glorot"}.Weights(m, 2)
	batch := []int{0, 10, 20, 60, 70, 80, 110, 120, 140}
	var es mat.EigenSym
	es.Factorize(fullHessian(m, theta, batch), false)
	exact := es.Values(nil)
	mul := func(dst, v []float64) { m.HVP(dst, theta, v, batch, false) }
	n := m.Dim()
	all := Lanczos(n, n, mul, 1)
	lo, hi := exact[0], exact[len(exact)-1]
	if math.Abs(all[0]-lo) > 1e-8*math.Abs(hi) || math.Abs(all[len(all)-1]-hi) > 1e-8*math.Abs(hi) {
		t.Errorf("Lanczos with k = n: [%g, %g], exact [%g, %g]", all[0], all[len(all)-1], lo, hi)
	}
	twenty := Lanczos(n, 20, mul, 1)
	if top := twenty[len(twenty)-1]; math.Abs(top-hi) > 1e-3*math.Abs(hi) {
		t.Errorf("20 Lanczos steps: top eigenvalue %g, exact %g", top, hi)
	}
	if lo < 0 && twenty[0] > 0 {
		t.Errorf("20 Lanczos steps miss the negative eigenvalue %g (got %g)", lo, twenty[0])
	}
}

func TestInitializations(t *testing.T) {
	d := data(t, "spirals", 50)
	m := NewMLP(d, []int{40, 40}, ReLU, 0)
	std := func(w []float64) float64 { return math.Sqrt(floats.Dot(w, w) / float64(len(w))) }
	he, _ := Init{Scheme: "he"}.Weights(m, 1)
	if s := std(m.W(he, 2)); math.Abs(s-math.Sqrt(2.0/40)) > 0.03 {
		t.Errorf("he: layer-2 weights have standard deviation %g, want %g", s, math.Sqrt(2.0/40))
	}
	gl, _ := Init{Scheme: "glorot"}.Weights(m, 1)
	// xavier_uniform_ with calculate_gain('relu') = √2: std √2·√(2/(40+40)).
	if s := std(m.W(gl, 2)); math.Abs(s-math.Sqrt2*math.Sqrt(2.0/80)) > 0.02 {
		t.Errorf("glorot for relu: standard deviation %g, want %g", s, math.Sqrt2*math.Sqrt(2.0/80))
	}
	// The output layer's logits are linear: gain 1, std √(2/(40+2)).
	if s := std(m.W(gl, 3)); math.Abs(s-math.Sqrt(2.0/42)) > 0.04 {
		t.Errorf("glorot for the output layer: standard deviation %g, want %g", s, math.Sqrt(2.0/42))
	}
	// He for tanh takes tanh's gain 5/3, not ReLU's √2; a given gain wins.
	tanh := NewMLP(d, []int{40, 40}, Tanh, 0)
	for _, c := range []struct {
		gain, want float64
	}{{0, 5.0 / 3 / math.Sqrt(40)}, {1, 1 / math.Sqrt(40)}} {
		w, _ := Init{Scheme: "he", Gain: c.gain}.Weights(tanh, 1)
		if s := std(tanh.W(w, 2)); math.Abs(s-c.want) > 0.1*c.want {
			t.Errorf("he for tanh with gain %g: standard deviation %g, want %g", c.gain, s, c.want)
		}
	}
	orth, _ := Init{Scheme: "orthogonal", Scale: 2}.Weights(m, 1)
	W := mat.NewDense(40, 40, m.W(orth, 2))
	var wwt mat.Dense
	wwt.Mul(W, W.T())
	for i := range 40 {
		for j := range 40 {
			want := 0.0
			if i == j {
				want = 4
			}
			if math.Abs(wwt.At(i, j)-want) > 1e-10 {
				t.Fatalf("orthogonal with gain 2: W Wᵀ[%d][%d] = %g, want %g", i, j, wwt.At(i, j), want)
			}
		}
	}
	sp, _ := Init{Scheme: "sparse", Sparse: 3, Bias: 0.1}.Weights(m, 1)
	W2 := m.W(sp, 2)
	for i := range 40 {
		nz := 0
		for _, w := range W2[i*40 : (i+1)*40] {
			if w != 0 {
				nz++
			}
		}
		if nz != 3 {
			t.Fatalf("sparse: unit %d has %d non-zero weights, want 3", i, nz)
		}
	}
	if b := m.B(sp, 1); b[0] != 0.1 || b[39] != 0.1 {
		t.Errorf("biases %v, want 0.1", b[:2])
	}
	if _, err := (Init{Scheme: "magic"}).Weights(m, 1); err == nil {
		t.Error("an unknown initialization was accepted")
	}
}

// TestConstantInitKeepsHiddenUnitsIdentical: units that start alike get
// the same gradient, so gradient descent can never tell them apart (ch. 8.4).
func TestConstantInitKeepsHiddenUnitsIdentical(t *testing.T) {
	d := data(t, "moons", 60)
	m := NewMLP(d, []int{5}, Tanh, 0)
	theta, _ := Init{Scheme: "constant", Scale: 0.3}.Weights(m, 1)
	g := make([]float64, m.Dim())
	start := m.Loss(theta, nil)
	for range 100 {
		m.Grad(g, theta, nil)
		floats.AddScaled(theta, -0.5, g)
	}
	W1, W2 := m.W(theta, 1), m.W(theta, 2)
	for u := 1; u < 5; u++ {
		if !floats.Equal(W1[u*2:u*2+2], W1[0:2]) || m.B(theta, 1)[u] != m.B(theta, 1)[0] {
			t.Fatalf("hidden unit %d's weights %v differ from unit 0's %v", u, W1[u*2:u*2+2], W1[:2])
		}
		for c := range 2 {
			if W2[c*5+u] != W2[c*5] {
				t.Fatalf("outgoing weights of unit %d differ", u)
			}
		}
	}
	if m.Loss(theta, nil) >= start {
		t.Error("the loss did not fall at all")
	}
	// With Glorot's random start the units differ.
	theta, _ = Init{Scheme: "glorot"}.Weights(m, 1)
	if floats.Equal(m.W(theta, 1)[0:2], m.W(theta, 1)[2:4]) {
		t.Error("glorot gave two identical units")
	}
}

func TestLayerStatsShowVanishingActivations(t *testing.T) {
	d := data(t, "spirals", 100)
	m := NewMLP(d, []int{16, 16, 16, 16}, Tanh, 0)
	small, _ := Init{Scheme: "normal", Scale: 0.05}.Weights(m, 1)
	good, _ := Init{Scheme: "glorot"}.Weights(m, 1)
	actSmall, _ := m.LayerStats(small, nil)
	actGood, gradGood := m.LayerStats(good, nil)
	if len(actGood) != 5 || gradGood[0] <= 0 {
		t.Fatalf("stats %v %v", actGood, gradGood)
	}
	if actSmall[3] > actGood[3]/10 {
		t.Errorf("layer-4 activations: %g with small weights, %g with Glorot's; small weights should vanish", actSmall[3], actGood[3])
	}
}

// A Haar-distributed orthogonal matrix has Q₀₀ < 0 half the time and
// det Q = +1 half the time; QR without Mezzadri's sign correction gives
// Q₀₀ < 0 always and det Q = (−1)^(n−1) always.
func TestRandomOrthogonalIsUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0))
	const draws, n = 2000, 4
	var negative, positiveDet int
	for range draws {
		q := RandomOrthogonal(rng, n)
		var qtq mat.Dense
		qtq.Mul(q.T(), q)
		if !mat.EqualApprox(&qtq, eye(n), 1e-12) {
			t.Fatalf("QᵀQ is not the identity: %v", mat.Formatted(&qtq))
		}
		if q.At(0, 0) < 0 {
			negative++
		}
		if mat.Det(q) > 0 {
			positiveDet++
		}
	}
	for name, k := range map[string]int{"P(Q₀₀ < 0)": negative, "P(det Q = +1)": positiveDet} {
		if p := float64(k) / draws; math.Abs(p-0.5) > 0.05 {
			t.Errorf("%s = %.3f over %d draws; a uniform orthogonal matrix gives 0.5 ± 0.05", name, p, draws)
		}
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := range n {
		m.Set(i, i, 1)
	}
	return m
}
