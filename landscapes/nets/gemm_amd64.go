package nets

import "golang.org/x/sys/cpu"

// The assembly kernels (gemm_amd64.s), chosen by what the processor offers.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

//go:noescape
func gemm4x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func gemm4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func gemmT4x16(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

//go:noescape
func gemmT4x8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

func gemmTTiles(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	switch {
	case useAVX512:
		for i := 0; i < m; i += 4 {
			for j := 0; j < n; j += 16 {
				gemmT4x16(k, &a[i], lda, &b[j], ldb, &c[i*ldc+j], ldc)
			}
		}
	case useAVX2:
		for i := 0; i < m; i += 4 {
			for j := 0; j < n; j += 8 {
				gemmT4x8(k, &a[i], lda, &b[j], ldb, &c[i*ldc+j], ldc)
			}
		}
	default:
		gemmTGo(m, n, k, a, lda, b, ldb, c, ldc)
	}
}

func gemmTiles(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	switch {
	case useAVX512:
		for i := 0; i < m; i += 4 {
			for j := 0; j < n; j += 16 {
				gemm4x16(k, &a[i*lda], lda, &b[j], ldb, &c[i*ldc+j], ldc)
			}
		}
	case useAVX2:
		for i := 0; i < m; i += 4 {
			for j := 0; j < n; j += 8 {
				gemm4x8(k, &a[i*lda], lda, &b[j], ldb, &c[i*ldc+j], ldc)
			}
		}
	default:
		gemmGo(m, n, k, a, lda, b, ldb, c, ldc)
	}
}

//go:noescape
func expVec(dst, src *float64, n int)

//go:noescape
func tanhVec(dst, src *float64, n int)

// fmaPeak runs n rounds of twelve independent 8-lane FMAs (192 flops), to
// measure the machine's peak in BenchmarkPeakFMA.
//
//go:noescape
func fmaPeak(n int)

//go:noescape
func mulVec(dst, a, b *float64, n int)

//go:noescape
func rdeltaVec(rd, d, d1, d2, ra, p, rp *float64, n int)
