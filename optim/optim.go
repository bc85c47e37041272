// Package optim holds saddle's optimizers behind one step-wise interface that
// a race drives one iteration at a time, in the manner of gonum's
// optimize.Method (Init, then Iterate), but with the caller owning the loop.
//
// First-order methods follow torch.optim (PyTorch 1.13) operation for
// operation, so that what a student tunes here gives the same numbers there;
// line searches, BFGS, L-BFGS and nonlinear CG are gonum's optimize package,
// driven step by step.
package optim

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/saddle-viz/saddle/landscapes"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Status is where a run stands.
type Status int

const (
	Running   Status = iota
	Converged        // the method's own stopping test holds; no further iterate
	Diverged         // the iterate or its value became non-finite
	Refused          // the method cannot go on here (a singular system, no Fisher)
	Failed           // an internal error (a recovered panic), reported, never fatal
)

var statusNames = [...]string{"running", "converged", "diverged", "refused", "failed"}

func (s Status) String() string { return statusNames[s] }

// MarshalText writes the status as its word.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Report is what one step did. Slices alias the optimizer's state and are
// valid until its next Step; copy what you keep.
type Report struct {
	X         []float64   // the iterate after the step (unchanged if the step was refused)
	LR        float64     // the learning rate in effect (for line searches: ‖Δx‖/‖g‖)
	Damping   float64     // Levenberg–Marquardt's damping after the step; NaN otherwise
	Probes    [][]float64 // the trial points of a line search, the accepted one last
	LookAhead []float64   // the look-ahead point of nesterov-lookahead, else nil
	Status    Status      // Running if X is a new iterate
	Reason    string      // why the status is not Running
}

// Optimizer is one method in the middle of a run.
type Optimizer interface {
	// Init starts a run at x0 (copied). An error is a refusal: the method
	// cannot run on this objective, and the error says why.
	Init(o *Oracle, x0 []float64) error
	// Step takes one iteration. A Status other than Running means no new
	// iterate was produced and the run is over.
	Step() Report
}

// Model is an objective that is the negative log-likelihood of a predictive
// distribution, and so has a Fisher information matrix (natural gradient).
type Model interface {
	Fisher(dst *mat.SymDense, x []float64)
}

// Stochastic is a finite sum, a loss averaged over examples, whose gradient a
// first-order method sees on minibatches: BatchSize examples at a time,
// dealt without replacement and reshuffled every epoch from the run's seed.
type Stochastic interface {
	Examples() int
	BatchSize() int // 0 or at least Examples() means full batches
	BatchGrad(dst, x []float64, batch []int) float64
}

// Oracle is the optimizer's only window on the objective. It counts the
// evaluations the optimizer asks for, adds the surface's gradient noise from
// the run's seeded generator, and applies gradient clipping, in that order:
// the optimizer receives clip(∇f + νξ).
type Oracle struct {
	s         landscapes.Surface
	noise     float64
	rng       *rand.Rand
	clipNorm  float64
	clipValue float64

	// Minibatches for first-order methods on a Stochastic objective.
	stoch Stochastic
	perm  []int
	pos   int
	// A curriculum draws the first batches from the easiest examples.
	curriculum int
	easy       []int

	evals, hessEvals int
}

// NewOracle wraps a surface; noise is the standard deviation ν of the
// gradient noise, drawn from a generator seeded by seed.
func NewOracle(s landscapes.Surface, noise float64, seed uint64) *Oracle {
	return &Oracle{s: s, noise: noise, rng: rand.New(rand.NewPCG(seed, 0x5add1e))}
}

// Eval returns f(x) (exact) and writes into g the gradient the optimizer
// sees. It counts one evaluation.
func (o *Oracle) Eval(x, g []float64) float64 {
	o.evals++
	var f float64
	if o.stoch != nil {
		f = o.stoch.BatchGrad(g, x, o.nextBatch())
	} else {
		f = o.s.Func(x)
		o.s.Grad(g, x)
	}
	if o.noise > 0 {
		for i := range g {
			g[i] += o.noise * o.rng.NormFloat64()
		}
	}
	clip(g, o.clipNorm, o.clipValue)
	return f
}

// useMinibatches makes Eval see minibatches when the objective is a finite
// sum with a batch size below its number of examples.
func (o *Oracle) useMinibatches() {
	st, ok := o.s.(Stochastic)
	if !ok || st.BatchSize() <= 0 || st.BatchSize() >= st.Examples() {
		return
	}
	o.stoch = st
	o.perm = o.rng.Perm(st.Examples())
}

// Curriculum is a finite sum whose examples can be ordered easy to hard.
type Curriculum interface {
	EasyFirst() []int // positions 0 … Examples()−1, easiest first
}

// useCurriculum draws the minibatches of the first steps from a pool of the
// easiest examples, 20% of them at the first step growing linearly to all
// of them at the last (Bengio et al. 2009).
func (o *Oracle) useCurriculum(steps int) {
	c, ok := o.s.(Curriculum)
	if !ok || o.stoch == nil || steps == 0 {
		return
	}
	if easy := c.EasyFirst(); easy != nil {
		o.curriculum, o.easy = steps, append([]int(nil), easy...)
	}
}

// nextBatch deals the next minibatch; a short last one is dropped and the
// examples reshuffled.
func (o *Oracle) nextBatch() []int {
	b := o.stoch.BatchSize()
	if t := o.evals; t <= o.curriculum {
		n := len(o.easy)
		k := int(math.Ceil(float64(n) * math.Min(1, 0.2+0.8*float64(t-1)/float64(o.curriculum))))
		k = max(k, b)
		// A partial shuffle within the pool keeps the pool the easiest k.
		for j := range b {
			r := j + o.rng.IntN(k-j)
			o.easy[j], o.easy[r] = o.easy[r], o.easy[j]
		}
		return o.easy[:b]
	}
	if o.pos+b > len(o.perm) {
		o.rng.Shuffle(len(o.perm), func(i, j int) { o.perm[i], o.perm[j] = o.perm[j], o.perm[i] })
		o.pos = 0
	}
	o.pos += b
	return o.perm[o.pos-b : o.pos]
}

// Hess writes the exact Hessian at x; Hessian evaluations are counted apart.
func (o *Oracle) Hess(dst *mat.SymDense, x []float64) {
	o.hessEvals++
	o.s.Hess(dst, x)
}

// Dim is the number of parameters.
func (o *Oracle) Dim() int { return o.s.Dim() }

// Model returns the objective as a probabilistic model, if it is one.
func (o *Oracle) Model() (Model, bool) {
	m, ok := o.s.(Model)
	return m, ok
}

// Evals is the number of evaluations asked for so far.
func (o *Oracle) Evals() int { return o.evals }

// BatchFraction is the share of the examples one evaluation sees: the
// minibatch size over the training set's, or 1.
func (o *Oracle) BatchFraction() float64 {
	if o.stoch == nil {
		return 1
	}
	return float64(o.stoch.BatchSize()) / float64(o.stoch.Examples())
}

// HessEvals is the number of Hessian (or Fisher) evaluations so far.
func (o *Oracle) HessEvals() int { return o.hessEvals }

// clip applies PyTorch's clip_grad_norm_ (g ← g·min(1, c/(‖g‖ + 1e−6)))
// and then clip_grad_value_ (each coordinate clamped to ±c); 0 turns either off.
func clip(g []float64, norm, value float64) {
	if norm > 0 {
		coef := norm / (floats.Norm(g, 2) + 1e-6)
		if coef < 1 {
			floats.Scale(coef, g)
		}
	}
	if value > 0 {
		for i := range g {
			g[i] = math.Max(-value, math.Min(value, g[i]))
		}
	}
}

// Run is one optimizer running on one landscape: the unit a race steps and
// the command line prints. It records the iterate with its exact (noise-free)
// value and gradient norm, and turns a non-finite iterate into Diverged and a
// panic into Failed, so one bad racer never stops the others.
type Run struct {
	Spec  string // the optimizer spec as given
	Info  *Info
	Land  *landscapes.Landscape
	opt   Optimizer
	o     *Oracle
	Iter  int
	X     []float64
	F     float64
	GNorm float64
	Last  Report // the last step's report

	Status Status
	Reason string

	// A continuation run sees the surface blurred by Blur, lowered from
	// blurFrom to 0 over blurSteps steps.
	Blur      float64
	cont      *landscapes.Continuation
	blurFrom  float64
	blurSteps int

	g []float64
	// staged: the method trains parts of the model in stages (pretraining),
	// so a vanishing gradient of the whole does not end it.
	staged bool
}

// Start builds the optimizer from its spec and starts it at x0. The error is
// for a bad spec; a method that refuses this landscape gives a Run whose
// Status is Refused.
func Start(land *landscapes.Landscape, spec string, x0 []float64, seed uint64) (*Run, error) {
	opt, info, v, err := resolve(spec)
	if err != nil {
		return nil, err
	}
	if info.Modifiers && v.Int("pretrain") > 0 {
		opt = &pretrained{inner: withoutKey(spec, "pretrain"), steps: v.Int("pretrain"), seed: seed}
	}
	if err := Suits(land, spec, info); err != nil {
		return nil, err
	}
	if len(x0) != land.Dim() {
		return nil, fmt.Errorf("the start has %d coordinates; %s has %d", len(x0), land.Info.Name, land.Dim())
	}
	seen := land.Surface
	var cont *landscapes.Continuation
	if from := v.Float("blur_from"); from > 0 && land.Values.Has("blur") {
		cont = landscapes.NewContinuation(land, seed)
		cont.SetBlur(from)
		seen = cont
	}
	o := NewOracle(seen, land.Noise, seed)
	if c, ok := opt.(clipper); ok {
		o.clipNorm, o.clipValue = c.clipping()
	}
	if fo, ok := opt.(*firstOrder); ok {
		o.useMinibatches() // the full-batch methods keep the full batch
		o.useCurriculum(fo.curriculum)
	}
	_, staged := opt.(*pretrained)
	r := &Run{Spec: spec, Info: info, Land: land, opt: opt, o: o, X: append([]float64(nil), x0...), g: make([]float64, len(x0)), Blur: land.Blur, staged: staged}
	if cont != nil {
		r.cont, r.blurFrom, r.blurSteps, r.Blur = cont, v.Float("blur_from"), v.Int("blur_steps"), v.Float("blur_from")
	}
	defer r.recover()
	r.F, r.GNorm = r.measure(r.X)
	if err := opt.Init(o, x0); err != nil {
		r.Status, r.Reason = Refused, err.Error()
	}
	return r, nil
}

// Check resolves a spec and checks it against the landscape without
// starting a run: every error Start would return for it.
func Check(land *landscapes.Landscape, spec string) error {
	_, info, _, err := resolve(spec)
	if err != nil {
		return err
	}
	return Suits(land, spec, info)
}

// Suits refuses a method on a landscape that lacks what the method needs,
// before anything runs: natural gradient on a surface without a Fisher.
func Suits(land *landscapes.Landscape, spec string, info *Info) error {
	if _, ok := land.Surface.(Model); info.Needs.Fisher && !ok {
		return &landscapes.SpecError{Spec: spec, Problems: []landscapes.Problem{{Field: "name", Message: fmt.Sprintf("%s (the surface %s has no Fisher information)", errNoFisher, land.Info.Name)}}}
	}
	return nil
}

// recover turns a panic of the surface or the optimizer into the run's
// failure; it must be deferred directly.
func (r *Run) recover() {
	if p := recover(); p != nil {
		r.Status, r.Reason = Failed, fmt.Sprintf("internal error in %s at iteration %d: %v", r.Info.Name, r.Iter+1, p)
	}
}

func (r *Run) measure(x []float64) (f, gnorm float64) {
	f = r.Land.Func(x)
	r.Land.Grad(r.g, x)
	return f, floats.Norm(r.g, 2)
}

// GradTol is the gradient norm at which every method stops as converged,
// by one rule: the exact gradient at the iterate has norm at most GradTol
// (gonum's GradStopThreshold for its BFGS and L-BFGS) and the method sees
// that gradient exactly, without noise, minibatches or a blur still in
// effect (any of which would still move it).
const GradTol = 1e-12

// converged applies GradTol to the current iterate.
func (r *Run) converged() bool {
	exact := r.o.noise == 0 && r.o.stoch == nil && (r.cont == nil || r.Blur == 0) && !r.staged
	return exact && r.GNorm <= GradTol
}

// Step advances the run by one iteration if it is still running, and tells
// whether a new iterate was recorded.
func (r *Run) Step() (moved bool) {
	if r.Status != Running {
		return false
	}
	if r.converged() {
		r.Status, r.Reason = Converged, fmt.Sprintf("|g| = %g ≤ %g", r.GNorm, GradTol)
		return false
	}
	defer r.recover()
	if r.cont != nil {
		// Step t = Iter+1 sees s_t = blur_from·max(0, 1 − (t−1)/blur_steps).
		r.Blur = r.blurFrom * math.Max(0, 1-float64(r.Iter)/float64(r.blurSteps))
		r.cont.SetBlur(r.Blur)
	}
	rep := r.opt.Step()
	r.Last = rep
	if rep.Status != Running {
		r.Status, r.Reason = rep.Status, rep.Reason
		return false
	}
	for _, v := range rep.X {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			r.Status, r.Reason = Diverged, fmt.Sprintf("the iterate became non-finite at iteration %d (%s)", r.Iter+1, at(rep.X))
			return false
		}
	}
	f, gnorm := r.measure(rep.X)
	if math.IsNaN(f) || math.IsInf(f, 0) || math.IsNaN(gnorm) || math.IsInf(gnorm, 0) {
		r.Status, r.Reason = Diverged, fmt.Sprintf("f = %g, |g| = %g at iteration %d, %s", f, gnorm, r.Iter+1, at(rep.X))
		return false
	}
	r.Iter++
	copy(r.X, rep.X)
	r.F, r.GNorm = f, gnorm
	return true
}

// Evals is the cumulative number of evaluations the optimizer asked for.
func (r *Run) Evals() int { return r.o.Evals() }

// HessEvals is the cumulative number of Hessian (or Fisher) evaluations.
func (r *Run) HessEvals() int { return r.o.HessEvals() }

// BatchFraction is the share of the examples one evaluation sees.
func (r *Run) BatchFraction() float64 { return r.o.BatchFraction() }

// Epochs is how many passes over the data the run has paid for: a minibatch
// evaluation is a fraction of one, a full evaluation one, and a dense
// Hessian n of them (it is formed from n Hessian-vector products).
func (r *Run) Epochs() float64 {
	return float64(r.o.Evals())*r.o.BatchFraction() + float64(r.Land.Dim()*r.o.HessEvals())
}

// clipper is implemented by optimizers that take the clip modifiers.
type clipper interface{ clipping() (norm, value float64) }
