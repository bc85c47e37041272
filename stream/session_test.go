package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/saddle-viz/saddle/race"

	"github.com/coder/websocket"
	"github.com/saddle-viz/saddle/landscapes"
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

// nextAny returns the next message.
func (c *client) nextAny() map[string]json.RawMessage {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("connection closed: %v", <-c.err)
		}
		return m
	case <-time.After(60 * time.Second):
		c.t.Fatal("no message within 60 s")
	}
	return nil
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
		{`{"type":"configure","surface":"quadratic","start":[null,1]}`, "start", "coordinate 0 of start is null"},
		{`{"type":"view","view":[0,1,null,1]}`, "view", "coordinate 2 of view is null"},
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

// A binary message is not the protocol: the session closes with 1003.
func TestBinaryMessagesCloseTheSession(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	if err := c.conn.Write(context.Background(), websocket.MessageBinary, []byte(`{"type":"play"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-c.err:
		if websocket.CloseStatus(err) != websocket.StatusUnsupportedData || !strings.Contains(err.Error(), "send JSON text messages") {
			t.Errorf("closed with %v, want 1003 and a reason", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a binary message did not close the session")
	}
}

// A session that neither runs a race nor hears from its client closes with
// 4000, and one client address holds at most MaxPerClient sessions.
func TestIdleSessionsCloseAndClientsAreCapped(t *testing.T) {
	h := newHub()
	h.IdleTimeout = 300 * time.Millisecond
	c := dial(t, serve(t, h), true)
	c.send(race.Message{Type: "configure", Surface: "quadratic", Racers: []race.RacerSpec{{Opt: "gd"}}})
	select {
	case err := <-c.err:
		if websocket.CloseStatus(err) != StatusIdle || !strings.Contains(err.Error(), "without a message or a running race") {
			t.Errorf("closed with %v, want 4000 and a reason", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the idle session was not closed")
	}
	h2 := newHub()
	h2.MaxPerClient = 1
	srv := serve(t, h2)
	first := dial(t, srv, true)
	first.send(race.Message{Type: "configure", Surface: "quadratic", Racers: []race.RacerSpec{{Opt: "gd"}}})
	first.next("state") // the first session is open and counted
	second := dial(t, srv, true)
	select {
	case err := <-second.err:
		if websocket.CloseStatus(err) != websocket.StatusTryAgainLater || !strings.Contains(err.Error(), "--max-sessions-per-client") {
			t.Errorf("the second session closed with %v, want 1013 naming the flag", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the second session of one address was not refused")
	}
}

// A burst of views on a costly surface comes down to few surfaces, the last
// one the last view, and messages behind them keep their order.
func TestBurstsOfViewsAreCoalesced(t *testing.T) {
	c := dial(t, serve(t, newHub()), true)
	c.send(race.Message{Type: "configure", Surface: "quadratic-nd:n=100", Racers: []race.RacerSpec{{Opt: "gd"}}})
	c.next("state")
	const n = 40
	for i := range n {
		w := 1 + float64(i)/n
		c.send(race.Message{Type: "view", View: []float64{-w, w, -w, w}})
	}
	c.send(race.Message{Type: "pause", Req: "end"})
	surfaces := 0
	var last race.SurfaceMessage
	for {
		m := c.nextAny()
		var typ string
		json.Unmarshal(m["type"], &typ)
		if typ == "surface" {
			surfaces++
			b, _ := json.Marshal(m)
			json.Unmarshal(b, &last)
		}
		if typ == "state" && surfaces > 0 && last.Box[1] == 1+float64(n-1)/n {
			break
		}
	}
	if surfaces > n/4 {
		t.Errorf("%d views gave %d surfaces; a burst must come down to few", n, surfaces)
	}
}
