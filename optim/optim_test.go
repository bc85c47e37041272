package optim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/saddle-viz/saddle/spec"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

func build(t *testing.T, surface string) *landscapes.Landscape {
	t.Helper()
	l, err := landscapes.Build(surface)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func start(t *testing.T, l *landscapes.Landscape, opt string, x0 []float64) *Run {
	t.Helper()
	r, err := Start(l, opt, x0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// quadA is A of `quadratic` at its defaults (kappa 25, angle 30°), written
// out from the spec: A = R diag(1, 25) Rᵀ.
func quadA() (axx, axy, ayy float64) {
	c, s := math.Cos(math.Pi/6), math.Sin(math.Pi/6)
	return c*c + 25*s*s, -24 * c * s, s*s + 25*c*c
}

func quadGrad(x []float64) []float64 {
	axx, axy, ayy := quadA()
	return []float64{axx*x[0] + axy*x[1], axy*x[0] + ayy*x[1]}
}

// reference holds each optimizer's update written directly from the table of
// docs/spec/optimizers.md in vector form, independently of the implementation: the
// "hand computation" that the first three steps are checked against.
var reference = map[string]func() func(x, g []float64, t int){
	"gd": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			for i := range x {
				x[i] -= 0.01 * g[i]
			}
		}
	},
	"sgd:lr=0.05,momentum=0.8,dampening=0.1,weight_decay=0.2": func() func(x, g []float64, t int) {
		b := make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				gi := g[i] + 0.2*x[i]
				if t == 1 {
					b[i] = gi
				} else {
					b[i] = 0.8*b[i] + 0.9*gi
				}
				x[i] -= 0.05 * b[i]
			}
		}
	},
	"momentum": func() func(x, g []float64, t int) {
		b := make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				if t == 1 {
					b[i] = g[i]
				} else {
					b[i] = 0.9*b[i] + g[i]
				}
				x[i] -= 0.01 * b[i]
			}
		}
	},
	"nesterov": func() func(x, g []float64, t int) {
		b := make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				if t == 1 {
					b[i] = g[i]
				} else {
					b[i] = 0.9*b[i] + g[i]
				}
				x[i] -= 0.01 * (g[i] + 0.9*b[i])
			}
		}
	},
	"adagrad:lr_decay=0.1,initial_accumulator_value=0.5": func() func(x, g []float64, t int) {
		s := []float64{0.5, 0.5}
		return func(x, g []float64, t int) {
			gamma := 0.01 / (1 + float64(t-1)*0.1)
			for i := range x {
				s[i] += g[i] * g[i]
				x[i] -= gamma * g[i] / (math.Sqrt(s[i]) + 1e-10)
			}
		}
	},
	"rmsprop": func() func(x, g []float64, t int) {
		v := make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				v[i] = 0.99*v[i] + 0.01*g[i]*g[i]
				x[i] -= 0.01 * g[i] / (math.Sqrt(v[i]) + 1e-8)
			}
		}
	},
	"rmsprop:centered=true,momentum=0.5,weight_decay=0.1": func() func(x, g []float64, t int) {
		v, m, b := make([]float64, 2), make([]float64, 2), make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				gi := g[i] + 0.1*x[i]
				v[i] = 0.99*v[i] + 0.01*gi*gi
				m[i] = 0.99*m[i] + 0.01*gi
				b[i] = 0.5*b[i] + gi/(math.Sqrt(v[i]-m[i]*m[i])+1e-8)
				x[i] -= 0.01 * b[i]
			}
		}
	},
	"adam:lr=0.1,weight_decay=0.05": func() func(x, g []float64, t int) {
		m, v := make([]float64, 2), make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				gi := g[i] + 0.05*x[i]
				m[i] = 0.9*m[i] + 0.1*gi
				v[i] = 0.999*v[i] + 0.001*gi*gi
				mh := m[i] / (1 - math.Pow(0.9, float64(t)))
				vh := v[i] / (1 - math.Pow(0.999, float64(t)))
				x[i] -= 0.1 * mh / (math.Sqrt(vh) + 1e-8)
			}
		}
	},
	"adamw:lr=0.1": func() func(x, g []float64, t int) {
		m, v := make([]float64, 2), make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				x[i] *= 1 - 0.1*0.01
				m[i] = 0.9*m[i] + 0.1*g[i]
				v[i] = 0.999*v[i] + 0.001*g[i]*g[i]
				mh := m[i] / (1 - math.Pow(0.9, float64(t)))
				vh := v[i] / (1 - math.Pow(0.999, float64(t)))
				x[i] -= 0.1 * mh / (math.Sqrt(vh) + 1e-8)
			}
		}
	},
	"adadelta": func() func(x, g []float64, t int) {
		v, u := make([]float64, 2), make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				v[i] = 0.9*v[i] + 0.1*g[i]*g[i]
				d := math.Sqrt(u[i]+1e-6) / math.Sqrt(v[i]+1e-6) * g[i]
				u[i] = 0.9*u[i] + 0.1*d*d
				x[i] -= d
			}
		}
	},
	"rprop:lr=0.5": func() func(x, g []float64, t int) {
		eta, prev := []float64{0.5, 0.5}, make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				gi := g[i]
				f := 1.0
				if gi*prev[i] > 0 {
					f = 1.2
				} else if gi*prev[i] < 0 {
					f, gi = 0.5, 0
				}
				eta[i] = math.Min(math.Max(eta[i]*f, 1e-6), 50)
				x[i] -= eta[i] * sign(gi)
				prev[i] = gi
			}
		}
	},
	"delta-bar-delta:lr=0.02,kappa=0.01": func() func(x, g []float64, t int) {
		eps, bar := []float64{0.02, 0.02}, make([]float64, 2)
		return func(x, g []float64, t int) {
			for i := range x {
				if bar[i]*g[i] > 0 {
					eps[i] += 0.01
				} else if bar[i]*g[i] < 0 {
					eps[i] *= 0.9
				}
				bar[i] = 0.3*g[i] + 0.7*bar[i]
				x[i] -= eps[i] * g[i]
			}
		}
	},
	"sgd:lr=0.01,clip_norm=1": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			c := math.Min(1, 1/(math.Hypot(g[0], g[1])+1e-6))
			for i := range x {
				x[i] -= 0.01 * c * g[i]
			}
		}
	},
	"gd:lr=0.01,clip_value=2": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			for i := range x {
				x[i] -= 0.01 * math.Max(-2, math.Min(2, g[i]))
			}
		}
	},
	"gd:lr=0.01,schedule=step,step_size=2,gamma=0.3": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			lr := 0.01 * math.Pow(0.3, float64((t-1)/2))
			for i := range x {
				x[i] -= lr * g[i]
			}
		}
	},
	"gd:lr=0.01,schedule=linear,total_iters=2,end_factor=0.5": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			lr := 0.01 * (1 + (0.5-1)*math.Min(float64(t-1), 2)/2)
			for i := range x {
				x[i] -= lr * g[i]
			}
		}
	},
	"gd:lr=0.01,schedule=cosine,t_max=2,eta_min=0.001": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			lr := 0.001 + (0.01-0.001)*(1+math.Cos(math.Pi*math.Min(float64(t-1), 2)/2))/2
			for i := range x {
				x[i] -= lr * g[i]
			}
		}
	},
	"gd:lr=0.01,schedule=exponential": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			lr := 0.01 * math.Pow(0.99, float64(t-1))
			for i := range x {
				x[i] -= lr * g[i]
			}
		}
	},
	"gd:lr=0.01,schedule=inverse,decay=0.5": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			lr := 0.01 / (1 + 0.5*float64(t-1))
			for i := range x {
				x[i] -= lr * g[i]
			}
		}
	},
	"coordinate-descent:mode=gradient": func() func(x, g []float64, t int) {
		return func(x, g []float64, t int) {
			i := (t - 1) % 2
			x[i] -= 0.1 * g[i]
		}
	},
}

func TestFirstThreeStepsOnQuadraticMatchTheSpec(t *testing.T) {
	l := build(t, "quadratic")
	for spec, newRef := range reference {
		t.Run(spec, func(t *testing.T) {
			r := start(t, l, spec, []float64{-2.5, 1.5})
			ref := newRef()
			want := []float64{-2.5, 1.5}
			for step := 1; step <= 3; step++ {
				ref(want, quadGrad(want), step)
				r.Step()
				if !floats.EqualApprox(r.X, want, 1e-13) {
					t.Fatalf("step %d: x = %v, the spec's formula gives %v", step, r.X, want)
				}
			}
			if r.Evals() != 3 {
				t.Errorf("evaluations after 3 steps = %d, want 3", r.Evals())
			}
		})
	}
}

func TestEveryFirstOrderOptimizerHasAReferenceTest(t *testing.T) {
	for _, in := range Optimizers() {
		if in.Family != "first order" {
			continue
		}
		found := false
		for spec := range reference {
			if spec == in.Name || strings.HasPrefix(spec, in.Name+":") {
				found = true
			}
		}
		if !found && in.Name != "nesterov-lookahead" { // tested with its look-ahead point below
			t.Errorf("%s has no hand-computed first steps", in.Name)
		}
	}
}

func TestNesterovLookaheadEvaluatesAtTheLookAheadPoint(t *testing.T) {
	l := build(t, "quadratic")
	r := start(t, l, "nesterov-lookahead:lr=0.02,momentum=0.5", []float64{-2.5, 1.5})
	x, v := []float64{-2.5, 1.5}, []float64{0, 0}
	for step := 1; step <= 3; step++ {
		la := []float64{x[0] + 0.5*v[0], x[1] + 0.5*v[1]}
		g := quadGrad(la)
		for i := range x {
			v[i] = 0.5*v[i] - 0.02*g[i]
			x[i] += v[i]
		}
		r.Step()
		if !floats.EqualApprox(r.Last.LookAhead, la, 1e-14) || !floats.EqualApprox(r.X, x, 1e-14) {
			t.Fatalf("step %d: look-ahead %v and x %v, want %v and %v", step, r.Last.LookAhead, r.X, la, x)
		}
	}
}

func TestSecondOrderFirstSteps(t *testing.T) {
	l := build(t, "quadratic")
	axx, axy, ayy := quadA()
	x0 := []float64{-2.5, 1.5}
	// (A + dI)⁻¹ g by the 2×2 inverse.
	solve := func(d float64, g []float64) []float64 {
		a, b, c := axx+d, axy, ayy+d
		det := a*c - b*b
		return []float64{(c*g[0] - b*g[1]) / det, (a*g[1] - b*g[0]) / det}
	}
	t.Run("newton reaches the minimum of quadratic in one step", func(t *testing.T) {
		r := start(t, l, "newton", x0)
		r.Step()
		if floats.Norm(r.X, 2) > 1e-14 || r.HessEvals() != 1 || r.Evals() != 1 {
			t.Errorf("x = %v after one step (%d evaluations, %d Hessians), want (0, 0), 1, 1", r.X, r.Evals(), r.HessEvals())
		}
	})
	t.Run("damped newton", func(t *testing.T) {
		r := start(t, l, "newton:lr=0.5,damping=2", x0)
		x := append([]float64(nil), x0...)
		for step := 1; step <= 3; step++ {
			floats.AddScaled(x, -0.5, solve(2, quadGrad(x)))
			r.Step()
			if !floats.EqualApprox(r.X, x, 1e-13) {
				t.Fatalf("step %d: x = %v, want %v", step, r.X, x)
			}
		}
	})
	t.Run("saddle-free newton on a convex quadratic is damped newton", func(t *testing.T) {
		r := start(t, l, "saddle-free-newton", x0)
		x := append([]float64(nil), x0...)
		for step := 1; step <= 3; step++ {
			floats.Sub(x, solve(1e-3, quadGrad(x)))
			r.Step()
			if !floats.EqualApprox(r.X, x, 1e-13) {
				t.Fatalf("step %d: x = %v, want %v", step, r.X, x)
			}
		}
	})
	t.Run("levenberg-marquardt", func(t *testing.T) {
		r := start(t, l, "newton:adaptive=true", x0)
		x, lambda := append([]float64(nil), x0...), 1e-3
		f := func(p []float64) float64 { g := quadGrad(p); return (p[0]*g[0] + p[1]*g[1]) / 2 }
		for step := 1; step <= 3; step++ {
			trial := append([]float64(nil), x...)
			floats.Sub(trial, solve(lambda, quadGrad(x)))
			if f(trial) < f(x) {
				x, lambda = trial, lambda/10
			} else {
				lambda *= 10
			}
			r.Step()
			if !floats.EqualApprox(r.X, x, 1e-12) || math.Abs(r.Last.Damping-lambda) > 1e-20 {
				t.Fatalf("step %d: x = %v, damping %g; want %v, %g", step, r.X, r.Last.Damping, x, lambda)
			}
		}
		// One evaluation at the start, then one trial point per step.
		if r.Evals() != 4 {
			t.Errorf("evaluations = %d, want 4", r.Evals())
		}
	})
	t.Run("levenberg-marquardt modifies an indefinite Hessian and refuses an uphill step", func(t *testing.T) {
		// At (0, 0.2) on `saddle` the Hessian is diag(2, −0.88): plain Newton
		// heads for the saddle at the origin. The damping is raised to
		// λ = 0.88 + 1e−3·2, so H + λI = diag(2.882, 0.002) is positive
		// definite and −(H + λI)⁻¹g goes down the negative curvature, away
		// from the saddle; but that step is so long that f rises: it is
		// refused, the iterate stays (a repeated row) and λ grows tenfold.
		// The second step, with λ = 8.82, lowers f and is taken.
		s := build(t, "saddle")
		x0 := []float64{0, 0.2}
		r := start(t, s, "newton:adaptive=true", x0)
		lambda := 0.88 + 1e-3*2
		if !r.Step() || !floats.Equal(r.X, x0) || math.Abs(r.Last.Damping-10*lambda) > 1e-14 || r.Status != Running {
			t.Fatalf("step 1: x = %v, damping %g, %s; want the iterate kept, damping %g, running", r.X, r.Last.Damping, r.Status, 10*lambda)
		}
		g := 0.2*0.2*0.2 - 0.2 // ∂f/∂y = y³ − y
		want := []float64{0, 0.2 - g/(-0.88+10*lambda)}
		r.Step()
		if !floats.EqualApprox(r.X, want, 1e-12) || math.Abs(r.Last.Damping-lambda) > 1e-14 || r.F >= s.Func(x0) {
			t.Errorf("step 2: x = %v (f = %g), damping %g; want %v with f lower, damping %g", r.X, r.F, r.Last.Damping, want, lambda)
		}
	})
	t.Run("coordinate descent minimizes along each axis exactly", func(t *testing.T) {
		r := start(t, l, "coordinate-descent", x0)
		x := append([]float64(nil), x0...)
		for step := 1; step <= 3; step++ {
			i := (step - 1) % 2
			a := []float64{axx, ayy}[i]
			x[i] -= quadGrad(x)[i] / a
			r.Step()
			if !floats.EqualApprox(r.X, x, 1e-10) {
				t.Fatalf("step %d: x = %v, exact coordinate minimization gives %v", step, r.X, x)
			}
			if len(r.Last.Probes) == 0 {
				t.Fatalf("step %d reported no line-search probes", step)
			}
		}
	})
	t.Run("quasi-newton first step searches along -g to a strong Wolfe point", func(t *testing.T) {
		for _, spec := range []string{"bfgs", "lbfgs", "cg", "cg:beta=fr", "cg:beta=hs", "cg:beta=dy"} {
			r := start(t, l, spec, x0)
			r.Step()
			g0 := quadGrad(x0)
			d := []float64{r.X[0] - x0[0], r.X[1] - x0[1]}
			cross := d[0]*g0[1] - d[1]*g0[0]
			g1 := quadGrad(r.X)
			dg0, dg1 := floats.Dot(d, g0), floats.Dot(d, g1)
			if math.Abs(cross) > 1e-9*floats.Norm(d, 2)*floats.Norm(g0, 2) || dg0 >= 0 {
				t.Errorf("%s: first step %v is not along -g %v", spec, d, g0)
			}
			if r.F > 82.22114317029975+1e-4*dg0 || math.Abs(dg1) > 0.9*math.Abs(dg0) {
				t.Errorf("%s: first step violates the strong Wolfe conditions", spec)
			}
			if want := 1 + len(r.Last.Probes); r.Evals() != want {
				t.Errorf("%s: %d evaluations, want 1 at the start + %d probes", spec, r.Evals(), len(r.Last.Probes))
			}
		}
	})
}

func TestConjugateGradientsFinishInAsManyStepsAsDistinctEigenvalues(t *testing.T) {
	for _, k := range []int{1, 2, 3, 5} {
		for _, beta := range []string{"pr", "fr", "hs", "dy"} {
			l := build(t, "quadratic-nd:n=12,kappa=30,basis=3,distinct="+itoa(k))
			r := start(t, l, "cg:beta="+beta, l.Start())
			g0 := r.GNorm
			for r.GNorm > 1e-9*g0 && r.Step() {
			}
			if r.GNorm > 1e-9*g0 || r.Iter > k {
				t.Errorf("cg:beta=%s with %d distinct eigenvalues: |g| = %g after %d iterations, want ≤ %g within %d", beta, k, r.GNorm, r.Iter, 1e-9*g0, k)
			}
		}
	}
}

func itoa(k int) string { return spec.Format(float64(k)) }

func TestQuasiNewtonOnRosenbrock(t *testing.T) {
	l := build(t, "rosenbrock")
	for _, spec := range []string{"bfgs", "lbfgs", "cg", "lbfgs:memory=3", "newton", "newton:adaptive=true", "saddle-free-newton"} {
		r := start(t, l, spec, []float64{-1.2, 1})
		for r.GNorm >= 1e-6 && r.Iter < 500 && r.Step() {
		}
		if r.GNorm >= 1e-6 || floats.Distance(r.X, []float64{1, 1}, 2) > 1e-5 {
			t.Errorf("%s: |g| = %g at %v after %d iterations (%s %s)", spec, r.GNorm, r.X, r.Iter, r.Status, r.Reason)
		}
		t.Logf("%-22s %3d iterations, %3d evaluations, %3d Hessians", spec, r.Iter, r.Evals(), r.HessEvals())
	}
}

func TestLineSearchMethodStopsAsConverged(t *testing.T) {
	r := start(t, build(t, "quadratic"), "bfgs", []float64{-2.5, 1.5})
	for r.Step() {
		if r.Iter > 100 {
			t.Fatal("bfgs did not stop on a quadratic within 100 iterations")
		}
	}
	if r.Status != Converged || r.GNorm > 1e-8 {
		t.Errorf("status %s (%s), |g| = %g; want converged", r.Status, r.Reason, r.GNorm)
	}
}

func TestNewtonIsAttractedToTheSaddle(t *testing.T) {
	l := build(t, "saddle")
	x0 := []float64{1.5, 0.3}
	newton := start(t, l, "newton", x0)
	for range 30 {
		newton.Step()
	}
	if floats.Norm(newton.X, 2) > 1e-10 {
		t.Errorf("newton ends at %v, want the saddle (0, 0)", newton.X)
	}
	for _, spec := range []string{"saddle-free-newton", "gd:lr=0.1"} {
		r := start(t, l, spec, x0)
		for range 300 {
			r.Step()
		}
		if math.Abs(math.Abs(r.X[1])-1) > 1e-3 || math.Abs(r.X[0]) > 1e-3 {
			t.Errorf("%s ends at %v, want a minimum (0, ±1)", spec, r.X)
		}
	}
}

func TestDivergenceIsReported(t *testing.T) {
	l := build(t, "rosenbrock")
	r := start(t, l, "gd:lr=0.1", []float64{-1.2, 1})
	for r.Step() {
	}
	if r.Status != Diverged || !strings.Contains(r.Reason, "non-finite") && !strings.Contains(r.Reason, "Inf") {
		t.Fatalf("status %s (%s), want diverged", r.Status, r.Reason)
	}
	if math.IsInf(r.F, 0) || math.IsNaN(r.F) || r.Iter == 0 {
		t.Errorf("the last recorded iterate must be finite: f = %g at iteration %d", r.F, r.Iter)
	}
}

func TestSingularNewtonIsRefused(t *testing.T) {
	// On the symmetry surface the Hessian [[2y², 4xy − 2], [4xy − 2, 2x²]] is
	// singular where xy = 1/3, and the gradient 2(xy − 1)(y, x) is not zero.
	r := start(t, build(t, "symmetry"), "newton", []float64{1.0 / 3, 1})
	if r.Step() || r.Status != Refused || !strings.Contains(r.Reason, "singular") {
		t.Errorf("status %s (%s), want refused as singular", r.Status, r.Reason)
	}
}

func TestNaturalGradient(t *testing.T) {
	// On a plain surface it is refused before anything runs.
	_, err := Start(build(t, "rosenbrock"), "natural-gradient", []float64{0, 0}, 1)
	var se *spec.Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "Fisher") || se.Problems[0].Field != "name" {
		t.Errorf("on a plain surface: %v; want a spec error about the Fisher", err)
	}
	// On logistic regression the Fisher of the Bernoulli model equals the
	// Hessian, so one undamped natural-gradient step is one Newton step.
	m := &logistic{xs: []float64{-2, -1, 0.5, 1, 3}, ys: []float64{0, 1, 0, 1, 1}}
	land := &landscapes.Landscape{Surface: m, Info: &landscapes.Info{Name: "logistic"}}
	ng := start(t, land, "natural-gradient:damping=0,adaptive=false", []float64{0.3, -0.2})
	nt := start(t, land, "newton", []float64{0.3, -0.2})
	for range 3 {
		ng.Step()
		nt.Step()
		if !floats.EqualApprox(ng.X, nt.X, 1e-12) {
			t.Fatalf("natural gradient %v, newton %v", ng.X, nt.X)
		}
	}
}

// logistic is the mean negative log-likelihood of logistic regression
// p(y=1|x) = σ(wx + b), a model with a Fisher information matrix.
type logistic struct{ xs, ys []float64 }

func (m *logistic) Dim() int { return 2 }
func (m *logistic) each(w []float64, fn func(x, y, p float64)) {
	for i, x := range m.xs {
		fn(x, m.ys[i], 1/(1+math.Exp(-(w[0]*x+w[1]))))
	}
}
func (m *logistic) Func(w []float64) float64 {
	var f float64
	m.each(w, func(x, y, p float64) { f -= y*math.Log(p) + (1-y)*math.Log(1-p) })
	return f / float64(len(m.xs))
}
func (m *logistic) Grad(dst, w []float64) {
	clear(dst)
	m.each(w, func(x, y, p float64) { dst[0] += (p - y) * x; dst[1] += p - y })
	floats.Scale(1/float64(len(m.xs)), dst)
}
func (m *logistic) Hess(dst *mat.SymDense, w []float64) { m.Fisher(dst, w) }
func (m *logistic) Fisher(dst *mat.SymDense, w []float64) {
	var a, b, c float64
	m.each(w, func(x, _, p float64) { v := p * (1 - p); a += v * x * x; b += v * x; c += v })
	n := float64(len(m.xs))
	dst.SetSym(0, 0, a/n)
	dst.SetSym(0, 1, b/n)
	dst.SetSym(1, 1, c/n)
}

func TestNoiseIsSeeded(t *testing.T) {
	l := build(t, "rosenbrock:noise=5")
	trajectory := func(seed uint64) []float64 {
		r, _ := Start(l, "adam:lr=0.05", []float64{-1.2, 1}, seed)
		var xs []float64
		for range 50 {
			r.Step()
			xs = append(xs, r.X...)
		}
		return xs
	}
	a, b, c := trajectory(7), trajectory(7), trajectory(8)
	if !floats.Equal(a, b) {
		t.Error("the same seed gave different trajectories")
	}
	if floats.Equal(a, c) {
		t.Error("different seeds gave the same trajectory")
	}
}

func TestPanicInARunIsReportedAsFailure(t *testing.T) {
	land := &landscapes.Landscape{Surface: panicky{new(int)}, Info: &landscapes.Info{Name: "panicky"}}
	r, err := Start(land, "adam", []float64{1, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Step() || r.Status != Failed || !strings.Contains(r.Reason, "boom") || r.Iter != 0 {
		t.Errorf("status %s (%s), want failed with the panic's message", r.Status, r.Reason)
	}
}

// panicky panics in its third gradient: inside the first step's record of
// the new iterate, after the start and the step's own evaluation.
type panicky struct{ calls *int }

func (panicky) Dim() int                 { return 2 }
func (panicky) Func(x []float64) float64 { return x[0] }
func (p panicky) Grad(dst, x []float64) {
	if *p.calls++; *p.calls == 3 {
		panic("boom")
	}
	dst[0], dst[1] = 1, 0
}
func (panicky) Hess(*mat.SymDense, []float64) {}

func TestBadSpecs(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"adamm", `unknown optimizer "adamm"; accepted: `},
		{"adam:lr=-1", "lr takes a number in [0, 100]"},
		{"adam:beta1=1", "beta1 takes a number in [0, 0.999999]"},
		{"adam:foo=1", `adam has no parameter "foo"; accepted: lr, beta1, beta2, eps, weight_decay, clip_norm`},
		{"sgd:nesterov=true", "nesterov=true needs momentum > 0 and dampening = 0"},
		{"sgd:nesterov=true,momentum=0.9,dampening=0.1", "nesterov=true needs momentum > 0 and dampening = 0"},
		{"adam:gamma=0.3", "gamma belongs to schedule=step or exponential; this spec has schedule=constant"},
		{"adam:schedule=linear,t_max=3", "t_max belongs to schedule=cosine"},
		{"adam:schedule=warp", "schedule takes one of constant, step, exponential, linear, inverse, cosine"},
		{"bfgs:clip_norm=1", `bfgs has no parameter "clip_norm"; accepted: batch, online, init_seed, residual, aux, aux_weight, batchnorm, act, cell, gain, forget_bias, blur_from, blur_steps, average, ema_decay, grad_bias, grad_bias_angle, grad_bias_drift`},
		{"cg:beta=xx", "beta takes one of pr, fr, hs, dy"},
		{"rprop:step_min=2,step_max=1", "step_min must not exceed step_max"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v; want an error containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestFirstOrderStepsAllocateNothing(t *testing.T) {
	l := build(t, "rosenbrock")
	for _, in := range Optimizers() {
		if in.Family != "first order" {
			continue
		}
		r := start(t, l, in.Name, []float64{-1.2, 1})
		if allocs := testing.AllocsPerRun(100, func() { r.Step() }); allocs != 0 {
			t.Errorf("%s: %v allocations per step, want 0", in.Name, allocs)
		}
	}
}

// FuzzBuild feeds arbitrary optimizer specs through Start and a few steps:
// a spec is either refused with a spec.Error or runs without a panic.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{"adam:lr=0.1", "sgd:momentum=0.9,nesterov=true", "cg:beta=dy,restart=3", "newton:adaptive=1", "gd:schedule=cosine,t_max=5", "rprop:step_min=0"} {
		f.Add(s)
	}
	land, _ := landscapes.Build("rosenbrock")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Start(land, text, []float64{-1.2, 1}, 1)
		if err != nil {
			if _, ok := err.(*spec.Error); !ok {
				t.Fatalf("Start(%q) returned %T, want *spec.Error", text, err)
			}
			return
		}
		for range 5 {
			r.Step()
		}
		if r.Status == Failed {
			t.Fatalf("%q failed: %s", text, r.Reason)
		}
	})
}

func TestEveryOptimizerHasAFormula(t *testing.T) {
	for _, in := range Optimizers() {
		if f := in.Formula(); f.Rule == "" {
			t.Errorf("%s has no update rule", in.Name)
		}
	}
}

func TestContinuationFollowsTheBlurSchedule(t *testing.T) {
	land := build(t, "rastrigin")
	r := start(t, land, "gd:lr=0.001,blur_from=1,blur_steps=4", []float64{2.2, -1.3})
	x := []float64{2.2, -1.3}
	for step := 1; step <= 6; step++ {
		s := math.Max(0, 1-float64(step-1)/4)
		blurred := build(t, "rastrigin:blur="+spec.Format(s))
		g := make([]float64, 2)
		blurred.Grad(g, x)
		x[0] -= 0.001 * g[0]
		x[1] -= 0.001 * g[1]
		r.Step()
		if r.Blur != s || !floats.EqualApprox(r.X, x, 1e-14) {
			t.Fatalf("step %d: blur %g, x %v; want blur %g, x %v", step, r.Blur, r.X, s, x)
		}
		// The recorded f is the target's, unblurred.
		if r.F != land.Func(r.X) {
			t.Fatalf("step %d: f = %g is not the unblurred value %g", step, r.F, land.Func(r.X))
		}
	}
	// On a surface without a closed-form blur the schedule uses the Monte-Carlo blur.
	mc := start(t, build(t, "himmelblau"), "gd:lr=0.001,blur_from=0.5,blur_steps=3", []float64{1, 1})
	mc.Step()
	want := build(t, "himmelblau:blur=0.5")
	g := make([]float64, 2)
	want.Grad(g, []float64{1, 1})
	if !floats.EqualApprox(mc.X, []float64{1 - 0.001*g[0], 1 - 0.001*g[1]}, 1e-14) {
		t.Errorf("Monte-Carlo continuation step %v, want the blurred gradient step", mc.X)
	}
}

func TestMinibatchesAreDealtFromTheRunSeed(t *testing.T) {
	land := build(t, "linreg:n=40,batch=8")
	r := start(t, land, "sgd:lr=0.1", []float64{3.5, 1.5})
	// The oracle's generator: the first minibatch is the first 8 of its
	// permutation of the 40 examples.
	rng := rand.New(rand.NewPCG(1, 0x5add1e))
	perm := rng.Perm(40)
	reg := land.Surface.(*nets.Regression)
	g := make([]float64, 2)
	reg.BatchGrad(g, []float64{3.5, 1.5}, perm[:8])
	r.Step()
	if want := []float64{3.5 - 0.1*g[0], 1.5 - 0.1*g[1]}; !floats.EqualApprox(r.X, want, 1e-15) {
		t.Errorf("first minibatch step %v, want %v", r.X, want)
	}
	full := make([]float64, 2)
	reg.Grad(full, []float64{3.5, 1.5})
	if floats.EqualApprox(g, full, 1e-9) {
		t.Error("the minibatch gradient equals the full one: no minibatch was used")
	}
	// Line-search methods keep the full batch.
	b := start(t, land, "bfgs", []float64{3.5, 1.5})
	for range 20 {
		b.Step()
	}
	if b.GNorm > 1e-8 {
		t.Errorf("bfgs on the full batch ends with |g| = %g", b.GNorm)
	}
}

func TestLogisticRegressionNewtonMatchesGonumBFGS(t *testing.T) {
	land := build(t, "logreg:n=200,spread=1")
	r := start(t, land, "newton", []float64{0, 0})
	for range 30 {
		r.Step()
	}
	res, err := optimize.Minimize(optimize.Problem{Func: land.Func, Grad: land.Grad}, []float64{0, 0}, &optimize.Settings{GradientThreshold: 1e-8}, &optimize.BFGS{})
	if err != nil {
		t.Fatal(err)
	}
	if !floats.EqualApprox(r.X, res.X, 1e-6) {
		t.Errorf("Newton ends at %v, gonum's BFGS at %v", r.X, res.X)
	}
	// And natural gradient, whose Fisher is the Hessian here, matches Newton.
	ng := start(t, land, "natural-gradient:damping=0", []float64{0, 0})
	for range 30 {
		ng.Step()
	}
	if !floats.EqualApprox(ng.X, r.X, 1e-10) {
		t.Errorf("natural gradient ends at %v, Newton at %v", ng.X, r.X)
	}
}

// recorder is a finite sum of n examples that records the minibatches it
// is asked for; its easy-first order is n−1, n−2, …, 0.
type recorder struct {
	n       int
	batches [][]int
}

func (r *recorder) Dim() int                            { return 2 }
func (r *recorder) Func(x []float64) float64            { return x[0]*x[0] + x[1]*x[1] }
func (r *recorder) Grad(dst, x []float64)               { dst[0], dst[1] = 2*x[0], 2*x[1] }
func (r *recorder) Hess(dst *mat.SymDense, _ []float64) {}
func (r *recorder) Examples() int                       { return r.n }
func (r *recorder) BatchSize() int                      { return 8 }
func (r *recorder) BatchGrad(dst, x []float64, batch []int) float64 {
	r.batches = append(r.batches, append([]int(nil), batch...))
	r.Grad(dst, x)
	return r.Func(x)
}
func (r *recorder) EasyFirst() []int {
	order := make([]int, r.n)
	for i := range order {
		order[i] = r.n - 1 - i
	}
	return order
}

func TestCurriculumDrawsTheEasiestFirst(t *testing.T) {
	rec := &recorder{n: 80}
	land := &landscapes.Landscape{Surface: rec, Info: &landscapes.Info{Name: "recorder"}}
	r := start(t, land, "sgd:lr=0.01,curriculum=10", []float64{1, 1})
	for range 12 {
		r.Step()
	}
	for step, batch := range rec.batches {
		t1 := step + 1
		pool := 80
		if t1 <= 10 {
			pool = int(math.Ceil(80 * math.Min(1, 0.2+0.8*float64(t1-1)/10)))
		}
		seen := map[int]bool{}
		for _, p := range batch {
			// The easiest k examples are positions 79, 78, …, 80 − k.
			if p < 80-pool || seen[p] {
				t.Fatalf("step %d: position %d drawn from a pool of the easiest %d (batch %v)", t1, p, pool, batch)
			}
			seen[p] = true
		}
	}
	if len(rec.batches) != 12 {
		t.Errorf("%d minibatches for 12 steps", len(rec.batches))
	}
	// Without the key, the first batch comes from every example.
	rec2 := &recorder{n: 80}
	r2 := start(t, &landscapes.Landscape{Surface: rec2, Info: &landscapes.Info{Name: "recorder"}}, "sgd:lr=0.01", []float64{1, 1})
	r2.Step()
	low := false
	for _, p := range rec2.batches[0] {
		low = low || p < 64
	}
	if !low {
		t.Errorf("without a curriculum the first batch %v looks drawn from the easiest", rec2.batches[0])
	}
}

func TestEasyFirstOrdersByDistanceToTheOtherClass(t *testing.T) {
	d := &nets.Dataset{Name: "line", D: 1, X: []float64{-3, -1, -0.2, 0.2, 1, 3}, Y: []int{0, 0, 0, 1, 1, 1}, Classes: 2}
	order := d.EasyFirst([]int{0, 1, 2, 3, 4, 5})
	// −3 and 3 are farthest from the other class; −0.2 and 0.2 nearest.
	if order[0] != 0 && order[0] != 5 || order[5] != 2 && order[5] != 3 {
		t.Errorf("easy-first order %v", order)
	}
}

func TestContinuationOnANetworkPerturbsTheWeights(t *testing.T) {
	land := build(t, "deeplinear:n=40,batch=0")
	x0 := land.Start()
	r := start(t, land, "gd:lr=0.05,blur_from=0.5,blur_steps=10", x0)
	r.Step()
	rng := rand.New(rand.NewPCG(1, 0xb1e2))
	p := make([]float64, len(x0))
	for i, v := range x0 {
		p[i] = v + 0.5*rng.NormFloat64()
	}
	g := make([]float64, len(x0))
	land.Grad(g, p)
	want := append([]float64(nil), x0...)
	floats.AddScaled(want, -0.05, g)
	if !floats.EqualApprox(r.X, want, 1e-14) {
		t.Error("the first continuation step is not a gradient step at the perturbed weights")
	}
	if r.F != land.Func(r.X) {
		t.Error("the recorded loss is not the unperturbed one")
	}
	// A network's landscape is not blurred as a whole.
	if _, err := landscapes.Build("mlp:blur=0.5"); err == nil || !strings.Contains(err.Error(), "blur_from") {
		t.Errorf("mlp:blur=0.5 gave %v; want a refusal pointing at blur_from", err)
	}
}

func TestGreedyLayerWisePretraining(t *testing.T) {
	land := build(t, "mlp:data=moons,n=80,h1=5,h2=4,batch=16")
	m := land.Surface.(*nets.Objective).Model.(*nets.MLP)
	x0 := land.Start()
	r := start(t, land, "adam:lr=0.02,pretrain=10", x0)
	l1 := layerEnd(m, 1)
	l2 := layerEnd(m, 2)
	for range 10 { // stage 1: only layer 1 moves
		r.Step()
	}
	if floats.Equal(r.X[:l1], x0[:l1]) || !floats.Equal(r.X[l1:], x0[l1:]) {
		t.Fatal("stage 1 must train layer 1 and leave the layers above at their initial values")
	}
	for range 10 { // stage 2: layers 1 and 2
		r.Step()
	}
	if floats.Equal(r.X[l1:l2], x0[l1:l2]) || !floats.Equal(r.X[l2:], x0[l2:]) {
		t.Fatal("stage 2 must train layer 2 and leave the output layer")
	}
	r.Step() // fine-tuning starts with the last stage's output layer
	if floats.Equal(r.X[l2:], x0[l2:]) {
		t.Fatal("fine-tuning did not take the last stage's output layer")
	}
	if r.Evals() != 21 {
		t.Errorf("%d evaluations after 21 steps", r.Evals())
	}
	// A surface has no layers.
	s := start(t, build(t, "rosenbrock"), "adam:pretrain=5", []float64{0, 0})
	if s.Status != Refused || !strings.Contains(s.Reason, "hidden layers") {
		t.Errorf("pretraining on a surface: %s %q", s.Status, s.Reason)
	}
}

// Plain Newton seeks any stationary point and, on Beale's function from its
// default start, ends at the saddle (0, 1); adaptive Newton keeps H + λI
// positive definite and reaches the minimum (3, 0.5), as SciPy's
// trust-exact does (measured: (2.999998, 0.4999996) in 6 iterations).
// Every method reports convergence by the same rule, Newton included.
func TestAdaptiveNewtonIsNotAttractedToSaddles(t *testing.T) {
	beale := build(t, "beale")
	run := func(spec string) *Run {
		r := start(t, beale, spec, []float64{1, 1.5})
		for r.Iter < 200 && r.Step() {
		}
		return r
	}
	plain := run("newton")
	eig, _ := landscapes.Eigen(beale, plain.X, nil)
	if !floats.EqualApprox(plain.X, []float64{0, 1}, 1e-9) || eig[0] > -27 || plain.Status != Converged {
		t.Errorf("plain newton ended %s at %v with eigenvalues %v; want converged at the saddle (0, 1), λ_min ≈ −27.7", plain.Status, plain.X, eig)
	}
	adaptive := run("newton:adaptive=true")
	if !floats.EqualApprox(adaptive.X, []float64{3, 0.5}, 1e-6) || adaptive.Status != Converged || adaptive.Iter > 60 {
		t.Errorf("adaptive newton ended %s (%s) at %v after %d iterations; want converged at the minimum (3, 0.5)", adaptive.Status, adaptive.Reason, adaptive.X, adaptive.Iter)
	}
}

// A method whose iterate has a vanishing gradient stops as converged,
// whatever the method: plain Newton at a saddle as BFGS at a minimum.
func TestEveryMethodConvergesByTheSameRule(t *testing.T) {
	q := build(t, "quadratic")
	for _, spec := range []string{"newton", "bfgs", "gd:lr=0.5", "saddle-free-newton:damping=0"} {
		r := start(t, q, spec, []float64{0, 0})
		if r.Step() || r.Status != Converged || !strings.Contains(r.Reason, "|g| = 0") {
			t.Errorf("%s at the minimum: status %s (%s), want converged by |g| ≤ %g", spec, r.Status, r.Reason, GradTol)
		}
	}
	// With noise the gradient a method sees does not vanish: it goes on.
	noisy := build(t, "quadratic:noise=0.1")
	if r := start(t, noisy, "gd:lr=0.1", []float64{0, 0}); !r.Step() || r.Status != Running {
		t.Errorf("gd on a noisy surface at the minimum: status %s, want running", r.Status)
	}
}

// naturalGradientHolds runs natural gradient at its defaults on a model
// and checks that it does not diverge: every iterate finite and the loss at
// the end below the loss at the start.
func naturalGradientHolds(land *landscapes.Landscape, steps int) error {
	r, err := Start(land, "natural-gradient", land.Start(), 1)
	if err != nil {
		return err
	}
	f0 := r.F
	for r.Iter < steps && r.Step() {
	}
	switch {
	case r.Status == Diverged || r.Status == Failed:
		return fmt.Errorf("%s after %d iterations: %s", r.Status, r.Iter, r.Reason)
	case r.Status == Refused && r.Iter == 0 && strings.Contains(r.Reason, "parameters are accepted"):
		return nil // too large for a dense Fisher: refused, as documented
	case !(r.F < f0):
		return fmt.Errorf("the loss went from %g to %g in %d iterations", f0, r.F, r.Iter)
	}
	return nil
}

func TestNaturalGradientConvergesOnEveryBundledModel(t *testing.T) {
	for _, spec := range []string{
		"logreg", "linreg", "logreg:n=50,spread=0", "mlp", "mlp:data=moons,h1=8,h2=8", "mlp:data=xor", "mlp:data=blobs",
		"mlp:data=circles,act=relu", "mlp:data=moons,act=sigmoid", "mlp:data=moons,act=maxout,h1=8,h2=8", "mlp:data=moons,init=zeros",
		"deeplinear", "rnn", "rnn:steps=30,gain=2.5,hidden=8",
	} {
		if err := naturalGradientHolds(build(t, spec), 60); err != nil {
			t.Errorf("natural-gradient on %s: %v", spec, err)
		}
	}
}

// The modifiers wrap what they modify and compose: pretraining runs the
// racer's own config on each stage, so the landscape's noise and a
// continuation schedule reach the stages as they reach a plain racer.
func TestModifiersCompose(t *testing.T) {
	steps := func(surface, opt string, n int) []float64 {
		r := start(t, build(t, surface), opt, build(t, surface).Start())
		for range n {
			r.Step()
		}
		if r.Status != Running {
			t.Fatalf("%s on %s: %s (%s)", opt, surface, r.Status, r.Reason)
		}
		return append([]float64(nil), r.X...)
	}
	net := "mlp:data=moons,n=80,h1=5,h2=4,batch=16"
	quiet := steps(net, "adam:lr=0.02,pretrain=5", 12)
	if noisy := steps(net+",noise=5", "adam:lr=0.02,pretrain=5", 12); floats.Equal(quiet, noisy) {
		t.Error("pretrain with noise=5 gave the iterates of noise=0: the stages lost the noise")
	}
	if blurred := steps(net, "adam:lr=0.02,pretrain=5,blur_from=0.3,blur_steps=10", 12); floats.Equal(quiet, blurred) {
		t.Error("pretrain with blur_from gave the iterates without it: the stages lost the continuation")
	}
	if clipped := steps(net, "adam:lr=0.02,pretrain=5,clip_norm=0.01", 12); floats.Equal(quiet, clipped) {
		t.Error("pretrain with clip_norm gave the iterates without it: the stages lost the clipping")
	}
	if curr := steps(net, "adam:lr=0.02,pretrain=5,curriculum=10", 12); floats.Equal(quiet, curr) {
		t.Error("pretrain with a curriculum gave the iterates without it")
	}
	// Alone and together, on a plain surface: noise, clipping and a blur
	// schedule each change the path, and all three at once differ from each.
	alone := map[string][]float64{}
	for _, opt := range []string{"sgd:lr=0.001", "sgd:lr=0.001,clip_norm=1", "sgd:lr=0.001,blur_from=0.5,blur_steps=20"} {
		alone[opt] = steps("rosenbrock", opt, 10)
	}
	alone["noise"] = steps("rosenbrock:noise=3", "sgd:lr=0.001", 10)
	all := steps("rosenbrock:noise=3", "sgd:lr=0.001,clip_norm=1,blur_from=0.5,blur_steps=20", 10)
	for name, x := range alone {
		if floats.Equal(x, all) {
			t.Errorf("noise, clipping and continuation together gave the path of %s alone", name)
		}
	}
	if floats.Equal(alone["sgd:lr=0.001"], alone["sgd:lr=0.001,clip_norm=1"]) {
		t.Error("clip_norm=1 did not change sgd's path on rosenbrock")
	}
}

// Clipping is the last wrapper: the optimizer receives clip(∇f + νξ).
func TestClippingAppliesAfterTheNoise(t *testing.T) {
	land := build(t, "quadratic:noise=100")
	r := start(t, land, "gd:lr=1,clip_norm=0.5", []float64{0.1, 0.1})
	r.Step()
	if d := floats.Distance(r.X, []float64{0.1, 0.1}, 2); math.Abs(d-0.5) > 1e-5 {
		t.Errorf("the clipped step has length %g; with noise 100 and clip_norm 0.5 it must be 0.5", d)
	}
}

// A racer's optimizer state is bounded: BFGS's dense inverse Hessian and
// L-BFGS's stored pairs are refused beyond about 8 MB, with the remedy.
func TestQuasiNewtonStateIsBounded(t *testing.T) {
	big := build(t, "quadratic-nd:n=100")
	for spec, want := range map[string]string{"bfgs": "", "lbfgs:memory=1000": ""} {
		if r := start(t, big, spec, big.Start()); r.Status != Running || want != "" {
			t.Errorf("%s on 100 parameters: %s (%s)", spec, r.Status, r.Reason)
		}
	}
	net := build(t, "mlp:data=moons,h1=64,h2=64")
	for spec, want := range map[string]string{"bfgs": "Use lbfgs", "lbfgs:memory=200": "lower memory to 111"} {
		r := start(t, net, spec, net.Start())
		if r.Status != Refused || !strings.Contains(r.Reason, want) {
			t.Errorf("%s on %d parameters: %s (%s); want refused saying %q", spec, net.Dim(), r.Status, r.Reason, want)
		}
	}
}

// A biased gradient leads where the biased field vanishes: on ½ xᵀAx with a
// constant offset b, gradient descent goes to −A⁻¹b, not to the minimum.
func TestBiasedGradientLeadsToTheBiasedPoint(t *testing.T) {
	land := build(t, "quadratic")
	r := start(t, land, "gd:lr=0.02,grad_bias=2,grad_bias_angle=60", land.Start())
	for range 3000 {
		r.Step()
	}
	a := mat.NewSymDense(2, nil)
	land.Hess(a, []float64{0, 0})
	var want mat.VecDense
	b := mat.NewVecDense(2, []float64{2 * math.Cos(math.Pi/3), 2 * math.Sin(math.Pi/3)})
	if err := want.SolveVec(a, b); err != nil {
		t.Fatal(err)
	}
	want.ScaleVec(-1, &want)
	if d := floats.Distance(r.X, want.RawVector().Data, 2); d > 1e-9 {
		t.Errorf("biased gradient descent ends at %v; the biased field vanishes at %v", r.X, want.RawVector().Data)
	}
	// The run's f and ‖g‖ are the surface's own: the bias is what the method sees.
	if g := norm(land, r.X); math.Abs(r.GNorm-g) > 1e-12 || math.Abs(g-2) > 1e-9 {
		t.Errorf("‖∇f‖ at the biased point is %g (run says %g); the offset's length is 2", g, r.GNorm)
	}
	// A drifting bias turns: after 90 evaluations at 1° each it points along x1.
	land = build(t, "quadratic:kappa=1")
	r = start(t, land, "gd:lr=1,grad_bias=1,grad_bias_drift=1", []float64{0, 0})
	for range 90 {
		r.Step()
	}
	if d := floats.Distance(r.X, []float64{-math.Cos(89 * math.Pi / 180), -math.Sin(89 * math.Pi / 180)}, 2); d > 1e-12 {
		t.Errorf("with lr 1 on ½‖x‖² the iterate is −offset of the previous evaluation; got %v", r.X)
	}
}

func norm(land *landscapes.Landscape, x []float64) float64 {
	g := make([]float64, len(x))
	land.Grad(g, x)
	return floats.Norm(g, 2)
}

// Averaging: polyak is the running mean of θ₀ … θₜ, ema the recursion with
// its decay; both are measured exactly and leave the run itself alone.
func TestAveragedIterates(t *testing.T) {
	land := build(t, "rosenbrock:noise=2")
	plain := start(t, land, "sgd:lr=0.001", land.Start())
	polyak := start(t, land, "sgd:lr=0.001,average=polyak", land.Start())
	ema := start(t, land, "sgd:lr=0.001,average=ema,ema_decay=0.9", land.Start())
	if plain.Avg != nil {
		t.Fatal("a run without average= has an averaged iterate")
	}
	sum := append([]float64(nil), land.Start()...)
	e := append([]float64(nil), land.Start()...)
	for k := 1; k <= 200; k++ {
		plain.Step()
		polyak.Step()
		ema.Step()
		if !floats.Equal(plain.X, polyak.X) || !floats.Equal(plain.X, ema.X) {
			t.Fatalf("averaging changed the iterates at step %d", k)
		}
		floats.Add(sum, plain.X)
		for i := range e {
			e[i] = 0.9*e[i] + 0.1*plain.X[i]
		}
	}
	mean := floats.ScaleTo(make([]float64, 2), 1/201.0, sum)
	if d := floats.Distance(polyak.Avg, mean, 2); d > 1e-12 {
		t.Errorf("polyak average %v, the mean of the 201 iterates is %v", polyak.Avg, mean)
	}
	if d := floats.Distance(ema.Avg, e, 2); d > 1e-12 {
		t.Errorf("ema average %v, want %v", ema.Avg, e)
	}
	if polyak.AvgF != land.Func(polyak.Avg) || ema.AvgF != land.Func(ema.Avg) {
		t.Error("the averaged iterate's value is not the surface's exact value there")
	}
	if polyak.Evals() != plain.Evals() {
		t.Errorf("measuring the average counted evaluations: %d against %d", polyak.Evals(), plain.Evals())
	}
	// On the noisy quadratic the average is nearer the minimum than the iterate.
	land = build(t, "quadratic:kappa=1,noise=1")
	last := start(t, land, "sgd:lr=0.1,average=polyak", land.Start())
	for range 3000 {
		last.Step()
	}
	if a, x := floats.Norm(last.Avg, 2), floats.Norm(last.X, 2); !(a < x/5) {
		t.Errorf("after 3000 noisy steps the average is %g from the minimum, the iterate %g", a, x)
	}
}

// examples is a finite sum of N examples, fᵢ(x) = ½‖x − cᵢ‖², that records
// every minibatch it is asked for.
type examples struct {
	n, size int
	seen    *[][]int
}

func (e examples) Dim() int { return 2 }
func (e examples) c(i int) [2]float64 {
	return [2]float64{float64(i%7) - 3, float64(i%5) - 2}
}
func (e examples) Func(x []float64) float64 { return e.BatchGrad(make([]float64, 2), x, nil) }
func (e examples) Grad(dst, x []float64)    { e.BatchGrad(dst, x, nil) }
func (examples) Hess(dst *mat.SymDense, _ []float64) {
	dst.SetSym(0, 0, 1)
	dst.SetSym(1, 1, 1)
	dst.SetSym(0, 1, 0)
}
func (e examples) Examples() int  { return e.n }
func (e examples) BatchSize() int { return e.size }
func (e examples) BatchGrad(dst, x []float64, batch []int) float64 {
	if batch == nil {
		batch = make([]int, e.n)
		for i := range batch {
			batch[i] = i
		}
	} else {
		*e.seen = append(*e.seen, append([]int(nil), batch...))
	}
	f := 0.0
	dst[0], dst[1] = 0, 0
	for _, i := range batch {
		c := e.c(i)
		dx, dy := x[0]-c[0], x[1]-c[1]
		f += (dx*dx + dy*dy) / 2
		dst[0] += dx
		dst[1] += dy
	}
	k := float64(len(batch))
	dst[0] /= k
	dst[1] /= k
	return f / k
}

// A racer's own batch size: every racer draws from the same seeded stream
// of examples, in batches of its size; a step's evaluations share one
// minibatch, quasi-Newton's line search included; the full set is exact.
func TestRacerBatchSize(t *testing.T) {
	run := func(opt string, surfaceBatch, steps int) (*Run, [][]int) {
		var seen [][]int
		land := &landscapes.Landscape{Surface: examples{n: 60, size: surfaceBatch, seen: &seen}, Info: &landscapes.Info{Name: "examples"}}
		r, err := Start(land, opt, []float64{5, 5}, 11)
		if err != nil {
			t.Fatal(err)
		}
		for range steps {
			r.Step()
		}
		return r, seen
	}
	flat := func(bs [][]int) (out []int) {
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	small, seenSmall := run("sgd:lr=0.1,batch=4", 30, 3)
	big, seenBig := run("sgd:lr=0.1,batch=12", 30, 1)
	if len(seenSmall[0]) != 4 || len(seenBig[0]) != 12 {
		t.Fatalf("batches of %d and %d, want 4 and 12", len(seenSmall[0]), len(seenBig[0]))
	}
	if a, b := flat(seenSmall), flat(seenBig); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("batch 4 for 3 steps saw %v; batch 12 for one step %v: the same stream", a, b)
	}
	if small.BatchFraction() != 4.0/60 || big.BatchSize() != 12 {
		t.Errorf("batch fractions %g and size %d", small.BatchFraction(), big.BatchSize())
	}
	// Without the key a first-order method takes the surface's batch, and
	// the others the full set.
	if r, _ := run("sgd:lr=0.1", 30, 1); r.BatchSize() != 30 {
		t.Errorf("sgd without batch= takes %d examples, want the surface's 30", r.BatchSize())
	}
	if r, seen := run("lbfgs", 30, 2); r.BatchSize() != 0 || len(seen) != 0 {
		t.Errorf("lbfgs without batch= took minibatches of %d", r.BatchSize())
	}
	// L-BFGS on minibatches of 5: each step's evaluations share one.
	r, seen := run("lbfgs:batch=5", 0, 4)
	if r.BatchSize() != 5 || len(seen) < 5 {
		t.Fatalf("lbfgs:batch=5 took %d minibatches of %d", len(seen), r.BatchSize())
	}
	distinct := map[string]bool{}
	for _, b := range seen {
		distinct[fmt.Sprint(b)] = true
	}
	if len(distinct) != 4 || len(seen) <= 4 { // one a step, its probes on it
		t.Errorf("lbfgs:batch=5 took %d distinct minibatches over 4 steps (%d evaluations: %v), want 4", len(distinct), len(seen), seen)
	}
	changes := 0
	for i := 1; i < len(seen); i++ {
		if fmt.Sprint(seen[i]) != fmt.Sprint(seen[i-1]) {
			changes++
		}
	}
	if changes != 3 {
		t.Errorf("the minibatch changed %d times within 4 steps, want 3 (at each new step): %v", changes, seen)
	}
	if r, seen := run("sgd:lr=0.1,batch=60", 30, 2); r.BatchSize() != 0 || len(seen) != 0 || r.BatchFraction() != 1 {
		t.Errorf("batch = the training set's size is the full batch; got %d", r.BatchSize())
	}
	// On a surface that is not a sum of examples a batch is refused.
	if _, err := Start(build(t, "quadratic"), "gd:batch=8", []float64{1, 1}, 1); err == nil || !strings.Contains(err.Error(), "batch") || !strings.Contains(err.Error(), "not a finite sum") {
		t.Errorf("gd:batch=8 on a quadratic: %v", err)
	}
}

// Online learning: an online racer's minibatches are fresh examples from
// the data's generator, never the training set, dealt from the run's seed;
// its epochs count the training set's size.
func TestOnlineRacerDrawsFreshExamples(t *testing.T) {
	land := build(t, "mlp:data=moons,n=100,h1=4,h2=0,batch=10")
	x0 := land.Start()
	r := start(t, land, "sgd:lr=0.1,online=true", x0)
	r.Step()
	src := land.Surface.(streamer).Stream()
	if src == nil || src.Examples() != 20000 {
		t.Fatal("the moons network has no stream of 20,000 fresh examples")
	}
	perm := rand.New(rand.NewPCG(1, 0x5add1e)).Perm(src.Examples())
	g := make([]float64, len(x0))
	src.BatchGrad(g, x0, perm[:10])
	want := append([]float64(nil), x0...)
	floats.AddScaled(want, -0.1, g)
	if !floats.Equal(r.X, want) {
		t.Error("the online racer's first step is not SGD on the stream's first minibatch")
	}
	if f := r.BatchFraction(); f != 10.0/80 {
		t.Errorf("an online step is %g of an epoch, want 10/80", f)
	}
	offline := start(t, land, "sgd:lr=0.1", x0)
	offline.Step()
	if floats.Equal(offline.X, r.X) {
		t.Error("the offline racer took the same step")
	}
	for spec, want := range map[string]string{
		"sgd:online=true":            "", // the surface's batch
		"lbfgs:online=true":          "give this racer batch=B",
		"lbfgs:online=true,batch=16": "",
	} {
		_, err := Start(land, spec, x0, 1)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", spec, err, want)
		}
	}
	digits := build(t, "mlp:data=digits,h1=8,h2=0")
	if _, err := Start(digits, "sgd:online=true", digits.Start(), 1); err == nil || !strings.Contains(err.Error(), "online learning needs an endless source of examples") {
		t.Errorf("online on digits: %v", err)
	}
}

// Transfer trains on the other task first, then keeps the hidden layers and
// takes the start's output layer again; freeze trains the output layer only.
func TestTransferAndFreeze(t *testing.T) {
	land := build(t, "mlp:data=digits,h1=8,h2=0,classes=high,batch=16")
	x0 := land.Start()
	m := land.Network().Model.(*nets.MLP)
	end := layerEnd(m, 1)
	tr := start(t, land, "sgd:lr=0.1,transfer=5", x0)
	other := *land
	other.Surface = land.Network().Other()
	ref := start(t, &other, "sgd:lr=0.1", x0)
	for range 5 {
		tr.Step()
		ref.Step()
	}
	if !floats.Equal(tr.X, ref.X) {
		t.Fatal("the first 5 steps are not SGD on the other task")
	}
	if f := land.Func(tr.X); tr.F != f {
		t.Errorf("the run reports f = %g; this task's loss there is %g", tr.F, f)
	}
	tr.Step() // the switch, then a step on this task from the kept features
	head := append(append([]float64(nil), ref.X[:end]...), x0[end:]...)
	fresh := start(t, land, "sgd:lr=0.1", head)
	fresh.Step()
	if !floats.Equal(tr.X, fresh.X) {
		t.Error("after the switch the step is not SGD on this task from the kept features and the start's head")
	}
	// Freeze: the hidden layers stay where they start.
	fr := start(t, land, "sgd:lr=0.1,freeze=true", x0)
	for range 20 {
		fr.Step()
	}
	if !floats.Equal(fr.X[:end], x0[:end]) || floats.Equal(fr.X[end:], x0[end:]) {
		t.Error("freeze=true moved the hidden layer or left the output layer")
	}
	ft := start(t, land, "sgd:lr=0.1,transfer=5,freeze=true", x0)
	for range 10 {
		ft.Step()
	}
	if !floats.Equal(ft.X[:end], ref.X[:end]) || floats.Equal(ft.X[end:], x0[end:]) {
		t.Error("transfer with freeze did not keep the transferred hidden layer")
	}
	for spec, want := range map[string]string{
		"sgd:transfer=5":            "give the surface a task of half the classes",
		"sgd:transfer=5,pretrain=5": "use one",
	} {
		l := build(t, "mlp:data=digits,h1=8,h2=0")
		if spec == "sgd:transfer=5,pretrain=5" {
			l = land
		}
		if _, err := Start(l, spec, l.Start(), 1); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", spec, err, want)
		}
	}
	if _, err := Start(build(t, "quadratic"), "sgd:freeze=true", []float64{1, 1}, 1); err == nil || !strings.Contains(err.Error(), "not an mlp") {
		t.Errorf("freeze on a quadratic: %v", err)
	}
}

// A racer on a batch-normalized network keeps running statistics of its
// own, folded in by each evaluation's training-mode pass on the minibatch it
// saw (as BatchNorm1d's forward in training): the first step's are those
// of the first minibatch at the start, and another racer's are its own.
func TestBatchNormRunningStatisticsPerRacer(t *testing.T) {
	land := build(t, "mlp:data=moons,n=100,h1=4,h2=3,batch=10,batchnorm=true")
	x0 := land.Start()
	r := start(t, land, "sgd:lr=0.1", x0)
	if st := r.RunningStats(); st == nil || st.Batches != 0 || st.Var[0][0] != 1 {
		t.Fatalf("before a step the running statistics are %+v; want means 0, variances 1", st)
	}
	r.Step()
	obj := land.Network()
	m := obj.Model.(*nets.MLP)
	want := m.NewRunning()
	perm := rand.New(rand.NewPCG(1, 0x5add1e)).Perm(obj.Examples())
	obj.Track(want, x0, perm[:10])
	got := r.RunningStats()
	if got.Batches != 1 || !floats.Equal(got.Mean[1], want.Mean[1]) || !floats.Equal(got.Var[0], want.Var[0]) {
		t.Errorf("after one step the running statistics are %+v; want %+v, the first minibatch's at the start", got, want)
	}
	for range 4 {
		r.Step()
	}
	if n := r.RunningStats().Batches; n != 5 {
		t.Errorf("five steps folded in %d batches", n)
	}
	other := start(t, land, "adam:lr=0.01", x0)
	other.Step()
	if other.RunningStats().Batches != 1 {
		t.Error("a second racer shares the first one's running statistics")
	}
	full := start(t, land, "lbfgs", x0)
	full.Step()
	if st := full.RunningStats(); st.Batches != full.Evals() {
		t.Errorf("L-BFGS made %d evaluations and folded in %d batches", full.Evals(), st.Batches)
	}
	plainLand := build(t, "mlp:data=moons,n=100,h1=4,h2=3")
	plain := start(t, plainLand, "sgd", plainLand.Start())
	if plain.RunningStats() != nil {
		t.Error("a network without batch normalization has running statistics")
	}
	for spec, want := range map[string]string{
		"sgd:batch=1":        "at least 2 examples",
		"sgd:pretrain=100":   "greedy pretraining",
		"sgd:freeze=true":    "freeze keeps",
		"lbfgs:batch=2":      "",
		"momentum:lr=0.1":    "",
		"newton:damping=0.1": "",
	} {
		_, err := Start(land, spec, x0, 1)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", spec, err, want)
		}
	}
}
