package nets

import (
	"errors"
	"math"
	"slices"
)

// Weight-space symmetry (ch. 8.2.2): permuting a hidden layer's units (its
// rows of W_l and b_l, and the matching columns of W_{l+1}) leaves the
// function unchanged, so every solution has n₁!·n₂!·… copies. Two racers
// that reached "different" solutions may differ mostly by such a
// permutation; weight matching (Ainsworth, Hayase & Srinivasa 2022, Git
// Re-Basin, Algorithm 1) finds the permutation of one that brings it
// closest to the other, one linear assignment per layer, and the loss
// along the straight line between them then often loses its barrier.

// Permute returns θ with hidden layer l's units reordered by perm[l-1]
// (unit i of the result is unit perm[l-1][i] of θ), for l = 1 … L−1.
func (m *MLP) Permute(theta []float64, perm [][]int) []float64 {
	out := slices.Clone(theta)
	L := m.Layers()
	for l := 1; l <= L; l++ {
		in, rowsOut := m.Sizes[l-1], m.Sizes[l]
		W, B := m.W(theta, l), m.B(theta, l)
		Wo, Bo := m.W(out, l), m.B(out, l)
		for i := range rowsOut {
			src := i
			if l < L {
				src = perm[l-1][i]
			}
			Bo[i] = B[src]
			for k := range in {
				col := k
				if l > 1 {
					col = perm[l-2][k]
				}
				Wo[i*in+k] = W[src*in+col]
			}
		}
	}
	return out
}

// Match returns b's hidden units permuted to match a's by weight matching:
// each layer's permutation maximizes Σ ⟨W_l^a, W_l^b'⟩ + ⟨b_l^a, b_l^b'⟩ over
// its incoming and outgoing weights with the other layers' held, by a
// linear assignment, layer after layer until no permutation changes (at
// most 100 sweeps). moved is how many units ended away from their place.
func (m *MLP) Match(a, b []float64) (matched []float64, moved int, err error) {
	switch {
	case m.Act == Maxout:
		return nil, 0, errors.New("weight matching permutes units; a maxout unit's pieces would need matching too: use another activation")
	case m.Residual:
		return nil, 0, errors.New("a residual network's skips tie every layer's units to the next one's: matching them needs one permutation for all layers, which is not done here; use residual=false")
	case m.Norm:
		return nil, 0, errors.New("batch normalization's γ and β would have to be permuted with the units: use batchnorm=false")
	case m.Aux > 0:
		return nil, 0, errors.New("an auxiliary head reads a hidden layer too: use aux=0")
	case m.Layers() < 2:
		return nil, 0, errors.New("the network has no hidden layer, so nothing to permute")
	}
	L := m.Layers()
	perm := make([][]int, L-1)
	for l := range perm {
		perm[l] = make([]int, m.Sizes[l+1])
		for i := range perm[l] {
			perm[l][i] = i
		}
	}
	for sweep := 0; sweep < 100; sweep++ {
		changed := false
		for l := 1; l < L; l++ {
			n := m.Sizes[l]
			cost := make([][]float64, n)
			Wa, Wb, Ba, Bb := m.W(a, l), m.W(b, l), m.B(a, l), m.B(b, l)
			Na, Nb, in, out := m.W(a, l+1), m.W(b, l+1), m.Sizes[l-1], m.Sizes[l+1]
			for i := range n {
				cost[i] = make([]float64, n)
				for j := range n {
					s := Ba[i] * Bb[j]
					for k := range in {
						col := k
						if l > 1 {
							col = perm[l-2][k]
						}
						s += Wa[i*in+k] * Wb[j*in+col]
					}
					for r := range out {
						row := r
						if l+1 < L {
							row = perm[l][r]
						}
						s += Na[r*n+i] * Nb[row*n+j]
					}
					cost[i][j] = -s // the assignment minimizes
				}
			}
			p := Assign(cost)
			if !slices.Equal(p, perm[l-1]) {
				perm[l-1], changed = p, true
			}
		}
		if !changed {
			break
		}
	}
	for _, p := range perm {
		for i, j := range p {
			if i != j {
				moved++
			}
		}
	}
	return m.Permute(b, perm), moved, nil
}

// Assign solves the linear assignment problem: the permutation p (row i
// to column p[i]) of least Σ cost[i][p[i]], by the Hungarian method with
// potentials in O(n³) (Kuhn 1955; Munkres 1957). Hand-written: gonum has
// no assignment solver, and n is at most 64 here.
func Assign(cost [][]float64) []int {
	n := len(cost)
	u, v := make([]float64, n+1), make([]float64, n+1)
	p, way := make([]int, n+1), make([]int, n+1) // p[j]: the row matched to column j (1-based; 0 = none)
	minv, used := make([]float64, n+1), make([]bool, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = math.Inf(1), false
		}
		for p[j0] != 0 {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				if cur := cost[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	out := make([]int, n)
	for j := 1; j <= n; j++ {
		out[p[j]-1] = j - 1
	}
	return out
}

// Barrier is the loss barrier along a line of losses from one end (α = 0)
// to the other (α = 1) at alphas: the largest excess of the loss over the
// straight line between the ends' losses (Frankle et al. 2020).
func Barrier(alphas, losses []float64) float64 {
	i0, i1 := slices.Index(alphas, 0), slices.Index(alphas, 1)
	if i0 < 0 || i1 < 0 {
		return math.NaN()
	}
	worst := 0.0
	for k, al := range alphas {
		if al < 0 || al > 1 {
			continue
		}
		worst = math.Max(worst, losses[k]-((1-al)*losses[i0]+al*losses[i1]))
	}
	return worst
}
