package optim

import (
	"testing"

	"github.com/saddle-viz/saddle/landscapes"
)

// BenchmarkStep measures one step of each optimizer on rosenbrock from its
// default start; first-order steps should report 0 allocs/op. A run that
// stops (a line search converged) is restarted outside the timer.
func BenchmarkStep(b *testing.B) {
	land, _ := landscapes.Build("rosenbrock")
	for _, in := range Optimizers() {
		spec := in.Name
		if in.Name == "natural-gradient" {
			continue // refused on a plain surface
		}
		if in.Family == "first order" && in.Name != "adadelta" {
			spec += ":lr=0.0005" // small enough not to diverge in b.N steps
		}
		b.Run(in.Name, func(b *testing.B) {
			r, _ := Start(land, spec, land.Start(), 1)
			b.ReportAllocs()
			for b.Loop() {
				if !r.Step() {
					b.StopTimer()
					r, _ = Start(land, spec, land.Start(), 1)
					b.StartTimer()
				}
			}
		})
	}
}
