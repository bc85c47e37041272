package stream

import (
	"context"
	"math"

	"github.com/saddle-viz/saddle/landscapes/nets"
)

// runSlice computes a slice job and streams it: a start message, the rows as
// they finish, and a done message. It stops when ctx is done (a newer slice,
// or the session's end).
func runSlice(ctx context.Context, job *SliceJob, send func(any) bool) {
	o, req := job.Obj, job.Req
	rows := func(row int, pts []nets.Point) {
		m := SliceRow{Type: "slice_row", Row: row}
		for _, p := range pts {
			m.TrainLoss = append(m.TrainLoss, num(p.TrainLoss))
			m.TrainErr = append(m.TrainErr, num(p.TrainErr))
			m.ValLoss = append(m.ValLoss, num(p.ValLoss))
		}
		send(m)
	}
	if req.Kind == "spectrum" {
		sp := o.Spectrum(job.Theta, 30, 4, 30, 1)
		send(SpectrumMessage{Type: "spectrum", ID: job.ID, Dim: o.Dim(), Nodes: nums(sp.Nodes), Weights: nums(sp.Weights),
			Trace: num(sp.Trace), TraceSE: num(sp.TraceSE), Exact: nums(sp.Exact), LayerTop: nums(sp.LayerTop)})
		return
	}
	done := SliceDone{Type: "slice_done"}
	switch req.Kind {
	case "interpolate", "between":
		send(SliceStart{Type: "slice_start", ID: job.ID, Kind: req.Kind, N: req.N, Rows: 1, Lo: -0.5, Hi: 1.5})
		_, pts, err := o.Interpolate(ctx, job.Start, job.Theta, -0.5, 1.5, req.N)
		if err == nil {
			rows(0, pts)
		}
	case "eigmap":
		d1, d2 := o.FilterDirection(job.Theta, 1, req.IgnoreBias), o.FilterDirection(job.Theta, 2, req.IgnoreBias)
		send(SliceStart{Type: "slice_start", ID: job.ID, Kind: req.Kind, N: req.N, Rows: req.N, Lo: -req.Range, Hi: req.Range, IgnoreBias: req.IgnoreBias})
		o.EigenMap(ctx, job.Theta, d1, d2, -req.Range, req.Range, req.N, 15, func(row int, lo, hi []float64) {
			send(SliceRow{Type: "slice_row", Row: row, EigMin: nums(lo), EigMax: nums(hi)})
		})
	case "random":
		d1, d2 := o.FilterDirection(job.Theta, 1, req.IgnoreBias), o.FilterDirection(job.Theta, 2, req.IgnoreBias)
		send(SliceStart{Type: "slice_start", ID: job.ID, Kind: req.Kind, N: req.N, Rows: req.N, Lo: -req.Range, Hi: req.Range, IgnoreBias: req.IgnoreBias})
		o.Slice(ctx, job.Theta, d1, d2, -req.Range, req.Range, req.N, rows)
	case "plane":
		pl := nets.TrajectoryPlane(job.Path)
		// A square around the path and the origin, a quarter larger.
		r := 0.0
		for _, c := range pl.Path {
			r = math.Max(r, math.Max(math.Abs(c[0]), math.Abs(c[1])))
		}
		r = math.Max(1.25*r, 1e-6)
		send(SliceStart{Type: "slice_start", ID: job.ID, Kind: req.Kind, N: req.N, Rows: req.N, Lo: -r, Hi: r,
			Explained: pl.Explained[:], Path: pl.Path})
		if o.Slice(ctx, pl.Origin, pl.D1, pl.D2, -r, r, req.N, rows) == nil {
			truth, projected, err := o.Faithfulness(ctx, job.Path, pl)
			if err == nil {
				done.Truth, done.Projected = nums(truth), nums(projected)
			}
		}
	}
	done.Cancelled = ctx.Err() != nil
	send(done) // send waits on the session's context, not the job's: a cancelled job still says so
}
