package optim

import (
	"math"
	"math/rand/v2"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Oracle is the optimizer's only window on the objective. It counts the
// evaluations the optimizer asks for and hands out the gradient of a chain of
// wrappers that the run's spec composed (see Config.oracle): the exact
// gradient or a minibatch's (dealt in order, or easy first for a
// curriculum), then the surface's Gaussian noise, then clipping, so that the
// optimizer receives clip(∇f_B + νξ).
type Oracle struct {
	s     landscapes.Surface
	grad  gradient
	exact bool   // the gradient the optimizer sees is the exact one
	batch *dealt // the minibatch source, if any
	model Model  // the Fisher, if the objective has one
	// running are a batch-normalized network's running statistics, which
	// every evaluation updates (nil for other objectives).
	running *nets.Running
	evals   int // value-and-gradient evaluations
	hess    int // Hessian or Fisher evaluations
}

// Eval returns f (exact on the full batch, or the minibatch's loss) and
// writes into g the gradient the optimizer sees. It counts one evaluation.
func (o *Oracle) Eval(x, g []float64) float64 {
	o.evals++
	return o.grad.eval(x, g)
}

// Hess writes the exact Hessian at x; Hessian evaluations are counted apart.
func (o *Oracle) Hess(dst *mat.SymDense, x []float64) {
	o.hess++
	o.s.Hess(dst, x)
}

// Fisher writes the Fisher information at x, counted as a Hessian. Only an
// objective that is a probabilistic model has one (Needs.Fisher).
func (o *Oracle) Fisher(dst *mat.SymDense, x []float64) {
	o.hess++
	o.model.Fisher(dst, x)
}

// Dim is the number of parameters.
func (o *Oracle) Dim() int { return o.s.Dim() }

// Evals is the number of evaluations asked for so far.
func (o *Oracle) Evals() int { return o.evals }

// HessEvals is the number of Hessian (or Fisher) evaluations so far.
func (o *Oracle) HessEvals() int { return o.hess }

// BatchFraction is the share of the examples one evaluation sees: the
// minibatch size over the training set's, or 1.
func (o *Oracle) BatchFraction() float64 {
	if o.batch == nil {
		return 1
	}
	return float64(o.batch.size) / float64(o.batch.of)
}

// BatchSize is the examples in each minibatch the method sees, or 0 for
// the full batch.
func (o *Oracle) BatchSize() int {
	if o.batch == nil {
		return 0
	}
	return o.batch.size
}

// nextStep lets the next evaluation deal a new minibatch.
func (o *Oracle) nextStep() {
	if o.batch != nil {
		o.batch.fresh = true
	}
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

// Curriculum is a finite sum whose examples can be ordered easy to hard.
type Curriculum interface {
	EasyFirst() []int // positions 0 … Examples()−1, easiest first
}

// gradient is one link of the oracle's chain.
type gradient interface {
	eval(x, g []float64) float64
}

// exactGradient is the surface's own value and gradient.
type exactGradient struct{ s landscapes.Surface }

func (e exactGradient) eval(x, g []float64) float64 {
	e.s.Grad(g, x)
	return e.s.Func(x)
}

// dealt is the gradient of one minibatch at a time, from a dealer.
// A step's evaluations share one minibatch (a line search compares values on
// the same examples, as PyTorch's LBFGS does within one closure's batch);
// the next step deals the next.
type dealt struct {
	st    Stochastic
	deal  dealer
	size  int
	of    int // the training set's examples (an epoch's)
	cur   []int
	fresh bool // the next evaluation deals a new minibatch
}

func (d *dealt) eval(x, g []float64) float64 {
	if d.fresh || d.cur == nil {
		d.cur, d.fresh = d.deal.next(), false
	}
	return d.st.BatchGrad(g, x, d.cur)
}

// dealer hands out minibatches, as positions among the examples.
type dealer interface{ next() []int }

// shuffled deals BatchSize examples at a time from a permutation drawn from
// the run's generator; a short last batch is dropped and the examples
// reshuffled (an epoch).
type shuffled struct {
	perm []int
	pos  int
	size int
	rng  *rand.Rand
}

func newShuffled(st Stochastic, size int, rng *rand.Rand) *shuffled {
	return &shuffled{perm: rng.Perm(st.Examples()), size: size, rng: rng}
}

func (s *shuffled) next() []int {
	if s.pos+s.size > len(s.perm) {
		s.rng.Shuffle(len(s.perm), func(i, j int) { s.perm[i], s.perm[j] = s.perm[j], s.perm[i] })
		s.pos = 0
	}
	s.pos += s.size
	return s.perm[s.pos-s.size : s.pos]
}

// easyFirst is a curriculum (Bengio et al. 2009) around a dealer: for its
// first steps it draws each minibatch from a pool of the easiest examples,
// 20% of them at the first step growing linearly to all at the last; then
// the dealer it wraps takes over.
type easyFirst struct {
	then  dealer
	easy  []int
	size  int
	steps int
	t     int
	rng   *rand.Rand
}

func (c *easyFirst) next() []int {
	c.t++
	if c.t > c.steps {
		return c.then.next()
	}
	n := len(c.easy)
	k := int(math.Ceil(float64(n) * math.Min(1, 0.2+0.8*float64(c.t-1)/float64(c.steps))))
	k = max(k, c.size)
	// A partial shuffle within the pool keeps the pool the easiest k.
	for j := range c.size {
		r := j + c.rng.IntN(k-j)
		c.easy[j], c.easy[r] = c.easy[r], c.easy[j]
	}
	return c.easy[:c.size]
}

// tracked folds the statistics of each evaluation's batch (the dealt
// minibatch, or the training set) into the run's running statistics.
type tracked struct {
	inner gradient
	run   *nets.Running
	batch *dealt
	land  tracker
}

// tracker is a finite sum that keeps running statistics
// (nets.Objective.Track).
type tracker interface {
	Track(r *nets.Running, x []float64, positions []int)
}

func (t tracked) eval(x, g []float64) float64 {
	f := t.inner.eval(x, g)
	if t.batch == nil {
		t.land.Track(t.run, x, nil)
	} else if st, ok := t.batch.st.(tracker); ok {
		st.Track(t.run, x, t.batch.cur)
	}
	return f
}

// noisy adds the surface's seeded Gaussian noise νξ to the gradient.
type noisy struct {
	inner gradient
	nu    float64
	rng   *rand.Rand
}

func (n noisy) eval(x, g []float64) float64 {
	f := n.inner.eval(x, g)
	for i := range g {
		g[i] += n.nu * n.rng.NormFloat64()
	}
	return f
}

// biased adds an offset of length mag in the plane of the first two
// coordinates, at angle + drift·k degrees for the k-th evaluation: a biased
// gradient estimate, which leads to where ∇f = −offset, not ∇f = 0.
type biased struct {
	inner        gradient
	mag          float64
	angle, drift float64
	k            *int
}

func (b biased) eval(x, g []float64) float64 {
	f := b.inner.eval(x, g)
	s, c := math.Sincos((b.angle + b.drift*float64(*b.k)) * math.Pi / 180)
	*b.k++
	g[0] += b.mag * c
	if len(g) > 1 {
		g[1] += b.mag * s
	}
	return f
}

// clipping is PyTorch's clip_grad_norm_ (g ← g·min(1, c/(‖g‖ + 1e−6))) and
// then clip_grad_value_ (each coordinate clamped to ±c); 0 turns either off.
type clipping struct {
	inner       gradient
	norm, value float64
}

func (c clipping) eval(x, g []float64) float64 {
	f := c.inner.eval(x, g)
	if c.norm > 0 {
		coef := c.norm / (floats.Norm(g, 2) + 1e-6)
		if coef < 1 {
			floats.Scale(coef, g)
		}
	}
	if c.value > 0 {
		for i := range g {
			g[i] = math.Max(-c.value, math.Min(c.value, g[i]))
		}
	}
	return f
}
