package race

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
)

// driver drives a race as a session does, without a socket: messages go to
// Handle, ticks of 1/60 s to Tick, and every frame's rows are kept.
type driver struct {
	t        *testing.T
	rc       *Race
	rows     map[string][][]float64
	last     map[string]RacerFrame // each racer's last description
	surfaces []SurfaceMessage
	states   []State
}

func newDriver(t *testing.T) *driver {
	return &driver{t: t, rc: New(DefaultLimits), rows: map[string][][]float64{}, last: map[string]RacerFrame{}}
}

func (d *driver) keep(r Reply) {
	if r.Surface != nil {
		d.surfaces = append(d.surfaces, *r.Surface)
	}
	if r.State != nil {
		d.states = append(d.states, *r.State)
	}
}

// handle sends a message that must be accepted.
func (d *driver) handle(m Message) Reply {
	d.t.Helper()
	r, p := d.rc.Handle(m)
	if p != nil {
		d.t.Fatalf("%s was refused: %v", m.Type, p)
	}
	d.keep(r)
	return r
}

// refuse sends a message that must be refused, and returns the problem.
func (d *driver) refuse(m Message) *ProblemError {
	d.t.Helper()
	_, p := d.rc.Handle(m)
	if p == nil {
		d.t.Fatalf("%+v was accepted", m)
	}
	return p
}

// tick moves the race on by one frame interval, takes its frame, and runs
// the diagnosis the race asks for (a session runs it on another goroutine).
func (d *driver) tick() {
	d.keep(d.rc.Tick(time.Second / 60))
	if dg, ok := d.rc.NextDiagnosis(); ok {
		dg.Run(context.Background())
		d.rc.Diagnosed(dg)
	}
	f, ok := d.rc.Frame()
	if !ok {
		return
	}
	for _, rf := range f.Racers {
		for i := 0; i < len(rf.Points.Data); i += rf.Points.Stride {
			d.rows[rf.ID] = append(d.rows[rf.ID], append([]float64(nil), rf.Points.Data[i:i+rf.Points.Stride]...))
		}
		d.last[rf.ID] = rf
	}
	d.rc.Sent(f)
}

// until ticks until cond holds; it waits on the race's state, so it gives
// up only after far more ticks than any test needs.
func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	for range 200_000 {
		if cond() {
			return
		}
		d.tick()
	}
	d.t.Fatalf("never: %s", what)
}

// job runs a job the way a session does, and returns what it emitted
// (from as many goroutines as the job uses).
func job(ctx context.Context, j Job) []any {
	var out []any
	var mu sync.Mutex
	j.Run(ctx, func(v any) { mu.Lock(); out = append(out, v); mu.Unlock() })
	return out
}

func TestRaceMatchesRunBitForBit(t *testing.T) {
	d := newDriver(t)
	specs := []string{"adam:lr=0.05", "bfgs", "sgd:lr=0.001,momentum=0.9,clip_norm=1", "newton:adaptive=true"}
	var racers []RacerSpec
	for i, s := range specs {
		racers = append(racers, RacerSpec{ID: "r" + string(rune('a'+i)), Opt: s})
	}
	d.handle(Message{Type: "configure", Surface: "rosenbrock:noise=0.5", Racers: racers, Seed: ptr(uint64(7)), Speed: ptr(5000.0)})
	if d.surfaces[0].N != GridSize {
		t.Errorf("grid of %d, want %d", d.surfaces[0].N, GridSize)
	}
	d.handle(Message{Type: "play"})
	ids := []string{"ra", "rb", "rc", "rd"}
	d.until("200 iterations of each racer", func() bool {
		for _, id := range ids {
			if len(d.rows[id]) < 201 && (d.last[id].Status == "" || d.last[id].Status == "running") {
				return false
			}
		}
		return true
	})
	land, _ := landscapes.Build("rosenbrock:noise=0.5")
	for i, id := range ids {
		run, _ := optim.Start(land, specs[i], land.Start(), 7)
		rows := d.rows[id][:min(201, len(d.rows[id]))]
		for k, row := range rows {
			if k > 0 && !run.Step() {
				t.Fatalf("%s: the reference run stopped at %d but the race sent more", specs[i], run.Iter)
			}
			want := append([]float64{float64(run.Iter), float64(run.Evals()), float64(run.HessEvals()), row[3], run.F, run.GNorm}, run.X...)
			for j := range want {
				if row[j] != want[j] {
					t.Fatalf("%s iteration %d: column %d is %v, saddle run gives %v", specs[i], k, j, row[j], want[j])
				}
			}
		}
	}
}

func TestControlMessages(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{ID: "a", Opt: "gd:lr=0.01"}}})
	d.handle(Message{Type: "step"})
	d.handle(Message{Type: "step"})
	d.tick()
	if rows := d.rows["a"]; len(rows) != 3 || rows[2][0] != 2 {
		t.Fatalf("two steps gave rows %v", rows)
	}
	// retune restarts that racer from the start with the new spec.
	st := d.handle(Message{Type: "retune", ID: "a", Opt: "gd:lr=0.02"}).State
	if st.Racers[0].Opt != "gd:lr=0.02" {
		t.Errorf("after retune the state has %+v", st.Racers)
	}
	d.rows = map[string][][]float64{}
	d.tick()
	if d.rows["a"][0][0] != 0 {
		t.Errorf("a retuned racer starts at iteration 0, got %v", d.rows["a"][0])
	}
	if st = d.handle(Message{Type: "add", Racer: &RacerSpec{ID: "b", Opt: "newton"}}).State; len(st.Racers) != 2 {
		t.Errorf("after add: %+v", st.Racers)
	}
	d.handle(Message{Type: "remove", ID: "a"})
	d.handle(Message{Type: "speed", Speed: ptr(100.0)})
	d.handle(Message{Type: "clock", Clock: "evaluations"})
	st = d.handle(Message{Type: "start", Start: []float64{1, 2}}).State
	if len(st.Racers) != 1 || st.Racers[0].ID != "b" || st.Speed != 100 || st.Clock != "evaluations" || st.Start[0] != 1 {
		t.Errorf("state after remove, speed, clock, start: %+v", st)
	}
	d.handle(Message{Type: "play"})
	d.handle(Message{Type: "pause"})
	if st = d.handle(Message{Type: "reset"}).State; st.Playing || st.Gen < 4 {
		t.Errorf("state after play, pause and reset: %+v", st)
	}
	if r, p := d.rc.Handle(Message{Type: "cancel"}); p != nil || !r.Cancel {
		t.Errorf("cancel: %+v, %v", r, p)
	}
}

func TestBadMessagesAreRefusedAndTheRaceGoesOn(t *testing.T) {
	d := newDriver(t)
	if p := d.refuse(Message{Type: "play"}); !strings.Contains(p.Error(), "send configure first") {
		t.Errorf("play before configure: %v", p)
	}
	tests := []struct {
		msg   Message
		field string
		want  string
	}{
		{Message{Type: "configure", Surface: "nope"}, "surface", `unknown surface "nope"`},
		{Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{Opt: "adam:lr=-1"}}}, "racers[0].opt.lr", "lr takes a number in [0, 100]"},
		{Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{Opt: "natural-gradient"}}}, "racers[0].opt", "needs the Fisher information"},
		{Message{Type: "configure", Surface: "quadratic", Start: []float64{1}}, "start", "the start has 1 coordinates; this surface needs 2"},
		{Message{Type: "configure", Surface: "quadratic", Start: []float64{1e300, 0}}, "start", "finite number of magnitude at most"},
		{Message{Type: "configure", Surface: "quadratic", Speed: ptr(-1.0)}, "speed", "speed -1 is not accepted"},
		{Message{Type: "configure", Surface: "quadratic", Clock: "sundial"}, "clock", `clock "sundial" is not accepted; accepted: iterations, evaluations, epochs, time`},
		{Message{Type: "configure", Surface: "quadratic", Racers: make([]RacerSpec, 17)}, "racers", "17 racers; at most 16"},
	}
	for _, tt := range tests {
		p := d.refuse(tt.msg)
		if !strings.Contains(p.Error(), tt.want) || p.Problems[0].Field != tt.field {
			t.Errorf("%+v: %q at field %q; want %q at %q", tt.msg, p.Error(), p.Problems[0].Field, tt.want, tt.field)
		}
	}
	// A refused message leaves the race as it was.
	d.handle(Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{ID: "a", Opt: "adam"}}})
	d.refuse(Message{Type: "configure", Surface: "rosenbrock", Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=x"}}})
	if p := d.refuse(Message{Type: "retune", ID: "zz", Opt: "adam"}); !strings.Contains(p.Error(), `no racer has id "zz"`) {
		t.Errorf("retune of an unknown racer: %v", p)
	}
	if st := d.rc.State(); st.Surface != "quadratic" || len(st.Racers) != 1 {
		t.Errorf("after refused messages the race is %+v", st)
	}
}

func TestDivergingRacerDoesNotStopTheOthers(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "rosenbrock", Speed: ptr(1000.0), Racers: []RacerSpec{{ID: "bad", Opt: "gd:lr=0.1"}, {ID: "good", Opt: "adam:lr=0.05"}}})
	d.handle(Message{Type: "play"})
	d.until("300 rows of the good racer", func() bool { return len(d.rows["good"]) >= 300 })
	if n := len(d.rows["bad"]); n == 0 || n >= 300 || d.last["bad"].Status != "diverged" || d.last["bad"].Reason == "" {
		t.Errorf("the diverging racer sent %d rows and ended %q (%q)", n, d.last["bad"].Status, d.last["bad"].Reason)
	}
}

// grid decodes a surface message's float32 grid.
func grid(t *testing.T, s SurfaceMessage) []float32 {
	b, err := base64.StdEncoding.DecodeString(s.F)
	if err != nil || len(b) != 4*s.N*s.N {
		t.Fatalf("grid of %d bytes: %v", len(b), err)
	}
	out := make([]float32, s.N*s.N)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// A view sends the surface sampled on the same number of points over the
// smaller box: sharper, each point the surface's value there.
func TestViewSendsASharperGrid(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "saddle", Racers: []RacerSpec{{Opt: "gd"}}})
	box := [4]float64{-0.5, 0.5, -0.25, 0.25}
	s := *d.handle(Message{Type: "view", View: box[:]}).Surface
	if s.Box != box || s.View != [4]float64{-2, 2, -2, 2} || s.N != GridSize || s.Reason != "view" {
		t.Fatalf("view gave box %v, view %v, n %d (%s)", s.Box, s.View, s.N, s.Reason)
	}
	land, _ := landscapes.Build("saddle")
	g := grid(t, s)
	for _, rc := range [][2]int{{0, 0}, {3, 7}, {100, 100}, {200, 5}, {57, 199}} {
		r, c := rc[0], rc[1]
		x := box[0] + (box[1]-box[0])*float64(c)/float64(s.N-1)
		y := box[2] + (box[3]-box[2])*float64(r)/float64(s.N-1)
		if want := float32(land.Func([]float64{x, y})); g[r*s.N+c] != want {
			t.Errorf("grid point (%d, %d) is %g, f(%g, %g) = %g", r, c, g[r*s.N+c], x, y, want)
		}
	}
	// Its spacing is the box's: 1/8 of the whole view's across x.
	full := *d.handle(Message{Type: "view", View: []float64{-2, 2, -2, 2}}).Surface
	if spacing := (s.Box[1] - s.Box[0]) / (full.Box[1] - full.Box[0]); spacing != 0.25 || full.N != s.N {
		t.Errorf("the zoomed grid is %g of the full one", spacing)
	}
	for _, bad := range [][]float64{{1, 0, 0, 1}, {0, 1, 0}, {0, 1e300, 0, 1}} {
		if p := d.refuse(Message{Type: "view", View: bad}); p.Problems[0].Field != "view" {
			t.Errorf("view %v: %v, want a problem with the view", bad, p)
		}
	}
}

func TestSeekAndMorph(t *testing.T) {
	d := newDriver(t)
	// tol 0: no racer stops at the race's tolerance on the way.
	d.handle(Message{Type: "configure", Surface: "rastrigin", Tol: ptr(0.0), Racers: []RacerSpec{{ID: "plain", Opt: "gd:lr=0.004"}, {ID: "cont", Opt: "gd:lr=0.004,blur_from=2,blur_steps=100"}}})
	if s := d.surfaces[0]; s.Reason != "configure" || s.BlurS != 2 || s.Follows != "cont" || s.SurfaceBlur != 0 || s.MapBlur {
		t.Errorf("the first surface shows blur %v (%s, following %q, the surface's %v); want the continuation racer's 2", s.BlurS, s.Reason, s.Follows, s.SurfaceBlur)
	}
	d.surfaces = nil
	d.handle(Message{Type: "seek", To: ptr(120.0)}) // the blur is 0 after step 101
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	if st := d.states[len(d.states)-1]; st.Message != "arrived" || st.Playing {
		t.Errorf("the last state %+v; want arrived", st)
	}
	for k, row := range d.rows["cont"] {
		if int(row[0]) != k {
			t.Fatalf("row %v after %d rows", row[0], k)
		}
	}
	if n := len(d.rows["cont"]); n != 121 {
		t.Errorf("%d rows after a seek to 120", n)
	}
	// On the way the surface morphed down to the unblurred one.
	unblurred := false
	for _, s := range d.surfaces {
		if s.Reason != "morph" {
			t.Errorf("a surface with reason %q during the race", s.Reason)
		}
		unblurred = unblurred || s.BlurS == 0
	}
	if !unblurred {
		t.Errorf("the surface never morphed to blur 0: %d surfaces", len(d.surfaces))
	}
	// Why play stopped stands while the race stands, whatever else the
	// page asks (a page that changes its view just as the race arrives
	// must still hear that it did), and goes when the race moves.
	for _, m := range []Message{{Type: "view", View: []float64{-5, 5, -5, 5}}, {Type: "speed", Speed: ptr(30.0)}} {
		if st := d.handle(m).State; st.Message != "arrived" {
			t.Errorf("after a %s message the state says %q; want arrived", m.Type, st.Message)
		}
	}
	if st := d.handle(Message{Type: "pause"}).State; st.Message != "" {
		t.Errorf("after a pause the state says %q", st.Message)
	}
}

// The time clock counts milliseconds of a racer's computing: a seek to 2
// runs every racer until it has computed for 2 ms.
func TestTimeClockIsMilliseconds(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "rosenbrock", Clock: "time", Tol: ptr(0.0), Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.001"}}})
	d.handle(Message{Type: "seek", To: ptr(2.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	for n := -1; n != len(d.rows["a"]); { // the rows still pending
		n = len(d.rows["a"])
		d.tick()
	}
	rows := d.rows["a"]
	last, before := rows[len(rows)-1][3], rows[len(rows)-2][3]
	if !(last >= 2000 && before < 2000) {
		t.Errorf("after a seek to 2 on the time clock the racer has computed %g µs (%g before its last step); want it to have just passed 2 ms", last, before)
	}
}

// Every race ends: a racer that reaches the race's tolerance stops as
// converged, and when no racer runs any more play stops and says how each
// ended.
func TestEveryRaceEnds(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "quadratic", Tol: ptr(1e-3), Racers: []RacerSpec{{ID: "a", Opt: "gd:lr=0.03"}, {ID: "b", Opt: "newton"}, {ID: "c", Opt: "gd:lr=0.5"}}})
	d.handle(Message{Type: "play"})
	d.until("the race to end", func() bool { return !d.rc.Playing() })
	st := d.states[len(d.states)-1]
	if st.Playing || st.Message != "the race is over: every racer has stopped (2 converged, 1 diverged)" {
		t.Errorf("the last state says %q (playing %v)", st.Message, st.Playing)
	}
	a := d.last["a"]
	if a.Status != "converged" || !strings.Contains(a.Reason, "≤ 0.001, the race's tolerance") || a.Reached == nil {
		t.Errorf("racer a ended %s (%s), reached %v", a.Status, a.Reason, a.Reached)
	}
	if n := len(d.rows["a"]); n != a.Reached.Iter+1 {
		t.Errorf("racer a has %d rows; it reached the tolerance at iteration %d and stopped there", n, a.Reached.Iter)
	}
	if b := d.last["b"]; b.Status != "converged" || len(d.rows["b"]) != 2 {
		t.Errorf("Newton ended %s (%s) after %d rows; want converged after one step", b.Status, b.Reason, len(d.rows["b"]))
	}
}

// The page can show the map at a blur of its own, for looking only: the
// racers' objective stays the surface's, and a map blur out of range is
// refused with what is accepted.
func TestMapBlurIsForLookingOnly(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "rastrigin", Racers: []RacerSpec{{ID: "plain", Opt: "gd:lr=0.004"}, {ID: "cont", Opt: "gd:lr=0.004,blur_from=2,blur_steps=100"}}})
	d.until("the start", func() bool { return len(d.rows["plain"]) >= 1 })
	f0 := d.rows["plain"][0][4]
	r := d.handle(Message{Type: "view", View: []float64{-5.12, 5.12, -5.12, 5.12}, MapBlur: ptr(0.5)})
	if r.Surface == nil || r.Surface.BlurS != 0.5 || !r.Surface.MapBlur || r.Surface.Follows != "" || r.Surface.SurfaceBlur != 0 {
		t.Fatalf("a view with map_blur 0.5 sent %+v", r.Surface)
	}
	d.handle(Message{Type: "step"})
	d.until("a step", func() bool { return len(d.rows["plain"]) >= 2 })
	// The racer is scored on the unblurred surface, and its step is the
	// one `saddle run` takes (f = 19.256927258069467 after one step).
	if got := d.rows["plain"][1][4]; got != 19.256927258069467 || f0 != 37.53 {
		t.Errorf("with the map blurred the racer's f went from %v to %v; want 37.53 to 19.256927258069467", f0, got)
	}
	// Without map_blur the map follows the continuation racer again.
	if r := d.handle(Message{Type: "view", View: []float64{-5.12, 5.12, -5.12, 5.12}}); r.Surface.Follows != "cont" || r.Surface.MapBlur {
		t.Errorf("a view without map_blur sent %+v", r.Surface)
	}
	for _, bad := range []float64{-1, 11, math.NaN()} {
		_, err := d.rc.Handle(Message{Type: "view", View: []float64{-1, 1, -1, 1}, MapBlur: ptr(bad)})
		if err == nil || !strings.Contains(err.Error(), "map_blur") || !strings.Contains(err.Error(), "[0, 10]") {
			t.Errorf("map_blur %v: %v", bad, err)
		}
	}
}

func TestRaceOnANetwork(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "mlp:data=spirals,n=100,h1=24,h2=24,batch=16", Speed: ptr(200.0),
		Racers: []RacerSpec{{ID: "adam", Opt: "adam:lr=0.01"}, {ID: "sgd", Opt: "sgd:lr=0.1,momentum=0.9"}, {ID: "newton", Opt: "newton"}}})
	if s := d.surfaces[0]; s.N != 0 || s.Dim != 2*24+24+24*24+24+24*2+2 {
		t.Errorf("a network's surface message has n = %d, dim = %d", s.N, s.Dim)
	}
	d.handle(Message{Type: "play"})
	d.until("20 iterations of adam and sgd, each described", func() bool {
		return len(d.rows["adam"]) > 20 && len(d.rows["sgd"]) > 20 && len(d.last["adam"].Eig) > 0 && len(d.last["sgd"].Eig) > 0
	})
	if nt := d.last["newton"]; nt.Status != "refused" || !strings.Contains(nt.Reason, "at most 400 parameters") {
		t.Errorf("newton: %s (%q)", nt.Status, nt.Reason)
	}
	for _, id := range []string{"adam", "sgd"} {
		if e := d.last[id].Eig; len(e) != 2 || !(e[0] <= e[1]) {
			t.Errorf("%s: Lanczos eigenvalues %v", id, e)
		}
	}
}

func TestNetworkReportsAndEpochs(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "mlp:data=moons,n=100,h1=8,h2=0,batch=20", Clock: "epochs", Speed: ptr(5.0),
		Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}, {ID: "b", Opt: "lbfgs"}}})
	if data := d.surfaces[0].Data; data == nil || len(data.Y) != 100 || len(data.Val) != 20 {
		t.Fatalf("the surface message has no data points: %+v", data)
	}
	d.handle(Message{Type: "play"})
	d.until("adam to learn the moons", func() bool {
		a := d.last["a"].Net
		return a != nil && a.TrainErr != nil && *a.TrainErr < 0.2
	})
	a := d.last["a"].Net
	if a.ValErr == nil || a.Res != nets.RegionRes || len(a.ActStd) != 2 {
		t.Fatalf("adam's report %+v: want regions and layer statistics", a)
	}
	// Epochs: a minibatch is a fraction of one, an L-BFGS evaluation one.
	if f := d.last["a"].Frac; f != 20.0/80 {
		t.Errorf("adam sees %g of the examples per evaluation, want 0.25", f)
	}
}

func TestEarlyStopping(t *testing.T) {
	d := newDriver(t)
	// A large network on few noisy labels overfits: the validation loss turns.
	d.handle(Message{Type: "configure", Surface: "mlp:data=moons,n=60,spread=0.3,label_noise=0.2,h1=32,h2=32,batch=16", Clock: "epochs",
		Speed: ptr(200.0), Patience: ptr(30.0), Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}}})
	d.handle(Message{Type: "play"})
	d.until("the overfitting racer to stop early", func() bool { return d.last["a"].Status == "stopped" })
	if r := d.last["a"]; r.Best == nil || !strings.Contains(r.Reason, "early stopping") || r.Best.Epoch <= 0 {
		t.Fatalf("stopped with best %+v and reason %q", r.Best, r.Reason)
	}
}

func TestSlicesOfANetwork(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "mlp:data=moons,n=80,h1=6,h2=0,batch=16", Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}}})
	d.handle(Message{Type: "seek", To: ptr(40.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	for _, tt := range []struct {
		kind string
		rows int
	}{{"random", 5}, {"plane", 5}, {"interpolate", 1}} {
		out := job(context.Background(), d.handle(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: tt.kind, N: 5, Range: 1, IgnoreBias: true}}).Job)
		start, ok := out[0].(SliceStart)
		if !ok || start.Kind != tt.kind || start.Rows != tt.rows || !(start.Lo < start.Hi) || len(out) != tt.rows+2 {
			t.Fatalf("%s: %d messages beginning %+v", tt.kind, len(out), out[0])
		}
		if tt.kind == "plane" && (len(start.Explained) != 2 || len(start.Path) < 3 || start.Explained[0] <= 0) {
			t.Errorf("plane: explained %v and a path of %d points", start.Explained, len(start.Path))
		}
		seen := map[int]bool{}
		for _, m := range out[1 : 1+tt.rows] {
			row := m.(SliceRow)
			if len(row.TrainLoss) != 5 || seen[row.Row] {
				t.Fatalf("%s: row %+v", tt.kind, row)
			}
			seen[row.Row] = true
		}
		done := out[len(out)-1].(SliceDone)
		if done.Cancelled || (tt.kind == "plane" && len(done.Truth) != len(start.Path)) {
			t.Errorf("%s: done %+v", tt.kind, done)
		}
	}
	sp := job(context.Background(), d.handle(Message{Type: "spectrum", ID: "a"}).Job)[0].(SpectrumMessage)
	var sum float64
	for _, w := range sp.Weights {
		sum += float64(w)
	}
	if math.Abs(sum-1) > 1e-9 || len(sp.Exact) != sp.Dim || len(sp.LayerTop) != 2 {
		t.Errorf("spectrum: weights sum to %g, %d exact eigenvalues of %d, layer tops %v", sum, len(sp.Exact), sp.Dim, sp.LayerTop)
	}
	// A cancelled job says so.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := job(ctx, d.handle(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: "random", N: 101, Range: 1}}).Job)
	if done := out[len(out)-1].(SliceDone); !done.Cancelled || len(out) > 3 {
		t.Errorf("a cancelled slice sent %d messages and done %+v", len(out), done)
	}
	// A surface is not a network: a clear refusal.
	d.handle(Message{Type: "configure", Surface: "rosenbrock", Racers: []RacerSpec{{ID: "a", Opt: "adam"}}})
	if p := d.refuse(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: "random", N: 5, Range: 1}}); !strings.Contains(p.Error(), "slices are for networks") {
		t.Errorf("slice of a surface: %v", p)
	}
}

func TestSliceBetweenTwoSolutions(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "mlp:data=moons,n=60,h1=4,h2=0", Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}, {ID: "b", Opt: "sgd:lr=0.3"}}})
	d.handle(Message{Type: "seek", To: ptr(30.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	out := job(context.Background(), d.handle(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: "between", N: 9, Other: "b"}}).Job)
	row := out[1].(SliceRow)
	// α = 0 is racer a's loss, α = 1 racer b's (points 2 and 6 of −0.5 … 1.5).
	land, _ := landscapes.Build("mlp:data=moons,n=60,h1=4,h2=0")
	ra, _ := optim.Start(land, "adam:lr=0.05", land.Start(), 1)
	rb, _ := optim.Start(land, "sgd:lr=0.3", land.Start(), 1)
	for range 30 {
		ra.Step()
		rb.Step()
	}
	if math.Abs(float64(row.TrainLoss[2])-ra.F) > 1e-12 || math.Abs(float64(row.TrainLoss[6])-rb.F) > 1e-12 {
		t.Errorf("between: %v at α = 0 and %v at α = 1; the racers' losses are %g and %g", row.TrainLoss[2], row.TrainLoss[6], ra.F, rb.F)
	}
	if p := d.refuse(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: "between", N: 9, Other: "a"}}); p.Problems[0].Field != "slice.other" {
		t.Errorf("between a racer and itself: %v", p)
	}
}

func TestTuneGivesEveryRacerTheSameSearch(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{ID: "slow", Opt: "gd:lr=0.0005"}, {ID: "b", Opt: "bfgs"}, {ID: "m", Opt: "momentum:lr=0.001,momentum=0.5"}}})
	tu := job(context.Background(), d.handle(Message{Type: "tune", Tune: &TuneRequest{Trials: 7, Steps: 60, Target: "train"}}).Job)[0].(Tuned)
	if len(tu.Racers) != 3 {
		t.Fatalf("tuned %+v", tu)
	}
	slow := tu.Racers[0]
	if len(slow.Trials) != 7 || float64(slow.LR) <= 0.0005 || !strings.HasPrefix(slow.Tuned, "gd:lr=") {
		t.Errorf("gd's search: %+v", slow)
	}
	// The rates tried, and so the tuned spec, have three significant digits.
	for _, tr := range slow.Trials {
		if lr := float64(tr[0]); strconv.FormatFloat(lr, 'g', -1, 64) != strconv.FormatFloat(lr, 'g', 3, 64) {
			t.Errorf("a trial's rate %v has more than three significant digits", lr)
		}
	}
	// The tuned value is the best of the trials: rerunning it gives it.
	land, _ := landscapes.Build("quadratic")
	r, _ := optim.Start(land, slow.Tuned, land.Start(), 1)
	for r.Iter < 60 && r.Step() {
	}
	if r.F != float64(slow.Value) {
		t.Errorf("rerunning %s gives f = %g, the search reported %g", slow.Tuned, r.F, float64(slow.Value))
	}
	if tu.Racers[1].Note == "" || tu.Racers[1].Tuned != "bfgs" {
		t.Errorf("bfgs has no learning rate: %+v", tu.Racers[1])
	}
	// momentum's other keys stay as written.
	if m := tu.Racers[2].Tuned; !strings.HasPrefix(m, "momentum:lr=") || !strings.HasSuffix(m, ",momentum=0.5") {
		t.Errorf("momentum tuned to %q", m)
	}
	if p := d.refuse(Message{Type: "tune", Tune: &TuneRequest{Trials: 1, Steps: 60, Target: "train"}}); p.Problems[0].Field != "tune.trials" {
		t.Errorf("one trial: %v", p)
	}
}

func ptr[T any](v T) *T { return &v }

// A racer's id is a short printable name.
func TestRacerIDsAreShortPrintableNames(t *testing.T) {
	d := newDriver(t)
	for _, id := range []string{"a\x00b", "r\u200fl", strings.Repeat("x", 30000), "two words"} {
		p := d.refuse(Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{ID: id, Opt: "gd"}}})
		if p.Problems[0].Field != "racers[0].id" || !strings.Contains(p.Error(), "at most 32 letters") {
			t.Errorf("id %.20q: %v", id, p)
		}
	}
	d.handle(Message{Type: "configure", Surface: "quadratic", Racers: []RacerSpec{{ID: "adam-1.b_2", Opt: "gd"}}})
	if p := d.refuse(Message{Type: "add", Racer: &RacerSpec{ID: "<script>", Opt: "gd"}}); p.Problems[0].Field != "racer.id" {
		t.Errorf("add with a bad id: %v", p)
	}
	// cancel, like every accepted message, is answered with the state.
	if r := d.handle(Message{Type: "cancel"}); !r.Cancel || r.State == nil {
		t.Errorf("cancel answered %+v", r)
	}
}

// Before a configure there is nothing to tick, frame or diagnose.
func TestAnUnconfiguredRaceIsQuiet(t *testing.T) {
	rc := New(DefaultLimits)
	if r := rc.Tick(time.Second); r.Surface != nil || r.State != nil {
		t.Errorf("Tick gave %+v", r)
	}
	if _, ok := rc.Frame(); ok {
		t.Error("a frame before a configure")
	}
	if _, ok := rc.NextDiagnosis(); ok {
		t.Error("a diagnosis before a configure")
	}
}

// A network's description is never computed while a message or a frame
// waits: a step's frame carries the last diagnosis, the new one is handed
// out as a job, and frames carry it once it is back.
func TestNetworkDiagnosticsComeLater(t *testing.T) {
	rc := New(DefaultLimits)
	if _, p := rc.Handle(Message{Type: "configure", Surface: "mlp:data=moons,n=80,h1=8,h2=8", Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}}}); p != nil {
		t.Fatal(p)
	}
	f, _ := rc.Frame()
	if f.Racers[0].Net != nil {
		t.Fatal("the first frame computed a report")
	}
	rc.Sent(f)
	d, ok := rc.NextDiagnosis()
	if !ok {
		t.Fatal("no diagnosis was handed out for a racer without one")
	}
	if _, again := rc.NextDiagnosis(); again {
		t.Error("a second diagnosis while one is out")
	}
	rc.Handle(Message{Type: "step"})
	f, _ = rc.Frame()
	if f.Racers[0].Net != nil || f.Racers[0].DiagIter != nil {
		t.Error("a step's frame computed a report")
	}
	rc.Sent(f)
	d.Run(context.Background())
	rc.Diagnosed(d)
	f, _ = rc.Frame()
	if rf := f.Racers[0]; rf.Net == nil || rf.DiagIter == nil || *rf.DiagIter != 0 || len(rf.Eig) != 2 {
		t.Errorf("after the diagnosis the frame has net %v, diag_iter %v, eig %v", rf.Net != nil, rf.DiagIter, rf.Eig)
	}
	// A diagnosis of an earlier generation is dropped.
	rc.Sent(f)
	rc.Handle(Message{Type: "reset"})
	d.Run(context.Background())
	rc.Diagnosed(d)
	if f, _ = rc.Frame(); f.Racers[0].Net != nil {
		t.Error("a diagnosis from before the reset was kept")
	}
}

// The closed-form 2×2 eigen-decomposition of a frame: ascending values,
// unit orthogonal vectors with H v = λ v, on random and degenerate matrices.
func TestEigen2(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := [][3]float64{{1, 0, 1}, {2, 0, -3}, {0, 0, 0}, {1e-300, 1e-300, 1e-300}, {1e8, 1, -1e8}, {0, 5, 0}}
	for range 1000 {
		cases = append(cases, [3]float64{rng.NormFloat64() * 100, rng.NormFloat64(), rng.NormFloat64() * 1e-3})
	}
	for _, m := range cases {
		a, b, c := m[0], m[1], m[2]
		lo, hi, cs, sn := eigen2(a, b, c)
		if lo > hi {
			t.Errorf("%v: %v > %v", m, lo, hi)
		}
		scale := math.Max(1e-300, math.Max(math.Abs(a), math.Max(math.Abs(b), math.Abs(c))))
		for _, p := range []struct{ l, x, y float64 }{{hi, cs, sn}, {lo, -sn, cs}} {
			if rx, ry := a*p.x+b*p.y-p.l*p.x, b*p.x+c*p.y-p.l*p.y; math.Hypot(rx, ry) > 1e-12*scale {
				t.Errorf("%v: H v − λ v = (%g, %g) for λ = %g", m, rx, ry, p.l)
			}
		}
		if d := math.Abs(cs*cs + sn*sn - 1); d > 1e-15 {
			t.Errorf("%v: |v|² − 1 = %g", m, d)
		}
	}
}

// A surface sampled once is served again to the next session that asks
// for the same spec, blur, view (and slice), and only then.
func TestSurfaceCache(t *testing.T) {
	l, _ := landscapes.Build("rastrigin")
	view := [4]float64{-5, 5, -5, 5}
	s := l.Start()
	a, b := surfaceMessage(l, s, view), surfaceMessage(l, s, view)
	if a.F != b.F || a.N == 0 {
		t.Error("the same surface sampled twice differs")
	}
	if c := surfaceMessage(l.WithBlur(0.5), s, view); c.F == a.F {
		t.Error("a blurred surface came back unblurred from the cache")
	}
	if d := surfaceMessage(l, s, [4]float64{-1, 1, -1, 1}); d.F == a.F {
		t.Error("another view came back as the first")
	}
	nd, _ := landscapes.Build("quadratic-nd:n=4")
	if e, f := surfaceMessage(nd, []float64{1, 1, 1, 1}, view), surfaceMessage(nd, []float64{1, 1, 3, 3}, view); e.F == f.F {
		t.Error("slices through other starts came back as one")
	}
}

// An averaging racer's rows end with its averaged iterate's exact value and
// coordinates, where the state's avg_col says; the others' rows are as before.
func TestAveragedIterateInTheRows(t *testing.T) {
	d := newDriver(t)
	specs := []string{"sgd:lr=0.001,average=polyak", "sgd:lr=0.001"}
	d.handle(Message{Type: "configure", Surface: "rosenbrock:noise=1", Racers: []RacerSpec{{ID: "avg", Opt: specs[0]}, {ID: "plain", Opt: specs[1]}}, Seed: ptr(uint64(3)), Speed: ptr(1000.0)})
	st := d.states[len(d.states)-1]
	if st.Racers[0].AvgCol != 8 || st.Racers[1].AvgCol != 0 {
		t.Fatalf("avg_col %d and %d, want 8 (after iter … gnorm, x0, x1) and 0", st.Racers[0].AvgCol, st.Racers[1].AvgCol)
	}
	d.handle(Message{Type: "play"})
	d.until("50 iterations", func() bool { return len(d.rows["avg"]) > 50 && len(d.rows["plain"]) > 50 })
	land, _ := landscapes.Build("rosenbrock:noise=1")
	run, _ := optim.Start(land, specs[0], land.Start(), 3)
	for k, row := range d.rows["avg"][:51] {
		if k > 0 {
			run.Step()
		}
		if len(row) != 11 || row[8] != run.AvgF || row[9] != run.Avg[0] || row[10] != run.Avg[1] {
			t.Fatalf("row %d is %v; the averaged iterate is f %v at %v", k, row, run.AvgF, run.Avg)
		}
	}
	if n := len(d.rows["plain"][0]); n != 8 {
		t.Errorf("a racer that does not average has rows of %d values, want 8", n)
	}
}

// The critical-point explorer searches from the racer's path and from random
// weights and reports each search as it ends; the path's end, a trained
// network, is a minimum and the high-loss critical points are saddles.
func TestCriticalPointExplorer(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "mlp:data=moons,n=60,h1=3,h2=0,l2=0.01,batch=0", Racers: []RacerSpec{{ID: "a", Opt: "gd:lr=1"}}, Speed: ptr(5000.0)})
	d.handle(Message{Type: "seek", To: ptr(2000.0)})
	d.until("2000 iterations", func() bool { return !d.rc.Playing() })
	out := job(context.Background(), d.handle(Message{Type: "critical", ID: "a"}).Job)
	if len(out) != criticalPathStarts+criticalRandomStarts {
		t.Fatalf("%d messages, want one a start (%d)", len(out), criticalPathStarts+criticalRandomStarts)
	}
	last := out[len(out)-1].(CriticalMessage)
	if len(last.Points) != last.Starts || last.Dim != 17 || len(out[0].(CriticalMessage).Points) != 1 {
		t.Fatalf("the last message has %d points of %d starts, dim %d; the first %d", len(last.Points), last.Starts, last.Dim, len(out[0].(CriticalMessage).Points))
	}
	end := last.Points[criticalPathStarts-1]
	if end.From != "path" || !end.Converged || end.Negative != 0 {
		t.Errorf("from the racer's trained weights: %+v, want a minimum", end)
	}
	saddles := 0
	for _, p := range last.Points {
		if p.Converged && float64(p.Loss) > float64(end.Loss)+0.05 {
			if p.Negative == 0 {
				t.Errorf("a critical point at loss %v above the minimum's %v has no negative eigenvalue", p.Loss, end.Loss)
			}
			saddles++
		}
	}
	if saddles < 3 {
		t.Errorf("%d saddles above the minimum found", saddles)
	}
	if p := d.refuse(Message{Type: "critical", ID: "b"}); !strings.Contains(p.Error(), `no racer has id "b"`) {
		t.Errorf("unknown id: %v", p)
	}
	d.handle(Message{Type: "configure", Surface: "mlp:data=moons,h1=16,h2=16", Racers: []RacerSpec{{ID: "a", Opt: "adam"}}})
	if p := d.refuse(Message{Type: "critical", ID: "a"}); !strings.Contains(p.Error(), "at most 200 parameters; this one has 354") {
		t.Errorf("a large network: %v", p)
	}
	d.handle(Message{Type: "configure", Surface: "rosenbrock", Racers: []RacerSpec{{ID: "a", Opt: "adam"}}})
	if p := d.refuse(Message{Type: "critical", ID: "a"}); !strings.Contains(p.Error(), "for networks") {
		t.Errorf("a surface: %v", p)
	}
}

// A batch-normalized network's racer is described with its own running
// statistics: the diagnosis's validation loss is the evaluation-mode loss
// with them, not with the training set's statistics.
func TestBatchNormDiagnosisUsesTheRacersRunningStatistics(t *testing.T) {
	rc := New(DefaultLimits)
	if _, p := rc.Handle(Message{Type: "configure", Surface: "mlp:data=moons,n=80,h1=8,h2=8,batch=8,batchnorm=true", Racers: []RacerSpec{{ID: "a", Opt: "sgd:lr=0.5"}}}); p != nil {
		t.Fatal(p)
	}
	for range 3 {
		rc.Handle(Message{Type: "step"})
	}
	d, ok := rc.NextDiagnosis()
	if !ok {
		t.Fatal("no diagnosis was handed out")
	}
	st := d.obj.Model.(*nets.MLP).Eval
	if st == nil || st.Batches != 3 {
		t.Fatalf("the diagnosis evaluates with %+v; want the racer's statistics of 3 minibatches", st)
	}
	d.Run(context.Background())
	m := rc.land.Network().Model.(*nets.MLP)
	defer func() { m.Eval = nil }()
	m.Eval = st
	want, _ := m.LossAndErrors(d.x, rc.land.Network().Val)
	if got := *d.report.ValLoss; got != want {
		t.Errorf("validation loss %g; with the racer's running statistics it is %g", got, want)
	}
	m.Eval = nil
	if other, _ := m.LossAndErrors(d.x, rc.land.Network().Val); other == want {
		t.Error("the running statistics make no difference to the validation loss: the test cannot tell them apart")
	}
}

// A race holds the uploaded data it trains on until it is configured on
// other data or closed (its session ended).
func TestRaceHoldsItsUploadedData(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i, (i*7)%11, i%2)
	}
	u, err := nets.ReadCSV("race.csv", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if u, err = landscapes.Upload(u); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t)
	surface := "mlp:data=csv,h1=4,h2=0,csv=" + u.ID
	d.handle(Message{Type: "configure", Surface: surface, Racers: []RacerSpec{{Opt: "adam:lr=0.05"}}})
	d.handle(Message{Type: "configure", Surface: surface, Racers: []RacerSpec{{ID: "a", Opt: "sgd:lr=0.5"}}})
	if n := landscapes.Holds(u.ID); n != 1 {
		t.Errorf("configured twice on the data, the race holds it %d times", n)
	}
	d.handle(Message{Type: "seek", To: ptr(20.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	if n := len(d.rows["a"]); n != 21 {
		t.Errorf("%d rows on uploaded data", n)
	}
	d.handle(Message{Type: "configure", Surface: "rosenbrock", Racers: []RacerSpec{{Opt: "adam"}}})
	if n := landscapes.Holds(u.ID); n != 0 {
		t.Errorf("on another surface the race still holds the data %d times", n)
	}
	d.handle(Message{Type: "configure", Surface: surface, Racers: []RacerSpec{{Opt: "adam:lr=0.05"}}})
	d.rc.Close()
	if n := landscapes.Holds(u.ID); n != 0 {
		t.Errorf("a closed race holds the data %d times", n)
	}
}

// On a 2-D surface a frame says what each racer's method carries: the
// momentum's step, the adaptive scale, BFGS's inverse Hessian and its line
// searches; a method without such state carries nothing.
func TestFramesCarryTheInside(t *testing.T) {
	d := newDriver(t)
	d.handle(Message{Type: "configure", Surface: "rosenbrock", Tol: ptr(0.0), Racers: []RacerSpec{{ID: "m", Opt: "momentum:lr=0.0005"}, {ID: "a", Opt: "adam:lr=0.01"}, {ID: "b", Opt: "bfgs"}, {ID: "g", Opt: "gd:lr=0.001"}}})
	d.handle(Message{Type: "seek", To: ptr(5.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	m, a, b, g := d.last["m"].Inside, d.last["a"].Inside, d.last["b"].Inside, d.last["g"].Inside
	switch {
	case m == nil || len(m.Velocity) != 2 || m.Scale != nil:
		t.Errorf("momentum carries %+v", m)
	case a == nil || len(a.Velocity) != 2 || len(a.Scale) != 2 || a.Scale[0] <= 0:
		t.Errorf("adam carries %+v", a)
	case b == nil || len(b.InvHess) != 4 || len(b.Lines) != 3 || len(b.Lines[2]) != 4 || b.InvHess[1] != b.InvHess[2]:
		t.Errorf("bfgs carries %+v", b)
	case g != nil:
		t.Errorf("gradient descent carries %+v", g)
	}
}

// Two racers from different initial weights: the line between them, before
// and after matching the other's hidden units to this one's, with the
// barrier of each; the ends are the racers' own losses, and the matched
// other computes the same function as the other.
func TestSliceMatched(t *testing.T) {
	d := newDriver(t)
	surface := "mlp:data=moons,n=100,h1=16,h2=0,batch=0"
	d.handle(Message{Type: "configure", Surface: surface, Racers: []RacerSpec{{ID: "a", Opt: "adam:lr=0.03"}, {ID: "b", Opt: "adam:lr=0.03,init_seed=7"}}})
	d.handle(Message{Type: "seek", To: ptr(400.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	out := job(context.Background(), d.handle(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: "matched", N: 21, Other: "b"}}).Job)
	start, before, after, done := out[0].(SliceStart), out[1].(SliceRow), out[2].(SliceRow), out[3].(SliceDone)
	fa, fb := d.rc.racers[0].run.F, d.rc.racers[1].run.F
	for _, row := range []SliceRow{before, after} {
		if math.Abs(float64(row.TrainLoss[0])-fa) > 1e-12 || math.Abs(float64(row.TrainLoss[20])-fb) > 1e-12 {
			t.Errorf("the line's ends %v, %v; the racers' losses %v, %v", row.TrainLoss[0], row.TrainLoss[20], fa, fb)
		}
	}
	t.Logf("moved %d, barriers %v, before %v, after %v", start.Moved, done.Barrier, before.TrainLoss, after.TrainLoss)
	if start.Moved == 0 || len(done.Barrier) != 2 || !(done.Barrier[1] < done.Barrier[0]/2) {
		t.Errorf("matching moved %d units and took the barrier from %v to %v", start.Moved, done.Barrier[0], done.Barrier[1])
	}
	if p := d.refuse(Message{Type: "slice", ID: "a", Slice: &SliceRequest{Kind: "matched", N: 9, Other: "a"}}); p.Problems[0].Field != "slice.other" {
		t.Errorf("matched with itself: %v", p)
	}
}

// Racers of different models in one race (a plain net, its batch-normalized
// twin): each has its own rows, reports, spectrum and slices, on the same
// data; a line between two different models' weights is refused.
func TestRacersOfTheirOwnModels(t *testing.T) {
	d := newDriver(t)
	surface := "mlp:data=moons,n=60,depth=3,width=4,batch=10"
	d.handle(Message{Type: "configure", Surface: surface, Racers: []RacerSpec{{ID: "p", Opt: "sgd:lr=0.3"}, {ID: "b", Opt: "sgd:lr=0.3,batchnorm=true"}, {ID: "q", Opt: "adam:lr=0.01"}}})
	d.handle(Message{Type: "seek", To: ptr(30.0)})
	d.until("the seek to arrive", func() bool { return !d.rc.Playing() })
	d.until("every racer's report", func() bool {
		d.rc.diagnosedAt = time.Time{} // diagnoses are spaced in time; this test waits on state
		for _, id := range []string{"p", "b", "q"} {
			if it := d.last[id].DiagIter; it == nil || *it != 30 {
				return false
			}
		}
		return true
	})
	plain, own := d.rc.racers[0].run, d.rc.racers[1].run
	if own.Land.Dim() != plain.Land.Dim()+2*3*4 {
		t.Errorf("the normalized racer has %d weights; the plain net %d and 3 layers of 4 γ and β", own.Land.Dim(), plain.Land.Dim())
	}
	if len(d.rows["p"]) != 31 || len(d.rows["b"]) != 31 {
		t.Errorf("rows: %d and %d", len(d.rows["p"]), len(d.rows["b"]))
	}
	// The report is the racer's own model's at its own weights.
	o := own.Land.Network()
	want, _ := o.WithRunning(own.RunningStats()).Model.(*nets.MLP).LossAndErrors(own.X, o.Val)
	if got := float64(*d.last["b"].Net.ValLoss); math.Abs(got-want) > 1e-12 {
		t.Errorf("the normalized racer's validation loss %v; its own model gives %v", got, want)
	}
	out := job(context.Background(), d.handle(Message{Type: "spectrum", ID: "b"}).Job)
	if s, ok := out[len(out)-1].(SpectrumMessage); !ok || s.Dim != own.Land.Dim() {
		t.Errorf("the spectrum of the normalized racer: %+v", out[len(out)-1])
	}
	if p := d.refuse(Message{Type: "slice", ID: "p", Slice: &SliceRequest{Kind: "between", N: 9, Other: "b"}}); !strings.Contains(p.Problems[0].Message, "train different models") {
		t.Errorf("a line between two models: %v", p)
	}
	d.handle(Message{Type: "slice", ID: "p", Slice: &SliceRequest{Kind: "between", N: 5, Other: "q"}})
	if p := d.refuse(Message{Type: "configure", Surface: surface, Racers: []RacerSpec{{ID: "c", Opt: "sgd:cell=lstm"}}}); p.Problems[0].Field != "racers[0].opt.cell" {
		t.Errorf("cell on an mlp: %v", p)
	}
}
