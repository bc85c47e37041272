package nets

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// A student's own data: a CSV file of 2-D points, each with a class label
// or a regression target, read with every problem named by its line and
// column.

// The limits of an uploaded data set.
const (
	MaxCSVBytes   = 256 << 10 // the file
	MaxCSVRows    = 5000
	MinCSVRows    = 10 // enough to hold some out for validation
	MaxCSVClasses = 10
	// MaxCSVValue bounds every number: the inputs are standardized, and a
	// point a billion standard deviations out is a typing mistake.
	MaxCSVValue = 1e9
)

// CSVError is what is wrong with a data file, and where (Line and Column
// from 1; 0 when the problem is the file as a whole or a whole line). A
// problem of a whole column has Column but no Line, and its message names
// the column.
type CSVError struct {
	Line, Column int
	Message      string
}

func (e *CSVError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// UserData is an uploaded data set: the points as written in the file and
// the data set a network trains on (inputs, and a regression target,
// standardized to mean 0 and standard deviation 1, as digits and iris are).
type UserData struct {
	Name string // the file's name, for captions
	// Raw is the points as read: x, y and the label or target, one row
	// each; Labels the class of each row (classification).
	Raw [][3]float64
	// Canonical is the data written back as CSV (a header, then x,y,label
	// or x,y,target in the shortest exact form): the same points give the
	// same text, whatever the spacing, quoting or order of the columns'
	// names in the file, so its hash identifies the data.
	Canonical string
	ID        string // the first 16 hex digits of Canonical's SHA-256
	Data      *Dataset
	// Target is the regression target's mean and standard deviation, to
	// say predictions in the file's units.
	TargetMean, TargetStd float64
}

// csvHeaders are the columns a header row may name, lower case.
var (
	labelHeaders  = []string{"label", "class", "y_class", "category"}
	targetHeaders = []string{"target", "value", "z"}
)

// ReadCSV reads a data file: rows of x,y,label (a class: a whole number or
// a word) or x,y,target (a number), with an optional header row. A header
// whose third column is "target" (or "value", "z") makes a regression task;
// without one, a third column of whole numbers or words is a class label
// and one of other numbers a target. Blank lines are skipped. Every problem
// is a *CSVError naming its line and column and what is accepted.
func ReadCSV(name string, r io.Reader) (*UserData, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxCSVBytes {
		return nil, &CSVError{Message: fmt.Sprintf("the file is larger than %d KiB; at most %d rows of x,y,label are accepted", MaxCSVBytes>>10, MaxCSVRows)}
	}
	body = bytes.TrimPrefix(body, []byte("\ufeff")) // a spreadsheet's byte-order mark
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &CSVError{Message: "the file is empty; give rows of x,y,label (a class) or x,y,target (a number)"}
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1 // counted here, to say it in our words
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var (
		rows     [][3]float64
		labels   []string // the third column as written
		lines    []int
		regress  = false
		header   = false
		rowIndex = 0
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &CSVError{Line: pe.Line, Column: pe.Column, Message: csvParseProblem(pe.Err)}
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		rowIndex++
		if len(rec) != 3 {
			return nil, &CSVError{Line: line, Message: fmt.Sprintf("%d fields; every row has 3: x,y,label (a class) or x,y,target (a number)", len(rec))}
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if rowIndex == 1 && !isNumber(rec[0]) && !isNumber(rec[1]) {
			header = true
			third := strings.ToLower(rec[2])
			switch {
			case slices.Contains(targetHeaders, third):
				regress = true
			case slices.Contains(labelHeaders, third):
			default:
				return nil, &CSVError{Line: line, Column: 3, Message: fmt.Sprintf("the header names the third column %q; name it label (or class) for classes, target (or value) for a regression target", rec[2])}
			}
			continue
		}
		if len(rows) == MaxCSVRows {
			return nil, &CSVError{Line: line, Message: fmt.Sprintf("more than %d rows; at most %d points are accepted", MaxCSVRows, MaxCSVRows)}
		}
		var row [3]float64
		for c := range 2 {
			v, err := csvNumber(rec[c], line, c+1, "xy"[c:c+1])
			if err != nil {
				return nil, err
			}
			row[c] = v
		}
		rows = append(rows, row)
		labels = append(labels, rec[2])
		lines = append(lines, line)
	}
	if len(rows) < MinCSVRows {
		return nil, &CSVError{Message: fmt.Sprintf("%d rows of data; at least %d are needed (some are held out for validation)", len(rows), MinCSVRows)}
	}
	if !header {
		// Without a header: numbers that are not all whole are a target.
		numeric, whole := true, true
		for _, l := range labels {
			v, err := strconv.ParseFloat(l, 64)
			numeric = numeric && err == nil
			whole = whole && err == nil && v == math.Trunc(v)
		}
		regress = numeric && !whole
	}
	u := &UserData{Name: name, Raw: rows}
	var err2 error
	if regress {
		err2 = u.targets(labels, lines)
	} else {
		err2 = u.classes(labels, lines, header)
	}
	if err2 != nil {
		return nil, err2
	}
	for c, axis := range []string{"x", "y"} {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range rows {
			lo, hi = math.Min(lo, r[c]), math.Max(hi, r[c])
		}
		if lo == hi {
			return nil, &CSVError{Column: c + 1, Message: fmt.Sprintf("column %d (%s) is %s on every row; the points must spread in both x and y", c+1, axis, strconv.FormatFloat(lo, 'g', -1, 64))}
		}
	}
	u.canonical(regress)
	return u, nil
}

// classes makes a classification task of the labels: classes in the order
// of their labels (numerically when every label is a number).
func (u *UserData) classes(labels []string, lines []int, header bool) error {
	names := slices.Clone(labels)
	slices.Sort(names)
	names = slices.Compact(names)
	numeric := true
	for _, n := range names {
		if n == "" {
			i := slices.Index(labels, "")
			return &CSVError{Line: lines[i], Column: 3, Message: "the label is empty; every point needs a class (a whole number or a word)"}
		}
		_, err := strconv.ParseFloat(n, 64)
		numeric = numeric && err == nil
	}
	if numeric {
		slices.SortFunc(names, func(a, b string) int {
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			return cmp.Compare(x, y)
		})
		// "1" and "1.0" are one class.
		names = slices.CompactFunc(names, func(a, b string) bool {
			x, _ := strconv.ParseFloat(a, 64)
			y, _ := strconv.ParseFloat(b, 64)
			return x == y
		})
	}
	switch {
	case len(names) < 2:
		return &CSVError{Message: fmt.Sprintf("every point has the label %q; a classification needs at least 2 classes", names[0])}
	case len(names) > MaxCSVClasses:
		more := ""
		if numeric && !header {
			more = "; for a regression target, start the file with the header x,y,target"
		}
		return &CSVError{Column: 3, Message: fmt.Sprintf("column 3 has %d different labels; at most %d classes are accepted%s", len(names), MaxCSVClasses, more)}
	}
	d := &Dataset{Name: u.Name, D: 2, Classes: len(names), ClassNames: names}
	for i, l := range labels {
		k := slices.Index(names, l)
		if numeric {
			v, _ := strconv.ParseFloat(l, 64)
			k = slices.IndexFunc(names, func(n string) bool { w, _ := strconv.ParseFloat(n, 64); return w == v })
		}
		d.X = append(d.X, u.Raw[i][0], u.Raw[i][1])
		d.Y = append(d.Y, k)
		u.Raw[i][2] = float64(k)
	}
	standardize(d)
	u.Data = d
	return nil
}

// targets makes a regression task of the third column.
func (u *UserData) targets(labels []string, lines []int) error {
	d := &Dataset{Name: u.Name, D: 2, K: 1}
	for i, l := range labels {
		v, err := csvNumber(l, lines[i], 3, "target")
		if err != nil {
			return err
		}
		u.Raw[i][2] = v
		d.X = append(d.X, u.Raw[i][0], u.Raw[i][1])
		d.T = append(d.T, v)
	}
	mean, std := stat.PopMeanStdDev(d.T, nil)
	if std == 0 {
		return &CSVError{Column: 3, Message: fmt.Sprintf("the target (column 3) is %s on every row; there is nothing to learn", strconv.FormatFloat(mean, 'g', -1, 64))}
	}
	for i := range d.T {
		d.T[i] = (d.T[i] - mean) / std
	}
	u.TargetMean, u.TargetStd = mean, std
	standardize(d)
	u.Data = d
	return nil
}

// canonical writes the data back in one form and names it by its hash.
func (u *UserData) canonical(regress bool) {
	var b strings.Builder
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	if regress {
		b.WriteString("x,y,target\n")
	} else {
		b.WriteString("x,y,label\n")
	}
	w := csv.NewWriter(&b)
	for _, r := range u.Raw {
		third := f(r[2])
		if !regress {
			third = u.Data.ClassNames[int(r[2])]
		}
		w.Write([]string{f(r[0]), f(r[1]), third}) // a strings.Builder does not fail
	}
	w.Flush()
	u.Canonical = b.String()
	sum := sha256.Sum256([]byte(u.Canonical))
	u.ID = hex.EncodeToString(sum[:8])
}

// csvNumber reads a finite number of at most MaxCSVValue in size.
func csvNumber(s string, line, col int, what string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case s == "":
		return 0, &CSVError{Line: line, Column: col, Message: fmt.Sprintf("%s is empty; a number is needed", what)}
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, &CSVError{Line: line, Column: col, Message: fmt.Sprintf("%s is %q, not a number", what, s)}
	case math.IsNaN(v) || math.Abs(v) > MaxCSVValue || errors.Is(err, strconv.ErrRange):
		return 0, &CSVError{Line: line, Column: col, Message: fmt.Sprintf("%s is %q; a finite number between -1e9 and 1e9 is accepted", what, s)}
	}
	return v, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// csvParseProblem says a CSV syntax error in words.
func csvParseProblem(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `a quote " inside a field that is not quoted; quote the whole field and double the quote ("")`
	case errors.Is(err, csv.ErrQuote):
		return `a quoted field is not closed, or its closing quote " is followed by more than a comma`
	}
	return err.Error()
}
