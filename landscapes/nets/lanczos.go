package nets

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Lanczos estimates the extreme eigenvalues of a symmetric operator given
// only its products A·v (the exact Hessian-vector products of a network),
// by k steps of the Lanczos iteration with full reorthogonalization: the
// eigenvalues of the k×k tridiagonal matrix T (gonum's mat.EigenSym) are
// Ritz values, the extreme ones converging first (Golub & Van Loan (2013),
// sec. 10.1). gonum has no Lanczos solver, hence this one; k ≪ n keeps it
// cheap. It returns the Ritz values in ascending order.
func Lanczos(n, k int, mul func(dst, v []float64), seed uint64) []float64 {
	es := lanczosEigen(n, k, mul, seed, false)
	return es.Values(nil)
}

// lanczosEigen runs k Lanczos steps and factorizes the tridiagonal matrix T
// they build (diagonal alpha, off-diagonal beta), with its eigenvectors when
// asked.
func lanczosEigen(n, k int, mul func(dst, v []float64), seed uint64, vectors bool) *mat.EigenSym {
	alpha, beta := lanczosT(n, k, mul, seed)
	m := len(alpha)
	t := mat.NewSymDense(m, nil)
	for i := range m {
		t.SetSym(i, i, alpha[i])
		if i+1 < m {
			t.SetSym(i, i+1, beta[i])
		}
	}
	var es mat.EigenSym
	es.Factorize(t, vectors)
	return &es
}

// lanczosT runs k Lanczos steps from a random unit vector and returns the
// diagonal and off-diagonal of the tridiagonal matrix T.
func lanczosT(n, k int, mul func(dst, v []float64), seed uint64) (alpha, beta []float64) {
	k = min(k, n)
	rng := rand.New(rand.NewPCG(seed, 0x1a2c))
	q := make([][]float64, 0, k)
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	floats.Scale(1/floats.Norm(v, 2), v)
	alpha, beta = make([]float64, 0, k), make([]float64, 0, k)
	w := make([]float64, n)
	for j := range k {
		q = append(q, append([]float64(nil), v...))
		mul(w, v)
		a := floats.Dot(w, v)
		alpha = append(alpha, a)
		// Full reorthogonalization against every earlier vector, twice for
		// safety ("twice is enough", Parlett).
		for range 2 {
			for _, qi := range q {
				floats.AddScaled(w, -floats.Dot(w, qi), qi)
			}
		}
		b := floats.Norm(w, 2)
		if j == k-1 || b < 1e-12*math.Max(1, math.Abs(a)) {
			break
		}
		beta = append(beta, b)
		for i := range v {
			v[i] = w[i] / b
		}
	}
	return alpha, beta
}
