package race

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
	"github.com/saddle-viz/saddle/spec"
)

// The messages of the protocol (docs/protocol.md) as values: what a client
// asks (Message) and what the race answers (State, SurfaceMessage, Frame,
// ErrorMessage and the background jobs' messages). The engine neither
// encodes nor decodes them; the struct tags say how a driver writes them.

// Message is every message a client may send; Type says which fields count.
type Message struct {
	Type    string      `json:"type"`
	Req     string      `json:"req,omitempty"` // echoed in an error, so the page can place it
	Surface string      `json:"surface,omitempty"`
	Start   []float64   `json:"start,omitempty"`
	Seed    *uint64     `json:"seed,omitempty"`
	Racers  []RacerSpec `json:"racers,omitempty"`
	Racer   *RacerSpec  `json:"racer,omitempty"`
	ID      string      `json:"id,omitempty"`
	Opt     string      `json:"opt,omitempty"`
	Clock   string      `json:"clock,omitempty"`
	Speed   *float64    `json:"speed,omitempty"`
	Tol     *float64    `json:"tol,omitempty"`
	View    []float64   `json:"view,omitempty"` // [xmin, xmax, ymin, ymax]
	// MapBlur, in a view message, shows the map blurred by this s, for
	// looking only (the racers' objective is unchanged); without it the map
	// follows the racers: the first continuation racer's blur, else the
	// surface's own.
	MapBlur *float64 `json:"map_blur,omitempty"`
	To      *float64 `json:"to,omitempty"` // seek: the race clock to run to
	// Patience stops a network racer whose validation loss has not improved
	// for this many epochs (0 = never).
	Patience *float64 `json:"patience,omitempty"`
	// Slice asks for a view of a network's loss landscape around racer ID.
	Slice *SliceRequest `json:"slice,omitempty"`
	// Tune asks for a fair race: the same learning-rate search for every racer.
	Tune *TuneRequest `json:"tune,omitempty"`
}

// SliceRequest names a view of a network's loss: "random" (two
// filter-normalized random directions), "plane" (the plane of the racer's
// trajectory's two principal directions), "interpolate" (the line from the
// initial weights to the racer's, α from −0.5 to 1.5) or "eigmap" (the
// Hessian's extreme eigenvalues over a random slice, at most 21 points a
// side).
type SliceRequest struct {
	Kind       string  `json:"kind"`
	N          int     `json:"n"`     // grid points a side (3 … 101)
	Range      float64 `json:"range"` // random: the grid covers [−range, range]²
	IgnoreBias bool    `json:"ignore_bias"`
	Other      string  `json:"other,omitempty"` // between: the second racer's id
}

// SliceKinds are the accepted slice kinds.
var SliceKinds = []string{"random", "plane", "interpolate", "between", "matched", "eigmap"}

// SliceStart opens a slice's stream; rows follow, then SliceDone.
type SliceStart struct {
	Type string  `json:"type"` // "slice_start"
	ID   string  `json:"id"`
	Kind string  `json:"kind"`
	N    int     `json:"n"`
	Rows int     `json:"rows"`
	Lo   float64 `json:"lo"` // the grid's coordinates run from Lo to Hi on both axes
	Hi   float64 `json:"hi"`
	// IgnoreBias: random and eigmap: the directions leave the biases alone;
	// otherwise their bias part is the biases themselves (Li et al.'s code).
	IgnoreBias bool         `json:"ignore_bias"`
	Explained  []float64    `json:"explained,omitempty"` // plane: variance fractions along the two directions
	Path       [][2]float64 `json:"path,omitempty"`      // plane: the trajectory's coordinates
	Moved      int          `json:"moved,omitempty"`     // matched: hidden units the matching moved
}

// SliceRow is one row of a slice: y fixed, x running from lo to hi.
type SliceRow struct {
	Type      string `json:"type"` // "slice_row"
	Row       int    `json:"row"`
	TrainLoss []Num  `json:"train_loss"`
	TrainErr  []Num  `json:"train_err"`
	ValLoss   []Num  `json:"val_loss"`
	EigMin    []Num  `json:"eig_min,omitempty"` // eigmap: the Hessian's smallest and largest eigenvalue
	EigMax    []Num  `json:"eig_max,omitempty"`
}

// SpectrumMessage summarizes the Hessian's eigenvalues at a network racer's
// point: the stochastic Lanczos quadrature density (nodes with weights that
// sum to 1), Hutchinson's trace ± its standard error, the exact eigenvalues
// up to 400 parameters, and each layer's top eigenvalue.
type SpectrumMessage struct {
	Type     string `json:"type"` // "spectrum"
	ID       string `json:"id"`
	Dim      int    `json:"dim"`
	Nodes    []Num  `json:"nodes"`
	Weights  []Num  `json:"weights"`
	Trace    Num    `json:"trace"`
	TraceSE  Num    `json:"trace_se"`
	Exact    []Num  `json:"exact,omitempty"`
	LayerTop []Num  `json:"layer_top"`
}

// CriticalMessage reports the critical-point explorer's searches so far
// (one message after each start): where each search from the racer's path
// and from random weights ended.
type CriticalMessage struct {
	Type   string          `json:"type"` // "critical"
	ID     string          `json:"id"`
	Dim    int             `json:"dim"`
	Starts int             `json:"starts"`
	Points []CriticalPoint `json:"points"`
}

// CriticalPoint is where one search ended: its loss, ‖∇L‖, the Hessian's
// negative and zero eigenvalues there, its index (negative / dim) and
// whether ‖∇L‖ reached the tolerance; from says where it started ("path"
// or "random").
type CriticalPoint struct {
	Loss      Num    `json:"loss"`
	GradNorm  Num    `json:"gnorm"`
	Negative  int    `json:"negative"`
	Zero      int    `json:"zero"`
	Index     Num    `json:"index"`
	Converged bool   `json:"converged"`
	From      string `json:"from"`
}

// SliceDone closes a slice; a plane adds the loss along the path and at its
// projections, to show how faithful the plane is.
type SliceDone struct {
	Type      string `json:"type"` // "slice_done"
	Cancelled bool   `json:"cancelled,omitempty"`
	Truth     []Num  `json:"truth,omitempty"`
	Projected []Num  `json:"projected,omitempty"`
	// Barrier: matched: the loss barrier on the line before and after the
	// matching (the largest excess over the straight line between the
	// ends' losses).
	Barrier []Num `json:"barrier,omitempty"`
}

// RacerSpec names one racer: an optimizer spec and the client's id for it.
type RacerSpec struct {
	ID  string `json:"id"`
	Opt string `json:"opt"`
}

// Clocks a race can be run by.
var Clocks = []string{"iterations", "evaluations", "epochs", "time"}

// MessageTypes are the accepted values of Message.Type.
var MessageTypes = []string{"configure", "play", "pause", "step", "reset", "speed", "clock", "start", "add", "remove", "retune", "view", "seek", "slice", "spectrum", "critical", "tune", "cancel"}

// Limits of the protocol.
const (
	MaxRacers    = 16
	MaxSpeed     = 1e6
	MaxStartNorm = 1e6
	MaxMessage   = 64 << 10 // bytes
	GridSize     = 201
)

// ProblemError is a rejected message: every problem, keyed by field.
type ProblemError struct {
	Problems []spec.Problem
}

func (e *ProblemError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
		if p.Field != "" {
			msgs[i] = p.Field + ": " + p.Message
		}
	}
	return strings.Join(msgs, "; ")
}

// Problem is a refusal that concerns one field.
func Problem(field, format string, a ...any) *ProblemError { return problem(field, format, a...) }

func problem(field, format string, a ...any) *ProblemError {
	return &ProblemError{Problems: []spec.Problem{{Field: field, Message: fmt.Sprintf(format, a...)}}}
}

// specProblems turns a spec error into problems under the given field.
func specProblems(field string, err error) []spec.Problem {
	var se *spec.Error
	if errors.As(err, &se) {
		out := make([]spec.Problem, len(se.Problems))
		for i, p := range se.Problems {
			f := field
			if p.Field != "" && p.Field != "name" {
				f += "." + p.Field
			}
			out[i] = spec.Problem{Field: f, Message: p.Message}
		}
		return out
	}
	return []spec.Problem{{Field: field, Message: err.Error()}}
}

func checkStart(x []float64, n int) *ProblemError {
	if len(x) != n {
		return problem("start", "the start has %d coordinates; this surface needs %d", len(x), n)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxStartNorm {
			return problem("start", "coordinate %d is %v; each must be a finite number of magnitude at most %g", i, v, MaxStartNorm)
		}
	}
	return nil
}

// MaxIDLen is the longest racer id accepted.
const MaxIDLen = 32

// checkID accepts a short printable name: letters, digits, '-', '_' and
// '.' (or none: the race names the racer).
func checkID(id string) *ProblemError {
	ok := len(id) <= MaxIDLen
	for _, c := range id {
		ok = ok && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')
	}
	if !ok {
		return problem("racer.id", "a racer's id is at most %d letters, digits, '-', '_' or '.'; %.40q is not accepted", MaxIDLen, id)
	}
	return nil
}

func checkView(v []float64) *ProblemError {
	if len(v) != 4 {
		return problem("view", "a view is [xmin, xmax, ymin, ymax]; got %d numbers", len(v))
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > MaxStartNorm {
			return problem("view", "view %v: each bound must be a finite number of magnitude at most %g", v, MaxStartNorm)
		}
	}
	for _, d := range [][2]float64{{v[0], v[1]}, {v[2], v[3]}} {
		if !(d[1]-d[0] > 1e-9*(1+math.Abs(d[0])+math.Abs(d[1]))) {
			return problem("view", "view %v: each maximum must exceed its minimum by a representable width", v)
		}
	}
	return nil
}

func checkMapBlur(s *float64) *ProblemError {
	if s == nil {
		return nil
	}
	if limit := landscapes.CommonParams()[0].Max; !(*s >= 0 && *s <= limit) {
		return problem("map_blur", "map_blur %v is not accepted; it must be a number in [0, %g]", *s, limit)
	}
	return nil
}

func checkSpeed(s float64) *ProblemError {
	if !(s > 0 && s <= MaxSpeed) {
		return problem("speed", "speed %v is not accepted; it must be in (0, %g]", s, MaxSpeed)
	}
	return nil
}

func checkClock(c string) *ProblemError {
	for _, k := range Clocks {
		if c == k {
			return nil
		}
	}
	return problem("clock", "clock %q is not accepted; accepted: %s", c, strings.Join(Clocks, ", "))
}

func checkTol(t float64) *ProblemError {
	if !(t >= 0 && t <= 1e3) {
		return problem("tol", "tol %v is not accepted; it must be in [0, 1000]", t)
	}
	return nil
}

// Num is a float64 that a driver writes as null when it is NaN or ±Inf,
// since JSON has no such numbers.
type Num float64

// MarshalJSON writes the number, or null.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// Points are rows of stride values [iter, evals, hessEvals, µs, f, gnorm,
// x…, a deep linear network's mode strengths…, an averaging racer's f̄,
// x̄…], in order; a driver writes them with full float64 precision.
type Points struct {
	Stride int
	Data   []float64
}

// Frame carries every iterate since the previous frame, and each racer's
// situation at its current point.
type Frame struct {
	Type   string       `json:"type"` // "frame"
	Gen    int          `json:"gen"`
	Clock  Num          `json:"clock"`
	Racers []RacerFrame `json:"racers"`
}

// RacerFrame is one racer's part of a frame.
type RacerFrame struct {
	ID        string       `json:"id"`
	Points    Points       `json:"-"` // written by the driver
	Status    string       `json:"status"`
	Reason    string       `json:"reason,omitempty"`
	LR        Num          `json:"lr"`
	Damping   Num          `json:"damping"`
	Probes    [][]float64  `json:"probes,omitempty"`
	LookAhead []float64    `json:"lookahead,omitempty"`
	Grad      []Num        `json:"grad,omitempty"`
	Eig       []Num        `json:"eig,omitempty"`
	Vecs      [][]Num      `json:"vecs,omitempty"` // columns: the eigenvectors (2-D surfaces)
	GTG       Num          `json:"gTg"`
	GTHG      Num          `json:"gTHg"`
	Inertia   int          `json:"inertia"` // negative eigenvalues
	Reached   *Reached     `json:"reached,omitempty"`
	Blur      Num          `json:"blur"`           // the blur this racer sees (continuation)
	Net       *nets.Report `json:"net,omitempty"`  // a network's losses, errors, layer statistics, regions
	Frac      Num          `json:"frac"`           // share of the examples one evaluation sees (epochs = evals·frac + n·hessian_evals)
	Best      *Best        `json:"best,omitempty"` // a network racer's lowest validation loss so far
	// Inside is what the racer's method carries at its current point, on
	// a 2-D surface (docs/protocol.md).
	Inside *Inside `json:"inside,omitempty"`
	// DiagIter is the iteration that a network racer's net, eig and gTg
	// describe: they are computed away from the race and come later.
	DiagIter *int `json:"diag_iter,omitempty"`
}

// Inside is what a racer's method carries from one step to the next
// (optim.Inside), for the map's glyphs: the step its momentum alone would
// take, the per-coordinate scale that turns a gradient into its step, a
// quasi-Newton method's inverse-Hessian approximation (row-major 2×2) and
// its last line searches, each [from x, from y, direction x, direction y].
type Inside struct {
	Velocity []Num   `json:"velocity,omitempty"`
	Scale    []Num   `json:"scale,omitempty"`
	InvHess  []Num   `json:"inv_hess,omitempty"`
	Lines    [][]Num `json:"lines,omitempty"`
}

// insideOf copies a method's state into a frame's.
func insideOf(st *optim.Inside) *Inside {
	if st == nil || st.Velocity == nil && st.Scale == nil && st.InvHess == nil && st.Lines == nil {
		return nil
	}
	in := &Inside{Velocity: numsInto(nil, st.Velocity), Scale: numsInto(nil, st.Scale), InvHess: numsInto(nil, st.InvHess)}
	for _, l := range st.Lines {
		in.Lines = append(in.Lines, numsInto(nil, slices.Concat(l.From, l.Dir)))
	}
	return in
}

// Best is the point of a network racer's lowest validation loss: where
// early stopping would keep its weights.
type Best struct {
	Iter    int     `json:"iter"`
	Epoch   float64 `json:"epoch"`
	ValLoss float64 `json:"val_loss"`
}

// Reached records when a racer first met the race's gradient tolerance.
type Reached struct {
	Iter  int     `json:"iter"`
	Evals int     `json:"evals"`
	Clock float64 `json:"clock"`
}

// State describes the race after every change of configuration.
type State struct {
	Type     string       `json:"type"` // "state"
	Gen      int          `json:"gen"`
	Surface  string       `json:"surface"`
	Start    []float64    `json:"start"`
	Seed     uint64       `json:"seed"`
	Clock    string       `json:"clock"`
	Speed    float64      `json:"speed"`
	Tol      float64      `json:"tol"`
	Patience float64      `json:"patience"`
	Playing  bool         `json:"playing"`
	MaxSteps int          `json:"max_steps"`
	Racers   []RacerState `json:"racers"`
	Message  string       `json:"message,omitempty"`
}

// RacerState names a racer and its optimizer.
type RacerState struct {
	ID     string `json:"id"`
	Opt    string `json:"opt"`
	Name   string `json:"name"`
	Family string `json:"family"`
	// AvgCol is where, in the racer's point rows, its averaged iterate
	// (average=polyak or ema) begins: its exact value, then its
	// coordinates, as many as the iterate's; absent when it does not average.
	AvgCol int `json:"avg_col,omitempty"`
}

// SurfaceMessage is sent once per configuration: the surface sampled on a
// grid over its view box (a slice through the start in more than two
// dimensions), with what the page needs to colour and annotate it.
type SurfaceMessage struct {
	Type    string     `json:"type"`   // "surface"
	Reason  string     `json:"reason"` // configure, view, start or morph (a continuation racer's blur changed)
	Spec    string     `json:"spec"`
	Name    string     `json:"name"`
	Title   string     `json:"title"`
	Explain string     `json:"explain"`
	Dim     int        `json:"dim"`
	View    [4]float64 `json:"view"` // the surface's own view box
	Box     [4]float64 `json:"box"`  // the box this grid covers
	Blur    string     `json:"blur"`
	BlurS   Num        `json:"blur_s"` // the blur of the map
	// SurfaceBlur is the surface's own blur, the one every racer is scored
	// on; Follows names the continuation racer whose blur the map shows,
	// and MapBlur says the page chose the map's blur itself.
	SurfaceBlur Num                   `json:"surface_blur"`
	Follows     string                `json:"follows,omitempty"`
	MapBlur     bool                  `json:"map_blur,omitempty"`
	N           int                   `json:"n"`
	F           string                `json:"f"` // base64 of N×N little-endian float32, row 0 at ymin; N = 0 for a network
	Log         bool                  `json:"log"`
	Floor       Num                   `json:"floor"`
	Delta       Num                   `json:"delta"`
	Critical    []landscapes.Critical `json:"critical"`
	Data        *nets.Points          `json:"data,omitempty"`    // a network's 2-D data
	Classes     []string              `json:"classes,omitempty"` // a classifier's class names, in the order of its outputs
	// Singular: a deep linear network's task, the singular values its mode
	// strengths rise to. Each point row then ends with the mode strengths
	// uᵢᵀ W vᵢ at that iterate (Saxe et al. 2014), one per singular value.
	Singular []float64 `json:"singular,omitempty"`
}

// maxGridDim is the largest dimension for which the surface is sampled for
// the map: a slice of a network's loss through two of its weights would cost
// seconds and show little (slices of networks are drawn otherwise).
const maxGridDim = 128

// surfaceCache keeps the last maxCachedSurfaces sampled surfaces: a class
// that opens one lesson at once samples its surface once, not once a
// student (sampling costs milliseconds; the message is read-only).
var surfaceCache = struct {
	sync.Mutex
	m    map[string]SurfaceMessage
	keys []string // oldest first
}{m: map[string]SurfaceMessage{}}

const maxCachedSurfaces = 64

func surfaceMessage(l *landscapes.Landscape, through []float64, view [4]float64) SurfaceMessage {
	if l.Network() != nil || l.Dim() > maxGridDim {
		return sampleSurface(l, through, view)
	}
	key := fmt.Sprintf("%s|%v|%v", l.Spec, math.Float64bits(l.Blur), view)
	if l.Dim() > 2 {
		key += fmt.Sprint(through) // the slice through the start
	}
	c := &surfaceCache
	c.Lock()
	m, ok := c.m[key]
	c.Unlock()
	if ok {
		return m
	}
	m = sampleSurface(l, through, view)
	c.Lock()
	defer c.Unlock()
	if _, ok := c.m[key]; !ok {
		if len(c.keys) == maxCachedSurfaces {
			delete(c.m, c.keys[0])
			c.keys = c.keys[1:]
		}
		c.m[key] = m
		c.keys = append(c.keys, key)
	}
	return m
}

func sampleSurface(l *landscapes.Landscape, through []float64, view [4]float64) SurfaceMessage {
	net := l.Network()
	if l.Dim() > maxGridDim || net != nil {
		// No map: a slice of a network's loss through two weights shows
		// little; its data and decision regions are drawn instead.
		m := SurfaceMessage{Type: "surface", Spec: l.Spec, Name: l.Info.Name, Title: l.Info.Title, Explain: l.Info.Explain,
			Dim: l.Dim(), View: l.View(), Box: view, Blur: l.BlurKind(), BlurS: Num(l.Blur), Floor: Num(math.NaN()), Delta: Num(math.NaN())}
		if net != nil {
			m.Data = net.Points()
			m.Classes = net.ClassNames()
			if modes := net.Modes(); modes != nil {
				m.Singular = modes.S
			}
		}
		return m
	}
	g := landscapes.Sample(l, through, view, GridSize)
	buf := make([]byte, 4*len(g.F))
	for i, f := range g.F {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(float32(f)))
	}
	return SurfaceMessage{Type: "surface", Spec: l.Spec, Name: l.Info.Name, Title: l.Info.Title, Explain: l.Info.Explain,
		Dim: l.Dim(), View: l.View(), Box: view, Blur: l.BlurKind(), BlurS: Num(l.Blur), N: g.N, F: base64.StdEncoding.EncodeToString(buf),
		Log: g.Log, Floor: Num(g.Floor), Delta: Num(g.Delta), Critical: l.Critical()}
}

// ErrorMessage reports a rejected message; the race goes on as it was.
type ErrorMessage struct {
	Type     string         `json:"type"` // "error"
	Req      string         `json:"req,omitempty"`
	Message  string         `json:"message"`
	Problems []spec.Problem `json:"problems"`
}
