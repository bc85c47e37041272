package race

import (
	"fmt"
	"math"
	"time"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Frame takes the pending iterates of every racer (at most FramePoints each)
// and describes each changed racer at its current point. It returns false
// when nothing changed. The frame aliases the race's buffers: encode it
// before the race moves on, then call Sent.
func (rc *Race) Frame() (Frame, bool) { return rc.frame(true) }

// Rows is Frame without the diagnostics (curvature, a network's report):
// the iterates and each racer's status, all a driver that records the race
// (the command line, an export) needs.
func (rc *Race) Rows() (Frame, bool) { return rc.frame(false) }

func (rc *Race) frame(diagnose bool) (Frame, bool) {
	f := Frame{Type: "frame", Gen: rc.gen, Clock: Num(rc.target)}
	for _, r := range rc.racers {
		if !r.dirty && len(r.pending) == 0 {
			continue
		}
		n := min(len(r.pending), rc.lim.FramePoints*rc.stride)
		var rf RacerFrame
		if diagnose {
			rf = rc.describe(r)
		} else {
			rf = rc.status(r)
		}
		rf.Points = Points{Stride: rc.stride, Data: r.pending[:n:n]}
		// The rest waits; the sent rows are copied out of the way when the
		// frame has been encoded (see Sent).
		f.Racers = append(f.Racers, rf)
	}
	return f, len(f.Racers) > 0
}

// Sent drops the rows a frame carried, once it has been encoded.
func (rc *Race) Sent(f Frame) {
	for _, rf := range f.Racers {
		i := rc.find(rf.ID)
		if i < 0 {
			continue
		}
		r := rc.racers[i]
		n := len(rf.Points.Data)
		r.pending = r.pending[:copy(r.pending, r.pending[n:])]
		r.dirty = false
	}
}

// describe computes a racer's situation at its current point: the exact
// gradient, the Hessian's eigen-decomposition (so the page can draw the
// curvature axes), gᵀg and gᵀHg (the ill-conditioning monitor of ch. 8.2.1)
// and what the last step reported.
func (rc *Race) describe(r *racer) RacerFrame {
	run := r.run
	rf := rc.status(r)
	rf.LR, rf.Damping, rf.Reached, rf.Blur, rf.Frac = Num(run.Last.LR), Num(run.Last.Damping), r.reached, Num(run.Blur), Num(run.BatchFraction())
	if run.Iter == 0 {
		rf.LR, rf.Damping = Num(math.NaN()), Num(math.NaN())
	}
	if run.Iter > 0 && run.Status == optim.Running {
		for _, p := range run.Last.Probes {
			rf.Probes = append(rf.Probes, append([]float64(nil), p...))
		}
		if run.Last.LookAhead != nil {
			rf.LookAhead = append([]float64(nil), run.Last.LookAhead...)
		}
	}
	if o := rc.land.Network(); o != nil {
		// A network's report costs passes over its data: at most four a
		// second, and at most a tenth of the time.
		if r.report == nil || run.Status != optim.Running || !rc.playing || time.Since(r.reportAt) > max(250*time.Millisecond, 10*r.reportCost) {
			t0 := time.Now()
			rep := o.Report(run.X)
			r.report, r.reportAt, r.reportCost = &rep, time.Now(), time.Since(t0)
			rc.earlyStopping(r, rep)
		}
		rf.Net = r.report
		rf.Best = r.best
		if r.stopped != "" { // early stopping may have just stopped it
			rf.Status, rf.Reason = "stopped", r.stopped
		}
	}
	n := rc.land.Dim()
	rc.land.Grad(rc.g, run.X)
	gtg := floats.Dot(rc.g, rc.g)
	if n > maxDenseDescribe {
		rc.describeLarge(r, &rf, gtg)
		return rf
	}
	rc.land.Hess(rc.hess, run.X)
	var hg mat.VecDense
	hg.MulVec(rc.hess, mat.NewVecDense(n, rc.g))
	rf.GTG, rf.GTHG = Num(gtg), Num(floats.Dot(rc.g, hg.RawVector().Data))
	if n <= 4 {
		rf.Grad = nums(rc.g)
	}
	if rc.es.Factorize(rc.hess, n <= 4) {
		eig := rc.es.Values(nil)
		rf.Eig = nums(eig)
		for _, l := range eig {
			if l < 0 {
				rf.Inertia++
			}
		}
		if n <= 4 {
			rc.es.VectorsTo(&rc.vecs)
			for j := range n {
				col := make([]Num, n)
				for i := range n {
					col[i] = Num(rc.vecs.At(i, j))
				}
				rf.Vecs = append(rf.Vecs, col)
			}
		}
	}
	return rf
}

// status is the racer's id, status and the reason for it.
func (rc *Race) status(r *racer) RacerFrame {
	rf := RacerFrame{ID: r.id, Status: r.run.Status.String(), Reason: r.run.Reason}
	switch {
	case r.limited:
		rf.Status, rf.Reason = "limit", fmt.Sprintf("reached the limit of %d steps per race", rc.lim.MaxSteps)
	case r.stopped != "":
		rf.Status, rf.Reason = "stopped", r.stopped
	}
	return rf
}

// earlyStopping keeps the racer's best validation loss and stops the racer
// once it has gone patience epochs without a better one (Goodfellow et al.
// 2016, Algorithm 7.1).
func (rc *Race) earlyStopping(r *racer, rep nets.Report) {
	if rep.ValLoss == nil {
		return
	}
	epoch := r.run.Epochs()
	if r.best == nil || *rep.ValLoss < r.best.ValLoss {
		r.best = &Best{Iter: r.run.Iter, Epoch: epoch, ValLoss: *rep.ValLoss}
		return
	}
	if rc.patience > 0 && epoch-r.best.Epoch >= rc.patience && r.stopped == "" {
		r.stopped = fmt.Sprintf("early stopping: no better validation loss for %g epochs; the best, %.4g, was at iteration %d (epoch %.3g)", rc.patience, r.best.ValLoss, r.best.Iter, r.best.Epoch)
	}
}

// maxDenseDescribe is the largest dimension whose Hessian a frame
// decomposes in full; above it the extreme eigenvalues come from Lanczos on
// Hessian-vector products.
const maxDenseDescribe = 16

// hessVec is a landscape with exact Hessian-vector products (a network).
type hessVec interface {
	HessVec(dst, x, v []float64)
}

// describeLarge gives a large model's curvature: gᵀHg from one
// Hessian-vector product and the extreme eigenvalues from 20 Lanczos steps.
// Each costs 20 passes over the training set, so while the race plays it
// runs at most five times a second per racer and takes at most a tenth of
// the time; a paused race gets it at the current point.
func (rc *Race) describeLarge(r *racer, rf *RacerFrame, gtg float64) {
	rf.GTG, rf.GTHG = Num(gtg), Num(math.NaN())
	hv, ok := rc.land.Surface.(hessVec)
	if !ok {
		return // a large analytic surface (rosenbrock-nd): no curvature on the frame
	}
	if r.curve != nil && rc.playing && time.Since(r.curvedAt) < max(200*time.Millisecond, 10*r.curveCost) {
		*rf = withCurve(*rf, r.curve)
		return
	}
	t0 := time.Now()
	defer func() { r.curveCost = time.Since(t0) }()
	x := r.run.X
	hg := make([]float64, len(x))
	hv.HessVec(hg, x, rc.g)
	eig := nets.Lanczos(len(x), 20, func(dst, v []float64) { hv.HessVec(dst, x, v) }, 1)
	r.curve = &curve{gthg: floats.Dot(rc.g, hg), lo: eig[0], hi: eig[len(eig)-1]}
	r.curvedAt = time.Now()
	*rf = withCurve(*rf, r.curve)
}

type curve struct{ gthg, lo, hi float64 }

func withCurve(rf RacerFrame, c *curve) RacerFrame {
	rf.GTHG = Num(c.gthg)
	rf.Eig = []Num{Num(c.lo), Num(c.hi)}
	if c.lo < 0 {
		rf.Inertia = 1 // at least one negative eigenvalue
	}
	return rf
}

func nums(x []float64) []Num {
	out := make([]Num, len(x))
	for i, v := range x {
		out[i] = Num(v)
	}
	return out
}
