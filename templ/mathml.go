package pages

import (
	"html"
	"strings"
	"unicode"
)

// MathML turns the small notation of the formulas into MathML: x^{…} and
// x_{…} (or a single character), \frac{a}{b}, \sqrt{a}, \text{…} and \;
// (a space); letters become <mi>, digits <mn>, the rest <mo>. It is enough
// for update rules and nothing more. A rule of several statements, written
// "a;\; b" or "a,\; b" outside braces, becomes one <math> per statement, so
// that a narrow card shows them one below the other instead of cutting
// them off (MathML does not break lines).
func MathML(src string) string {
	var b strings.Builder
	for _, st := range statements(src) {
		p := &texParser{src: []rune(st)}
		b.WriteString(`<math display="block"><mrow>` + p.row(0) + `</mrow></math>`)
	}
	return b.String()
}

// statements splits a rule at the top-level separators ";\;" and ",\;".
func statements(src string) []string {
	var out []string
	depth, from := 0, 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ';', ',':
			if depth == 0 && strings.HasPrefix(src[i+1:], `\;`) {
				out = append(out, strings.TrimSpace(src[from:i]))
				from = i + 3
				i += 2
			}
		}
	}
	if rest := strings.TrimSpace(src[from:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

type texParser struct {
	src []rune
	i   int
}

// row parses until the closing brace (depth > 0) or the end.
func (p *texParser) row(depth int) string {
	var b strings.Builder
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c == '}' && depth > 0 {
			p.i++
			return b.String()
		}
		atom := p.atom()
		// Scripts bind to the atom before them.
		for p.i < len(p.src) && (p.src[p.i] == '^' || p.src[p.i] == '_') {
			op := p.src[p.i]
			p.i++
			script := p.group()
			if op == '^' {
				atom = "<msup>" + atom + script + "</msup>"
			} else {
				atom = "<msub>" + atom + script + "</msub>"
			}
		}
		b.WriteString(atom)
	}
	return b.String()
}

// group is {…} or one atom.
func (p *texParser) group() string {
	if p.i < len(p.src) && p.src[p.i] == '{' {
		p.i++
		return "<mrow>" + p.row(1) + "</mrow>"
	}
	return p.atom()
}

func (p *texParser) atom() string {
	c := p.src[p.i]
	switch {
	case c == '\\':
		p.i++
		start := p.i
		for p.i < len(p.src) && unicode.IsLetter(p.src[p.i]) {
			p.i++
		}
		switch cmd := string(p.src[start:p.i]); cmd {
		case "frac":
			return "<mfrac>" + p.group() + p.group() + "</mfrac>"
		case "sqrt":
			return "<msqrt>" + p.group() + "</msqrt>"
		case "text":
			p.i++ // {
			start := p.i
			for p.i < len(p.src) && p.src[p.i] != '}' {
				p.i++
			}
			text := string(p.src[start:p.i])
			p.i++
			return "<mtext>" + html.EscapeString(text) + "</mtext>"
		case "":
			p.i++ // "\;" and the like: a wide space
			return `<mspace width="1em"/>`
		default:
			return "<mi>" + html.EscapeString(cmd) + "</mi>"
		}
	case c == '{':
		p.i++
		return "<mrow>" + p.row(1) + "</mrow>"
	case c == ' ':
		p.i++
		return ""
	case unicode.IsDigit(c) || c == '.' && p.i+1 < len(p.src) && unicode.IsDigit(p.src[p.i+1]):
		start := p.i
		for p.i < len(p.src) && (unicode.IsDigit(p.src[p.i]) || p.src[p.i] == '.') {
			p.i++
		}
		return "<mn>" + string(p.src[start:p.i]) + "</mn>"
	case unicode.IsLetter(c) || c == '∇' || c == '𝔼':
		p.i++
		// A letter with combining marks (θ̃, δ̄, m̂) stays one identifier.
		start := p.i - 1
		for p.i < len(p.src) && unicode.Is(unicode.Mn, p.src[p.i]) {
			p.i++
		}
		return "<mi>" + html.EscapeString(string(p.src[start:p.i])) + "</mi>"
	case c == '(' || c == ')' || c == '|' || c == '[' || c == ']':
		// Fences keep their size: beside a fraction a stretched parenthesis
		// would span the whole row.
		p.i++
		return `<mo stretchy="false">` + string(c) + "</mo>"
	default:
		p.i++
		return "<mo>" + html.EscapeString(string(c)) + "</mo>"
	}
}
