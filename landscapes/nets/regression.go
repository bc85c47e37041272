package nets

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Regression is a two-parameter model θ = (w, b) on n samples (xᵢ, yᵢ):
// least squares f = (1/2n) Σ (w xᵢ + b − yᵢ)², or logistic regression
// f = (1/n) Σ log(1 + e^{zᵢ}) − yᵢ zᵢ with zᵢ = w xᵢ + b. Its landscape is
// exact and can be drawn like a surface; SGD sees minibatches of its samples.
type Regression struct {
	X, Y     []float64
	Logistic bool
	Batch    int // minibatch size; 0 means full batch
}

// NewRegression draws n samples from the seed: x uniform on [−2, 2];
// y = 1.5x − 0.5 + spread·ε for least squares, y = [2x − 0.5 + spread·ε > 0]
// for logistic regression, ε standard normal.
func NewRegression(logistic bool, n int, spread float64, seed uint64, batch int) *Regression {
	rng := rand.New(rand.NewPCG(seed, 0x1e9))
	r := &Regression{X: make([]float64, n), Y: make([]float64, n), Logistic: logistic, Batch: batch}
	for i := range n {
		x := 4*rng.Float64() - 2
		r.X[i] = x
		if logistic {
			if 2*x-0.5+spread*rng.NormFloat64() > 0 {
				r.Y[i] = 1
			}
		} else {
			r.Y[i] = 1.5*x - 0.5 + spread*rng.NormFloat64()
		}
	}
	return r
}

func (r *Regression) Dim() int { return 2 }

// Examples and BatchSize let an optimizer's oracle deal minibatches.
func (r *Regression) Examples() int  { return len(r.X) }
func (r *Regression) BatchSize() int { return r.Batch }

// term returns example i's loss, its derivative in z and its second
// derivative (the curvature of the loss in z, also the Fisher weight).
func (r *Regression) term(theta []float64, i int) (l, d1, d2 float64) {
	z := theta[0]*r.X[i] + theta[1]
	if !r.Logistic {
		e := z - r.Y[i]
		return 0.5 * e * e, e, 1
	}
	// log(1 + e^z) computed stably; σ(z) and σ(1 − σ).
	var softplus float64
	if z > 0 {
		softplus = z + math.Log1p(math.Exp(-z))
	} else {
		softplus = math.Log1p(math.Exp(z))
	}
	s := 1 / (1 + math.Exp(-z))
	return softplus - r.Y[i]*z, s - r.Y[i], s * (1 - s)
}

// BatchGrad writes the gradient on the examples into dst and returns the loss.
func (r *Regression) BatchGrad(dst, theta []float64, batch []int) float64 {
	var f, g0, g1 float64
	for _, i := range batch {
		l, d1, _ := r.term(theta, i)
		f += l
		g0 += d1 * r.X[i]
		g1 += d1
	}
	n := float64(len(batch))
	dst[0], dst[1] = g0/n, g1/n
	return f / n
}

func (r *Regression) all(f func(i int)) {
	for i := range r.X {
		f(i)
	}
}

func (r *Regression) Func(theta []float64) float64 {
	var f float64
	r.all(func(i int) { l, _, _ := r.term(theta, i); f += l })
	return f / float64(len(r.X))
}

func (r *Regression) Grad(dst, theta []float64) {
	var g0, g1 float64
	r.all(func(i int) { _, d1, _ := r.term(theta, i); g0 += d1 * r.X[i]; g1 += d1 })
	n := float64(len(r.X))
	dst[0], dst[1] = g0/n, g1/n
}

// Hess is (1/n) Σ ℓ″(zᵢ) [xᵢ, 1][xᵢ, 1]ᵀ.
func (r *Regression) Hess(dst *mat.SymDense, theta []float64) {
	var a, b, c float64
	r.all(func(i int) { _, _, d2 := r.term(theta, i); a += d2 * r.X[i] * r.X[i]; b += d2 * r.X[i]; c += d2 })
	n := float64(len(r.X))
	dst.SetSym(0, 0, a/n)
	dst.SetSym(0, 1, b/n)
	dst.SetSym(1, 1, c/n)
}

// Fisher is the Fisher information of the Bernoulli model (logistic) or of
// a unit-variance Gaussian (least squares): for these canonical links it
// equals the Hessian, so natural gradient and Newton coincide.
func (r *Regression) Fisher(dst *mat.SymDense, theta []float64) { r.Hess(dst, theta) }
