package nets

import (
	"context"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// BenchmarkTrainStep is one SGD step (minibatch gradient by backpropagation
// and the update) of the two networks docs/bench/torch_mlp.py times in
// PyTorch: a 2-16-16-2 tanh MLP with batch 32 and the digits MLP 64-32-10
// (tanh) with batch 64, in float64 on one thread.
func BenchmarkTrainStep(b *testing.B) {
	spirals, _ := Generate("spirals", 1024, 0.1, 0, 1)
	digits, _ := Digits()
	for _, c := range []struct {
		name     string
		data     *Dataset
		hidden   []int
		batch    int
		residual bool
		aux      int
		norm     bool
	}{
		{"2-16-16-2-batch32", spirals, []int{16, 16}, 32, false, 0, false},
		{"2-16-16-2-aux1-batch32", spirals, []int{16, 16}, 32, false, 1, false},
		{"64-32-10-batch64", digits, []int{32}, 64, false, 0, false},
		// The deep models of the lessons on depth (ch. 8.7.5): 20 hidden
		// layers of 16, plain and residual.
		{"deep20x16-batch32", spirals, slices.Repeat([]int{16}, 20), 32, false, 0, false},
		{"residual20x16-batch32", spirals, slices.Repeat([]int{16}, 20), 32, true, 0, false},
		// Batch normalization (ch. 8.7.1): the 2-16-16-2 net and the
		// lesson's 10 layers of 16.
		{"2-16-16-2-batchnorm-batch32", spirals, []int{16, 16}, 32, false, 0, true},
		{"deep10x16-batch32", spirals, slices.Repeat([]int{16}, 10), 32, false, 0, false},
		{"deep10x16-batchnorm-batch32", spirals, slices.Repeat([]int{16}, 10), 32, false, 0, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := NewMLP(c.data, c.hidden, Tanh, 0)
			m.Residual = c.residual
			m.SetAux(c.aux, 0.3)
			m.SetBatchNorm(c.norm)
			theta, _ := Init{Scheme: "glorot"}.Weights(m, 1)
			g := make([]float64, m.Dim())
			all := make([]int, c.data.N())
			for i := range all {
				all[i] = i
			}
			batches := NewBatches(all, c.batch, 1)
			b.ReportAllocs()
			for b.Loop() {
				m.Grad(g, theta, batches.Next())
				floats.AddScaled(theta, -0.01, g)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}

// BenchmarkLanczosDigits estimates the top Hessian eigenvalue of the digits
// MLP (64-32-10, tanh) on its 1,797 examples with 20 Lanczos iterations of
// exact Hessian-vector products.
func BenchmarkLanczosDigits(b *testing.B) {
	digits, _ := Digits()
	m := NewMLP(digits, []int{32}, Tanh, 0)
	theta, _ := Init{Scheme: "glorot"}.Weights(m, 1)
	var top float64
	for b.Loop() {
		eig := Lanczos(m.Dim(), 20, func(dst, v []float64) { m.HVP(dst, theta, v, nil, false) }, 1)
		top = eig[len(eig)-1]
	}
	b.ReportMetric(top, "top-eigenvalue")
}

// BenchmarkSliceDigits is a 51×51 filter-normalized slice of the digits
// MLP's training loss (64-32-10 tanh, all 1,797 digits; biases left out of
// the directions), on every core (docs/bench/torch_slice.py does the same
// in PyTorch).
func BenchmarkSliceDigits(b *testing.B) {
	digits, _ := Digits()
	m := NewMLP(digits, []int{32}, Tanh, 0)
	all := make([]int, digits.N())
	for i := range all {
		all[i] = i
	}
	o := &Objective{Model: m, Train: all}
	theta, _ := Init{Scheme: "glorot"}.Weights(m, 1)
	d1, d2 := o.FilterDirection(theta, 1, true), o.FilterDirection(theta, 2, true)
	for b.Loop() {
		if err := o.Slice(context.Background(), theta, d1, d2, -1, 1, 51, func(int, []Point) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecurrentStep is one SGD step on a minibatch of 20 sequences of
// the bit task (T = 20, 16 units): the tanh RNN and the LSTM (ch. 10.10).
func BenchmarkRecurrentStep(b *testing.B) {
	task := NewBitTask(16, 20, 200, 0.5, 1)
	lstm := NewLSTM(task, 16)
	for _, c := range []struct {
		name  string
		model Model
		theta []float64
	}{
		{"rnn-tanh-16x20", task, task.InitWeights(1, 1)},
		{"lstm-16x20", lstm, lstm.InitWeights(1, 1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			g := make([]float64, c.model.Dim())
			all := make([]int, c.model.Examples())
			for i := range all {
				all[i] = i
			}
			batches := NewBatches(all, 20, 1)
			for b.Loop() {
				c.model.Grad(g, c.theta, batches.Next())
				floats.AddScaled(c.theta, -0.01, g)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
