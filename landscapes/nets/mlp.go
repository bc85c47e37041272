// Package nets holds small real networks whose training losses are
// landscapes over their parameters: value, exact gradient by
// backpropagation, and exact Hessian-vector products by Pearlmutter's
// R-operator (Pearlmutter 1994), on minibatches of real data.
package nets

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Activation is a hidden unit's nonlinearity.
type Activation int

const (
	Tanh Activation = iota
	ReLU
	Sigmoid
	Linear
	// Maxout units take the largest of MaxoutPieces linear functions of
	// their inputs (Goodfellow et al. 2013).
	Maxout
)

// Activations names the activations as specs write them.
var Activations = []string{"tanh", "relu", "sigmoid", "linear", "maxout"}

// MaxoutPieces is the number of linear pieces of a maxout unit.
const MaxoutPieces = 2

// apply returns σ(a), σ′(a) and σ″(a).
func (act Activation) apply(a float64) (z, d1, d2 float64) {
	switch act {
	case Tanh:
		z = math.Tanh(a)
		d1 = 1 - z*z
		return z, d1, -2 * z * d1
	case ReLU:
		if a > 0 {
			return a, 1, 0
		}
		return 0, 0, 0
	case Sigmoid:
		z = 1 / (1 + math.Exp(-a))
		d1 = z * (1 - z)
		return z, d1, d1 * (1 - 2*z)
	}
	return a, 1, 0
}

// MLP is a multilayer perceptron: a classifier with a softmax output and the
// mean cross-entropy loss, or for a regression data set a linear output and
// the mean of ½‖output − target‖²; plus (L2/2)‖W‖² on the weights (not the
// biases).
// Parameters are laid out layer by layer: W_l row-major (out × in), then b_l.
type MLP struct {
	Sizes []int // input, hidden…, classes
	Act   Activation
	L2    float64
	Data  *Dataset
	// Residual adds an identity skip around every hidden layer after the
	// first whose width is its input's: z_l = σ(a_l) + z_{l−1} (He et al.
	// 2016), so that a deep net starts close to a shallow one (ch. 8.7.5).
	Residual bool
	// Aux is the hidden layer with an auxiliary head (0: none), whose loss
	// counts AuxWeight times (aux.go; set both with SetAux).
	Aux       int
	AuxWeight float64
	auxN      int       // the head's parameters
	auxA      []float64 // one example's head: logits, outputs, deltas
	auxP      []float64
	auxDelta  []float64
	auxLse    float64
	// Norm normalizes each hidden layer's pre-activations over the
	// minibatch (batch normalization, bn.go; set it with SetBatchNorm).
	// Eval, if set, are the statistics it evaluates with (Errors,
	// LossAndErrors, Predict): a racer's running averages.
	Norm  bool
	Eval  *Running
	normN int     // γ and β of every hidden layer
	bn    *bnPass // the batch-normalized passes' scratch

	off  []int       // offset of each layer's W in θ
	rows []int       // pre-activations of each layer: units × pieces for maxout
	arg  [][]int     // the piece each maxout unit took in the last forward pass
	dz   []float64   // scratch: the gradient with respect to a layer's units
	gz   [][]float64 // per layer: the gradient with respect to its units (one example)
	// Per-layer scratch for one example (a prediction, a row of the
	// Fisher's Jacobian): pre-activations, activations, their derivatives
	// and deltas.
	a, z, d1, d2, delta [][]float64
	p                   []float64
	lse                 float64    // log Σ exp(logits) of the last forward pass
	bw                  *batchWork // the batched passes' matrices (batch.go)
}

// NewMLP builds an MLP over the data with the given hidden layer sizes.
func NewMLP(data *Dataset, hidden []int, act Activation, l2 float64) *MLP {
	out := data.Classes
	if data.Regression() {
		out = data.K
	}
	sizes := append(append([]int{data.D}, hidden...), out)
	m := &MLP{Sizes: sizes, Act: act, L2: l2, Data: data}
	m.rows = make([]int, len(sizes))
	widest := 0
	for l, s := range sizes {
		m.rows[l] = s
		if act == Maxout && l > 0 && l < len(sizes)-1 {
			m.rows[l] = s * MaxoutPieces
		}
		widest = max(widest, m.rows[l])
	}
	n := 0
	for l := 1; l < len(sizes); l++ {
		m.off = append(m.off, n)
		n += m.rows[l]*sizes[l-1] + m.rows[l]
	}
	m.off = append(m.off, n)
	for l, s := range sizes {
		for _, buf := range []*[][]float64{&m.z, &m.d1, &m.d2} {
			*buf = append(*buf, make([]float64, s))
		}
		for _, buf := range []*[][]float64{&m.a, &m.delta} {
			*buf = append(*buf, make([]float64, m.rows[l]))
		}
		m.arg = append(m.arg, make([]int, s))
	}
	m.dz = make([]float64, 2*widest)
	for _, s := range sizes {
		m.gz = append(m.gz, make([]float64, s))
	}
	m.p = make([]float64, out)
	return m
}

// Dim is the number of parameters.
func (m *MLP) Dim() int { return m.off[len(m.off)-1] + m.auxN + m.normN }

// skips says whether hidden layer l adds its input to its units: a residual
// network's layers after the first, where the widths agree.
func (m *MLP) skips(l int) bool {
	return m.Residual && l >= 2 && l < m.Layers() && m.Sizes[l] == m.Sizes[l-1]
}

// Layers is the number of weight layers.
func (m *MLP) Layers() int { return len(m.Sizes) - 1 }

// W and B return layer l's (1-based) weights and biases within θ.
func (m *MLP) W(theta []float64, l int) []float64 {
	return theta[m.off[l-1] : m.off[l-1]+m.rows[l]*m.Sizes[l-1]]
}

// Rows is the number of pre-activations of layer l: its units, times the
// pieces of maxout units.
func (m *MLP) Rows(l int) int { return m.rows[l] }

func (m *MLP) B(theta []float64, l int) []float64 {
	return theta[m.off[l-1]+m.rows[l]*m.Sizes[l-1] : m.off[l]]
}

func (m *MLP) String() string {
	return fmt.Sprintf("MLP %v %s on %s", m.Sizes, Activations[m.Act], m.Data.Name)
}

// forward computes one example's activations and softmax probabilities.
func (m *MLP) forward(theta, x []float64) {
	copy(m.z[0], x)
	L := m.Layers()
	for l := 1; l <= L; l++ {
		W, b, in, out := m.W(theta, l), m.B(theta, l), m.z[l-1], m.a[l]
		for i := range out {
			// gonum's assembly kernels (f64.DotUnitary, AxpyUnitary) do the
			// inner loops of the forward and backward passes.
			out[i] = b[i] + floats.Dot(W[i*len(in):(i+1)*len(in)], in)
		}
		if l < L {
			if m.Act == Maxout {
				for j := range m.z[l] {
					best := j * MaxoutPieces
					for r := best + 1; r < (j+1)*MaxoutPieces; r++ {
						if out[r] > out[best] {
							best = r
						}
					}
					m.arg[l][j], m.z[l][j] = best, out[best]
				}
			} else {
				for i, v := range out {
					m.z[l][i], m.d1[l][i], m.d2[l][i] = m.Act.apply(v)
				}
			}
			if m.skips(l) {
				floats.Add(m.z[l], m.z[l-1])
			}
		}
	}
	if m.Aux > 0 {
		W, b, z := m.auxW(theta), m.auxB(theta), m.z[m.Aux]
		for o := range m.auxA {
			m.auxA[o] = b[o] + floats.Dot(W[o*len(z):(o+1)*len(z)], z)
		}
		m.auxLse = m.auxOut(m.auxP, m.auxA)
	}
	if m.Data.Regression() {
		copy(m.p, m.a[L])
		return
	}
	m.lse = softmax(m.p, m.a[L])
}

// exampleLoss is example i's loss after forward, and sets delta[L] to its
// gradient with respect to the output pre-activations.
func (m *MLP) exampleLoss(i int) float64 {
	aux := 0.0
	if m.Aux > 0 {
		aux = m.auxLoss(i, m.auxP, m.auxA, m.auxLse, m.auxDelta)
	}
	return m.mainLoss(i) + aux
}

// mainLoss is example i's loss at the output after forward, and sets
// delta[L].
func (m *MLP) mainLoss(i int) float64 {
	L := m.Layers()
	if m.Data.Regression() {
		var l float64
		for k, t := range m.Data.Target(i) {
			e := m.p[k] - t
			m.delta[L][k] = e
			l += e * e / 2
		}
		return l
	}
	y := m.Data.Y[i]
	copy(m.delta[L], m.p)
	m.delta[L][y]--
	return m.lse - m.a[L][y]
}

// softmax writes the probabilities softmax(logits) into p and returns
// log Σ exp(logits), computed as max + log Σ exp(logits − max) so that
// neither overflows: the cross-entropy −log pᵧ = logsumexp − logitᵧ is then
// exact however confident and wrong the network is (no cap at −log 1e−300).
func softmax(p, logits []float64) (logSumExp float64) {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, v)
	}
	var s float64
	for i, v := range logits {
		p[i] = math.Exp(v - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return mx + math.Log(s)
}

// Loss is the mean cross-entropy over the batch (all examples if batch is
// nil) plus the L2 term.
func (m *MLP) Loss(theta []float64, batch []int) float64 {
	if m.Norm {
		loss, _, n := m.bnLoss(theta, batch, nil)
		return loss/float64(n) + m.l2Value(theta)
	}
	loss, _, n := m.lossBatch(theta, batch)
	return loss/float64(n) + m.l2Value(theta)
}

func (m *MLP) l2Value(theta []float64) float64 {
	if m.L2 == 0 {
		return 0
	}
	var s float64
	for l := 1; l <= m.Layers(); l++ {
		for _, w := range m.W(theta, l) {
			s += w * w
		}
	}
	return m.L2 / 2 * (s + m.auxL2(theta))
}

// each calls f for every example of the batch and returns how many.
func (m *MLP) each(batch []int, f func(i int)) int { return eachExample(m.Data.N(), batch, f) }

// Grad writes the gradient of Loss into dst by backpropagation and returns
// the loss.
func (m *MLP) Grad(dst, theta []float64, batch []int) float64 {
	if m.Norm {
		return m.bnGrad(dst, theta, batch)
	}
	clear(dst)
	var loss float64
	n := m.chunks(batch, func(ex []int) {
		m.forwardBatch(theta, ex)
		l, _ := m.lossRows(ex)
		m.outputDeltas(ex)
		loss += l
		m.backwardBatch(dst, theta, m.bw.delta, m.bw.auxDelta, len(ex))
	})
	scale := 1 / float64(n)
	for i := range dst {
		dst[i] *= scale
	}
	m.addL2(dst, theta)
	return loss*scale + m.l2Value(theta)
}

func (m *MLP) addL2(dst, theta []float64) {
	if m.L2 == 0 {
		return
	}
	for l := 1; l <= m.Layers(); l++ {
		W, g := m.W(theta, l), m.W(dst, l)
		for i, w := range W {
			g[i] += m.L2 * w
		}
	}
	if m.Aux > 0 {
		floats.AddScaled(m.auxW(dst), m.L2, m.auxW(theta))
	}
}

// backward accumulates into dst the gradients that the deltas at the output
// (delta[L] given) induce, and with aux those of the auxiliary head's
// deltas (auxDelta), propagating them down through Wᵀ and σ′.
func (m *MLP) backward(dst, theta []float64, delta [][]float64, aux bool) {
	L := m.Layers()
	for l := L; l >= 1; l-- {
		gW, gb, in, d := m.W(dst, l), m.B(dst, l), m.z[l-1], delta[l]
		for i, di := range d {
			gb[i] += di
			if di != 0 {
				floats.AddScaled(gW[i*len(in):(i+1)*len(in)], di, in)
			}
		}
		if l > 1 {
			// The gradient with respect to layer l−1's units: through W_l,
			// and through the skip around layer l if it has one.
			W := m.W(theta, l)
			dz := m.gz[l-1]
			clear(dz)
			for i, di := range d {
				if di != 0 {
					floats.AddScaled(dz, di, W[i*len(in):(i+1)*len(in)])
				}
			}
			if m.skips(l) {
				floats.Add(dz, m.gz[l])
			}
			if aux && m.Aux == l-1 {
				W, gW, gb := m.auxW(theta), m.auxW(dst), m.auxB(dst)
				for o, v := range m.auxDelta {
					gb[o] += v
					floats.AddScaled(gW[o*len(in):(o+1)*len(in)], v, in)
					floats.AddScaled(dz, v, W[o*len(in):(o+1)*len(in)])
				}
			}
			m.toRows(l-1, delta[l-1], dz)
		}
	}
}

// toRows turns the gradient dz with respect to layer l's units into the
// gradient with respect to its pre-activations: times σ′, or for maxout
// units sent to the piece each unit took.
func (m *MLP) toRows(l int, dst, dz []float64) {
	if m.Act == Maxout {
		clear(dst)
		for j, v := range dz {
			dst[m.arg[l][j]] = v
		}
		return
	}
	for j, v := range dz {
		dst[j] = v * m.d1[l][j]
	}
}

// HVP writes H·v into dst, H the Hessian of Loss on the batch, by the
// R-operator: a forward pass of R{a} = V z + W R{z} + R{b}, then a backward
// pass of R{δ} alongside δ (Pearlmutter 1994, eqs. for backpropagation).
// Products at the same θ on the same examples share one forward pass.
// With gaussNewton it writes G·v instead, G = Jᵀ(diag p − ppᵀ)J the
// generalized Gauss–Newton matrix, which for a softmax output is the Fisher
// information of the model's predictive distribution (Martens 2014).
func (m *MLP) HVP(dst, theta, v []float64, batch []int, gaussNewton bool) {
	if m.Norm {
		m.bnHVP(dst, theta, v, batch, gaussNewton)
		return
	}
	clear(dst)
	L := m.Layers()
	size := m.Data.N()
	if batch != nil {
		size = len(batch)
	}
	// The forward pass of each chunk is kept for the next product at the
	// same θ (forwardCache), swapped in and out of the workspace.
	w := m.work(min(size, chunkRows))
	reuse := w.cache.matches(theta, batch)
	if !reuse {
		w.cache.reset(theta, batch)
	}
	k := 0
	n := m.chunks(batch, func(ex []int) {
		st := w.cache.state(k, m, w)
		k++
		w.swap(st)
		defer w.swap(st)
		switch {
		case !reuse:
			m.forwardBatch(theta, ex)
		case !w.cache.weights:
			for l := 1; l <= L; l++ {
				m.loadWeights(w.wt[l], w.wp[l], theta, l)
			}
		}
		w.cache.weights = true
		m.outputDeltas(ex) // δ_L
		m.rForwardBatch(theta, v, len(ex))
		if gaussNewton {
			// Only the output curvature: backpropagate R{δ} as a delta.
			m.backwardBatch(dst, theta, m.bw.rdelta, m.bw.auxRDelta, len(ex))
			return
		}
		m.rBackwardBatch(dst, theta, v, len(ex))
	})
	scale := 1 / float64(n)
	for i := range dst {
		dst[i] *= scale
	}
	if m.L2 != 0 {
		for l := 1; l <= L; l++ {
			V, g := m.W(v, l), m.W(dst, l)
			for i, w := range V {
				g[i] += m.L2 * w
			}
		}
		if m.Aux > 0 {
			floats.AddScaled(m.auxW(dst), m.L2, m.auxW(v))
		}
	}
}

// Fisher writes the generalized Gauss–Newton matrix on the batch (all
// examples if nil), the matrix of HVP's Gauss–Newton products:
// G = (1/n) Σᵢ Jᵢᵀ Λᵢ Jᵢ + L2 on the weights' diagonal, with Jᵢ the
// Jacobian of example i's outputs and Λ = diag p − ppᵀ for a softmax (the
// Fisher information of the predictive distribution) or I for the squared
// error. It backpropagates once per output and example (see
// fisherAccumulator).
func (m *MLP) Fisher(dst *mat.SymDense, theta []float64, batch []int) {
	if m.Norm {
		m.bnFisher(dst, theta, batch)
		return
	}
	if m.Aux > 0 {
		// Two heads: the matrix of the Gauss–Newton products, column by
		// column (HVP's products include the head's w·J_auxᵀ Λ J_aux).
		denseOf(dst, m.Dim(), func(col, e []float64) { m.HVP(col, theta, e, batch, true) })
		return
	}
	L := m.Layers()
	out := m.Sizes[L]
	acc := newFisherAccumulator(dst, m.Dim(), out)
	n := m.each(batch, func(ex int) {
		m.forward(theta, m.Data.Row(ex))
		for k := range out {
			clear(m.delta[L])
			m.delta[L][k] = 1
			m.backward(acc.jacobianRow(k), theta, m.delta, false)
		}
		if m.Data.Regression() {
			acc.addIdentity()
		} else {
			acc.addSoftmax(m.p)
		}
	})
	acc.finish(1 / float64(n))
	if m.L2 != 0 {
		for l := 1; l <= L; l++ {
			from := m.off[l-1]
			for i := from; i < from+m.rows[l]*m.Sizes[l-1]; i++ {
				dst.SetSym(i, i, dst.At(i, i)+m.L2)
			}
		}
	}
}

// LossAndErrors computes Loss and Errors in one pass over the examples.
// A batch-normalized network evaluates with Eval if set, else with the
// examples' own statistics.
func (m *MLP) LossAndErrors(theta []float64, examples []int) (loss, errRate float64) {
	loss, wrong, n := m.evalLoss(theta, examples)
	return loss/float64(n) + m.l2Value(theta), m.errorRate(wrong, n)
}

// Predict returns the class probabilities of one input.
func (m *MLP) Predict(dst, theta, x []float64) {
	if m.Norm {
		m.bnPredict(dst, theta, x)
		return
	}
	m.forward(theta, x)
	copy(dst, m.p)
}

// Errors is the 0-1 error rate on the examples (all if nil); NaN for a
// regression task, which has none.
func (m *MLP) Errors(theta []float64, examples []int) float64 {
	_, wrong, n := m.evalLoss(theta, examples)
	return m.errorRate(wrong, n)
}

// evalLoss is the summed loss and the errors on the examples as Errors
// evaluates them.
func (m *MLP) evalLoss(theta []float64, examples []int) (loss float64, wrong, n int) {
	if m.Norm {
		return m.bnLoss(theta, examples, m.Eval)
	}
	return m.lossBatch(theta, examples)
}

// Clone is the same network with scratch space of its own, for another
// goroutine.
func (m *MLP) Clone() Model { return m.On(m.Data) }

// On is the same network (layers, activation, L2, skips and auxiliary head)
// on the data d, with scratch space of its own.
func (m *MLP) On(d *Dataset) *MLP {
	c := NewMLP(d, m.Sizes[1:len(m.Sizes)-1], m.Act, m.L2)
	c.Residual = m.Residual
	c.SetAux(m.Aux, m.AuxWeight)
	c.SetBatchNorm(m.Norm)
	c.Eval = m.Eval
	return c
}

// Product is W_L ⋯ W_2 W_1 (outputs × inputs, row-major): the linear map a
// network of linear units computes, biases aside. It panics for maxout,
// whose layers have more rows than units (a programmer error).
func (m *MLP) Product(theta []float64) []float64 {
	if m.Act == Maxout {
		panic("nets: the product of a maxout network's weights is not its map")
	}
	p := mat.NewDense(m.Sizes[1], m.Sizes[0], append([]float64(nil), m.W(theta, 1)...))
	for l := 2; l <= m.Layers(); l++ {
		var next mat.Dense
		next.Mul(mat.NewDense(m.Sizes[l], m.Sizes[l-1], m.W(theta, l)), p)
		p = &next
	}
	return p.RawMatrix().Data
}
