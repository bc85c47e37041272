package nets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every kernel this machine has (and the Go one) computes C += A·B and
// C += Aᵀ·B as the definitions do, to rounding, on tiles of many shapes,
// and touches nothing outside C.
func TestGemmKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	avx512, avx2 := useAVX512, useAVX2
	defer func() { useAVX512, useAVX2 = avx512, avx2 }()
	kernels := [][3]any{{"go", false, false}}
	if avx512 {
		kernels = append(kernels, [3]any{"avx512", true, false})
	}
	if avx2 {
		kernels = append(kernels, [3]any{"avx2", false, true})
	}
	for _, kern := range kernels {
		useAVX512, useAVX2 = kern[1].(bool), kern[2].(bool)
		t.Logf("kernel %s", kern[0])
		for _, transposed := range []bool{false, true} {
			for _, s := range [][3]int{{4, 16, 1}, {4, 16, 0}, {8, 32, 7}, {64, 32, 64}, {12, 48, 33}, {256, 16, 2}, {4, 64, 100}} {
				m, n, k := s[0], s[1], s[2]
				lda, ldb, ldc := k+3, n+16, n+32
				if transposed {
					lda = m + 5 // A is k×m
				}
				a, b, c := make([]float64, max(m, k)*lda), make([]float64, max(k, 1)*ldb), make([]float64, m*ldc+5)
				for _, x := range [][]float64{a, b, c} {
					for i := range x {
						x[i] = rng.NormFloat64()
					}
				}
				want := append([]float64(nil), c...)
				for i := range m {
					for j := range n {
						for p := range k {
							av := a[i*lda+p]
							if transposed {
								av = a[p*lda+i]
							}
							want[i*ldc+j] += av * b[p*ldb+j]
						}
					}
				}
				if transposed {
					gemmT(m, n, k, a, lda, b, ldb, c, ldc)
				} else {
					gemm(m, n, k, a, lda, b, ldb, c, ldc)
				}
				for i := range c {
					if math.Abs(c[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
						t.Fatalf("%s (transposed %v) %dx%dx%d: c[%d] = %g, want %g", kern[0], transposed, m, n, k, i, c[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkGemm is the kernel's speed on the digits network's largest
// product (a batch of 64 times the 64×32 first layer) and on a square
// product that stays in the L2 cache.
func BenchmarkGemm(b *testing.B) {
	for _, s := range [][3]int{{64, 32, 64}, {256, 256, 256}} {
		m, n, k := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
			a, bb, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
			for i := range a {
				a[i] = float64(i%7) / 7
			}
			for i := range bb {
				bb[i] = float64(i%5) / 5
			}
			for b.Loop() {
				gemm(m, n, k, a, k, bb, n, c, n)
			}
			b.ReportMetric(float64(b.N)*2*float64(m*n*k)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
