package nets

// The matrix products of the batched passes: C += A·B over tiles of 4 rows
// and tileCols columns, all row-major. Every matrix of a pass is laid out
// with its columns padded to a multiple of tileCols and its rows to a
// multiple of 4, so a tile never needs an edge case; the padding holds
// numbers that no result reads.
//
// Why not gonum's Dgemm: at these sizes (a minibatch of 32–256 rows times
// layers of 2–64 units) its blocking and goroutines cost more than the
// work, and its kernels are 2-wide; measured in docs/performance.md. The
// kernel here keeps a 4×16 (AVX-512) or 4×8 (AVX2) tile of C in registers
// and streams a row of B per step of k, with fused multiply-adds.

// tileCols is the column padding: a multiple of both kernels' widths.
const tileCols = 16

// pad is n rounded up to a multiple of m.
func pad(n, m int) int { return (n + m - 1) / m * m }

// gemm adds A·B to C: A is m×k (row stride lda), B is k×n (ldb), C is m×n
// (ldc), with m a multiple of 4 and n of tileCols, and every row of A, B
// and C within its slice.
func gemm(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if checkGemm(m, n, k, a, (m-1)*lda+k-1, b, ldb, c, ldc) {
		gemmTiles(m, n, k, a, lda, b, ldb, c, ldc)
	}
}

// gemmT adds Aᵀ·B to C: A is k×m (row stride lda), B is k×n (ldb), C is
// m×n (ldc), m a multiple of 4 and n of tileCols.
func gemmT(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if checkGemm(m, n, k, a, (k-1)*lda+m-1, b, ldb, c, ldc) {
		gemmTTiles(m, n, k, a, lda, b, ldb, c, ldc)
	}
}

// checkGemm says whether there is work, and panics (as an index out of
// range would) if an operand is shorter than the product reads: the
// kernels read and write through pointers, so the extents are checked once
// here. aLast is the index of the last element of A the product reads.
func checkGemm(m, n, k int, a []float64, aLast int, b []float64, ldb int, c []float64, ldc int) bool {
	if m == 0 || n == 0 || k == 0 {
		return false
	}
	_ = a[aLast]
	_ = b[(k-1)*ldb+n-1]
	_ = c[(m-1)*ldc+n-1]
	return true
}

// gemmTGo is gemmT's kernel in Go.
func gemmTGo(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	for p := range k {
		ar, br := a[p*lda:p*lda+m], b[p*ldb:p*ldb+n]
		for i, av := range ar {
			cr := c[i*ldc : i*ldc+n]
			for j, bv := range br {
				cr[j] += av * bv
			}
		}
	}
}

// gemmGo is the kernel in Go, for machines without AVX2 and FMA (and the
// reference the assembly kernels are tested against).
func gemmGo(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	for i := 0; i < m; i += 4 {
		for j := 0; j < n; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 float64
			for p := range k {
				br := b[p*ldb+j : p*ldb+j+4]
				b0, b1, b2, b3 := br[0], br[1], br[2], br[3]
				a0, a1, a2, a3 := a[i*lda+p], a[(i+1)*lda+p], a[(i+2)*lda+p], a[(i+3)*lda+p]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				c20 += a2 * b0
				c21 += a2 * b1
				c22 += a2 * b2
				c23 += a2 * b3
				c30 += a3 * b0
				c31 += a3 * b1
				c32 += a3 * b2
				c33 += a3 * b3
			}
			for r, row := range [4][4]float64{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}} {
				cr := c[(i+r)*ldc+j : (i+r)*ldc+j+4]
				cr[0] += row[0]
				cr[1] += row[1]
				cr[2] += row[2]
				cr[3] += row[3]
			}
		}
	}
}
