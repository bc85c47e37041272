package stream

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/saddle-viz/saddle/race"
)

// decodeBinary reads a binary frame back into the document the JSON frame
// is (as encoding/json would decode it), following docs/protocol.md: the
// layout's reference reader, as static/frames.js is the page's.
func decodeBinary(t *testing.T, b []byte) map[string]any {
	t.Helper()
	off := 0
	u32 := func() int { v := binary.LittleEndian.Uint32(b[off:]); off += 4; return int(int32(v)) }
	f64 := func() float64 { v := math.Float64frombits(binary.LittleEndian.Uint64(b[off:])); off += 8; return v }
	num := func() any { // JSON's null for what it cannot write
		if v := f64(); !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
		return nil
	}
	str := func() string { n := u32(); s := string(b[off : off+n]); off += n; return s }
	vec := func() []any {
		out := []any{}
		for range u32() {
			out = append(out, num())
		}
		return out
	}
	rows := func() []any {
		n, cols := u32(), u32()
		out := []any{}
		for range n {
			row := []any{}
			for range cols {
				row = append(row, num())
			}
			out = append(out, row)
		}
		return out
	}
	if kind, version := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:]); kind != frameKind || version != frameVersion {
		t.Fatalf("kind %d version %d", kind, version)
	}
	off = 4
	doc := map[string]any{"type": "frame", "gen": float64(u32()), "clock": num()}
	racers := []any{}
	for range u32() {
		r := map[string]any{"id": str(), "status": str()}
		if reason := str(); reason != "" {
			r["reason"] = reason
		}
		stride, n := u32(), u32()
		off += (8 - off%8) % 8
		points := []any{}
		for range n {
			row := []any{}
			for range stride {
				row = append(row, f64())
			}
			points = append(points, row)
		}
		r["points"] = points
		for _, k := range []string{"lr", "damping", "gTg", "gTHg", "blur", "frac"} {
			r[k] = num()
		}
		r["inertia"] = float64(u32())
		if d := u32(); d >= 0 {
			r["diag_iter"] = float64(d)
		}
		for _, k := range []string{"grad", "eig"} {
			if v := vec(); len(v) > 0 {
				r[k] = v
			}
		}
		for _, k := range []string{"vecs", "probes"} {
			if v := rows(); len(v) > 0 {
				r[k] = v
			}
		}
		if v := vec(); len(v) > 0 {
			r["lookahead"] = v
		}
		if u32() == 1 {
			r["reached"] = map[string]any{"iter": float64(u32()), "evals": float64(u32()), "clock": f64()}
		}
		if extra := str(); extra != "" {
			json.Unmarshal([]byte(extra), &r)
		}
		racers = append(racers, r)
	}
	doc["racers"] = racers
	if off != len(b) {
		t.Fatalf("%d bytes left after the frame", len(b)-off)
	}
	return doc
}

// A binary frame says what the JSON frame says, number for number, on a
// surface (curvature, probes, look-ahead, reached) and on a network (its
// report and best point).
func TestBinaryFrameIsTheJSONFrame(t *testing.T) {
	for _, c := range []struct {
		surface string
		racers  []race.RacerSpec
		steps   int
	}{
		{"saddle", []race.RacerSpec{{ID: "a", Opt: "newton"}, {ID: "b", Opt: "bfgs"}, {ID: "c", Opt: "nesterov-lookahead:lr=0.01"}, {ID: "d", Opt: "gd:lr=5"}}, 3},
		{"rosenbrock-nd:n=6", []race.RacerSpec{{ID: "a", Opt: "adam"}}, 2},
		{"mlp:data=moons,n=60,h1=4,h2=0", []race.RacerSpec{{ID: "net", Opt: "adam:lr=0.05"}}, 2},
	} {
		rc := race.New(race.DefaultLimits)
		if _, p := rc.Handle(race.Message{Type: "configure", Surface: c.surface, Tol: new(0.0), Patience: new(1.0), Racers: c.racers}); p != nil {
			t.Fatal(p)
		}
		for range c.steps {
			rc.StepOnce()
		}
		if dg, ok := rc.NextDiagnosis(); ok {
			dg.Run(t.Context())
			rc.Diagnosed(dg)
		}
		f, _ := rc.Frame()
		js, err := encodeFrame(f)
		if err != nil {
			t.Fatal(err)
		}
		bin, err := encodeFrameBinary(f)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		json.Unmarshal(js, &want)
		got := decodeBinary(t, bin)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the binary frame reads\n%v\nthe JSON frame\n%v", c.surface, got, want)
		}
		t.Logf("%s: %d bytes binary, %d JSON", c.surface, len(bin), len(js))
	}
}

// A client asks for binary frames with ?frames=binary and gets them; an
// unknown frames value is refused before the handshake, with what is accepted.
func TestBinaryFramesOnRequest(t *testing.T) {
	srv := serve(t, newHub())
	resp, err := http.Get(srv.URL + "?frames=xml")
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	fmt.Fprint(&body, resp.Status)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("frames=xml: %s", body.String())
	}
	c := dialRaw(t, srv.URL+"?frames=binary")
	c.send(`{"type":"configure","surface":"rosenbrock","racers":[{"id":"a","opt":"adam"}]}`)
	c.send(`{"type":"step"}`)
	for {
		typ, data := c.read()
		if typ == "binary" {
			if binary.LittleEndian.Uint16(data) != frameKind {
				t.Fatalf("a binary message of kind %d", binary.LittleEndian.Uint16(data))
			}
			return
		}
		if strings.HasPrefix(string(data), `{"type":"frame"`) {
			t.Fatal("a JSON frame on a binary session")
		}
	}
}

// rawClient reads messages as they come, text or binary.
type rawClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialRaw(t *testing.T, url string) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(64 << 20)
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	return &rawClient{t: t, conn: conn}
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	if err := c.conn.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) read() (string, []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if typ == websocket.MessageBinary {
		return "binary", data
	}
	return "text", data
}
