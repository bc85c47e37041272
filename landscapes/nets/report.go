package nets

import (
	"context"
	"encoding/base64"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Report is a network's state at a parameter vector, for the page: the
// surrogate loss and the 0-1 error on the training and validation sets, the
// per-layer spread of activations and of their gradients, and either the
// decision regions (2-D data) or the validation confusion matrix.
type Report struct {
	TrainLoss float64   `json:"train_loss"`
	TrainErr  *float64  `json:"train_err"` // nil for a regression task
	ValLoss   *float64  `json:"val_loss"`  // nil without a validation set
	ValErr    *float64  `json:"val_err"`
	ActStd    []float64 `json:"act_std"`
	GradStd   []float64 `json:"grad_std"`
	// Regions: for 2-D data, the predicted class and its probability on a
	// Res×Res grid over Box, row 0 at the bottom, as base64 of bytes
	// (class, round(255·p)) per cell.
	Regions string `json:"regions,omitempty"`
	// Pred: for a regression on 2-D data, the predicted target on the
	// grid, as base64 of one byte per cell, round(255·(ŷ − lo)/(hi − lo))
	// clamped, [lo, hi] = PredRange (the targets' range).
	Pred      string     `json:"pred,omitempty"`
	PredRange [2]float64 `json:"pred_range,omitzero"`
	Res       int        `json:"res,omitempty"`
	Box       [4]float64 `json:"box,omitzero"`
	// Confusion[i][j] counts validation examples of class i predicted j.
	Confusion [][]int `json:"confusion,omitempty"`
	// DhNorms: for a recurrent network, the mean ‖∂L/∂hₜ‖ for t = 1 … T on
	// the training set: vanishing and exploding gradients made visible.
	DhNorms []float64 `json:"dh_norms,omitempty"`
	// GradNoise: for a racer on minibatches of Batch examples, the spread
	// √E‖g_B − g‖² of its minibatch gradient around the full gradient
	// (Objective.GradNoise).
	GradNoise *float64 `json:"grad_noise,omitempty"`
	Batch     int      `json:"batch,omitempty"`
}

// RegionRes is the side of the decision-region grid.
const RegionRes = 48

// Points are the 2-D data for drawing: features, labels and the box the
// decision regions cover.
type Points struct {
	X          []float64  `json:"x"` // x0, y0, x1, y1, …
	Y          []int      `json:"y"`
	T          []float64  `json:"t,omitempty"` // a regression's (standardized) targets, in place of Y
	Val        []int      `json:"val"`         // which examples are held out
	Classes    int        `json:"classes"`
	ClassNames []string   `json:"class_names"`
	Box        [4]float64 `json:"box"`
}

// Points returns the data for drawing, or nil beyond two dimensions.
func (o *Objective) Points() *Points {
	mlp, ok := o.Model.(*MLP)
	if !ok {
		return nil
	}
	d := mlp.Data
	switch {
	case d.D != 2 || d.K > 1:
		return nil
	case d.Regression():
		return &Points{X: d.X, Y: []int{}, T: d.T, Val: o.Val, ClassNames: []string{}, Box: o.box()}
	}
	return &Points{X: d.X, Y: d.Y, Val: o.Val, Classes: d.Classes, ClassNames: d.ClassNames, Box: o.box()}
}

// box is the data's bounding box with a margin of a tenth of its size.
func (o *Objective) box() [4]float64 {
	d := o.Model.(*MLP).Data
	b := [4]float64{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for i := range d.N() {
		x, y := d.X[2*i], d.X[2*i+1]
		b[0], b[1] = math.Min(b[0], x), math.Max(b[1], x)
		b[2], b[3] = math.Min(b[2], y), math.Max(b[3], y)
	}
	mx, my := (b[1]-b[0])/10, (b[3]-b[2])/10
	return [4]float64{b[0] - mx, b[1] + mx, b[2] - my, b[3] + my}
}

// Report computes the network's state at θ: a few passes over the data,
// with ctx checked between them (an abandoned report stops).
func (o *Objective) Report(ctx context.Context, theta []float64) (Report, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var r Report
	steps := []func(){}
	if rnn, ok := o.Model.(recurrent); ok {
		steps = append(steps,
			func() {
				r.TrainLoss = rnn.Grad(make([]float64, rnn.Dim()), theta, o.Train)
				r.DhNorms = rnn.HiddenGradNorms()
			},
			func() { te := rnn.Errors(theta, o.Train); r.TrainErr = &te })
		if len(o.Val) > 0 {
			steps = append(steps, func() { vl, ve := rnn.LossAndErrors(theta, o.Val); r.ValLoss, r.ValErr = &vl, &ve })
		}
		return r, run(ctx, steps)
	}
	m := o.Model.(*MLP)
	d := m.Data
	if m.Norm && m.Eval == nil {
		// Without a racer's running statistics, evaluate with the
		// training set's at θ (what the running averages estimate), once
		// for every prediction of the report.
		m.Eval = m.StatsOf(theta, o.Train)
		defer func() { m.Eval = nil }()
	}
	steps = append(steps, func() {
		loss, errRate := m.LossAndErrors(theta, o.Train)
		r.TrainLoss = loss
		if !d.Regression() {
			r.TrainErr = &errRate
		}
	})
	if len(o.Val) > 0 {
		steps = append(steps, func() {
			loss, errRate := m.LossAndErrors(theta, o.Val)
			r.ValLoss = &loss
			if !d.Regression() {
				r.ValErr = &errRate
			}
		})
	}
	steps = append(steps, func() { r.ActStd, r.GradStd = m.LayerStats(theta, o.Train) })
	switch {
	case d.Regression() && d.D == 2 && d.K == 1:
		steps = append(steps, func() { o.predictions(&r, m, theta) })
	case d.Regression():
	case d.D == 2:
		steps = append(steps, func() { o.regions(&r, m, theta) })
	default:
		steps = append(steps, func() { o.confusion(&r, m, theta) })
	}
	return r, run(ctx, steps)
}

// run calls the steps in order until ctx is done.
func run(ctx context.Context, steps []func()) error {
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		step()
	}
	return ctx.Err()
}

// regions are the predicted class and its probability on a grid over the
// data's box.
func (o *Objective) regions(r *Report, m *MLP, theta []float64) {
	p := make([]float64, m.Data.Classes)
	r.Res, r.Box = RegionRes, o.box()
	cells := make([]byte, 2*RegionRes*RegionRes)
	x := make([]float64, 2)
	for row := range RegionRes {
		x[1] = r.Box[2] + (r.Box[3]-r.Box[2])*(float64(row)+0.5)/RegionRes
		for col := range RegionRes {
			x[0] = r.Box[0] + (r.Box[1]-r.Box[0])*(float64(col)+0.5)/RegionRes
			m.Predict(p, theta, x)
			best := argmax(p)
			cells[2*(row*RegionRes+col)] = byte(best)
			cells[2*(row*RegionRes+col)+1] = byte(math.Round(255 * p[best]))
		}
	}
	r.Regions = base64.StdEncoding.EncodeToString(cells)
}

// predictions are a regression's predicted target on a grid over the
// data's box, on the scale of the targets' range.
func (o *Objective) predictions(r *Report, m *MLP, theta []float64) {
	lo, hi := floats.Min(m.Data.T), floats.Max(m.Data.T)
	r.Res, r.Box, r.PredRange = RegionRes, o.box(), [2]float64{lo, hi}
	cells := make([]byte, RegionRes*RegionRes)
	x, p := make([]float64, 2), make([]float64, 1)
	for row := range RegionRes {
		x[1] = r.Box[2] + (r.Box[3]-r.Box[2])*(float64(row)+0.5)/RegionRes
		for col := range RegionRes {
			x[0] = r.Box[0] + (r.Box[1]-r.Box[0])*(float64(col)+0.5)/RegionRes
			m.Predict(p, theta, x)
			cells[row*RegionRes+col] = byte(math.Round(255 * math.Max(0, math.Min(1, (p[0]-lo)/(hi-lo)))))
		}
	}
	r.Pred = base64.StdEncoding.EncodeToString(cells)
}

// confusion counts the validation examples (or the training examples,
// without a validation set) by true and predicted class.
func (o *Objective) confusion(r *Report, m *MLP, theta []float64) {
	d := m.Data
	p := make([]float64, d.Classes)
	examples := o.Val
	if len(examples) == 0 {
		examples = o.Train
	}
	r.Confusion = make([][]int, d.Classes)
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, d.Classes)
	}
	for _, i := range examples {
		m.Predict(p, theta, d.Row(i))
		r.Confusion[d.Y[i]][argmax(p)]++
	}
}

func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}
