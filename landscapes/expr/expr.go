// Package expr reads the formula of a user-entered surface f(x, y)
// (docs/spec/surfaces.md, "User-entered surfaces") and evaluates it with its
// exact gradient and Hessian.
//
// The language: the variables x and y; decimal numbers; the constants pi and
// e; + − * /, unary minus, ^ for powers (right-associative, binding tighter
// than unary minus: -2^2 is −4, 2^3^2 is 512), parentheses; the functions
// sin cos tan exp log sqrt abs tanh sinh cosh atan of one argument and atan2
// min max pow of two. Nothing else.
//
// Parse is a recursive-descent parser that reads each character once and
// stops at the first error, with its column; it refuses formulas of more
// than MaxLen characters, MaxNodes nodes or MaxDepth levels of nesting
// before building anything larger, so its time and memory are linear in the
// input. The tree is compiled to a postfix program that Eval runs on a
// stack of second-order jets (value, gradient, Hessian): forward-mode
// differentiation to second order in float64, exact up to rounding.
package expr

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The limits of a formula, each refused with its own message.
const (
	MaxLen   = 2000
	MaxNodes = 500
	MaxDepth = 64
)

// Error is a formula's first problem, at a column (1-based, in characters;
// 0 when it concerns the whole formula).
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string {
	if e.Col == 0 {
		return e.Msg
	}
	return fmt.Sprintf("column %d: %s", e.Col, e.Msg)
}

// Node is one node of the formula's tree: a number (Op "num"), a variable
// ("x", "y"), a constant ("pi", "e"), an operator ("+", "-", "*", "/", "^",
// "neg") or a function (its name), with its arguments.
type Node struct {
	Op    string
	Value float64 // a number's value
	Text  string  // a number as written
	Args  []*Node
}

// Expr is a parsed formula.
type Expr struct {
	Root  *Node
	Src   string
	prog  []instr
	kinks bool
}

var unary = []string{"sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan"}
var binary = []string{"atan2", "min", "max", "pow"}

// Functions lists the functions a formula may call.
func Functions() []string { return append(slices.Clone(unary), binary...) }

// Parse reads a formula.
func Parse(src string) (*Expr, error) {
	if n := len([]rune(src)); n > MaxLen {
		return nil, &Error{Msg: fmt.Sprintf("the formula is %d characters long; at most %d are accepted", n, MaxLen)}
	}
	p := &parser{src: []rune(src)}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	e := &Expr{Root: root, Src: src}
	e.compile(root)
	return e, nil
}

type parser struct {
	src   []rune
	pos   int
	nodes int
	depth int
	steps int // characters looked at, for the test that parsing is linear
}

func (p *parser) fail(col int, format string, a ...any) error {
	return &Error{Col: col, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) skip() {
	p.steps++
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
		p.steps++
	}
}

// peek is the next character after blanks, or 0 at the end.
func (p *parser) peek() rune {
	p.skip()
	if p.pos == len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) node(n *Node) (*Node, error) {
	p.nodes++
	if p.nodes > MaxNodes {
		return nil, &Error{Msg: fmt.Sprintf("the formula has more than %d nodes (numbers, names and operations); at most %d are accepted", MaxNodes, MaxNodes)}
	}
	return n, nil
}

func (p *parser) parse() (*Node, error) {
	if p.peek() == 0 {
		return nil, p.fail(p.pos+1, "expected an expression, found the end of the formula")
	}
	n, err := p.sum()
	if err != nil {
		return nil, err
	}
	if c := p.peek(); c != 0 {
		switch c {
		case ')':
			return nil, p.fail(p.pos+1, `unexpected ")": no "(" is open`)
		case ',':
			return nil, p.fail(p.pos+1, `unexpected ",": a comma separates a function's arguments only (in a spec the formula takes the rest, commas included, so write f last)`)
		}
		return nil, p.fail(p.pos+1, "expected an operator (+ - * / ^) or the end of the formula, found %s", p.describe())
	}
	return n, nil
}

// describe names what stands at the position, for messages.
func (p *parser) describe() string {
	if p.pos >= len(p.src) {
		return "the end of the formula"
	}
	c := p.src[p.pos]
	if isLetter(c) || isDigit(c) {
		end := p.pos
		for end < len(p.src) && (isLetter(p.src[end]) || isDigit(p.src[end]) || p.src[end] == '.') {
			end++
		}
		return strconv.Quote(string(p.src[p.pos:end]))
	}
	return strconv.Quote(string(c))
}

// sum := product (('+' | '-') product)*
func (p *parser) sum() (*Node, error) { return p.leftAssoc("+-", p.product) }

// product := signed (('*' | '/') signed)*
func (p *parser) product() (*Node, error) { return p.leftAssoc("*/", p.signed) }

// leftAssoc reads next (op next)* for the operators ops, left-associative.
func (p *parser) leftAssoc(ops string, next func() (*Node, error)) (*Node, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for {
		c := p.peek()
		if c == 0 || !strings.ContainsRune(ops, c) {
			return left, nil
		}
		at := p.pos
		p.pos++
		right, err := p.operand(next, at, string(c))
		if err != nil {
			return nil, err
		}
		if left, err = p.node(&Node{Op: string(c), Args: []*Node{left, right}}); err != nil {
			return nil, err
		}
	}
}

// operand reads what must follow the operator op at column at+1.
func (p *parser) operand(next func() (*Node, error), at int, op string) (*Node, error) {
	if c := p.peek(); c == 0 || c == ')' || c == ',' || strings.ContainsRune("+*/^", c) {
		return nil, p.fail(p.pos+1, "expected an expression after %q (column %d), found %s", op, at+1, p.describe())
	}
	return next()
}

// signed := '-' signed | power. A power binds tighter: -2^2 is −(2²).
func (p *parser) signed() (*Node, error) {
	if p.peek() != '-' {
		return p.power()
	}
	return p.nested("-", func(arg *Node) *Node { return &Node{Op: "neg", Args: []*Node{arg}} })
}

// power := primary ('^' signed)?, right-associative: 2^3^2 is 2^(3^2),
// and the exponent may be negated: 2^-1.
func (p *parser) power() (*Node, error) {
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.peek() != '^' {
		return base, nil
	}
	return p.nested("^", func(exp *Node) *Node { return &Node{Op: "^", Args: []*Node{base, exp}} })
}

// nested reads the operator op at the position, then a signed operand one
// level deeper, and makes the node of it.
func (p *parser) nested(op string, build func(arg *Node) *Node) (*Node, error) {
	at := p.pos
	p.pos++
	if err := p.enter(at); err != nil {
		return nil, err
	}
	defer p.leave()
	arg, err := p.operand(p.signed, at, op)
	if err != nil {
		return nil, err
	}
	return p.node(build(arg))
}

// enter and leave count the nesting of parentheses, calls, signs and
// powers, so that no formula recurses deeper than MaxDepth.
func (p *parser) enter(at int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.fail(at+1, "the formula nests deeper than %d levels (parentheses, calls, signs and powers within each other); at most %d are accepted", MaxDepth, MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func isDigit(c rune) bool  { return c >= '0' && c <= '9' }
func isLetter(c rune) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }

// primary := number | name | name '(' args ')' | '(' sum ')'
func (p *parser) primary() (*Node, error) {
	c := p.peek()
	at := p.pos
	switch {
	case c == 0:
		return nil, p.fail(at+1, "expected an expression, found the end of the formula")
	case isDigit(c) || c == '.':
		return p.number()
	case isLetter(c):
		return p.name()
	case c == '(':
		p.pos++
		if err := p.enter(at); err != nil {
			return nil, err
		}
		defer p.leave()
		if p.peek() == ')' {
			return nil, p.fail(p.pos+1, `expected an expression inside "(" (column %d), found ")"`, at+1)
		}
		n, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.fail(p.pos+1, `expected ")" to close the "(" of column %d, found %s`, at+1, p.describe())
		}
		p.pos++
		return n, nil
	case c == '"' || c == '\'' || c == '`':
		return nil, p.fail(at+1, "unexpected %q: a formula has no strings; write numbers, x, y, pi, e and functions", string(c))
	}
	return nil, p.fail(at+1, "unexpected %s: expected a number, x, y, pi, e, a function or \"(\"", p.describe())
}

// number := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits], or '.' digits.
func (p *parser) number() (*Node, error) {
	at := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
			n++
		}
		return n
	}
	n := digits()
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		n += digits()
	}
	if n == 0 {
		return nil, p.fail(at+1, `expected digits around "."`)
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		// An exponent only if digits follow; else e is the next name (and
		// an error: no implicit multiplication).
		q := p.pos + 1
		if q < len(p.src) && (p.src[q] == '+' || p.src[q] == '-') {
			q++
		}
		if q < len(p.src) && isDigit(p.src[q]) {
			p.pos = q
			digits()
		}
	}
	text := string(p.src[at:p.pos])
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(v, 0) {
		return nil, p.fail(at+1, "the number %s is too large for float64 (at most about 1.8e308)", text)
	}
	return p.node(&Node{Op: "num", Value: v, Text: text})
}

func (p *parser) name() (*Node, error) {
	at := p.pos
	for p.pos < len(p.src) && (isLetter(p.src[p.pos]) || isDigit(p.src[p.pos])) {
		p.pos++
	}
	name := string(p.src[at:p.pos])
	switch name {
	case "x", "y", "pi", "e":
		if p.peek() == '(' {
			return nil, p.fail(p.pos+1, "%s is not a function: write %s*(…) to multiply", name, name)
		}
		return p.node(&Node{Op: name})
	}
	args := 0
	switch {
	case slices.Contains(unary, name):
		args = 1
	case slices.Contains(binary, name):
		args = 2
	default:
		return nil, p.fail(at+1, "unknown name %q: the variables are x and y, the constants pi and e, the functions %s", name, strings.Join(Functions(), " "))
	}
	if p.peek() != '(' {
		return nil, p.fail(at+1, "%s is a function: write %s(…)", name, name)
	}
	open := p.pos
	p.pos++
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	n := &Node{Op: name}
	for {
		if c := p.peek(); c == ')' || c == ',' || c == 0 {
			return nil, p.fail(p.pos+1, "expected argument %d of %s, found %s", len(n.Args)+1, name, p.describe())
		}
		arg, err := p.sum()
		if err != nil {
			return nil, err
		}
		n.Args = append(n.Args, arg)
		c := p.peek()
		if c == ',' {
			p.pos++
			continue
		}
		if c != ')' {
			return nil, p.fail(p.pos+1, `expected "," or ")" in the call of %s (column %d), found %s`, name, at+1, p.describe())
		}
		p.pos++
		break
	}
	if len(n.Args) != args {
		plural := "s"
		if args == 1 {
			plural = ""
		}
		return nil, p.fail(at+1, "%s takes %d argument%s, not %d", name, args, plural, len(n.Args))
	}
	return p.node(n)
}

// Kinks says whether the formula has a function that is not differentiable
// everywhere (abs, min, max), where a one-sided derivative is used.
func (e *Expr) Kinks() bool { return e.kinks }

// String writes the formula back, fully parenthesized where needed, in the
// language it was read in.
func (n *Node) String() string {
	switch n.Op {
	case "num":
		return n.Text
	case "x", "y", "pi", "e":
		return n.Op
	case "neg":
		return "-(" + n.Args[0].String() + ")"
	case "+", "-", "*", "/", "^":
		return "(" + n.Args[0].String() + ")" + n.Op + "(" + n.Args[1].String() + ")"
	}
	args := make([]string, len(n.Args))
	for i, a := range n.Args {
		args[i] = a.String()
	}
	return n.Op + "(" + strings.Join(args, ", ") + ")"
}
