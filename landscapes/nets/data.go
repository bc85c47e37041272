package nets

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Dataset is a classification data set: N examples of D features (row-major
// in X) with labels 0 … Classes−1.
type Dataset struct {
	Name       string
	X          []float64
	D          int
	Y          []int
	Classes    int
	ClassNames []string
	// A regression data set has K targets per example (row-major in T)
	// instead of labels.
	T []float64
	K int
	// Modes is the singular value decomposition of a linear task's map.
	Modes *Modes
}

// N is the number of examples.
func (d *Dataset) N() int { return len(d.X) / d.D }

// Half is the examples of the first (second = false) or second half of the
// classes, relabelled from 0 (digits: 0–4 or 5–9 as 0…4): two tasks that
// share their inputs, for transfer between them (ch. 8.7.4).
func (d *Dataset) Half(second bool) *Dataset {
	lo, hi := 0, d.Classes/2
	if second {
		lo, hi = d.Classes/2, d.Classes
	}
	h := &Dataset{Name: d.Name, D: d.D, Classes: hi - lo, ClassNames: d.ClassNames[lo:hi]}
	for i, y := range d.Y {
		if y >= lo && y < hi {
			h.X = append(h.X, d.X[i*d.D:(i+1)*d.D]...)
			h.Y = append(h.Y, y-lo)
		}
	}
	return h
}

// Regression reports whether the examples have targets instead of labels.
func (d *Dataset) Regression() bool { return d.K > 0 }

// Target is example i's targets.
func (d *Dataset) Target(i int) []float64 { return d.T[i*d.K : (i+1)*d.K] }

// LinearTask is a regression task for deep linear networks (Saxe et al.
// 2014): y = A x + noise, with x standard normal in d dimensions and
// A = U diag(s) Vᵀ, U and V seeded Haar-random orthogonal matrices and the
// singular values sᵢ = LinearTaskSingular(i) = 3·(2/3)ⁱ (3, 2, 1.33, 0.89, …).
// From small weights a deep linear network learns A one singular mode at a
// time, the largest first: each mode's strength uᵢᵀ W vᵢ (W the product of
// the layers' weights) rises sigmoidally after a plateau whose length grows
// as 1/sᵢ (Saxe et al. 2014, eq. 10), so the loss falls in steps.
func LinearTask(d, n int, noise float64, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 0x11ea))
	m := &Modes{U: RandomOrthogonal(rng, d), V: RandomOrthogonal(rng, d), S: make([]float64, d)}
	for i := range m.S {
		m.S[i] = LinearTaskSingular(i)
	}
	var a mat.Dense
	a.Mul(m.U, mat.NewDiagDense(d, m.S))
	a.Mul(&a, m.V.T())
	ds := &Dataset{Name: "linear-task", D: d, K: d, Modes: m}
	for range n {
		x := make([]float64, d)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		ds.X = append(ds.X, x...)
		for r := range d {
			y := floats.Dot(a.RawRowView(r), x)
			ds.T = append(ds.T, y+noise*rng.NormFloat64())
		}
	}
	return ds
}

// LinearTaskSingular is the i-th (0-based) singular value of LinearTask's map.
func LinearTaskSingular(i int) float64 { return 3 * math.Pow(2.0/3, float64(i)) }

// Modes is the singular value decomposition A = U diag(S) Vᵀ of a linear
// task's map, the singular values in descending order.
type Modes struct {
	U, V *mat.Dense
	S    []float64
}

// Strengths are the strengths uᵢᵀ W vᵢ of the modes in the linear map W
// (out × in, row-major) that a network computes: Saxe et al.'s (2014) a(t),
// which rise from near 0 to sᵢ as the network learns mode i.
func (m *Modes) Strengths(w []float64) []float64 {
	d := len(m.S)
	out := make([]float64, d)
	wv := make([]float64, d)
	for i := range d {
		for r := range d {
			var s float64
			for c := range d {
				s += w[r*d+c] * m.V.At(c, i)
			}
			wv[r] = s
		}
		var s float64
		for r := range d {
			s += m.U.At(r, i) * wv[r]
		}
		out[i] = s
	}
	return out
}

// Row is example i's features.
func (d *Dataset) Row(i int) []float64 { return d.X[i*d.D : (i+1)*d.D] }

// Generators are the seeded 2-D data sets: n examples, Gaussian noise of
// the given scale on the inputs, and a fraction labelNoise of labels
// replaced by random ones.
var Generators = map[string]func(rng *rand.Rand, n int, noise float64) *Dataset{
	"spirals": spirals, "moons": moons, "circles": circles, "xor": xor, "blobs": blobs,
}

// Generate makes a named 2-D data set from a seed.
func Generate(name string, n int, noise, labelNoise float64, seed uint64) (*Dataset, error) {
	gen, ok := Generators[name]
	if !ok {
		return nil, fmt.Errorf("unknown data set %q; accepted: spirals, moons, circles, xor, blobs, digits, iris", name)
	}
	rng := rand.New(rand.NewPCG(seed, 0xda7a))
	d := gen(rng, n, noise)
	d.Name = name
	for i := range d.Y {
		if rng.Float64() < labelNoise {
			d.Y[i] = rng.IntN(d.Classes)
		}
	}
	return d, nil
}

func twoD(n, classes int, point func(i int) (x, y float64, c int)) *Dataset {
	d := &Dataset{D: 2, Classes: classes, X: make([]float64, 0, 2*n), Y: make([]int, 0, n)}
	for i := range n {
		x, y, c := point(i)
		d.X = append(d.X, x, y)
		d.Y = append(d.Y, c)
	}
	for c := range classes {
		d.ClassNames = append(d.ClassNames, strconv.Itoa(c))
	}
	return d
}

// spirals: two interleaved arms of radius growing with the angle.
func spirals(rng *rand.Rand, n int, noise float64) *Dataset {
	return twoD(n, 2, func(i int) (float64, float64, int) {
		c := i % 2
		t := float64(i/2) / float64((n+1)/2) * 3 * math.Pi
		r := 0.3 + t/(3*math.Pi)*2
		a := t + float64(c)*math.Pi
		return r*math.Cos(a) + noise*rng.NormFloat64(), r*math.Sin(a) + noise*rng.NormFloat64(), c
	})
}

// moons: two interleaved half circles.
func moons(rng *rand.Rand, n int, noise float64) *Dataset {
	return twoD(n, 2, func(i int) (float64, float64, int) {
		c := i % 2
		t := math.Pi * rng.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if c == 1 {
			x, y = 1-x, 0.5-y
		}
		return x - 0.5 + noise*rng.NormFloat64(), y - 0.25 + noise*rng.NormFloat64(), c
	})
}

// circles: a disc inside a ring.
func circles(rng *rand.Rand, n int, noise float64) *Dataset {
	return twoD(n, 2, func(i int) (float64, float64, int) {
		c := i % 2
		t := 2 * math.Pi * rng.Float64()
		r := 0.5 + float64(c)
		return r*math.Cos(t) + noise*rng.NormFloat64(), r*math.Sin(t) + noise*rng.NormFloat64(), c
	})
}

// xor: the four quadrants, opposite ones in the same class.
func xor(rng *rand.Rand, n int, noise float64) *Dataset {
	return twoD(n, 2, func(int) (float64, float64, int) {
		x, y := 2*rng.Float64()-1, 2*rng.Float64()-1
		c := 0
		if x*y < 0 {
			c = 1
		}
		return 1.5*x + noise*rng.NormFloat64(), 1.5*y + noise*rng.NormFloat64(), c
	})
}

// blobs: three Gaussian clusters.
func blobs(rng *rand.Rand, n int, noise float64) *Dataset {
	centres := [3][2]float64{{-1, -0.8}, {1, -0.6}, {0, 1}}
	return twoD(n, 3, func(i int) (float64, float64, int) {
		c := i % 3
		s := 0.35 + noise
		return centres[c][0] + s*rng.NormFloat64(), centres[c][1] + s*rng.NormFloat64(), c
	})
}

//go:embed data/digits.csv.gz data/iris.csv
var files embed.FS

// Digits is the optical recognition of handwritten digits data set (8×8
// images, pixels 0..16, scaled here to [0, 1]): E. Alpaydin and C. Kaynak,
// UCI Machine Learning Repository, CC BY 4.0 (see data/README.md).
func Digits() (*Dataset, error) {
	raw, _ := files.ReadFile("data/digits.csv.gz")
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: "digits", D: 64, Classes: 10}
	for c := range 10 {
		d.ClassNames = append(d.ClassNames, strconv.Itoa(c))
	}
	for _, r := range rows {
		for _, v := range r[:64] {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, err
			}
			d.X = append(d.X, x/16)
		}
		y, err := strconv.Atoi(r[64])
		if err != nil {
			return nil, err
		}
		d.Y = append(d.Y, y)
	}
	return d, nil
}

// Iris is Fisher's iris data set, each feature standardized: R. A. Fisher
// (1936), UCI Machine Learning Repository, CC BY 4.0 (see data/README.md).
func Iris() (*Dataset, error) {
	f, _ := files.Open("data/iris.csv")
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	d := &Dataset{Name: "iris", D: 4, Classes: 3, ClassNames: head[2:5]}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, v := range rec[:4] {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, err
			}
			d.X = append(d.X, x)
		}
		y, _ := strconv.Atoi(rec[4])
		d.Y = append(d.Y, y)
	}
	standardize(d)
	return d, nil
}

// standardize gives every feature mean 0 and standard deviation 1.
func standardize(d *Dataset) {
	for j := range d.D {
		var s, ss float64
		for i := range d.N() {
			s += d.X[i*d.D+j]
		}
		mean := s / float64(d.N())
		for i := range d.N() {
			v := d.X[i*d.D+j] - mean
			ss += v * v
		}
		sd := math.Sqrt(ss / float64(d.N()))
		if sd == 0 {
			sd = 1
		}
		for i := range d.N() {
			d.X[i*d.D+j] = (d.X[i*d.D+j] - mean) / sd
		}
	}
}

// Split shuffles the examples with the seed and returns the first
// (1 − valFraction) of them for training and the rest for validation.
func Split(n int, valFraction float64, seed uint64) (train, val []int) {
	idx := rand.New(rand.NewPCG(seed, 0x5b1d)).Perm(n)
	k := n - int(math.Round(valFraction*float64(n)))
	return idx[:k], idx[k:]
}

// Batches deals minibatches of a fixed size from the training examples,
// reshuffled at every epoch from the seed, so that every racer with the same
// seed sees the same minibatches.
type Batches struct {
	examples []int
	size     int
	rng      *rand.Rand
	pos      int
	Epoch    int
}

// NewBatches starts dealing; size ≥ len(examples) means full batches.
func NewBatches(examples []int, size int, seed uint64) *Batches {
	b := &Batches{examples: append([]int(nil), examples...), size: min(size, len(examples)), rng: rand.New(rand.NewPCG(seed, 0xba7c))}
	b.shuffle()
	return b
}

func (b *Batches) shuffle() {
	b.rng.Shuffle(len(b.examples), func(i, j int) { b.examples[i], b.examples[j] = b.examples[j], b.examples[i] })
	b.pos = 0
}

// Next is the next minibatch; it aliases the dealer's order, valid until the
// next call. A short last batch of an epoch is dropped.
func (b *Batches) Next() []int {
	if b.pos+b.size > len(b.examples) {
		b.shuffle()
		b.Epoch++
	}
	out := b.examples[b.pos : b.pos+b.size]
	b.pos += b.size
	return out
}

// EasyFirst orders the examples from easy to hard by a stated score: the
// distance from an example to the nearest example of another class (far from
// every other class is easy; Bengio et al. 2009's curriculum needs some such
// ordering). For regression tasks the order is by the size of the target.
func (d *Dataset) EasyFirst(examples []int) []int {
	score := make([]float64, len(examples))
	for a, i := range examples {
		if d.Regression() {
			var s float64
			for _, t := range d.Target(i) {
				s += t * t
			}
			score[a] = -s // small targets first
			continue
		}
		best := math.Inf(1)
		xi := d.Row(i)
		for _, j := range examples {
			if d.Y[j] == d.Y[i] {
				continue
			}
			var s float64
			for k, v := range d.Row(j) {
				s += (v - xi[k]) * (v - xi[k])
			}
			best = math.Min(best, s)
		}
		score[a] = best
	}
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	return order
}
