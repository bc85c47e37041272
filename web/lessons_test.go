package web

import (
	"testing"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/optim"
)

// Natural gradient at its defaults must not diverge on any lesson's model:
// on each lesson surface that has a Fisher (and at most optim.MaxDense
// parameters) 40 steps end finite and below the starting loss.
func TestNaturalGradientHoldsOnEveryLessonModel(t *testing.T) {
	tried := 0
	for _, l := range Lessons {
		land, err := landscapes.Build(l.Surface)
		if err != nil {
			t.Fatalf("lesson %s: %v", l.Slug, err)
		}
		if optim.Check(land, "natural-gradient") != nil || land.Dim() > optim.MaxDense {
			continue // no Fisher, or too large for a dense one
		}
		tried++
		start := land.Start()
		if l.Start != nil {
			start = l.Start
		}
		r, err := optim.Start(land, "natural-gradient", start, 1)
		if err != nil {
			t.Fatalf("lesson %s: %v", l.Slug, err)
		}
		f0 := r.F
		for r.Iter < 40 && r.Step() {
		}
		if r.Status == optim.Diverged || r.Status == optim.Failed || r.Status == optim.Refused || !(r.F < f0) {
			t.Errorf("lesson %s (%s): natural gradient ended %s (%s) with f %g from %g", l.Slug, l.Surface, r.Status, r.Reason, r.F, f0)
		}
	}
	if tried < 5 {
		t.Errorf("natural gradient was tried on %d lesson models; the lessons have more", tried)
	}
}
