package nets

import "math"

// tanhs writes tanh(src[i]) into dst, and exps exp(src[i]): eight at a
// time with the AVX-512 kernels (vecmath_amd64.s) where there are, the
// rest with Go's math. The kernels follow math's algorithms and agree with
// it to two units in the last place (TestVectorMath).
func tanhs(dst, src []float64) { vec8(dst, src, tanhVec, math.Tanh) }

func exps(dst, src []float64) { vec8(dst, src, expVec, math.Exp) }

// vec8 applies kernel to the longest run of src that is a multiple of
// eight, where the processor has AVX-512, and f to the rest.
func vec8(dst, src []float64, kernel func(dst, src *float64, n int), f func(float64) float64) {
	dst = dst[:len(src)]
	k := 0
	if useAVX512 {
		k = len(src) &^ 7
		if k > 0 {
			kernel(&dst[0], &src[0], k)
		}
	}
	for i := k; i < len(src); i++ {
		dst[i] = f(src[i])
	}
}
