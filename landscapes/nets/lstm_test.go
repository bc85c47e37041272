package nets

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
)

// TestLSTMAgainstFiniteDifferences checks backpropagation through time, H·v
// and the Gauss–Newton product (against Jᵀ Λ J v from a finite-difference
// Jacobian of the logits) on minibatches and on all sequences.
func TestLSTMAgainstFiniteDifferences(t *testing.T) {
	for _, c := range []struct{ H, T int }{{3, 5}, {4, 12}, {2, 30}} {
		l := NewLSTM(NewBitTask(c.H, c.T, 12, 0.5, 3), c.H)
		n := l.Dim()
		g, hv, gv := make([]float64, n), make([]float64, n), make([]float64, n)
		for trial, batch := range [][]int{{0, 3, 5, 7}, nil} {
			theta := randomTheta(n, 0.6, uint64(10+trial))
			v := randomTheta(n, 1, uint64(20+trial))
			loss := l.Grad(g, theta, batch)
			if d := math.Abs(loss - l.Loss(theta, batch)); d > 1e-12 {
				t.Fatalf("H=%d T=%d: Grad's loss differs from Loss by %g", c.H, c.T, d)
			}
			want := fd.Gradient(nil, func(x []float64) float64 { return l.Loss(x, batch) }, theta, &fd.Settings{Formula: fd.Central})
			if d := maxDiff(g, want); d > 1e-6*(1+floats.Norm(want, math.Inf(1))) {
				t.Fatalf("H=%d T=%d: gradient differs from finite differences by %g", c.H, c.T, d)
			}
			l.HVP(hv, theta, v, batch, false)
			fdHv := fdDirectional(n, func(dst, x []float64) { l.Grad(dst, x, batch) }, theta, v)
			if d := maxDiff(hv, fdHv); d > 1e-5*(1+floats.Norm(fdHv, math.Inf(1))) {
				t.Fatalf("H=%d T=%d: H·v differs from finite differences of the gradient by %g", c.H, c.T, d)
			}
			l.HVP(gv, theta, v, batch, true)
			if d := maxDiff(gv, lstmGaussNewton(l, theta, v, batch)); d > 1e-6*(1+floats.Norm(gv, math.Inf(1))) {
				t.Fatalf("H=%d T=%d: G·v differs from Jᵀ Λ J v by %g", c.H, c.T, d)
			}
		}
	}
}

// lstmGaussNewton is (1/n) Σᵢ Jᵢᵀ (diag pᵢ − pᵢpᵢᵀ) Jᵢ v, Jᵢ the Jacobian of
// sequence i's logits by finite differences.
func lstmGaussNewton(l *LSTM, theta, v []float64, batch []int) []float64 {
	n := l.Dim()
	out := make([]float64, n)
	count := l.each(batch, func(i int) {
		logits := func(dst, x []float64) {
			l.load(x, nil)
			l.forward(i)
			dst[0], dst[1] = l.logits[0].v, l.logits[1].v
		}
		jv := fdDirectional(2, logits, theta, v)
		l.load(theta, nil)
		l.forward(i)
		p0, p1 := l.p[0].v, l.p[1].v
		dot := p0*jv[0] + p1*jv[1]
		lam := []float64{p0 * (jv[0] - dot), p1 * (jv[1] - dot)}
		jt := fd.Gradient(nil, func(x []float64) float64 {
			o := make([]float64, 2)
			logits(o, x)
			return lam[0]*o[0] + lam[1]*o[1]
		}, theta, &fd.Settings{Formula: fd.Central})
		floats.Add(out, jt)
	})
	floats.Scale(1/float64(count), out)
	return out
}

// TestLSTMAgainstPyTorch compares the loss, gradient and H·v with
// torch.nn.LSTMCell's (testdata/lstm_reference.py).
func TestLSTMAgainstPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/lstm_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			H, T                int
			X                   []float64
			Y                   []int
			Theta, V, Grad, HVP []float64
			Loss                float64
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Cases {
		l := NewLSTM(&RNN{T: c.T, X: c.X, Y: c.Y}, c.H)
		g, hv := make([]float64, l.Dim()), make([]float64, l.Dim())
		loss := l.Grad(g, c.Theta, nil)
		l.HVP(hv, c.Theta, c.V, nil, false)
		if math.Abs(loss-c.Loss) > 1e-13 || maxDiff(g, c.Grad) > 1e-13 || maxDiff(hv, c.HVP) > 1e-12*(1+floats.Norm(c.HVP, math.Inf(1))) {
			t.Errorf("H=%d T=%d: loss %g (PyTorch %g), gradient off by %g, H·v off by %g", c.H, c.T, loss, c.Loss, maxDiff(g, c.Grad), maxDiff(hv, c.HVP))
		}
	}
}

// The forget gate's bias starts where InitWeights puts it; the rest as
// PyTorch's LSTM, uniform in ±1/√H.
func TestLSTMInitWeights(t *testing.T) {
	l := NewLSTM(NewBitTask(8, 10, 20, 0.5, 1), 8)
	for _, fb := range []float64{0, 1} {
		theta := l.InitWeights(fb, 4)
		for _, b := range l.ForgetBias(theta) {
			if b != fb {
				t.Fatalf("forget bias %g, want %g", b, fb)
			}
		}
		if m := floats.Norm(theta[:4*8*8], math.Inf(1)); m > 1/math.Sqrt(8) || m < 0.5/math.Sqrt(8) {
			t.Errorf("recurrent weights reach %g; PyTorch draws them in ±%g", m, 1/math.Sqrt(8))
		}
	}
}

// itersToLearn is how many Adam steps (lr 0.01, minibatches of 20, as
// torch.optim.Adam) a model takes until its loss on all sequences is below
// 0.1, checked every 5 steps; 0 if not within most.
func itersToLearn(m Model, theta []float64, most int) int {
	n := m.Dim()
	g, m1, m2 := make([]float64, n), make([]float64, n), make([]float64, n)
	all := make([]int, m.Examples())
	for i := range all {
		all[i] = i
	}
	batches := NewBatches(all, 20, 1)
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	for t := 1; t <= most; t++ {
		m.Grad(g, theta, batches.Next())
		c1, c2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
		for k := range theta {
			m1[k] = b1*m1[k] + (1-b1)*g[k]
			m2[k] = b2*m2[k] + (1-b2)*g[k]*g[k]
			theta[k] -= lr / c1 * m1[k] / (math.Sqrt(m2[k]/c2) + eps)
		}
		if t%5 == 0 && m.Loss(theta, nil) < 0.1 {
			return t
		}
	}
	return 0
}

// TestLongTermDependencies reproduces the table behind the lesson on
// long-term dependencies (docs/lessons.md), 10 units: Adam's steps until the bit task's loss is
// below 0.1, for LSTMs with forget-gate biases 0, 1 and 3 and tanh RNNs of
// gains 0.5 and 1, at T = 25 and 50 (0: not within 600), and the LSTM with
// bias 3 at T = 100.
func TestLongTermDependencies(t *testing.T) {
	type row struct {
		T                   int
		lstm0, lstm1, lstm3 int
		tanh05, tanh1       int
	}
	for _, want := range []row{{25, 200, 60, 30, 160, 20}, {50, 0, 200, 55, 0, 0}} {
		task := NewBitTask(10, want.T, 200, 0.5, 1)
		l := NewLSTM(task, 10)
		got := row{T: want.T,
			lstm0: itersToLearn(l, l.InitWeights(0, 1), 600), lstm1: itersToLearn(l, l.InitWeights(1, 1), 600), lstm3: itersToLearn(l, l.InitWeights(3, 1), 600),
			tanh05: itersToLearn(task, task.InitWeights(0.5, 1), 600), tanh1: itersToLearn(task, task.InitWeights(1, 1), 600)}
		if got != want {
			t.Errorf("steps to learn %+v; the lesson says %+v", got, want)
		}
	}
	task := NewBitTask(10, 100, 200, 0.5, 1)
	l := NewLSTM(task, 10)
	if got := itersToLearn(l, l.InitWeights(3, 1), 600); got != 515 {
		t.Errorf("at T = 100 the LSTM with forget bias 3 learns after %d steps; docs/lessons.md says 515", got)
	}
}

// TestGradientReachingTheFirstStep pins the ratios ‖∂L/∂h₁‖/‖∂L/∂h₂₅‖ at
// the start that the lesson on long-term dependencies quotes (10 units, the
// bit task over 25 steps, weight seed 1), to the digit it gives.
func TestGradientReachingTheFirstStep(t *testing.T) {
	task := NewBitTask(10, 25, 200, 0.5, 1)
	l := NewLSTM(task, 10)
	ratio := func(m recurrent, theta []float64) float64 {
		m.Grad(make([]float64, m.Dim()), theta, nil)
		d := m.HiddenGradNorms()
		return d[0] / d[len(d)-1]
	}
	for _, c := range []struct {
		name  string
		got   float64
		quote float64
	}{
		{"lstm forget bias 0", ratio(l, l.InitWeights(0, 1)), 7e-8},
		{"lstm forget bias 1", ratio(l, l.InitWeights(1, 1)), 2e-4},
		{"lstm forget bias 3", ratio(l, l.InitWeights(3, 1)), 3e-2},
		{"tanh gain 1", ratio(task, task.InitWeights(1, 1)), 3e-2},
		{"tanh gain 0.5", ratio(task, task.InitWeights(0.5, 1)), 9e-7},
	} {
		if r := c.got / c.quote; r < 0.75 || r > 1.34 {
			t.Errorf("%s: the first step's gradient is %.3g of the last's; the lesson says %g", c.name, c.got, c.quote)
		}
	}
}
