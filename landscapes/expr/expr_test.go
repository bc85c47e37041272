package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
)

func mustParse(t *testing.T, src string) *Expr {
	t.Helper()
	e, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return e
}

// The language's rules, each on a formula whose value says it.
func TestPrecedenceAndValues(t *testing.T) {
	for src, want := range map[string]float64{
		"-2^2":              -4,
		"2^3^2":             512,
		"2^-1":              0.5,
		"--3":               3,
		"1 - 2 - 3":         -4,
		"8 / 4 / 2":         1,
		"2 * 3 + 4 * 5":     26,
		"(1 + 2) * 3":       9,
		"pi":                math.Pi,
		"e":                 math.E,
		"1e-3":              1e-3,
		".5 + 2.":           2.5,
		"2.5E+2":            250,
		"pow(2, 10)":        1024,
		"atan2(1, 0)":       math.Pi / 2,
		"min(3, 2)":         2,
		"max(3, 2)":         3,
		"abs(-4) + sqrt(9)": 7,
		"x*y + x^2":         2*3 + 4,
		"-x^2":              -4,
		"exp(log(5))":       5,
	} {
		f, _, _ := mustParse(t, src).Eval(2, 3)
		if math.Abs(f-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("%s at (2, 3) = %g, want %g", src, f, want)
		}
	}
}

// Every kind of bad formula is refused with the column and what was
// expected, as the spec's examples say.
func TestErrors(t *testing.T) {
	for src, want := range map[string]string{
		"x + y^":                         `column 7: expected an expression after "^"`,
		"z + 1":                          `column 1: unknown name "z": the variables are x and y`,
		"x + foo(2)":                     `column 5: unknown name "foo"`,
		"":                               "column 1: expected an expression, found the end of the formula",
		"   ":                            "column 4: expected an expression",
		"x y":                            `column 3: expected an operator (+ - * / ^) or the end of the formula, found "y"`,
		"2x":                             `column 2: expected an operator`,
		"(x + 1":                         `column 7: expected ")" to close the "(" of column 1`,
		"x + 1)":                         `column 6: unexpected ")": no "(" is open`,
		"sin x":                          `column 1: sin is a function: write sin(…)`,
		"sin()":                          `column 5: expected argument 1 of sin, found ")"`,
		"atan2(x)":                       "column 1: atan2 takes 2 arguments, not 1",
		"sin(x, y)":                      "column 1: sin takes 1 argument, not 2",
		"x(2)":                           "column 2: x is not a function",
		"1e999 * x":                      "column 1: the number 1e999 is too large for float64",
		`"x"`:                            `column 1: unexpected "\"": a formula has no strings`,
		"x $ y":                          `column 3: expected an operator`,
		"$":                              `column 1: unexpected "$"`,
		"x * / y":                        `column 5: expected an expression after "*" (column 3), found "/"`,
		"()":                             `column 2: expected an expression inside "("`,
		"x = 1":                          `column 3: expected an operator`,
		"x +":                            `column 4: expected an expression after "+"`,
		".":                              `column 1: expected digits around "."`,
		"max(x,)":                        `column 7: expected argument 2 of max`,
		"sqrt(x":                         `column 7: expected "," or ")" in the call of sqrt`,
		strings.Repeat("x+", 1000) + "x": "the formula is 2001 characters long; at most 2000 are accepted",
		strings.Repeat("x+", 300) + "x":  "more than 500 nodes",
		strings.Repeat("(", 70) + "x" + strings.Repeat(")", 70): "column 65: the formula nests deeper than 64 levels",
		strings.Repeat("-", 70) + "x":                           "nests deeper than 64 levels",
		strings.Repeat("2^", 70) + "2":                          "nests deeper than 64 levels",
	} {
		_, err := Parse(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.40q) = %v, want an error containing %q", src, err, want)
		}
	}
}

// randomTree writes a random formula of the whole language.
func randomTree(rng *rand.Rand, depth int) string {
	if depth == 0 || rng.Float64() < 0.2 {
		switch rng.IntN(5) {
		case 0, 1:
			return "x"
		case 2:
			return "y"
		case 3:
			return fmt.Sprintf("%.3g", 4*rng.Float64()-2)
		}
		return []string{"pi", "e"}[rng.IntN(2)]
	}
	sub := func() string { return randomTree(rng, depth-1) }
	positive := func() string { return "(1 + (" + sub() + ")^2)" }
	switch r := rng.Float64(); {
	case r < 0.35:
		return "(" + sub() + " " + []string{"+", "-", "*", "/"}[rng.IntN(4)] + " " + sub() + ")"
	case r < 0.5:
		return "(" + sub() + ")^" + []string{"2", "3", "-1", "0.5", "1", "0"}[rng.IntN(6)]
	case r < 0.55:
		return "-" + sub()
	case r < 0.8:
		f := unary[rng.IntN(len(unary))]
		if f == "log" || f == "sqrt" {
			return f + positive()
		}
		return f + "(" + sub() + ")"
	case r < 0.9:
		return positive() + "^(" + sub() + ")"
	}
	f := binary[rng.IntN(len(binary))]
	if f == "pow" {
		return "pow(" + positive() + ", " + sub() + ")"
	}
	return f + "(" + sub() + ", " + sub() + ")"
}

// TestDerivativesAgainstFiniteDifferences: on hundreds of random formulas
// the gradient agrees with finite differences of the value and the Hessian
// with finite differences of the gradient (gonum's diff/fd), wherever they
// are finite and not so steep that finite differences cannot follow.
func TestDerivativesAgainstFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	checked := 0
	for range 600 {
		src := randomTree(rng, 4)
		e := mustParse(t, src)
		if e.Kinks() {
			continue // one-sided derivatives: finite differences straddle the kink
		}
		for range 3 {
			x, y := 3*rng.Float64()-1.5, 3*rng.Float64()-1.5
			f, g, h := e.Eval(x, y)
			scale := 1 + math.Abs(f) + math.Abs(g[0]) + math.Abs(g[1]) + math.Abs(h[0]) + math.Abs(h[1]) + math.Abs(h[2])
			if !finite(f, g[0], g[1], h[0], h[1], h[2]) || scale > 1e3 {
				continue
			}
			value := func(p []float64) float64 { v, _, _ := e.Eval(p[0], p[1]); return v }
			wantG := fd.Gradient(nil, value, []float64{x, y}, &fd.Settings{Formula: fd.Central})
			if math.Abs(g[0]-wantG[0]) > 1e-5*scale || math.Abs(g[1]-wantG[1]) > 1e-5*scale {
				t.Errorf("%s at (%g, %g): gradient %v, finite differences %v", src, x, y, g, wantG)
			}
			wantH := mat.NewDense(2, 2, nil)
			fd.Jacobian(wantH, func(dst, p []float64) { _, gp, _ := e.Eval(p[0], p[1]); copy(dst, gp[:]) }, []float64{x, y}, &fd.JacobianSettings{Formula: fd.Central})
			if math.Abs(h[0]-wantH.At(0, 0)) > 1e-5*scale || math.Abs(h[1]-wantH.At(0, 1)) > 1e-5*scale || math.Abs(h[1]-wantH.At(1, 0)) > 1e-5*scale || math.Abs(h[2]-wantH.At(1, 1)) > 1e-5*scale {
				t.Errorf("%s at (%g, %g): Hessian %v, finite differences of the gradient %v", src, x, y, h, mat.Formatted(wantH))
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d points were checked", checked)
	}
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// TestAgainstPyTorch compares value, gradient and Hessian with PyTorch
// autograd's (testdata/torch_reference.py: every function and operator,
// and 300 random formulas, three points each) to 1e−9 relative; where
// PyTorch's value or a derivative is not finite, one of ours is not either
// (the point is reported as not finite, whatever the other numbers).
func TestAgainstPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/torch_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			F       string
			X, Y    float64
			Value   *float64
			Grad    []*float64
			Hessian []*float64
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	same := func(got float64, want *float64) bool {
		if want == nil {
			return !finite(got)
		}
		return math.Abs(got-*want) <= 1e-9*math.Max(1, math.Abs(*want))
	}
	for _, c := range ref.Cases {
		f, g, h := mustParse(t, c.F).Eval(c.X, c.Y)
		if c.Value == nil || slices.Contains(c.Grad, nil) || slices.Contains(c.Hessian, nil) {
			// A point where the value or a derivative is not finite is
			// reported as such, whatever the other numbers.
			if finite(f, g[0], g[1], h[0], h[1], h[2]) {
				t.Errorf("%s at (%g, %g): f %g g %v h %v, all finite; PyTorch's are not", c.F, c.X, c.Y, f, g, h)
			}
			continue
		}
		if !same(f, c.Value) || !same(g[0], c.Grad[0]) || !same(g[1], c.Grad[1]) || !same(h[0], c.Hessian[0]) || !same(h[1], c.Hessian[1]) || !same(h[2], c.Hessian[2]) {
			show := func(p *float64) string {
				if p == nil {
					return "non-finite"
				}
				return fmt.Sprint(*p)
			}
			t.Errorf("%s at (%g, %g): f %g g %v h %v; PyTorch f %s g [%s %s] h [%s %s %s]", c.F, c.X, c.Y, f, g, h,
				show(c.Value), show(c.Grad[0]), show(c.Grad[1]), show(c.Hessian[0]), show(c.Hessian[1]), show(c.Hessian[2]))
		}
	}
	if len(ref.Cases) < 900 {
		t.Errorf("%d reference cases", len(ref.Cases))
	}
}

// One-sided derivatives where a function has a kink, as the spec says.
func TestKinks(t *testing.T) {
	for _, c := range []struct {
		src  string
		x, y float64
		g    [2]float64
	}{
		{"abs(x)", 0, 0, [2]float64{1, 0}},
		{"min(x, y)", 1, 1, [2]float64{1, 0}},
		{"max(y, x)", 1, 1, [2]float64{0, 1}},
	} {
		e := mustParse(t, c.src)
		if _, g, _ := e.Eval(c.x, c.y); g != c.g || !e.Kinks() {
			t.Errorf("%s at (%g, %g): gradient %v (kinks %v), want %v", c.src, c.x, c.y, g, e.Kinks(), c.g)
		}
	}
	if mustParse(t, "x^2 + sin(y)").Kinks() {
		t.Error("a smooth formula reports kinks")
	}
}

// Outside a function's domain the numbers are not finite, for the caller
// to report.
func TestDomainErrorsAreNotFinite(t *testing.T) {
	for _, src := range []string{"log(x)", "sqrt(x)", "1/(x + 1)", "x^y"} {
		f, g, h := mustParse(t, src).Eval(-1, 0.5)
		if finite(f, g[0], g[1], h[0], h[1], h[2]) {
			t.Errorf("%s at (−1, 0.5) gave finite f %g, g %v, h %v", src, f, g, h)
		}
	}
	if f, g, h := mustParse(t, "x^2 + x^3").Eval(-1.5, 0); !finite(f, g[0], g[1], h[0], h[1], h[2]) {
		t.Error("an integer power of a negative base is not finite")
	}
}

// FuzzParse: whatever the input, Parse returns (never panics, never loops),
// looks at each character a bounded number of times, and what it accepts
// evaluates without panicking and prints back to a formula that parses to
// the same values.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"x^2 + y^2", "-2^2", "atan2(y, x) + x^2", "sin(", "((((x", "1e999", "max(x,y)^-1", "2^3^2", "x +* y", strings.Repeat("(", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p := &parser{src: []rune(src)}
		if len(p.src) > MaxLen {
			return
		}
		root, err := p.parse()
		if p.steps > 4*len(p.src)+8 {
			t.Fatalf("parsing %q looked at characters %d times", src, p.steps)
		}
		if err != nil {
			return
		}
		e := &Expr{Root: root}
		e.compile(root)
		f1, _, _ := e.Eval(0.3, -0.7)
		back, err := Parse(root.String())
		if err != nil {
			t.Fatalf("%q printed back as %q, which is refused: %v", src, root.String(), err)
		}
		f2, _, _ := back.Eval(0.3, -0.7)
		if f1 != f2 && !(math.IsNaN(f1) && math.IsNaN(f2)) {
			t.Fatalf("%q = %g but printed back as %q = %g", src, f1, root.String(), f2)
		}
	})
}
