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
