package nets

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// The MLP's passes over many examples at once: forward, backward and the
// R-operator as matrix products (see gemm.go) over chunks of at most
// chunkRows examples, each example a row. The per-example passes of mlp.go
// remain for what is one example at a time (a prediction, a row of the
// Fisher's Jacobian).

// chunkRows bounds the rows of one batched pass, so that its matrices stay
// in the cache (256 × 64 float64 is 128 KB).
const chunkRows = 256

// batchWork holds one model's matrices for batched passes; the model owns
// it and grows it on demand, so a step allocates nothing.
type batchWork struct {
	rows int // capacity in rows (a multiple of 4)
	// Per layer l = 0…L, n × width row-major with padded widths: the
	// pre-activations a (rows of layer l), activations z (units), σ′ and
	// σ″ (units), the deltas (rows of layer l) and their R-versions.
	a, z, d1, d2, delta, ra, rz, rdelta [][]float64
	arg                                 [][]int     // maxout: the piece each unit took
	wa, wz                              []int       // padded widths of a and z per layer
	wt, vt, wp, vp                      [][]float64 // per layer: Wᵀ, Vᵀ (in × rows) and W, V (rows × in), padded
	gw                                  []float64   // a weight gradient (rows × in), padded
	gz, rgz                             [][]float64 // per layer: the gradients with respect to its units, and their R-versions
	lse                                 []float64   // log Σ exp of each row's logits
	// The auxiliary head's (aux.go), n × outputs: logits, outputs, deltas
	// and their R-versions; and each row's log Σ exp.
	auxA, auxP, auxDelta, auxRA, auxRDelta, auxLse []float64
	exp                                            []float64 // the softmax's exponentials
	cache                                          forwardCache
}

func (m *MLP) work(n int) *batchWork {
	w := m.bw
	if w != nil && w.rows >= n {
		return w
	}
	L := m.Layers()
	rows := pad(max(n, 4), 4)
	w = &batchWork{rows: rows}
	widest, widestIn := 0, 0
	for l := 0; l <= L; l++ {
		wa, wz := pad(m.rows[l], tileCols), pad(m.Sizes[l], tileCols)
		w.wa, w.wz = append(w.wa, wa), append(w.wz, wz)
		for _, buf := range []*[][]float64{&w.a, &w.delta, &w.ra, &w.rdelta} {
			*buf = append(*buf, make([]float64, rows*wa))
		}
		for _, buf := range []*[][]float64{&w.z, &w.d1, &w.d2, &w.rz} {
			*buf = append(*buf, make([]float64, rows*wz))
		}
		w.arg = append(w.arg, make([]int, rows*m.Sizes[l]))
		widest, widestIn = max(widest, wa, wz), max(widestIn, wz)
		if l == 0 {
			w.wt, w.vt, w.wp, w.vp = append(w.wt, nil), append(w.vt, nil), append(w.wp, nil), append(w.vp, nil)
			continue
		}
		in := m.Sizes[l-1]
		w.wt, w.vt = append(w.wt, make([]float64, in*wa)), append(w.vt, make([]float64, in*wa))
		w.wp, w.vp = append(w.wp, make([]float64, pad(m.rows[l], 4)*w.wz[l-1])), append(w.vp, make([]float64, pad(m.rows[l], 4)*w.wz[l-1]))
	}
	w.gw = make([]float64, pad(widest, 4)*widestIn)
	for l := 0; l <= L; l++ {
		w.gz, w.rgz = append(w.gz, make([]float64, rows*w.wz[l])), append(w.rgz, make([]float64, rows*w.wz[l]))
	}
	w.lse = make([]float64, rows)
	if m.Aux > 0 {
		out := m.Sizes[L]
		w.auxA, w.auxP, w.auxDelta = make([]float64, rows*out), make([]float64, rows*out), make([]float64, rows*out)
		w.auxRA, w.auxRDelta, w.auxLse = make([]float64, rows*out), make([]float64, rows*out), make([]float64, rows)
	}
	w.exp = make([]float64, pad(rows*m.Sizes[L], 8))
	m.bw = w
	return w
}

// loadWeights lays out layer l's W (and Wᵀ) of θ in the padded matrices
// the products read: wp is rows × in (row stride wz[l−1]), wt is in × rows
// (row stride wa[l]).
func (m *MLP) loadWeights(wt, wp, theta []float64, l int) {
	w := m.bw
	W, rows, in := m.W(theta, l), m.rows[l], m.Sizes[l-1]
	for r := range rows {
		copy(wp[r*w.wz[l-1]:r*w.wz[l-1]+in], W[r*in:(r+1)*in])
		for c := range in {
			wt[c*w.wa[l]+r] = W[r*in+c]
		}
	}
}

// affine writes z·Wᵀ + b into the n rows of out for layer l's weights and
// biases in θ (or in a direction v), laying the weights out in wt and wp
// first.
func (m *MLP) affine(out, z, theta, wt, wp []float64, l, n int) {
	w := m.bw
	m.loadWeights(wt, wp, theta, l)
	b, wa := m.B(theta, l), w.wa[l]
	for i := range n {
		copy(out[i*wa:i*wa+len(b)], b)
	}
	gemm(n, wa, m.Sizes[l-1], z, w.wz[l-1], wt, wa, out, wa)
}

// chunks calls f with each chunk of the examples (all if nil) in order.
func (m *MLP) chunks(examples []int, f func(ex []int)) int {
	if examples == nil {
		n := m.Data.N()
		var all [chunkRows]int
		for from := 0; from < n; from += chunkRows {
			k := min(chunkRows, n-from)
			for i := range k {
				all[i] = from + i
			}
			f(all[:k])
		}
		return n
	}
	for from := 0; from < len(examples); from += chunkRows {
		f(examples[from:min(len(examples), from+chunkRows)])
	}
	return len(examples)
}

// forwardBatch runs the examples forward: a, z, σ′, σ″ of every layer, the
// output layer's softmax (in z[L]) and each row's log-sum-exp.
func (m *MLP) forwardBatch(theta []float64, ex []int) {
	w := m.work(len(ex))
	w.cache.weights = false // wt and wp are about to hold this θ's
	m.padRows(len(ex))
	L, n := m.Layers(), pad(len(ex), 4)
	D := m.Sizes[0]
	for i, e := range ex {
		copy(w.z[0][i*w.wz[0]:i*w.wz[0]+D], m.Data.Row(e))
	}
	for l := 1; l <= L; l++ {
		m.affine(w.a[l], w.z[l-1], theta, w.wt[l], w.wp[l], l, n)
		if l < L {
			m.activate(l, len(ex))
			if m.skips(l) { // same widths: the rows line up, padding included
				floats.Add(w.z[l][:len(ex)*w.wz[l]], w.z[l-1][:len(ex)*w.wz[l]])
			}
		}
	}
	m.outputs(len(ex))
	if m.Aux > 0 {
		m.auxForward(theta, len(ex))
	}
}

// outputs turns the last layer's pre-activations into the outputs (in
// z[L]): for a classifier the softmax of each row, computed as
// exp(a − max a) / Σ exp(a − max a) with log Σ exp kept (see softmax), the
// exponentials of all rows at once.
func (m *MLP) outputs(n int) {
	w := m.bw
	L := m.Layers()
	out, wa, wz := m.Sizes[L], w.wa[L], w.wz[L]
	z := w.z[L][:n*wz]
	if m.Data.Regression() {
		for i := range n {
			copy(z[i*wz:i*wz+out], w.a[L][i*wa:i*wa+out])
		}
		return
	}
	// The shifted logits of all rows side by side, padded to a multiple of
	// eight with zeros, for one call of exps.
	e := w.exp[:pad(n*out, 8)]
	clear(e[n*out:])
	for i := range n {
		row := w.a[L][i*wa : i*wa+out]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		w.lse[i] = mx
		for k, v := range row {
			e[i*out+k] = v - mx
		}
	}
	exps(e, e)
	for i := range n {
		p, q := z[i*wz:i*wz+out], e[i*out:(i+1)*out]
		var s float64
		for _, v := range q {
			s += v
		}
		for k, v := range q {
			p[k] = v / s
		}
		w.lse[i] += math.Log(s)
	}
}

// activate computes layer l's units from its pre-activations: tanh and
// the logistic function a whole matrix at a time (vecmath.go).
func (m *MLP) activate(l, n int) {
	w := m.bw
	units, wa, wz := m.Sizes[l], w.wa[l], w.wz[l]
	if m.Act == Maxout {
		for i := range n {
			a, z := w.a[l][i*wa:], w.z[l][i*wz:i*wz+units]
			arg := w.arg[l][i*units : (i+1)*units]
			for j := range z {
				best := j * MaxoutPieces
				for r := best + 1; r < (j+1)*MaxoutPieces; r++ {
					if a[r] > a[best] {
						best = r
					}
				}
				arg[j], z[j] = best, a[best]
			}
		}
		return
	}
	// Without maxout a layer has as many pre-activations as units: a and z
	// have the same row stride.
	a, z, d1, d2 := w.a[l][:n*wa], w.z[l][:n*wz], w.d1[l][:n*wz], w.d2[l][:n*wz]
	switch m.Act {
	case Tanh:
		tanhs(z, a)
		for j, v := range z {
			d1[j] = 1 - v*v
			d2[j] = -2 * v * d1[j]
		}
	case Sigmoid:
		for j, v := range a {
			z[j] = -v
		}
		exps(z, z)
		for j, e := range z {
			v := 1 / (1 + e)
			z[j], d1[j] = v, v*(1-v)
			d2[j] = d1[j] * (1 - 2*v)
		}
	default:
		for j, v := range a {
			z[j], d1[j], d2[j] = m.Act.apply(v)
		}
	}
}

// lossRows sums the examples' losses after forwardBatch and counts the
// wrong predictions.
func (m *MLP) lossRows(ex []int) (loss float64, wrong int) {
	w := m.bw
	L := m.Layers()
	out, wa, wz := m.Sizes[L], w.wa[L], w.wz[L]
	for i, e := range ex {
		p, logits := w.z[L][i*wz:i*wz+out], w.a[L][i*wa:i*wa+out]
		if m.Data.Regression() {
			for k, t := range m.Data.Target(e) {
				err := p[k] - t
				loss += err * err / 2
			}
			continue
		}
		y := m.Data.Y[e]
		loss += w.lse[i] - logits[y]
		if argmax(p) != y {
			wrong++
		}
	}
	if m.Aux > 0 {
		for i, e := range ex {
			loss += m.auxLoss(e, w.auxP[i*out:(i+1)*out], w.auxA[i*out:(i+1)*out], w.auxLse[i], w.auxDelta[i*out:(i+1)*out])
		}
	}
	return loss, wrong
}

// outputDeltas writes into delta[L] each example's gradient of its loss
// with respect to the output pre-activations: p − onehot(y) for the
// softmax's cross-entropy, output − target for the squared error. It reads
// only the outputs (z[L]), which the forward cache keeps.
func (m *MLP) outputDeltas(ex []int) {
	w := m.bw
	L := m.Layers()
	out, wa, wz := m.Sizes[L], w.wa[L], w.wz[L]
	for i, e := range ex {
		p, d := w.z[L][i*wz:i*wz+out], w.delta[L][i*wa:i*wa+out]
		copy(d, p)
		if m.Data.Regression() {
			for k, t := range m.Data.Target(e) {
				d[k] -= t
			}
			continue
		}
		d[m.Data.Y[e]]--
	}
	if m.Aux > 0 {
		for i, e := range ex {
			// The loss is not needed here; the logits may be stale (a cached
			// forward pass keeps the outputs only), and the delta reads p.
			m.auxLoss(e, w.auxP[i*out:(i+1)*out], w.auxA[i*out:(i+1)*out], 0, w.auxDelta[i*out:(i+1)*out])
		}
	}
}

// backwardBatch accumulates into dst the gradients the deltas at the
// output (delta given per layer, delta[L] filled) induce: for each layer
// ∂W += Δᵀ Z and ∂b += the column sums of Δ, and Δ of the layer below
// from Δ W through σ′.
func (m *MLP) backwardBatch(dst, theta []float64, delta [][]float64, auxDelta []float64, n int) {
	w := m.bw
	for l := m.Layers(); l >= 1; l-- {
		m.addGrad(dst, l, delta[l], w.z[l-1], n, true)
		if l > 1 {
			m.down(l, delta[l], n, w.gz[l-1])
			if m.skips(l) {
				floats.Add(w.gz[l-1][:n*w.wz[l-1]], w.gz[l][:n*w.wz[l]])
			}
			if m.Aux == l-1 {
				m.auxGrad(dst, auxDelta, w.z[l-1], n, true)
				m.auxDown(w.gz[l-1], auxDelta, m.auxW(theta), n)
			}
			m.toRowsBatch(l-1, delta[l-1], w.gz[l-1], n)
		}
	}
}

// addGrad adds Δᵀ Z (rows × in) to layer l's weights in dst and, with
// bias, Δ's column sums to its biases; Δ is n × rows (stride wa[l]), Z is
// n × in (stride wz[l−1]). The product runs over the n examples only, so
// the chunk's padding rows add nothing.
func (m *MLP) addGrad(dst []float64, l int, delta, z []float64, n int, bias bool) {
	w := m.bw
	rows, in, wa, wzIn := m.rows[l], m.Sizes[l-1], w.wa[l], w.wz[l-1]
	gW, gb := m.W(dst, l), m.B(dst, l)
	if rows%4 == 0 && in == wzIn {
		// The layer's weights are a whole number of tiles: straight into dst.
		gemmT(rows, in, n, delta, wa, z, wzIn, gW, in)
	} else {
		rows4 := pad(rows, 4)
		gw := w.gw[:rows4*wzIn]
		clear(gw)
		gemmT(rows4, wzIn, n, delta, wa, z, wzIn, gw, wzIn)
		for r := range rows {
			row := gw[r*wzIn : r*wzIn+in]
			for c, v := range row {
				gW[r*in+c] += v
			}
		}
	}
	if !bias {
		return
	}
	for i := range n {
		for r, v := range delta[i*wa : i*wa+rows] {
			gb[r] += v
		}
	}
}

// down writes Δ W_l (n × in, stride wz[l−1]) into out: the gradient with
// respect to layer l−1's units.
func (m *MLP) down(l int, delta []float64, n int, out []float64) {
	w := m.bw
	np, wzIn := pad(n, 4), w.wz[l-1]
	clear(out[:np*wzIn])
	gemm(np, wzIn, m.rows[l], delta, w.wa[l], w.wp[l], wzIn, out, wzIn)
}

// toRowsBatch turns the gradients dz with respect to layer l's units (n ×
// units, stride wz[l]) into the deltas of its pre-activations: times σ′,
// or for maxout sent to the piece each unit took.
func (m *MLP) toRowsBatch(l int, dst, dz []float64, n int) {
	w := m.bw
	units, wa, wz := m.Sizes[l], w.wa[l], w.wz[l]
	if m.Act != Maxout {
		// Rows and units are one: the matrices share their layout, and the
		// padding (0 in dz) stays 0.
		mulTo(dst[:n*wz], dz[:n*wz], w.d1[l][:n*wz])
		return
	}
	for i := range n {
		d, g := dst[i*wa:(i+1)*wa], dz[i*wz:i*wz+units]
		clear(d)
		arg := w.arg[l][i*units : (i+1)*units]
		for j, v := range g {
			d[arg[j]] = v
		}
	}
}

// mulTo writes a ⊙ b into dst, all of one length (eight at a time with
// AVX-512, vecmath_amd64.s).
func mulTo(dst, a, b []float64) {
	a, b = a[:len(dst)], b[:len(dst)]
	k := 0
	if useAVX512 {
		if k = len(dst) &^ 7; k > 0 {
			mulVec(&dst[0], &a[0], &b[0], k)
		}
	}
	for j := k; j < len(dst); j++ {
		dst[j] = a[j] * b[j]
	}
}

// rdeltaTo writes R{δ} = σ″ ⊙ R{a} ⊙ p + σ′ ⊙ rp and δ = p ⊙ σ′ for a
// layer, all of one length (eight at a time with AVX-512).
func rdeltaTo(rd, d, d1, d2, ra, p, rp []float64) {
	n := len(p)
	rd, d, d1, d2, ra, rp = rd[:n], d[:n], d1[:n], d2[:n], ra[:n], rp[:n]
	k := 0
	if useAVX512 {
		if k = n &^ 7; k > 0 {
			rdeltaVec(&rd[0], &d[0], &d1[0], &d2[0], &ra[0], &p[0], &rp[0], k)
		}
	}
	for j := k; j < n; j++ {
		rd[j] = d2[j]*ra[j]*p[j] + d1[j]*rp[j]
		d[j] = p[j] * d1[j]
	}
}

// padRows zeroes the rows of the chunk's padding (n up to a multiple of 4)
// in the unit and delta matrices, so that the padding is finite (whatever
// an earlier, larger chunk left there) and products over the examples add
// nothing for it.
func (m *MLP) padRows(n int) {
	w := m.bw
	np := pad(n, 4)
	if np == n {
		return
	}
	for l := range w.delta {
		clear(w.delta[l][n*w.wa[l] : np*w.wa[l]])
		clear(w.rdelta[l][n*w.wa[l] : np*w.wa[l]])
		clear(w.z[l][n*w.wz[l] : np*w.wz[l]])
		clear(w.rz[l][n*w.wz[l] : np*w.wz[l]])
	}
}

// rForwardBatch runs R{a} = V z + W R{z} + R{b} and R{z} = σ′ R{a} (or the
// piece each maxout unit took) up the layers, and R{δ_L}.
func (m *MLP) rForwardBatch(theta, v []float64, n int) {
	w := m.bw
	L, np := m.Layers(), pad(n, 4)
	for l := 1; l <= L; l++ {
		m.affine(w.ra[l], w.z[l-1], v, w.vt[l], w.vp[l], l, np)
		ra, wa := w.ra[l], w.wa[l]
		if l > 1 {
			gemm(np, wa, m.Sizes[l-1], w.rz[l-1], w.wz[l-1], w.wt[l], wa, ra, wa)
		}
		if l == L {
			break
		}
		if m.Act != Maxout {
			mulTo(w.rz[l][:n*wa], ra[:n*wa], w.d1[l][:n*wa])
		} else {
			units, wz := m.Sizes[l], w.wz[l]
			for i := range n {
				r, rz := ra[i*wa:], w.rz[l][i*wz:i*wz+units]
				arg := w.arg[l][i*units : (i+1)*units]
				for j := range rz {
					rz[j] = r[arg[j]]
				}
			}
		}
		if m.skips(l) { // R{z_l} = σ′ R{a_l} + R{z_{l−1}}
			floats.Add(w.rz[l][:n*w.wz[l]], w.rz[l-1][:n*w.wz[l]])
		}
	}
	if m.Aux > 0 {
		m.auxRForward(theta, v, n)
	}
	// R{δ_L} = (diag p − ppᵀ) R{a_L} for softmax cross-entropy, R{a_L} for
	// the squared error.
	out, wa, wz := m.Sizes[L], w.wa[L], w.wz[L]
	for i := range n {
		ra, rd := w.ra[L][i*wa:i*wa+out], w.rdelta[L][i*wa:i*wa+out]
		if m.Data.Regression() {
			copy(rd, ra)
			continue
		}
		p := w.z[L][i*wz : i*wz+out]
		var pra float64
		for k, pk := range p {
			pra += pk * ra[k]
		}
		for k, pk := range p {
			rd[k] = pk * (ra[k] - pra)
		}
	}
}

// rBackwardBatch runs δ and R{δ} down together and accumulates
// R{∂W_l} = R{δ_l}ᵀ z_{l−1} + δ_lᵀ R{z_{l−1}} and R{∂b_l} = R{δ_l}, with
// R{δ_{l−1}} = σ″(a) R{a} ⊙ δW + σ′(a) ⊙ (δV + R{δ}W).
func (m *MLP) rBackwardBatch(dst, theta, v []float64, n int) {
	w := m.bw
	for l := m.Layers(); l >= 1; l-- {
		m.addGrad(dst, l, w.rdelta[l], w.z[l-1], n, true)
		if l > 1 {
			m.addGrad(dst, l, w.delta[l], w.rz[l-1], n, false)
		} else {
			// The inputs have no R{z}: only R{δ}ᵀ z adds to the weights, and
			// the biases have had their R{δ}.
			break
		}
		np, wzIn := pad(n, 4), w.wz[l-1]
		// G = ∂L/∂z_{l−1} = Δ W (+ the skip's G_l) and R{G} = Δ V + R{Δ} W
		// (+ R{G_l}).
		prev := w.gz[l-1]
		m.down(l, w.delta[l], n, prev)
		rprev := w.rgz[l-1][:np*wzIn]
		clear(rprev)
		gemm(np, wzIn, m.rows[l], w.delta[l], w.wa[l], w.vp[l], wzIn, rprev, wzIn)
		gemm(np, wzIn, m.rows[l], w.rdelta[l], w.wa[l], w.wp[l], wzIn, rprev, wzIn)
		if m.skips(l) {
			floats.Add(prev[:n*wzIn], w.gz[l][:n*wzIn])
			floats.Add(rprev[:n*wzIn], w.rgz[l][:n*wzIn])
		}
		if m.Aux == l-1 {
			// The head: G += Δ_aux W_aux, R{G} += R{Δ_aux} W_aux + Δ_aux V_aux;
			// R{∂W_aux} = R{Δ_aux}ᵀ z + Δ_auxᵀ R{z}, R{∂b_aux} = R{Δ_aux}.
			W := m.auxW(theta)
			m.auxDown(prev, w.auxDelta, W, n)
			m.auxDown(rprev, w.auxRDelta, W, n)
			m.auxDown(rprev, w.auxDelta, m.auxW(v), n)
			m.auxGrad(dst, w.auxRDelta, w.z[l-1], n, true)
			m.auxGrad(dst, w.auxDelta, w.rz[l-1], n, false)
		}
		if m.Act == Maxout { // piecewise linear: σ″ = 0
			m.toRowsBatch(l-1, w.rdelta[l-1], rprev, n)
			m.toRowsBatch(l-1, w.delta[l-1], prev, n)
			continue
		}
		// Without maxout the matrices of layer l−1 share one layout: one
		// pass over all of them (the padding stays 0).
		k := n * wzIn
		rdeltaTo(w.rdelta[l-1][:k], w.delta[l-1][:k], w.d1[l-1][:k], w.d2[l-1][:k], w.ra[l-1][:k], prev[:k], rprev[:k])
	}
}

// lossBatch is the summed loss and wrong predictions over the examples.
func (m *MLP) lossBatch(theta []float64, examples []int) (loss float64, wrong, n int) {
	n = m.chunks(examples, func(ex []int) {
		m.forwardBatch(theta, ex)
		l, wr := m.lossRows(ex)
		loss += l
		wrong += wr
	})
	return loss, wrong, n
}

// errorRate is wrong/n, NaN for a regression.
func (m *MLP) errorRate(wrong, n int) float64 {
	if m.Data.Regression() {
		return math.NaN()
	}
	return float64(wrong) / float64(n)
}

// forwardCache keeps, for the θ and examples of the last HVP, each chunk's
// forward pass (inputs, activations, σ′, σ″, maxout pieces, log-sum-exp):
// the many products of a Lanczos run or of a dense Hessian, all at one θ,
// then skip the forward pass and its tanh. It holds about as many numbers
// as the examples have units (2.5 MB for the digits network).
type forwardCache struct {
	theta    []float64
	examples []int
	all      bool
	chunks   []*forwardState
	weights  bool // the workspace's wt and wp are theta's
}

// forwardState is one chunk's forward pass, in the layout of batchWork.
type forwardState struct {
	z, d1, d2 [][]float64
	arg       [][]int
	lse       []float64
	auxP      []float64 // the auxiliary head's outputs (aux.go)
}

func (c *forwardCache) matches(theta []float64, examples []int) bool {
	return c.theta != nil && (examples == nil) == c.all && slices.Equal(theta, c.theta) && (c.all || slices.Equal(examples, c.examples))
}

func (c *forwardCache) reset(theta []float64, examples []int) {
	c.theta = append(c.theta[:0], theta...)
	c.examples = append(c.examples[:0], examples...)
	c.all = examples == nil
}

// state is chunk k's forward state, made on first use in w's layout.
func (c *forwardCache) state(k int, m *MLP, w *batchWork) *forwardState {
	for len(c.chunks) <= k {
		c.chunks = append(c.chunks, nil)
	}
	if st := c.chunks[k]; st != nil && len(st.lse) == w.rows {
		return st
	}
	L := m.Layers()
	st := &forwardState{lse: make([]float64, w.rows)}
	if m.Aux > 0 {
		st.auxP = make([]float64, len(w.auxP))
	}
	for l := 0; l <= L; l++ {
		st.z = append(st.z, make([]float64, w.rows*w.wz[l]))
		var d1, d2 []float64
		var arg []int
		if l > 0 && l < L {
			if m.Act == Maxout {
				arg = make([]int, w.rows*m.Sizes[l])
			} else {
				d1, d2 = make([]float64, w.rows*w.wz[l]), make([]float64, w.rows*w.wz[l])
			}
		}
		st.d1, st.d2, st.arg = append(st.d1, d1), append(st.d2, d2), append(st.arg, arg)
	}
	c.chunks[k] = st
	return st
}

// swap exchanges the workspace's forward matrices with the state's.
func (w *batchWork) swap(st *forwardState) {
	w.z, st.z = st.z, w.z
	w.d1, st.d1 = st.d1, w.d1
	w.d2, st.d2 = st.d2, w.d2
	w.arg, st.arg = st.arg, w.arg
	w.lse, st.lse = st.lse, w.lse
	w.auxP, st.auxP = st.auxP, w.auxP
}
