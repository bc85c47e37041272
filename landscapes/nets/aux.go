package nets

// An auxiliary head (Szegedy et al. 2015; Goodfellow et al. 2016, sec.
// 8.7.5): a second output layer on hidden layer Aux, with its own softmax
// (or linear output for a regression), whose loss is added with the weight
// AuxWeight: L = L_main + w·L_aux. It gives the layers below it a gradient
// that does not pass through the layers above. Its parameters follow the
// network's in θ: W_aux (outputs × units of layer Aux, row-major), then
// b_aux; the L2 penalty covers W_aux too. It starts at zero (Init leaves
// it), so at first it passes no gradient down and learns from z_Aux.

// SetAux attaches an auxiliary head to hidden layer k (1 ≤ k < Layers())
// with the weight w, or removes it (k = 0).
func (m *MLP) SetAux(k int, w float64) {
	if k <= 0 {
		m.Aux, m.AuxWeight, m.auxN = 0, 0, 0
		return
	}
	out := m.Sizes[m.Layers()]
	m.Aux, m.AuxWeight, m.auxN = k, w, out*m.Sizes[k]+out
	m.auxA, m.auxP, m.auxDelta = make([]float64, out), make([]float64, out), make([]float64, out)
	m.bw = nil // the batched workspace grows the head's matrices
}

// auxW and auxB are the head's weights and biases within θ.
func (m *MLP) auxW(theta []float64) []float64 {
	base := m.off[len(m.off)-1]
	return theta[base : base+m.Sizes[m.Layers()]*m.Sizes[m.Aux]]
}

func (m *MLP) auxB(theta []float64) []float64 {
	return theta[m.off[len(m.off)-1]+m.Sizes[m.Layers()]*m.Sizes[m.Aux] : m.off[len(m.off)-1]+m.auxN]
}

// auxOut turns the head's pre-activations a (one example's) into its outputs
// p and returns log Σ exp a (0 for a regression, whose output is linear).
func (m *MLP) auxOut(p, a []float64) float64 {
	if m.Data.Regression() {
		copy(p, a)
		return 0
	}
	return softmax(p, a)
}

// auxLoss is example e's head loss given its outputs p, logits a and
// log-sum-exp, weighted; it writes the weighted delta w·∂L_aux/∂a into d.
func (m *MLP) auxLoss(e int, p, a []float64, lse float64, d []float64) float64 {
	w := m.AuxWeight
	if m.Data.Regression() {
		var l float64
		for k, t := range m.Data.Target(e) {
			r := p[k] - t
			d[k] = w * r
			l += r * r / 2
		}
		return w * l
	}
	y := m.Data.Y[e]
	for k, v := range p {
		d[k] = w * v
	}
	d[y] -= w
	return w * (lse - a[y])
}

// auxForward computes the head's logits, outputs and log-sum-exp for the n
// rows of the batch from z_Aux.
func (m *MLP) auxForward(theta []float64, n int) {
	w := m.bw
	out, in, wz := m.Sizes[m.Layers()], m.Sizes[m.Aux], w.wz[m.Aux]
	W, b := m.auxW(theta), m.auxB(theta)
	for i := range n {
		z, a := w.z[m.Aux][i*wz:i*wz+in], w.auxA[i*out:(i+1)*out]
		for o := range out {
			s := b[o]
			for j, v := range W[o*in : (o+1)*in] {
				s += v * z[j]
			}
			a[o] = s
		}
		w.auxLse[i] = m.auxOut(w.auxP[i*out:(i+1)*out], a)
	}
}

// auxDown adds d·W (d the head's deltas, n × outputs; W the head's
// weights, or a direction's) into g (n × units of layer Aux, stride wz).
func (m *MLP) auxDown(g, d, W []float64, n int) {
	out, in, wz := m.Sizes[m.Layers()], m.Sizes[m.Aux], m.bw.wz[m.Aux]
	for i := range n {
		row := g[i*wz : i*wz+in]
		for o, v := range d[i*out : (i+1)*out] {
			if v == 0 {
				continue
			}
			for j, x := range W[o*in : (o+1)*in] {
				row[j] += v * x
			}
		}
	}
}

// auxGrad adds dᵀz to the head's weights in dst (z: n × units of layer
// Aux, stride wz) and, with bias, d's column sums to its biases.
func (m *MLP) auxGrad(dst, d, z []float64, n int, bias bool) {
	out, in, wz := m.Sizes[m.Layers()], m.Sizes[m.Aux], m.bw.wz[m.Aux]
	gW, gb := m.auxW(dst), m.auxB(dst)
	for i := range n {
		zi := z[i*wz : i*wz+in]
		for o, v := range d[i*out : (i+1)*out] {
			if bias {
				gb[o] += v
			}
			if v == 0 {
				continue
			}
			for j, x := range zi {
				gW[o*in+j] += v * x
			}
		}
	}
}

// auxRForward computes R{a_aux} = V_aux z + R{b} + W_aux R{z} and the
// head's R{δ} = w·(diag p − ppᵀ) R{a} (w·R{a} for a regression).
func (m *MLP) auxRForward(theta, v []float64, n int) {
	w := m.bw
	out, in, wz := m.Sizes[m.Layers()], m.Sizes[m.Aux], w.wz[m.Aux]
	W, V, bv := m.auxW(theta), m.auxW(v), m.auxB(v)
	for i := range n {
		z, rz := w.z[m.Aux][i*wz:i*wz+in], w.rz[m.Aux][i*wz:i*wz+in]
		ra := w.auxRA[i*out : (i+1)*out]
		for o := range out {
			s := bv[o]
			for j := range in {
				s += V[o*in+j]*z[j] + W[o*in+j]*rz[j]
			}
			ra[o] = s
		}
		rd, p := w.auxRDelta[i*out:(i+1)*out], w.auxP[i*out:(i+1)*out]
		if m.Data.Regression() {
			for o, r := range ra {
				rd[o] = m.AuxWeight * r
			}
			continue
		}
		var pra float64
		for o, pk := range p {
			pra += pk * ra[o]
		}
		for o, pk := range p {
			rd[o] = m.AuxWeight * pk * (ra[o] - pra)
		}
	}
}

// auxL2 is the head's share of the L2 penalty's value.
func (m *MLP) auxL2(theta []float64) float64 {
	if m.Aux == 0 {
		return 0
	}
	var s float64
	for _, v := range m.auxW(theta) {
		s += v * v
	}
	return s
}
