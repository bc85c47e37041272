package web

import (
	"os"
	"regexp"
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

// The README says how many lessons there are, in words; it must keep up.
func TestReadmeCountsTheLessons(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("\\(`/lessons`\\): ([a-z-]+) preset races").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README does not say how many lessons there are")
	}
	ones := []string{"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	teens := []string{"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tens := []string{"", "", "twenty", "thirty", "forty"}
	n := len(Lessons)
	want := ones[n%10]
	if n >= 10 && n < 20 {
		want = teens[n-10]
	} else if n >= 20 {
		want = tens[n/10]
		if n%10 > 0 {
			want += "-" + ones[n%10]
		}
	}
	if string(m[1]) != want {
		t.Errorf("the README says %s lessons; there are %d (%s)", m[1], n, want)
	}
}
