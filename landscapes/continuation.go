package landscapes

import "gonum.org/v1/gonum/mat"

// Continuation is a landscape whose blur changes during a run: a
// continuation method (Goodfellow et al. 2016, sec. 8.7.6) minimizes the
// blurred surface f_s and lowers s towards 0, tracking the minimum as the
// surface sharpens. The blur is exact where the surface has a closed form and
// the seeded Monte-Carlo estimate elsewhere, as in Build.
type Continuation struct {
	target *Landscape
	cur    Surface
	blur   float64
}

// NewContinuation starts at the target's own blur.
func NewContinuation(target *Landscape) *Continuation {
	return &Continuation{target: target, cur: target.Surface, blur: target.Blur}
}

// SetBlur makes the surface f_s; it rebuilds only when s changes.
func (c *Continuation) SetBlur(s float64) {
	if s == c.blur {
		return
	}
	c.blur = s
	c.cur = c.target.WithBlur(s).Surface
}

// Blur is the blur in effect.
func (c *Continuation) Blur() float64 { return c.blur }

func (c *Continuation) Dim() int                            { return c.cur.Dim() }
func (c *Continuation) Func(x []float64) float64            { return c.cur.Func(x) }
func (c *Continuation) Grad(dst, x []float64)               { c.cur.Grad(dst, x) }
func (c *Continuation) Hess(dst *mat.SymDense, x []float64) { c.cur.Hess(dst, x) }
