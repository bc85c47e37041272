package landscapes

import (
	"math"

	"github.com/saddle-viz/saddle/spec"
)

// The canonical surfaces of docs/spec/surfaces.md, exactly as written
// there. Each closed form returns f, ∇f and the Hessian (hxx, hxy, hyy).

func pt(x ...float64) []float64 { return x }

func init() {
	register(&Info{
		Name: "quadratic", Title: "Ill-conditioned quadratic", Canonical: true, ExactBlur: true,
		Explain: "f = ½ pᵀAp with eigenvalues 1 and kappa along axes rotated by angle. " +
			"The condition number kappa is the ratio of the largest to the smallest curvature: " +
			"a learning rate small enough for the steep direction crawls along the shallow one, " +
			"so gradient descent zig-zags (ch. 8.2.1, ill-conditioning). Momentum and Newton's method cure it.",
		Params: []spec.Param{
			{Name: "kappa", Label: "condition number κ", Kind: spec.Real, Default: 25, Min: 1, Max: 1e6, Log: true, Doc: "condition number: the larger eigenvalue of A (the smaller is 1)"},
			{Name: "angle", Label: "rotation (degrees)", Kind: spec.Real, Default: 30, Min: -180, Max: 180, Doc: "rotation of the eigenvectors, degrees counter-clockwise"},
		},
		View: [4]float64{-3, 3, -3, 3}, Start: pt(-2.5, 1.5),
		build: func(v spec.Values) Surface {
			// A = R diag(1, κ) Rᵀ with R the rotation by angle.
			k, a, s := v.Float("kappa"), v.Float("angle")*math.Pi/180, v.Float("blur")
			c, sn := math.Cos(a), math.Sin(a)
			axx, axy, ayy := c*c+k*sn*sn, (1-k)*c*sn, sn*sn+k*c*c
			// Blur adds ½ s² trace(A) and leaves ∇f and the Hessian unchanged.
			shift := 0.5 * s * s * (1 + k)
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				gx, gy := axx*x+axy*y, axy*x+ayy*y
				return 0.5*(x*gx+y*gy) + shift, [2]float64{gx, gy}, [3]float64{axx, axy, ayy}
			})
		},
		critical: func(spec.Values) []Critical { return []Critical{{X: pt(0, 0), Kind: "minimum"}} },
	})

	register(&Info{
		Name: "rosenbrock", Title: "Rosenbrock's banana valley", Canonical: true,
		Explain: "A long, curved, flat-bottomed valley: the curvature across it is b times the curvature along it, " +
			"and the direction of the valley turns. First-order methods follow the walls; " +
			"second-order and quasi-Newton methods (ch. 8.6) bend with the valley.",
		Params: []spec.Param{
			{Name: "a", Kind: spec.Real, Default: 1, Min: -10, Max: 10, Doc: "the minimum is at (a, a²)"},
			{Name: "b", Kind: spec.Real, Default: 100, Min: 0, Max: 1e4, Doc: "steepness of the valley walls"},
		},
		View: [4]float64{-2, 2, -1, 3}, Start: pt(-1.2, 1),
		build: func(v spec.Values) Surface {
			a, b := v.Float("a"), v.Float("b")
			sb := math.Sqrt(b)
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				// f = (a − x)² + (√b (y − x²))²
				return sumSquares(
					residual{r: a - x, rx: -1},
					residual{r: sb * (y - x*x), rx: -2 * sb * x, ry: sb, rxx: -2 * sb},
				)
			})
		},
		critical: func(v spec.Values) []Critical {
			a := v.Float("a")
			return []Critical{{X: pt(a, a*a), Kind: "minimum"}}
		},
	})

	register(&Info{
		Name: "beale", Title: "Beale's function", Canonical: true,
		Explain: "Sharp ridges and flat arms that meet near the minimum at (3, 0.5): gradients differ by orders of magnitude " +
			"from one place to the next, which is what per-parameter adaptive learning rates " +
			"(AdaGrad, RMSProp, Adam, ch. 8.5) are for.",
		View: [4]float64{-4.5, 4.5, -4.5, 4.5}, Start: pt(1, 1.5),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				y2, y3 := y*y, y*y*y
				return sumSquares(
					residual{r: 1.5 - x + x*y, rx: y - 1, ry: x, rxy: 1},
					residual{r: 2.25 - x + x*y2, rx: y2 - 1, ry: 2 * x * y, rxy: 2 * y, ryy: 2 * x},
					residual{r: 2.625 - x + x*y3, rx: y3 - 1, ry: 3 * x * y2, rxy: 3 * y2, ryy: 6 * x * y},
				)
			})
		},
		critical: func(spec.Values) []Critical { return []Critical{{X: pt(3, 0.5), Kind: "minimum"}} },
	})

	register(&Info{
		Name: "himmelblau", Title: "Himmelblau's function", Canonical: true,
		Explain: "Four minima of equal height, four saddle points and one maximum: where an optimizer ends up depends on where it starts. " +
			"The minima are equally good, like the many equivalent minima of a network (ch. 8.2.2).",
		View: [4]float64{-5, 5, -5, 5}, Start: pt(0, 0),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				return sumSquares(
					residual{r: x*x + y - 11, rx: 2 * x, ry: 1, rxx: 2},
					residual{r: x + y*y - 7, rx: 1, ry: 2 * y, ryy: 2},
				)
			})
		},
		critical: func(spec.Values) []Critical {
			return []Critical{
				{X: pt(3, 2), Kind: "minimum"},
				{X: pt(-2.805118, 3.131312), Kind: "minimum"},
				{X: pt(-3.779310, -3.283186), Kind: "minimum"},
				{X: pt(3.584428, -1.848126), Kind: "minimum"},
				{X: pt(0.086677, 2.884254), Kind: "saddle"},
				{X: pt(-3.073026, -0.081353), Kind: "saddle"},
				{X: pt(3.385154, 0.073852), Kind: "saddle"},
				{X: pt(-0.127961, -1.953715), Kind: "saddle"},
				{X: pt(-0.270845, -0.923039), Kind: "maximum"},
			}
		},
	})

	register(&Info{
		Name: "saddle", Title: "A saddle point", Canonical: true,
		Explain: "At (0, 0) the surface curves up along x and down along y: a saddle point, with minima at (0, ±1). " +
			"Gradient descent slows near it but escapes; Newton's method jumps to it, because it seeks any point where the gradient vanishes. " +
			"Saddle-free Newton uses |H| and escapes (ch. 8.2.3).",
		View: [4]float64{-2, 2, -2, 2}, Start: pt(1.5, 0.3),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				y2 := y * y
				return x*x + y2*y2/4 - y2/2, [2]float64{2 * x, y2*y - y}, [3]float64{2, 0, 3*y2 - 1}
			})
		},
		critical: func(spec.Values) []Critical {
			return []Critical{{X: pt(0, 1), Kind: "minimum"}, {X: pt(0, -1), Kind: "minimum"}, {X: pt(0, 0), Kind: "saddle"}}
		},
	})

	register(&Info{
		Name: "plateau", Title: "A plateau", Canonical: true,
		Explain: "An inverted Gaussian: far from the minimum the surface is almost flat (the gradient norm is about 3e-5 at the start), " +
			"so plain gradient descent barely moves. Adaptive methods divide by the gradient's size and cross the plateau (ch. 8.2.3).",
		View: [4]float64{-5, 5, -5, 5}, Start: pt(3.5, 2.5),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				e := math.Exp(-(x*x + 2*y*y) / 2)
				return 1 - e, [2]float64{x * e, 2 * y * e}, [3]float64{e * (1 - x*x), -2 * x * y * e, e * (2 - 4*y*y)}
			})
		},
		critical: func(spec.Values) []Critical { return []Critical{{X: pt(0, 0), Kind: "minimum"}} },
	})

	register(&Info{
		Name: "cliff", Title: "A cliff", Canonical: true,
		Explain: "A gentle bowl with a steep wall (a step of height h and steepness k at x = 2). On the wall the gradient is huge: " +
			"one gradient step throws the iterate far away, like the exploding gradients of recurrent networks. " +
			"Gradient clipping bounds the step and keeps it in view (ch. 8.2.4).",
		Params: []spec.Param{
			{Name: "h", Label: "wall height", Kind: spec.Real, Default: 1, Min: 0, Max: 100, Doc: "height of the wall"},
			{Name: "k", Label: "wall steepness", Kind: spec.Real, Default: 40, Min: 0, Max: 1e3, Log: true, Doc: "steepness of the wall"},
		},
		View: [4]float64{-6, 6, -3, 3}, Start: pt(-3, 2),
		build: func(v spec.Values) Surface {
			h, k := v.Float("h"), v.Float("k")
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				// σ′ = σ(1−σ), σ″ = σ(1−σ)(1−2σ) = σ(1−σ)((1−σ) − σ).
				s, sm := logistic(k * (x - 2))
				d1 := s * sm
				d2 := d1 * (sm - s)
				f := 0.05*(x-4)*(x-4) + 0.25*y*y + h*s
				return f, [2]float64{0.1*(x-4) + h*k*d1, 0.5 * y}, [3]float64{0.1 + h*k*k*d2, 0, 0.5}
			})
		},
		critical: func(v spec.Values) []Critical { return cliffCritical(v.Float("h"), v.Float("k")) },
	})

	register(&Info{
		Name: "rastrigin", Title: "Rastrigin's function", Canonical: true, ExactBlur: true,
		Explain: "A bowl covered with ripples: a local minimum near every integer point. Gradient descent stops in the nearest one. " +
			"Blurring the surface smooths the ripples away; continuation (ch. 8.7.6) starts on the blurred surface and sharpens it step by step.",
		View: [4]float64{-5.12, 5.12, -5.12, 5.12}, Start: pt(3.2, -2.7),
		build: func(v spec.Values) Surface {
			// Blurred exactly: 20 + Σᵤ (u² + s² − 10 e^(−2π²s²) cos 2πu).
			s := v.Float("blur")
			c := 10 * math.Exp(-2*math.Pi*math.Pi*s*s)
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				sx, cx := math.Sincos(2 * math.Pi * x)
				sy, cy := math.Sincos(2 * math.Pi * y)
				f := 20 + x*x + y*y + 2*s*s - c*(cx+cy)
				g := [2]float64{2*x + 2*math.Pi*c*sx, 2*y + 2*math.Pi*c*sy}
				w := 4 * math.Pi * math.Pi * c
				return f, g, [3]float64{2 + w*cx, 0, 2 + w*cy}
			})
		},
		critical: func(spec.Values) []Critical { return []Critical{{X: pt(0, 0), Kind: "minimum"}} },
	})

	register(&Info{
		Name: "wells", Title: "Four Gaussian wells", Canonical: true, ExactBlur: true,
		Explain: "A wide shallow bowl with four wells of different depth and width, and a shallow fifth minimum near the centre. " +
			"Which well an optimizer falls into depends on the start; blurring merges the wells, and continuation (ch. 8.7.6) " +
			"tracks the deepest as the blur is taken away.",
		View: [4]float64{-4, 4, -4, 4}, Start: pt(3.5, 3.5),
		build: func(v spec.Values) Surface {
			s2 := v.Float("blur") * v.Float("blur")
			// Blurred exactly: each well keeps its mass and widens, σₖ² = sₖ² + s².
			var amp, inv [4]float64
			for i, w := range wellTable {
				amp[i] = w.a * w.s * w.s / (w.s*w.s + s2)
				inv[i] = 1 / (w.s*w.s + s2)
			}
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				f := 0.05 * (x*x + y*y + 2*s2)
				g := [2]float64{0.1 * x, 0.1 * y}
				h := [3]float64{0.1, 0, 0.1}
				for i, w := range wellTable {
					dx, dy := x-w.mx, y-w.my
					e := amp[i] * math.Exp(-(dx*dx+dy*dy)*inv[i]/2)
					f -= e
					g[0] += e * dx * inv[i]
					g[1] += e * dy * inv[i]
					h[0] += e * inv[i] * (1 - dx*dx*inv[i])
					h[1] -= e * inv[i] * inv[i] * dx * dy
					h[2] += e * inv[i] * (1 - dy*dy*inv[i])
				}
				return f, g, h
			})
		},
		critical: func(spec.Values) []Critical {
			var cs []Critical
			for _, w := range wellTable {
				cs = append(cs, Critical{X: pt(w.mx, w.my), Kind: "minimum"})
			}
			return append(cs, Critical{X: pt(-0.085, -0.053), Kind: "minimum"})
		},
	})

	register(&Info{
		Name: "symmetry", Title: "Weight-space symmetry", Canonical: true,
		Explain: "The loss of a two-layer linear net with one weight per layer: f depends only on the product xy, " +
			"so every (αx, y/α) is equally good and the minima form a whole hyperbola, with a saddle at the origin (ch. 8.2.2). " +
			"Weight decay (lambda > 0) breaks the symmetry and leaves two minima.",
		Params: []spec.Param{
			{Name: "lambda", Label: "weight decay λ", Kind: spec.Real, Default: 0, Min: 0, Max: 10, Doc: "weight decay: adds (lambda/2)(x² + y²)"},
		},
		View: [4]float64{-3, 3, -3, 3}, Start: pt(0.2, 2.5),
		build: func(v spec.Values) Surface {
			l := v.Float("lambda")
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				f, g, h := sumSquares(residual{r: x*y - 1, rx: y, ry: x, rxy: 1})
				f += l / 2 * (x*x + y*y)
				g[0] += l * x
				g[1] += l * y
				h[0] += l
				h[2] += l
				return f, g, h
			})
		},
		critical: func(v spec.Values) []Critical {
			l := v.Float("lambda")
			if l >= 2 {
				return []Critical{{X: pt(0, 0), Kind: "minimum"}}
			}
			// On the diagonal (xy − 1)² + λt² is least at t² = 1 − λ/2; for λ = 0
			// these are two representatives of the hyperbola xy = 1.
			t := math.Sqrt(1 - l/2)
			return []Critical{{X: pt(t, t), Kind: "minimum"}, {X: pt(-t, -t), Kind: "minimum"}, {X: pt(0, 0), Kind: "saddle"}}
		},
	})
}

// wellTable is the table of docs/spec/surfaces.md for `wells`: centre, depth, width.
var wellTable = [4]struct{ mx, my, a, s float64 }{
	{-2, -1, 1.0, 0.6},
	{1.5, 2, 1.5, 0.5},
	{2.5, -2, 0.8, 0.8},
	{-1.5, 2.5, 2.0, 0.4},
}

// cliffCritical finds the cliff's critical points for its h and k: all lie
// on y = 0, where ∂f/∂x = 0.1 (x − 4) + h k σ′(k (x − 2)) changes sign. The
// roots are bracketed on a fine scan and bisected (gonum has no 1-D root
// finder; Critical polishes them by Newton's method afterwards). Where
// ∂²f/∂x² > 0 the point is a minimum (at the wall's foot, and on the terrace
// near x = 4); where it is negative, a saddle on the wall's face.
func cliffCritical(h, k float64) []Critical {
	dfdx := func(x float64) (g, c float64) {
		s, sm := logistic(k * (x - 2))
		return 0.1*(x-4) + h*k*s*sm, 0.1 + h*k*k*s*sm*(sm-s)
	}
	const lo, hi, steps = -20.0, 20.0, 40000
	var out []Critical
	a := lo
	ga, _ := dfdx(a)
	for i := 1; i <= steps; i++ {
		b := lo + (hi-lo)*float64(i)/steps
		gb, _ := dfdx(b)
		if ga == 0 || (ga < 0) != (gb < 0) {
			l, r := a, b
			for range 100 {
				m := (l + r) / 2
				if gm, _ := dfdx(m); (gm < 0) == (ga < 0) {
					l = m
				} else {
					r = m
				}
			}
			x := (l + r) / 2
			kind := "minimum"
			if _, c := dfdx(x); c < 0 {
				kind = "saddle"
			}
			out = append(out, Critical{X: pt(x, 0), Kind: kind})
		}
		a, ga = b, gb
	}
	return out
}
