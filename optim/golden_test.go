package optim

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/saddle-viz/saddle/landscapes"
)

// TestGolden reproduces testdata/golden.csv, PyTorch's own numbers
// (docs/spec/optimizers.md, "Golden values"): the first 20 steps of five runs
// computed by PyTorch 1.13 in float64 from each surface's default start.
// Every number must agree to a relative 1e-9.
func TestGolden(t *testing.T) {
	f, err := os.Open("testdata/golden.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	runs := map[[2]string]*Run{}
	checked := 0
	maxRel := 0.0
	for _, row := range rows[1:] {
		key := [2]string{row[0], row[1]}
		r, ok := runs[key]
		if !ok {
			land, err := landscapes.Build(row[0])
			if err != nil {
				t.Fatal(err)
			}
			r, err = Start(land, row[1], land.Start(), 1)
			if err != nil {
				t.Fatal(err)
			}
			runs[key] = r
		}
		iter, _ := strconv.Atoi(row[2])
		for r.Iter < iter {
			if !r.Step() {
				t.Fatalf("%s on %s stopped at iteration %d: %s %s", row[1], row[0], r.Iter, r.Status, r.Reason)
			}
		}
		got := []float64{r.F, r.GNorm, r.X[0], r.X[1]}
		for i, name := range []string{"f", "gnorm", "x0", "x1"} {
			want, _ := strconv.ParseFloat(row[3+i], 64)
			if want != 0 {
				maxRel = math.Max(maxRel, math.Abs(got[i]-want)/math.Abs(want))
			}
			if math.Abs(got[i]-want) > 1e-9*math.Max(math.Abs(want), 1e-300) && math.Abs(got[i]-want) > 1e-15 {
				t.Errorf("%s on %s, iteration %d: %s = %.17g, PyTorch %.17g (relative error %.2g)", row[1], row[0], iter, name, got[i], want, math.Abs(got[i]-want)/math.Abs(want))
			}
		}
		checked++
	}
	t.Logf("max relative error %g", maxRel)
	if checked != 105 {
		t.Errorf("checked %d rows, want 105", checked)
	}
}
