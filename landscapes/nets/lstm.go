package nets

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// LSTM is a long short-term memory network (Hochreiter & Schmidhuber 1997)
// on the RNN's task of remembering a bit over T steps (same sequences), with
// PyTorch's LSTMCell's gates, in its order (input, forget, cell, output):
//
//	aₜ = W hₜ₋₁ + U xₜ + b  (4H pre-activations)
//	i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
//	cₜ = f ⊙ cₜ₋₁ + i ⊙ g;  hₜ = o ⊙ tanh(cₜ)
//	logits = V h_T + c_out, softmax cross-entropy; h₀ = c₀ = 0.
//
// The cell cₜ carries the bit forward through f alone, not through products
// of a weight matrix and a squashing derivative: with f near 1 the gradient
// reaches the first step undiminished (ch. 10.10, as ch. 8.2.5 points to).
// Jozefowicz et al. (2015) recommend starting the forget gate's bias at 1 so
// that it starts open; InitWeights takes that bias.
//
// Gradients are backpropagation through time and H·v its derivative along
// v, both from one pass in dual numbers (as batch normalization's, bn.go).
//
// θ = (W (4H×H), U (4H×2), b (4H), V (2×H), c_out (2)), row-major, the gate
// blocks of W, U and b in the order i, f, g, o.
type LSTM struct {
	H, T int
	X    []float64 // example i, step t, channel k at (i·T + t)·2 + k
	Y    []int

	w                    []dual   // θ with its direction
	h, c, tc, gate       [][]dual // per step 0 … T: hₜ, cₜ, tanh cₜ and the gates i, f, g, o (4H)
	logits, p            [2]dual
	dh, dc, da, dhPrev   []dual
	gradV, gradT, dhNorm []float64
	tangent              bool
}

// NewLSTM is an LSTM of the given units on the sequences of a bit task.
func NewLSTM(task *RNN, hidden int) *LSTM {
	l := &LSTM{H: hidden, T: task.T, X: task.X, Y: task.Y}
	l.alloc()
	return l
}

func (l *LSTM) alloc() {
	H := l.H
	for range l.T + 1 {
		l.h, l.c, l.tc = append(l.h, make([]dual, H)), append(l.c, make([]dual, H)), append(l.tc, make([]dual, H))
		l.gate = append(l.gate, make([]dual, 4*H))
	}
	l.dh, l.dc, l.da, l.dhPrev = make([]dual, H), make([]dual, H), make([]dual, 4*H), make([]dual, H)
	l.w = make([]dual, l.Dim())
	l.gradV, l.gradT, l.dhNorm = make([]float64, l.Dim()), make([]float64, l.Dim()), make([]float64, l.T)
}

func (l *LSTM) Dim() int      { return 4*l.H*l.H + 8*l.H + 4*l.H + 2*l.H + 2 }
func (l *LSTM) Examples() int { return len(l.Y) }

// offsets of W, U, b, V and c_out in θ.
func (l *LSTM) offsets() (w, u, b, v, c int) {
	H := l.H
	return 0, 4 * H * H, 4*H*H + 8*H, 4*H*H + 12*H, 4*H*H + 14*H
}

// ForgetBias is the slice of θ holding the forget gate's biases.
func (l *LSTM) ForgetBias(theta []float64) []float64 {
	_, _, b, _, _ := l.offsets()
	return theta[b+l.H : b+2*l.H]
}

func (l *LSTM) x(i, t int) []float64 { return l.X[(i*l.T+t)*2 : (i*l.T+t)*2+2] }

func sigmoid(a dual) dual {
	s := 1 / (1 + math.Exp(-a.v))
	return dual{s, s * (1 - s) * a.d}
}

func tanhDual(a dual) dual {
	t := math.Tanh(a.v)
	return dual{t, (1 - t*t) * a.d}
}

// load puts θ and the direction v (nil: none) into the dual weights.
func (l *LSTM) load(theta, v []float64) {
	l.tangent = v != nil
	for i, t := range theta {
		l.w[i] = dual{v: t}
		if v != nil {
			l.w[i].d = v[i]
		}
	}
}

// forward runs example i through time and returns its loss.
func (l *LSTM) forward(i int) float64 {
	H := l.H
	wo, uo, bo, vo, co := l.offsets()
	clear(l.h[0])
	clear(l.c[0])
	for t := 1; t <= l.T; t++ {
		x, prev, gate := l.x(i, t-1), l.h[t-1], l.gate[t]
		for j := range 4 * H {
			a := l.w[bo+j]
			u := l.w[uo+2*j : uo+2*j+2]
			a.v += u[0].v*x[0] + u[1].v*x[1]
			a.d += u[0].d*x[0] + u[1].d*x[1]
			a = dotDual(a, l.w[wo+j*H:wo+(j+1)*H], prev, l.tangent)
			if j/H == 2 {
				gate[j] = tanhDual(a)
			} else {
				gate[j] = sigmoid(a)
			}
		}
		for j := range H {
			ig, fg, gg, og := gate[j], gate[H+j], gate[2*H+j], gate[3*H+j]
			l.c[t][j] = fg.mul(l.c[t-1][j]).add(ig.mul(gg))
			l.tc[t][j] = tanhDual(l.c[t][j])
			l.h[t][j] = og.mul(l.tc[t][j])
		}
	}
	for o := range 2 {
		s := l.w[co+o]
		for k, hk := range l.h[l.T] {
			s = s.add(l.w[vo+o*H+k].mul(hk))
		}
		l.logits[o] = s
	}
	// The softmax of two logits, with its derivative (diag p − ppᵀ) ȧ.
	mx := math.Max(l.logits[0].v, l.logits[1].v)
	e0, e1 := math.Exp(l.logits[0].v-mx), math.Exp(l.logits[1].v-mx)
	s := e0 + e1
	p0, p1 := e0/s, e1/s
	dot := p0*l.logits[0].d + p1*l.logits[1].d
	l.p = [2]dual{{p0, p0 * (l.logits[0].d - dot)}, {p1, p1 * (l.logits[1].d - dot)}}
	return mx + math.Log(s) - l.logits[l.Y[i]].v
}

// backward accumulates into gradV and gradT the gradient (and its
// derivative) that the deltas d at the logits induce for the example of
// the last forward pass; with norms it adds ‖∂L/∂hₜ‖ to dhNorm.
func (l *LSTM) backward(i int, d [2]dual, norms bool) {
	H := l.H
	wo, uo, bo, vo, co := l.offsets()
	add := func(k int, v dual) { l.gradV[k] += v.v; l.gradT[k] += v.d }
	for o := range 2 {
		add(co+o, d[o])
		for k, hk := range l.h[l.T] {
			add(vo+o*H+k, d[o].mul(hk))
		}
	}
	for k := range H {
		l.dh[k] = l.w[vo+k].mul(d[0]).add(l.w[vo+H+k].mul(d[1]))
	}
	clear(l.dc)
	one := dual{v: 1}
	for t := l.T; t >= 1; t-- {
		if norms {
			var s float64
			for _, v := range l.dh {
				s += v.v * v.v
			}
			l.dhNorm[t-1] += math.Sqrt(s)
		}
		gate, x, prev := l.gate[t], l.x(i, t-1), l.h[t-1]
		for j := range H {
			ig, fg, gg, og, tc := gate[j], gate[H+j], gate[2*H+j], gate[3*H+j], l.tc[t][j]
			do := l.dh[j].mul(tc)
			dc := l.dc[j].add(l.dh[j].mul(og).mul(one.sub(tc.mul(tc))))
			l.da[j] = dc.mul(gg).mul(ig.mul(one.sub(ig)))
			l.da[H+j] = dc.mul(l.c[t-1][j]).mul(fg.mul(one.sub(fg)))
			l.da[2*H+j] = dc.mul(ig).mul(one.sub(gg.mul(gg)))
			l.da[3*H+j] = do.mul(og.mul(one.sub(og)))
			l.dc[j] = dc.mul(fg)
		}
		clear(l.dhPrev)
		for j, da := range l.da {
			add(bo+j, da)
			add(uo+2*j, da.scale(x[0]))
			add(uo+2*j+1, da.scale(x[1]))
			row, g := l.w[wo+j*H:wo+(j+1)*H], wo+j*H
			if l.tangent {
				for k, hk := range prev {
					l.gradV[g+k] += da.v * hk.v
					l.gradT[g+k] += da.v*hk.d + da.d*hk.v
					l.dhPrev[k].v += row[k].v * da.v
					l.dhPrev[k].d += row[k].v*da.d + row[k].d*da.v
				}
			} else {
				for k, hk := range prev {
					l.gradV[g+k] += da.v * hk.v
					l.dhPrev[k].v += row[k].v * da.v
				}
			}
		}
		l.dh, l.dhPrev = l.dhPrev, l.dh
	}
}

func (l *LSTM) each(batch []int, f func(i int)) int { return eachExample(len(l.Y), batch, f) }

func (l *LSTM) Loss(theta []float64, batch []int) float64 {
	l.load(theta, nil)
	var s float64
	n := l.each(batch, func(i int) { s += l.forward(i) })
	return s / float64(n)
}

// Grad is backpropagation through time; it also records ‖∂L/∂hₜ‖.
func (l *LSTM) Grad(dst, theta []float64, batch []int) float64 {
	l.load(theta, nil)
	clear(l.gradV)
	clear(l.gradT)
	clear(l.dhNorm)
	var loss float64
	n := l.each(batch, func(i int) {
		loss += l.forward(i)
		d := l.p
		d[l.Y[i]].v--
		l.backward(i, d, true)
	})
	scale := 1 / float64(n)
	for k, g := range l.gradV {
		dst[k] = g * scale
	}
	for t := range l.dhNorm {
		l.dhNorm[t] *= scale
	}
	return loss * scale
}

// HVP writes H·v, the derivatives of the dual-number gradient along v; with
// gaussNewton instead Jᵀ (diag p − ppᵀ) J v, the backpropagation of the
// output's part (diag p − ppᵀ) J v as deltas.
func (l *LSTM) HVP(dst, theta, v []float64, batch []int, gaussNewton bool) {
	l.load(theta, v)
	clear(l.gradV)
	clear(l.gradT)
	n := l.each(batch, func(i int) {
		l.forward(i)
		d := l.p
		if gaussNewton {
			d = [2]dual{{v: l.p[0].d}, {v: l.p[1].d}}
		} else {
			d[l.Y[i]].v--
		}
		l.backward(i, d, false)
	})
	src := l.gradT
	if gaussNewton {
		src = l.gradV
	}
	scale := 1 / float64(n)
	for k, g := range src {
		dst[k] = g * scale
	}
}

// Fisher is the matrix of HVP's Gauss–Newton products.
func (l *LSTM) Fisher(dst *mat.SymDense, theta []float64, batch []int) {
	denseOf(dst, l.Dim(), func(col, e []float64) { l.HVP(col, theta, e, batch, true) })
}

// HiddenGradNorms is the mean ‖∂L/∂hₜ‖ for t = 1 … T of the last Grad.
func (l *LSTM) HiddenGradNorms() []float64 { return append([]float64(nil), l.dhNorm...) }

// LossAndErrors computes Loss and Errors in one pass over the examples.
func (l *LSTM) LossAndErrors(theta []float64, examples []int) (loss, errRate float64) {
	l.load(theta, nil)
	var wrong int
	n := l.each(examples, func(i int) {
		loss += l.forward(i)
		if (l.p[1].v > l.p[0].v) != (l.Y[i] == 1) {
			wrong++
		}
	})
	return loss / float64(n), float64(wrong) / float64(n)
}

// Errors is the 0-1 error rate on the examples.
func (l *LSTM) Errors(theta []float64, examples []int) float64 {
	_, e := l.LossAndErrors(theta, examples)
	return e
}

// InitWeights draws θ as PyTorch's LSTM does, every weight uniform in
// ±1/√H, and the one bias b too (PyTorch's LSTM has two, b_ih + b_hh, of
// which this is the sum); then it sets the forget gate's biases to forgetBias
// (Jozefowicz et al. 2015 recommend 1) and draws V with N(0, 1/H) and
// c_out = 0 as the RNN's output layer.
func (l *LSTM) InitWeights(forgetBias float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x157))
	theta := make([]float64, l.Dim())
	_, _, _, vo, _ := l.offsets()
	k := 1 / math.Sqrt(float64(l.H))
	for i := range vo {
		theta[i] = k * (2*rng.Float64() - 1)
	}
	for i := range l.H * 2 {
		theta[vo+i] = rng.NormFloat64() / math.Sqrt(float64(l.H))
	}
	for i := range l.ForgetBias(theta) {
		l.ForgetBias(theta)[i] = forgetBias
	}
	return theta
}

// steps is the sequences' length, for the cost of a pass.
func (l *LSTM) steps() int { return l.T }

// Clone is the same network and data with scratch space of its own.
func (l *LSTM) Clone() Model {
	c := &LSTM{H: l.H, T: l.T, X: l.X, Y: l.Y}
	c.alloc()
	return c
}
