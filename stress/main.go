// Command stress runs a bounded load and abuse scenario against a saddle
// server of its own on loopback, and prints the server's peak resident
// memory and its CPU time: `make stress` (not part of `make test`). With
// -load it measures instead what many sessions receive (see load):
//
//	go run ./stress -load 400,1000,2000 -speed 30
//
// The server is built and started as a child process; the load generator
// runs in this process. Every loop is bounded in count and time, and the
// only address it sends to is 127.0.0.1.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

func main() {
	sessions := flag.Int("sessions", 48, "playing sessions of 4 racers each")
	seconds := flag.Int("seconds", 20, "how long the playing sessions run")
	loads := flag.String("load", "", "instead of the abuse scenario, measure these numbers of sessions (comma-separated), one after the other")
	speed := flag.Float64("speed", 30, "with -load: each race's speed, iterations a second")
	frames := flag.String("frames", "", "with -load: ask for frames as binary (the page's) or json (the default)")
	flag.StringVar(&serverBinary, "bin", "", "a server binary to run instead of building this one (for profiling)")
	flag.Parse()
	var err error
	if *loads != "" {
		err = runLoads(*loads, *speed, *frames, time.Duration(*seconds)*time.Second)
	} else {
		err = run(*sessions, time.Duration(*seconds)*time.Second)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(1)
	}
}

// server is the saddle server under test, built and started in a process
// of its own on a free loopback port.
type server struct {
	cmd     *exec.Cmd
	url, ws string
	pid     int
	dir     string
}

var serverBinary string

func startServer(maxSessions int) (*server, error) {
	dir, err := os.MkdirTemp("", "saddle-stress")
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(maxSessions)
	bin, args := serverBinary, []string{}
	if bin == "" {
		bin, args = filepath.Join(dir, "saddle"), []string{"serve", "--addr", "127.0.0.1:0", "--max-sessions", n, "--max-sessions-per-client", n}
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	srv := exec.Command(bin, args...)
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	url := regexp.MustCompile(`http://[0-9.:]+`).FindString(line)
	return &server{cmd: srv, url: url, ws: "ws" + strings.TrimPrefix(url, "http") + "/ws", pid: srv.Process.Pid, dir: dir}, nil
}

// stop ends the server with SIGTERM and says how it went.
func (s *server) stop() (exit int, took time.Duration) {
	defer os.RemoveAll(s.dir)
	t0 := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	err := s.cmd.Wait()
	return exitCode(err), time.Since(t0)
}

// runLoads measures each number of sessions in turn on one server.
func runLoads(list string, speed float64, frames string, length time.Duration) error {
	var counts []int
	most := 0
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 10000 {
			return fmt.Errorf("-load %q: give numbers of sessions from 1 to 10000, comma-separated", list)
		}
		counts, most = append(counts, n), max(most, n)
	}
	s, err := startServer(most)
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Printf("server %s (pid %d); each session 4 first-order racers on rosenbrock, %s a step\n", s.url, s.pid, length)
	for _, n := range counts {
		if err := load(s.ws, s.pid, n, speed, length, frames); err != nil {
			return err
		}
	}
	return nil
}

func run(sessions int, length time.Duration) error {
	s, err := startServer(200)
	if err != nil {
		return err
	}
	url, ws, pid := s.url, s.ws, s.pid
	fmt.Printf("server %s (pid %d); %d sessions for %s, then abuse\n", url, pid, sessions, length)

	var peak atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // the server's resident memory, every 50 ms
		defer close(sampled)
		for {
			if rss := rssKB(pid); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), length+2*time.Minute)
	defer cancel()
	var frames atomic.Int64
	var wg sync.WaitGroup
	play := func(spec string) {
		defer wg.Done()
		c, _, err := websocket.Dial(ctx, ws, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 26)
		c.Write(ctx, websocket.MessageText, []byte(spec))
		c.Write(ctx, websocket.MessageText, []byte(`{"type":"play"}`))
		end := time.Now().Add(length)
		for time.Now().Before(end) {
			rctx, done := context.WithDeadline(ctx, end)
			_, data, err := c.Read(rctx)
			done()
			if err != nil {
				return
			}
			if strings.HasPrefix(string(data), `{"type":"frame"`) {
				frames.Add(1)
			}
		}
	}
	race4 := `{"type":"configure","surface":"rosenbrock","speed":30,"racers":[{"opt":"adam:lr=0.05"},{"opt":"momentum:lr=0.001"},{"opt":"bfgs"},{"opt":"rmsprop"}]}`
	net4 := `{"type":"configure","surface":"mlp:data=spirals,h1=32,h2=32","speed":60,"racers":[{"opt":"adam:lr=0.01"},{"opt":"sgd:lr=0.1"},{"opt":"lbfgs"},{"opt":"natural-gradient"}]}`
	for i := range sessions {
		wg.Add(1)
		spec := race4
		if i%8 == 0 {
			spec = net4
		}
		go play(spec)
	}
	abuse := []struct {
		name string
		do   func() error
	}{
		{"a burst of 2,000 views on a costly surface", func() error {
			return burst(ctx, ws, `{"type":"configure","surface":"quadratic-nd:n=100","racers":[{"opt":"gd"}]}`, `{"type":"view","view":[-1,1,-1,1]}`, 2000)
		}},
		{"200 configures of a large network", func() error {
			return burst(ctx, ws, `{"type":"configure","surface":"rosenbrock","racers":[{"opt":"gd"}]}`, `{"type":"configure","surface":"mlp:data=digits,h1=64,h2=64,h3=64,h4=64","racers":[{"opt":"adam"},{"opt":"sgd"},{"opt":"lbfgs"}]}`, 200)
		}},
		{"1,000 malformed messages", func() error {
			return burst(ctx, ws, `{"type":"configure","surface":"rosenbrock"}`, `{"type":"configure","surface":"x","start":[null],"racers":[{"id":"\u0000"}]}`, 1000)
		}},
		{"a slice, a spectrum and a tune on a large network, abandoned", func() error {
			return abandon(ctx, ws, `{"type":"configure","surface":"mlp:data=digits,h1=64,h2=64,h3=64,h4=64","racers":[{"id":"a","opt":"adam"},{"id":"b","opt":"sgd"}]}`,
				`{"type":"slice","id":"a","slice":{"kind":"random","n":101,"range":1}}`, `{"type":"spectrum","id":"a"}`, `{"type":"tune","tune":{"trials":30,"steps":5000,"target":"val"}}`)
		}},
		{"8 stalled readers of fast races", func() error { return stalled(ctx, ws, 8) }},
		{"10 concurrent exports of 100,000 steps", func() error { return exports(ctx, url, 10) }},
		{"2,000 connections opened and closed", func() error { return churn(ctx, ws, 2000) }},
	}
	for _, a := range abuse {
		t0 := time.Now()
		err := a.do()
		fmt.Printf("  %-62s %6.2f s  %v\n", a.name, time.Since(t0).Seconds(), errText(err))
	}
	wg.Wait()
	fmt.Printf("frames received by the playing sessions: %.0f a second each\n", float64(frames.Load())/float64(sessions)/length.Seconds())
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		return fmt.Errorf("the server does not answer after the abuse: %v", err)
	}
	resp.Body.Close()
	cpu := cpuSeconds(pid)
	exit, took := s.stop()
	close(stopSampling)
	<-sampled
	fmt.Printf("SIGTERM: exit %v after %.2f s\n", exit, took.Seconds())
	fmt.Printf("server peak RSS %.0f MB, CPU %.1f s\n", float64(peak.Load())/1024, cpu)
	return nil
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// burst configures a session and sends the same message n times as fast as
// it can, reading what comes back.
func burst(ctx context.Context, ws, configure, msg string, n int) error {
	c, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		return err
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 26)
	go func() {
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}()
	if err := c.Write(ctx, websocket.MessageText, []byte(configure)); err != nil {
		return err
	}
	for range n {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			return err
		}
	}
	return c.Close(websocket.StatusNormalClosure, "")
}

// abandon starts background work and leaves at once.
func abandon(ctx context.Context, ws string, msgs ...string) error {
	for _, job := range msgs[1:] {
		c, _, err := websocket.Dial(ctx, ws, nil)
		if err != nil {
			return err
		}
		c.Write(ctx, websocket.MessageText, []byte(msgs[0]))
		c.Write(ctx, websocket.MessageText, []byte(job))
		time.Sleep(200 * time.Millisecond) // the job under way
		c.CloseNow()
	}
	return nil
}

// stalled opens sessions of fast races that never read, for a few seconds.
func stalled(ctx context.Context, ws string, n int) error {
	var cs []*websocket.Conn
	for range n {
		c, _, err := websocket.Dial(ctx, ws, nil)
		if err != nil {
			return err
		}
		cs = append(cs, c)
		racers := strings.Repeat(`{"opt":"adam:lr=0.001"},`, 15) + `{"opt":"adam"}`
		c.Write(ctx, websocket.MessageText, []byte(`{"type":"configure","surface":"rosenbrock","speed":1000000,"racers":[`+racers+`]}`))
		c.Write(ctx, websocket.MessageText, []byte(`{"type":"play"}`))
	}
	time.Sleep(3 * time.Second)
	for _, c := range cs {
		c.CloseNow()
	}
	return nil
}

// exports asks for n exports at once and counts the refused.
func exports(ctx context.Context, url string, n int) error {
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/export?format=csv&surface=rosenbrock&opt=adam&opt=bfgs&t=100000", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	return fmt.Errorf("status codes %v", codes)
}

// churn opens and closes sessions one after another.
func churn(ctx context.Context, ws string, n int) error {
	for range n {
		c, _, err := websocket.Dial(ctx, ws, nil)
		if err != nil {
			return err
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
	return nil
}

// rssKB is a process's resident set from /proc (Linux).
func rssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// cpuSeconds is a process's user and system time from /proc (Linux).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b)[strings.LastIndex(string(b), ")")+2:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // clock ticks of 1/100 s
}
