//go:build !amd64

package nets

// Other architectures have the Go kernels only.
var useAVX512, useAVX2 = false, false

func gemmTiles(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	gemmGo(m, n, k, a, lda, b, ldb, c, ldc)
}

func gemmTTiles(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	gemmTGo(m, n, k, a, lda, b, ldb, c, ldc)
}

func expVec(dst, src *float64, n int)                    { panic("unreachable") }
func tanhVec(dst, src *float64, n int)                   { panic("unreachable") }
func mulVec(dst, a, b *float64, n int)                   { panic("unreachable") }
func rdeltaVec(rd, d, d1, d2, ra, p, rp *float64, n int) { panic("unreachable") }
