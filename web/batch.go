package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/optim"
	"github.com/saddle-viz/saddle/race"
)

// InputError is a mistake in what a person asked for: exit status 2 on the
// command line, 400 over HTTP.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputError(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// Names are what a driver calls the parts of a batch in its messages: the
// command line's flags (--surface, --opt) or the export's query keys.
type Names struct{ Surface, Opt, Start, Steps, Clock string }

// Flags are the command line's names.
var Flags = Names{Surface: "--surface", Opt: "--opt", Start: "--start", Steps: "--steps", Clock: "--clock"}

// Batch names a race that is run to a clock value at once, by the engine
// that runs the page's races: `saddle run` and `saddle plot` (iterations up
// to --steps) and the page's exports (the clock and the value the page
// shows, so that an export is what the screen showed).
type Batch struct {
	Surface string
	Opts    []string
	Start   string // "x,y"; empty for the surface's default start
	Seed    uint64
	Clock   string  // empty for iterations
	To      float64 // the clock value every racer runs to
	// Tol stops a racer whose gradient norm reaches it, as the page's race
	// does; 0 (the command line's) runs every racer to To.
	Tol float64
}

// Prepared is a batch whose every part has been checked.
type Prepared struct {
	Batch
	Land   *landscapes.Landscape
	X0     []float64
	Infos  []*optim.Info
	avg    []bool // racer i keeps an averaged iterate
	dims   []int  // racer i's coordinates: the surface's, or its own model's
	lim    race.Limits
	names  Names
	racers []race.RacerSpec
	// MaxNumbers, if set, bounds the numbers the rows may hold (an export's
	// budget); Run stops with ErrTooLarge beyond it.
	MaxNumbers int
}

// ErrTooLarge is a batch whose rows would exceed its budget.
var ErrTooLarge = errors.New("the export would exceed its budget")

// Numbers bounds the numbers the batch's rows hold from above, when the
// clock allows it: each iteration costs at least one unit of the iterations
// and evaluations clocks, and at least a minibatch's share of an epoch. The
// time clock gives no bound (ok is false).
func (p *Prepared) Numbers() (n float64, ok bool) {
	rows := p.To + 1
	switch p.Clock {
	case "epochs":
		frac := 1.0
		if st, isSum := p.Land.Surface.(optim.Stochastic); isSum && st.BatchSize() > 0 && st.BatchSize() < st.Examples() {
			frac = float64(st.BatchSize()) / float64(st.Examples())
		}
		rows = p.To/frac + 1
	case "time":
		return 0, false
	}
	rows = min(rows, float64(p.lim.MaxSteps+1))
	for i := range p.racers {
		n += rows * float64(p.rowNumbers(i))
	}
	return n, true
}

// rowNumbers is how many numbers a row of racer i holds: opt, iter, evals,
// f, gnorm and x, and an averaging racer's f̄ and x̄.
func (p *Prepared) rowNumbers(i int) int {
	n := 5 + p.dims[i]
	if p.avg[i] {
		n += 1 + p.dims[i]
	}
	return n
}

// Prepare checks every part of the batch, as the engine checks a configure
// message, and reports every mistake at once in the driver's names. lim
// bounds the engine (MaxSteps); maxTo bounds the clock value.
func (b Batch) Prepare(lim race.Limits, maxTo float64, names Names) (*Prepared, error) {
	if b.Surface == "" {
		return nil, inputError("%s is required; accepted surfaces: %s", names.Surface, landscapes.Names())
	}
	if len(b.Opts) == 0 {
		return nil, inputError("at least one %s is required; accepted optimizers: %s", names.Opt, optimizerNames())
	}
	if len(b.Opts) > race.MaxRacers {
		return nil, inputError("%d optimizers; at most %d are accepted", len(b.Opts), race.MaxRacers)
	}
	if b.Clock == "" {
		b.Clock = "iterations"
	}
	if !(b.To >= 0 && b.To <= maxTo) {
		if b.Clock == "iterations" {
			return nil, inputError("%s %s is out of range; accepted: 0 to %s", names.Steps, plain(b.To), plain(maxTo))
		}
		return nil, inputError("the clock value %s is out of range; accepted: 0 to %s", plain(b.To), plain(maxTo))
	}
	land, err := landscapes.Build(b.Surface)
	if err != nil {
		return nil, inputError("%s %v", names.Surface, err)
	}
	x0 := land.Start()
	if b.Start != "" {
		if x0, err = ParsePoint(names.Start, b.Start, land.Dim(), race.MaxStartNorm); err != nil {
			return nil, err
		}
	}
	lim.AllCoordinates = true
	lim.TickWork = 50 * time.Millisecond
	p := &Prepared{Batch: b, Land: land, X0: x0, lim: lim, names: names}
	for i, o := range b.Opts {
		p.racers = append(p.racers, race.RacerSpec{ID: "r" + strconv.Itoa(i), Opt: o})
	}
	// The engine checks the racers against the landscape (a natural
	// gradient needs a Fisher), all of them at once.
	rc := race.New(lim)
	defer rc.Close() // it holds uploaded data only while it checks
	if _, perr := rc.Handle(p.configure(p.racers)); perr != nil {
		return nil, &InputError{p.describe(perr)}
	}
	p.dims = rc.Dims() // a racer's own model has its own
	for _, o := range b.Opts {
		cfg, _ := optim.Parse(o) // parsed without error by the engine
		p.Infos = append(p.Infos, cfg.Info)
		p.avg = append(p.avg, cfg.Averages())
	}
	return p, nil
}

func (p *Prepared) configure(racers []race.RacerSpec) race.Message {
	return race.Message{Type: "configure", Surface: p.Surface, Start: p.X0, Seed: &p.Seed, Clock: p.Clock, Tol: &p.Tol, Racers: racers}
}

// describe writes the engine's problems in the driver's names, one line per
// part: `--opt "adam:lr=abc": adam: lr=abc is not accepted; …`.
func (p *Prepared) describe(perr *race.ProblemError) string {
	var lines []string
	seen := map[string]int{}
	for _, pr := range perr.Problems {
		head := pr.Field
		if i, rest, ok := strings.Cut(strings.TrimPrefix(pr.Field, "racers["), "]"); ok && strings.HasPrefix(rest, ".opt") {
			k, _ := strconv.Atoi(i)
			head = fmt.Sprintf("%s %q", p.names.Opt, p.Opts[k])
		} else if pr.Field == "surface" || strings.HasPrefix(pr.Field, "surface.") {
			head = fmt.Sprintf("%s %q", p.names.Surface, p.Surface)
		}
		if j, ok := seen[head]; ok {
			lines[j] += "; " + pr.Message
			continue
		}
		seen[head] = len(lines)
		lines = append(lines, head+": "+pr.Message)
	}
	return strings.Join(lines, "\n")
}

// Dims is the most coordinates a racer's iterate has: the surface's, or
// more where a racer trains its own larger model (cell=lstm).
func (p *Prepared) Dims() int { return slices.Max(p.dims) }

// Row is one iterate: the columns of `saddle run`.
type Row struct {
	Iter, Evals, HessEvals int
	F, GNorm               float64
	X                      []float64 // valid until the next row
	// An averaging racer's averaged iterate (average=polyak or ema) and its
	// exact value; AvgX is nil for one that does not average.
	AvgF float64
	AvgX []float64
}

// End is how a racer's run ended: "completed" when it ran to the clock
// value, else its status (diverged, converged, refused, failed, limit) and
// why.
type End struct {
	Status, Reason string
	Iter           int
	Evals, Hess    int
	// Inside is what the method carries at the end (optim.Inside), or nil.
	Inside *race.Inside
}

// Run drives the engine to the clock value, one racer after another (each
// on an engine of its own: the racers do not interact, and so the rows come
// grouped by racer and are never all held at once). It calls row for every
// iterate, the start included, and end when a racer's run is over; an error
// from either, or ctx ending, stops it.
func (p *Prepared) Run(ctx context.Context, row func(i int, r Row) error, end func(i int, e End) error) error {
	if p.MaxNumbers > 0 {
		numbers := 0
		inner := row
		row = func(i int, r Row) error {
			if numbers += p.rowNumbers(i); numbers > p.MaxNumbers {
				return ErrTooLarge
			}
			return inner(i, r)
		}
	}
	for i := range p.racers {
		e, err := p.runOne(ctx, i, row)
		if err != nil {
			return err
		}
		if err := end(i, e); err != nil {
			return err
		}
	}
	return nil
}

// runOne runs racer i alone to the clock value.
func (p *Prepared) runOne(ctx context.Context, i int, row func(i int, r Row) error) (End, error) {
	rc := race.New(p.lim)
	defer rc.Close()
	if _, perr := rc.Handle(p.configure(p.racers[i : i+1])); perr != nil {
		return End{}, perr // it was checked in Prepare
	}
	if p.To > 0 {
		rc.Handle(race.Message{Type: "seek", To: &p.To})
	}
	last := End{Status: "completed"}
	for {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		rc.Tick(0)
		f, ok := rc.Rows()
		if !ok && !rc.Playing() {
			last.Inside = rc.Insides()[0]
			return last, nil
		}
		for _, rf := range f.Racers {
			if err := p.rows(i, rf, row, &last); err != nil {
				return last, err
			}
		}
		rc.Sent(f)
	}
}

// rows hands on one frame's rows of racer i and keeps how its run stands.
func (p *Prepared) rows(i int, rf race.RacerFrame, row func(i int, r Row) error, last *End) error {
	n, d := p.dims[i], rf.Points.Data
	for k := 0; k < len(d); k += rf.Points.Stride {
		r := Row{Iter: int(d[k]), Evals: int(d[k+1]), HessEvals: int(d[k+2]), F: d[k+4], GNorm: d[k+5], X: d[k+6 : k+6+n]}
		if p.avg[i] { // the averaged iterate ends the row
			a := k + rf.Points.Stride - n - 1
			r.AvgF, r.AvgX = d[a], d[a+1:a+1+n]
		}
		if err := row(i, r); err != nil {
			return err
		}
		last.Iter, last.Evals, last.Hess = r.Iter, r.Evals, r.HessEvals
	}
	if rf.Status != "running" {
		last.Status, last.Reason = rf.Status, rf.Reason
	}
	return nil
}

func optimizerNames() string {
	var names []string
	for _, in := range optim.Optimizers() {
		names = append(names, in.Name)
	}
	return strings.Join(names, ", ")
}

// plain writes a number without an exponent.
func plain(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// ParsePoint reads "X,Y" (n comma-separated finite numbers of magnitude at
// most bound).
func ParsePoint(name, text string, n int, bound float64) ([]float64, error) {
	parts := strings.Split(text, ",")
	if len(parts) != n {
		return nil, inputError("%s %q has %d coordinates; this surface needs %d, comma-separated", name, text, len(parts), n)
	}
	x := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > bound {
			return nil, inputError("%s: coordinate %d, %q, is not accepted; each coordinate must be a finite number of magnitude at most %g", name, i+1, p, bound)
		}
		x[i] = v
	}
	return x, nil
}
