package optim

import (
	"math"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
)

// transferred is supervised pretraining on another task (Goodfellow et al.
// 2016, sec. 8.7.4; Yosinski et al. 2014): the network first trains `steps`
// iterations on the other half of the classes (the landscape's Other task,
// the same inputs and as many outputs), then keeps its hidden layers, takes
// the start's output layer again (a fresh head) and trains on this task.
// Both stages are runs of the racer's own config without transfer (cfg):
// the first without freeze too, the second with it, so that freeze=true is
// the frozen-features variant that trains only the new head.
type transferred struct {
	cfg   *Config // the racer's config with transfer=0
	steps int
	seed  uint64
	land  *landscapes.Landscape
	needs Needs

	o      *Oracle
	x0     []float64
	theta  []float64
	run    *stageRun
	source bool // still on the other task
}

func (t *transferred) Needs() Needs { return t.needs }

func (t *transferred) Init(o *Oracle, x0 []float64) error {
	t.o, t.x0, t.theta, t.source = o, append([]float64(nil), x0...), append([]float64(nil), x0...), true
	other := *t.land // the same landscape on the other task's network
	other.Surface = t.land.Network().Other()
	return t.begin(&other, t.cfg.With("freeze", 0), x0)
}

func (t *transferred) begin(land *landscapes.Landscape, cfg *Config, x0 []float64) (err error) {
	t.run, err = startStage(cfg, land, x0, t.seed)
	return err
}

func (t *transferred) Step() Report {
	if t.source && t.run.Iter >= t.steps {
		// The features stay; the head is the start's again.
		m := mlpOf(t.land)
		copy(t.theta, t.run.X)
		end := layerEnd(m, m.Layers()-1)
		copy(t.theta[end:], t.x0[end:])
		t.source = false
		if err := t.begin(t.land, t.cfg, t.theta); err != nil {
			return Report{X: t.theta, Status: Refused, Reason: err.Error(), LR: math.NaN(), Damping: math.NaN()}
		}
	}
	moved := t.run.step(t.o)
	if !moved {
		return Report{X: t.theta, Status: t.run.Status, Reason: t.run.Reason, LR: math.NaN(), Damping: math.NaN()}
	}
	copy(t.theta, t.run.X)
	rep := t.run.Last
	return Report{X: t.theta, LR: rep.LR, Damping: rep.Damping}
}

// mlpOf is the landscape's MLP, or nil.
func mlpOf(land *landscapes.Landscape) *nets.MLP {
	if o := land.Network(); o != nil {
		m, _ := o.Model.(*nets.MLP)
		return m
	}
	return nil
}

// frozen zeroes the gradient of the parameters before upto (a network's
// hidden layers), so that only the output layer trains.
type frozen struct {
	inner gradient
	upto  int
}

func (f frozen) eval(x, g []float64) float64 {
	v := f.inner.eval(x, g)
	clear(g[:f.upto])
	return v
}
