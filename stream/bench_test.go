package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/saddle-viz/saddle/race"

	"github.com/coder/websocket"
)

// BenchmarkFrame16 builds and encodes one frame of 16 racers on rosenbrock,
// each with 16 new iterates (a tick at 960 iterations a second) and its
// curvature at the current point. It reports the frame's size.
func BenchmarkFrame16(b *testing.B) {
	for _, enc := range []struct {
		name string
		f    func(race.Frame) ([]byte, error)
	}{{"json", encodeFrame}, {"binary", encodeFrameBinary}} {
		b.Run(enc.name, func(b *testing.B) {
			lim := race.DefaultLimits
			lim.MaxSteps = 1 << 40 // the racers never stop
			rc := race.New(lim)
			var racers []race.RacerSpec
			for i := range race.MaxRacers {
				racers = append(racers, race.RacerSpec{Opt: fmt.Sprintf("adam:lr=%g", 0.001*float64(i+1))})
			}
			if _, p := rc.Handle(race.Message{Type: "configure", Surface: "rosenbrock", Tol: new(0.0), Racers: racers}); p != nil {
				b.Fatal(p)
			}
			var size int
			for b.Loop() {
				b.StopTimer()
				for range 16 {
					rc.StepOnce()
				}
				b.StartTimer()
				f, _ := rc.Frame()
				if len(f.Racers) != race.MaxRacers { // a racer converged: start again
					rc.Sent(f)
					rc.Handle(race.Message{Type: "reset"})
					continue
				}
				data, err := enc.f(f)
				if err != nil {
					b.Fatal(err)
				}
				rc.Sent(f)
				size = len(data)
			}
			b.ReportMetric(float64(size), "bytes/frame")
		})
	}
}

// BenchmarkSessions is a load test against a real server on loopback: for
// growing numbers of concurrent sessions, each a race of 4 racers playing at
// 600 iterations a second, it measures the frames each client receives per
// second over 2 s and reports the median and the slowest. The number of
// sessions a machine holds at 30 frames a second is the largest N whose
// slowest client still gets 30. Run it alone:
//
//	go test -run '^$' -bench Sessions -benchtime 1x ./stream
func BenchmarkSessions(b *testing.B) {
	for _, n := range []int{8, 64, 128, 192, 256} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			h := newHub()
			h.MaxSessions = n
			srv := serveBench(b, h)
			for b.Loop() {
				rates := loadTest(b, srv, n, 2*time.Second)
				sort.Float64s(rates)
				b.ReportMetric(rates[len(rates)/2], "median-fps")
				b.ReportMetric(rates[0], "slowest-fps")
			}
		})
	}
}

func loadTest(b *testing.B, url string, n int, d time.Duration) []float64 {
	ctx, cancel := context.WithTimeout(context.Background(), d+10*time.Second)
	defer cancel()
	rates := make([]float64, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), nil)
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close(websocket.StatusNormalClosure, "")
			conn.SetReadLimit(64 << 20)
			speed := 600.0
			msg, _ := json.Marshal(race.Message{Type: "configure", Surface: "rosenbrock", Speed: &speed,
				Racers: []race.RacerSpec{{Opt: "adam:lr=0.001"}, {Opt: "momentum:lr=0.0005"}, {Opt: "rmsprop:lr=0.001"}, {Opt: "gd:lr=0.0005"}}})
			conn.Write(ctx, websocket.MessageText, msg)
			conn.Write(ctx, websocket.MessageText, []byte(`{"type":"play"}`))
			<-ready
			// Half a second of warm-up drains what queued before the start.
			frames, start, warm := 0, time.Now(), 500*time.Millisecond
			for time.Since(start) < warm+d {
				_, data, err := conn.Read(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				if time.Since(start) > warm && strings.HasPrefix(string(data), `{"type":"frame"`) {
					frames++
				}
			}
			rates[i] = float64(frames) / (time.Since(start) - warm).Seconds()
		}()
	}
	time.Sleep(300 * time.Millisecond)
	close(ready)
	wg.Wait()
	return rates
}

// BenchmarkSessionFrame is what one frame of a typical session costs the
// server, stepping and diagnosing included: four first-order racers on
// rosenbrock, one iterate each, described and encoded in the binary layout.
func BenchmarkSessionFrame(b *testing.B) {
	lim := race.DefaultLimits
	lim.MaxSteps = 1 << 40 // the racers never stop
	rc := race.New(lim)
	if _, p := rc.Handle(race.Message{Type: "configure", Surface: "rosenbrock", Tol: new(0.0), Racers: []race.RacerSpec{{Opt: "adam:lr=0.001"}, {Opt: "momentum:lr=0.0001"}, {Opt: "rmsprop:lr=0.0001"}, {Opt: "sgd:lr=0.0001"}}}); p != nil {
		b.Fatal(p)
	}
	b.ReportAllocs()
	for b.Loop() {
		rc.StepOnce()
		f, ok := rc.Frame()
		if !ok || len(f.Racers) != 4 { // a racer has stopped (converged): start again
			rc.Handle(race.Message{Type: "reset"})
			continue
		}
		data, err := encodeFrameBinary(f)
		if err != nil {
			b.Fatal(err)
		}
		releaseFrame(data) // as the writer does
		rc.Sent(f)
	}
}
