package optim

import (
	"fmt"
	"math"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
)

// pretrained is greedy supervised layer-wise pretraining followed by
// fine-tuning (Bengio et al. 2007; Goodfellow et al. 2016, sec. 8.7.4): stage
// k trains hidden layers 1 … k with a fresh output layer on top for `steps`
// iterations, starting from the layers the previous stage left; then the
// whole network is fine-tuned, its output layer taken from the last stage.
//
// It wraps the method: every stage and the fine-tuning are runs of the
// racer's own config without the pretrain key (cfg), so each has the
// racer's minibatches, curriculum, noise, clipping and continuation, on the
// stage's network. The reported iterate is always the whole network's
// weights, with the layers not yet trained at their initial values.
type pretrained struct {
	cfg   *Config // the racer's config with pretrain=0
	steps int
	seed  uint64
	land  *landscapes.Landscape
	needs Needs

	o     *Oracle
	obj   *nets.Objective
	mlp   *nets.MLP
	theta []float64 // the whole network's weights
	stage int       // 1 … hidden layers; hidden+1 is fine-tuning
	run   *stageRun
	sub   *nets.MLP // the network of the current stage
}

// Needs are the method's own.
func (p *pretrained) Needs() Needs { return p.needs }

// blur is the blur the current stage sees (continuation).
func (p *pretrained) blur() float64 {
	if p.run == nil {
		return p.land.Blur
	}
	return p.run.Blur
}

func (p *pretrained) Init(o *Oracle, x0 []float64) error {
	obj, mlp := p.land.Network(), mlpOf(p.land)
	if mlp == nil || mlp.Layers() < 2 {
		return fmt.Errorf("pretraining is for networks with hidden layers (mlp, deeplinear); this landscape has none")
	}
	p.o, p.obj, p.mlp = o, obj, mlp
	p.theta = append([]float64(nil), x0...)
	return p.startStage(1)
}

// startStage builds stage k's network: the whole network's layers 1 … k and
// a fresh output layer (drawn like Glorot's from the seed), or at the end the
// whole network.
func (p *pretrained) startStage(k int) error {
	p.stage = k
	hidden := p.mlp.Layers() - 1
	if k > hidden {
		p.sub = p.mlp
		return p.begin(p.land, append([]float64(nil), p.theta...))
	}
	sub := nets.NewMLP(p.mlp.Data, p.mlp.Sizes[1:k+1], p.mlp.Act, p.mlp.L2)
	sub.Residual = p.mlp.Residual
	p.sub = sub
	stage := *p.land // the same landscape (noise, blur, name) on the stage's network
	stage.Surface = &nets.Objective{Model: sub, Train: p.obj.Train, Val: p.obj.Val, Batch: p.obj.Batch}
	x, _ := nets.Init{Scheme: "glorot"}.Weights(sub, p.seed+uint64(k))
	copy(x, p.theta[:layerEnd(p.mlp, k)]) // the trained layers below
	return p.begin(&stage, x)
}

// layerEnd is where layer k's parameters end in θ.
func layerEnd(m *nets.MLP, k int) int {
	n := 0
	for l := 1; l <= k; l++ {
		n += m.Rows(l)*m.Sizes[l-1] + m.Rows(l)
	}
	return n
}

func (p *pretrained) begin(land *landscapes.Landscape, x0 []float64) (err error) {
	p.run, err = startStage(p.cfg, land, x0, p.seed)
	return err
}

// stageRun is a run of a wrapped config (a pretraining stage, transfer's
// source task) whose evaluations are the racer's.
type stageRun struct {
	*Run
	evals0, hess0 int // counted on the racer's oracle so far
}

// startStage starts a stage's run; one that does not start running is an
// error.
func startStage(cfg *Config, land *landscapes.Landscape, x0 []float64, seed uint64) (*stageRun, error) {
	r, err := cfg.Start(land, x0, seed)
	if err != nil {
		return nil, err
	}
	if r.Status != Running {
		return nil, fmt.Errorf("%s", r.Reason)
	}
	return &stageRun{Run: r}, nil
}

// step steps the stage and counts its new evaluations on the racer's oracle.
func (s *stageRun) step(o *Oracle) bool {
	moved := s.Step()
	o.evals += s.Evals() - s.evals0
	o.hess += s.HessEvals() - s.hess0
	s.evals0, s.hess0 = s.Evals(), s.HessEvals()
	return moved
}

func (p *pretrained) Step() Report {
	hidden := p.mlp.Layers() - 1
	if p.stage <= hidden && p.run.Iter >= p.steps {
		// The stage is done: keep its layers and, after the last stage, its
		// output layer as the whole network's.
		copy(p.theta[:layerEnd(p.mlp, p.stage)], p.run.X)
		if p.stage == hidden {
			out := p.run.X[layerEnd(p.sub, p.stage):]
			copy(p.theta[layerEnd(p.mlp, hidden):], out)
		}
		if err := p.startStage(p.stage + 1); err != nil {
			return Report{X: p.theta, Status: Refused, Reason: err.Error(), LR: math.NaN(), Damping: math.NaN()}
		}
	}
	moved := p.run.step(p.o)
	rep := p.run.Last
	if !moved {
		return Report{X: p.theta, Status: p.run.Status, Reason: p.run.Reason, LR: math.NaN(), Damping: math.NaN()}
	}
	if p.stage > hidden {
		copy(p.theta, p.run.X)
	} else {
		copy(p.theta[:layerEnd(p.mlp, p.stage)], p.run.X)
	}
	return Report{X: p.theta, LR: rep.LR, Damping: rep.Damping}
}
