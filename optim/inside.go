package optim

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Inside is what a method carries from one step to the next, for drawing
// it on the map (issue: "inside the optimizer"). Every field is nil when
// the method has no such state; slices are the method's own, valid until
// its next step.
type Inside struct {
	// Velocity is the step the method's momentum alone would take next: SGD's
	// heavy ball −lr·μ·b (PyTorch's buffer b), the textbook Nesterov's μv,
	// RMSProp's −lr·μ·b, Adam's −lr·m̂/(√v̂ + ε) (its step without a new
	// gradient).
	Velocity []float64
	// Scale is the per-coordinate factor that turns a gradient into the next
	// step, step_i = −Scale_i·g_i: AdaGrad's γ/(√S_i + ε), RMSProp's
	// lr/(√v_i + ε), Adam's lr/(√v̂_i + ε) (applied to m̂), AdaDelta's
	// lr·√(u_i + ε)/√(v_i + ε).
	Scale []float64
	// InvHess is a quasi-Newton method's approximation of the inverse
	// Hessian that makes its next direction −H·g, row-major n×n: BFGS's
	// matrix, L-BFGS's two-loop recursion applied to the unit vectors
	// (n ≤ MaxInsideDim).
	InvHess []float64
	// Lines are the last line searches (at most MaxLines, the latest last):
	// each starts at From and runs along Dir (the direction as the method
	// computed it, before the search scaled it).
	Lines []Line
}

// Line is one line search: its start and its direction.
type Line struct {
	From, Dir []float64
}

// MaxInsideDim bounds the dimension whose inverse-Hessian approximation is
// written out: the map draws 2-D surfaces.
const MaxInsideDim = 16

// MaxLines is how many past line searches Inside keeps.
const MaxLines = 3

// insider is a method that can say what it carries.
type insider interface {
	inside() *Inside
}

// Inside is what the run's method carries after its last step, or nil.
func (r *Run) Inside() *Inside {
	if in, ok := r.opt.(insider); ok && r.Iter > 0 {
		return in.inside()
	}
	return nil
}

// inside asks the first-order rule, with the learning rate of the next step.
func (f *firstOrder) inside() *Inside {
	in, ok := f.rule.(interface {
		inside(st *Inside, x []float64, lr float64, t int)
	})
	if !ok {
		return nil
	}
	if f.st == nil {
		n := len(f.x)
		f.st = &Inside{Velocity: make([]float64, n), Scale: make([]float64, n)}
	}
	st := *f.st
	in.inside(&st, f.x, f.sched.at(f.t+1), f.t)
	return &st
}

func (s *sgd) inside(st *Inside, _ []float64, lr float64, _ int) {
	if s.momentum == 0 {
		st.Velocity, st.Scale = nil, nil
		return
	}
	for i, b := range s.buf {
		st.Velocity[i] = -lr * s.momentum * b
	}
	st.Scale = nil
}

func (l *lookahead) inside(st *Inside, _ []float64, _ float64, _ int) {
	for i, v := range l.v {
		st.Velocity[i] = l.momentum * v
	}
	st.Scale = nil
}

func (a *adagrad) inside(st *Inside, _ []float64, lr float64, t int) {
	clr := lr / (1 + float64(t)*a.lrDecay) // the next step's, t + 1
	for i, s := range a.sum {
		st.Scale[i] = clr / (math.Sqrt(s) + a.eps)
	}
	st.Velocity = nil
}

func (r *rmsprop) inside(st *Inside, _ []float64, lr float64, _ int) {
	for i, v := range r.v {
		avg := math.Sqrt(v)
		if r.centered {
			avg = math.Sqrt(v - r.m[i]*r.m[i])
		}
		st.Scale[i] = lr / (avg + r.eps)
		st.Velocity[i] = -lr * r.momentum * r.b[i]
	}
	if r.momentum == 0 {
		st.Velocity = nil
	}
}

func (a *adam) inside(st *Inside, _ []float64, lr float64, t int) {
	bc1, bc2 := 1-math.Pow(a.beta1, float64(t)), 1-math.Pow(a.beta2, float64(t))
	for i, v := range a.v {
		denom := math.Sqrt(v/bc2) + a.eps
		st.Scale[i] = lr / denom
		st.Velocity[i] = -lr * (a.m[i] / bc1) / denom
	}
}

func (a *adadelta) inside(st *Inside, _ []float64, lr float64, _ int) {
	for i, v := range a.v {
		st.Scale[i] = lr * math.Sqrt(a.u[i]+a.eps) / math.Sqrt(v+a.eps)
	}
	st.Velocity = nil
}

// quasiNewton shadows a gonum quasi-Newton direction's inverse-Hessian
// approximation, with gonum's own formulas from the same accepted points
// and gradients (gonum keeps its matrix and pairs unexported): after each
// accepted step it holds what the next direction −H·g will use, one search
// ahead of gonum, which updates when the next search starts. The tests hold
// −H·g against gonum's next direction.
type quasiNewton struct {
	memory int // 0: BFGS's dense matrix; else L-BFGS's number of pairs
	n      int
	x, g   []float64 // the last accepted point and its gradient
	h      *mat.SymDense
	first  bool
	s, y   [][]float64 // L-BFGS's pairs, oldest first
	out    []float64
}

func (q *quasiNewton) start(x, g []float64) {
	q.n = len(x)
	if q.n > MaxInsideDim {
		return // a network's: not drawn, not kept
	}
	q.x, q.g = append(q.x[:0], x...), append(q.g[:0], g...)
	q.first, q.s, q.y = true, q.s[:0], q.y[:0]
	if q.memory == 0 {
		q.h = mat.NewSymDense(q.n, nil)
		for i := range q.n {
			q.h.SetSym(i, i, 1) // gonum's first direction is −g
		}
	}
}

// accept updates the approximation with the step to x, where the gradient
// is g, as gonum's BFGS.NextDirection and LBFGS.NextDirection will.
func (q *quasiNewton) accept(x, g []float64) {
	s, y := make([]float64, q.n), make([]float64, q.n)
	floats.SubTo(s, x, q.x)
	floats.SubTo(y, g, q.g)
	copy(q.x, x)
	copy(q.g, g)
	sy := floats.Dot(s, y)
	if q.memory > 0 {
		if len(q.s) == q.memory {
			q.s, q.y = q.s[1:], q.y[1:]
		}
		q.s, q.y = append(q.s, s), append(q.y, y)
		return
	}
	if q.first {
		scale := sy / floats.Dot(y, y)
		for i := range q.n {
			for j := i; j < q.n; j++ {
				q.h.SetSym(i, j, 0)
			}
			q.h.SetSym(i, i, scale)
		}
		q.first = false
	}
	if sy != 0 {
		sv, yv := mat.NewVecDense(q.n, s), mat.NewVecDense(q.n, y)
		yBy := mat.Inner(yv, q.h, yv)
		var hy mat.VecDense
		hy.MulVec(q.h, yv)
		q.h.SymRankOne(q.h, (1+yBy/sy)/sy, sv)
		q.h.RankTwo(q.h, -1/sy, &hy, sv)
	}
}

// apply writes H·v into dst: BFGS's matrix, or L-BFGS's two-loop
// recursion in gonum's order.
func (q *quasiNewton) apply(dst, v []float64) {
	if q.memory == 0 {
		mat.NewVecDense(q.n, dst).MulVec(q.h, mat.NewVecDense(q.n, v))
		return
	}
	copy(dst, v)
	k := len(q.s)
	if k == 0 {
		return
	}
	a := make([]float64, k)
	for i := k - 1; i >= 0; i-- {
		a[i] = floats.Dot(q.s[i], dst) / floats.Dot(q.s[i], q.y[i])
		floats.AddScaled(dst, -a[i], q.y[i])
	}
	last := k - 1
	floats.Scale(floats.Dot(q.s[last], q.y[last])/floats.Dot(q.y[last], q.y[last]), dst)
	for i := range k {
		beta := floats.Dot(q.y[i], dst) / floats.Dot(q.s[i], q.y[i])
		floats.AddScaled(dst, a[i]-beta, q.s[i])
	}
}

// matrix is H written out, row-major.
func (q *quasiNewton) matrix() []float64 {
	if len(q.out) != q.n*q.n {
		q.out = make([]float64, q.n*q.n)
	}
	e := make([]float64, q.n)
	col := make([]float64, q.n)
	for j := range q.n {
		clear(e)
		e[j] = 1
		q.apply(col, e)
		for i := range q.n {
			q.out[i*q.n+j] = col[i]
		}
	}
	return q.out
}

// inside: the line searches so far and, for a quasi-Newton direction, its
// inverse-Hessian approximation.
func (l *lineSearch) inside() *Inside {
	st := &Inside{Lines: l.lines}
	if l.qn != nil && l.qn.n > 0 && l.qn.n <= MaxInsideDim {
		st.InvHess = l.qn.matrix()
	}
	return st
}

// recordDirections wraps a method's NextDirectioner to keep each
// direction its line searches run along, and to start the quasi-Newton
// shadow where gonum starts its matrix.
type recordDirections struct {
	optimize.NextDirectioner
	l *lineSearch
}

func (r recordDirections) InitDirection(loc *optimize.Location, dir []float64) float64 {
	step := r.NextDirectioner.InitDirection(loc, dir)
	if r.l.qn != nil {
		r.l.qn.start(loc.X, loc.Gradient)
	}
	r.l.record(loc.X, dir)
	return step
}

func (r recordDirections) NextDirection(loc *optimize.Location, dir []float64) float64 {
	step := r.NextDirectioner.NextDirection(loc, dir)
	r.l.record(loc.X, dir)
	return step
}

// record keeps a line search's start and direction, the last MaxLines.
func (l *lineSearch) record(from, dir []float64) {
	if len(l.lines) == MaxLines {
		first := l.lines[0]
		l.lines = append(l.lines[:0], l.lines[1:]...)
		l.lines = append(l.lines, first) // its slices reused
	} else {
		l.lines = append(l.lines, Line{From: make([]float64, len(from)), Dir: make([]float64, len(dir))})
	}
	last := &l.lines[len(l.lines)-1]
	copy(last.From, from)
	copy(last.Dir, dir)
}
