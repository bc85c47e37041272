package landscapes

import (
	"math"
	"math/rand/v2"

	"github.com/saddle-viz/saddle/spec"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Surfaces beyond the spec's canonical list (docs/spec/surfaces.md welcomes them).

// regressionParams are the data and minibatch parameters of linreg and logreg.
var regressionParams = []spec.Param{
	{Name: "n", Label: "examples", Kind: spec.Integer, Default: 100, Min: 4, Max: 5000, Doc: "number of samples"},
	{Name: "spread", Label: "target noise", Kind: spec.Real, Default: 0.5, Min: 0, Max: 5, Doc: "noise in the samples' targets"},
	dataSeedParam("seed of the samples"),
	{Name: "batch", Label: "minibatch size", Kind: spec.Integer, Default: 0, Min: 0, Max: 5000, Doc: "minibatch size of first-order methods (0 = full batch), dealt from the run's seed"},
}

func regression(logistic bool) func(v spec.Values) Surface {
	return func(v spec.Values) Surface {
		return nets.NewRegression(logistic, v.Int("n"), v.Float("spread"), uint64(v.Int("data_seed")), v.Int("batch"))
	}
}

// regressionMinimum finds the minimum of a regression's loss, which depends
// on its samples, by gonum's Newton method (a line search on the Hessian
// made positive definite) from the origin; the loss is convex, so that is
// its one minimum. Build's Critical then refines it.
func regressionMinimum(logistic bool) func(v spec.Values) []Critical {
	return func(v spec.Values) []Critical {
		s := regression(logistic)(v)
		p := optimize.Problem{Func: s.Func, Grad: func(g, x []float64) { s.Grad(g, x) }, Hess: func(h *mat.SymDense, x []float64) { s.Hess(h, x) }}
		res, err := optimize.Minimize(p, []float64{0, 0}, nil, &optimize.Newton{})
		if err != nil && res == nil {
			return nil
		}
		return []Critical{{X: res.X, Kind: "minimum"}}
	}
}

func init() {
	register(&Info{
		Name: "linreg", Title: "Linear regression (w, b)",
		Explain: "The mean squared error of a line y = w x + b fitted to noisy samples: a convex quadratic bowl whose shape is set by the data. " +
			"With a minibatch size, stochastic gradient descent sees the gradient of a few samples at a time: the expected gradient is right, its noise does not vanish at the minimum (ch. 8.1.3, 8.3.1).",
		Params: regressionParams, View: [4]float64{-1, 4, -3, 2}, Start: pt(3.5, 1.5),
		build:    regression(false),
		critical: regressionMinimum(false),
	})
	register(&Info{
		Name: "logreg", Title: "Logistic regression (w, b)",
		Explain: "The cross-entropy of a logistic regression on noisy labels: convex, flat far from the data's boundary, curved near it. " +
			"Its Fisher information equals its Hessian, so natural gradient runs here and matches Newton's method (ch. 8.6).",
		Params: regressionParams, View: [4]float64{-2, 10, -6, 6}, Start: pt(-1, 4),
		build:    regression(true),
		critical: regressionMinimum(true),
	})
	register(&Info{
		Name: "quadratic-nd", Title: "N-dimensional quadratic with a chosen spectrum",
		Explain: "f = ½ xᵀAx in n dimensions, where A has only `distinct` different eigenvalues, log-spaced from 1 to kappa, " +
			"in a random orthonormal basis. Conjugate gradients with exact line searches reaches the minimum in at most as many " +
			"iterations as A has distinct eigenvalues, whatever n is (ch. 8.6.2).",
		Params: []spec.Param{
			{Name: "n", Label: "dimension", Kind: spec.Integer, Default: 10, Min: 2, Max: 100, Doc: "dimension"},
			{Name: "distinct", Label: "distinct eigenvalues", Kind: spec.Integer, Default: 3, Min: 1, Max: 100, Doc: "number of distinct eigenvalues (at most n)"},
			{Name: "kappa", Label: "largest eigenvalue", Kind: spec.Real, Default: 100, Min: 1, Max: 1e6, Log: true, Doc: "largest eigenvalue (the smallest is 1)"},
			{Name: "basis", Label: "rotation seed", Kind: spec.Integer, Default: 1, Min: 0, Max: 1 << 30, Doc: "seed of the random rotation; 0 keeps the eigenvectors on the axes"},
		},
		View: [4]float64{-2, 2, -2, 2}, ExactBlur: true,
		startFor: func(v spec.Values) []float64 {
			x := make([]float64, v.Int("n"))
			for i := range x {
				x[i] = 1
			}
			return x
		},
		build: func(v spec.Values) Surface {
			a := spectrumMatrix(v.Int("n"), v.Int("distinct"), v.Float("kappa"), uint64(v.Int("basis")))
			s := v.Float("blur")
			return &quadraticND{a: a, n: v.Int("n"), shift: 0.5 * s * s * mat.Trace(a)}
		},
		critical: func(v spec.Values) []Critical {
			return []Critical{{X: make([]float64, v.Int("n")), Kind: "minimum"}}
		},
	})

	register(&Info{
		Name: "rosenbrock-nd", Title: "N-dimensional Rosenbrock function",
		Explain: "The banana valley chained through n coordinates: Σ b(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², least at (1, …, 1). " +
			"Its Hessian is tridiagonal; limited-memory methods (L-BFGS, ch. 8.6.3) handle it in high dimension.",
		Params: []spec.Param{
			{Name: "n", Label: "dimension", Kind: spec.Integer, Default: 4, Min: 2, Max: 100, Doc: "dimension"},
			{Name: "b", Kind: spec.Real, Default: 100, Min: 0, Max: 1e4, Doc: "steepness of the valley walls"},
		},
		View: [4]float64{-2, 2, -1, 3},
		startFor: func(v spec.Values) []float64 {
			x := make([]float64, v.Int("n"))
			for i := range x {
				x[i] = -1.2
				if i%2 == 1 {
					x[i] = 1
				}
			}
			return x
		},
		build: func(v spec.Values) Surface { return &rosenbrockND{n: v.Int("n"), b: v.Float("b")} },
		critical: func(v spec.Values) []Critical {
			x := make([]float64, v.Int("n"))
			for i := range x {
				x[i] = 1
			}
			return []Critical{{X: x, Kind: "minimum"}}
		},
	})

	register(&Info{
		Name: "monkey-saddle", Title: "Monkey saddle",
		Explain: "f = x³ − 3xy²: a degenerate saddle with three valleys (two for the legs, one for the tail). " +
			"The Hessian vanishes at the origin, so second-order information says nothing there and plateaus surround it (ch. 8.2.3).",
		View: [4]float64{-2, 2, -2, 2}, Start: pt(0.5, 0.2),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				return x*x*x - 3*x*y*y, [2]float64{3*x*x - 3*y*y, -6 * x * y}, [3]float64{6 * x, -6 * y, -6 * x}
			})
		},
		critical: func(spec.Values) []Critical { return []Critical{{X: pt(0, 0), Kind: "saddle"}} },
	})

	register(&Info{
		Name: "booth", Title: "Booth's function",
		Explain: "A plain convex quadratic, (x + 2y − 7)² + (2x + y − 5)², with condition number 9: a warm-up where every method should succeed.",
		View:    [4]float64{-10, 10, -10, 10}, Start: pt(-8, -8),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				return sumSquares(residual{r: x + 2*y - 7, rx: 1, ry: 2}, residual{r: 2*x + y - 5, rx: 2, ry: 1})
			})
		},
		critical: func(spec.Values) []Critical { return []Critical{{X: pt(1, 3), Kind: "minimum"}} },
	})

	register(&Info{
		Name: "six-hump-camel", Title: "Six-hump camel",
		Explain: "Six minima, two of them global, with saddles between: a small world of local minima of different quality (ch. 8.2.2).",
		View:    [4]float64{-2, 2, -1, 1}, Start: pt(-1.5, -0.8),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				x2, y2 := x*x, y*y
				f := (4-2.1*x2+x2*x2/3)*x2 + x*y + (-4+4*y2)*y2
				g := [2]float64{8*x - 8.4*x2*x + 2*x2*x2*x + y, x - 8*y + 16*y2*y}
				return f, g, [3]float64{8 - 25.2*x2 + 10*x2*x2, 1, -8 + 48*y2}
			})
		},
		critical: func(spec.Values) []Critical {
			return []Critical{
				{X: pt(0.0898, -0.7126), Kind: "minimum"}, {X: pt(-0.0898, 0.7126), Kind: "minimum"},
				{X: pt(-1.7036, 0.7961), Kind: "minimum"}, {X: pt(1.7036, -0.7961), Kind: "minimum"},
				{X: pt(1.6071, 0.5687), Kind: "minimum"}, {X: pt(-1.6071, -0.5687), Kind: "minimum"},
			}
		},
	})

	register(&Info{
		Name: "styblinski-tang", Title: "Styblinski–Tang function",
		Explain: "½ Σ (u⁴ − 16u² + 5u): four minima at the corners of a square, only one of them global, " +
			"separated by saddles; a start in the wrong quadrant ends in a worse minimum (ch. 8.2.2).",
		View: [4]float64{-5, 5, -5, 5}, Start: pt(4, 4.5),
		build: func(spec.Values) Surface {
			return plane(func(x, y float64) (float64, [2]float64, [3]float64) {
				f := 0.5 * (x*x*x*x - 16*x*x + 5*x + y*y*y*y - 16*y*y + 5*y)
				g := [2]float64{2*x*x*x - 16*x + 2.5, 2*y*y*y - 16*y + 2.5}
				return f, g, [3]float64{6*x*x - 16, 0, 6*y*y - 16}
			})
		},
		critical: func(spec.Values) []Critical {
			lo, hi, mid := -2.903534, 2.746803, 0.156731
			return []Critical{
				{X: pt(lo, lo), Kind: "minimum"}, {X: pt(lo, hi), Kind: "minimum"},
				{X: pt(hi, lo), Kind: "minimum"}, {X: pt(hi, hi), Kind: "minimum"},
				{X: pt(lo, mid), Kind: "saddle"}, {X: pt(hi, mid), Kind: "saddle"},
				{X: pt(mid, lo), Kind: "saddle"}, {X: pt(mid, hi), Kind: "saddle"},
				{X: pt(mid, mid), Kind: "maximum"},
			}
		},
	})
}

// spectrumMatrix returns A = Q diag(λ) Qᵀ with k distinct eigenvalues
// λⱼ = kappa^(j/(k−1)), assigned to the n coordinates in turn, and Q a random
// orthogonal matrix (the Q of a QR factorisation of a seeded Gaussian matrix,
// Mezzadri (2007)); seed 0 keeps Q = I.
func spectrumMatrix(n, k int, kappa float64, seed uint64) *mat.SymDense {
	k = min(k, n)
	lambda := make([]float64, n)
	for i := range lambda {
		lambda[i] = 1
		if k > 1 {
			lambda[i] = math.Pow(kappa, float64(i%k)/float64(k-1))
		}
	}
	q := mat.NewDense(n, n, nil)
	if seed == 0 {
		for i := range n {
			q.Set(i, i, 1)
		}
	} else {
		q = nets.RandomOrthogonal(rand.New(rand.NewPCG(seed, 0x5add1e)), n)
	}
	a := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			var s float64
			for l := range n {
				s += q.At(i, l) * lambda[l] * q.At(j, l)
			}
			a.SetSym(i, j, s)
		}
	}
	return a
}

// quadraticND is ½ xᵀAx (+ the blur's constant ½ s² trace A).
type quadraticND struct {
	a     *mat.SymDense
	n     int
	shift float64
}

func (q *quadraticND) Dim() int { return q.n }

func (q *quadraticND) Func(x []float64) float64 {
	var f float64
	for i := range q.n {
		for j := range q.n {
			f += x[i] * q.a.At(i, j) * x[j]
		}
	}
	return f/2 + q.shift
}

func (q *quadraticND) Grad(dst, x []float64) {
	if len(dst) != q.n || len(x) != q.n {
		panic("landscapes: dimension mismatch")
	}
	for i := range q.n {
		var s float64
		for j := range q.n {
			s += q.a.At(i, j) * x[j]
		}
		dst[i] = s
	}
}

func (q *quadraticND) Hess(dst *mat.SymDense, _ []float64) { dst.CopySym(q.a) }

// rosenbrockND is Σᵢ b(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², whose Hessian is tridiagonal.
type rosenbrockND struct {
	n int
	b float64
}

func (r *rosenbrockND) Dim() int { return r.n }

func (r *rosenbrockND) Func(x []float64) float64 {
	var f float64
	for i := 0; i < r.n-1; i++ {
		d := x[i+1] - x[i]*x[i]
		f += r.b*d*d + (1-x[i])*(1-x[i])
	}
	return f
}

func (r *rosenbrockND) Grad(dst, x []float64) {
	if len(dst) != r.n || len(x) != r.n {
		panic("landscapes: dimension mismatch")
	}
	clear(dst)
	for i := 0; i < r.n-1; i++ {
		d := x[i+1] - x[i]*x[i]
		dst[i] += -4*r.b*x[i]*d - 2*(1-x[i])
		dst[i+1] += 2 * r.b * d
	}
}

func (r *rosenbrockND) Hess(dst *mat.SymDense, x []float64) {
	for i := range r.n {
		for j := i; j < r.n; j++ {
			dst.SetSym(i, j, 0)
		}
	}
	for i := 0; i < r.n-1; i++ {
		dst.SetSym(i, i, dst.At(i, i)+12*r.b*x[i]*x[i]-4*r.b*x[i+1]+2)
		dst.SetSym(i+1, i+1, dst.At(i+1, i+1)+2*r.b)
		dst.SetSym(i, i+1, -4*r.b*x[i])
	}
}

// monteCarloBlur estimates f_s(p) = E[f(p + s z)], z ~ N(0, I), by the mean
// over BlurSamples fixed points ±zⱼ (common random numbers: the same zⱼ at
// every p, so the estimate is itself a smooth function, and its gradient and
// Hessian are the means of the base surface's).
type monteCarloBlur struct {
	base Surface
	z    [][]float64 // s·zⱼ
	p    []float64   // scratch point
	g    []float64   // scratch gradient
	h    *mat.SymDense
}

func newMonteCarloBlur(base Surface, s float64) *monteCarloBlur {
	n := base.Dim()
	rng := rand.New(rand.NewPCG(20140601, 1)) // fixed: the blurred surface is part of the spec, not of a run
	b := &monteCarloBlur{base: base, p: make([]float64, n), g: make([]float64, n), h: mat.NewSymDense(n, nil)}
	for range BlurSamples / 2 {
		z := make([]float64, n)
		m := make([]float64, n)
		for i := range z {
			z[i] = s * rng.NormFloat64()
			m[i] = -z[i]
		}
		b.z = append(b.z, z, m)
	}
	return b
}

func (b *monteCarloBlur) Dim() int { return b.base.Dim() }

func (b *monteCarloBlur) at(x, z []float64) []float64 {
	for i := range x {
		b.p[i] = x[i] + z[i]
	}
	return b.p
}

func (b *monteCarloBlur) Func(x []float64) float64 {
	var f float64
	for _, z := range b.z {
		f += b.base.Func(b.at(x, z))
	}
	return f / float64(len(b.z))
}

func (b *monteCarloBlur) Grad(dst, x []float64) {
	clear(dst)
	for _, z := range b.z {
		b.base.Grad(b.g, b.at(x, z))
		for i, gi := range b.g {
			dst[i] += gi
		}
	}
	for i := range dst {
		dst[i] /= float64(len(b.z))
	}
}

func (b *monteCarloBlur) Hess(dst *mat.SymDense, x []float64) {
	dst.Zero()
	for _, z := range b.z {
		b.base.Hess(b.h, b.at(x, z))
		dst.AddSym(dst, b.h)
	}
	dst.ScaleSym(1/float64(len(b.z)), dst)
}
