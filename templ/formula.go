package pages

import (
	"strings"

	"github.com/saddle-viz/saddle/landscapes/expr"
)

// FormulaMathML shows a user's formula as MathML, f(x, y) = …: fractions
// for divisions, superscripts for powers, a root sign for sqrt, bars for
// abs, ln for log, π for pi; parentheses only where the precedence of the
// language needs them. The tree comes from the parser, so every name and
// number in it is one of the language's and needs no escaping.
func FormulaMathML(root *expr.Node) string {
	var b strings.Builder
	b.WriteString(`<math display="block"><mrow><mi>f</mi><mo stretchy="false">(</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo stretchy="false">)</mo><mo>=</mo>`)
	writeNode(&b, root)
	b.WriteString(`</mrow></math>`)
	return b.String()
}

// precedence of a node as the language reads it: sums 1, products 2,
// negation 3, powers 4, atoms and calls 5 (a fraction, drawn as one, 5).
func precedence(n *expr.Node) int {
	switch n.Op {
	case "+", "-":
		return 1
	case "*":
		return 2
	case "neg":
		return 3
	case "^", "pow":
		return 4
	}
	return 5
}

func writeParen(b *strings.Builder, n *expr.Node, paren bool) {
	if !paren {
		writeNode(b, n)
		return
	}
	b.WriteString(`<mrow><mo>(</mo>`)
	writeNode(b, n)
	b.WriteString(`<mo>)</mo></mrow>`)
}

var functionNames = map[string]string{"log": "ln"}

func writeNode(b *strings.Builder, n *expr.Node) {
	switch n.Op {
	case "num":
		b.WriteString(`<mn>` + n.Text + `</mn>`)
	case "x", "y", "e":
		b.WriteString(`<mi>` + n.Op + `</mi>`)
	case "pi":
		b.WriteString(`<mi>π</mi>`)
	case "neg":
		b.WriteString(`<mrow><mo>−</mo>`)
		writeParen(b, n.Args[0], precedence(n.Args[0]) < 4)
		b.WriteString(`</mrow>`)
	case "+", "-", "*":
		sym := map[string]string{"+": "+", "-": "−", "*": "·"}[n.Op]
		p := precedence(n)
		b.WriteString(`<mrow>`)
		writeParen(b, n.Args[0], precedence(n.Args[0]) < p)
		b.WriteString(`<mo>` + sym + `</mo>`)
		right := precedence(n.Args[1])
		writeParen(b, n.Args[1], right < p || right == p && n.Op == "-" || n.Args[1].Op == "neg")
		b.WriteString(`</mrow>`)
	case "/":
		b.WriteString(`<mfrac><mrow>`)
		writeNode(b, n.Args[0])
		b.WriteString(`</mrow><mrow>`)
		writeNode(b, n.Args[1])
		b.WriteString(`</mrow></mfrac>`)
	case "^", "pow":
		b.WriteString(`<msup><mrow>`)
		writeParen(b, n.Args[0], precedence(n.Args[0]) < 5 || n.Args[0].Op == "/")
		b.WriteString(`</mrow><mrow>`)
		writeNode(b, n.Args[1])
		b.WriteString(`</mrow></msup>`)
	case "sqrt":
		b.WriteString(`<msqrt>`)
		writeNode(b, n.Args[0])
		b.WriteString(`</msqrt>`)
	case "abs":
		b.WriteString(`<mrow><mo>|</mo>`)
		writeNode(b, n.Args[0])
		b.WriteString(`<mo>|</mo></mrow>`)
	default:
		name := n.Op
		if f, ok := functionNames[name]; ok {
			name = f
		}
		b.WriteString(`<mrow><mi>` + name + `</mi><mo>&#x2061;</mo><mrow><mo>(</mo>`)
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(`<mo>,</mo>`)
			}
			writeNode(b, a)
		}
		b.WriteString(`<mo>)</mo></mrow></mrow>`)
	}
}
