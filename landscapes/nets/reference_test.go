package nets

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"slices"
	"sort"
	"testing"
)

var updateReference = flag.Bool("update-reference", false, "rewrite testdata/mlp_reference.json from the code as it is")

// mlpReference are the numbers the MLP gave before its passes were batched
// (per example, with gonum's vector kernels), kept in testdata: loss,
// gradient, Hessian- and Gauss–Newton-vector products, loss and errors, on
// a minibatch and on all examples, for every model of models() and the
// digits network. Whatever kernel does the work, the numbers stay these to
// 1e-12.
type mlpReference struct {
	Loss, LossAll, ErrAll, LossErr, ErrRate refNum
	Grad, HVP, GNVP, GradAll, HVPAll        []float64
}

// refNum is a number that JSON writes as null when it is NaN (a
// regression's error rate).
type refNum float64

func (n refNum) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

func (n *refNum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = refNum(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(n))
}

func referenceModels(t *testing.T) map[string]*MLP {
	ms := models(t)
	digits, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	ms["digits 64-32-10 tanh"] = NewMLP(digits, []int{32}, Tanh, 0)
	ms["digits 64-16-16-10 relu l2"] = NewMLP(digits, []int{16, 16}, ReLU, 0.001)
	return ms
}

func computeReference(m *MLP) mlpReference {
	n := m.Dim()
	theta, v := randomTheta(n, 0.5, 11), randomTheta(n, 1, 12)
	batch := []int{0, 3, 5, 7, 11, 13, 2, 17}
	r := mlpReference{Grad: make([]float64, n), HVP: make([]float64, n), GNVP: make([]float64, n), GradAll: make([]float64, n), HVPAll: make([]float64, n)}
	r.Loss = refNum(m.Loss(theta, batch))
	m.Grad(r.Grad, theta, batch)
	m.HVP(r.HVP, theta, v, batch, false)
	m.HVP(r.GNVP, theta, v, batch, true)
	r.LossAll = refNum(m.Loss(theta, nil))
	m.Grad(r.GradAll, theta, nil)
	m.HVP(r.HVPAll, theta, v, nil, false)
	r.ErrAll = refNum(m.Errors(theta, nil))
	loss, rate := m.LossAndErrors(theta, nil)
	r.LossErr, r.ErrRate = refNum(loss), refNum(rate)
	return r
}

func TestMLPKeepsItsNumbers(t *testing.T) {
	const path = "testdata/mlp_reference.json"
	ms := referenceModels(t)
	got := map[string]mlpReference{}
	for name, m := range ms {
		got[name] = computeReference(m)
	}
	// The same numbers from the Go kernels alone, as on a machine without
	// AVX2 or AVX-512 (checked below as "go: …").
	avx512, avx2 := useAVX512, useAVX2
	useAVX512, useAVX2 = false, false
	for name := range ms {
		fresh := referenceModels(t)[name]
		got["go: "+name] = computeReference(fresh)
	}
	useAVX512, useAVX2 = avx512, avx2
	if *updateReference {
		for name := range ms {
			delete(got, "go: "+name)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]mlpReference
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) != len(ms) {
		t.Fatalf("%d reference models, %d now", len(names), len(ms))
	}
	for _, name := range names {
		want["go: "+name] = want[name]
		names = append(names, "go: "+name)
	}
	close := func(a, b float64) bool {
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.IsNaN(a) && math.IsNaN(b)
		}
		return math.Abs(a-b) <= 1e-12*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
	}
	for _, name := range names {
		w, g := want[name], got[name]
		for _, c := range []struct {
			what string
			a, b refNum
		}{{"loss", w.Loss, g.Loss}, {"loss on all", w.LossAll, g.LossAll}, {"errors", w.ErrAll, g.ErrAll}, {"LossAndErrors loss", w.LossErr, g.LossErr}, {"LossAndErrors errors", w.ErrRate, g.ErrRate}} {
			if !close(float64(c.a), float64(c.b)) {
				t.Errorf("%s: %s %.17g, was %.17g", name, c.what, c.b, c.a)
			}
		}
		for _, c := range []struct {
			what string
			a, b []float64
		}{{"gradient", w.Grad, g.Grad}, {"H·v", w.HVP, g.HVP}, {"G·v", w.GNVP, g.GNVP}, {"gradient on all", w.GradAll, g.GradAll}, {"H·v on all", w.HVPAll, g.HVPAll}} {
			for i := range c.a {
				if !close(c.a[i], c.b[i]) {
					t.Errorf("%s: %s[%d] = %.17g, was %.17g", name, c.what, i, c.b[i], c.a[i])
					break
				}
			}
		}
	}
}

// Products at one θ share a forward pass; any other call in between, a
// θ changed in place or other examples must not see a stale one.
func TestHVPForwardCache(t *testing.T) {
	for name, m := range referenceModels(t) {
		n := m.Dim()
		theta, v, other := randomTheta(n, 0.5, 21), randomTheta(n, 1, 22), randomTheta(n, 0.5, 23)
		first, again, g := make([]float64, n), make([]float64, n), make([]float64, n)
		m.HVP(first, theta, v, nil, false)
		m.Grad(g, other, []int{1, 2, 3, 4, 5})
		m.HVP(again, other, v, []int{0, 1}, false)
		m.HVP(again, theta, v, nil, false)
		if !slices.Equal(first, again) {
			t.Errorf("%s: H·v at θ after other work differs from the first", name)
		}
		fresh := m.Clone().(*MLP)
		theta[0] += 0.25 // in place: the cache must notice
		m.HVP(again, theta, v, nil, true)
		fresh.HVP(first, theta, v, nil, true)
		if !slices.Equal(first, again) {
			t.Errorf("%s: G·v after θ changed in place differs from a fresh model's", name)
		}
	}
}
