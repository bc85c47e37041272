package nets

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Batch normalization (Ioffe & Szegedy 2015; Goodfellow et al. 2016, sec.
// 8.7.1). Each hidden layer's pre-activations a are normalized over the
// minibatch, per unit, then scaled and shifted by a learned γ and β:
//
//	â = (a − μ_B) / √(σ²_B + ε),   y = γ ⊙ â + β,   z = σ(y),
//
// μ_B and σ²_B the batch's mean and (biased) variance, ε = 1e−5, as
// PyTorch's BatchNorm1d in training mode. The loss of a minibatch is then a
// function of all its examples at once, and its gradient flows through μ_B
// and σ²_B as well. For evaluation the statistics are fixed: a racer's
// running averages (Running; momentum 0.1 with the unbiased batch variance,
// as PyTorch), so that a prediction is a function of its example alone.
//
// γ_l and β_l of hidden layer l follow the layers' weights and biases in θ,
// layer by layer (γ₁, β₁, γ₂, β₂, …); they start at 1 and 0. The bias b_l
// of a normalized layer is kept, as in PyTorch's Linear before
// BatchNorm1d: the normalization subtracts it again, so its gradient is 0.
//
// The passes take the whole minibatch (no chunks, since the statistics
// couple its examples) in dual numbers: a value and its derivative along a
// direction v. Backpropagation in dual numbers gives the gradient and, in
// the derivatives, H·v — forward-mode differentiation of the gradient,
// which is what Pearlmutter's R-operator is — so the R-versions of the
// batch statistics need no hand-derived formulas of their own, and there is
// one pass to test. A plain gradient runs with v = 0 and pays about twice
// the arithmetic for it (docs/performance.md).

// BatchNorm's constants, PyTorch's BatchNorm1d defaults.
const (
	BNEps      = 1e-5
	BNMomentum = 0.1
)

// dual is a number with its derivative along a direction.
type dual struct{ v, d float64 }

func (a dual) add(b dual) dual { return dual{a.v + b.v, a.d + b.d} }
func (a dual) sub(b dual) dual { return dual{a.v - b.v, a.d - b.d} }
func (a dual) mul(b dual) dual { return dual{a.v * b.v, a.v*b.d + a.d*b.v} }
func (a dual) scale(s float64) dual {
	return dual{a.v * s, a.d * s}
}
func (a dual) div(b dual) dual {
	q := a.v / b.v
	return dual{q, (a.d - q*b.d) / b.v}
}

// dotDual is acc + Σₖ wₖ zₖ in dual numbers; without tangent the
// derivatives are all 0 and left out.
func dotDual(acc dual, w, z []dual, tangent bool) dual {
	if !tangent {
		for k, zk := range z {
			acc.v += w[k].v * zk.v
		}
		return acc
	}
	for k, zk := range z {
		acc.v += w[k].v * zk.v
		acc.d += w[k].v*zk.d + w[k].d*zk.v
	}
	return acc
}

// eachExample calls f for every example of the batch, all n if it is nil,
// and returns how many.
func eachExample(n int, batch []int, f func(i int)) int {
	if batch == nil {
		for i := range n {
			f(i)
		}
		return n
	}
	for _, i := range batch {
		f(i)
	}
	return len(batch)
}

// Running are the statistics a batch-normalized network evaluates with:
// per hidden layer (index l−1) and unit, the running mean and variance.
type Running struct {
	Mean, Var [][]float64
	Batches   int // batches folded in (PyTorch's num_batches_tracked)
}

// NewRunning are the statistics before any batch: means 0, variances 1.
func (m *MLP) NewRunning() *Running {
	r := &Running{}
	for l := 1; l < m.Layers(); l++ {
		v := make([]float64, m.Sizes[l])
		for i := range v {
			v[i] = 1
		}
		r.Mean, r.Var = append(r.Mean, make([]float64, m.Sizes[l])), append(r.Var, v)
	}
	return r
}

// Clone is a copy that later batches do not change.
func (r *Running) Clone() *Running {
	if r == nil {
		return nil
	}
	c := &Running{Batches: r.Batches}
	for l := range r.Mean {
		c.Mean, c.Var = append(c.Mean, append([]float64(nil), r.Mean[l]...)), append(c.Var, append([]float64(nil), r.Var[l]...))
	}
	return c
}

// SetBatchNorm turns batch normalization of the hidden layers on or off; it
// adds (or removes) γ and β of each hidden layer at the end of θ. It does
// not combine with maxout units or an auxiliary head (the landscape refuses
// both).
func (m *MLP) SetBatchNorm(on bool) {
	m.Norm, m.normN, m.Eval, m.bn = on, 0, nil, nil
	if on {
		for l := 1; l < m.Layers(); l++ {
			m.normN += 2 * m.Sizes[l]
		}
	}
}

// normOff is where hidden layer l's γ starts in θ; β follows.
func (m *MLP) normOff(l int) int {
	o := m.off[len(m.off)-1] + m.auxN
	for k := 1; k < l; k++ {
		o += 2 * m.Sizes[k]
	}
	return o
}

// Gamma and Beta are hidden layer l's scale and shift within θ.
func (m *MLP) Gamma(theta []float64, l int) []float64 {
	o := m.normOff(l)
	return theta[o : o+m.Sizes[l]]
}

func (m *MLP) Beta(theta []float64, l int) []float64 {
	o := m.normOff(l) + m.Sizes[l]
	return theta[o : o+m.Sizes[l]]
}

// bnPass is one pass over a minibatch, n rows, in dual numbers. Per layer
// l = 0…L (n × Sizes[l] row-major): z the units (z[0] the inputs, z[L] the
// output pre-activations); per hidden layer: a the pre-activations, xh the
// normalized ones, s1 σ′(y) (its derivative σ″(y)·ẏ), mu and sd the
// statistics used, per unit; p the outputs (probabilities, or the linear
// outputs of a regression); gz the gradients with respect to z.
type bnPass struct {
	n, rows      int // the batch's rows, and the most the buffers hold
	w            []dual
	z, a, xh, s1 [][]dual
	mu, sd, g    [][]dual
	gz           [][]dual
	p            []dual
	loss         float64
	wrong        int
	train        bool // normalized with the batch's own statistics
	tangent      bool // derivatives along a direction (else all 0, and the products skip them)
	gradT, gradV []float64
	y, th        []float64 // one layer's γ â + β, and their tanh
	x            []float64 // the inputs of the batch's examples
	all          []int     // every example, for a nil batch
	ex           []int     // the examples of the last pass that gathered its inputs
}

// pass gives the model's scratch for a batch of n rows, grown on demand
// (a racer alternates minibatches with the whole training set).
func (m *MLP) pass(n int) *bnPass {
	if p := m.bn; p != nil && p.rows >= n {
		p.n = n
		return p
	}
	L := m.Layers()
	p := &bnPass{n: n, rows: n, w: make([]dual, m.Dim()), gradT: make([]float64, m.Dim()), gradV: make([]float64, m.Dim())}
	widest := 0
	for l := 0; l <= L; l++ {
		widest = max(widest, m.Sizes[l])
		s := m.Sizes[l]
		p.z, p.gz = append(p.z, make([]dual, n*s)), append(p.gz, make([]dual, n*s))
		p.a, p.xh, p.s1 = append(p.a, make([]dual, n*s)), append(p.xh, make([]dual, n*s)), append(p.s1, make([]dual, n*s))
		p.mu, p.sd, p.g = append(p.mu, make([]dual, s)), append(p.sd, make([]dual, s)), append(p.g, make([]dual, n*s))
	}
	p.p = make([]dual, n*m.Sizes[L])
	p.y, p.th = make([]float64, n*widest), make([]float64, n*widest)
	p.x = make([]float64, n*m.Sizes[0])
	m.bn = p
	return p
}

// bnForward runs the inputs x (n rows of Sizes[0]) through the network at
// θ, with derivatives along v (nil: none); with fixed statistics st
// (evaluation), else with the batch's own (training). labels, if given,
// are the examples whose loss and errors it sums.
func (m *MLP) bnForward(theta, v, x []float64, n int, st *Running, labels []int) *bnPass {
	p := m.pass(n)
	p.train, p.tangent = st == nil, v != nil
	for i, t := range theta {
		p.w[i] = dual{v: t}
		if v != nil {
			p.w[i].d = v[i]
		}
	}
	for i, xi := range x[:n*m.Sizes[0]] {
		p.z[0][i] = dual{v: xi}
	}
	L := m.Layers()
	for l := 1; l <= L; l++ {
		in, out := m.Sizes[l-1], m.Sizes[l]
		W, B := p.w[m.off[l-1]:m.off[l-1]+out*in], p.w[m.off[l-1]+out*in:m.off[l]]
		dst := p.a[l]
		if l == L {
			dst = p.z[L]
		}
		for i := range n {
			zi := p.z[l-1][i*in : (i+1)*in]
			for r := range out {
				dst[i*out+r] = dotDual(B[r], W[r*in:(r+1)*in], zi, p.tangent)
			}
		}
		if l < L {
			m.bnNormalize(p, l, st)
		}
	}
	m.bnOutputs(p, labels)
	return p
}

// bnNormalize normalizes hidden layer l's pre-activations and applies γ, β
// and σ (and the skip of a residual layer).
func (m *MLP) bnNormalize(p *bnPass, l int, st *Running) {
	n, u := p.n, m.Sizes[l]
	a, xh, z, s1 := p.a[l], p.xh[l], p.z[l], p.s1[l]
	gamma, beta := p.w[m.normOff(l):m.normOff(l)+u], p.w[m.normOff(l)+u:m.normOff(l)+2*u]
	inv := 1 / float64(n)
	for r := range u {
		var mu, sd dual
		if st != nil {
			mu, sd = dual{v: st.Mean[l-1][r]}, dual{v: math.Sqrt(st.Var[l-1][r] + BNEps)}
		} else {
			for i := range n {
				mu = mu.add(a[i*u+r])
			}
			mu = mu.scale(inv)
			var vr dual
			for i := range n {
				c := a[i*u+r].sub(mu)
				vr = vr.add(c.mul(c))
			}
			vr = vr.scale(inv)
			s := math.Sqrt(vr.v + BNEps)
			sd = dual{s, vr.d / (2 * s)}
		}
		p.mu[l][r], p.sd[l][r] = mu, sd
		for i := range n {
			k := i*u + r
			xh[k] = a[k].sub(mu).div(sd)
			y := gamma[r].mul(xh[k]).add(beta[r])
			p.y[k], z[k].d = y.v, y.d
		}
	}
	// σ(y): tanh eight at a time (vecmath.go); ẏ waits in z's derivatives.
	ys := p.y[:n*u]
	if m.Act == Tanh {
		tanhs(p.th, ys)
		for k, t := range p.th[:n*u] {
			d1 := 1 - t*t
			yd := z[k].d
			z[k], s1[k] = dual{t, d1 * yd}, dual{d1, -2 * t * d1 * yd}
		}
	} else {
		for k, y := range ys {
			zv, d1, d2 := m.Act.apply(y)
			yd := z[k].d
			z[k], s1[k] = dual{zv, d1 * yd}, dual{d1, d2 * yd}
		}
	}
	if m.skips(l) {
		for k, v := range p.z[l-1] {
			z[k] = z[k].add(v)
		}
	}
}

// bnOutputs turns the output pre-activations into outputs and, for the
// labelled examples, sums their loss and errors.
func (m *MLP) bnOutputs(p *bnPass, labels []int) {
	L := m.Layers()
	K := m.Sizes[L]
	p.loss, p.wrong = 0, 0
	for i := range p.n {
		a, out := p.z[L][i*K:(i+1)*K], p.p[i*K:(i+1)*K]
		if m.Data.Regression() {
			copy(out, a)
			if labels != nil {
				for k, t := range m.Data.Target(labels[i]) {
					e := a[k].v - t
					p.loss += e * e / 2
				}
			}
			continue
		}
		mx := math.Inf(-1)
		for _, v := range a {
			mx = math.Max(mx, v.v)
		}
		s, dot := 0.0, 0.0
		for k, v := range a {
			out[k].v = math.Exp(v.v - mx)
			s += out[k].v
		}
		for k := range out {
			out[k].v /= s
			dot += out[k].v * a[k].d
		}
		for k := range out {
			out[k].d = out[k].v * (a[k].d - dot) // ṗ = (diag p − ppᵀ) ȧ
		}
		if labels != nil {
			y := m.Data.Y[labels[i]]
			p.loss += mx + math.Log(s) - a[y].v
			best := 0
			for k := range out {
				if out[k].v > out[best].v {
					best = k
				}
			}
			if best != y {
				p.wrong++
			}
		}
	}
}

// bnBackward backpropagates the deltas at the outputs (p.g[L], n × K, the
// gradient of the loss with respect to the output pre-activations) and
// writes the gradient's values into gv and its derivatives into gt.
func (m *MLP) bnBackward(p *bnPass, gv, gt []float64) {
	clear(gv)
	clear(gt)
	n, L := p.n, m.Layers()
	for l := L; l >= 1; l-- {
		in, out := m.Sizes[l-1], m.Sizes[l]
		g, W := p.g[l], p.w[m.off[l-1]:m.off[l-1]+out*in]
		wOff, bOff := m.off[l-1], m.off[l-1]+out*in
		for i := range n {
			zi, gi := p.z[l-1][i*in:(i+1)*in], g[i*out:(i+1)*out]
			for r, d := range gi {
				gv[bOff+r] += d.v
				gt[bOff+r] += d.d
				rv, rt := gv[wOff+r*in:wOff+(r+1)*in], gt[wOff+r*in:wOff+(r+1)*in]
				if p.tangent {
					for c, zc := range zi {
						rv[c] += d.v * zc.v
						rt[c] += d.v*zc.d + d.d*zc.v
					}
				} else {
					for c, zc := range zi {
						rv[c] += d.v * zc.v
					}
				}
			}
		}
		if l == 1 {
			break
		}
		gz := p.gz[l-1]
		for i := range n {
			gi, dz := g[i*out:(i+1)*out], gz[i*in:(i+1)*in]
			clear(dz)
			for r, d := range gi {
				row := W[r*in : (r+1)*in]
				if p.tangent {
					for c := range dz {
						dz[c].v += d.v * row[c].v
						dz[c].d += d.v*row[c].d + d.d*row[c].v
					}
				} else {
					for c := range dz {
						dz[c].v += d.v * row[c].v
					}
				}
			}
		}
		if m.skips(l) {
			for k, v := range p.gz[l] {
				gz[k] = gz[k].add(v)
			}
		}
		m.bnDown(p, l-1, gv, gt)
	}
}

// bnDown turns the gradient with respect to hidden layer l's units into
// the gradients of γ_l and β_l and the gradient with respect to its
// pre-activations (p.g[l]): with the batch's statistics
//
//	∂L/∂a = (1/σ) (∂L/∂â − mean(∂L/∂â) − â · mean(∂L/∂â ⊙ â)),
//
// the terms through μ_B and σ²_B; with fixed statistics ∂L/∂a = ∂L/∂â / σ.
func (m *MLP) bnDown(p *bnPass, l int, gv, gt []float64) {
	n, u := p.n, m.Sizes[l]
	gz, xh, s1, g := p.gz[l], p.xh[l], p.s1[l], p.g[l]
	gOff := m.normOff(l)
	gamma := p.w[gOff : gOff+u]
	inv := 1 / float64(n)
	for r := range u {
		var dg, db, mean, meanX dual
		for i := range n {
			k := i*u + r
			dy := gz[k].mul(s1[k])
			dg, db = dg.add(dy.mul(xh[k])), db.add(dy)
			dxh := dy.mul(gamma[r])
			g[k] = dxh
			mean, meanX = mean.add(dxh), meanX.add(dxh.mul(xh[k]))
		}
		gv[gOff+r], gt[gOff+r] = gv[gOff+r]+dg.v, gt[gOff+r]+dg.d
		gv[gOff+u+r], gt[gOff+u+r] = gv[gOff+u+r]+db.v, gt[gOff+u+r]+db.d
		mean, meanX = mean.scale(inv), meanX.scale(inv)
		sd := p.sd[l][r]
		for i := range n {
			k := i*u + r
			if p.train {
				g[k] = g[k].sub(mean).sub(xh[k].mul(meanX)).div(sd)
			} else {
				g[k] = g[k].div(sd)
			}
		}
	}
}

// bnInputs gathers the examples' inputs (all if nil) into the pass's
// input rows.
func (m *MLP) bnInputs(examples []int) ([]float64, []int) {
	if examples == nil {
		p := m.pass(m.Data.N())
		if len(p.all) != m.Data.N() {
			p.all = make([]int, m.Data.N())
			for i := range p.all {
				p.all[i] = i
			}
		}
		examples = p.all
	}
	p := m.pass(len(examples))
	p.ex = append(p.ex[:0], examples...)
	D := m.Sizes[0]
	x := p.x[:len(examples)*D]
	for j, i := range examples {
		copy(x[j*D:(j+1)*D], m.Data.Row(i))
	}
	return x, examples
}

// bnLoss is the loss of the examples, in training mode (their own
// statistics) or with st, and the number of them misclassified.
func (m *MLP) bnLoss(theta []float64, examples []int, st *Running) (loss float64, wrong, n int) {
	x, ex := m.bnInputs(examples)
	p := m.bnForward(theta, nil, x, len(ex), st, ex)
	return p.loss, p.wrong, len(ex)
}

// bnDeltas sets the output deltas p.g[L] = ∂(mean loss)/∂(output
// pre-activations), in dual numbers; with gaussNewton instead the values
// (1/n)·Λ·ȧ (the derivatives of the deltas' output part, Λ = diag p − ppᵀ
// or I), whose backpropagation is Jᵀ Λ J v.
func (m *MLP) bnDeltas(p *bnPass, ex []int, gaussNewton bool) {
	L := m.Layers()
	K, inv := m.Sizes[L], 1/float64(p.n)
	for i := range p.n {
		g, out, a := p.g[L][i*K:(i+1)*K], p.p[i*K:(i+1)*K], p.z[L][i*K:(i+1)*K]
		for k := range g {
			switch {
			case gaussNewton && m.Data.Regression():
				g[k] = dual{v: a[k].d * inv}
			case gaussNewton:
				g[k] = dual{v: out[k].d * inv}
			default:
				g[k] = out[k].scale(inv)
			}
		}
		if gaussNewton {
			continue
		}
		if m.Data.Regression() {
			for k, t := range m.Data.Target(ex[i]) {
				g[k].v -= t * inv
			}
		} else {
			g[m.Data.Y[ex[i]]].v -= inv
		}
	}
}

// bnGrad is Grad for a batch-normalized network.
func (m *MLP) bnGrad(dst, theta []float64, batch []int) float64 {
	x, ex := m.bnInputs(batch)
	p := m.bnForward(theta, nil, x, len(ex), nil, ex)
	m.bnDeltas(p, ex, false)
	m.bnBackward(p, dst, p.gradT)
	m.addL2(dst, theta)
	return p.loss/float64(len(ex)) + m.l2Value(theta)
}

// bnHVP is HVP for a batch-normalized network: the derivatives of the
// dual-number gradient along v, or with gaussNewton the backpropagation
// of (1/n)·Λ·J v.
func (m *MLP) bnHVP(dst, theta, v []float64, batch []int, gaussNewton bool) {
	x, ex := m.bnInputs(batch)
	p := m.bnForward(theta, v, x, len(ex), nil, ex)
	m.bnDeltas(p, ex, gaussNewton)
	if gaussNewton {
		m.bnBackward(p, dst, p.gradT)
	} else {
		m.bnBackward(p, p.gradV, dst)
	}
	m.addL2(dst, v)
}

// bnFisher is the Gauss–Newton matrix of a batch-normalized network,
// column by column from its products.
func (m *MLP) bnFisher(dst *mat.SymDense, theta []float64, batch []int) {
	denseOf(dst, m.Dim(), func(col, e []float64) { m.bnHVP(col, theta, e, batch, true) })
}

// evalStats are the statistics the network evaluates with: Eval, or
// without it those of all its data at θ (what running averages estimate).
func (m *MLP) evalStats(theta []float64) *Running {
	if m.Eval != nil {
		return m.Eval
	}
	return m.StatsOf(theta, nil)
}

// StatsOf are the statistics of a training-mode pass over the examples (all
// if nil) at θ, the variances unbiased as running statistics keep them.
func (m *MLP) StatsOf(theta []float64, examples []int) *Running {
	r := m.NewRunning()
	m.bnFold(r, theta, examples, 1)
	return r
}

// Track folds the statistics of a training-mode pass over the examples
// at θ into r, as BatchNorm1d does on every forward pass in training:
// r ← (1 − 0.1)·r + 0.1·(μ_B, n/(n−1)·σ²_B).
func (m *MLP) Track(r *Running, theta []float64, examples []int) {
	m.bnFold(r, theta, examples, BNMomentum)
}

func (m *MLP) bnFold(r *Running, theta []float64, examples []int, momentum float64) {
	p, n := m.bnLast(theta, examples)
	if p == nil {
		x, ex := m.bnInputs(examples)
		n = len(ex)
		p = m.bnForward(theta, nil, x, n, nil, nil)
	}
	unbias := 1.0
	if n > 1 {
		unbias = float64(n) / float64(n-1)
	}
	for l := 1; l < m.Layers(); l++ {
		for u := range m.Sizes[l] {
			sd := p.sd[l][u].v
			r.Mean[l-1][u] = (1-momentum)*r.Mean[l-1][u] + momentum*p.mu[l][u].v
			r.Var[l-1][u] = (1-momentum)*r.Var[l-1][u] + momentum*(sd*sd-BNEps)*unbias
		}
	}
	r.Batches++
}

// bnLast is the last pass if it was in training mode over these examples
// (all if nil) at θ, with its rows: a racer's evaluation has just made it,
// and tracking its statistics need not run it again.
func (m *MLP) bnLast(theta []float64, examples []int) (*bnPass, int) {
	p := m.bn
	if p == nil || !p.train {
		return nil, 0
	}
	if examples == nil {
		examples = p.all
	}
	if len(examples) != p.n || !slices.Equal(p.ex, examples) {
		return nil, 0
	}
	for i, t := range theta {
		if p.w[i].v != t {
			return nil, 0
		}
	}
	return p, p.n
}

// bnPredict is one input's outputs with the evaluation statistics.
func (m *MLP) bnPredict(dst, theta, x []float64) {
	p := m.bnForward(theta, nil, x, 1, m.evalStats(theta), nil)
	for k := range dst {
		dst[k] = p.p[k].v
	}
}

// bnLayerStats is LayerStats for a batch-normalized network, in training
// mode: the units' spread, and that of the gradients with respect to the
// pre-activations (before normalization), per example (times n).
func (m *MLP) bnLayerStats(theta []float64, examples []int) (act, grad []float64) {
	x, ex := m.bnInputs(examples)
	n := len(ex)
	p := m.bnForward(theta, nil, x, n, nil, ex)
	m.bnDeltas(p, ex, false)
	m.bnBackward(p, p.gradV, p.gradT)
	L := m.Layers()
	act, grad = make([]float64, L), make([]float64, L)
	for l := 1; l <= L; l++ {
		act[l-1] = spread(p.z[l], 1)
		grad[l-1] = spread(p.g[l], float64(n))
	}
	return act, grad
}

// spread is the standard deviation of the values of xs times s.
func spread(xs []dual, s float64) float64 {
	var s1, s2 float64
	for _, x := range xs {
		s1 += x.v * s
		s2 += x.v * s * x.v * s
	}
	k := float64(len(xs))
	return math.Sqrt(math.Max(0, s2/k-(s1/k)*(s1/k)))
}
