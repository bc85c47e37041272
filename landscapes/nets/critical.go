package nets

import (
	"context"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Critical points of a small network's loss, to see that saddles outnumber
// minima and that the high-loss critical points are the saddles (Dauphin et
// al. 2014, ch. 8.2.3). A critical point is found as Pascanu et al. (2014)
// did, by driving ‖∇L‖ to zero with a Newton-type method from a start: a
// Levenberg–Marquardt step on the gradient, δ = −(H² + μI)⁻¹ H g, the
// minimizer of ‖g + Hδ‖² + μ‖δ‖², which goes to saddles and maxima as
// readily as to minima (unlike a descent method on L). gonum's optimize has
// no Levenberg–Marquardt for a vector function, so the step is written here
// on gonum's eigendecomposition of the exact dense Hessian.

// MaxCriticalParams bounds the explorer: every iteration forms the dense
// Hessian (Dim Hessian-vector products) and decomposes it.
const MaxCriticalParams = 200

// CriticalPoint is where a search from one start ended.
type CriticalPoint struct {
	Loss      float64 // the training loss there
	GradNorm  float64 // ‖∇L‖ there
	Negative  int     // Hessian eigenvalues below −tol·max|λ|
	Zero      int     // eigenvalues within tol·max|λ| of 0 (flat directions, symmetries)
	Index     float64 // Negative / Dim: the share of directions that go down
	Converged bool    // ‖∇L‖ ≤ CriticalTol
}

// CriticalTol is the gradient norm at which a search has found its point;
// eigenTol, relative to the largest |λ|, separates zero eigenvalues.
const (
	CriticalTol = 1e-8
	eigenTol    = 1e-7
)

// FindCritical searches from theta0 for a point where ∇L = 0, for at most
// iters Newton-type steps, and describes where it ended. It stops with
// ctx's error.
func (o *Objective) FindCritical(ctx context.Context, theta0 []float64, iters int) (CriticalPoint, error) {
	if err := ctx.Err(); err != nil {
		return CriticalPoint{}, err
	}
	n := o.Dim()
	x := append([]float64(nil), theta0...)
	g, gTry, xTry, c, step := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	h := mat.NewSymDense(n, nil)
	var eig mat.EigenSym
	var q mat.Dense
	o.Grad(g, x)
	gn := floats.Norm(g, 2)
	mu := -1.0
	for it := 0; it < iters && gn > CriticalTol; it++ {
		if err := ctx.Err(); err != nil {
			return CriticalPoint{}, err
		}
		o.Hess(h, x)
		if !eig.Factorize(h, true) {
			break
		}
		lam := eig.Values(nil)
		eig.VectorsTo(&q)
		if mu < 0 {
			mu = 1e-4 * math.Max(lam[0]*lam[0], lam[n-1]*lam[n-1])
		}
		// c = Qᵀg, the gradient in the eigenbasis.
		cv := mat.NewVecDense(n, c)
		cv.MulVec(q.T(), mat.NewVecDense(n, g))
		accepted := false
		for try := 0; try < 30 && !accepted; try++ {
			for i := range c {
				step[i] = -lam[i] / (lam[i]*lam[i] + mu) * c[i]
			}
			sv := mat.NewVecDense(n, xTry)
			sv.MulVec(&q, mat.NewVecDense(n, step))
			floats.Add(xTry, x)
			o.Grad(gTry, xTry)
			if gt := floats.Norm(gTry, 2); gt < gn {
				copy(x, xTry)
				copy(g, gTry)
				gn = gt
				mu = math.Max(mu/4, 1e-300)
				accepted = true
			} else {
				mu *= 4
			}
		}
		if !accepted {
			break // no step lowers ‖g‖: a local minimum of ‖g‖ that is not critical
		}
	}
	o.Hess(h, x)
	var p CriticalPoint
	if eig.Factorize(h, false) {
		lam := eig.Values(nil)
		scale := math.Max(math.Abs(lam[0]), math.Abs(lam[n-1]))
		for _, l := range lam {
			switch {
			case l < -eigenTol*scale:
				p.Negative++
			case l <= eigenTol*scale:
				p.Zero++
			}
		}
	}
	p.Loss, p.GradNorm, p.Index, p.Converged = o.Func(x), gn, float64(p.Negative)/float64(n), gn <= CriticalTol
	return p, nil
}
