package nets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is how many representable numbers lie between a and b.
func ulps(a, b float64) float64 {
	if a == b || (math.IsNaN(a) && math.IsNaN(b)) {
		return 0
	}
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) || math.Signbit(a) != math.Signbit(b) && a != 0 && b != 0 {
		return math.Inf(1)
	}
	return math.Abs(float64(int64(math.Float64bits(math.Abs(a))) - int64(math.Float64bits(math.Abs(b)))))
}

// The vector tanh and exp agree with Go's math to two units in the last
// place, keep NaN, ±Inf, ±0 and the sign, and do the tail past a multiple
// of eight with math itself.
func TestVectorMath(t *testing.T) {
	if !useAVX512 {
		t.Log("no AVX-512 here: tanhs and exps are math.Tanh and math.Exp")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 5e-324, 1e-8, -1e-8, 0.3, 0.6249999999999999, 0.625, -0.625, 0.6250000000000001, 1, -1,
		2.5, 10, -10, 19, 20, 22, 354, 355, 400, 709, 709.8, 710, 1e5, -1e5, math.Inf(1), math.Inf(-1), math.NaN(), -745, -745.2, -746, -1e5, 1e300, -1e300}
	var xs []float64
	xs = append(xs, special...)
	for range 20000 {
		xs = append(xs, rng.NormFloat64()*3, (rng.Float64()-0.5)*1500, rng.NormFloat64()*0.4)
	}
	xs = append(xs, 0.5, 0.25, 0.125) // a tail past a multiple of eight
	for _, f := range []struct {
		name string
		vec  func(dst, src []float64)
		ref  func(float64) float64
	}{{"tanh", tanhs, math.Tanh}, {"exp", exps, math.Exp}} {
		got := make([]float64, len(xs))
		f.vec(got, xs)
		worst := 0.0
		for i, x := range xs {
			want := f.ref(x)
			if got[i] == want || math.IsNaN(got[i]) && math.IsNaN(want) {
				continue // math's own answer (without AVX-512 every one is)
			}
			if f.name == "exp" && math.IsInf(want, 1) && x < 709.782712893384 {
				// Go's assembly exp gives up above about 709.1; the largest
				// float64 is e^709.78.
				want = math.Exp(x-1) * math.E
				if ulps(got[i], want) <= 3 {
					continue
				}
			}
			d := ulps(got[i], want)
			if f.name == "exp" && want < 0x1p-1022 { // subnormal results: absolute
				d = math.Abs(got[i]-want) / 0x1p-1074
				if d <= 2 {
					d = 0
				}
			}
			if d > 2 {
				t.Errorf("%s(%v) = %v, math gives %v (%v ulps)", f.name, x, got[i], want, d)
			}
			worst = math.Max(worst, d)
		}
		t.Logf("%s: at most %v ulps from math over %d numbers", f.name, worst, len(xs))
	}
}
