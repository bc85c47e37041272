package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/saddle-viz/saddle/spec"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// curvatureStep solves the Newton-type systems through the eigendecomposition
// H = QΛQᵀ (gonum's mat.EigenSym): the step is Q diag(1/φ(λᵢ)) Qᵀ g, with
// φ(λ) = λ + damping for Newton and |λ| + damping for saddle-free Newton.
// One decomposition gives the step, the inertia (the number of negative
// eigenvalues, which the stream reports) and an honest singularity test.
//
// gonum's optimize.Newton is not used: it forces the Hessian positive
// definite and adds a line search, while the spec's Newton must follow
// indefinite curvature to saddles and maxima, which is what the saddle
// lesson shows.
type curvatureStep struct {
	h    *mat.SymDense
	vecs mat.Dense
	es   mat.EigenSym
	tmp  []float64
}

func newCurvatureStep(n int) *curvatureStep {
	return &curvatureStep{h: mat.NewSymDense(n, nil), tmp: make([]float64, n)}
}

// factor decomposes the Hessian in c.h and returns its eigenvalues in
// ascending order.
func (c *curvatureStep) factor() ([]float64, error) {
	if !c.es.Factorize(c.h, true) {
		return nil, fmt.Errorf("the eigendecomposition of the Hessian did not converge")
	}
	c.es.VectorsTo(&c.vecs)
	return c.es.Values(nil), nil
}

// solve writes Q diag(1/φ(λ)) Qᵀ g into dst, for the eigenvalues eig that
// factor returned. It fails when some φ(λᵢ) is zero relative to the
// largest, that is when the system has no unique solution.
func (c *curvatureStep) solve(dst, g, eig []float64, phi func(float64) float64) error {
	var largest float64
	for _, l := range eig {
		largest = math.Max(largest, math.Abs(phi(l)))
	}
	n := len(g)
	for j := range n {
		d := phi(eig[j])
		if math.Abs(d) <= 1e-14*largest || d == 0 {
			return fmt.Errorf("the system is singular: eigenvalue %g of the Hessian gives %g (largest %g), so there is no unique step; add damping", eig[j], d, largest)
		}
		var p float64
		for i := range n {
			p += c.vecs.At(i, j) * g[i]
		}
		c.tmp[j] = p / d
	}
	for i := range n {
		var s float64
		for j := range n {
			s += c.vecs.At(i, j) * c.tmp[j]
		}
		dst[i] = s
	}
	return nil
}

// newton is θ ← θ − lr·(H + damping·I)⁻¹g (Nocedal & Wright (2006), eq. 3.30),
// whatever the curvature. With adaptive it is Levenberg–Marquardt
// (Levenberg 1944; Marquardt 1963) with a Hessian modification (Nocedal &
// Wright (2006), sec. 3.4): the damping λ starts at max(damping, 1e−3) and
// before every solve is raised to at least −λ_min(H) + 1e−3·max(1, |λ_max(H)|),
// so that H + λI is positive definite and the step a descent direction; a
// step that lowers f is taken and λ divided by 10, otherwise the iterate
// stays and λ is multiplied by 10. Unlike plain Newton it is never drawn to
// a saddle point or a maximum.
type newton struct {
	lr, damping float64
	adaptive    bool
	// absolute makes it saddle-free Newton: |H| = Q|Λ|Qᵀ (Dauphin et al. 2014).
	absolute bool

	o        *Oracle
	cs       *curvatureStep
	x, g     []float64
	f        float64
	trial    []float64
	tg       []float64
	step     []float64
	lambda   float64
	haveEval bool
}

// at names a point in a message: its coordinates when there are few.
func at(x []float64) string {
	if len(x) <= 4 {
		return fmt.Sprintf("at %v", x)
	}
	return fmt.Sprintf("at the current point (%d parameters)", len(x))
}

// MaxDense is the most parameters for which a method forms and factors the
// dense Hessian or Fisher; above it a step is no longer interactive.
const MaxDense = 400

// MaxHessianWork bounds the work of forming a network's dense Hessian in one
// step (n Hessian-vector products over the training set), so that a step
// stays within about a second.
const MaxHessianWork = 1e9

// hessianWorker is an objective whose dense Hessian costs more than its
// size says: a network's, formed from Hessian-vector products over its data.
type hessianWorker interface {
	HessianWork() float64
}

func tooLarge(name string, n int) error {
	if n <= MaxDense {
		return nil
	}
	return fmt.Errorf("%s forms and factors the dense %d×%d curvature matrix; at most %d parameters are accepted. Use lbfgs, cg or a first-order method", name, n, n, MaxDense)
}

// tooCostly refuses a dense Hessian that would take more than a second to
// form on every step.
func tooCostly(name string, s any) error {
	w, ok := s.(hessianWorker)
	if !ok || w.HessianWork() <= MaxHessianWork {
		return nil
	}
	return fmt.Errorf("%s forms the dense Hessian from one Hessian-vector product per parameter over the whole training set, about %.2g operations a step here; at most %.0g are accepted (about a second). Use fewer examples, a smaller network, lbfgs or a first-order method", name, w.HessianWork(), float64(MaxHessianWork))
}

// Needs: Newton's methods take the exact Hessian.
func (nt *newton) Needs() Needs { return Needs{Hessian: true} }

func (nt *newton) Init(o *Oracle, x0 []float64) error {
	n := len(x0)
	name := "newton"
	if nt.absolute {
		name = "saddle-free-newton"
	}
	if err := tooLarge(name, n); err != nil {
		return err
	}
	if err := tooCostly(name, o.s); err != nil {
		return err
	}
	nt.o, nt.cs, nt.haveEval = o, newCurvatureStep(n), false
	nt.x = append([]float64(nil), x0...)
	nt.g, nt.trial, nt.tg, nt.step = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	nt.lambda = nt.damping
	if nt.adaptive {
		nt.lambda = math.Max(nt.damping, 1e-3)
	}
	return nil
}

func (nt *newton) phi(l float64) float64 {
	if nt.absolute {
		return math.Abs(l) + nt.lambda
	}
	return l + nt.lambda
}

func (nt *newton) Step() Report {
	rep := Report{X: nt.x, LR: nt.lr, Damping: math.NaN()}
	if !nt.haveEval || !nt.adaptive {
		// Plain Newton evaluates at the iterate each step; Levenberg–Marquardt
		// already has the gradient of its last accepted trial point.
		nt.f = nt.o.Eval(nt.x, nt.g)
		nt.haveEval = true
	}
	nt.o.Hess(nt.cs.h, nt.x)
	eig, err := nt.cs.factor()
	if err == nil && nt.adaptive {
		lo, hi := eig[0], eig[len(eig)-1]
		nt.lambda = math.Max(nt.lambda, -lo+1e-3*math.Max(1, math.Abs(hi)))
	}
	if err == nil {
		err = nt.cs.solve(nt.step, nt.g, eig, nt.phi)
	}
	if !nt.adaptive {
		if err != nil {
			rep.Status, rep.Reason = Refused, fmt.Sprintf("%s: %v", at(nt.x), err)
			return rep
		}
		floats.AddScaled(nt.x, -nt.lr, nt.step)
		return rep
	}
	if err != nil { // no unique step even so: more damping, the iterate stays
		nt.lambda *= 10
		rep.Damping = nt.lambda
		return rep
	}
	floats.AddScaledTo(nt.trial, nt.x, -nt.lr, nt.step)
	ft := nt.o.Eval(nt.trial, nt.tg)
	switch {
	case ft < nt.f:
		copy(nt.x, nt.trial)
		copy(nt.g, nt.tg)
		nt.f = ft
		nt.lambda /= 10
	case ft-nt.f <= 4*epsilon*math.Abs(nt.f):
		// The step changes f by less than its rounding: no decrease is left
		// that float64 can show, however the damping is set.
		rep.Status, rep.Reason = Converged, fmt.Sprintf("no further decrease representable in float64 (f = %g, |g| = %g)", nt.f, floats.Norm(nt.g, 2))
	default:
		nt.lambda *= 10
	}
	rep.Damping = nt.lambda
	return rep
}

// epsilon is float64's machine epsilon, 2⁻⁵².
const epsilon = 0x1p-52

// natural is the natural gradient θ ← θ − lr·(F + λI)⁻¹g (Amari 1998), F the
// Fisher information of the model's predictive distribution. F + λI is
// positive definite, so a Cholesky factorization solves it.
//
// With adaptive the damping λ follows Martens' (2010, sec. 4.1)
// Levenberg–Marquardt rule: after a step δ the reduction ratio
// ρ = (f(θ + δ) − f(θ)) / (gᵀδ + ½δᵀFδ) compares the actual change of f
// with the change the quadratic model with F predicted; ρ < ¼ multiplies λ
// by 3/2, ρ > ¾ by 2/3, and λ never falls below 1e−8. The value f(θ + δ) is
// the next step's own evaluation, so the rule costs no evaluation.
type natural struct {
	lr, damping float64
	adaptive    bool
	o           *Oracle
	f           *mat.SymDense
	x, g        []float64
	chol        mat.Cholesky
	step        mat.VecDense
	fx          []float64 // F·δ
	lambda      float64
	lastF       float64 // f before the last step
	predicted   float64 // the change of f the model predicted for it
	stepped     bool
}

// Needs: natural gradient takes the Fisher.
func (ng *natural) Needs() Needs { return Needs{Fisher: true} }

func (ng *natural) Init(o *Oracle, x0 []float64) error {
	if o.model == nil {
		return errNoFisher // Config.Check refuses this before the run
	}
	n := len(x0)
	if err := tooLarge("natural-gradient", n); err != nil {
		return err
	}
	ng.o = o
	ng.f = mat.NewSymDense(n, nil)
	ng.x, ng.g, ng.fx = append([]float64(nil), x0...), make([]float64, n), make([]float64, n)
	ng.lambda, ng.stepped = ng.damping, false
	return nil
}

// errNoFisher is natural gradient's refusal of a plain surface.
var errNoFisher = errors.New("natural-gradient needs the Fisher information of a model's predictive distribution; " +
	"this surface is a plain function with no probabilistic model. Race it on a network (mlp, deeplinear, rnn) or linreg or logreg, or race newton or saddle-free-newton here")

func (ng *natural) Step() Report {
	rep := Report{X: ng.x, LR: ng.lr, Damping: math.NaN()}
	fx := ng.o.Eval(ng.x, ng.g)
	if ng.adaptive && ng.stepped && ng.predicted < 0 {
		switch rho := (fx - ng.lastF) / ng.predicted; {
		case rho < 0.25:
			ng.lambda *= 1.5
		case rho > 0.75:
			ng.lambda = math.Max(ng.lambda*2/3, 1e-8)
		}
	}
	ng.o.Fisher(ng.f, ng.x)
	n := len(ng.x)
	for i := range n {
		ng.f.SetSym(i, i, ng.f.At(i, i)+ng.lambda)
	}
	if !ng.chol.Factorize(ng.f) {
		rep.Status, rep.Reason = Refused, fmt.Sprintf("%s: F + damping·I is not positive definite; raise damping", at(ng.x))
		return rep
	}
	if err := ng.chol.SolveVecTo(&ng.step, mat.NewVecDense(n, ng.g)); err != nil {
		rep.Status, rep.Reason = Refused, fmt.Sprintf("%s: %v", at(ng.x), err)
		return rep
	}
	// δ = −lr·(F + λI)⁻¹g; the model predicts gᵀδ + ½δᵀFδ, F without λ.
	d := ng.step.RawVector().Data
	floats.Scale(-ng.lr, d)
	for i := range n {
		ng.f.SetSym(i, i, ng.f.At(i, i)-ng.lambda)
	}
	ng.fx = ng.fx[:n]
	mat.NewVecDense(n, ng.fx).MulVec(ng.f, mat.NewVecDense(n, d))
	ng.predicted = floats.Dot(ng.g, d) + floats.Dot(d, ng.fx)/2
	ng.lastF, ng.stepped = fx, true
	floats.Add(ng.x, d)
	if ng.adaptive {
		rep.Damping = ng.lambda
	}
	return rep
}

func init() {
	lrParam := lr(1)
	register(&Info{Name: "newton", Title: "Newton's method (Levenberg–Marquardt with adaptive=true)", Family: "second order",
		Params: []spec.Param{lrParam,
			{Name: "damping", Kind: spec.Real, Default: 0, Min: 0, Max: 1e6, Log: true, Doc: "λ added to the Hessian's diagonal"},
			flag("adaptive", "Levenberg–Marquardt: accept a step only if it lowers f, and adapt λ")},
		Explain: "Jumps to the stationary point of the local quadratic model: one step on a quadratic, fast near a minimum, " +
			"but attracted to saddle points and maxima as well, since it seeks any point where the gradient vanishes (ch. 8.6.1).",
		build: func(v spec.Values) (Optimizer, error) {
			return &newton{lr: v.Float("lr"), damping: v.Float("damping"), adaptive: v.Bool("adaptive")}, nil
		},
	})
	register(&Info{Name: "saddle-free-newton", Title: "Saddle-free Newton", Family: "second order",
		Params: []spec.Param{lrParam,
			{Name: "damping", Kind: spec.Real, Default: 1e-3, Min: 0, Max: 1e6, Log: true, Doc: "λ added to |H|"}},
		Explain: "Newton's step with each eigenvalue of the Hessian replaced by its absolute value: along negative curvature it goes downhill instead of uphill, so saddle points repel it (Dauphin et al. 2014; ch. 8.2.3).",
		build: func(v spec.Values) (Optimizer, error) {
			return &newton{lr: v.Float("lr"), damping: v.Float("damping"), absolute: true}, nil
		},
	})
	register(&Info{Name: "natural-gradient", Title: "Natural gradient", Family: "second order",
		Params: []spec.Param{lrParam,
			{Name: "damping", Kind: spec.Real, Default: 1e-2, Min: 0, Max: 1e6, Log: true, Doc: "λ added to the Fisher matrix (its start, when adaptive)"},
			{Name: "adaptive", Kind: spec.Bool, Default: 1, Doc: "adapt λ by Martens' (2010) Levenberg–Marquardt rule on the ratio of the actual to the predicted change of f"}},
		Explain: "Preconditions the gradient with the Fisher information of the model's predictive distribution: steepest descent measured in how much the predictions change, not the parameters (Amari 1998). Only models have a Fisher; plain surfaces refuse it.",
		build: func(v spec.Values) (Optimizer, error) {
			return &natural{lr: v.Float("lr"), damping: v.Float("damping"), adaptive: v.Bool("adaptive")}, nil
		},
	})
}
