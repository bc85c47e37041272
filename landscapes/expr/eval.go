package expr

import "math"

// jet is a value with its gradient and Hessian (xx, xy, yy) with respect to
// (x, y): second-order forward-mode differentiation. For u = g(v) the chain
// rule gives ∇u = g′ ∇v and ∇²u = g′ ∇²v + g″ ∇v ∇vᵀ; for u = h(a, b),
// ∇²u = h_a ∇²a + h_b ∇²b + h_aa ∇a∇aᵀ + h_bb ∇b∇bᵀ + h_ab (∇a∇bᵀ + ∇b∇aᵀ).
//
// Written here rather than with gonum's num/hyperdual, which is what the
// guide prefers: a hyperdual number carries one mixed second derivative, so
// the 2×2 Hessian takes three passes; its PowReal moves a base within 1e−15
// of 0 to ±1e−15; and its Pow is exp(p·log b), NaN for a negative base even
// with an integer exponent (x^2 at x < 0).
type jet struct {
	v float64
	g [2]float64
	h [3]float64
}

// chain1 is g(u) for g(u.v) = f with derivatives d1, d2.
func chain1(u jet, f, d1, d2 float64) jet {
	return jet{f,
		[2]float64{d1 * u.g[0], d1 * u.g[1]},
		[3]float64{d1*u.h[0] + d2*u.g[0]*u.g[0], d1*u.h[1] + d2*u.g[0]*u.g[1], d1*u.h[2] + d2*u.g[1]*u.g[1]}}
}

// chain2 is h(a, b) = f with first derivatives fa, fb and second faa, fab,
// fbb; a zero second derivative leaves its term out (so that 0·∞ does not
// turn a finite result into NaN).
func chain2(a, b jet, f, fa, fb, faa, fab, fbb float64) jet {
	r := jet{v: f}
	for i := range 2 {
		r.g[i] = fa*a.g[i] + fb*b.g[i]
	}
	for k, ij := range [3][2]int{{0, 0}, {0, 1}, {1, 1}} {
		i, j := ij[0], ij[1]
		h := fa*a.h[k] + fb*b.h[k]
		if faa != 0 {
			h += faa * a.g[i] * a.g[j]
		}
		if fbb != 0 {
			h += fbb * b.g[i] * b.g[j]
		}
		if fab != 0 {
			h += fab * (a.g[i]*b.g[j] + b.g[i]*a.g[j])
		}
		r.h[k] = h
	}
	return r
}

// instr is one step of the postfix program: push a constant or a variable,
// or apply an operation to the top of the stack.
type instr struct {
	op       string
	value    float64
	constExp bool // a power whose exponent has no variable
}

func (e *Expr) compile(n *Node) bool {
	constant := n.Op != "x" && n.Op != "y"
	var argConst []bool
	for _, a := range n.Args {
		c := e.compile(a)
		argConst = append(argConst, c)
		constant = constant && c
	}
	in := instr{op: n.Op, value: n.Value}
	switch n.Op {
	case "pi":
		in.op, in.value = "num", math.Pi
	case "e":
		in.op, in.value = "num", math.E
	case "^", "pow":
		in.op, in.constExp = "^", argConst[1]
	case "abs", "min", "max":
		e.kinks = true
	}
	e.prog = append(e.prog, in)
	return constant
}

// Eval is the formula's value, gradient and Hessian (hxx, hxy, hyy) at
// (x, y). Where a function is not differentiable (abs at 0, min and max at a
// tie) the derivative of one side is used: abs′(0) = 1, and min and max take
// their first argument at a tie. Values outside a function's domain give
// NaN or ±Inf, as float64 does; the caller reports them. Eval keeps its
// stack on its own (Go) stack, so an Expr serves many goroutines at once.
func (e *Expr) Eval(x, y float64) (f float64, g [2]float64, h [3]float64) {
	var buf [32]jet
	st := buf[:0]
	for _, in := range e.prog {
		switch in.op {
		case "num":
			st = append(st, jet{v: in.value})
		case "x":
			st = append(st, jet{v: x, g: [2]float64{1, 0}})
		case "y":
			st = append(st, jet{v: y, g: [2]float64{0, 1}})
		default:
			if arity(in.op) == 1 {
				st[len(st)-1] = apply1(in.op, st[len(st)-1])
				continue
			}
			a, b := st[len(st)-2], st[len(st)-1]
			st = st[:len(st)-1]
			st[len(st)-1] = apply2(in, a, b)
		}
	}
	r := st[0]
	return r.v, r.g, r.h
}

func arity(op string) int {
	switch op {
	case "+", "-", "*", "/", "^", "atan2", "min", "max":
		return 2
	}
	return 1
}

func apply1(op string, u jet) jet {
	v := u.v
	switch op {
	case "neg":
		return chain1(u, -v, -1, 0)
	case "sin":
		s, c := math.Sincos(v)
		return chain1(u, s, c, -s)
	case "cos":
		s, c := math.Sincos(v)
		return chain1(u, c, -s, -c)
	case "tan":
		t := math.Tan(v)
		d := 1 + t*t
		return chain1(u, t, d, 2*t*d)
	case "exp":
		ex := math.Exp(v)
		return chain1(u, ex, ex, ex)
	case "log":
		return chain1(u, math.Log(v), 1/v, -1/(v*v))
	case "sqrt":
		s := math.Sqrt(v)
		return chain1(u, s, 0.5/s, -0.25/(s*s*s))
	case "abs":
		if v < 0 {
			return chain1(u, -v, -1, 0)
		}
		return chain1(u, v, 1, 0) // abs′(0) = 1, the right side's
	case "tanh":
		t := math.Tanh(v)
		d := 1 - t*t
		return chain1(u, t, d, -2*t*d)
	case "sinh":
		return chain1(u, math.Sinh(v), math.Cosh(v), math.Sinh(v))
	case "cosh":
		return chain1(u, math.Cosh(v), math.Sinh(v), math.Cosh(v))
	case "atan":
		d := 1 / (1 + v*v)
		return chain1(u, math.Atan(v), d, -2*v*d*d)
	}
	panic("expr: unknown operation " + op) // the parser admits no other
}

func apply2(in instr, a, b jet) jet {
	switch in.op {
	case "+":
		return chain2(a, b, a.v+b.v, 1, 1, 0, 0, 0)
	case "-":
		return chain2(a, b, a.v-b.v, 1, -1, 0, 0, 0)
	case "*":
		return chain2(a, b, a.v*b.v, b.v, a.v, 0, 1, 0)
	case "/":
		q := a.v / b.v
		return chain2(a, b, q, 1/b.v, -q/b.v, 0, -1/(b.v*b.v), 2*q/(b.v*b.v))
	case "^":
		return power(a, b, in.constExp)
	case "atan2":
		// atan2(a, b), the angle of the point (b, a): with r = a² + b²,
		// ∂/∂a = b/r, ∂/∂b = −a/r, ∂²/∂a² = −2ab/r², ∂²/∂b² = 2ab/r²,
		// ∂²/∂a∂b = (a² − b²)/r².
		r := a.v*a.v + b.v*b.v
		return chain2(a, b, math.Atan2(a.v, b.v), b.v/r, -a.v/r, -2*a.v*b.v/(r*r), (a.v*a.v-b.v*b.v)/(r*r), 2*a.v*b.v/(r*r))
	case "min", "max":
		// NaN wins, as in PyTorch's minimum and maximum.
		if math.IsNaN(a.v) {
			return a
		}
		if math.IsNaN(b.v) {
			return b
		}
	}
	switch in.op {
	case "min":
		if a.v <= b.v {
			return a
		}
		return b
	case "max":
		if a.v >= b.v {
			return a
		}
		return b
	}
	panic("expr: unknown operation " + in.op)
}

// power is a^b. With an exponent that has no variable only the power rule
// applies (so x^2 is defined for x < 0, as PyTorch's pow with a constant
// exponent); otherwise the terms of b's derivatives carry log a, NaN for a
// negative base, as PyTorch's gradient of the exponent is.
func power(a, b jet, constExp bool) jet {
	f := math.Pow(a.v, b.v)
	fa := b.v * math.Pow(a.v, b.v-1)
	faa := b.v * (b.v - 1) * math.Pow(a.v, b.v-2)
	if constExp {
		if b.v == 1 {
			faa = 0
		}
		if b.v == 0 {
			fa, faa = 0, 0
		}
		return chain2(a, b, f, fa, 0, faa, 0, 0)
	}
	l := math.Log(a.v)
	return chain2(a, b, f, fa, f*l, faa, math.Pow(a.v, b.v-1)*(1+b.v*l), f*l*l)
}
