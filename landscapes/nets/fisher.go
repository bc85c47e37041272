package nets

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// fisherAccumulator forms F = Σᵢ Jᵢᵀ Λᵢ Jᵢ from per-example Jacobians of
// the outputs (K rows of P each): Λ = diag p − ppᵀ for a softmax, whose
// square root gives the rows uₖ = √pₖ (jₖ − Σₗ pₗ jₗ), or Λ = I for the
// squared error, uₖ = jₖ. The rows of a chunk of examples are stacked and
// added at once as a rank-k update UᵀU (gonum's SymRankK, BLAS dsyrk), so
// forming F costs K backpropagations per example and a few dense products,
// against P Hessian-vector products over the whole batch.
type fisherAccumulator struct {
	dst     *mat.SymDense
	p, k    int
	rows    []float64 // chunk·k rows of p
	used    int       // rows filled
	perFlow int       // examples per chunk
}

func newFisherAccumulator(dst *mat.SymDense, p, k int) *fisherAccumulator {
	dst.Zero()
	per := max(1, 4096/k)
	return &fisherAccumulator{dst: dst, p: p, k: k, rows: make([]float64, per*k*p), perFlow: per}
}

// jacobianRow is the cleared row for output k of the current example, for
// a backpropagation to accumulate into.
func (a *fisherAccumulator) jacobianRow(k int) []float64 {
	row := a.rows[(a.used+k)*a.p : (a.used+k+1)*a.p]
	clear(row)
	return row
}

// addSoftmax turns the current example's Jacobian rows into the rows of
// (diag p − ppᵀ)^½ J and keeps them.
func (a *fisherAccumulator) addSoftmax(prob []float64) {
	block := a.rows[a.used*a.p : (a.used+a.k)*a.p]
	mean := make([]float64, a.p)
	for k, pk := range prob {
		floats.AddScaled(mean, pk, block[k*a.p:(k+1)*a.p])
	}
	for k, pk := range prob {
		row := block[k*a.p : (k+1)*a.p]
		floats.Sub(row, mean)
		floats.Scale(math.Sqrt(pk), row)
	}
	a.next()
}

// addIdentity keeps the current example's Jacobian rows as they are (Λ = I).
func (a *fisherAccumulator) addIdentity() { a.next() }

func (a *fisherAccumulator) next() {
	a.used += a.k
	if a.used == a.perFlow*a.k {
		a.flush()
	}
}

func (a *fisherAccumulator) flush() {
	if a.used == 0 {
		return
	}
	u := mat.NewDense(a.used, a.p, a.rows[:a.used*a.p])
	a.dst.SymRankK(a.dst, 1, u.T())
	a.used = 0
}

// finish adds what is left and scales F.
func (a *fisherAccumulator) finish(scale float64) {
	a.flush()
	a.dst.ScaleSym(scale, a.dst)
}
