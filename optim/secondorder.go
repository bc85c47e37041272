package optim

import (
	"fmt"
	"math"

	"github.com/saddle-viz/saddle/landscapes"
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

// solve writes Q diag(1/φ(λ)) Qᵀ g into dst. It fails when some φ(λᵢ) is zero
// relative to the largest, that is when the system has no unique solution.
func (c *curvatureStep) solve(dst, g []float64, phi func(float64) float64) (eig []float64, err error) {
	if !c.es.Factorize(c.h, true) {
		return nil, fmt.Errorf("the eigendecomposition of the Hessian did not converge")
	}
	eig = c.es.Values(nil)
	c.es.VectorsTo(&c.vecs)
	var largest float64
	for _, l := range eig {
		largest = math.Max(largest, math.Abs(phi(l)))
	}
	n := len(g)
	for j := range n {
		d := phi(eig[j])
		if math.Abs(d) <= 1e-14*largest || d == 0 {
			return eig, fmt.Errorf("the system is singular: eigenvalue %g of the Hessian gives %g (largest %g), so there is no unique step; add damping", eig[j], d, largest)
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
	return eig, nil
}

// newton is θ ← θ − lr·(H + damping·I)⁻¹g (Nocedal & Wright (2006), eq. 3.30),
// whatever the curvature. With adaptive it is Levenberg–Marquardt
// (Levenberg 1944; Marquardt 1963): a step that lowers f is taken and the
// damping divided by 10, otherwise the iterate stays and the damping is
// multiplied by 10.
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

func tooLarge(name string, n int) error {
	if n <= MaxDense {
		return nil
	}
	return fmt.Errorf("%s forms and factors the dense %d×%d curvature matrix; at most %d parameters are accepted. Use lbfgs, cg or a first-order method", name, n, n, MaxDense)
}

func (nt *newton) Init(o *Oracle, x0 []float64) error {
	n := len(x0)
	name := "newton"
	if nt.absolute {
		name = "saddle-free-newton"
	}
	if err := tooLarge(name, n); err != nil {
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
	_, err := nt.cs.solve(nt.step, nt.g, nt.phi)
	if !nt.adaptive {
		if err != nil {
			rep.Status, rep.Reason = Refused, fmt.Sprintf("%s: %v", at(nt.x), err)
			return rep
		}
		floats.AddScaled(nt.x, -nt.lr, nt.step)
		return rep
	}
	defer func() { rep.Damping = nt.lambda }()
	if err != nil { // singular H + λI: more damping, the iterate stays
		nt.lambda *= 10
		rep.Damping = nt.lambda
		return rep
	}
	floats.AddScaledTo(nt.trial, nt.x, -nt.lr, nt.step)
	ft := nt.o.Eval(nt.trial, nt.tg)
	if ft < nt.f {
		copy(nt.x, nt.trial)
		copy(nt.g, nt.tg)
		nt.f = ft
		nt.lambda /= 10
	} else {
		nt.lambda *= 10
	}
	rep.Damping = nt.lambda
	return rep
}

// natural is the natural gradient θ ← θ − lr·(F + damping·I)⁻¹g
// (Amari 1998), F the Fisher information of the model's predictive
// distribution. F + damping·I is positive definite, so a Cholesky
// factorisation solves it.
type natural struct {
	lr, damping float64
	o           *Oracle
	model       Model
	f           *mat.SymDense
	x, g        []float64
	chol        mat.Cholesky
	step        mat.VecDense
}

func (ng *natural) Init(o *Oracle, x0 []float64) error {
	m, ok := o.Model()
	if !ok {
		return fmt.Errorf("natural-gradient needs the Fisher information of a model's predictive distribution; " +
			"this surface is a plain function with no probabilistic model. Use it on a network model, or race newton or saddle-free-newton here")
	}
	n := len(x0)
	if err := tooLarge("natural-gradient", n); err != nil {
		return err
	}
	ng.o, ng.model = o, m
	ng.f = mat.NewSymDense(n, nil)
	ng.x, ng.g = append([]float64(nil), x0...), make([]float64, n)
	return nil
}

func (ng *natural) Step() Report {
	rep := Report{X: ng.x, LR: ng.lr, Damping: math.NaN()}
	ng.o.Eval(ng.x, ng.g)
	ng.o.hessEvals++
	ng.model.Fisher(ng.f, ng.x)
	for i := range len(ng.x) {
		ng.f.SetSym(i, i, ng.f.At(i, i)+ng.damping)
	}
	if !ng.chol.Factorize(ng.f) {
		rep.Status, rep.Reason = Refused, fmt.Sprintf("%s: F + damping·I is not positive definite; raise damping", at(ng.x))
		return rep
	}
	if err := ng.chol.SolveVecTo(&ng.step, mat.NewVecDense(len(ng.g), ng.g)); err != nil {
		rep.Status, rep.Reason = Refused, fmt.Sprintf("%s: %v", at(ng.x), err)
		return rep
	}
	floats.AddScaled(ng.x, -ng.lr, ng.step.RawVector().Data)
	return rep
}

func init() {
	lrParam := lr(1)
	register(&Info{Name: "newton", Title: "Newton's method (Levenberg–Marquardt with adaptive=true)", Family: "second order",
		Params: []landscapes.Param{lrParam,
			{Name: "damping", Kind: landscapes.Real, Default: 0, Min: 0, Max: 1e6, Log: true, Doc: "λ added to the Hessian's diagonal"},
			flag("adaptive", "Levenberg–Marquardt: accept a step only if it lowers f, and adapt λ")},
		Explain: "Jumps to the stationary point of the local quadratic model: one step on a quadratic, fast near a minimum, " +
			"but attracted to saddle points and maxima as well, since it seeks any point where the gradient vanishes (ch. 8.6.1).",
		build: func(v landscapes.Values) (Optimizer, error) {
			return &newton{lr: v.Float("lr"), damping: v.Float("damping"), adaptive: v.Bool("adaptive")}, nil
		},
	})
	register(&Info{Name: "saddle-free-newton", Title: "Saddle-free Newton", Family: "second order",
		Params: []landscapes.Param{lrParam,
			{Name: "damping", Kind: landscapes.Real, Default: 1e-3, Min: 0, Max: 1e6, Log: true, Doc: "λ added to |H|"}},
		Explain: "Newton's step with each eigenvalue of the Hessian replaced by its absolute value: along negative curvature it goes downhill instead of uphill, so saddle points repel it (Dauphin et al. 2014; ch. 8.2.3).",
		build: func(v landscapes.Values) (Optimizer, error) {
			return &newton{lr: v.Float("lr"), damping: v.Float("damping"), absolute: true}, nil
		},
	})
	register(&Info{Name: "natural-gradient", Title: "Natural gradient", Family: "second order",
		Params: []landscapes.Param{lrParam,
			{Name: "damping", Kind: landscapes.Real, Default: 1e-4, Min: 0, Max: 1e6, Log: true, Doc: "λ added to the Fisher matrix"}},
		Explain: "Preconditions the gradient with the Fisher information of the model's predictive distribution: steepest descent measured in how much the predictions change, not the parameters (Amari 1998). Only models have a Fisher; plain surfaces refuse it.",
		build: func(v landscapes.Values) (Optimizer, error) {
			return &natural{lr: v.Float("lr"), damping: v.Float("damping")}, nil
		},
	})
}
