// Package landscapes holds the loss surfaces that saddle's optimizers run on:
// exact analytic test functions in closed form (value, gradient and Hessian),
// their Gaussian blur for continuation methods, and the registry that names
// them and describes their parameters for the command line and the UI.
//
// Every surface follows gonum's optimize.Problem shapes: Func(x), Grad(dst, x)
// and Hess(dst, x), where the caller owns dst so that a step allocates nothing.
// Finite differences are used only in the tests.
package landscapes

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Surface is a twice continuously differentiable function on Rⁿ.
// Grad and Hess panic if the lengths of dst and x differ from Dim, which is a
// programmer error. A Surface may keep scratch space: use one per goroutine.
type Surface interface {
	Dim() int
	Func(x []float64) float64
	Grad(dst, x []float64)
	Hess(dst *mat.SymDense, x []float64)
}

// plane is a surface on R² given by one function that returns the value, the
// gradient and the Hessian (hxx, hxy, hyy) together. For the 2-D surfaces the
// three are cheap and share subexpressions, so one closed form serves all
// three methods.
type plane func(x, y float64) (f float64, g [2]float64, h [3]float64)

func (p plane) Dim() int { return 2 }

func (p plane) Func(x []float64) float64 {
	f, _, _ := p(x[0], x[1])
	return f
}

func (p plane) Grad(dst, x []float64) {
	if len(dst) != 2 || len(x) != 2 {
		panic("landscapes: dimension mismatch")
	}
	_, g, _ := p(x[0], x[1])
	dst[0], dst[1] = g[0], g[1]
}

func (p plane) Hess(dst *mat.SymDense, x []float64) {
	_, _, h := p(x[0], x[1])
	dst.SetSym(0, 0, h[0])
	dst.SetSym(0, 1, h[1])
	dst.SetSym(1, 1, h[2])
}

// residual is one term r(x, y) of a sum of squares with its derivatives.
type residual struct{ r, rx, ry, rxx, rxy, ryy float64 }

// sumSquares returns f = Σ rᵢ², ∇f = 2 Σ rᵢ ∇rᵢ and
// ∇²f = 2 Σ (∇rᵢ ∇rᵢᵀ + rᵢ ∇²rᵢ) (Nocedal & Wright (2006), eq. 10.5).
func sumSquares(rs ...residual) (f float64, g [2]float64, h [3]float64) {
	for _, t := range rs {
		f += t.r * t.r
		g[0] += 2 * t.r * t.rx
		g[1] += 2 * t.r * t.ry
		h[0] += 2 * (t.rx*t.rx + t.r*t.rxx)
		h[1] += 2 * (t.rx*t.ry + t.r*t.rxy)
		h[2] += 2 * (t.ry*t.ry + t.r*t.ryy)
	}
	return f, g, h
}

// logistic returns σ(t) and 1 − σ(t) = σ(−t), each computed without
// cancellation, so that σ′ = σ(1−σ) stays accurate far out on the wall.
func logistic(t float64) (s, sm float64) {
	if t >= 0 {
		e := math.Exp(-t)
		return 1 / (1 + e), e / (1 + e)
	}
	e := math.Exp(t)
	return e / (1 + e), 1 / (1 + e)
}

// Eigen returns the eigenvalues of the Hessian of s at x in ascending order,
// and the eigenvectors as the columns of vecs (when vecs is not nil).
func Eigen(s Surface, x []float64, vecs *mat.Dense) ([]float64, error) {
	n := s.Dim()
	h := mat.NewSymDense(n, nil)
	s.Hess(h, x)
	return EigenSym(h, vecs)
}

// EigenSym decomposes a symmetric matrix with gonum's mat.EigenSym; the
// eigenvalues come in ascending order.
func EigenSym(h *mat.SymDense, vecs *mat.Dense) ([]float64, error) {
	var es mat.EigenSym
	if !es.Factorize(h, vecs != nil) {
		return nil, errNoEigen
	}
	if vecs != nil {
		es.VectorsTo(vecs)
	}
	return es.Values(nil), nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errNoEigen = constError("the eigendecomposition of the Hessian did not converge")
