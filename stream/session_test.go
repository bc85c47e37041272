package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/saddle-viz/saddle/race"

	"github.com/coder/websocket"
	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
)

// client is a real websocket client of a hub served by httptest.
type client struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan map[string]json.RawMessage
	err  chan error
}

func newHub() *Hub {
	return NewHub(race.DefaultLimits, 4, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func serve(t *testing.T, h *Hub) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, srv *httptest.Server, read bool) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(64 << 20)
	c := &client{t: t, conn: conn, msgs: make(chan map[string]json.RawMessage, 1<<14), err: make(chan error, 1)}
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	if read {
		go func() {
			for {
				_, data, err := conn.Read(context.Background())
				if err != nil {
					c.err <- err
					close(c.msgs)
					return
				}
				var m map[string]json.RawMessage
				if err := json.Unmarshal(data, &m); err != nil {
					t.Errorf("server sent invalid JSON: %v", err)
				}
				c.msgs <- m
			}
		}()
	}
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	var b []byte
	if s, ok := v.(string); ok {
		b = []byte(s)
	} else {
		b, _ = json.Marshal(v)
	}
	if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next message of the given type, skipping others.
func (c *client) next(typ string) map[string]json.RawMessage {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatalf("connection closed while waiting for %q: %v", typ, <-c.err)
			}
			var got string
			json.Unmarshal(m["type"], &got)
			if got == typ {
				return m
			}
		case <-timeout:
			c.t.Fatalf("no %q message within 10 s", typ)
		}
	}
}

type rowFrame struct {
	Gen    int `json:"gen"`
	Racers []struct {
		ID     string      `json:"id"`
		Points [][]float64 `json:"points"`
		Status string      `json:"status"`
		Reason string      `json:"reason"`
		Eig    []float64   `json:"eig"`
	} `json:"racers"`
}

// collect reads frames until every racer has `want` rows or has stopped.
func (c *client) collect(ids []string, want int) map[string][][]float64 {
	c.t.Helper()
	rows := map[string][][]float64{}
	stopped := map[string]bool{}
	for {
		done := true
		for _, id := range ids {
			if len(rows[id]) < want && !stopped[id] {
				done = false
			}
		}
		if done {
			return rows
		}
		m := c.next("frame")
		var f rowFrame
		b, _ := json.Marshal(m)
		json.Unmarshal(b, &f)
		for _, r := range f.Racers {
			rows[r.ID] = append(rows[r.ID], r.Points...)
			if r.Status != "running" {
				stopped[r.ID] = true
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestRaceMatchesRunBitForBit(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	specs := []string{"adam:lr=0.05", "bfgs", "sgd:lr=0.001,momentum=0.9,clip_norm=1", "newton:adaptive=true"}
	var racers []race.RacerSpec
	for i, s := range specs {
		racers = append(racers, race.RacerSpec{ID: "r" + string(rune('a'+i)), Opt: s})
	}
	c.send(race.Message{Type: "configure", Surface: "rosenbrock:noise=0.5", Racers: racers, Seed: ptr(uint64(7)), Speed: ptr(5000.0)})
	surf := c.next("surface")
	var n int
	json.Unmarshal(surf["n"], &n)
	if n != race.GridSize {
		t.Errorf("grid of %d, want %d", n, race.GridSize)
	}
	c.next("state")
	c.send(race.Message{Type: "play"})
	ids := []string{"ra", "rb", "rc", "rd"}
	rows := c.collect(ids, 201)
	land, _ := landscapes.Build("rosenbrock:noise=0.5")
	for i, id := range ids {
		run, _ := optim.Start(land, specs[i], land.Start(), 7)
		for k, row := range rows[id] {
			if k > 200 {
				break
			}
			if k > 0 && !run.Step() {
				t.Fatalf("%s: the reference run stopped at %d but the race sent more", specs[i], run.Iter)
			}
			if int(row[0]) != k {
				t.Fatalf("%s: row %d has iteration %v; every iterate must arrive once, in order", specs[i], k, row[0])
			}
			want := []float64{float64(run.Iter), float64(run.Evals()), float64(run.HessEvals())}
			want = append(want, row[3], run.F, run.GNorm)
			want = append(want, run.X...)
			for j := range want {
				if row[j] != want[j] {
					t.Fatalf("%s iteration %d: column %d is %v, saddle run gives %v", specs[i], k, j, row[j], want[j])
				}
			}
		}
	}
}

func TestControlMessages(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "quadratic", Racers: []race.RacerSpec{{ID: "a", Opt: "gd:lr=0.01"}}})
	c.next("state")
	c.send(race.Message{Type: "step"})
	c.send(race.Message{Type: "step"})
	rows := c.collect([]string{"a"}, 3)
	if len(rows["a"]) != 3 || rows["a"][2][0] != 2 {
		t.Fatalf("two steps gave rows %v", rows["a"])
	}
	// retune restarts that racer from the start with the new spec.
	c.send(race.Message{Type: "retune", ID: "a", Opt: "gd:lr=0.02"})
	var st race.State
	b, _ := json.Marshal(c.next("state"))
	json.Unmarshal(b, &st)
	if st.Racers[0].Opt != "gd:lr=0.02" {
		t.Errorf("after retune the state has %+v", st.Racers)
	}
	rows = c.collect([]string{"a"}, 1)
	if rows["a"][0][0] != 0 {
		t.Errorf("a retuned racer starts at iteration 0, got %v", rows["a"][0])
	}
	// add, remove, speed, clock, start, reset, pause.
	c.send(race.Message{Type: "add", Racer: &race.RacerSpec{ID: "b", Opt: "newton"}})
	b, _ = json.Marshal(c.next("state"))
	json.Unmarshal(b, &st)
	if len(st.Racers) != 2 {
		t.Errorf("after add: %+v", st.Racers)
	}
	c.send(race.Message{Type: "remove", ID: "a"})
	c.send(race.Message{Type: "speed", Speed: ptr(100.0)})
	c.send(race.Message{Type: "clock", Clock: "evaluations"})
	c.send(race.Message{Type: "start", Start: []float64{1, 2}})
	for {
		b, _ = json.Marshal(c.next("state"))
		json.Unmarshal(b, &st)
		if st.Start[0] == 1 {
			break
		}
	}
	if len(st.Racers) != 1 || st.Racers[0].ID != "b" || st.Speed != 100 || st.Clock != "evaluations" {
		t.Errorf("state after remove, speed, clock, start: %+v", st)
	}
	c.send(race.Message{Type: "play"})
	c.send(race.Message{Type: "pause"})
	c.send(race.Message{Type: "reset"})
	for {
		b, _ = json.Marshal(c.next("state"))
		json.Unmarshal(b, &st)
		if !st.Playing && st.Gen >= 4 {
			break
		}
	}
}

func TestBadMessagesGetErrorsAndTheSessionGoesOn(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	tests := []struct {
		msg   any
		field string
		want  string
	}{
		{"{not json", "", "malformed message"},
		{`{"type":"play","bogus":1}`, "", `unknown field "bogus"`},
		{`{"type":"dance"}`, "type", `unknown message type "dance"; accepted: configure, play`},
		{race.Message{Type: "play"}, "type", "send configure first"},
		{race.Message{Type: "configure", Surface: "nope"}, "surface", `unknown surface "nope"`},
		{race.Message{Type: "configure", Surface: "quadratic", Racers: []race.RacerSpec{{Opt: "adam:lr=-1"}}}, "racers[0].opt.lr", "lr takes a number in [0, 100]"},
		{race.Message{Type: "configure", Surface: "quadratic", Start: []float64{1}}, "start", "the start has 1 coordinates; this surface needs 2"},
		{race.Message{Type: "configure", Surface: "quadratic", Start: []float64{1e300, 0}}, "start", "finite number of magnitude at most"},
		{race.Message{Type: "configure", Surface: "quadratic", Speed: ptr(-1.0)}, "speed", "speed -1 is not accepted"},
		{race.Message{Type: "configure", Surface: "quadratic", Clock: "sundial"}, "clock", `clock "sundial" is not accepted; accepted: iterations, evaluations, epochs, time`},
		{race.Message{Type: "configure", Surface: "quadratic", Racers: make([]race.RacerSpec, 17)}, "racers", "17 racers; at most 16"},
	}
	for _, tt := range tests {
		c.send(tt.msg)
		var e race.ErrorMessage
		b, _ := json.Marshal(c.next("error"))
		json.Unmarshal(b, &e)
		if !strings.Contains(e.Message, tt.want) || e.Problems[0].Field != tt.field {
			t.Errorf("%v: error %q at field %q; want %q at %q", tt.msg, e.Message, e.Problems[0].Field, tt.want, tt.field)
		}
	}
	// An oversized message closes the socket with 1009, as the protocol says.
	c.send(race.Message{Type: "configure", Surface: "quadratic", Racers: []race.RacerSpec{{ID: "a", Opt: "adam"}}, Req: "ok"})
	c.next("state")
	c.send(race.Message{Type: "retune", ID: "a", Opt: "adam:lr=2", Req: "r1"})
	c.send(race.Message{Type: "retune", ID: "zz", Opt: "adam", Req: "r2"})
	var e race.ErrorMessage
	b, _ := json.Marshal(c.next("error"))
	json.Unmarshal(b, &e)
	if e.Req != "r2" || !strings.Contains(e.Message, `no racer has id "zz"`) {
		t.Errorf("error %+v, want one for request r2", e)
	}
	c.send(`{"type":"configure","surface":"` + strings.Repeat("x", race.MaxMessage) + `"}`)
	select {
	case <-time.After(5 * time.Second):
		t.Error("an oversized message did not close the socket")
	case err := <-c.err:
		if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
			t.Errorf("closed with %v, want 1009", err)
		}
	}
}

func TestDivergingRacerDoesNotStopTheOthers(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "rosenbrock", Speed: ptr(1000.0), Racers: []race.RacerSpec{{ID: "bad", Opt: "gd:lr=0.1"}, {ID: "good", Opt: "adam:lr=0.05"}}})
	c.send(race.Message{Type: "play"})
	rows := c.collect([]string{"bad", "good"}, 300)
	if len(rows["good"]) < 300 {
		t.Errorf("the good racer stopped after %d rows", len(rows["good"]))
	}
	if n := len(rows["bad"]); n == 0 || n >= 300 {
		t.Errorf("the diverging racer sent %d rows", n)
	}
	// Its status in the frames says diverged, with the reason.
	c.send(race.Message{Type: "reset"})
	c.send(race.Message{Type: "play"})
	for {
		var f rowFrame
		b, _ := json.Marshal(c.next("frame"))
		json.Unmarshal(b, &f)
		for _, r := range f.Racers {
			if r.ID == "bad" && r.Status == "diverged" {
				if r.Reason == "" {
					t.Error("diverged without a reason")
				}
				return
			}
		}
	}
}

func TestStalledClientCostsBoundedMemory(t *testing.T) {
	h := newHub()
	h.WriteTimeout = 3 * time.Second
	srv := serve(t, h)
	c := dial(t, srv, false) // never reads
	var racers []race.RacerSpec
	for range race.MaxRacers {
		racers = append(racers, race.RacerSpec{Opt: "adam:lr=0.001"})
	}
	c.send(race.Message{Type: "configure", Surface: "rosenbrock", Speed: ptr(race.MaxSpeed), Racers: racers})
	c.send(race.Message{Type: "play"})
	var before, after runtime.MemStats
	time.Sleep(300 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&before)
	time.Sleep(2 * time.Second)
	runtime.GC()
	runtime.ReadMemStats(&after)
	// 16 racers at a million iterations a second for 2 s would be 2 GB of rows;
	// the pending cap holds 16 × 4096 rows of 8 numbers, about 4 MB.
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 32<<20 {
		t.Errorf("the heap grew by %d MB while the client stalled", grown>>20)
	}
	// After the write timeout the server gives up on the client.
	deadline := time.Now().Add(10 * time.Second)
	for h.Active() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if h.Active() != 0 {
		t.Errorf("%d sessions still open after the write timeout", h.Active())
	}
}

func TestNoGoroutineOutlivesItsSession(t *testing.T) {
	h := newHub()
	srv := serve(t, h)
	base := runtime.NumGoroutine()
	for range 3 {
		c := dial(t, srv, true)
		c.send(race.Message{Type: "configure", Surface: "rosenbrock", Racers: []race.RacerSpec{{Opt: "adam"}, {Opt: "bfgs"}}})
		c.send(race.Message{Type: "play"})
		c.next("frame")
		c.conn.Close(websocket.StatusNormalClosure, "bye")
	}
	deadline := time.Now().Add(5 * time.Second)
	for (h.Active() > 0 || runtime.NumGoroutine() > base) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if h.Active() != 0 || runtime.NumGoroutine() > base {
		buf := make([]byte, 1<<16)
		t.Errorf("%d sessions and %d goroutines remain (%d before):\n%s", h.Active(), runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
	}
}

func TestSessionCapAndForeignOrigin(t *testing.T) {
	h := newHub()
	h.MaxSessions = 1
	srv := serve(t, h)
	dial(t, srv, true)
	second := dial(t, srv, true)
	select {
	case err := <-second.err:
		if websocket.CloseStatus(err) != websocket.StatusTryAgainLater || !strings.Contains(err.Error(), "maximum of 1 sessions") {
			t.Errorf("second session closed with %v, want 1013 and a message", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the second session was not refused")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign origin got %v, %v; want 403", resp, err)
	}
}

func TestShutdownClosesSessionsWithGoingAway(t *testing.T) {
	h := newHub()
	c := dial(t, serve(t, h), true)
	c.send(race.Message{Type: "configure", Surface: "saddle", Racers: []race.RacerSpec{{Opt: "gd"}}})
	c.next("state")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.err:
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
			t.Errorf("closed with %v, want 1001 going away", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the session was not closed")
	}
}

func serveBench(b *testing.B, h *Hub) string {
	b.Helper()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return srv.URL
}

func TestFrameEncodeIsJSON(t *testing.T) {
	rc := race.New(race.DefaultLimits)
	rc.Handle(race.Message{Type: "configure", Surface: "saddle", Racers: []race.RacerSpec{{ID: "a", Opt: "newton"}, {ID: "b", Opt: "bfgs"}}})
	rc.StepOnce()
	f, _ := rc.Frame()
	got, err := encodeFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("%v in %s", err, got)
	}
	// The same document as encoding/json writes with the points included.
	type racerWithPoints struct {
		race.RacerFrame
		Points [][]float64 `json:"points"`
	}
	type full struct {
		race.Frame
		Racers []racerWithPoints `json:"racers"`
	}
	var ff full
	ff.Frame = f
	for _, rf := range f.Racers {
		var rows [][]float64
		for i := 0; i < len(rf.Points.Data); i += rf.Points.Stride {
			rows = append(rows, rf.Points.Data[i:i+rf.Points.Stride])
		}
		ff.Racers = append(ff.Racers, racerWithPoints{rf, rows})
	}
	want, _ := json.Marshal(ff)
	json.Unmarshal(want, &b)
	if ja, jb := fmt.Sprint(a), fmt.Sprint(b); ja != jb {
		t.Errorf("encodeFrame:\n%s\nencoding/json:\n%s", got, want)
	}
}

func TestViewSendsASharperGrid(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "saddle", Racers: []race.RacerSpec{{Opt: "gd"}}})
	c.next("surface")
	c.send(race.Message{Type: "view", View: []float64{-0.5, 0.5, -0.25, 0.25}})
	var s race.SurfaceMessage
	b, _ := json.Marshal(c.next("surface"))
	json.Unmarshal(b, &s)
	if s.Box != [4]float64{-0.5, 0.5, -0.25, 0.25} || s.View != [4]float64{-2, 2, -2, 2} || s.N != race.GridSize {
		t.Errorf("view gave box %v, view %v, n %d", s.Box, s.View, s.N)
	}
	for _, bad := range [][]float64{{1, 0, 0, 1}, {0, 1, 0}, {0, 1e300, 0, 1}} {
		c.send(race.Message{Type: "view", View: bad})
		var e race.ErrorMessage
		b, _ := json.Marshal(c.next("error"))
		json.Unmarshal(b, &e)
		if e.Problems[0].Field != "view" {
			t.Errorf("view %v: error %+v, want one about the view", bad, e)
		}
	}
}

func TestSeekAndMorph(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "rastrigin", Racers: []race.RacerSpec{{ID: "plain", Opt: "gd:lr=0.004"}, {ID: "cont", Opt: "gd:lr=0.004,blur_from=2,blur_steps=100"}}})
	var s race.SurfaceMessage
	b, _ := json.Marshal(c.next("surface"))
	json.Unmarshal(b, &s)
	if s.Reason != "configure" || s.BlurS != 2 {
		t.Errorf("the first surface shows blur %v (%s); want the continuation racer's 2", s.BlurS, s.Reason)
	}
	to := 120.0 // the blur is 0 after step 101; the racer converges at step 143
	c.send(race.Message{Type: "seek", To: &to})
	rows := 0
	// Until the seek arrives, and a little after, the surface morphs down
	// to the unblurred one as the racer's blur falls.
	var arrived, unblurred bool
	timeout := time.After(20 * time.Second)
	for !(arrived && unblurred && rows == 121) {
		select {
		case m := <-c.msgs:
			var typ string
			json.Unmarshal(m["type"], &typ)
			b, _ := json.Marshal(m)
			switch typ {
			case "state":
				var st race.State
				json.Unmarshal(b, &st)
				if st.Message == "arrived" {
					arrived = true
					if st.Playing {
						t.Error("still playing after the seek arrived")
					}
				}
			case "surface":
				json.Unmarshal(b, &s)
				if s.Reason != "morph" {
					t.Fatalf("a surface with reason %q during the race", s.Reason)
				}
				unblurred = unblurred || s.BlurS == 0
			case "frame":
				var f rowFrame
				json.Unmarshal(b, &f)
				for _, r := range f.Racers {
					if r.ID == "cont" {
						for _, p := range r.Points {
							if int(p[0]) != rows {
								t.Fatalf("row %v after %d rows", p[0], rows)
							}
							rows++
						}
					}
				}
			}
		case <-timeout:
			t.Fatalf("arrived %v, unblurred surface %v, %d rows after 20 s", arrived, unblurred, rows)
		}
	}
}

func TestRaceOnANetwork(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "mlp:data=spirals,n=100,h1=24,h2=24,batch=16", Speed: ptr(200.0),
		Racers: []race.RacerSpec{{ID: "adam", Opt: "adam:lr=0.01"}, {ID: "sgd", Opt: "sgd:lr=0.1,momentum=0.9"}, {ID: "newton", Opt: "newton"}}})
	var s race.SurfaceMessage
	b, _ := json.Marshal(c.next("surface"))
	json.Unmarshal(b, &s)
	if s.N != 0 || s.Dim != 2*24+24+24*24+24+24*2+2 {
		t.Errorf("a network's surface message has n = %d, dim = %d", s.N, s.Dim)
	}
	c.send(race.Message{Type: "play"})
	var f rowFrame
	seen := map[string]bool{}
	for len(seen) < 3 {
		b, _ := json.Marshal(c.next("frame"))
		json.Unmarshal(b, &f)
		for _, r := range f.Racers {
			switch {
			case r.ID == "newton" && r.Status == "refused":
				if !strings.Contains(r.Reason, "at most 400 parameters") {
					t.Errorf("newton refused with %q", r.Reason)
				}
				seen[r.ID] = true
			case r.ID != "newton" && len(r.Points) > 0 && r.Points[len(r.Points)-1][0] >= 20:
				if len(r.Eig) != 2 || !(r.Eig[0] <= r.Eig[1]) {
					t.Errorf("%s: Lanczos eigenvalues %v", r.ID, r.Eig)
				}
				seen[r.ID] = true
			}
		}
	}
}

func TestNetworkReportsAndEpochs(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "mlp:data=moons,n=100,h1=8,h2=0,batch=20", Clock: "epochs", Speed: ptr(5.0),
		Racers: []race.RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}, {ID: "b", Opt: "lbfgs"}}})
	var s race.SurfaceMessage
	b, _ := json.Marshal(c.next("surface"))
	json.Unmarshal(b, &s)
	if s.Data == nil || len(s.Data.Y) != 100 || len(s.Data.Val) != 20 {
		t.Fatalf("the surface message has no data points: %+v", s.Data)
	}
	c.send(race.Message{Type: "play"})
	var last map[string]*nets.Report
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		var f struct {
			Racers []struct {
				ID     string       `json:"id"`
				Points [][]float64  `json:"points"`
				Net    *nets.Report `json:"net"`
			} `json:"racers"`
		}
		b, _ := json.Marshal(c.next("frame"))
		json.Unmarshal(b, &f)
		if last == nil {
			last = map[string]*nets.Report{}
		}
		for _, r := range f.Racers {
			if r.Net != nil {
				last[r.ID] = r.Net
			}
		}
		if a := last["a"]; a != nil && a.TrainErr != nil && *a.TrainErr < 0.2 {
			break
		}
	}
	a := last["a"]
	if a == nil || a.TrainErr == nil || *a.TrainErr >= 0.2 || a.ValErr == nil || a.Res != nets.RegionRes || len(a.ActStd) != 2 {
		t.Fatalf("adam's report %+v: want the moons learnt, with regions and layer statistics", a)
	}
}

func TestEarlyStopping(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	// A large network on few noisy labels overfits: the validation loss turns.
	c.send(race.Message{Type: "configure", Surface: "mlp:data=moons,n=60,spread=0.3,label_noise=0.2,h1=32,h2=32,batch=16", Clock: "epochs",
		Speed: ptr(200.0), Patience: ptr(30.0), Racers: []race.RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}}})
	c.send(race.Message{Type: "play"})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var f struct {
			Racers []struct {
				Status string     `json:"status"`
				Reason string     `json:"reason"`
				Best   *race.Best `json:"best"`
				Net    *nets.Report
			} `json:"racers"`
		}
		b, _ := json.Marshal(c.next("frame"))
		json.Unmarshal(b, &f)
		for _, r := range f.Racers {
			if r.Status == "stopped" {
				if r.Best == nil || !strings.Contains(r.Reason, "early stopping") || r.Best.Epoch <= 0 {
					t.Fatalf("stopped with best %+v and reason %q", r.Best, r.Reason)
				}
				return
			}
		}
	}
	t.Fatal("the overfitting racer was not stopped early within 20 s")
}

func TestSlicesStreamRowByRow(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "mlp:data=moons,n=80,h1=6,h2=0,batch=16", Racers: []race.RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}}})
	c.next("state")
	to := 40.0
	c.send(race.Message{Type: "seek", To: &to})
	c.collect([]string{"a"}, 41)
	for _, tt := range []struct {
		kind string
		rows int
	}{{"random", 5}, {"plane", 5}, {"interpolate", 1}} {
		c.send(race.Message{Type: "slice", ID: "a", Slice: &race.SliceRequest{Kind: tt.kind, N: 5, Range: 1, IgnoreBias: true}})
		var start race.SliceStart
		b, _ := json.Marshal(c.next("slice_start"))
		json.Unmarshal(b, &start)
		if start.Kind != tt.kind || start.Rows != tt.rows || !(start.Lo < start.Hi) {
			t.Fatalf("%s: start %+v", tt.kind, start)
		}
		if tt.kind == "plane" && (len(start.Explained) != 2 || len(start.Path) < 3 || start.Explained[0] <= 0) {
			t.Errorf("plane: explained %v and a path of %d points", start.Explained, len(start.Path))
		}
		seen := map[float64]bool{}
		for range tt.rows {
			var row struct {
				Row       int       `json:"row"`
				TrainLoss []float64 `json:"train_loss"`
			}
			b, _ := json.Marshal(c.next("slice_row"))
			json.Unmarshal(b, &row)
			if len(row.TrainLoss) != 5 || seen[float64(row.Row)] {
				t.Fatalf("%s: row %+v", tt.kind, row)
			}
			seen[float64(row.Row)] = true
		}
		var done race.SliceDone
		b, _ = json.Marshal(c.next("slice_done"))
		json.Unmarshal(b, &done)
		if done.Cancelled || (tt.kind == "plane" && len(done.Truth) != len(start.Path)) {
			t.Errorf("%s: done %+v", tt.kind, done)
		}
	}
	// A surface is not a network: a clear error.
	c.send(race.Message{Type: "configure", Surface: "rosenbrock", Racers: []race.RacerSpec{{ID: "a", Opt: "adam"}}})
	c.send(race.Message{Type: "slice", ID: "a", Slice: &race.SliceRequest{Kind: "random", N: 5, Range: 1}})
	var e race.ErrorMessage
	b, _ := json.Marshal(c.next("error"))
	json.Unmarshal(b, &e)
	if !strings.Contains(e.Message, "slices are for networks") {
		t.Errorf("error %q", e.Message)
	}
}

func TestSpectrumMessage(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "mlp:data=iris,h1=5,h2=0", Racers: []race.RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}}})
	c.next("state")
	c.send(race.Message{Type: "spectrum", ID: "a"})
	var s race.SpectrumMessage
	b, _ := json.Marshal(c.next("spectrum"))
	json.Unmarshal(b, &s)
	var sum float64
	for _, w := range s.Weights {
		sum += float64(w)
	}
	if math.Abs(sum-1) > 1e-9 || len(s.Exact) != s.Dim || len(s.LayerTop) != 2 {
		t.Errorf("spectrum: weights sum to %g, %d exact eigenvalues of %d, layer tops %v", sum, len(s.Exact), s.Dim, s.LayerTop)
	}
}

func TestTuneGivesEveryRacerTheSameSearch(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "quadratic", Racers: []race.RacerSpec{{ID: "slow", Opt: "gd:lr=0.0005"}, {ID: "b", Opt: "bfgs"}, {ID: "m", Opt: "momentum:lr=0.001,momentum=0.5"}}})
	c.next("state")
	c.send(race.Message{Type: "tune", Tune: &race.TuneRequest{Trials: 7, Steps: 60, Target: "train"}})
	var tu race.Tuned
	b, _ := json.Marshal(c.next("tuned"))
	json.Unmarshal(b, &tu)
	if len(tu.Racers) != 3 {
		t.Fatalf("tuned %+v", tu)
	}
	slow := tu.Racers[0]
	if len(slow.Trials) != 7 || float64(slow.LR) <= 0.0005 || !strings.HasPrefix(slow.Tuned, "gd:lr=") {
		t.Errorf("gd's search: %+v", slow)
	}
	// The tuned value is the best of the trials, and better than the start's.
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
	c.send(race.Message{Type: "tune", Tune: &race.TuneRequest{Trials: 1, Steps: 60, Target: "train"}})
	var e race.ErrorMessage
	b, _ = json.Marshal(c.next("error"))
	json.Unmarshal(b, &e)
	if e.Problems[0].Field != "tune.trials" {
		t.Errorf("error %+v", e)
	}
}

func TestSliceCanBeCancelled(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "mlp:data=digits,h1=32,h2=0", Racers: []race.RacerSpec{{ID: "a", Opt: "adam:lr=0.01"}}})
	c.next("state")
	c.send(race.Message{Type: "slice", ID: "a", Slice: &race.SliceRequest{Kind: "random", N: 101, Range: 1}})
	c.next("slice_start")
	c.send(race.Message{Type: "cancel"})
	var done race.SliceDone
	b, _ := json.Marshal(c.next("slice_done"))
	json.Unmarshal(b, &done)
	if !done.Cancelled {
		t.Error("the slice was not cancelled")
	}
}

func TestSliceBetweenTwoSolutions(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "mlp:data=moons,n=60,h1=4,h2=0", Racers: []race.RacerSpec{{ID: "a", Opt: "adam:lr=0.05"}, {ID: "b", Opt: "sgd:lr=0.3"}}})
	c.next("state")
	to := 30.0
	c.send(race.Message{Type: "seek", To: &to})
	c.collect([]string{"a", "b"}, 31)
	c.send(race.Message{Type: "slice", ID: "a", Slice: &race.SliceRequest{Kind: "between", N: 9, Other: "b"}})
	var row race.SliceRow
	b, _ := json.Marshal(c.next("slice_row"))
	json.Unmarshal(b, &row)
	if len(row.TrainLoss) != 9 {
		t.Fatalf("row %+v", row)
	}
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
	c.send(race.Message{Type: "slice", ID: "a", Slice: &race.SliceRequest{Kind: "between", N: 9, Other: "a"}})
	var e race.ErrorMessage
	b, _ = json.Marshal(c.next("error"))
	json.Unmarshal(b, &e)
	if e.Problems[0].Field != "slice.other" {
		t.Errorf("error %+v", e)
	}
}
