package nets

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
)

func normalized(m *MLP) *MLP { m.SetBatchNorm(true); return m }

func bnModels(t *testing.T) map[string]*MLP {
	blobs := data(t, "blobs", 30)
	spirals := data(t, "spirals", 24)
	residual := func(m *MLP) *MLP { m.Residual = true; return m }
	return map[string]*MLP{
		"tanh 2-5-4-3 l2":                normalized(NewMLP(blobs, []int{5, 4}, Tanh, 0.01)),
		"residual relu 2-6-6-6-2":        normalized(residual(NewMLP(spirals, []int{6, 6, 6}, ReLU, 0))),
		"sigmoid 3-4-4-3 regression l2":  normalized(NewMLP(LinearTask(3, 20, 0.1, 4), []int{4, 4}, Sigmoid, 0.01)),
		"linear 2-3-3":                   normalized(NewMLP(blobs, []int{3}, Linear, 0)),
		"residual tanh 2-5-5-5-5-3 deep": normalized(residual(NewMLP(blobs, []int{5, 5, 5, 5}, Tanh, 0))),
	}
}

// TestBatchNormAgainstFiniteDifferences checks the gradient through the
// batch statistics, H·v (the dual numbers' derivatives) and the
// Gauss–Newton product against finite differences, on minibatches and on
// all examples.
func TestBatchNormAgainstFiniteDifferences(t *testing.T) {
	for name, m := range bnModels(t) {
		t.Run(name, func(t *testing.T) {
			n := m.Dim()
			g, hv, gv := make([]float64, n), make([]float64, n), make([]float64, n)
			for trial, batch := range [][]int{{0, 3, 5, 7, 11, 13}, nil, {2, 9}} {
				theta := randomTheta(n, 0.7, uint64(trial))
				shiftGamma(m, theta)
				v := randomTheta(n, 1, uint64(100+trial))
				loss := m.Grad(g, theta, batch)
				if d := math.Abs(loss - m.Loss(theta, batch)); d > 1e-12 {
					t.Fatalf("batch %v: Grad's loss differs from Loss by %g", batch, d)
				}
				want := fd.Gradient(nil, func(x []float64) float64 { return m.Loss(x, batch) }, theta, &fd.Settings{Formula: fd.Central})
				if d := maxDiff(g, want); d > 1e-6*(1+floats.Norm(want, math.Inf(1))) {
					t.Fatalf("batch %v: gradient differs from finite differences by %g", batch, d)
				}
				m.HVP(hv, theta, v, batch, false)
				fdHv := fdDirectional(n, func(dst, x []float64) { m.Grad(dst, x, batch) }, theta, v)
				if d := maxDiff(hv, fdHv); d > 1e-5*(1+floats.Norm(fdHv, math.Inf(1))) {
					t.Fatalf("batch %v: H·v differs from finite differences of the gradient by %g", batch, d)
				}
				m.HVP(gv, theta, v, batch, true)
				want = bnGaussNewton(m, theta, v, batch)
				if d := maxDiff(gv, want); d > 1e-6*(1+floats.Norm(want, math.Inf(1))) {
					t.Fatalf("batch %v: G·v differs from Jᵀ Λ J v by %g", batch, d)
				}
			}
		})
	}
}

// shiftGamma moves random γs around 1, where Init.Weights starts them.
func shiftGamma(m *MLP, theta []float64) {
	for l := 1; l < m.Layers(); l++ {
		for i := range m.Gamma(theta, l) {
			m.Gamma(theta, l)[i] += 1
		}
	}
}

// fdDirectional is the central difference of f's vector along v, with a
// small step: a ReLU net's first draw has a unit 1.1e−4 from its kink.
func fdDirectional(n int, f func(dst, x []float64), theta, v []float64) []float64 {
	const h = 1e-6
	at := func(s float64) []float64 {
		x := append([]float64(nil), theta...)
		floats.AddScaled(x, s, v)
		out := make([]float64, n)
		f(out, x)
		return out
	}
	plus, minus := at(h), at(-h)
	for i := range plus {
		plus[i] = (plus[i] - minus[i]) / (2 * h)
	}
	return plus
}

// bnGaussNewton is Jᵀ Λ J v / n + L2 v_W from the Jacobian J of the
// batch's outputs (all examples together, through the batch statistics)
// by finite differences, Λ = diag p − ppᵀ per example (I for a
// regression).
func bnGaussNewton(m *MLP, theta, v []float64, batch []int) []float64 {
	x, ex := m.bnInputs(batch)
	nEx, K := len(ex), m.Sizes[m.Layers()]
	outputs := func(dst, th []float64) {
		p := m.bnForward(th, nil, x, nEx, nil, nil)
		for i := range dst {
			dst[i] = p.z[m.Layers()][i].v
		}
	}
	jv := fdDirectional(nEx*K, outputs, theta, v)
	p := m.bnForward(theta, nil, x, nEx, nil, nil)
	lam := make([]float64, nEx*K)
	for i := range nEx {
		prob, u, out := p.p[i*K:(i+1)*K], jv[i*K:(i+1)*K], lam[i*K:(i+1)*K]
		dot := 0.0
		for k := range K {
			dot += prob[k].v * u[k]
		}
		for k := range K {
			if m.Data.Regression() {
				out[k] = u[k] / float64(nEx)
			} else {
				out[k] = prob[k].v * (u[k] - dot) / float64(nEx)
			}
		}
	}
	// Jᵀ λ = ∇_θ (λ · outputs(θ)), by finite differences.
	res := fd.Gradient(nil, func(th []float64) float64 {
		o := make([]float64, nEx*K)
		outputs(o, th)
		return floats.Dot(lam, o)
	}, theta, &fd.Settings{Formula: fd.Central})
	for l := 1; l <= m.Layers(); l++ {
		floats.AddScaled(m.W(res, l), m.L2, m.W(v, l))
	}
	return res
}

type bnCase struct {
	Name         string
	Sizes        []int
	Act          string
	Residual     bool
	L2           float64
	X            []float64
	Y            []int
	Theta, V     []float64
	Batch        []int
	Loss         float64
	Grad, HVP    []float64
	Running      []struct{ Mean, Var []float64 }
	Steps        [][]int
	After        []float64
	RunningAfter []struct{ Mean, Var []float64 } `json:"running_after"`
	Held         []int
	Probs        []float64
	EvalLoss     float64 `json:"eval_loss"`
}

// TestBatchNormAgainstPyTorch compares with BatchNorm1d in PyTorch
// (testdata/bn_reference.py): the training-mode loss, gradient and H·v on a
// batch, the running statistics after a forward pass, three SGD steps on
// three minibatches with the running statistics each updates, and the
// evaluation-mode probabilities and loss after them.
func TestBatchNormAgainstPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/bn_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct{ Cases []bnCase }
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	close := func(t *testing.T, what string, got, want []float64, tol float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d numbers, PyTorch has %d", what, len(got), len(want))
		}
		if d := maxDiff(got, want); d > tol*(1+floats.Norm(want, math.Inf(1))) {
			t.Errorf("%s differs from PyTorch's by %g:\n got %.12g\nwant %.12g", what, d, got, want)
		}
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			d := &Dataset{Name: "reference", X: c.X, D: c.Sizes[0], Y: c.Y, Classes: c.Sizes[len(c.Sizes)-1]}
			m := NewMLP(d, c.Sizes[1:len(c.Sizes)-1], Activation(slices.Index(Activations, c.Act)), c.L2)
			m.Residual = c.Residual
			m.SetBatchNorm(true)
			n := m.Dim()
			g, hv := make([]float64, n), make([]float64, n)
			loss := m.Grad(g, c.Theta, c.Batch)
			close(t, "loss", []float64{loss}, []float64{c.Loss}, 1e-13)
			close(t, "gradient", g, c.Grad, 1e-12)
			m.HVP(hv, c.Theta, c.V, c.Batch, false)
			close(t, "H·v", hv, c.HVP, 1e-11)

			r := m.NewRunning()
			m.Track(r, c.Theta, c.Batch)
			for l, want := range c.Running {
				close(t, "running mean", r.Mean[l], want.Mean, 1e-13)
				close(t, "running variance", r.Var[l], want.Var, 1e-13)
			}

			// A racer's training: each step's forward pass updates its
			// running statistics.
			theta := slices.Clone(c.Theta)
			r = m.NewRunning()
			for _, batch := range c.Steps {
				m.Track(r, theta, batch)
				m.Grad(g, theta, batch)
				floats.AddScaled(theta, -0.1, g)
			}
			close(t, "θ after three SGD steps", theta, c.After, 1e-12)
			for l, want := range c.RunningAfter {
				close(t, "running mean after three steps", r.Mean[l], want.Mean, 1e-12)
				close(t, "running variance after three steps", r.Var[l], want.Var, 1e-12)
			}
			m.Eval = r
			K := c.Sizes[len(c.Sizes)-1]
			probs := make([]float64, 0, len(c.Held)*K)
			p := make([]float64, K)
			for _, i := range c.Held {
				m.Predict(p, theta, d.Row(i))
				probs = append(probs, p...)
			}
			close(t, "evaluation-mode probabilities", probs, c.Probs, 1e-12)
			evalLoss, _ := m.LossAndErrors(theta, c.Held)
			close(t, "evaluation-mode loss", []float64{evalLoss}, []float64{c.EvalLoss}, 1e-12)
		})
	}
}

// TestBatchNormNormalizes checks what the layer promises: in training mode
// every hidden unit's γ·â + β has, over the batch, mean β and standard
// deviation γ (up to ε), whatever the weights' scale.
func TestBatchNormNormalizes(t *testing.T) {
	m := normalized(NewMLP(data(t, "spirals", 40), []int{6, 5}, Tanh, 0))
	theta, err := Init{Scheme: "normal", Scale: 30}.Weights(m, 3)
	if err != nil {
		t.Fatal(err)
	}
	if g := m.Gamma(theta, 2); !slices.Equal(g, []float64{1, 1, 1, 1, 1}) || !slices.Equal(m.Beta(theta, 1), make([]float64, 6)) {
		t.Fatalf("γ, β start at %v, %v; want 1 and 0", g, m.Beta(theta, 1))
	}
	x, ex := m.bnInputs(nil)
	p := m.bnForward(theta, nil, x, len(ex), nil, nil)
	for l := 1; l < m.Layers(); l++ {
		u := m.Sizes[l]
		for r := range u {
			var s1, s2 float64
			for i := range len(ex) {
				v := p.xh[l][i*u+r].v
				s1, s2 = s1+v, s2+v*v
			}
			mean, sd := s1/float64(len(ex)), math.Sqrt(s2/float64(len(ex))-(s1/float64(len(ex)))*(s1/float64(len(ex))))
			if math.Abs(mean) > 1e-12 || math.Abs(sd-1) > 1e-4 {
				t.Errorf("layer %d unit %d: normalized pre-activations have mean %g and deviation %g; want 0 and 1", l, r, mean, sd)
			}
		}
	}
	// The bias before a normalized layer has no effect: its gradient is 0.
	g := make([]float64, m.Dim())
	m.Grad(g, theta, nil)
	if b := m.B(g, 1); floats.Norm(b, math.Inf(1)) > 1e-12 {
		t.Errorf("the gradient of a bias the normalization subtracts again is %v; want 0", b)
	}
}

func TestBatchNormCloneKeepsIt(t *testing.T) {
	m := normalized(NewMLP(data(t, "blobs", 20), []int{4}, ReLU, 0))
	m.Eval = m.NewRunning()
	c := m.Clone().(*MLP)
	if !c.Norm || c.Dim() != m.Dim() || c.Eval != m.Eval {
		t.Fatalf("a clone has Norm %v, %d parameters (want %d) and its own statistics %v", c.Norm, c.Dim(), m.Dim(), c.Eval != m.Eval)
	}
}
