package nets

import (
	"context"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Model is a network with a loss on minibatches of its examples, its
// gradient and its Hessian- (or Gauss–Newton-) vector products: the MLP and
// the RNN and the LSTM.
type Model interface {
	Dim() int
	Examples() int
	Loss(theta []float64, batch []int) float64
	Grad(dst, theta []float64, batch []int) float64
	HVP(dst, theta, v []float64, batch []int, gaussNewton bool)
	// Fisher writes the Gauss–Newton matrix, the matrix of HVP's
	// gaussNewton products, on the batch.
	Fisher(dst *mat.SymDense, theta []float64, batch []int)
	Errors(theta []float64, examples []int) float64
	LossAndErrors(theta []float64, examples []int) (loss, errRate float64)
	// Clone is the same model with scratch space of its own.
	Clone() Model
}

// Examples is the number of examples of the MLP's data.
func (m *MLP) Examples() int { return m.Data.N() }

// recurrent is a network over sequences (the RNN, the LSTM): its cost
// grows with their length, and its gradient's size at each step is what its
// lessons show.
type recurrent interface {
	Model
	steps() int
	HiddenGradNorms() []float64
}

// Objective is a network's training loss as a landscape over its parameters:
// the full training set for the value, the gradient, Hessian-vector
// products and the Fisher; minibatches of it for first-order methods.
type Objective struct {
	Model      Model
	Train, Val []int
	Batch      int
	// Source, if set, is an endless supply of fresh examples of the same
	// distribution as the data (a generated data set drawn again with
	// another seed): online learning (ch. 8.1) takes its minibatches from
	// it, never from the training set.
	Source func() *Objective
	// Other, if set, is the same network on another task of the same
	// inputs (the other half of the classes): the task a racer with
	// transfer trains on first (ch. 8.7.4).
	Other   func() *Objective
	mu      sync.Mutex // the model's scratch space is shared
	scratch []int
	easy    []int // EasyFirst, once computed
}

// Stream is the objective over the fresh examples (all of them its
// training set), or nil when the data has no source.
func (o *Objective) Stream() *Objective {
	if o.Source == nil {
		return nil
	}
	return o.Source()
}

// MaxDenseParams is the most parameters for which the dense Hessian or
// Fisher is formed (Newton, saddle-free Newton, natural gradient): one
// Hessian-vector product per parameter keeps it interactive up to here.
const MaxDenseParams = 400

func (o *Objective) Dim() int { return o.Model.Dim() }

func (o *Objective) Func(x []float64) float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.Model.Loss(x, o.Train)
}

func (o *Objective) Grad(dst, x []float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Model.Grad(dst, x, o.Train)
}

// HessVec writes H·v on the training set.
func (o *Objective) HessVec(dst, x, v []float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Model.HVP(dst, x, v, o.Train, false)
}

// Hess forms the dense Hessian from Dim Hessian-vector products.
func (o *Objective) Hess(dst *mat.SymDense, x []float64) { o.dense(dst, x, false) }

// Fisher forms the Fisher information of the model's predictive
// distribution on the training set, the generalized Gauss–Newton matrix
// (see MLP.Fisher).
func (o *Objective) Fisher(dst *mat.SymDense, x []float64) {
	o.checkDense()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Model.Fisher(dst, x, o.Train)
}

func (o *Objective) checkDense() {
	if n := o.Dim(); n > MaxDenseParams {
		panic(fmt.Sprintf("nets: a dense %d×%d curvature matrix was asked for; the limit is %d", n, n, MaxDenseParams))
	}
}

func (o *Objective) dense(dst *mat.SymDense, x []float64, gn bool) {
	n := o.Dim()
	if n > MaxDenseParams {
		panic(fmt.Sprintf("nets: a dense %d×%d curvature matrix was asked for; the limit is %d", n, n, MaxDenseParams))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	denseOf(dst, n, func(col, e []float64) { o.Model.HVP(col, x, e, o.Train, gn) })
}

// denseOf forms the symmetric n×n matrix whose products product computes,
// column by column (a product with each unit vector).
func denseOf(dst *mat.SymDense, n int, product func(col, e []float64)) {
	e, col := make([]float64, n), make([]float64, n)
	for j := range n {
		clear(e)
		e[j] = 1
		product(col, e)
		for i := 0; i <= j; i++ {
			dst.SetSym(i, j, col[i])
		}
	}
}

// Examples, BatchSize and BatchGrad deal minibatches of the training set.
func (o *Objective) Examples() int  { return len(o.Train) }
func (o *Objective) BatchSize() int { return o.Batch }

// BatchGrad is the gradient on the training examples the positions name.
func (o *Objective) BatchGrad(dst, x []float64, positions []int) float64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scratch = o.scratch[:0]
	for _, p := range positions {
		o.scratch = append(o.scratch, o.Train[p])
	}
	return o.Model.Grad(dst, x, o.scratch)
}

// Track folds the statistics of a training-mode pass of a batch-normalized
// network over the training examples the positions name (all if nil) at x
// into r (MLP.Track); other models have none.
func (o *Objective) Track(r *Running, x []float64, positions []int) {
	m, ok := o.Model.(*MLP)
	if !ok || !m.Norm {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ex := o.Train
	if positions != nil {
		o.scratch = o.scratch[:0]
		for _, p := range positions {
			o.scratch = append(o.scratch, o.Train[p])
		}
		ex = o.scratch
	}
	m.Track(r, x, ex)
}

// WithRunning is a copy of the objective (as Clone) that evaluates a
// batch-normalized network with the statistics r (nil: the training set's
// at each point); other models are unchanged.
func (o *Objective) WithRunning(r *Running) *Objective {
	c := o.Clone()
	if m, ok := c.Model.(*MLP); ok && m.Norm {
		m.Eval = r
	}
	return c
}

// GradNoise is the spread of a minibatch gradient around the full one at x:
// √E‖g_B − g‖² for minibatches of b examples drawn without replacement,
// exactly, from the N per-example gradients gᵢ:
//
//	E‖g_B − g‖² = (N − b) / (N·b·(N − 1)) · Σᵢ ‖gᵢ − g‖²,
//
// the σ/√b of sampling with the finite-population correction (0 for the
// full batch). It costs N one-example gradients; it stops with ctx's error.
func (o *Objective) GradNoise(ctx context.Context, x []float64, b int) (float64, error) {
	n := len(o.Train)
	if b <= 0 || b >= n {
		return 0, nil
	}
	g, gi := make([]float64, len(x)), make([]float64, len(x))
	o.Grad(g, x)
	ss := 0.0
	for i := range n {
		if i%32 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		o.BatchGrad(gi, x, []int{i})
		for k, v := range gi {
			d := v - g[k]
			ss += d * d
		}
	}
	N, B := float64(n), float64(b)
	return math.Sqrt((N - B) / (N * B * (N - 1)) * ss), nil
}

// Modes is the singular value decomposition of the linear task a deep
// linear network learns (nil for any other model).
func (o *Objective) Modes() *Modes {
	if m, ok := o.Model.(*MLP); ok && m.Act == Linear {
		return m.Data.Modes
	}
	return nil
}

// ClassNames are the names of a classifier's classes, in the order of its
// outputs (iris's species, say), or nil for a regression or a recurrent
// network.
func (o *Objective) ClassNames() []string {
	if m, ok := o.Model.(*MLP); ok && !m.Data.Regression() {
		return m.Data.ClassNames
	}
	return nil
}

// ModeStrengths are Saxe et al.'s mode strengths uᵢᵀ W vᵢ of the map a deep
// linear network computes at θ (nil for any other model).
func (o *Objective) ModeStrengths(theta []float64) []float64 {
	modes := o.Modes()
	if modes == nil {
		return nil
	}
	return modes.Strengths(o.Model.(*MLP).Product(theta))
}

// EasyFirst is the training examples' positions ordered easy to hard (see
// Dataset.EasyFirst), computed once; nil for models without a data set of
// features (the RNN's sequences).
func (o *Objective) EasyFirst() []int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.easy == nil {
		if m, ok := o.Model.(*MLP); ok {
			o.easy = m.Data.EasyFirst(o.Train)
		}
	}
	return o.easy
}

// Clone is the same objective with scratch space of its own, for work on
// another goroutine (a frame's diagnostics) that must not wait for this one.
func (o *Objective) Clone() *Objective {
	return &Objective{Model: o.Model.Clone(), Train: o.Train, Val: o.Val, Batch: o.Batch, Source: o.Source, Other: o.Other}
}

// HessianWork estimates the multiply-adds of the dense Hessian: one
// Hessian-vector product per parameter, each about six passes of the
// parameters over every training example (and every time step of a
// recurrent network's sequences).
func (o *Objective) HessianWork() float64 {
	n := float64(o.Dim())
	steps := 1.0
	if r, ok := o.Model.(recurrent); ok {
		steps = float64(r.steps())
	}
	return n * 6 * n * steps * float64(len(o.Train))
}
