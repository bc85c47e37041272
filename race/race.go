// Package race is the race engine: a race of optimizers on one landscape as
// a state machine. Handle applies one message of the protocol and returns
// what to send back (and any background job the message asks for); Tick
// moves the race clock on and steps the racers within a work budget; Frame
// takes the new iterates and each racer's situation. It starts no goroutine,
// opens no socket and encodes nothing: the websocket session (package
// stream), the command line and the export (package web) are its drivers,
// so what is exported is what was shown.
//
// A message's way through: the page sends JSON → stream decodes it into a
// Message → Race.Handle checks it and changes the race (Configure parses
// each racer's spec once, into an optim.Config) → Tick steps each racer's
// optim.Run → Frame describes the new rows → stream encodes and sends it.
// See docs/architecture.md.
package race

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/optim"
	"github.com/saddle-viz/saddle/spec"
	"gonum.org/v1/gonum/mat"
)

// Limits bound what one race may cost.
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
	// TickWork is the computing time a race may spend stepping per tick.
	TickWork time.Duration
	// AllCoordinates makes point rows carry every coordinate (the command
	// line and exports), not the first MaxPointDims.
	AllCoordinates bool
}

// DefaultLimits are the limits of `saddle serve` unless flags change them.
var DefaultLimits = Limits{MaxSteps: 100_000, PendingCap: 4096, FramePoints: 1024, TickWork: 8 * time.Millisecond}

// Defaults of a race.
const (
	DefaultSpeed = 30   // clock units per second
	DefaultTol   = 1e-6 // gradient norm that counts as reaching the minimum
)

// Reply is what a message asks the driver to do besides sending a frame:
// send the surface (it changed: configure, view, start) and the state, start
// a background job, or cancel the running one.
type Reply struct {
	Surface *SurfaceMessage
	State   *State
	Job     Job
	Cancel  bool
}

// Race is the state of one race. It is not safe for concurrent use: one
// goroutine owns it (a session's engine, the command line, or a test).
type Race struct {
	lim      Limits
	gen      int
	land     *landscapes.Landscape
	release  func() // lets go of the uploaded data the landscape trains on
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
	// message says why play stopped by itself ("arrived", "the race is
	// over: …"). It stands until the race moves or changes: a state sent
	// for a view or a speed change says it again, or a page that asked to
	// look at the map just as the race arrived would never hear of it.
	message string
	seekTo  float64  // ≥ 0 while running to a clock value (seek); -1 otherwise
	shown   float64  // the blur of the surface the page shows
	mapBlur *float64 // the blur the page asked the map to show; nil follows the racers

	morphedAt time.Time
	morphCost time.Duration

	diagnosing    bool // a Diagnosis is out
	diagnosedAt   time.Time
	diagnosisCost time.Duration

	hess *mat.SymDense
	g    []float64
	// frameRacers is the last frame's slice of racers, reused.
	frameRacers []RacerFrame
	es          mat.EigenSym
	vecs        mat.Dense
}

// New returns an empty race; a configure message gives it a surface and
// racers.
func New(lim Limits) *Race {
	return &Race{lim: lim, seed: 1, clock: "iterations", speed: DefaultSpeed, tol: DefaultTol, seekTo: -1}
}

// Handle applies one message. It returns what to send, or the problems that
// made the message refused, in which case the race is as it was.
func (rc *Race) Handle(m Message) (Reply, *ProblemError) {
	if m.Type == "configure" {
		if p := rc.configure(m); p != nil {
			return Reply{}, p
		}
		return rc.reply("configure"), nil
	}
	if m.Type == "cancel" {
		r := rc.reply("")
		r.Cancel = true
		return r, nil
	}
	if !rc.Configured() {
		return Reply{}, problem("type", "send configure first: no surface is chosen yet")
	}
	switch m.Type {
	case "slice", "spectrum", "critical", "tune":
		job, p := rc.job(m)
		return Reply{Job: job}, p
	case "play":
		if !rc.anyRunning() {
			return Reply{}, problem("type", "no racer can run: add a racer or reset the race")
		}
		rc.playing, rc.message = true, ""
	case "pause":
		rc.playing, rc.message = false, ""
	case "step":
		rc.message = ""
		rc.StepOnce()
	case "reset":
		rc.playing = false
		rc.Reset()
		if rc.Morphed() {
			return rc.reply("configure"), nil
		}
	case "speed":
		if m.Speed == nil {
			return Reply{}, problem("speed", "speed needs a number in (0, %g]", MaxSpeed)
		}
		if p := checkSpeed(*m.Speed); p != nil {
			return Reply{}, p
		}
		rc.speed = *m.Speed
	case "clock":
		if p := checkClock(m.Clock); p != nil {
			return Reply{}, p
		}
		rc.clock = m.Clock
		rc.Reset()
	case "start":
		if p := checkStart(m.Start, rc.land.Dim()); p != nil {
			return Reply{}, p
		}
		rc.start = append([]float64(nil), m.Start...)
		rc.Reset()
		if rc.land.Dim() > 2 {
			return rc.reply("start"), nil // a slice through the start moves with it
		}
	case "add":
		if p := rc.add(m.Racer); p != nil {
			return Reply{}, p
		}
		rc.message = ""
	case "remove":
		i := rc.find(m.ID)
		if i < 0 {
			return Reply{}, problem("id", "no racer has id %q", m.ID)
		}
		rc.racers = append(rc.racers[:i], rc.racers[i+1:]...)
		rc.message = ""
	case "seek":
		if m.To == nil || !(*m.To >= 0 && *m.To <= 1e12) {
			return Reply{}, problem("to", "seek needs to: a clock value in [0, 1e12]")
		}
		rc.seekTo, rc.playing, rc.message = *m.To, true, ""
	case "view":
		if p := checkView(m.View); p != nil {
			return Reply{}, p
		}
		if p := checkMapBlur(m.MapBlur); p != nil {
			return Reply{}, p
		}
		copy(rc.view[:], m.View)
		rc.mapBlur = nil
		if m.MapBlur != nil {
			rc.mapBlur = new(*m.MapBlur)
		}
		return rc.reply("view"), nil
	case "retune":
		i := rc.find(m.ID)
		if i < 0 {
			return Reply{}, problem("id", "no racer has id %q", m.ID)
		}
		cfg, err := rc.parse(m.Opt)
		if err != nil {
			return Reply{}, &ProblemError{Problems: specProblems("opt", err)}
		}
		rc.restart(rc.racers[i], cfg) // from the start again; it catches up
		rc.message = ""
	default:
		return Reply{}, problem("type", "unknown message type %q", m.Type)
	}
	return rc.reply(""), nil
}

// reply is the state, after the surface if it must be sent again (for the
// reason given: configure, view, start or morph).
func (rc *Race) reply(surface string) Reply {
	var r Reply
	if surface != "" {
		s := rc.Surface(surface)
		r.Surface = &s
	}
	st := rc.State()
	r.State = &st
	return r
}

// parse resolves a racer's spec once and checks it against the landscape.
func (rc *Race) parse(text string) (*optim.Config, error) {
	cfg, err := optim.Parse(text)
	if err != nil {
		return nil, err
	}
	if err := cfg.Check(rc.land); err != nil {
		return nil, err
	}
	return cfg, nil
}

// configure replaces the race as a whole. Nothing changes unless every part
// of the message is valid.
func (rc *Race) configure(m Message) *ProblemError {
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
	next := *rc // the settings the message changes, checked before any is kept
	if m.Clock != "" {
		if p := checkClock(m.Clock); p != nil {
			return p
		}
		next.clock = m.Clock
	}
	if m.Speed != nil {
		if p := checkSpeed(*m.Speed); p != nil {
			return p
		}
		next.speed = *m.Speed
	}
	if m.Tol != nil {
		if p := checkTol(*m.Tol); p != nil {
			return p
		}
		next.tol = *m.Tol
	}
	if m.Seed != nil {
		next.seed = *m.Seed
	}
	if m.Patience != nil {
		if !(*m.Patience >= 0 && *m.Patience <= 1e6) {
			return problem("patience", "patience %v is not accepted; give epochs in [0, 1e6] (0 = no early stopping)", *m.Patience)
		}
		next.patience = *m.Patience
	}
	if len(m.Racers) > MaxRacers {
		return problem("racers", "%d racers; at most %d are accepted", len(m.Racers), MaxRacers)
	}
	next.land = land
	var problems []spec.Problem
	cfgs := make([]*optim.Config, len(m.Racers))
	ids := map[string]bool{}
	for i, r := range m.Racers {
		field := "racers[" + strconv.Itoa(i) + "]"
		if p := checkID(r.ID); p != nil {
			problems = append(problems, spec.Problem{Field: field + ".id", Message: p.Problems[0].Message})
		} else if ids[r.ID] && r.ID != "" {
			problems = append(problems, spec.Problem{Field: field + ".id", Message: fmt.Sprintf("id %q is used twice", r.ID)})
		}
		ids[r.ID] = true
		var err error
		if cfgs[i], err = next.parse(r.Opt); err != nil {
			problems = append(problems, specProblems(field+".opt", err)...)
		}
	}
	if problems != nil {
		return &ProblemError{Problems: problems}
	}
	rc.Close()
	rc.release = land.Hold()
	rc.land, rc.start, rc.clock, rc.speed, rc.tol, rc.seed, rc.patience = land, start, next.clock, next.speed, next.tol, next.seed, next.patience
	rc.view = land.View()
	if n := land.Dim(); n <= maxDenseDescribe {
		rc.hess = mat.NewSymDense(n, nil) // only small landscapes are decomposed in full
	} else {
		rc.hess = nil
	}
	rc.g = make([]float64, land.Dim())
	rc.racers = rc.racers[:0]
	for i, r := range m.Racers {
		rc.racers = append(rc.racers, &racer{id: rc.newID(r.ID), cfg: cfgs[i]})
	}
	rc.playing = false
	rc.Reset()
	return nil
}

// add puts a racer on the start line; it catches up with the race clock.
func (rc *Race) add(r *RacerSpec) *ProblemError {
	if r == nil {
		return problem("racer", "add needs a racer: {\"id\": …, \"opt\": …}")
	}
	if len(rc.racers) >= MaxRacers {
		return problem("racer", "the race has %d racers already, the most accepted", MaxRacers)
	}
	if p := checkID(r.ID); p != nil {
		return p
	}
	if r.ID != "" && rc.find(r.ID) >= 0 {
		return problem("racer.id", "id %q is taken", r.ID)
	}
	cfg, err := rc.parse(r.Opt)
	if err != nil {
		return &ProblemError{Problems: specProblems("racer.opt", err)}
	}
	nr := &racer{id: rc.newID(r.ID)}
	rc.racers = append(rc.racers, nr)
	rc.restart(nr, cfg)
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

// Insides are what each racer's method carries now (nil for one that
// carries nothing), in racer order: for the command line's JSON, which
// reports it at the end of each run.
func (rc *Race) Insides() []*Inside {
	out := make([]*Inside, len(rc.racers))
	for i, r := range rc.racers {
		out[i] = insideOf(r.run.Inside())
	}
	return out
}

// Close lets go of what the race holds beyond its session: the uploaded
// data it trains on. A session closes its race when it ends.
func (rc *Race) Close() {
	if rc.release != nil {
		rc.release()
		rc.release = nil
	}
}

// Configured reports whether the race has a surface.
func (rc *Race) Configured() bool { return rc.land != nil }

// Reset starts every racer again from the start, with a new generation.
func (rc *Race) Reset() {
	rc.gen++
	rc.message = ""
	rc.target = 0
	rc.seekTo = -1
	for _, r := range rc.racers {
		rc.restart(r, r.cfg)
	}
}

// restart starts a racer's run from its config at the race's start.
func (rc *Race) restart(r *racer, cfg *optim.Config) {
	r.cfg = cfg
	var err error
	if r.run, err = cfg.Start(rc.land, rc.start, rc.seed); err != nil {
		panic(err) // the config was checked against this landscape and start
	}
	r.pending, r.micros, r.reached, r.limited = r.pending[:0], 0, nil, false
	r.best, r.stopped, r.report, r.curve = nil, "", nil, nil
	r.serial++
	r.snapshots, r.snapEvery = r.snapshots[:0], 1
	r.dims = rc.pointDims(r)
	r.stride = 6 + r.dims
	if o := r.net(); o != nil && o.Modes() != nil {
		r.stride += len(o.Modes().S)
	}
	r.row = r.stride
	if r.run.Avg != nil {
		r.stride += 1 + r.dims
	}
	rc.record(r)
}

// avgCol is the column of a racer's rows where its averaged iterate's value
// starts (its coordinates follow), or 0 when it does not average.
func (rc *Race) avgCol(r *racer) int {
	if r.run.Avg == nil {
		return 0
	}
	return r.row
}

// MaxPointDims is the most coordinates a point row carries: a landscape of
// more dimensions sends its first ones (a network its first two weights,
// since its weights are not drawn), so that frames stay small.
const MaxPointDims = 16

// Dims is each racer's number of coordinates, in racer order: the
// surface's, or its own model's.
func (rc *Race) Dims() []int {
	out := make([]int, len(rc.racers))
	for i, r := range rc.racers {
		out[i] = r.run.Land.Dim()
	}
	return out
}

// pointDims is the coordinates a racer's point rows carry (kept as r.dims).
func (rc *Race) pointDims(r *racer) int {
	n := r.run.Land.Dim()
	switch {
	case rc.lim.AllCoordinates:
		return n
	case r.net() != nil:
		return min(2, n)
	}
	return min(MaxPointDims, n)
}

// State describes the race's configuration.
func (rc *Race) State() State {
	s := State{Type: "state", Gen: rc.gen, Seed: rc.seed, Clock: rc.clock, Speed: rc.speed, Tol: rc.tol, Patience: rc.patience,
		Playing: rc.playing, MaxSteps: rc.lim.MaxSteps, Start: rc.start, Racers: []RacerState{}, Message: rc.message}
	if rc.land != nil {
		s.Surface = rc.land.Spec
		if rc.land.Dim() > MaxPointDims {
			s.Start = nil // the surface's default, implied by its spec (a network's initial weights)
		}
	}
	for _, r := range rc.racers {
		s.Racers = append(s.Racers, RacerState{ID: r.id, Opt: r.run.Spec, Name: r.run.Info.Name, Family: r.run.Info.Family, AvgCol: rc.avgCol(r)})
	}
	return s
}

// Surface is the message that describes the race's surface, as blurred as
// the first continuation racer sees it (so the surface on screen morphs
// with it), or as configured.
func (rc *Race) Surface(reason string) SurfaceMessage {
	s, follows := rc.displayBlur()
	rc.shown = s
	land := rc.land
	if s != land.Blur && land.Network() == nil {
		land = land.WithBlur(s)
	}
	m := surfaceMessage(land, rc.start, rc.view)
	m.Reason = reason
	m.SurfaceBlur, m.Follows, m.MapBlur = Num(rc.land.Blur), follows, rc.mapBlur != nil
	return m
}

// displayBlur is the blur the map shows: the page's choice, else the first
// continuation racer's (whose id it returns), else the surface's own.
func (rc *Race) displayBlur() (float64, string) {
	if rc.mapBlur != nil {
		return *rc.mapBlur, ""
	}
	for _, r := range rc.racers {
		if r.run.Blur != rc.land.Blur {
			return r.run.Blur, r.id
		}
	}
	return rc.land.Blur, ""
}

// Morphed says whether the displayed blur has moved enough since the surface
// was last sent to send it again.
func (rc *Race) Morphed() bool {
	if rc.land.Network() != nil {
		return false // a network has no map to morph
	}
	s, _ := rc.displayBlur()
	return math.Abs(s-rc.shown) > 0.02*math.Max(s, rc.shown) || (s == 0) != (rc.shown == 0)
}
