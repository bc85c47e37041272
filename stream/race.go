package stream

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Limits bound what one session may cost the server.
type Limits struct {
	// MaxSteps is the most iterations a racer takes in one race.
	MaxSteps int
	// PendingCap is the most iterates a racer holds for a client that has
	// not taken them yet; a racer that has this many stops stepping until the
	// client catches up, so a stalled client costs bounded memory and loses
	// no point.
	PendingCap int
	// FramePoints is the most iterates of one racer in one frame; the rest
	// wait for the next frame.
	FramePoints int
	// TickWork is the computing time a session may spend stepping per tick.
	TickWork time.Duration
}

// DefaultLimits are the limits of `saddle serve` unless flags change them.
var DefaultLimits = Limits{MaxSteps: 100_000, PendingCap: 4096, FramePoints: 1024, TickWork: 8 * time.Millisecond}

// Defaults of a race.
const (
	DefaultSpeed = 30   // clock units per second
	DefaultTol   = 1e-6 // gradient norm that counts as reaching the minimum
)

// racer is one optimizer in a race.
type racer struct {
	id      string
	run     *optim.Run
	pending []float64 // rows of stride values not yet sent
	micros  float64   // computing time spent stepping
	reached *Reached
	limited bool // stopped at Limits.MaxSteps
	dirty   bool // changed since the last frame

	// A network racer's path in weight space, thinned to at most
	// maxSnapshots points (every snapEvery-th iterate), for its trajectory plane.
	snapshots [][]float64
	snapEvery int

	curve      *curve // a large model's last curvature estimate
	curvedAt   time.Time
	best       *Best        // lowest validation loss so far
	stopped    string       // early stopping's reason
	report     *nets.Report // a network's last report
	reportAt   time.Time
	reportCost time.Duration
	curveCost  time.Duration
}

func (r *racer) running() bool { return r.run.Status == optim.Running && !r.limited && r.stopped == "" }

// Race is the state of one session's race. It is not safe for concurrent
// use: one goroutine owns it (Session's engine, or a test).
type Race struct {
	lim      Limits
	gen      int
	land     *landscapes.Landscape
	start    []float64
	view     [4]float64 // the box the page shows
	seed     uint64
	clock    string
	speed    float64
	tol      float64
	patience float64 // epochs without a better validation loss before a racer stops; 0 = never
	playing  bool
	target   float64 // every racer is stepped until its clock reaches this
	racers   []*racer
	nextID   int
	stride   int
	message  string  // a note for the next state (why play stopped)
	seekTo   float64 // ≥ 0 while running to a clock value (seek); -1 otherwise
	shown    float64 // the blur of the surface the page shows

	hess *mat.SymDense
	g    []float64
	es   mat.EigenSym
	vecs mat.Dense
}

// NewRace returns an empty race; Configure gives it a surface and racers.
func NewRace(lim Limits) *Race {
	return &Race{lim: lim, seed: 1, clock: "iterations", speed: DefaultSpeed, tol: DefaultTol, seekTo: -1}
}

// Configure replaces the race as a whole. Nothing changes unless every part
// of the message is valid.
func (rc *Race) Configure(m Message) *ProblemError {
	if m.Surface == "" {
		return problem("surface", "configure needs a surface spec; accepted surfaces: %s", landscapes.Names())
	}
	land, err := landscapes.Build(m.Surface)
	if err != nil {
		return &ProblemError{Problems: specProblems("surface", err)}
	}
	start := land.Start()
	if m.Start != nil {
		if p := checkStart(m.Start, land.Dim()); p != nil {
			return p
		}
		start = append([]float64(nil), m.Start...)
	}
	clock, speed, tol, seed := rc.clock, rc.speed, rc.tol, rc.seed
	if m.Clock != "" {
		if p := checkClock(m.Clock); p != nil {
			return p
		}
		clock = m.Clock
	}
	if m.Speed != nil {
		if p := checkSpeed(*m.Speed); p != nil {
			return p
		}
		speed = *m.Speed
	}
	if m.Tol != nil {
		if p := checkTol(*m.Tol); p != nil {
			return p
		}
		tol = *m.Tol
	}
	if m.Seed != nil {
		seed = *m.Seed
	}
	patience := rc.patience
	if m.Patience != nil {
		if !(*m.Patience >= 0 && *m.Patience <= 1e6) {
			return problem("patience", "patience %v is not accepted; give epochs in [0, 1e6] (0 = no early stopping)", *m.Patience)
		}
		patience = *m.Patience
	}
	if len(m.Racers) > MaxRacers {
		return problem("racers", "%d racers; at most %d are accepted", len(m.Racers), MaxRacers)
	}
	var problems []landscapes.Problem
	ids := map[string]bool{}
	for i, r := range m.Racers {
		field := "racers[" + strconv.Itoa(i) + "]"
		if ids[r.ID] && r.ID != "" {
			problems = append(problems, landscapes.Problem{Field: field + ".id", Message: fmt.Sprintf("id %q is used twice", r.ID)})
		}
		ids[r.ID] = true
		if err := optim.Check(land, r.Opt); err != nil {
			problems = append(problems, specProblems(field+".opt", err)...)
		}
	}
	if problems != nil {
		return &ProblemError{Problems: problems}
	}
	rc.land, rc.start, rc.clock, rc.speed, rc.tol, rc.seed, rc.patience = land, start, clock, speed, tol, seed, patience
	rc.view = land.Info.View
	rc.stride = 6 + pointDims(land)
	if o, ok := land.Surface.(*nets.Objective); ok && o.Modes() != nil {
		rc.stride += len(o.Modes().S)
	}
	rc.hess = mat.NewSymDense(land.Dim(), nil)
	rc.g = make([]float64, land.Dim())
	rc.racers = rc.racers[:0]
	for _, r := range m.Racers {
		rc.racers = append(rc.racers, &racer{id: rc.newID(r.ID)})
		rc.racers[len(rc.racers)-1].run, _ = optim.Start(land, r.Opt, start, seed)
	}
	rc.playing = false
	rc.Reset()
	return nil
}

func (rc *Race) newID(id string) string {
	if id != "" {
		return id
	}
	for {
		rc.nextID++
		id = "r" + strconv.Itoa(rc.nextID)
		if rc.find(id) < 0 {
			return id
		}
	}
}

func (rc *Race) find(id string) int {
	for i, r := range rc.racers {
		if r.id == id {
			return i
		}
	}
	return -1
}

// maxSnapshots bounds a network racer's stored path (200 snapshots of its
// weights: 3.9 MB for the digits MLP).
const maxSnapshots = 200

// SliceJob is a slice to compute away from the engine: the network, the
// racer's weights and path copied at the time of the request.
type SliceJob struct {
	ID    string
	Req   SliceRequest
	Obj   *nets.Objective
	Theta []float64
	Start []float64
	Path  [][]float64
}

// PrepareSlice checks a slice request and copies what it needs.
func (rc *Race) PrepareSlice(m Message) (*SliceJob, *ProblemError) {
	o, isNet := rc.land.Surface.(*nets.Objective)
	if !isNet {
		return nil, problem("slice", "slices are for networks (mlp, deeplinear, rnn); this surface's map is its slice")
	}
	if m.Type == "spectrum" {
		i := rc.find(m.ID)
		if i < 0 {
			return nil, problem("id", "no racer has id %q", m.ID)
		}
		return &SliceJob{ID: m.ID, Req: SliceRequest{Kind: "spectrum"}, Obj: o, Theta: append([]float64(nil), rc.racers[i].run.X...)}, nil
	}
	if m.Slice == nil {
		return nil, problem("slice", "slice needs {\"kind\": random|plane|interpolate, \"n\": …}")
	}
	req := *m.Slice
	if !contains(SliceKinds, req.Kind) {
		return nil, problem("slice.kind", "kind %q is not accepted; accepted: random, plane, interpolate, between, eigmap", req.Kind)
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
	job := &SliceJob{ID: r.id, Req: req, Obj: o, Theta: append([]float64(nil), r.run.X...), Start: append([]float64(nil), rc.land.Start()...)}
	if req.Kind == "between" {
		j := rc.find(req.Other)
		if j < 0 || j == i {
			return nil, problem("slice.other", "between needs the id of another racer; %q is not one", req.Other)
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

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// MaxPointDims is the most coordinates a point row carries: a landscape of
// more dimensions sends its first ones (a network its first two weights,
// since its weights are not drawn), so that frames stay small.
const MaxPointDims = 16

func pointDims(l *landscapes.Landscape) int {
	if _, isNet := l.Surface.(*nets.Objective); isNet {
		return min(2, l.Dim())
	}
	return min(MaxPointDims, l.Dim())
}

// Configured reports whether the race has a surface.
func (rc *Race) Configured() bool { return rc.land != nil }

// Reset starts every racer again from the start, with a new generation.
func (rc *Race) Reset() {
	rc.gen++
	rc.target = 0
	rc.seekTo = -1
	for _, r := range rc.racers {
		rc.restart(r, r.run.Spec)
	}
}

// restart (re)builds a racer's run from the start; the spec is known valid.
func (rc *Race) restart(r *racer, spec string) {
	r.run, _ = optim.Start(rc.land, spec, rc.start, rc.seed)
	r.pending, r.micros, r.reached, r.limited = r.pending[:0], 0, nil, false
	r.best, r.stopped, r.report, r.curve = nil, "", nil, nil
	r.snapshots, r.snapEvery = r.snapshots[:0], 1
	rc.record(r)
}

// record appends the racer's current iterate to its pending rows.
func (rc *Race) record(r *racer) {
	run := r.run
	r.pending = append(r.pending, float64(run.Iter), float64(run.Evals()), float64(run.HessEvals()), r.micros, run.F, run.GNorm)
	r.pending = append(r.pending, run.X[:pointDims(rc.land)]...)
	if o, ok := rc.land.Surface.(*nets.Objective); ok {
		r.pending = append(r.pending, o.ModeStrengths(run.X)...) // a deep linear network's: a few small products
	}
	r.dirty = true
	if _, isNet := rc.land.Surface.(*nets.Objective); isNet && run.Iter%max(r.snapEvery, 1) == 0 {
		r.snapshots = append(r.snapshots, append([]float64(nil), run.X...))
		if len(r.snapshots) > maxSnapshots {
			// Keep every other one and snapshot half as often.
			k := 0
			for i := 0; i < len(r.snapshots); i += 2 {
				r.snapshots[k] = r.snapshots[i]
				k++
			}
			r.snapshots = r.snapshots[:k]
			r.snapEvery = max(r.snapEvery, 1) * 2
		}
	}
	if r.reached == nil && run.GNorm <= rc.tol {
		r.reached = &Reached{Iter: run.Iter, Evals: run.Evals(), Clock: rc.clockOf(r)}
	}
}

// clockOf is the racer's position on the race clock: its iterations, its
// evaluations (a Hessian costs n, as n gradient evaluations would), or its
// computing time in microseconds.
func (rc *Race) clockOf(r *racer) float64 {
	switch rc.clock {
	case "evaluations":
		return float64(r.run.Evals() + rc.land.Dim()*r.run.HessEvals())
	case "epochs":
		return r.run.Epochs()
	case "time":
		return r.micros
	}
	return float64(r.run.Iter)
}

// step takes one step of one racer.
func (rc *Race) step(r *racer) {
	t0 := time.Now()
	moved := r.run.Step()
	r.micros += float64(time.Since(t0).Nanoseconds()) / 1e3
	if moved {
		rc.record(r)
		if r.run.Iter >= rc.lim.MaxSteps {
			r.limited = true
		}
	} else {
		r.dirty = true
	}
}

func (rc *Race) full(r *racer) bool { return len(r.pending) >= rc.lim.PendingCap*rc.stride }

// Advance moves the race clock on by dt of real time at the race's speed
// and steps every racer up to it, in turns, so that none starves when the
// work budget runs out first.
func (rc *Race) Advance(dt time.Duration) {
	if !rc.playing {
		return
	}
	if rc.seekTo >= 0 {
		rc.target = rc.seekTo
	} else {
		rc.target += rc.speed * dt.Seconds()
	}
	deadline := time.Now().Add(rc.lim.TickWork)
	for progress := true; progress && time.Now().Before(deadline); {
		progress = false
		for _, r := range rc.racers {
			for k := 0; k < 16 && r.running() && !rc.full(r) && rc.clockOf(r) < rc.target; k++ {
				rc.step(r)
				progress = true
			}
		}
	}
	// A race the machine cannot keep up with does not bank clock it has not
	// run: the target stays within one second of the slowest running racer.
	slowest := math.Inf(1)
	for _, r := range rc.racers {
		if r.running() {
			slowest = math.Min(slowest, rc.clockOf(r))
		}
	}
	if !math.IsInf(slowest, 1) && rc.seekTo < 0 {
		rc.target = math.Min(rc.target, slowest+rc.speed)
	}
	if rc.seekTo >= 0 && !(slowest < rc.seekTo) {
		rc.playing, rc.seekTo = false, -1
		rc.message = "arrived"
	} else if !rc.anyRunning() {
		rc.playing, rc.seekTo = false, -1
		rc.message = "every racer has stopped"
	}
}

// StepOnce takes one iteration of every running racer.
func (rc *Race) StepOnce() {
	rc.playing = false
	for _, r := range rc.racers {
		if r.running() && !rc.full(r) {
			rc.step(r)
		}
	}
	for _, r := range rc.racers {
		rc.target = math.Max(rc.target, rc.clockOf(r))
	}
}

func (rc *Race) anyRunning() bool {
	for _, r := range rc.racers {
		if r.running() {
			return true
		}
	}
	return false
}

// Handle applies one control message (configure is handled by Configure).
// It returns whether the surface must be sent again.
func (rc *Race) Handle(m Message) (surface bool, perr *ProblemError) {
	if m.Type == "configure" {
		if p := rc.Configure(m); p != nil {
			return false, p
		}
		return true, nil
	}
	if !rc.Configured() {
		return false, problem("type", "send configure first: no surface is chosen yet")
	}
	switch m.Type {
	case "play":
		if !rc.anyRunning() {
			return false, problem("type", "no racer can run: add a racer or reset the race")
		}
		rc.playing = true
	case "pause":
		rc.playing = false
	case "step":
		rc.StepOnce()
	case "reset":
		rc.playing = false
		rc.Reset()
		return rc.Morphed(), nil
	case "speed":
		if m.Speed == nil {
			return false, problem("speed", "speed needs a number in (0, %g]", MaxSpeed)
		}
		if p := checkSpeed(*m.Speed); p != nil {
			return false, p
		}
		rc.speed = *m.Speed
	case "clock":
		if p := checkClock(m.Clock); p != nil {
			return false, p
		}
		rc.clock = m.Clock
		rc.Reset()
	case "start":
		if p := checkStart(m.Start, rc.land.Dim()); p != nil {
			return false, p
		}
		rc.start = append([]float64(nil), m.Start...)
		rc.Reset()
		return rc.land.Dim() > 2, nil // a slice through the start moves with it
	case "add":
		if m.Racer == nil {
			return false, problem("racer", "add needs a racer: {\"id\": …, \"opt\": …}")
		}
		if len(rc.racers) >= MaxRacers {
			return false, problem("racer", "the race has %d racers already, the most accepted", MaxRacers)
		}
		if m.Racer.ID != "" && rc.find(m.Racer.ID) >= 0 {
			return false, problem("racer.id", "id %q is taken", m.Racer.ID)
		}
		if err := optim.Check(rc.land, m.Racer.Opt); err != nil {
			return false, &ProblemError{Problems: specProblems("racer.opt", err)}
		}
		r := &racer{id: rc.newID(m.Racer.ID)}
		rc.racers = append(rc.racers, r)
		rc.restart(r, m.Racer.Opt) // it catches up with the race clock
	case "remove":
		i := rc.find(m.ID)
		if i < 0 {
			return false, problem("id", "no racer has id %q", m.ID)
		}
		rc.racers = append(rc.racers[:i], rc.racers[i+1:]...)
	case "seek":
		if m.To == nil || !(*m.To >= 0 && *m.To <= 1e12) {
			return false, problem("to", "seek needs to: a clock value in [0, 1e12]")
		}
		rc.seekTo, rc.playing = *m.To, true
	case "view":
		if p := checkView(m.View); p != nil {
			return false, p
		}
		copy(rc.view[:], m.View)
		return true, nil
	case "retune":
		i := rc.find(m.ID)
		if i < 0 {
			return false, problem("id", "no racer has id %q", m.ID)
		}
		if err := optim.Check(rc.land, m.Opt); err != nil {
			return false, &ProblemError{Problems: specProblems("opt", err)}
		}
		rc.restart(rc.racers[i], m.Opt) // from the start again; it catches up
	}
	return false, nil
}

// State describes the race's configuration.
func (rc *Race) State() State {
	s := State{Type: "state", Gen: rc.gen, Seed: rc.seed, Clock: rc.clock, Speed: rc.speed, Tol: rc.tol, Patience: rc.patience,
		Playing: rc.playing, MaxSteps: rc.lim.MaxSteps, Start: rc.start, Racers: []RacerState{}, Message: rc.message}
	rc.message = ""
	if rc.land != nil {
		s.Surface = rc.land.Spec
		if rc.land.Dim() > MaxPointDims {
			s.Start = nil // the surface's default, implied by its spec (a network's initial weights)
		}
	}
	for _, r := range rc.racers {
		s.Racers = append(s.Racers, RacerState{ID: r.id, Opt: r.run.Spec, Name: r.run.Info.Name, Family: r.run.Info.Family})
	}
	return s
}

// Surface is the message that describes the race's surface, as blurred as
// the first continuation racer sees it (so the surface on screen morphs
// with it), or as configured.
func (rc *Race) Surface(reason string) SurfaceMessage {
	s := rc.displayBlur()
	rc.shown = s
	land := rc.land
	if s != land.Blur && !land.Info.PerturbBlur {
		land = land.WithBlur(s)
	}
	m := surfaceMessage(land, rc.start, rc.view)
	m.Reason = reason
	return m
}

func (rc *Race) displayBlur() float64 {
	for _, r := range rc.racers {
		if r.run.Blur != rc.land.Blur {
			return r.run.Blur
		}
	}
	return rc.land.Blur
}

// Morphed says whether the displayed blur has moved enough since the surface
// was last sent to send it again.
func (rc *Race) Morphed() bool {
	if rc.land.Info.PerturbBlur {
		return false // a network has no map to morph
	}
	s := rc.displayBlur()
	return math.Abs(s-rc.shown) > 0.02*math.Max(s, rc.shown) || (s == 0) != (rc.shown == 0)
}

// Frame takes the pending iterates of every racer (at most FramePoints each)
// and describes each changed racer at its current point. It returns false
// when nothing changed. The frame aliases the race's buffers: encode it
// before the race moves on.
func (rc *Race) Frame() (Frame, bool) {
	f := Frame{Type: "frame", Gen: rc.gen, Clock: num(rc.target)}
	for _, r := range rc.racers {
		if !r.dirty && len(r.pending) == 0 {
			continue
		}
		n := min(len(r.pending), rc.lim.FramePoints*rc.stride)
		rf := rc.describe(r)
		rf.Points = points{stride: rc.stride, data: r.pending[:n:n]}
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
		n := len(rf.Points.data)
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
	rf := RacerFrame{ID: r.id, Status: run.Status.String(), Reason: run.Reason, LR: num(run.Last.LR), Damping: num(run.Last.Damping), Reached: r.reached, Blur: num(run.Blur), Frac: num(run.BatchFraction())}
	if run.Iter == 0 {
		rf.LR, rf.Damping = num(math.NaN()), num(math.NaN())
	}
	if r.limited {
		rf.Status, rf.Reason = "limit", fmt.Sprintf("reached the server's limit of %d steps per race", rc.lim.MaxSteps)
	}
	if run.Iter > 0 && run.Status == optim.Running {
		for _, p := range run.Last.Probes {
			rf.Probes = append(rf.Probes, append([]float64(nil), p...))
		}
		if run.Last.LookAhead != nil {
			rf.LookAhead = append([]float64(nil), run.Last.LookAhead...)
		}
	}
	if o, ok := rc.land.Surface.(*nets.Objective); ok {
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
		if r.stopped != "" {
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
	rf.GTG, rf.GTHG = num(gtg), num(floats.Dot(rc.g, hg.RawVector().Data))
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
				col := make([]num, n)
				for i := range n {
					col[i] = num(rc.vecs.At(i, j))
				}
				rf.Vecs = append(rf.Vecs, col)
			}
		}
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
	rf.GTG, rf.GTHG = num(gtg), num(math.NaN())
	hv, ok := rc.land.Surface.(hessVec)
	if !ok {
		return
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
	rf.GTHG = num(c.gthg)
	rf.Eig = []num{num(c.lo), num(c.hi)}
	if c.lo < 0 {
		rf.Inertia = 1 // at least one negative eigenvalue
	}
	return rf
}

func nums(x []float64) []num {
	out := make([]num, len(x))
	for i, v := range x {
		out[i] = num(v)
	}
	return out
}
