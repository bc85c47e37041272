package optim

import (
	"math"

	"github.com/saddle-viz/saddle/spec"
)

// A rule is the update of a first-order method: given the gradient it
// received at step t and the learning rate of the schedule, it moves x in
// place. Rules keep their state (moments, accumulators) in their own slices,
// allocated once in init, so a step allocates nothing.
//
// The PyTorch rules repeat torch.optim's operations in torch.optim's order
// (PyTorch 1.13, _single_tensor_*): add(x, alpha=a) is x + a·y,
// addcmul(a, b, value=v) is x + (v·a)·b and addcdiv(a, b, value=v) is
// x + (v·a)/b, so that float64 results agree to the last bits.
type rule interface {
	init(n int)
	update(x, g []float64, lr float64, t int)
}

// evalPointer is a rule that evaluates the gradient somewhere other than at
// the iterate (the look-ahead point of textbook Nesterov momentum).
type evalPointer interface {
	evalPoint(dst, x []float64)
}

// firstOrder drives a rule: one evaluation per step, at the iterate (or the
// rule's look-ahead point), the gradient clipped by the oracle, the learning
// rate taken from the schedule.
type firstOrder struct {
	rule  rule
	sched schedule

	o  *Oracle
	x  []float64
	g  []float64
	la []float64
	t  int
	st *Inside // what the rule carries, for drawing (inside)
}

// Needs: a first-order method takes minibatches of a finite sum.
func (f *firstOrder) Needs() Needs { return Needs{Minibatches: true} }

func (f *firstOrder) Init(o *Oracle, x0 []float64) error {
	n := len(x0)
	f.o, f.t = o, 0
	f.x = append(f.x[:0], x0...)
	f.g = make([]float64, n)
	f.la = make([]float64, n)
	f.rule.init(n)
	return nil
}

func (f *firstOrder) Step() Report {
	f.t++
	lr := f.sched.at(f.t)
	rep := Report{X: f.x, LR: lr, Damping: math.NaN()}
	at := f.x
	if ep, ok := f.rule.(evalPointer); ok {
		ep.evalPoint(f.la, f.x)
		at, rep.LookAhead = f.la, f.la
	}
	f.o.Eval(at, f.g)
	f.rule.update(f.x, f.g, lr, f.t)
	return rep
}

// firstOrderInfo registers a first-order method with the modifiers.
func firstOrderInfo(in *Info, newRule func(v spec.Values) (rule, error)) *Info {
	in.Modifiers = true
	in.build = func(v spec.Values) (Optimizer, error) {
		r, err := newRule(v)
		if err != nil {
			return nil, err
		}
		s, err := newSchedule(v)
		if err != nil {
			return nil, err
		}
		return &firstOrder{rule: r, sched: s}, nil
	}
	return in
}

// sgd is torch.optim.SGD: d = g + wd·θ; b ← d at t = 1, else
// b ← μb + (1−dampening)d; d ← d + μb (nesterov) or b; θ ← θ − lr·d.
type sgd struct {
	momentum, dampening, wd float64
	nesterov                bool
	buf                     []float64
}

func (s *sgd) init(n int) { s.buf = make([]float64, n) }

func (s *sgd) update(x, g []float64, lr float64, t int) {
	for i := range x {
		d := g[i]
		if s.wd != 0 {
			d = d + s.wd*x[i]
		}
		if s.momentum != 0 {
			if t == 1 {
				s.buf[i] = d
			} else {
				s.buf[i] = s.buf[i]*s.momentum + (1-s.dampening)*d
			}
			if s.nesterov {
				d = d + s.momentum*s.buf[i]
			} else {
				d = s.buf[i]
			}
		}
		x[i] = x[i] + (-lr)*d
	}
}

// newSGD builds gd, sgd, momentum and nesterov, which are one rule with
// different parameters declared; nesterov forces PyTorch's Nesterov form.
func newSGD(nesterov bool) func(v spec.Values) (rule, error) {
	return func(v spec.Values) (rule, error) { return buildSGD(v, nesterov) }
}

func buildSGD(v spec.Values, nesterov bool) (rule, error) {
	s := &sgd{nesterov: nesterov}
	if v.Has("momentum") {
		s.momentum, s.dampening, s.wd = v.Float("momentum"), v.Float("dampening"), v.Float("weight_decay")
	}
	if v.Has("nesterov") {
		s.nesterov = v.Bool("nesterov")
	}
	if s.nesterov && (s.momentum == 0 || s.dampening != 0) {
		return nil, fieldError{"nesterov", "nesterov=true needs momentum > 0 and dampening = 0, as in PyTorch"}
	}
	return s, nil
}

// adagrad is torch.optim.Adagrad: γ = lr/(1 + (t−1)·lr_decay);
// d = g + wd·θ; S ← S + d²; θ ← θ − γ·d/(√S + eps).
type adagrad struct {
	lrDecay, wd, init0, eps float64
	sum                     []float64
}

func (a *adagrad) init(n int) {
	a.sum = make([]float64, n)
	for i := range a.sum {
		a.sum[i] = a.init0
	}
}

func (a *adagrad) update(x, g []float64, lr float64, t int) {
	clr := lr / (1 + float64(t-1)*a.lrDecay)
	for i := range x {
		d := g[i]
		if a.wd != 0 {
			d = d + a.wd*x[i]
		}
		a.sum[i] = a.sum[i] + d*d
		std := math.Sqrt(a.sum[i]) + a.eps
		x[i] = x[i] + (-clr*d)/std
	}
}

// rmsprop is torch.optim.RMSprop: v ← αv + (1−α)d²; ṽ = v − m² with
// m ← αm + (1−α)d when centered; with momentum b ← μb + d/(√ṽ + eps),
// θ ← θ − lr·b; else θ ← θ − lr·d/(√ṽ + eps).
type rmsprop struct {
	alpha, eps, wd, momentum float64
	centered                 bool
	v, m, b                  []float64
}

func (r *rmsprop) init(n int) {
	r.v, r.m, r.b = make([]float64, n), make([]float64, n), make([]float64, n)
}

func (r *rmsprop) update(x, g []float64, lr float64, _ int) {
	for i := range x {
		d := g[i]
		if r.wd != 0 {
			d = d + r.wd*x[i]
		}
		r.v[i] = r.v[i]*r.alpha + ((1-r.alpha)*d)*d
		var avg float64
		if r.centered {
			r.m[i] = r.m[i]*r.alpha + (1-r.alpha)*d
			avg = math.Sqrt(r.v[i] + (-r.m[i])*r.m[i])
		} else {
			avg = math.Sqrt(r.v[i])
		}
		avg = avg + r.eps
		if r.momentum > 0 {
			r.b[i] = r.b[i]*r.momentum + d/avg
			x[i] = x[i] + (-lr)*r.b[i]
		} else {
			x[i] = x[i] + (-lr*d)/avg
		}
	}
}

// adam is torch.optim.Adam (and AdamW with decoupled weight decay):
// m ← β₁m + (1−β₁)d; v ← β₂v + (1−β₂)d²; θ ← θ − lr/(1−β₁ᵗ)·m/(√v/√(1−β₂ᵗ) + eps).
// Kingma & Ba (2015), Algorithm 1, with eps outside the square root.
type adam struct {
	beta1, beta2, eps, wd float64
	decoupled             bool // AdamW: θ ← θ(1 − lr·wd) first
	m, v                  []float64
}

func (a *adam) init(n int) { a.m, a.v = make([]float64, n), make([]float64, n) }

func (a *adam) update(x, g []float64, lr float64, t int) {
	bc1 := 1 - math.Pow(a.beta1, float64(t))
	bc2 := 1 - math.Pow(a.beta2, float64(t))
	stepSize := lr / bc1
	bc2Sqrt := math.Sqrt(bc2)
	for i := range x {
		d := g[i]
		if a.decoupled {
			x[i] = x[i] * (1 - lr*a.wd)
		} else if a.wd != 0 {
			d = d + a.wd*x[i]
		}
		a.m[i] = a.m[i]*a.beta1 + (1-a.beta1)*d
		a.v[i] = a.v[i]*a.beta2 + ((1-a.beta2)*d)*d
		denom := math.Sqrt(a.v[i])/bc2Sqrt + a.eps
		x[i] = x[i] + (-stepSize*a.m[i])/denom
	}
}

// adadelta is torch.optim.Adadelta (Zeiler 2012, with lr):
// v ← ρv + (1−ρ)d²; Δ = √(u + eps)/√(v + eps)·d; u ← ρu + (1−ρ)Δ²; θ ← θ − lr·Δ.
type adadelta struct {
	rho, eps, wd float64
	v, u         []float64
}

func (a *adadelta) init(n int) { a.v, a.u = make([]float64, n), make([]float64, n) }

func (a *adadelta) update(x, g []float64, lr float64, _ int) {
	for i := range x {
		d := g[i]
		if a.wd != 0 {
			d = d + a.wd*x[i]
		}
		a.v[i] = a.v[i]*a.rho + ((1-a.rho)*d)*d
		std := math.Sqrt(a.v[i] + a.eps)
		delta := math.Sqrt(a.u[i]+a.eps) / std * d
		a.u[i] = a.u[i]*a.rho + ((1-a.rho)*delta)*delta
		x[i] = x[i] + (-lr)*delta
	}
}

// rprop is torch.optim.Rprop (Riedmiller & Braun 1993, without backtracking):
// each coordinate's step η grows by eta_plus while the gradient keeps its
// sign and shrinks by eta_minus when it flips (then that gradient is zeroed);
// θ ← θ − η·sign(g).
type rprop struct {
	etaMinus, etaPlus, stepMin, stepMax float64
	step, prev                          []float64
	started                             bool
}

func (r *rprop) init(n int) {
	r.step, r.prev, r.started = make([]float64, n), make([]float64, n), false
}

func (r *rprop) update(x, g []float64, lr float64, _ int) {
	if !r.started {
		for i := range r.step {
			r.step[i] = lr
		}
		r.started = true
	}
	for i := range x {
		d := g[i]
		factor := 1.0
		switch s := d * r.prev[i]; {
		case s > 0:
			factor = r.etaPlus
		case s < 0:
			factor = r.etaMinus
			d = 0
		}
		r.step[i] = math.Min(math.Max(r.step[i]*factor, r.stepMin), r.stepMax)
		x[i] = x[i] + (-sign(d))*r.step[i]
		r.prev[i] = d
	}
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// deltaBarDelta is Jacobs (1988): a per-coordinate rate ε that grows by
// kappa while the gradient agrees in sign with its exponential trace δ̄ and
// shrinks by the factor (1 − phi) when it disagrees; δ̄ ← (1−θ)g + θδ̄;
// x ← x − ε·g.
type deltaBarDelta struct {
	kappa, phi, theta float64
	rate, trace       []float64
	started           bool
}

func (d *deltaBarDelta) init(n int) {
	d.rate, d.trace, d.started = make([]float64, n), make([]float64, n), false
}

func (d *deltaBarDelta) update(x, g []float64, lr float64, _ int) {
	if !d.started {
		for i := range d.rate {
			d.rate[i] = lr
		}
		d.started = true
	}
	for i := range x {
		switch s := d.trace[i] * g[i]; {
		case s > 0:
			d.rate[i] += d.kappa
		case s < 0:
			d.rate[i] *= 1 - d.phi
		}
		d.trace[i] = (1-d.theta)*g[i] + d.theta*d.trace[i]
		x[i] -= d.rate[i] * g[i]
	}
}

// lookahead is Nesterov's momentum in the textbook form (Goodfellow et al.
// 2016, Algorithm 8.3; Sutskever et al. 2013): θ̃ = θ + μv; g = ∇f(θ̃);
// v ← μv − lr·g; θ ← θ + v.
type lookahead struct {
	momentum float64
	v        []float64
}

func (l *lookahead) init(n int) { l.v = make([]float64, n) }

func (l *lookahead) evalPoint(dst, x []float64) {
	for i := range x {
		dst[i] = x[i] + l.momentum*l.v[i]
	}
}

func (l *lookahead) update(x, g []float64, lr float64, _ int) {
	for i := range x {
		l.v[i] = l.momentum*l.v[i] - lr*g[i]
		x[i] += l.v[i]
	}
}

// coordinateGradient moves one coordinate per step, in turn:
// θᵢ ← θᵢ − lr·gᵢ with i = (t−1) mod n.
type coordinateGradient struct{ n int }

func (c *coordinateGradient) init(n int) { c.n = n }

func (c *coordinateGradient) update(x, g []float64, lr float64, t int) {
	i := (t - 1) % c.n
	x[i] -= lr * g[i]
}

func sgdParams(momentum float64) []spec.Param {
	return []spec.Param{
		lr(0.01),
		belowOne("momentum", momentum, "momentum factor μ"),
		unitInterval("dampening", 0, "dampening of the momentum"),
		weightDecay,
	}
}

func init() {
	register(firstOrderInfo(&Info{Name: "gd", Title: "Gradient descent", Family: "first order",
		Params:  []spec.Param{lr(0.01)},
		Explain: "Steps against the gradient with a fixed learning rate: the baseline every other method improves on (ch. 4.3, 8.3.1)."}, newSGD(false)))
	register(firstOrderInfo(&Info{Name: "sgd", Title: "Stochastic gradient descent (torch.optim.SGD)", Family: "first order",
		Params:  append(sgdParams(0), flag("nesterov", "use PyTorch's form of Nesterov momentum")),
		Explain: "Gradient descent on noisy gradients, with optional momentum, dampening, weight decay and PyTorch's Nesterov variant (ch. 8.3.1)."}, newSGD(false)))
	register(firstOrderInfo(&Info{Name: "momentum", Title: "SGD with momentum", Family: "first order",
		Params:  sgdParams(0.9),
		Explain: "Accumulates a velocity, an exponentially decaying average of past gradients: it speeds along consistent directions and damps oscillation across ravines (ch. 8.3.2)."}, newSGD(false)))
	register(firstOrderInfo(&Info{Name: "nesterov", Title: "SGD with Nesterov momentum (PyTorch's form)", Family: "first order",
		Params:  sgdParams(0.9),
		Explain: "Momentum that corrects with the gradient after the momentum step (ch. 8.3.3), in PyTorch's reformulation that evaluates at the iterate."}, newSGD(true)))
	register(firstOrderInfo(&Info{Name: "adagrad", Title: "AdaGrad (torch.optim.Adagrad)", Family: "first order",
		Params: []spec.Param{lr(0.01),
			{Name: "lr_decay", Kind: spec.Real, Default: 0, Min: 0, Max: 100, Doc: "γ = lr/(1 + (t−1)·lr_decay)"},
			weightDecay,
			{Name: "initial_accumulator_value", Label: "initial accumulator", Kind: spec.Real, Default: 0, Min: 0, Max: 1e6, Doc: "starting value of the sum of squared gradients"},
			epsParam(1e-10)},
		Explain: "Divides each coordinate's step by the root of the sum of all its past squared gradients: steep directions slow down, flat ones keep going, and every rate decays (ch. 8.5.1)."},
		func(v spec.Values) (rule, error) {
			return &adagrad{lrDecay: v.Float("lr_decay"), wd: v.Float("weight_decay"), init0: v.Float("initial_accumulator_value"), eps: v.Float("eps")}, nil
		}))
	register(firstOrderInfo(&Info{Name: "rmsprop", Title: "RMSProp (torch.optim.RMSprop)", Family: "first order",
		Params: []spec.Param{lr(0.01), belowOne("alpha", 0.99, "decay rate ρ of the squared-gradient average"), epsParam(1e-8), weightDecay,
			belowOne("momentum", 0, "momentum factor"), flag("centered", "divide by the estimated variance instead of the second moment")},
		Explain: "AdaGrad with an exponentially decaying average instead of a sum, so old gradients are forgotten and the method keeps learning on non-convex surfaces (ch. 8.5.2)."},
		func(v spec.Values) (rule, error) {
			return &rmsprop{alpha: v.Float("alpha"), eps: v.Float("eps"), wd: v.Float("weight_decay"), momentum: v.Float("momentum"), centered: v.Bool("centered")}, nil
		}))
	adamParams := func(wd float64) []spec.Param {
		w := weightDecay
		w.Default = wd
		return []spec.Param{lr(0.001), belowOne("beta1", 0.9, "decay rate of the first moment"), belowOne("beta2", 0.999, "decay rate of the second moment"), epsParam(1e-8), w}
	}
	register(firstOrderInfo(&Info{Name: "adam", Title: "Adam (torch.optim.Adam)", Family: "first order",
		Params:  adamParams(0),
		Explain: "RMSProp with momentum on the first moment and bias corrections for both moments' start at zero (ch. 8.5.3)."},
		func(v spec.Values) (rule, error) {
			return &adam{beta1: v.Float("beta1"), beta2: v.Float("beta2"), eps: v.Float("eps"), wd: v.Float("weight_decay")}, nil
		}))
	register(firstOrderInfo(&Info{Name: "adamw", Title: "AdamW (torch.optim.AdamW)", Family: "first order",
		Params:  adamParams(0.01),
		Explain: "Adam with weight decay applied to the parameters directly instead of through the gradient (Loshchilov & Hutter 2019)."},
		func(v spec.Values) (rule, error) {
			return &adam{beta1: v.Float("beta1"), beta2: v.Float("beta2"), eps: v.Float("eps"), wd: v.Float("weight_decay"), decoupled: true}, nil
		}))
	register(firstOrderInfo(&Info{Name: "adadelta", Title: "AdaDelta (torch.optim.Adadelta)", Family: "first order",
		Params:  []spec.Param{lr(1), belowOne("rho", 0.9, "decay rate of both averages"), epsParam(1e-6), weightDecay},
		Explain: "Scales each step by the ratio of the RMS of past updates to the RMS of past gradients, so the units of the update match the parameters' (Zeiler 2012; ch. 8.5)."},
		func(v spec.Values) (rule, error) {
			return &adadelta{rho: v.Float("rho"), eps: v.Float("eps"), wd: v.Float("weight_decay")}, nil
		}))
	register(firstOrderInfo(&Info{Name: "rprop", Title: "Rprop (torch.optim.Rprop)", Family: "first order",
		Params: []spec.Param{lr(0.01),
			{Name: "eta_minus", Kind: spec.Real, Default: 0.5, Min: 0, Max: 1, Doc: "shrink factor when the gradient changes sign"},
			{Name: "eta_plus", Kind: spec.Real, Default: 1.2, Min: 1, Max: 10, Doc: "growth factor while the sign holds"},
			{Name: "step_min", Kind: spec.Real, Default: 1e-6, Min: 0, Max: 1e3, Log: true, Doc: "smallest step"},
			{Name: "step_max", Kind: spec.Real, Default: 50, Min: 0, Max: 1e6, Log: true, Doc: "largest step"}},
		Explain: "Uses only the sign of each gradient coordinate: the step grows while the sign holds and shrinks when it flips, like delta-bar-delta for full batches (Riedmiller & Braun 1993)."},
		func(v spec.Values) (rule, error) {
			if v.Float("step_min") > v.Float("step_max") {
				return nil, fieldError{"step_min", "step_min must not exceed step_max"}
			}
			return &rprop{etaMinus: v.Float("eta_minus"), etaPlus: v.Float("eta_plus"), stepMin: v.Float("step_min"), stepMax: v.Float("step_max")}, nil
		}))
	register(firstOrderInfo(&Info{Name: "delta-bar-delta", Title: "Delta-bar-delta (Jacobs 1988)", Family: "first order",
		Params: []spec.Param{lr(0.01),
			{Name: "kappa", Kind: spec.Real, Default: 0.001, Min: 0, Max: 10, Log: true, Doc: "additive increase of a rate"},
			unitInterval("phi", 0.1, "multiplicative decrease of a rate"),
			unitInterval("theta", 0.7, "decay of the gradient trace δ̄")},
		Explain: "An early adaptive method: each parameter's learning rate grows while its gradient keeps the sign of its recent average and shrinks when it flips. Meant for full-batch gradients (ch. 8.5)."},
		func(v spec.Values) (rule, error) {
			return &deltaBarDelta{kappa: v.Float("kappa"), phi: v.Float("phi"), theta: v.Float("theta")}, nil
		}))
	register(firstOrderInfo(&Info{Name: "nesterov-lookahead", Title: "Nesterov momentum, textbook form", Family: "first order",
		Params:  []spec.Param{lr(0.01), belowOne("momentum", 0.9, "momentum factor μ")},
		Explain: "Evaluates the gradient at the look-ahead point θ + μv, where momentum is about to carry the iterate, and corrects from there (Algorithm 8.3)."},
		func(v spec.Values) (rule, error) { return &lookahead{momentum: v.Float("momentum")}, nil }))
	register(coordinateDescentInfo())
}
