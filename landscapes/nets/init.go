package nets

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Inits name the weight initializations (Goodfellow et al. 2016, sec. 8.4).
var Inits = []string{"glorot", "he", "normal", "uniform", "orthogonal", "sparse", "zeros", "constant"}

// Init describes how to draw an MLP's first parameters.
type Init struct {
	Scheme string  // one of Inits
	Scale  float64 // normal: standard deviation; uniform: half-width; constant: the value; orthogonal: the gain
	Sparse int     // sparse: non-zero incoming weights per unit
	Bias   float64 // every bias (0, or a small positive value for ReLU)
	// Gain multiplies glorot's and he's scale; 0 means PyTorch's
	// calculate_gain for the activation that follows each layer (Gain).
	Gain float64
}

// Gain is PyTorch's torch.nn.init.calculate_gain for an activation: 5/3 for
// tanh, √2 for ReLU, 1 for sigmoid and linear units; 1 for maxout, which
// PyTorch does not name (its pieces are linear).
func (act Activation) Gain() float64 {
	switch act {
	case Tanh:
		return 5.0 / 3
	case ReLU:
		return math.Sqrt2
	}
	return 1
}

// Weights draws θ for the MLP from the seed, layer by layer.
//   - glorot: uniform on ±gain·√(6/(fan_in + fan_out)) (Glorot & Bengio
//     2010; PyTorch's xavier_uniform_ with that gain);
//   - he: normal with standard deviation gain/√fan_in (He et al. 2015;
//     PyTorch's kaiming_normal_ in fan_in mode), so √(2/fan_in) for ReLU;
//     the gain is the layer's activation's (Activation.Gain; 1 for the
//     output layer, whose logits are linear) unless Gain sets it;
//   - normal, uniform: as Scale says; zeros, constant: every weight alike,
//     which keeps the hidden units of a layer identical for ever;
//   - orthogonal: Scale times a Haar-random orthogonal matrix (Saxe et al.
//     2014; RandomOrthogonal);
//   - sparse: Martens' (2010) sparse initialization, Sparse non-zero N(0, 1)
//     weights into each unit and the rest zero. This is not PyTorch's
//     sparse_, which zeroes a fraction of each column of a normal matrix.
func (in Init) Weights(m *MLP, seed uint64) ([]float64, error) {
	rng := rand.New(rand.NewPCG(seed, 0x1417))
	theta := make([]float64, m.Dim())
	for l := 1; l <= m.Layers(); l++ {
		W, b := m.W(theta, l), m.B(theta, l)
		fanIn, fanOut := m.Sizes[l-1], m.Rows(l)
		gain := in.Gain
		if gain == 0 {
			gain = 1 // the output layer's logits
			if l < m.Layers() {
				gain = m.Act.Gain()
			}
		}
		switch in.Scheme {
		case "glorot":
			r := gain * math.Sqrt(6/float64(fanIn+fanOut))
			for i := range W {
				W[i] = r * (2*rng.Float64() - 1)
			}
		case "he":
			s := gain / math.Sqrt(float64(fanIn))
			for i := range W {
				W[i] = s * rng.NormFloat64()
			}
		case "normal":
			for i := range W {
				W[i] = in.Scale * rng.NormFloat64()
			}
		case "uniform":
			for i := range W {
				W[i] = in.Scale * (2*rng.Float64() - 1)
			}
		case "zeros":
		case "constant":
			for i := range W {
				W[i] = in.Scale
			}
		case "orthogonal":
			q := RandomOrthogonal(rng, max(fanIn, fanOut))
			for i := range fanOut {
				for j := range fanIn {
					W[i*fanIn+j] = in.Scale * q.At(i, j)
				}
			}
		case "sparse":
			k := min(max(in.Sparse, 1), fanIn)
			for i := range fanOut {
				for _, j := range rng.Perm(fanIn)[:k] {
					W[i*fanIn+j] = rng.NormFloat64()
				}
			}
		default:
			return nil, fmt.Errorf("unknown initialization %q; accepted: %v", in.Scheme, Inits)
		}
		for i := range b {
			b[i] = in.Bias
		}
	}
	if m.Norm {
		for l := 1; l < m.Layers(); l++ {
			for i := range m.Gamma(theta, l) {
				m.Gamma(theta, l)[i] = 1 // β stays 0, as BatchNorm1d starts
			}
		}
	}
	return theta, nil
}

// LayerStats are the standard deviations, per layer, of the activations and
// of the gradients with respect to them over the examples: saturation and
// vanishing or exploding gradients show here (Glorot & Bengio 2010).
func (m *MLP) LayerStats(theta []float64, examples []int) (act, grad []float64) {
	if m.Norm {
		return m.bnLayerStats(theta, examples)
	}
	L := m.Layers()
	act, grad = make([]float64, L), make([]float64, L)
	var s1, s2, g1, g2 = make([]float64, L), make([]float64, L), make([]float64, L), make([]float64, L)
	var count, countG = make([]float64, L), make([]float64, L)
	sink := make([]float64, m.Dim())
	m.each(examples, func(i int) {
		m.forward(theta, m.Data.Row(i))
		m.exampleLoss(i)
		m.backward(sink, theta, m.delta, true)
		for l := 1; l <= L; l++ {
			vals := m.z[l]
			if l == L {
				vals = m.a[L]
			}
			for _, v := range vals {
				s1[l-1] += v
				s2[l-1] += v * v
			}
			for _, d := range m.delta[l] {
				g1[l-1] += d
				g2[l-1] += d * d
			}
			count[l-1] += float64(len(vals))
			countG[l-1] += float64(len(m.delta[l]))
		}
	})
	for l := range L {
		act[l] = math.Sqrt(math.Max(0, s2[l]/count[l]-(s1[l]/count[l])*(s1[l]/count[l])))
		grad[l] = math.Sqrt(math.Max(0, g2[l]/countG[l]-(g1[l]/countG[l])*(g1[l]/countG[l])))
	}
	return act, grad
}

// RandomOrthogonal returns an n×n orthogonal matrix drawn from the Haar
// (uniform) distribution: the Q of the QR factorization G = QR of a matrix of
// standard normal draws taken row by row from rng, with each column j of Q
// multiplied by sign(R_jj) (Mezzadri 2007, sec. 5), as PyTorch's
// orthogonal_ does. Without that correction Q depends on the sign convention
// of the factorization and is not uniformly distributed (with LAPACK's every
// draw has Q₀₀ < 0).
func RandomOrthogonal(rng *rand.Rand, n int) *mat.Dense {
	g := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	for j := range n {
		if r.At(j, j) < 0 {
			for i := range n {
				q.Set(i, j, -q.At(i, j))
			}
		}
	}
	return &q
}
