package nets

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// RNN is a vanilla tanh recurrent network on the task of remembering a bit
// over T steps (Hochreiter & Schmidhuber 1997; Bengio et al. 1994): the
// first input carries the bit ±1, the later inputs noise, and the class is
// read from the last state. h₀ = 0, hₜ = tanh(W hₜ₋₁ + U xₜ + b),
// logits = V h_T + c, softmax cross-entropy. Gradients flow back through T
// products of W and tanh′, which is where they vanish or explode (ch. 8.2.5).
//
// θ = (W (H×H), U (H×2), b (H), V (2×H), c (2)), row-major.
type RNN struct {
	H, T int
	X    []float64 // example i, step t, channel k at (i·T + t)·2 + k
	Y    []int

	h, ra, rh          [][]float64 // states and their R-versions, per step (0 … T)
	dh, rdh, da, rda   []float64
	p, logits, rlogits []float64
	dhNorm             []float64 // ‖∂L/∂hₜ‖ summed over the last gradient's examples
}

// NewBitTask draws n sequences of length T from the seed: the bit, then
// Gaussian noise of the given size on the second channel.
func NewBitTask(hidden, steps, n int, noise float64, seed uint64) *RNN {
	rng := rand.New(rand.NewPCG(seed, 0xb17))
	r := &RNN{H: hidden, T: steps, X: make([]float64, n*steps*2), Y: make([]int, n)}
	for i := range n {
		bit := rng.IntN(2)
		r.Y[i] = bit
		r.X[(i*steps)*2] = float64(2*bit - 1)
		for t := 1; t < steps; t++ {
			r.X[(i*steps+t)*2+1] = noise * rng.NormFloat64()
		}
	}
	for range steps + 1 {
		r.h = append(r.h, make([]float64, hidden))
		r.ra = append(r.ra, make([]float64, hidden))
		r.rh = append(r.rh, make([]float64, hidden))
	}
	r.dh, r.rdh, r.da, r.rda = make([]float64, hidden), make([]float64, hidden), make([]float64, hidden), make([]float64, hidden)
	r.p, r.logits, r.rlogits = make([]float64, 2), make([]float64, 2), make([]float64, 2)
	r.dhNorm = make([]float64, steps)
	return r
}

func (r *RNN) Dim() int      { return r.H*r.H + 2*r.H + r.H + 2*r.H + 2 }
func (r *RNN) Examples() int { return len(r.Y) }

// parts slices θ into W, U, b, V, c.
func (r *RNN) parts(theta []float64) (W, U, b, V, c []float64) {
	H := r.H
	W = theta[:H*H]
	U = theta[H*H : H*H+2*H]
	b = theta[H*H+2*H : H*H+3*H]
	V = theta[H*H+3*H : H*H+5*H]
	c = theta[H*H+5*H:]
	return
}

func (r *RNN) x(i, t int) []float64 { return r.X[(i*r.T+t)*2 : (i*r.T+t)*2+2] }

// forward runs example i and returns its loss.
func (r *RNN) forward(theta []float64, i int) float64 {
	W, U, b, V, c := r.parts(theta)
	H := r.H
	clear(r.h[0])
	for t := 1; t <= r.T; t++ {
		x, prev, h := r.x(i, t-1), r.h[t-1], r.h[t]
		for j := range H {
			s := b[j] + U[2*j]*x[0] + U[2*j+1]*x[1]
			for k := range H {
				s += W[j*H+k] * prev[k]
			}
			h[j] = math.Tanh(s)
		}
	}
	for o := range 2 {
		s := c[o]
		for k := range H {
			s += V[o*H+k] * r.h[r.T][k]
		}
		r.logits[o] = s
	}
	return softmax(r.p, r.logits) - r.logits[r.Y[i]]
}

func (r *RNN) each(batch []int, f func(i int)) int { return eachExample(len(r.Y), batch, f) }

func (r *RNN) Loss(theta []float64, batch []int) float64 {
	var l float64
	n := r.each(batch, func(i int) { l += r.forward(theta, i) })
	return l / float64(n)
}

// Grad is backpropagation through time; it also records ‖∂L/∂hₜ‖.
func (r *RNN) Grad(dst, theta []float64, batch []int) float64 {
	clear(dst)
	clear(r.dhNorm)
	var loss float64
	n := r.each(batch, func(i int) {
		loss += r.forward(theta, i)
		d := [2]float64{r.p[0], r.p[1]}
		d[r.Y[i]]--
		r.backprop(dst, theta, i, d, true)
	})
	scale := 1 / float64(n)
	for i := range dst {
		dst[i] *= scale
	}
	for t := range r.dhNorm {
		r.dhNorm[t] *= scale
	}
	return loss * scale
}

// backprop accumulates into dst the gradient that the delta d at the logits
// induces for example i, after forward(theta, i): back through V, then
// through time. With norms it adds ‖∂L/∂hₜ‖ to dhNorm.
func (r *RNN) backprop(dst, theta []float64, i int, d [2]float64, norms bool) {
	gW, gU, gb, gV, gc := r.parts(dst)
	W, _, _, V, _ := r.parts(theta)
	H := r.H
	for o := range 2 {
		gc[o] += d[o]
		for k := range H {
			gV[o*H+k] += d[o] * r.h[r.T][k]
		}
	}
	for k := range H {
		r.dh[k] = V[k]*d[0] + V[H+k]*d[1]
	}
	for t := r.T; t >= 1; t-- {
		if norms {
			var norm float64
			for k := range H {
				norm += r.dh[k] * r.dh[k]
			}
			r.dhNorm[t-1] += math.Sqrt(norm)
		}
		x, prev, h := r.x(i, t-1), r.h[t-1], r.h[t]
		for j := range H {
			r.da[j] = r.dh[j] * (1 - h[j]*h[j])
			gb[j] += r.da[j]
			gU[2*j] += r.da[j] * x[0]
			gU[2*j+1] += r.da[j] * x[1]
			for k := range H {
				gW[j*H+k] += r.da[j] * prev[k]
			}
		}
		clear(r.dh)
		for j := range H {
			for k := range H {
				r.dh[k] += W[j*H+k] * r.da[j]
			}
		}
	}
}

// Fisher writes the Fisher information of the softmax output on the batch,
// F = (1/n) Σᵢ Jᵢᵀ (diag pᵢ − pᵢpᵢᵀ) Jᵢ with Jᵢ the Jacobian of example i's
// logits: the matrix of HVP's Gauss–Newton products, formed from two
// backpropagations per example instead of one product per parameter.
func (r *RNN) Fisher(dst *mat.SymDense, theta []float64, batch []int) {
	acc := newFisherAccumulator(dst, r.Dim(), 2)
	n := r.each(batch, func(i int) {
		r.forward(theta, i)
		for k := range 2 {
			j := acc.jacobianRow(k)
			r.backprop(j, theta, i, [2]float64{float64(1 - k), float64(k)}, false)
		}
		acc.addSoftmax(r.p)
	})
	acc.finish(1 / float64(n))
}

// HiddenGradNorms is the mean ‖∂L/∂hₜ‖ for t = 1 … T of the last Grad.
func (r *RNN) HiddenGradNorms() []float64 { return append([]float64(nil), r.dhNorm...) }

// HVP is Pearlmutter's R-operator through time: R{hₜ} forward alongside hₜ,
// then R{δ} backward alongside δ. With gaussNewton only the output's
// curvature (diag p − ppᵀ) is kept: the Fisher of the softmax output.
func (r *RNN) HVP(dst, theta, v []float64, batch []int, gaussNewton bool) {
	clear(dst)
	gW, gU, gb, gV, gc := r.parts(dst)
	W, _, _, V, _ := r.parts(theta)
	vW, vU, vb, vV, vc := r.parts(v)
	H := r.H
	n := r.each(batch, func(i int) {
		r.forward(theta, i)
		// R-forward: R{aₜ} = vW hₜ₋₁ + W R{hₜ₋₁} + vU xₜ + vb; R{hₜ} = (1 − hₜ²) R{aₜ}.
		clear(r.rh[0])
		for t := 1; t <= r.T; t++ {
			x, prev, rprev := r.x(i, t-1), r.h[t-1], r.rh[t-1]
			for j := range H {
				s := vb[j] + vU[2*j]*x[0] + vU[2*j+1]*x[1]
				for k := range H {
					s += vW[j*H+k]*prev[k] + W[j*H+k]*rprev[k]
				}
				r.ra[t][j] = s
				r.rh[t][j] = (1 - r.h[t][j]*r.h[t][j]) * s
			}
		}
		for o := range 2 {
			s := vc[o]
			for k := range H {
				s += vV[o*H+k]*r.h[r.T][k] + V[o*H+k]*r.rh[r.T][k]
			}
			r.rlogits[o] = s
		}
		d := [2]float64{r.p[0], r.p[1]}
		d[r.Y[i]]--
		pr := r.p[0]*r.rlogits[0] + r.p[1]*r.rlogits[1]
		rd := [2]float64{r.p[0] * (r.rlogits[0] - pr), r.p[1] * (r.rlogits[1] - pr)}
		if gaussNewton {
			d = [2]float64{} // only R{δ} flows: Jᵀ (diag p − ppᵀ) J v
		}
		for o := range 2 {
			gc[o] += rd[o]
			for k := range H {
				gV[o*H+k] += rd[o]*r.h[r.T][k] + d[o]*r.rh[r.T][k]
			}
		}
		for k := range H {
			r.dh[k] = V[k]*d[0] + V[H+k]*d[1]
			r.rdh[k] = vV[k]*d[0] + vV[H+k]*d[1] + V[k]*rd[0] + V[H+k]*rd[1]
		}
		for t := r.T; t >= 1; t-- {
			x, prev, rprev, h, rh := r.x(i, t-1), r.h[t-1], r.rh[t-1], r.h[t], r.rh[t]
			for j := range H {
				s := 1 - h[j]*h[j]
				r.da[j] = r.dh[j] * s
				r.rda[j] = r.rdh[j]*s - r.dh[j]*2*h[j]*rh[j]
				gb[j] += r.rda[j]
				gU[2*j] += r.rda[j] * x[0]
				gU[2*j+1] += r.rda[j] * x[1]
				for k := range H {
					gW[j*H+k] += r.rda[j]*prev[k] + r.da[j]*rprev[k]
				}
			}
			clear(r.dh)
			clear(r.rdh)
			for j := range H {
				for k := range H {
					r.dh[k] += W[j*H+k] * r.da[j]
					r.rdh[k] += vW[j*H+k]*r.da[j] + W[j*H+k]*r.rda[j]
				}
			}
		}
	})
	scale := 1 / float64(n)
	for i := range dst {
		dst[i] *= scale
	}
}

// LossAndErrors computes Loss and Errors in one pass over the examples.
func (r *RNN) LossAndErrors(theta []float64, examples []int) (loss, errRate float64) {
	var wrong int
	n := r.each(examples, func(i int) {
		loss += r.forward(theta, i)
		if argmax(r.p) != r.Y[i] {
			wrong++
		}
	})
	return loss / float64(n), float64(wrong) / float64(n)
}

// Errors is the 0-1 error rate on the examples.
func (r *RNN) Errors(theta []float64, examples []int) float64 {
	var wrong int
	n := r.each(examples, func(i int) {
		r.forward(theta, i)
		if argmax(r.p) != r.Y[i] {
			wrong++
		}
	})
	return float64(wrong) / float64(n)
}

// InitWeights draws θ: W with entries N(0, gain²/H), so that gain is about
// its spectral radius (below 1 gradients vanish over time, above 1 they can
// explode); U and V with N(0, 1/fan_in); zero biases.
func (r *RNN) InitWeights(gain float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x4e11))
	theta := make([]float64, r.Dim())
	W, U, _, V, _ := r.parts(theta)
	for i := range W {
		W[i] = gain / math.Sqrt(float64(r.H)) * rng.NormFloat64()
	}
	for i := range U {
		U[i] = rng.NormFloat64() / math.Sqrt(2)
	}
	for i := range V {
		V[i] = rng.NormFloat64() / math.Sqrt(float64(r.H))
	}
	return theta
}

// steps is the sequences' length, for the cost of a pass.
func (r *RNN) steps() int { return r.T }

// Clone is the same network and data with scratch space of its own.
func (r *RNN) Clone() Model {
	c := &RNN{H: r.H, T: r.T, X: r.X, Y: r.Y}
	for range r.T + 1 {
		c.h = append(c.h, make([]float64, r.H))
		c.ra = append(c.ra, make([]float64, r.H))
		c.rh = append(c.rh, make([]float64, r.H))
	}
	c.dh, c.rdh, c.da, c.rda = make([]float64, r.H), make([]float64, r.H), make([]float64, r.H), make([]float64, r.H)
	c.p, c.logits, c.rlogits = make([]float64, 2), make([]float64, 2), make([]float64, 2)
	c.dhNorm = make([]float64, r.T)
	return c
}
