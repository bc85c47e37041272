package pages

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/saddle-viz/saddle/landscapes/expr"
)

// Formulas show as well-formed MathML with the structure the language
// gives them: precedence decides the parentheses, division is a fraction,
// a power a superscript.
func TestFormulaMathML(t *testing.T) {
	for src, want := range map[string]string{
		"-2^2":                 `<mrow><mo>−</mo><msup><mrow><mn>2</mn></mrow><mrow><mn>2</mn></mrow></msup></mrow>`,
		"(x + 1)^2":            `<msup><mrow><mrow><mo>(</mo><mrow><mi>x</mi><mo>+</mo><mn>1</mn></mrow><mo>)</mo></mrow></mrow>`,
		"x - (y - 1)":          `<mo>−</mo><mrow><mo>(</mo><mrow><mi>y</mi><mo>−</mo><mn>1</mn></mrow><mo>)</mo></mrow>`,
		"x / (y + 1)":          `<mfrac><mrow><mi>x</mi></mrow><mrow><mrow><mi>y</mi><mo>+</mo><mn>1</mn></mrow></mrow></mfrac>`,
		"sqrt(abs(x))":         `<msqrt><mrow><mo>|</mo><mi>x</mi><mo>|</mo></mrow></msqrt>`,
		"log(x) + atan2(y, x)": `<mi>ln</mi>`,
		"pi * x":               `<mi>π</mi><mo>·</mo><mi>x</mi>`,
		"x + -y":               `<mo>+</mo><mrow><mo>(</mo><mrow><mo>−</mo><mi>y</mi></mrow><mo>)</mo></mrow>`,
	} {
		e, err := expr.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		got := FormulaMathML(e.Root)
		if !strings.Contains(got, want) {
			t.Errorf("%s: %s\nlacks %s", src, got, want)
		}
		if err := xml.Unmarshal([]byte(strings.ReplaceAll(got, "&#x2061;", "")), new(struct{})); err != nil {
			t.Errorf("%s: not well-formed: %v", src, err)
		}
	}
}
