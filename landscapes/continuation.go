package landscapes

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Continuation is a landscape whose blur changes during a run: a
// continuation method (Goodfellow et al. 2016, sec. 8.7.6) minimizes the
// blurred surface f_s and lowers s towards 0, tracking the minimum as the
// surface sharpens. The blur is exact where the surface has a closed form and
// the seeded Monte-Carlo estimate elsewhere, as in Build.
type Continuation struct {
	target *Landscape
	cur    Surface
	blur   float64
	rng    *rand.Rand // the networks' weight perturbations
	p      []float64
}

// NewContinuation starts at the target's own blur; seed draws the weight
// perturbations of a network.
func NewContinuation(target *Landscape, seed uint64) *Continuation {
	return &Continuation{target: target, cur: target.Surface, blur: target.Blur, rng: rand.New(rand.NewPCG(seed, 0xb1e2)), p: make([]float64, target.Dim())}
}

// SetBlur makes the surface f_s; it rebuilds only when s changes. A network
// stays as it is: its gradient is taken at perturbed weights instead.
func (c *Continuation) SetBlur(s float64) {
	if s == c.blur {
		return
	}
	c.blur = s
	if c.target.Network() != nil {
		return
	}
	c.cur = c.target.WithBlur(s).Surface
}

// perturbed is x + s·z with z standard normal, drawn afresh: E[∇f(x + s z)]
// is the gradient of the blurred loss f_s, so one sample per step is an
// unbiased estimate of it (the smoothing of continuation methods, ch. 8.7.6).
func (c *Continuation) perturbed(x []float64) []float64 {
	if !(c.target.Network() != nil) || c.blur == 0 {
		return x
	}
	for i, v := range x {
		c.p[i] = v + c.blur*c.rng.NormFloat64()
	}
	return c.p
}

// Blur is the blur in effect.
func (c *Continuation) Blur() float64 { return c.blur }

func (c *Continuation) Dim() int                            { return c.cur.Dim() }
func (c *Continuation) Func(x []float64) float64            { return c.cur.Func(x) }
func (c *Continuation) Grad(dst, x []float64)               { c.cur.Grad(dst, c.perturbed(x)) }
func (c *Continuation) Hess(dst *mat.SymDense, x []float64) { c.cur.Hess(dst, x) }

// Examples, BatchSize and BatchGrad pass a network's minibatches through,
// at the perturbed weights.
func (c *Continuation) Examples() int {
	if st, ok := c.cur.(interface{ Examples() int }); ok {
		return st.Examples()
	}
	return 0
}

func (c *Continuation) BatchSize() int {
	if st, ok := c.cur.(interface{ BatchSize() int }); ok {
		return st.BatchSize()
	}
	return 0
}

func (c *Continuation) BatchGrad(dst, x []float64, batch []int) float64 {
	st := c.cur.(interface {
		BatchGrad(dst, x []float64, batch []int) float64
	})
	return st.BatchGrad(dst, c.perturbed(x), batch)
}
