package race

import (
	"context"
	"time"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"gonum.org/v1/gonum/floats"
)

// A network racer's description at its point costs passes over the data:
// its report (losses, 0-1 errors, layer statistics, decision regions) and
// its curvature (gᵀg, gᵀHg and the Hessian's extreme eigenvalues from 20
// Lanczos steps, each a Hessian-vector product over the training set). On a
// large network that is seconds of work, so it is never computed while a
// message or a frame waits: the race hands it out as a Diagnosis job, the
// driver runs it away from the race (on a copy of the network) and gives
// the result back with Diagnosed; frames carry the latest one. Jobs follow a
// budget: a new one starts no sooner than ten times the last one's cost
// after it (a tenth of a core at most), and never for a racer that has not
// moved since its last.

// Diagnosis is a network racer's description at one iterate.
type Diagnosis struct {
	id     string
	gen    int
	serial int // the racer's run it describes (a retune starts another)
	iter   int
	epoch  float64
	obj    *nets.Objective // a copy with scratch of its own
	x      []float64
	batch  int // the racer's minibatch size, 0 for the full batch

	report *nets.Report
	curve  *curve
	gtg    float64
	cost   time.Duration
}

// Run computes the diagnosis; it stops early when ctx ends.
func (d *Diagnosis) Run(ctx context.Context) {
	t0 := time.Now()
	defer func() { d.cost = time.Since(t0) }()
	rep, err := d.obj.Report(ctx, d.x)
	if err != nil {
		return
	}
	d.report = &rep
	if d.batch > 0 {
		noise, err := d.obj.GradNoise(ctx, d.x, d.batch)
		if err != nil {
			return
		}
		rep.GradNoise, rep.Batch = &noise, d.batch
	}
	n := len(d.x)
	g, hg := make([]float64, n), make([]float64, n)
	d.obj.Grad(g, d.x)
	d.gtg = floats.Dot(g, g)
	if ctx.Err() != nil {
		return
	}
	d.obj.HessVec(hg, d.x, g)
	mul := func(dst, v []float64) {
		if ctx.Err() != nil {
			clear(dst) // Lanczos stops at once on a zero product
			return
		}
		d.obj.HessVec(dst, d.x, v)
	}
	eig := nets.Lanczos(n, 20, mul, 1)
	if ctx.Err() == nil {
		d.curve = &curve{gthg: floats.Dot(g, hg), lo: eig[0], hi: eig[len(eig)-1]}
	}
}

// NextDiagnosis is the diagnosis the race needs most (the racer whose last
// one is oldest among those that moved since), if one is due within the
// budget; the driver runs it and gives it back with Diagnosed. Only one is
// out at a time.
func (rc *Race) NextDiagnosis() (*Diagnosis, bool) {
	if !rc.Configured() {
		return nil, false
	}
	if rc.land.Network() == nil || rc.diagnosing || time.Since(rc.diagnosedAt) < max(50*time.Millisecond, 10*rc.diagnosisCost) {
		return nil, false
	}
	var pick *racer
	for _, r := range rc.racers {
		if r.diagIter == r.run.Iter && r.report != nil {
			continue // nothing new to describe
		}
		if r.report != nil && time.Since(r.diagAt) < 250*time.Millisecond && r.running() {
			continue // at most four a second for each racer
		}
		if pick == nil || r.diagAt.Before(pick.diagAt) {
			pick = r
		}
	}
	if pick == nil {
		return nil, false
	}
	rc.diagnosing = true
	return &Diagnosis{id: pick.id, gen: rc.gen, serial: pick.serial, iter: pick.run.Iter, epoch: pick.run.Epochs(), obj: pick.net().WithRunning(pick.run.RunningStats()), x: append([]float64(nil), pick.run.X...), batch: pick.run.BatchSize()}, true
}

// Diagnosed takes a diagnosis back. One of an older generation, or of a
// racer since removed, is dropped.
func (rc *Race) Diagnosed(d *Diagnosis) {
	rc.diagnosing = false
	rc.diagnosedAt, rc.diagnosisCost = time.Now(), d.cost
	i := rc.find(d.id)
	if d.gen != rc.gen || i < 0 || rc.racers[i].serial != d.serial || d.report == nil {
		return
	}
	r := rc.racers[i]
	r.report, r.diagIter, r.diagAt, r.gtg = d.report, d.iter, time.Now(), d.gtg
	if d.curve != nil {
		r.curve = d.curve
	}
	rc.earlyStopping(r, *d.report, d.iter, d.epoch)
	r.dirty = true
}
