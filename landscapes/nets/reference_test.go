package nets

import (
	"encoding/json"
	"flag"
	"math"
	"os"
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
	Grad, HVP, GNVP, GradAll, HVPAll          []float64
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
	if *updateReference {
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
