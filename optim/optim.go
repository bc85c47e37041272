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

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"gonum.org/v1/gonum/floats"
)

// Status is where a run stands.
type Status int

const (
	Running   Status = iota
	Converged        // the method's own stopping test holds; no further iterate
	Diverged         // the iterate or its value became non-finite
	Refused          // the method cannot go on here (a singular system, no Fisher)
	Failed           // an internal error (a recovered panic), or a method that cannot go on (a line search failed on a minibatch); reported, never fatal
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
	// Needs says what the method asks of the objective.
	Needs() Needs
}

// Needs lists what a method asks of the objective beyond values and
// gradients (in the manner of gonum's optimize.Needser).
type Needs struct {
	Minibatches bool // it takes a finite sum's gradient on minibatches
	Hessian     bool // the exact Hessian
	Fisher      bool // the Fisher information of a probabilistic model
	Probes      bool // it evaluates trial points of a line search
}

// Run is one optimizer running on one landscape: the unit a race steps and
// the command line prints. It records the iterate with its exact (noise-free)
// value and gradient norm, and turns a non-finite iterate into Diverged and a
// panic into Failed, so one bad racer never stops the others.
type Run struct {
	Config *Config
	Spec   string // the optimizer spec as given
	Info   *Info
	Land   *landscapes.Landscape
	opt    Optimizer
	o      *Oracle
	Iter   int
	X      []float64
	F      float64
	GNorm  float64
	Last   Report // the last step's report

	Status Status
	Reason string

	// Blur is the blur the method sees: the landscape's, or the one a
	// continuation schedule has lowered it to (blurOf).
	Blur   float64
	blurOf func() float64
	// staged: the method trains parts of the model in stages (pretraining),
	// so a vanishing gradient of the whole does not end it.
	staged bool

	// Avg is the averaged iterate (average=polyak or ema), with its exact
	// value AvgF; nil without averaging. Measuring it costs the run, not the
	// method: it is not counted as an evaluation.
	Avg    []float64
	AvgF   float64
	polyak bool    // the mean of the iterates; else an EMA with decay
	decay  float64 // ema's weight of the old average

	g []float64
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
	return r.o.exact && r.Blur == 0 && !r.staged && r.GNorm <= GradTol
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
	r.o.nextStep()
	rep := r.opt.Step()
	r.Last = rep
	if r.blurOf != nil {
		r.Blur = r.blurOf()
	}
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
	if r.Avg != nil {
		r.average()
	}
	return true
}

// average moves the averaged iterate on by the new iterate and measures it.
func (r *Run) average() {
	w := r.decay // the old average's weight
	if r.polyak {
		w = float64(r.Iter) / float64(r.Iter+1) // the mean of θ₀ … θₜ
	}
	for i, x := range r.X {
		r.Avg[i] = w*r.Avg[i] + (1-w)*x
	}
	r.AvgF = r.Land.Func(r.Avg)
}

// Evals is the cumulative number of evaluations the optimizer asked for.
func (r *Run) Evals() int { return r.o.Evals() }

// HessEvals is the cumulative number of Hessian (or Fisher) evaluations.
func (r *Run) HessEvals() int { return r.o.HessEvals() }

// RunningStats are a batch-normalized network's running statistics as this
// run has updated them (a copy), or nil.
func (r *Run) RunningStats() *nets.Running { return r.o.running.Clone() }

// BatchSize is the examples of each minibatch the method sees, 0 for the
// full batch.
func (r *Run) BatchSize() int { return r.o.BatchSize() }

// BatchFraction is the share of the examples one evaluation sees.
func (r *Run) BatchFraction() float64 { return r.o.BatchFraction() }

// Epochs is how many passes over the data the run has paid for: a minibatch
// evaluation is a fraction of one, a full evaluation one, and a dense
// Hessian n of them (it is formed from n Hessian-vector products).
func (r *Run) Epochs() float64 {
	return float64(r.o.Evals())*r.o.BatchFraction() + float64(r.Land.Dim()*r.o.HessEvals())
}
