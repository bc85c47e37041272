package landscapes

import (
	"fmt"
	"math"
	"strings"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/spec"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Critical is a known stationary point of a surface.
type Critical struct {
	X    []float64 `json:"x"`
	F    float64   `json:"f"`
	Kind string    `json:"kind"` // "minimum", "saddle" or "maximum"
}

// Info describes one surface: everything the command line and the UI need to
// offer it, explain it and draw it. Adding a surface means adding an Info to
// the registry, nothing else.
type Info struct {
	Name    string
	Title   string
	Explain string       // for students: which idea of the chapter it shows
	Params  []spec.Param // its own parameters; blur and noise are added to every surface
	View    [4]float64
	Start   []float64
	// ExactBlur says the surface computes its Gaussian blur in closed form;
	// otherwise a blur is a seeded Monte-Carlo estimate.
	ExactBlur bool
	// Canonical marks the surfaces of the spec; the others are extras.
	Canonical bool

	build func(v spec.Values) Surface
	// viewFor, if set, is the view box of the values (else View).
	viewFor func(v spec.Values) [4]float64
	// critical gives stationary points, exact or approximate; Build's
	// Critical refines them by Newton's method and keeps those it confirms.
	critical func(v spec.Values) []Critical
	// dims gives the start for surfaces whose dimension is a parameter.
	startFor func(v spec.Values) []float64
	// check, if set, refuses values that are each accepted but not together.
	check func(v spec.Values) *spec.Problem
}

// Common parameters of every surface (docs/spec/surfaces.md, "Blur" and "Noise").
var (
	blurParam  = spec.Param{Name: "blur", Label: "blur s", Kind: spec.Real, Default: 0, Min: 0, Max: 10, Doc: "standard deviation s of the Gaussian blur f_s(p) = E[f(p+z)], z ~ N(0, s²I)"}
	noiseParam = spec.Param{Name: "noise", Label: "gradient noise ν", Kind: spec.Real, Default: 0, Min: 0, Max: 1e3, Doc: "standard deviation ν of the noise added to every gradient, seeded by the run's seed"}
)

// AllParams is the surface's own parameters followed by blur and noise.
func (in *Info) AllParams() []spec.Param {
	return append(append([]spec.Param(nil), in.Params...), blurParam, noiseParam)
}

// BlurSamples is the number of points of the Monte-Carlo blur: 128 antithetic
// pairs ±z drawn once from a fixed seed, so that the blurred surface is one
// smooth deterministic function whose gradient and Hessian are exact.
const BlurSamples = 256

// Landscape is a surface built from a spec, with its parameters resolved.
type Landscape struct {
	Surface
	Info   *Info
	Values spec.Values
	Spec   string // canonical form: only non-default parameters
	Blur   float64
	Noise  float64
}

// BlurKind says in words which blur is in use, as the UI must.
func (l *Landscape) BlurKind() string {
	switch {
	case l.Blur == 0:
		return "none"
	case l.Info.ExactBlur:
		return "exact (closed form)"
	default:
		return fmt.Sprintf("Monte-Carlo, %d samples (antithetic, fixed seed)", BlurSamples)
	}
}

// View is the view box [xmin, xmax, ymin, ymax].
func (l *Landscape) View() [4]float64 {
	if l.Info.viewFor != nil {
		return l.Info.viewFor(l.Values)
	}
	return l.Info.View
}

// Start is the default start point.
func (l *Landscape) Start() []float64 {
	if l.Info.startFor != nil {
		return l.Info.startFor(l.Values)
	}
	return append([]float64(nil), l.Info.Start...)
}

var registry []*Info

func register(in *Info) { registry = append(registry, in) }

// Surfaces lists every registered surface, the canonical ones first, in the
// order of the spec.
func Surfaces() []*Info {
	out := make([]*Info, 0, len(registry))
	for _, canon := range []bool{true, false} {
		for _, in := range registry {
			if in.Canonical == canon {
				out = append(out, in)
			}
		}
	}
	return out
}

// Lookup finds a surface by name.
func Lookup(name string) (*Info, bool) {
	for _, in := range registry {
		if in.Name == name {
			return in, true
		}
	}
	return nil, false
}

// Build resolves a surface spec such as "rosenbrock:b=10,blur=0.5".
func Build(text string) (*Landscape, error) {
	// A formula takes the rest of the spec: which keys do is the named
	// surface's to say.
	var rest []string
	if name, _, _ := strings.Cut(text, ":"); name != "" {
		if in, ok := Lookup(strings.TrimSpace(name)); ok {
			rest = spec.TextParams(in.AllParams())
		}
	}
	s, err := spec.Parse(text, rest...)
	if err != nil {
		return nil, err
	}
	in, err := spec.Lookup(s, "surface", registry, func(in *Info) string { return in.Name })
	if err != nil {
		return nil, err
	}
	v, err := spec.Resolve(s, in.Name, in.AllParams())
	if err != nil {
		return nil, err
	}
	if in.check != nil {
		if p := in.check(v); p != nil {
			return nil, &spec.Error{Spec: text, Problems: []spec.Problem{*p}}
		}
	}
	l := build(in, v)
	if mc, ok := l.Surface.(*monteCarloBlur); ok && (&Landscape{Surface: mc.base}).Network() != nil {
		return nil, &spec.Error{Spec: text, Problems: []spec.Problem{{Field: "blur", Message: in.Name + ": a network's loss is not blurred as a whole (each point would cost hundreds of passes over the data); give a racer a continuation schedule (blur_from) instead, which smooths it by weight perturbation"}}}
	}
	return l, nil
}

// build makes the landscape of resolved values: the surface, blurred by the
// seeded Monte-Carlo estimate where it has no closed form.
func build(in *Info, v spec.Values) *Landscape {
	l := &Landscape{Info: in, Values: v, Spec: v.Spec(in.Name).String(), Blur: v.Float("blur"), Noise: v.Float("noise")}
	if l.Blur > 0 && !in.ExactBlur {
		l.Surface = newMonteCarloBlur(in.build(v.With("blur", 0)), l.Blur)
	} else {
		l.Surface = in.build(v)
	}
	return l
}

// StartWithSeed is a network's initial weights drawn with another seed
// (its init_seed), and false for a surface without one.
func (l *Landscape) StartWithSeed(seed int) ([]float64, bool) {
	if !l.Values.Has("init_seed") || l.Info.startFor == nil {
		return nil, false
	}
	x := l.Info.startFor(l.Values.With("init_seed", float64(seed)))
	return x, x != nil
}

// Network is the network whose training loss the landscape is, or nil for
// an analytic surface: the one place that tells the two apart.
func (l *Landscape) Network() *nets.Objective {
	o, _ := l.Surface.(*nets.Objective)
	return o
}

// Critical returns the surface's known stationary points, each refined by
// Newton's method to machine precision and kept only where the refinement
// converged and the Hessian agrees with its kind (a blur may merge wells).
func (l *Landscape) Critical() []Critical {
	if l.Info.critical == nil {
		return nil
	}
	var out []Critical
	for _, c := range l.Info.critical(l.Values) {
		x, ok := refine(l.Surface, c.X)
		if !ok {
			continue
		}
		eig, err := Eigen(l.Surface, x, nil)
		if err != nil {
			continue
		}
		if c.Kind == "" {
			// A start without a stated kind (a formula's): the Hessian
			// says, within the view box; a degenerate point is left out.
			v := l.View()
			if c.Kind = kindOf(eig); c.Kind == "" || x[0] < v[0] || x[0] > v[1] || x[1] < v[2] || x[1] > v[3] {
				continue
			}
		}
		if !agrees(c.Kind, eig) {
			continue
		}
		dup := false
		for _, o := range out {
			if floats.Distance(o.X, x, 2) < 1e-6 {
				dup = true
			}
		}
		if !dup {
			out = append(out, Critical{X: x, F: l.Func(x), Kind: c.Kind})
		}
	}
	return out
}

// kindOf names a stationary point by its Hessian's eigenvalues, or "" for
// a degenerate one (a zero eigenvalue).
func kindOf(eig []float64) string {
	const tol = 1e-9
	lo, hi := eig[0], eig[len(eig)-1]
	switch {
	case lo > tol:
		return "minimum"
	case hi < -tol:
		return "maximum"
	case lo < -tol && hi > tol:
		return "saddle"
	}
	return ""
}

// agrees checks a stated kind against the Hessian's eigenvalues; a zero
// eigenvalue (a valley of minima, a monkey saddle) does not contradict it.
func agrees(kind string, eig []float64) bool {
	const tol = 1e-9
	lo, hi := eig[0], eig[len(eig)-1]
	switch kind {
	case "minimum":
		return lo > -tol
	case "maximum":
		return hi < tol
	default:
		return lo < tol && hi > -tol
	}
}

// refine runs Newton's method x ← x − H⁻¹∇f from x0 until the gradient
// vanishes to rounding. It returns false if it does not get there.
func refine(s Surface, x0 []float64) ([]float64, bool) {
	n := s.Dim()
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	h := mat.NewSymDense(n, nil)
	var step mat.VecDense
	for range 100 {
		s.Grad(g, x)
		scale := 1 + math.Abs(s.Func(x))
		if floats.Norm(g, 2) <= 1e-12*scale {
			return x, true
		}
		s.Hess(h, x)
		if err := step.SolveVec(h, mat.NewVecDense(n, g)); err != nil {
			break
		}
		floats.Sub(x, step.RawVector().Data)
	}
	s.Grad(g, x)
	return x, floats.Norm(g, 2) <= 1e-9*(1+math.Abs(s.Func(x)))
}

// Names of the registered surfaces, for messages.
func Names() string {
	names := make([]string, 0, len(registry))
	for _, in := range Surfaces() {
		names = append(names, in.Name)
	}
	return strings.Join(names, ", ")
}

// CommonParams are the parameters every surface takes besides its own.
func CommonParams() []spec.Param { return []spec.Param{blurParam, noiseParam} }

// Point is a surface's local picture at one point: what `saddle eval`
// prints, in the order of the spec.
type Point struct {
	F           float64     `json:"f"`
	Grad        []float64   `json:"grad"`
	Hessian     [][]float64 `json:"hessian"`
	Eigenvalues []float64   `json:"eigenvalues"` // ascending
}

// Evaluate returns the value, gradient, Hessian and its eigenvalues at x. It
// fails if any of them is not finite (far outside the view box), since they
// could not be reported faithfully.
func Evaluate(s Surface, x []float64) (Point, error) {
	n := s.Dim()
	p := Point{F: s.Func(x), Grad: make([]float64, n), Hessian: make([][]float64, n)}
	s.Grad(p.Grad, x)
	h := mat.NewSymDense(n, nil)
	s.Hess(h, x)
	all := append([]float64{p.F}, p.Grad...)
	for i := range n {
		p.Hessian[i] = make([]float64, n)
		for j := range n {
			p.Hessian[i][j] = h.At(i, j)
		}
		all = append(all, p.Hessian[i]...)
	}
	for _, v := range all {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return p, fmt.Errorf("the value, gradient or Hessian is not finite at %v (f = %g): outside the function's domain, or too far out; choose a point in or near the view box", x, p.F)
		}
	}
	eig, err := EigenSym(h, nil)
	if err != nil {
		return p, err
	}
	p.Eigenvalues = eig
	return p, nil
}

// WithBlur is the same surface with another blur.
func (l *Landscape) WithBlur(s float64) *Landscape {
	return build(l.Info, l.Values.With("blur", s))
}
