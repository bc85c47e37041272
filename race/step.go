package race

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
)

// racer is one optimizer in a race.
type racer struct {
	id      string
	cfg     *optim.Config // the spec, resolved once
	run     *optim.Run
	pending []float64 // rows of stride values not yet sent
	stride  int       // its row, then the averaged iterate's [f, x…] if it averages
	row     int       // the row without the averaged iterate: [iter, evals, hessEvals, µs, f, gnorm, x…, modes…]
	dims    int       // the coordinates of x in a row (and of the averaged iterate)
	micros  float64   // computing time spent stepping
	reached *Reached
	limited bool // stopped at Limits.MaxSteps
	dirty   bool // changed since the last frame

	// A network racer's path in weight space, thinned to at most
	// maxSnapshots points (every snapEvery-th iterate), for its trajectory plane.
	snapshots [][]float64
	snapEvery int

	// A network racer's last diagnosis (see Diagnosis): its report and
	// curvature, the iterate they describe and when they came.
	report   *nets.Report
	curve    *curve
	gtg      float64
	diagIter int
	diagAt   time.Time
	serial   int // counts the racer's runs: a retune starts another

	best    *Best  // lowest validation loss so far
	stopped string // early stopping's reason

	// buf holds a small surface's gradient and curvature for its frames.
	buf struct {
		grad, eig [4]Num
		vecs      [2][4]Num
		cols      [2][]Num
	}
}

// running says whether the racer still steps: it has not converged (by its
// own test or by reaching the race's tolerance), diverged, failed, reached
// the step limit or been stopped early.
func (r *racer) running() bool {
	return r.run.Status == optim.Running && r.reached == nil && !r.limited && r.stopped == ""
}

// maxSnapshots bounds a network racer's stored path: 200 snapshots of its
// weights, or as many as fit in snapshotBytes (2 MB), at least 8.
const (
	maxSnapshots  = 200
	snapshotBytes = 2 << 20
)

func (rc *Race) snapshotCap(r *racer) int {
	return max(8, min(maxSnapshots, snapshotBytes/(8*r.run.Land.Dim())))
}

// net is the network the racer trains: the race's, or its own model on the
// race's data (nil on an analytic surface).
func (r *racer) net() *nets.Objective { return r.run.Land.Network() }

// record appends the racer's current iterate to its pending rows.
func (rc *Race) record(r *racer) {
	run := r.run
	r.pending = append(r.pending, float64(run.Iter), float64(run.Evals()), float64(run.HessEvals()), r.micros, run.F, run.GNorm)
	r.pending = append(r.pending, run.X[:r.dims]...)
	net := r.net()
	if net != nil {
		r.pending = append(r.pending, net.ModeStrengths(run.X)...) // a deep linear network's: a few small products
	}
	if run.Avg != nil {
		r.pending = append(r.pending, run.AvgF)
		r.pending = append(r.pending, run.Avg[:r.dims]...)
	}
	r.dirty = true
	if net != nil && run.Iter%max(r.snapEvery, 1) == 0 {
		r.snapshots = append(r.snapshots, append([]float64(nil), run.X...))
		if len(r.snapshots) > rc.snapshotCap(r) {
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
// evaluations (a Hessian costs n, as n gradient evaluations would), its
// epochs, or its computing time in milliseconds (a network's step takes
// about one; a surface's, a microsecond or two).
func (rc *Race) clockOf(r *racer) float64 {
	switch rc.clock {
	case "evaluations":
		return float64(r.run.Evals() + r.run.Land.Dim()*r.run.HessEvals())
	case "epochs":
		return r.run.Epochs()
	case "time":
		return r.micros / 1000
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

func (rc *Race) full(r *racer) bool { return len(r.pending) >= rc.lim.PendingCap*r.stride }

// Tick moves the race clock on by dt of real time at the race's speed (or
// towards a seek's clock value), steps every racer up to it within the
// tick's work budget, and says what the driver must send besides the frame:
// the surface, when a continuation racer's blur has morphed it (while it
// plays at most ten times a second and in at most a tenth of the time; at
// once when it stops), and the state, when play stopped by itself.
func (rc *Race) Tick(dt time.Duration) Reply {
	var out Reply
	if !rc.Configured() {
		return out
	}
	was := rc.playing
	rc.advance(dt)
	// At rest the map catches up at once: it must show what the racers see
	// where they stopped (a seek's end came within the rate limit under load).
	if rc.Morphed() && (!rc.playing || time.Since(rc.morphedAt) > max(100*time.Millisecond, 10*rc.morphCost)) {
		t0 := time.Now()
		s := rc.Surface("morph")
		out.Surface = &s
		rc.morphedAt, rc.morphCost = time.Now(), time.Since(t0)
	}
	if was && !rc.playing {
		st := rc.State()
		out.State = &st
	}
	return out
}

// advance steps every racer up to the clock target, in turns, so that none
// starves when the work budget runs out first.
func (rc *Race) advance(dt time.Duration) {
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
		rc.message = rc.over()
	}
}

// Due is how long the race can wait before its next tick has anything to
// do: while it plays, until the race clock reaches the next running
// racer's clock (at most a second), and no wait at all while rows are
// pending, a seek runs or a racer is ahead; a second when it is paused.
// A driver ticks no more often than its frame rate anyway.
func (rc *Race) Due() time.Duration {
	if !rc.playing {
		return time.Second
	}
	if rc.seekTo >= 0 {
		return 0
	}
	next := math.Inf(1)
	for _, r := range rc.racers {
		if len(r.pending) > 0 || r.dirty {
			return 0
		}
		if r.running() {
			next = math.Min(next, rc.clockOf(r))
		}
	}
	if math.IsInf(next, 1) {
		return 0 // nobody runs: the next tick ends play
	}
	wait := (next - rc.target) / rc.speed
	return time.Duration(math.Min(1, math.Max(0, wait)) * float64(time.Second))
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

// over says why the race ended: every racer has stopped, and how.
func (rc *Race) over() string {
	count := map[string]int{}
	var order []string
	for _, r := range rc.racers {
		st := rc.status(r).Status
		if count[st] == 0 {
			order = append(order, st)
		}
		count[st]++
	}
	parts := make([]string, len(order))
	for i, st := range order {
		parts[i] = fmt.Sprintf("%d %s", count[st], st)
	}
	return "the race is over: every racer has stopped (" + strings.Join(parts, ", ") + ")"
}

func (rc *Race) anyRunning() bool {
	for _, r := range rc.racers {
		if r.running() {
			return true
		}
	}
	return false
}

// Playing reports whether the race clock is running (a seek included).
func (rc *Race) Playing() bool { return rc.playing }
