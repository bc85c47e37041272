package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"time"
)

// load measures what a class sees: n sessions, each a race of four
// first-order racers on rosenbrock playing at speed (iterations a second),
// against the server in its own process, for length after a warm-up. Each
// client records when each frame arrives; load reports the median and the
// tenth percentile of the clients' frames a second, the 99th percentile of
// the gaps between frames over all clients, the frames' mean size, and the
// server's CPU and peak memory.
func load(ws string, pid int, n int, speed float64, length time.Duration, frames string) error {
	configure := fmt.Sprintf(`{"type":"configure","surface":"rosenbrock","speed":%g,"tol":0,"racers":[{"opt":"adam:lr=0.001"},{"opt":"momentum:lr=0.0001"},{"opt":"rmsprop:lr=0.0001"},{"opt":"sgd:lr=0.0001"}]}`, speed)
	type result struct {
		arrivals []time.Time
		bytes    int
		err      error
	}
	results := make([]result, n)
	var wg, started sync.WaitGroup
	// The measurement begins two seconds after every session has had its
	// first frame: dialling and configuring two thousand sessions is not
	// what a class sees while it watches.
	var begin, end time.Time
	ready := make(chan struct{})
	started.Add(n)
	url := ws
	if frames != "" {
		url += "?frames=" + frames
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			first := true
			signal := func() {
				if first {
					first = false
					started.Done()
				}
			}
			defer signal()
			c, err := dialWS(url, 60*time.Second)
			if err != nil {
				r.err = err
				return
			}
			defer c.close()
			if err := c.writeText(configure); err != nil {
				r.err = err
				return
			}
			c.writeText(`{"type":"play"}`)
			deadline := time.Now().Add(time.Minute)
			for {
				op, head, size, err := c.read(deadline)
				if err != nil {
					return // the deadline
				}
				if !isFrameHead(op, head) {
					continue
				}
				if first {
					signal()
					<-ready
					deadline = end
					continue
				}
				if now := time.Now(); now.After(begin) {
					r.arrivals = append(r.arrivals, now)
					r.bytes += size
				}
			}
		}()
	}
	started.Wait()
	begin = time.Now().Add(2 * time.Second)
	end = begin.Add(length)
	close(ready)
	time.Sleep(time.Until(begin))
	cpu0, self0, t0 := cpuSeconds(pid), cpuSeconds(os.Getpid()), time.Now()
	var peak int64
	for time.Now().Before(end) {
		peak = max(peak, rssKB(pid))
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	took := time.Since(t0).Seconds()
	busy, gen := (cpuSeconds(pid)-cpu0)/took, (cpuSeconds(os.Getpid())-self0)/took
	var fps, gaps []float64
	var count, bytes, failed int
	for _, r := range results {
		if r.err != nil {
			failed++
			continue
		}
		fps = append(fps, float64(len(r.arrivals))/length.Seconds())
		// The gap before the first frame counts too: a client that got none
		// waited the whole time.
		last := begin
		for _, a := range r.arrivals {
			gaps = append(gaps, a.Sub(last).Seconds())
			last = a
		}
		gaps = append(gaps, end.Sub(last).Seconds())
		count += len(r.arrivals)
		bytes += r.bytes
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d sessions failed, e.g. %v", failed, n, firstErr(results, func(r result) error { return r.err }))
	}
	slices.Sort(fps)
	slices.Sort(gaps)
	size := 0.0
	if count > 0 {
		size = float64(bytes) / float64(count)
	}
	fmt.Printf("%5d sessions at speed %-4g %-6s frames/s median %5.1f, 10th percentile %5.1f; gap p99 %4.0f ms, max %5.0f ms; %6.0f B/frame; server CPU %3.0f%% (load generator %3.0f%%), peak RSS %4.0f MB\n",
		n, speed, cmpOr(frames, "json"), quantile(fps, 0.5), quantile(fps, 0.1), 1000*quantile(gaps, 0.99), 1000*gaps[len(gaps)-1], size, 100*busy, 100*gen, float64(peak)/1024)
	return nil
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func firstErr[T any](xs []T, f func(T) error) error {
	for _, x := range xs {
		if err := f(x); err != nil {
			return err
		}
	}
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
