package pages

import (
	"strings"
	"testing"

	"github.com/saddle-viz/saddle/optim"
)

func TestMathML(t *testing.T) {
	got := MathML(`θ ← θ − \frac{ε}{\sqrt{v} + δ} g^2_i`)
	want := `<math display="block"><mrow><mi>θ</mi><mo>←</mo><mi>θ</mi><mo>−</mo><mfrac><mrow><mi>ε</mi></mrow><mrow><msqrt><mrow><mi>v</mi></mrow></msqrt><mo>+</mo><mi>δ</mi></mrow></mfrac><msub><msup><mi>g</mi><mn>2</mn></msup><mi>i</mi></msub></mrow></math>`
	if got != want {
		t.Errorf("MathML:\n got %s\nwant %s", got, want)
	}
	// Statements go one below the other: a <math> each; a separator inside
	// braces or without \; stays.
	got = MathML(`m ← β_1 m;\; v ← \frac{a;\; b}{c},\; ρ = 1, \; 2`)
	if n := strings.Count(got, "<math "); n != 3 || strings.Contains(got, "<mo>;</mo><mo> </mo><mi>v") {
		t.Errorf("statements: %d <math> in %s", n, got)
	}
	// Every optimizer's rule becomes well-formed MathML.
	for _, in := range optim.Optimizers() {
		m := MathML(in.Formula().Rule)
		if !strings.HasPrefix(m, `<math display="block">`) || strings.Count(m, "<mrow>") != strings.Count(m, "</mrow>") {
			t.Errorf("%s: rule %q is not well-formed MathML", in.Name, m)
		}
	}
}
