package nets

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// rowsOf writes n rows of points on a circle, labelled by label(i).
func rowsOf(n int, label func(i int) string) string {
	var b strings.Builder
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		fmt.Fprintf(&b, "%g,%g,%s\n", 10+3*math.Cos(a), -4+math.Sin(a), label(i))
	}
	return b.String()
}

func TestReadCSVClasses(t *testing.T) {
	body := "x, y, label\n" + rowsOf(12, func(i int) string { return []string{"setosa", "virginica", "versicolor"}[i%3] })
	u, err := ReadCSV("flowers.csv", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	d := u.Data
	if d.N() != 12 || d.Classes != 3 || d.Regression() || strings.Join(d.ClassNames, " ") != "setosa versicolor virginica" {
		t.Fatalf("%d examples of %d classes %v", d.N(), d.Classes, d.ClassNames)
	}
	if d.Y[1] != 2 || d.Y[2] != 1 {
		t.Errorf("labels %v: virginica is class 2, versicolor 1", d.Y[:3])
	}
	// The inputs are standardized, as digits and iris are.
	for c := range 2 {
		col := make([]float64, d.N())
		for i := range col {
			col[i] = d.X[2*i+c]
		}
		if m, s := stat.PopMeanStdDev(col, nil); math.Abs(m) > 1e-12 || math.Abs(s-1) > 1e-12 {
			t.Errorf("column %d: mean %g, standard deviation %g", c, m, s)
		}
	}
	// The same points written another way are the same data.
	other := strings.ReplaceAll(body, ",", " , ")
	other = "\ufeff" + strings.ReplaceAll(other, "\n", "\r\n\r\n")
	other = strings.Replace(other, "setosa", `"setosa"`, 1)
	v, err := ReadCSV("copy.csv", strings.NewReader(other))
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != u.ID || v.Canonical != u.Canonical || len(u.ID) != 16 {
		t.Errorf("the same points read twice: ids %s and %s\n%s\n%s", u.ID, v.ID, u.Canonical, v.Canonical)
	}
	// The canonical form reads back as the same data.
	w, err := ReadCSV("canonical.csv", strings.NewReader(u.Canonical))
	if err != nil || w.ID != u.ID {
		t.Errorf("the canonical form reads back as %v, %v", w, err)
	}
	moved := strings.Replace(body, "10,", "10.5,", 1)
	if z, _ := ReadCSV("moved.csv", strings.NewReader(moved)); z.ID == u.ID {
		t.Error("moving a point kept the id")
	}
}

func TestReadCSVNumberedClassesAndTargets(t *testing.T) {
	// Whole numbers without a header are classes, in numerical order.
	u, err := ReadCSV("a.csv", strings.NewReader(rowsOf(20, func(i int) string { return []string{"10", "2", "2.0"}[i%3] })))
	if err != nil {
		t.Fatal(err)
	}
	if u.Data.Classes != 2 || u.Data.ClassNames[0] != "2" || u.Data.Y[0] != 1 || u.Data.Y[1] != 0 || u.Data.Y[2] != 0 {
		t.Errorf("classes %v, labels %v", u.Data.ClassNames, u.Data.Y[:3])
	}
	// Other numbers are a target; a header can say so for whole numbers.
	for _, body := range []string{
		rowsOf(20, func(i int) string { return fmt.Sprint(0.5 * float64(i)) }),
		"x,y,target\n" + rowsOf(20, func(i int) string { return fmt.Sprint(i) }),
	} {
		u, err := ReadCSV("r.csv", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		d := u.Data
		if !d.Regression() || d.K != 1 || d.N() != 20 {
			t.Fatalf("a target column read as %d classes, K = %d", d.Classes, d.K)
		}
		raw := make([]float64, 20)
		for i := range raw {
			raw[i] = u.Raw[i][2]
		}
		m, s := stat.PopMeanStdDev(raw, nil)
		if u.TargetMean != m || u.TargetStd != s || math.Abs(d.T[3]-(raw[3]-m)/s) > 1e-15 {
			t.Errorf("target %g standardized to %g with mean %g and sd %g", raw[3], d.T[3], u.TargetMean, u.TargetStd)
		}
		if !strings.HasPrefix(u.Canonical, "x,y,target\n") {
			t.Errorf("canonical form %.40q", u.Canonical)
		}
	}
}

// Every bad file is refused with its line, its column and what is accepted.
func TestReadCSVErrors(t *testing.T) {
	ok := rowsOf(12, func(i int) string { return fmt.Sprint(i % 2) })
	many := rowsOf(12, func(i int) string { return fmt.Sprint(i) })
	tests := []struct {
		name, body, want string
	}{
		{"empty", "  \n\n", "the file is empty; give rows of x,y,label (a class) or x,y,target (a number)"},
		{"fields", "1,2,0\n3,4\n", "line 2: 2 fields; every row has 3: x,y,label (a class) or x,y,target (a number)"},
		{"word", "x,y,label\n1,2,a\n1,two,b\n", `line 3, column 2: y is "two", not a number`},
		{"nan", ok + "NaN,1,0\n", `line 13, column 1: x is "NaN"; a finite number between -1e9 and 1e9 is accepted`},
		{"inf", ok + "1,-Inf,0\n", `line 13, column 2: y is "-Inf"; a finite number between -1e9 and 1e9 is accepted`},
		{"huge", ok + "1e400,1,0\n", `line 13, column 1: x is "1e400"; a finite number between -1e9 and 1e9 is accepted`},
		{"big", ok + "2e9,1,0\n", `line 13, column 1: x is "2e9"; a finite number between -1e9 and 1e9 is accepted`},
		{"empty x", ok + ",1,0\n", "line 13, column 1: x is empty; a number is needed"},
		{"empty label", ok + "1,1,\n", "line 13, column 3: the label is empty; every point needs a class (a whole number or a word)"},
		{"target", "x,y,target\n" + strings.Replace(ok, ",1\n", ",one\n", 1), `line 3, column 3: target is "one", not a number`},
		{"header", "a,b,colour\n" + ok, `line 1, column 3: the header names the third column "colour"; name it label (or class) for classes, target (or value) for a regression target`},
		{"few", "1,2,0\n2,3,1\n", "2 rows of data; at least 10 are needed (some are held out for validation)"},
		{"one class", rowsOf(12, func(int) string { return "cat" }), `every point has the label "cat"; a classification needs at least 2 classes`},
		{"eleven", many, "column 3 has 12 different labels; at most 10 classes are accepted; for a regression target, start the file with the header x,y,target"},
		{"eleven words", rowsOf(12, func(i int) string { return fmt.Sprint("c", i) }), "column 3 has 12 different labels; at most 10 classes are accepted"},
		{"two classes", ok, ""},
		{"flat x", strings.Repeat("1,2,0\n1,3,1\n", 6), "column 1 (x) is 1 on every row; the points must spread in both x and y"},
		{"flat target", "x,y,target\n" + rowsOf(12, func(int) string { return "7" }), "the target (column 3) is 7 on every row; there is nothing to learn"},
		{"quote", ok + "1,2,a\"b\n", `line 13, column 6: a quote " inside a field that is not quoted; quote the whole field and double the quote ("")`},
		{"rows", strings.Repeat("1,2,0\n3,4,1\n", 2501), "line 5001: more than 5000 rows; at most 5000 points are accepted"},
		{"bytes", strings.Repeat("1.000000000,2,0\n", 17000), "the file is larger than 256 KiB; at most 5000 rows of x,y,label are accepted"},
	}
	for _, tt := range tests {
		_, err := ReadCSV(tt.name+".csv", strings.NewReader(tt.body))
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var ce *CSVError
		if !errors.As(err, &ce) || err.Error() != tt.want {
			t.Errorf("%s: %v\nwant %s", tt.name, err, tt.want)
		}
	}
}

// FuzzReadCSV: any bytes give data or a *CSVError, never a panic, and
// data that was read reads back from its canonical form as the same.
func FuzzReadCSV(f *testing.F) {
	f.Add("x,y,label\n" + rowsOf(10, func(i int) string { return fmt.Sprint(i % 3) }))
	f.Add(rowsOf(11, func(i int) string { return fmt.Sprint(0.1 * float64(i)) }))
	f.Add("1,2,\"a\nb\"\n")
	f.Fuzz(func(t *testing.T, body string) {
		u, err := ReadCSV("fuzz.csv", strings.NewReader(body))
		if err != nil {
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("%T %v", err, err)
			}
			return
		}
		v, err := ReadCSV("again.csv", strings.NewReader(u.Canonical))
		if err != nil || v.ID != u.ID {
			t.Fatalf("the canonical form %q reads back as %v", u.Canonical, err)
		}
	})
}
