package race

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
)

// Job is work that a message asks for and that takes longer than a tick: a
// slice of a network's loss, its Hessian spectrum, a learning-rate search.
// Handle checks the request and returns the job as a value, with copies of
// what it needs; the driver runs it (the websocket session in a goroutine of
// its own, cancelled by ctx when a newer job, a cancel message or the
// session's end comes) and sends what it emits, in order. A job may call
// emit from several goroutines at once (a slice's rows finish in parallel).
type Job interface {
	Run(ctx context.Context, emit func(any))
}

// job checks a slice, spectrum or tune request.
func (rc *Race) job(m Message) (Job, *ProblemError) {
	switch m.Type {
	case "tune":
		return rc.tuneJob(m.Tune)
	case "spectrum":
		if rc.land.Network() == nil {
			return nil, problem("slice", "slices are for networks (mlp, deeplinear, rnn); this surface's map is its slice")
		}
		i := rc.find(m.ID)
		if i < 0 {
			return nil, problem("id", "no racer has id %q", m.ID)
		}
		r := rc.racers[i]
		return &spectrumJob{id: m.ID, obj: r.net(), theta: append([]float64(nil), r.run.X...)}, nil
	case "critical":
		if rc.land.Network() == nil {
			return nil, problem("type", "the critical-point explorer is for networks (mlp, deeplinear, rnn); a surface's critical points are marked on its map")
		}
		i := rc.find(m.ID)
		if i < 0 {
			return nil, problem("id", "no racer has id %q", m.ID)
		}
		r := rc.racers[i]
		o := r.net()
		if n := o.Dim(); n > nets.MaxCriticalParams {
			return nil, problem("type", "the critical-point explorer forms the dense Hessian at every step: it takes networks of at most %d parameters; this one has %d (use fewer or smaller layers)", nets.MaxCriticalParams, n)
		}
		j := &criticalJob{id: m.ID, obj: o.Clone(), seed: rc.seed}
		// Starts along the racer's path (thinned to criticalPathStarts), its
		// current weights, then random weights at several scales.
		path := append(append([][]float64(nil), r.snapshots...), r.run.X)
		for k := range criticalPathStarts {
			j.path = append(j.path, append([]float64(nil), path[k*(len(path)-1)/(criticalPathStarts-1)]...))
		}
		return j, nil
	}
	return rc.sliceJob(m)
}

// spectrumJob computes the Hessian's spectrum at a racer's weights.
type spectrumJob struct {
	id    string
	obj   *nets.Objective
	theta []float64
}

func (j *spectrumJob) Run(ctx context.Context, emit func(any)) {
	sp, err := j.obj.Spectrum(ctx, j.theta, 30, 4, 30, 1)
	if err != nil {
		return // cancelled: a newer job, or the session's end
	}
	emit(SpectrumMessage{Type: "spectrum", ID: j.id, Dim: j.obj.Dim(), Nodes: nums(sp.Nodes), Weights: nums(sp.Weights),
		Trace: Num(sp.Trace), TraceSE: Num(sp.TraceSE), Exact: nums(sp.Exact), LayerTop: nums(sp.LayerTop)})
}

// The explorer's starts: points of the racer's path, and random weights.
const (
	criticalPathStarts   = 8
	criticalRandomStarts = 16
	criticalIters        = 300
)

// criticalJob searches for critical points of a network's loss from many
// starts (nets.FindCritical) and reports them as they are found.
type criticalJob struct {
	id   string
	obj  *nets.Objective
	seed uint64
	path [][]float64
}

func (j *criticalJob) Run(ctx context.Context, emit func(any)) {
	n := j.obj.Dim()
	starts := append([][]float64(nil), j.path...)
	rng := rand.New(rand.NewPCG(j.seed, 0xc217))
	for k := range criticalRandomStarts {
		scale := []float64{0.1, 0.5, 1, 2}[k%4]
		x := make([]float64, n)
		for i := range x {
			x[i] = scale * rng.NormFloat64()
		}
		starts = append(starts, x)
	}
	msg := CriticalMessage{Type: "critical", ID: j.id, Dim: n, Starts: len(starts), Points: []CriticalPoint{}}
	for k, x := range starts {
		p, err := j.obj.FindCritical(ctx, x, criticalIters)
		if err != nil {
			return // cancelled: a newer job, or the session's end
		}
		from := "random"
		if k < len(j.path) {
			from = "path"
		}
		msg.Points = append(msg.Points, CriticalPoint{Loss: Num(p.Loss), GradNorm: Num(p.GradNorm), Negative: p.Negative, Zero: p.Zero, Index: Num(p.Index), Converged: p.Converged, From: from})
		emit(msg)
		msg.Points = append([]CriticalPoint(nil), msg.Points...) // the emitted one is the driver's
	}
}

// SliceJob is a view of a network's loss around a racer: the network, the
// racer's weights and path copied at the time of the request.
type SliceJob struct {
	ID    string
	Req   SliceRequest
	Obj   *nets.Objective
	Theta []float64
	Start []float64
	Path  [][]float64
	// Matched: the other racer's weights with its hidden units permuted to
	// match this racer's (kind matched), and how many units moved.
	Matched []float64
	Moved   int
}

// sliceJob checks a slice request and copies what it needs.
func (rc *Race) sliceJob(m Message) (*SliceJob, *ProblemError) {
	if rc.land.Network() == nil {
		return nil, problem("slice", "slices are for networks (mlp, deeplinear, rnn); this surface's map is its slice")
	}
	if m.Slice == nil {
		return nil, problem("slice", "slice needs {\"kind\": random|plane|interpolate, \"n\": …}")
	}
	req := *m.Slice
	if !slices.Contains(SliceKinds, req.Kind) {
		return nil, problem("slice.kind", "kind %q is not accepted; accepted: random, plane, interpolate, between, matched, eigmap", req.Kind)
	}
	if req.N < 3 || req.N > 101 {
		return nil, problem("slice.n", "n = %d is not accepted; give 3 to 101 points a side", req.N)
	}
	if req.Kind == "eigmap" && req.N > 21 {
		return nil, problem("slice.n", "an eigenvalue map takes 3 to 21 points a side (each runs 15 Lanczos steps)")
	}
	if (req.Kind == "random" || req.Kind == "eigmap") && !(req.Range > 0 && req.Range <= 100) {
		return nil, problem("slice.range", "range %v is not accepted; give a number in (0, 100]", req.Range)
	}
	i := rc.find(m.ID)
	if i < 0 {
		return nil, problem("id", "no racer has id %q", m.ID)
	}
	r := rc.racers[i]
	o := r.net()
	job := &SliceJob{ID: r.id, Req: req, Obj: o, Theta: append([]float64(nil), r.run.X...), Start: append([]float64(nil), r.run.Land.Start()...)}
	if req.Kind == "between" || req.Kind == "matched" {
		j := rc.find(req.Other)
		if j < 0 || j == i {
			return nil, problem("slice.other", "%s needs the id of another racer; %q is not one", req.Kind, req.Other)
		}
		if other := rc.racers[j].run.Land; other.Spec != r.run.Land.Spec {
			return nil, problem("slice.other", "%s and %s train different models (%s and %s): a line between their weights is not a line in one loss landscape; pick two racers of the same model", r.id, req.Other, r.run.Land.Spec, other.Spec)
		}
		if req.Kind == "matched" {
			mlp, ok := o.Model.(*nets.MLP)
			if !ok {
				return nil, problem("slice.kind", "matching hidden units is for an mlp's hidden layers; this network has none to permute")
			}
			var err error
			if job.Matched, job.Moved, err = mlp.Match(r.run.X, rc.racers[j].run.X); err != nil {
				return nil, problem("slice.kind", "%v", err)
			}
		}
		// The line from this racer's solution to the other's.
		job.Start = append([]float64(nil), rc.racers[j].run.X...)
		job.Start, job.Theta = job.Theta, job.Start
	}
	if req.Kind == "plane" {
		if len(r.snapshots) < 3 {
			return nil, problem("slice.kind", "the racer has run too little for a trajectory plane: let it take a few steps")
		}
		job.Path = append(append([][]float64(nil), r.snapshots...), job.Theta)
	}
	return job, nil
}

// Run computes the slice and emits it: a start message, the rows as they
// finish, and a done message (marked cancelled when ctx ended it).
func (job *SliceJob) Run(ctx context.Context, emit func(any)) {
	o, req := job.Obj, job.Req
	rows := func(row int, pts []nets.Point) {
		m := SliceRow{Type: "slice_row", Row: row}
		for _, p := range pts {
			m.TrainLoss = append(m.TrainLoss, Num(p.TrainLoss))
			m.TrainErr = append(m.TrainErr, Num(p.TrainErr))
			m.ValLoss = append(m.ValLoss, Num(p.ValLoss))
		}
		emit(m)
	}
	done := SliceDone{Type: "slice_done"}
	start := SliceStart{Type: "slice_start", ID: job.ID, Kind: req.Kind, N: req.N, Rows: req.N, Lo: -req.Range, Hi: req.Range, IgnoreBias: req.IgnoreBias}
	switch req.Kind {
	case "matched":
		// The line from this racer to the other as it is (row 0) and with
		// its hidden units matched to this racer's (row 1), α from 0 to 1.
		start.Rows, start.Lo, start.Hi, start.Moved = 2, 0, 1, job.Moved
		emit(start)
		for row, other := range [][]float64{job.Theta, job.Matched} {
			alphas, pts, err := o.Interpolate(ctx, job.Start, other, 0, 1, req.N)
			if err != nil {
				break
			}
			rows(row, pts)
			losses := make([]float64, len(pts))
			for k, p := range pts {
				losses[k] = p.TrainLoss
			}
			done.Barrier = append(done.Barrier, Num(nets.Barrier(alphas, losses)))
		}
	case "interpolate", "between":
		start.Rows, start.Lo, start.Hi = 1, -0.5, 1.5
		emit(start)
		_, pts, err := o.Interpolate(ctx, job.Start, job.Theta, -0.5, 1.5, req.N)
		if err == nil {
			rows(0, pts)
		}
	case "eigmap":
		d1, d2 := o.FilterDirection(job.Theta, 1, req.IgnoreBias), o.FilterDirection(job.Theta, 2, req.IgnoreBias)
		emit(start)
		o.EigenMap(ctx, job.Theta, d1, d2, -req.Range, req.Range, req.N, 15, func(row int, lo, hi []float64) {
			emit(SliceRow{Type: "slice_row", Row: row, EigMin: nums(lo), EigMax: nums(hi)})
		})
	case "random":
		d1, d2 := o.FilterDirection(job.Theta, 1, req.IgnoreBias), o.FilterDirection(job.Theta, 2, req.IgnoreBias)
		emit(start)
		o.Slice(ctx, job.Theta, d1, d2, -req.Range, req.Range, req.N, rows)
	case "plane":
		pl := nets.TrajectoryPlane(job.Path)
		// A square around the path and the origin, a quarter larger.
		r := 0.0
		for _, c := range pl.Path {
			r = math.Max(r, math.Max(math.Abs(c[0]), math.Abs(c[1])))
		}
		r = math.Max(1.25*r, 1e-6)
		start.Lo, start.Hi, start.Explained, start.Path, start.IgnoreBias = -r, r, pl.Explained[:], pl.Path, false
		emit(start)
		if o.Slice(ctx, pl.Origin, pl.D1, pl.D2, -r, r, req.N, rows) == nil {
			truth, projected, err := o.Faithfulness(ctx, job.Path, pl)
			if err == nil {
				done.Truth, done.Projected = nums(truth), nums(projected)
			}
		}
	}
	done.Cancelled = ctx.Err() != nil
	emit(done)
}

// TuneRequest asks for a fair race: every racer gets the same number of
// trial runs, each of Steps iterations from the race's start and seed, with
// learning rates log-spaced from a hundredth to ten times its own, and keeps
// the one with the lowest target: the final training loss (f on a surface)
// or, for networks, the validation loss.
type TuneRequest struct {
	Trials int    `json:"trials"`
	Steps  int    `json:"steps"`
	Target string `json:"target"` // "train" or "val"
}

// Tuned reports the search: for each racer its trials and the tuned spec.
type Tuned struct {
	Type   string       `json:"type"` // "tuned"
	Target string       `json:"target"`
	Racers []TunedRacer `json:"racers"`
}

// TunedRacer is one racer's search.
type TunedRacer struct {
	ID     string   `json:"id"`
	Spec   string   `json:"spec"`
	Tuned  string   `json:"tuned"` // the spec with the best learning rate
	LR     Num      `json:"lr"`
	Value  Num      `json:"value"`  // its target value (null if every trial diverged)
	Trials [][2]Num `json:"trials"` // (lr, target value) per trial
	Note   string   `json:"note,omitempty"`
}

// tuneJob is the search, with the race's settings and racers copied.
type tuneJob struct {
	req    TuneRequest
	land   string
	start  []float64
	seed   uint64
	ids    []string
	racers []*optim.Config
}

func (rc *Race) tuneJob(t *TuneRequest) (*tuneJob, *ProblemError) {
	if t == nil {
		return nil, problem("tune", "tune needs {\"trials\": …, \"steps\": …, \"target\": train|val}")
	}
	if t.Trials < 2 || t.Trials > 30 {
		return nil, problem("tune.trials", "trials = %d is not accepted; give 2 to 30", t.Trials)
	}
	if t.Steps < 1 || t.Steps > 5000 {
		return nil, problem("tune.steps", "steps = %d is not accepted; give 1 to 5000", t.Steps)
	}
	if t.Target != "train" && t.Target != "val" {
		return nil, problem("tune.target", "target %q is not accepted; accepted: train, val", t.Target)
	}
	if o := rc.land.Network(); t.Target == "val" && (o == nil || len(o.Val) == 0) {
		return nil, problem("tune.target", "target val needs a network with a validation set")
	}
	job := &tuneJob{req: *t, land: rc.land.Spec, start: append([]float64(nil), rc.start...), seed: rc.seed}
	for _, r := range rc.racers {
		job.ids = append(job.ids, r.id)
		job.racers = append(job.racers, r.cfg)
	}
	return job, nil
}

// Run searches every racer's learning rate, on a landscape of its own, and
// emits the result.
func (job *tuneJob) Run(ctx context.Context, emit func(any)) {
	land, err := landscapes.Build(job.land)
	if err != nil {
		return // it built when the race was configured
	}
	out := Tuned{Type: "tuned", Target: job.req.Target}
	for k, cfg := range job.racers {
		tr := TunedRacer{ID: job.ids[k], Spec: cfg.Text(), Tuned: cfg.Text(), LR: Num(math.NaN()), Value: Num(math.NaN())}
		if !cfg.Values.Has("lr") || cfg.Values.Float("lr") <= 0 {
			tr.Note = cfg.Info.Name + " has no learning rate to tune"
			out.Racers = append(out.Racers, tr)
			continue
		}
		base, best := cfg.Values.Float("lr"), math.Inf(1)
		for i := range job.req.Trials {
			if ctx.Err() != nil {
				return
			}
			// Three significant digits: the spec and the link read
			// lr=0.0502, not lr=0.050237728630191596, and the trial runs
			// the rate they say.
			lr, _ := strconv.ParseFloat(strconv.FormatFloat(math.Min(base*math.Pow(10, -2+3*float64(i)/float64(job.req.Trials-1)), 100), 'g', 3, 64), 64)
			trial := cfg.With("lr", lr)
			value := job.trial(ctx, land, trial)
			tr.Trials = append(tr.Trials, [2]Num{Num(lr), Num(value)})
			if value < best {
				best = value
				tr.LR, tr.Value, tr.Tuned = Num(lr), Num(value), trial.Text()
			}
		}
		if math.IsInf(best, 1) {
			tr.Note = "every trial diverged"
		}
		out.Racers = append(out.Racers, tr)
	}
	emit(out)
}

// trial runs one config for the job's steps and returns its target value
// (+Inf when it diverged, failed or was cancelled).
func (job *tuneJob) trial(ctx context.Context, land *landscapes.Landscape, cfg *optim.Config) float64 {
	r, err := cfg.Start(land, job.start, job.seed)
	if err != nil {
		return math.Inf(1)
	}
	for r.Iter < job.req.Steps && ctx.Err() == nil && r.Step() {
	}
	if r.Status == optim.Diverged || r.Status == optim.Failed || r.Status == optim.Refused || ctx.Err() != nil {
		return math.Inf(1)
	}
	if job.req.Target == "val" {
		o := r.Land.Network() // the racer's own model, if it has one
		return o.Model.Loss(r.X, o.Val)
	}
	if math.IsNaN(r.F) {
		return math.Inf(1)
	}
	return r.F
}
