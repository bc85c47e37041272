package nets

import "testing"

// BenchmarkPeakFMA is one core's float64 peak with AVX-512 FMAs on
// registers alone: the ceiling docs/performance.md compares the kernels to.
func BenchmarkPeakFMA(b *testing.B) {
	if !useAVX512 {
		b.Skip("no AVX-512")
	}
	const rounds = 1 << 16
	for b.Loop() {
		fmaPeak(rounds)
	}
	b.ReportMetric(float64(b.N)*rounds*192/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
