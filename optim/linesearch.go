package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/saddle-viz/saddle/spec"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// lineSearch drives gonum's optimize.LinesearchMethod one major iteration per
// Step: it answers each evaluation the method asks for (every one a probe,
// counted and reported) until the method announces a MajorIteration, the
// accepted point. The direction comes from a gonum NextDirectioner (BFGS,
// L-BFGS, CG) or from coordinateDirection; the line search is gonum's
// More–Thuente search for the strong Wolfe conditions.
//
// Driven this way the defaults that optimize.Minimize would apply are not set,
// so each method is built with its Store, Variant, InitialStep and restart
// settings given explicitly, and convergence is checked here.
type lineSearch struct {
	method optimize.LinesearchMethod
	// fresh starts a new search from the method's InitDirection at every
	// step (coordinate descent, which has no memory between steps).
	fresh bool
	// prepare, if set, is called before each search with the gradient; true
	// means there is nothing to search along and the iterate stays.
	prepare func(g []float64) bool
	// state, if set, refuses a dimension whose state (a dense inverse
	// Hessian, many stored pairs) would not fit a racer's memory.
	state func(n int) error

	o        *Oracle
	loc      optimize.Location
	started  bool
	lastX    []float64 // the point of the last evaluation, to answer a repeated request without a new one
	acc      []float64 // the accepted point, restored if a search fails
	accG     []float64
	accF     float64
	prevX    []float64
	probes   [][]float64
	nProbes  int
	inSearch bool
	// lines are the last line searches; qn, for BFGS and L-BFGS, shadows
	// the inverse-Hessian approximation (Inside).
	lines []Line
	qn    *quasiNewton
}

// Needs: a line search probes trial points, on the full batch unless the
// racer names a batch (then a step's probes share one minibatch).
func (l *lineSearch) Needs() Needs { return Needs{Probes: true} }

func (l *lineSearch) Init(o *Oracle, x0 []float64) error {
	n := len(x0)
	if l.state != nil {
		if err := l.state(n); err != nil {
			return err
		}
	}
	l.o, l.started, l.inSearch = o, false, false
	l.loc = optimize.Location{X: append([]float64(nil), x0...), Gradient: make([]float64, n)}
	l.lastX = make([]float64, n)
	l.acc = append([]float64(nil), x0...)
	l.accG = make([]float64, n)
	l.prevX = make([]float64, n)
	return nil
}

// evaluate answers an evaluation request at loc.X; a point already evaluated
// costs nothing.
func (l *lineSearch) evaluate(probe bool) {
	if l.started && floats.Equal(l.lastX, l.loc.X) {
		return
	}
	l.loc.F = l.o.Eval(l.loc.X, l.loc.Gradient)
	copy(l.lastX, l.loc.X)
	if probe {
		if l.nProbes == len(l.probes) {
			l.probes = append(l.probes, make([]float64, len(l.loc.X)))
		}
		copy(l.probes[l.nProbes], l.loc.X)
		l.nProbes++
	}
}

func (l *lineSearch) Step() Report {
	l.nProbes = 0
	rep := Report{X: l.acc, Damping: math.NaN()}
	if !l.started || l.o.BatchSize() > 0 {
		// The first evaluation, at the start, is counted with the first step.
		// On minibatches every step starts by evaluating its own minibatch at
		// the accepted point, so that the search compares values of one
		// minibatch (as PyTorch's LBFGS calls its closure first).
		l.started = false
		l.evaluate(false)
		l.started = true
		l.accF = l.loc.F
		copy(l.accG, l.loc.Gradient)
	}
	gn := floats.Norm(l.accG, 2) // convergence is the Run's test, the same for every method
	if l.prepare != nil && l.prepare(l.accG) {
		return rep // nothing to search along: the iterate stays
	}
	copy(l.prevX, l.acc)
	var op optimize.Operation
	var err error
	if l.fresh || !l.inSearch {
		op, err = l.method.Init(&l.loc)
	} else {
		op, err = l.method.Iterate(&l.loc) // after a MajorIteration: the next search
	}
	l.inSearch = true
	for err == nil && op != optimize.MajorIteration {
		if op&(optimize.FuncEvaluation|optimize.GradEvaluation) != 0 {
			l.evaluate(true)
		}
		op, err = l.method.Iterate(&l.loc)
	}
	rep.Probes = l.probes[:l.nProbes]
	if err != nil {
		// Restore the accepted point: the search left loc at a trial point.
		copy(l.loc.X, l.acc)
		copy(l.loc.Gradient, l.accG)
		l.loc.F = l.accF
		copy(l.lastX, l.acc)
		l.inSearch = false
		if b := l.o.BatchSize(); b > 0 {
			// On minibatches a failed search says the estimates disagree,
			// not that the loss cannot decrease: curvature pairs from
			// different minibatches (sᵀy ≤ 0) can turn the direction uphill.
			rep.Status, rep.Reason = Failed, fmt.Sprintf("the line search failed on this step's minibatch of %d (%v): gradients and curvature estimated from different minibatches disagree; a larger batch helps (|g| = %g)", b, err, gn)
		} else if errors.Is(err, optimize.ErrNoProgress) || errors.Is(err, optimize.ErrLinesearcherFailure) {
			rep.Status, rep.Reason = Converged, fmt.Sprintf("no further decrease representable in float64 (%v), |g| = %g", err, gn)
		} else {
			rep.Status, rep.Reason = Refused, fmt.Sprintf("line search failed: %v (|g| = %g)", err, gn)
		}
		return rep
	}
	copy(l.acc, l.loc.X)
	copy(l.accG, l.loc.Gradient)
	l.accF = l.loc.F
	if l.qn != nil && l.qn.n == len(l.acc) && l.qn.n <= MaxInsideDim {
		l.qn.accept(l.acc, l.accG)
	}
	rep.LR = floats.Distance(l.prevX, l.acc, 2) / gn // the search moved, so gn > 0
	return rep
}

// A racer's optimizer state is bounded (about 8 MB): BFGS's dense inverse
// Hessian up to MaxBFGS parameters, L-BFGS's stored pairs up to
// 2·MaxLBFGSNumbers numbers.
const (
	MaxBFGS         = 1000
	MaxLBFGSNumbers = 500_000
)

func megabytes(bytes int) string { return fmt.Sprintf("%.0f MB", float64(bytes)/(1<<20)) }

// strongWolfe is gonum's More–Thuente line search with the sufficient
// decrease constant c₁ = 1e−4 and the curvature constant c₂ (0.9 for
// quasi-Newton methods, Nocedal & Wright (2006), sec. 3.1; smaller for CG).
func strongWolfe(c2 float64) *optimize.MoreThuente {
	return &optimize.MoreThuente{DecreaseFactor: 1e-4, CurvatureFactor: c2}
}

func lineSearchOf(dir optimize.NextDirectioner, c2 float64) *lineSearch {
	l := &lineSearch{}
	l.method = optimize.LinesearchMethod{NextDirectioner: recordDirections{dir, l}, Linesearcher: strongWolfe(c2)}
	return l
}

// coordinateDirection searches along one coordinate axis, in turn:
// d = −gᵢ eᵢ, with a unit first trial step.
type coordinateDirection struct{ i, t int }

func (c *coordinateDirection) InitDirection(loc *optimize.Location, dir []float64) float64 {
	clear(dir)
	dir[c.i] = -loc.Gradient[c.i]
	return 1
}

func (c *coordinateDirection) NextDirection(loc *optimize.Location, dir []float64) float64 {
	return c.InitDirection(loc, dir)
}

// next picks the coordinate of the coming step and says whether there is
// nothing to search along it (a zero gradient coordinate).
func (c *coordinateDirection) next(g []float64) bool {
	c.i = c.t % len(g)
	c.t++
	return g[c.i] == 0
}

func coordinateDescentInfo() *Info {
	in := &Info{Name: "coordinate-descent", Title: "Coordinate descent", Family: "first order",
		Params: []spec.Param{
			{Name: "mode", Kind: spec.Choice, Choices: []string{"exact", "gradient"}, Doc: "exact: minimize along the coordinate by a strong-Wolfe More–Thuente line search (c₂ = 0.1); gradient: θᵢ ← θᵢ − lr·gᵢ"},
			lr(0.1),
		},
		Explain: "Changes one coordinate per step, cycling through them in order. Exact minimization along each axis works well when the coordinates are nearly independent and crawls when they are coupled, as in a rotated ill-conditioned quadratic (ch. 8.7.2)."}
	gradientMode := firstOrderInfo(&Info{}, func(spec.Values) (rule, error) { return &coordinateGradient{}, nil }).build
	in.Modifiers = true
	in.build = func(v spec.Values) (Optimizer, error) {
		if v.String("mode") == "gradient" {
			return gradientMode(v)
		}
		if _, err := newSchedule(v); err != nil {
			return nil, err
		}
		dir := &coordinateDirection{}
		ls := lineSearchOf(dir, 0.1)
		ls.fresh, ls.prepare = true, dir.next
		return ls, nil
	}
	return in
}

func init() {
	betas := map[string]func() optimize.CGVariant{
		"fr": func() optimize.CGVariant { return &optimize.FletcherReeves{} },
		"pr": func() optimize.CGVariant { return &optimize.PolakRibierePolyak{} },
		"hs": func() optimize.CGVariant { return &optimize.HestenesStiefel{} },
		"dy": func() optimize.CGVariant { return &optimize.DaiYuan{} },
	}
	register(&Info{Name: "cg", Title: "Nonlinear conjugate gradients", Family: "quasi-Newton",
		Params: []spec.Param{
			{Name: "beta", Kind: spec.Choice, Choices: []string{"pr", "fr", "hs", "dy"}, Doc: "β formula: Polak–Ribière+ (pr), Fletcher–Reeves (fr), Hestenes–Stiefel (hs), Dai–Yuan (dy)"},
			{Name: "restart", Kind: spec.Integer, Default: 0, Min: 0, Max: 1e6, Doc: "restart with the steepest descent direction every this many steps (0 = every n steps)"},
			{Name: "c2", Kind: spec.Real, Default: 1e-3, Min: 2e-4, Max: 0.9, Log: true, Doc: "curvature constant of the strong Wolfe conditions; small values make the line search nearly exact"},
		},
		Explain: "Each direction is the negative gradient plus β times the previous direction, chosen so that it does not undo the progress of earlier line searches. On an n-dimensional quadratic with exact line searches it finishes in at most n steps (ch. 8.6.2).",
		build: func(v spec.Values) (Optimizer, error) {
			restart := v.Int("restart")
			cg := &optimize.CG{
				Variant:     betas[v.String("beta")](),
				InitialStep: &optimize.FirstOrderStepSize{},
				// gonum restarts every ⌈factor·n⌉ iterations; the factor is set
				// once n is known, in Init.
				AngleRestartThreshold: -0.9,
			}
			// CG finishes an n-D quadratic in as many iterations as it has
			// distinct eigenvalues only with exact line searches; c₂ = 1e−3 is
			// nearly exact (measured: 5 iterations for 5 distinct eigenvalues,
			// where c₂ = 0.1 needs 17), at some cost on non-quadratic surfaces.
			return &cgMethod{lineSearch: lineSearchOf(cg, v.Float("c2")), cg: cg, restart: restart}, nil
		},
	})
	register(&Info{Name: "bfgs", Title: "BFGS", Family: "quasi-Newton",
		Explain: "Builds an approximation of the inverse Hessian from the changes in gradient along the path, and searches along the quasi-Newton direction with a strong-Wolfe line search (ch. 8.6.3).",
		build: func(spec.Values) (Optimizer, error) {
			ls := lineSearchOf(&optimize.BFGS{}, 0.9)
			ls.qn = &quasiNewton{}
			ls.state = func(n int) error {
				if n > MaxBFGS {
					return fmt.Errorf("bfgs keeps a dense %d×%d inverse Hessian (%s); at most %d parameters are accepted. Use lbfgs, which keeps a few vectors instead", n, n, megabytes(8*n*n), MaxBFGS)
				}
				return nil
			}
			return ls, nil
		},
	})
	register(&Info{Name: "lbfgs", Title: "Limited-memory BFGS", Family: "quasi-Newton",
		Params: []spec.Param{
			{Name: "memory", Kind: spec.Integer, Default: 10, Min: 1, Max: 1000, Doc: "number of past (s, y) pairs kept"},
		},
		Explain: "BFGS that keeps only the last few gradient changes instead of an n×n matrix: the method of choice when n is large (ch. 8.6.3).",
		build: func(v spec.Values) (Optimizer, error) {
			m := v.Int("memory")
			ls := lineSearchOf(&optimize.LBFGS{Store: m}, 0.9)
			ls.qn = &quasiNewton{memory: m}
			ls.state = func(n int) error {
				if m*n > MaxLBFGSNumbers {
					return fmt.Errorf("lbfgs:memory=%d keeps %d pairs of %d numbers (%s); at most %d numbers are accepted: lower memory to %d", m, m, n, megabytes(16*m*n), 2*MaxLBFGSNumbers, max(1, MaxLBFGSNumbers/n))
				}
				return nil
			}
			return ls, nil
		},
	})
}

// cgMethod is CG with its restart period set from the dimension.
type cgMethod struct {
	*lineSearch
	cg      *optimize.CG
	restart int
}

func (c *cgMethod) Init(o *Oracle, x0 []float64) error {
	k := c.restart
	if k == 0 {
		k = len(x0)
	}
	// gonum restarts after ⌈factor·n⌉ iterations; (k − ½)/n rounds up to k
	// without the rounding error of k/n·n.
	c.cg.IterationRestartFactor = (float64(k) - 0.5) / float64(len(x0))
	return c.lineSearch.Init(o, x0)
}
