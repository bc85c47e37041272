package race

import (
	"fmt"
	"math"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
	"gonum.org/v1/gonum/floats"
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
	// The racers' descriptions go in a slice the race keeps: a frame is
	// encoded before the next is made.
	f := Frame{Type: "frame", Gen: rc.gen, Clock: Num(rc.target), Racers: rc.frameRacers[:0]}
	defer func() { rc.frameRacers = f.Racers[:0] }()
	for _, r := range rc.racers {
		if !r.dirty && len(r.pending) == 0 {
			continue
		}
		n := min(len(r.pending), rc.lim.FramePoints*r.stride)
		var rf RacerFrame
		if diagnose {
			rf = rc.describe(r)
		} else {
			rf = rc.status(r)
		}
		rf.Points = Points{Stride: r.stride, Data: r.pending[:n:n]}
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
	if rc.land.Network() != nil {
		// A network's description comes from its last diagnosis.
		rf.Net, rf.Best = r.report, r.best
		if r.report != nil {
			rf.DiagIter = &r.diagIter
			rf.GTG, rf.GTHG = Num(r.gtg), Num(math.NaN())
		} else {
			rf.GTG, rf.GTHG = Num(math.NaN()), Num(math.NaN())
		}
		if r.curve != nil {
			rf = withCurve(rf, r.curve)
		}
		return rf
	}
	n := rc.land.Dim()
	if n == 2 {
		rf.Inside = insideOf(run.Inside())
	}
	rc.land.Grad(rc.g, run.X)
	gtg := floats.Dot(rc.g, rc.g)
	if n > maxDenseDescribe {
		rf.GTG, rf.GTHG = Num(gtg), Num(math.NaN()) // a large analytic surface: no curvature on the frame
		return rf
	}
	rc.land.Hess(rc.hess, run.X)
	var gthg float64
	for i := range n {
		for j := range n {
			gthg += rc.g[i] * rc.hess.At(i, j) * rc.g[j]
		}
	}
	rf.GTG, rf.GTHG = Num(gtg), Num(gthg)
	if n <= 4 {
		// Small vectors in the racer's own buffers: the frame is encoded
		// before the race moves on.
		rf.Grad = numsInto(r.buf.grad[:0], rc.g)
	}
	if n == 2 {
		// The 2×2 eigen-decomposition in closed form: a frame a racer
		// at 60 a second, allocation-free.
		lo, hi, c, s := eigen2(rc.hess.At(0, 0), rc.hess.At(0, 1), rc.hess.At(1, 1))
		rf.Eig = append(r.buf.eig[:0], Num(lo), Num(hi))
		r.buf.vecs[0], r.buf.vecs[1] = [4]Num{Num(-s), Num(c)}, [4]Num{Num(c), Num(s)}
		rf.Vecs = append(r.buf.cols[:0], r.buf.vecs[0][:2], r.buf.vecs[1][:2])
		rf.Inertia = btoi(lo < 0) + btoi(hi < 0)
		return rf
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

// eigen2 is the eigen-decomposition of the symmetric [[a, b], [b, c]]:
// eigenvalues lo ≤ hi, hi's unit eigenvector (cos θ, sin θ) and lo's
// (−sin θ, cos θ), with θ = ½ atan2(2b, a − c) (the Jacobi rotation that
// diagonalizes it).
func eigen2(a, b, c float64) (lo, hi, cos, sin float64) {
	mid, r := (a+c)/2, math.Hypot((a-c)/2, b)
	sin, cos = math.Sincos(math.Atan2(2*b, a-c) / 2)
	return mid - r, mid + r, cos, sin
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// numsInto writes x as Nums into dst's backing array.
func numsInto(dst []Num, x []float64) []Num {
	for _, v := range x {
		dst = append(dst, Num(v))
	}
	return dst
}

// status is the racer's id, status and the reason for it.
func (rc *Race) status(r *racer) RacerFrame {
	rf := RacerFrame{ID: r.id, Status: r.run.Status.String(), Reason: r.run.Reason}
	switch {
	case r.limited:
		rf.Status, rf.Reason = "limit", fmt.Sprintf("reached the limit of %d steps per race", rc.lim.MaxSteps)
	case r.stopped != "":
		rf.Status, rf.Reason = "stopped", r.stopped
	case r.reached != nil && r.run.Status == optim.Running:
		rf.Status, rf.Reason = "converged", fmt.Sprintf("‖g‖ = %.3g ≤ %g, the race's tolerance", r.run.GNorm, rc.tol)
	}
	return rf
}

// earlyStopping keeps the racer's best validation loss and stops the racer
// once it has gone patience epochs without a better one (Goodfellow et al.
// 2016, Algorithm 7.1); rep describes its iterate iter, at epoch.
func (rc *Race) earlyStopping(r *racer, rep nets.Report, iter int, epoch float64) {
	if rep.ValLoss == nil {
		return
	}
	if r.best == nil || *rep.ValLoss < r.best.ValLoss {
		r.best = &Best{Iter: iter, Epoch: epoch, ValLoss: *rep.ValLoss}
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

// curve is a large model's curvature: gᵀHg and the Hessian's extreme
// eigenvalues by Lanczos.
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
