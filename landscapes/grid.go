package landscapes

import (
	"math"
	"slices"
)

// Grid samples a surface over its view box for drawing: a slice through the
// start point when the surface has more than two dimensions.
type Grid struct {
	XMin, XMax, YMin, YMax float64
	N                      int
	F                      []float64 // row-major, N×N, row 0 at YMin
	Log                    bool      // the range is wide: draw log10(f − min + δ)
	Floor                  float64   // min over the grid
	Delta                  float64   // δ of the log transform
}

// Sample evaluates the surface on an n×n grid over the box
// [xmin, xmax]×[ymin, ymax] (the view box, or a part of it when zoomed).
func Sample(l *Landscape, through []float64, v [4]float64, n int) *Grid {
	g := &Grid{XMin: v[0], XMax: v[1], YMin: v[2], YMax: v[3], N: n, F: make([]float64, n*n)}
	p := append([]float64(nil), through...)
	for r := range n {
		p[1] = g.YMin + (g.YMax-g.YMin)*float64(r)/float64(n-1)
		for c := range n {
			p[0] = g.XMin + (g.XMax-g.XMin)*float64(c)/float64(n-1)
			g.F[r*n+c] = l.Func(p)
		}
	}
	finite := slices.DeleteFunc(slices.Clone(g.F), func(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) })
	slices.Sort(finite)
	if len(finite) == 0 {
		return g
	}
	lo, med, hi := finite[0], finite[len(finite)/2], finite[len(finite)-1]
	g.Floor = lo
	// Wide: the range is more than 8 times the median's height above the
	// floor, so a linear map would paint half the box in its lowest colours
	// (measured over the surfaces: rosenbrock 17, beale 453, symmetry 28,
	// quadratic 8.8; himmelblau 7.8, rastrigin 2.2, wells 1.6 stay linear).
	if hi-lo > 0 && hi-lo > 8*(med-lo) {
		g.Log = true
		g.Delta = math.Max((hi-lo)*1e-5, 1e-300)
	}
	return g
}

// Z is the drawn value: f, or log10(f − min + δ) on a wide range.
func (g *Grid) Z(f float64) float64 {
	if g.Log {
		return math.Log10(f - g.Floor + g.Delta)
	}
	return f
}
