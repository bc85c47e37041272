package landscapes

import (
	"fmt"

	"github.com/saddle-viz/saddle/landscapes/expr"
	"github.com/saddle-viz/saddle/spec"
	"gonum.org/v1/gonum/mat"
)

// A user-entered surface (docs/spec/surfaces.md, "User-entered surfaces"):
// expr:f=FORMULA, its value, gradient and Hessian exact from the formula's
// second-order forward-mode differentiation (package expr).

// formula is the surface of a parsed formula on R².
type formula struct{ e *expr.Expr }

func (s formula) Dim() int { return 2 }

func (s formula) Func(x []float64) float64 {
	f, _, _ := s.e.Eval(x[0], x[1])
	return f
}

func (s formula) Grad(dst, x []float64) {
	if len(dst) != 2 || len(x) != 2 {
		panic("landscapes: dimension mismatch")
	}
	_, g, _ := s.e.Eval(x[0], x[1])
	dst[0], dst[1] = g[0], g[1]
}

func (s formula) Hess(dst *mat.SymDense, x []float64) {
	_, _, h := s.e.Eval(x[0], x[1])
	dst.SetSym(0, 0, h[0])
	dst.SetSym(0, 1, h[1])
	dst.SetSym(1, 1, h[2])
}

// Formula is the formula of a user-entered surface, or nil.
func (l *Landscape) Formula() *expr.Expr {
	switch s := l.Surface.(type) {
	case formula:
		return s.e
	case *monteCarloBlur:
		if f, ok := s.base.(formula); ok {
			return f.e
		}
	}
	return nil
}

// DefaultFormula is the formula of `expr` without f: two wells and a saddle
// between them, with a ripple.
const DefaultFormula = "(x^2 - 1)^2 + 2*y^2 + 0.3*sin(3*x)*cos(2*y)"

// FormulaExamples are formulas to start from, each showing something of
// the chapter.
var FormulaExamples = []struct{ Name, Formula string }{
	{"Two wells and a saddle", DefaultFormula},
	{"Rosenbrock's valley", "(1 - x)^2 + 100*(y - x^2)^2"},
	{"A monkey saddle", "x^3 - 3*x*y^2"},
	{"An ill-conditioned bowl", "x^2 + 50*y^2"},
	{"A ridge (a kink)", "abs(x) + 0.1*y^2"},
	{"Many minima", "x^2 + y^2 + 3*(2 - cos(2*pi*x) - cos(2*pi*y))"},
	{"A plateau", "1 - exp(-(x^2 + y^2)/4)"},
	{"A spiral staircase", "0.1*(x^2 + y^2) + sin(atan2(y, x) + sqrt(x^2 + y^2))"},
}

func checkFormula(text string) error {
	_, err := expr.Parse(text)
	return err
}

func init() {
	box := func(name, label string, def float64) spec.Param {
		return spec.Param{Name: name, Label: label, Kind: spec.Real, Default: def, Min: -1e6, Max: 1e6, Doc: "the view box's " + label}
	}
	register(&Info{
		Name: "expr", Title: "Your own function f(x, y)",
		Explain: "A surface you type: the variables x and y, numbers, pi and e, + − * / ^ and the functions sin cos tan exp log sqrt abs tanh sinh cosh atan atan2 min max pow. " +
			"Its gradient and Hessian are exact, by automatic differentiation of your formula, so every optimizer, the curvature and the critical points work on it as on the built-in surfaces.",
		Params: []spec.Param{
			box("xmin", "left edge", -3), box("xmax", "right edge", 3), box("ymin", "bottom edge", -3), box("ymax", "top edge", 3),
			{Name: "f", Label: "f(x, y)", Kind: spec.Text, DefaultText: DefaultFormula, Check: checkFormula,
				Doc: "the formula, last in the spec (it takes the rest, commas included): x, y, numbers, pi, e, + − * / ^, sin cos tan exp log sqrt abs tanh sinh cosh atan, atan2 min max pow"},
		},
		View: [4]float64{-3, 3, -3, 3},
		viewFor: func(v spec.Values) [4]float64 {
			return [4]float64{v.Float("xmin"), v.Float("xmax"), v.Float("ymin"), v.Float("ymax")}
		},
		startFor: func(v spec.Values) []float64 {
			x0, x1, y0, y1 := v.Float("xmin"), v.Float("xmax"), v.Float("ymin"), v.Float("ymax")
			return []float64{x0 + (x1-x0)/4, y1 - (y1-y0)/4}
		},
		check: func(v spec.Values) *spec.Problem {
			switch {
			case v.Float("xmin") >= v.Float("xmax"):
				return &spec.Problem{Field: "xmax", Message: fmt.Sprintf("the view box needs xmin < xmax; xmin is %s and xmax %s", spec.Format(v.Float("xmin")), spec.Format(v.Float("xmax")))}
			case v.Float("ymin") >= v.Float("ymax"):
				return &spec.Problem{Field: "ymax", Message: fmt.Sprintf("the view box needs ymin < ymax; ymin is %s and ymax %s", spec.Format(v.Float("ymin")), spec.Format(v.Float("ymax")))}
			}
			return nil
		},
		critical: formulaCritical,
		build: func(v spec.Values) Surface {
			e, err := expr.Parse(v.Text("f"))
			if err != nil {
				panic(err) // Resolve checked the formula
			}
			return formula{e}
		},
	})
}

// formulaCritical are the starts from which Critical looks for a formula's
// stationary points by Newton's method: a 9×9 grid over the view box; their
// kind is the Hessian's to say.
func formulaCritical(v spec.Values) []Critical {
	x0, x1, y0, y1 := v.Float("xmin"), v.Float("xmax"), v.Float("ymin"), v.Float("ymax")
	var out []Critical
	for i := range 9 {
		for j := range 9 {
			out = append(out, Critical{X: []float64{x0 + (x1-x0)*(float64(i)+0.5)/9, y0 + (y1-y0)*(float64(j)+0.5)/9}})
		}
	}
	return out
}
