package landscapes

import (
	"math"
	"strings"
	"testing"

	"github.com/saddle-viz/saddle/spec"
)

// A user-entered surface as the spec describes it: the formula takes the
// rest of the spec and is written last, the view box and the start follow
// the box, and a bad formula or box is refused naming the column or field.
func TestUserSurface(t *testing.T) {
	l, err := Build("expr:noise=0.1,xmin=-2,f=atan2(y, x) + x^2")
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec != "expr:xmin=-2,noise=0.1,f=atan2(y, x) + x^2" {
		t.Errorf("canonical spec %q", l.Spec)
	}
	again, err := Build(l.Spec)
	if err != nil || again.Spec != l.Spec {
		t.Errorf("the canonical spec does not build back: %v, %q", err, again.Spec)
	}
	if v := l.View(); v != [4]float64{-2, 3, -3, 3} {
		t.Errorf("view %v", v)
	}
	if s := l.Start(); s[0] != -2+5.0/4 || s[1] != 3-6.0/4 {
		t.Errorf("start %v; the spec says a quarter of the box from its top-left corner", s)
	}
	if l.Noise != 0.1 || l.Formula() == nil || l.Formula().Src != "atan2(y, x) + x^2" {
		t.Errorf("noise %g, formula %v", l.Noise, l.Formula())
	}
	if f := l.Func([]float64{1, 1}); math.Abs(f-(math.Pi/4+1)) > 1e-15 {
		t.Errorf("f(1, 1) = %g", f)
	}
	for text, want := range map[string]string{
		"expr:f=x + y^":    `f: column 7: expected an expression after "^"`,
		"expr:f=z + 1":     `unknown name "z": the variables are x and y`,
		"expr:xmin=3,f=x":  "the view box needs xmin < xmax",
		"expr:f=1e999*x":   "too large for float64",
		"expr:f=x,xmin=-1": `column 2: unexpected ",": a comma separates a function's arguments only`, // f takes the rest
		"expr:f=" + strings.Repeat("x+", 1001) + "x": "at most 2000 are accepted",
	} {
		_, err := Build(text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build(%.50q) = %v, want %q", text, err, want)
		}
		if se, ok := err.(*spec.Error); ok && strings.HasPrefix(want, "f:") && se.Problems[0].Field != "f" {
			t.Errorf("the problem of %q is keyed %q, want f", text, se.Problems[0].Field)
		}
	}
}

// Without f the surface is the default formula: two minima and a saddle
// between them, found by Newton from a grid over the box.
func TestUserSurfaceCriticalPoints(t *testing.T) {
	l, err := Build("expr")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, c := range l.Critical() {
		kinds[c.Kind]++
		if c.X[0] < -3 || c.X[0] > 3 || c.X[1] < -3 || c.X[1] > 3 {
			t.Errorf("a critical point outside the box: %v", c.X)
		}
	}
	if kinds["minimum"] < 2 || kinds["saddle"] < 1 {
		t.Errorf("critical points of %s: %v; want at least two minima and a saddle", DefaultFormula, kinds)
	}
	// A Monte-Carlo blur of a formula, stated as such.
	b, err := Build("expr:blur=0.5,f=abs(x) + y^2")
	if err != nil || !strings.Contains(b.BlurKind(), "Monte-Carlo") || b.Formula() == nil {
		t.Errorf("blurred formula: %v, %q", err, b.BlurKind())
	}
}
