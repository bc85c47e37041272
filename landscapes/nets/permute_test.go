package nets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat/combin"
)

// The Hungarian method finds the least-cost assignment: checked against
// every permutation of small random matrices.
func TestAssignIsOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 6; n++ {
		for range 20 {
			cost := make([][]float64, n)
			for i := range cost {
				cost[i] = make([]float64, n)
				for j := range cost[i] {
					cost[i][j] = math.Round(rng.NormFloat64() * 10) // ties too
				}
			}
			p := Assign(cost)
			sum := func(p []int) (s float64) {
				for i, j := range p {
					s += cost[i][j]
				}
				return s
			}
			best := math.Inf(1)
			for _, q := range combin.Permutations(n, n) {
				best = math.Min(best, sum(q))
			}
			sorted := slices.Sorted(slices.Values(p))
			for i := range sorted {
				if sorted[i] != i {
					t.Fatalf("%v is not a permutation", p)
				}
			}
			if sum(p) != best {
				t.Errorf("n = %d: assignment costs %g, the best %g", n, sum(p), best)
			}
		}
	}
}

// Permuting hidden units leaves the function as it was; weight matching
// finds a hidden permutation of a network again, exactly.
func TestMatchUndoesAPermutation(t *testing.T) {
	d, _ := Generate("spirals", 60, 0.1, 0, 1)
	m := NewMLP(d, []int{7, 5}, Tanh, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, m.Dim())
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	perm := [][]int{rng.Perm(7), rng.Perm(5)}
	b := m.Permute(a, perm)
	if la, lb := m.Loss(a, nil), m.Loss(b, nil); math.Abs(la-lb) > 1e-13*la {
		t.Errorf("a permuted network has loss %v, the original %v", lb, la)
	}
	if floats.Distance(a, b, 2) < 1 {
		t.Fatal("the permutation moved nothing")
	}
	got, moved, err := m.Match(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if d := floats.Distance(got, a, math.Inf(1)); d != 0 || moved == 0 {
		t.Errorf("matching the permuted network left it %g from the original (%d units moved)", d, moved)
	}
	if _, _, err := NewMLP(d, []int{4}, Maxout, 0).Match(a[:0], b[:0]); err == nil {
		t.Error("maxout units were matched")
	}
}

func TestBarrier(t *testing.T) {
	alphas := []float64{0, 0.25, 0.5, 0.75, 1}
	if b := Barrier(alphas, []float64{1, 2.5, 3, 2, 2}); b != 1.5 {
		t.Errorf("barrier %g; want 3 − 1.5", b)
	}
	if b := Barrier(alphas, []float64{1, 1, 1, 1, 1}); b != 0 {
		t.Errorf("a flat line's barrier is %g", b)
	}
}
