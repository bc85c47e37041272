package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/saddle-viz/saddle/metrics"
	"github.com/saddle-viz/saddle/race"
)

// FrameInterval is the shortest time between two frames: 60 a second.
const FrameInterval = time.Second / 60

// DefaultWriteTimeout is how long one message may take to reach a client
// before the session gives up on it.
const DefaultWriteTimeout = 10 * time.Second

// Hub accepts websocket sessions, one race each, and keeps count of them.
type Hub struct {
	Limits      race.Limits
	MaxSessions int
	// OriginPatterns are the foreign origins allowed to connect (see
	// websocket.AcceptOptions); none means same origin only.
	OriginPatterns []string
	Log            *slog.Logger
	WriteTimeout   time.Duration
	// IdleTimeout closes a session whose race is not running and whose
	// client has sent nothing for this long (0: never).
	IdleTimeout time.Duration
	// MaxPerClient bounds the sessions of one client address (0: none).
	MaxPerClient int
	// Metrics count what the hub's sessions do, for /metrics.
	Metrics *metrics.Metrics

	active   atomic.Int64
	sessions sync.WaitGroup
	mu       sync.Mutex
	shutdown chan struct{}
	clients  map[string]int // sessions per client address
}

// NewHub returns a hub with the given limits.
func NewHub(lim race.Limits, maxSessions int, origins []string, log *slog.Logger) *Hub {
	h := &Hub{Limits: lim, MaxSessions: maxSessions, OriginPatterns: origins, Log: log, WriteTimeout: DefaultWriteTimeout,
		IdleTimeout: DefaultIdleTimeout, MaxPerClient: DefaultMaxPerClient, shutdown: make(chan struct{}), clients: map[string]int{}}
	h.Metrics = metrics.New(h.Active)
	return h
}

// Defaults of a hub: an idle session closes after ten minutes; one client
// address holds at most 16 sessions (a classroom behind one NAT address
// needs --max-sessions-per-client raised).
const (
	DefaultIdleTimeout  = 10 * time.Minute
	DefaultMaxPerClient = 16
)

// take counts a session of a client address; false means the client has its
// maximum already.
func (h *Hub) take(addr string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.MaxPerClient > 0 && h.clients[addr] >= h.MaxPerClient {
		return false
	}
	h.clients[addr]++
	return true
}

func (h *Hub) release(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients[addr]--; h.clients[addr] <= 0 {
		delete(h.clients, addr)
	}
}

// Active is the number of open sessions.
func (h *Hub) Active() int { return int(h.active.Load()) }

// Closing tells every session that the server is shutting down: each
// closes with StatusGoingAway, whatever else ends it meanwhile.
func (h *Hub) Closing() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.shutdown:
	default:
		close(h.shutdown)
	}
}

// Shutdown closes every session with StatusGoingAway and waits for their
// goroutines to end, or for ctx.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.Closing()
	done := make(chan struct{})
	go func() { h.sessions.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP upgrades the request to a websocket and runs a session on it
// until either side closes it.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The slot is taken before the handshake completes, so that a client
	// whose handshake has completed is counted.
	n := h.active.Add(1)
	defer h.active.Add(-1)
	var binaryFrames bool
	switch f := r.URL.Query().Get("frames"); f {
	case "", "json":
	case "binary":
		binaryFrames = true
	default:
		http.Error(w, fmt.Sprintf("frames=%.20q is not accepted; accepted: json (the default), binary", f), http.StatusBadRequest)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.OriginPatterns})
	if err != nil {
		h.Log.Info("websocket refused", "err", err, "origin", r.Header.Get("Origin"))
		return // Accept has answered (403 for a foreign origin)
	}
	select {
	case <-h.shutdown:
		conn.Close(websocket.StatusGoingAway, "the server is shutting down")
		return
	default:
	}
	if h.MaxSessions > 0 && n > int64(h.MaxSessions) {
		conn.Close(websocket.StatusTryAgainLater, fmt.Sprintf("the server has its maximum of %d sessions (--max-sessions); try again later", h.MaxSessions))
		return
	}
	client, _, _ := net.SplitHostPort(r.RemoteAddr)
	if !h.take(client) {
		conn.Close(websocket.StatusTryAgainLater, fmt.Sprintf("this address has its maximum of %d sessions (--max-sessions-per-client); close a tab", h.MaxPerClient))
		return
	}
	defer h.release(client)
	h.sessions.Add(1)
	defer h.sessions.Done()
	h.Metrics.SessionsTotal.Inc()
	conn.SetReadLimit(race.MaxMessage)
	start := time.Now()
	err = h.session(r.Context(), conn, binaryFrames)
	h.Log.Info("session ended", "remote", r.RemoteAddr, "duration", time.Since(start).Round(time.Millisecond), "reason", err)
}

// session runs three goroutines: a reader that decodes client messages, the
// engine that owns the race (it steps the racers and builds frames), and a
// writer. Messages to the client wait in a short queue; a frame is built
// only when that queue is empty, so frames to a slow client coalesce (every
// iterate still arrives, in fewer, larger frames) and a stalled client stops
// the race instead of growing a queue. All three end with the session.
func (h *Hub) session(parent context.Context, conn *websocket.Conn, binaryFrames bool) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	in := make(chan []byte, 8)
	out := make(chan outgoing, 8)
	// The reader and the writer use contexts of their own: cancelling a
	// context that a Read or Write is using closes the connection at once,
	// and the session wants to end with a proper close handshake.
	var wg sync.WaitGroup
	readerDone := make(chan struct{})
	// A write that takes longer than WriteTimeout is cancelled by the
	// engine's ticks (writeWatch), not by a timer a message.
	watch := newWriteWatch(h.WriteTimeout)
	defer watch.cancel(nil)
	wg.Add(2)
	go func() { // reader: ends when the connection closes
		defer close(readerDone)
		defer close(in)
		for {
			typ, data, err := conn.Read(context.Background())
			if err != nil {
				cancel(fmt.Errorf("read: %w", err))
				return
			}
			if typ != websocket.MessageText {
				cancel(errBinary)
				return
			}
			select {
			case in <- data:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { // writer
		defer wg.Done()
		for {
			select {
			case m := <-out:
				typ := websocket.MessageText
				if m.binary {
					typ = websocket.MessageBinary
				}
				watch.started(time.Now())
				err := conn.Write(watch.ctx, typ, m.data)
				watch.started(time.Time{})
				if m.binary {
					releaseFrame(m.data)
				}
				if err != nil {
					cancel(fmt.Errorf("write: %w", err))
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { // engine
		defer wg.Done()
		defer func() {
			if p := recover(); p != nil {
				h.Log.Error("session engine panicked", "panic", p)
				cancel(fmt.Errorf("%w: %v", errInternal, p))
			}
		}()
		if err := h.engine(ctx, in, out, binaryFrames, watch); err != nil {
			cancel(err)
		}
	}()

	var closeCode websocket.StatusCode = websocket.StatusNormalClosure
	reason := ""
	select {
	case <-ctx.Done():
	case <-h.shutdown:
	}
	select {
	case <-h.shutdown: // whichever came first, a shutdown says going away
		closeCode, reason = websocket.StatusGoingAway, "the server is shutting down"
		cancel(errors.New(reason))
	default:
	}
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errInternal):
		closeCode, reason = websocket.StatusInternalError, cause.Error()
	case errors.Is(cause, errBinary):
		closeCode, reason = websocket.StatusUnsupportedData, cause.Error()
	case errors.Is(cause, errIdle):
		closeCode, reason = StatusIdle, fmt.Sprintf("closed after %s without a message or a running race", h.IdleTimeout)
	}
	wg.Wait()
	conn.Close(closeCode, reason) // the reader takes the peer's close frame
	<-readerDone
	return cause
}

// writeWatch bounds how long one write to the client may take: the writer
// notes when a write starts, and a check (on the engine's ticks) cancels
// the writes' context once one has taken longer than the limit. One
// context for all of a session's writes costs far less than a timer each.
type writeWatch struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	limit  time.Duration
	since  atomic.Int64 // when the write under way started (UnixNano), 0 if none
}

func newWriteWatch(limit time.Duration) *writeWatch {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &writeWatch{ctx: ctx, cancel: cancel, limit: limit}
}

func (w *writeWatch) started(t time.Time) {
	if t.IsZero() {
		w.since.Store(0)
		return
	}
	w.since.Store(t.UnixNano())
}

func (w *writeWatch) check(now time.Time) {
	if s := w.since.Load(); s != 0 && now.UnixNano()-s > int64(w.limit) {
		w.cancel(fmt.Errorf("a write took longer than %s", w.limit))
	}
}

// outgoing is a message for the writer: JSON text, or a binary frame.
type outgoing struct {
	data   []byte
	binary bool
}

// StatusIdle closes a session that was idle for the hub's IdleTimeout: the
// page reconnects when someone uses it again.
const StatusIdle websocket.StatusCode = 4000

var (
	errIdle     = errors.New("idle")
	errInternal = errors.New("internal error")
	errBinary   = errors.New("binary messages are not accepted; send JSON text messages")
)

// engine owns the session's race: it decodes each message and hands it to
// the race, sends what the race answers, runs the background job a message
// asks for (one at a time: a newer one cancels it), and on every tick moves
// the race on and sends a frame when the writer's queue is empty.
func (h *Hub) engine(ctx context.Context, in <-chan []byte, out chan<- outgoing, binaryFrames bool, watch *writeWatch) error {
	e := &engine{race: race.New(h.Limits), out: out, ctx: ctx, log: h.Log, diagnosed: make(chan *race.Diagnosis, 1), binaryFrames: binaryFrames, m: h.Metrics}
	defer e.race.Close()
	e.jobs = newJobs(ctx, func(v any) { e.send(v) }, h.Metrics)
	defer e.jobs.stop()
	defer e.diagnosing.Wait()
	// The engine wakes when the race has something to do (race.Due: at 30
	// iterations a second, 30 times a second), at most FrameInterval apart,
	// and at once after a message.
	timer := time.NewTimer(FrameInterval)
	defer timer.Stop()
	wake := func(d time.Duration) { timer.Reset(max(d, FrameInterval)) }
	last, heard := time.Now(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case data, ok := <-in:
			if !ok {
				return nil
			}
			heard = time.Now()
			e.message(data)
			wake(0)
		case now := <-timer.C:
			if !e.race.Playing() {
				last = now // a race that starts playing starts from now
			}
			dt := min(now.Sub(last), 100*time.Millisecond)
			last = now
			watch.check(now)
			e.handleQueued()
			if !e.tick(dt) {
				return nil
			}
			if h.IdleTimeout > 0 && !e.race.Playing() && now.Sub(heard) > h.IdleTimeout {
				return errIdle
			}
			next := e.race.Due()
			if len(e.queue) > 0 || len(e.out) > 0 {
				next = 0 // messages wait, or a frame waits for the writer
			}
			wake(next)
		case d := <-e.diagnosed:
			e.race.Diagnosed(d)
			wake(0) // the racer's new report goes out with the next frame
		}
	}
}

// engine is a session's race with the means to answer its client.
type engine struct {
	race *race.Race
	jobs *jobs
	out  chan<- outgoing
	// binaryFrames: the client asked for frames in the binary layout
	// (binary.go); everything else is JSON.
	binaryFrames bool
	ctx          context.Context
	log          *slog.Logger
	// Messages wait here, in order, while the session's budget for
	// expensive messages is spent (see handleQueued).
	queue  []race.Message
	nextAt time.Time // when the next message may be handled
	// A network racer's diagnosis runs in a goroutine of its own, one at a
	// time, and comes back on diagnosed.
	diagnosed  chan *race.Diagnosis
	diagnosing sync.WaitGroup
	m          *metrics.Metrics
}

// send encodes a message and queues it for the writer; false means the
// session is over.
func (e *engine) send(v any) bool {
	var m outgoing
	var err error
	if f, ok := v.(race.Frame); ok && e.binaryFrames {
		m.data, err = encodeFrameBinary(f)
		m.binary = true
	} else {
		m.data, err = encode(v)
	}
	if err != nil {
		e.log.Error("encoding a message", "err", err)
		return false
	}
	select {
	case e.out <- m:
		return true
	case <-e.ctx.Done():
		return false
	}
}

// message decodes one client message and queues it; a malformed one is
// answered at once.
func (e *engine) message(data []byte) {
	m, perr := decode(data)
	if perr != nil {
		e.refuse(m, perr)
		return
	}
	if n := len(e.queue); n > 0 && e.queue[n-1].Type == m.Type && coalesce[m.Type] {
		e.queue[n-1] = m // a burst of views (or starts) comes down to the last
		return
	}
	if len(e.queue) == MaxQueued {
		e.refuse(m, race.Problem("type", "%d messages are waiting already; send fewer, the page's state is the last one sent", MaxQueued))
		return
	}
	e.queue = append(e.queue, m)
	e.handleQueued()
}

// coalesce are the messages of which only the last of a burst counts.
var coalesce = map[string]bool{"view": true, "start": true, "speed": true}

// MaxQueued bounds the messages that wait for the budget.
const MaxQueued = 64

// handleQueued hands the waiting messages to the race, in order, within the
// session's budget: a message whose handling took long (a configure, a view
// of a costly surface) makes the next one wait three times as long, so that
// messages cost a quarter of a core at most however fast they come.
func (e *engine) handleQueued() {
	for len(e.queue) > 0 && !time.Now().Before(e.nextAt) {
		m := e.queue[0]
		e.queue = e.queue[1:]
		t0 := time.Now()
		reply, perr := e.race.Handle(m)
		if cost := time.Since(t0); cost > time.Millisecond {
			e.nextAt = time.Now().Add(3 * cost)
		}
		if perr != nil {
			e.refuse(m, perr)
			continue
		}
		if reply.Cancel {
			e.jobs.cancel() // the job ends with its own message, marked cancelled
		}
		if reply.Job != nil {
			e.jobs.start(m.Type, reply.Job)
		}
		e.reply(reply)
	}
}

func (e *engine) refuse(m race.Message, perr *race.ProblemError) {
	e.send(race.ErrorMessage{Type: "error", Req: m.Req, Message: perr.Error(), Problems: perr.Problems})
}

func (e *engine) reply(r race.Reply) {
	if r.Surface != nil {
		e.send(*r.Surface)
	}
	if r.State != nil {
		e.send(*r.State)
	}
}

// tick moves the race on and sends a frame when the writer's queue is
// empty, so that frames to a slow client coalesce; false means the session
// is over.
func (e *engine) tick(dt time.Duration) bool {
	t0 := time.Now()
	r := e.race.Tick(dt)
	metrics.Since(e.m.StepSeconds, t0)
	if r.Surface != nil { // a continuation racer's blur morphed it
		e.send(*r.Surface)
	}
	if len(e.out) == 0 {
		t0 := time.Now()
		if f, ok := e.race.Frame(); ok {
			if !e.send(f) {
				return false
			}
			metrics.Since(e.m.FrameSeconds, t0)
			e.m.FramesSent.Inc()
			e.race.Sent(f)
		}
	}
	if r.State != nil { // play stopped by itself
		e.send(*r.State)
	}
	if d, ok := e.race.NextDiagnosis(); ok {
		e.diagnosing.Add(1)
		go func() {
			defer e.diagnosing.Done()
			d.Run(e.ctx)
			select {
			case e.diagnosed <- d:
			case <-e.ctx.Done():
			}
		}()
	}
	return true
}

// jobs runs a session's background job, one at a time: a newer one cancels
// the one running, and stop cancels and waits for it.
type jobs struct {
	ctx    context.Context
	emit   func(any)
	wg     sync.WaitGroup
	cancel context.CancelFunc
	m      *metrics.Metrics
}

func newJobs(ctx context.Context, emit func(any), m *metrics.Metrics) *jobs {
	return &jobs{ctx: ctx, emit: emit, cancel: func() {}, m: m}
}

// start runs a job of the kind (the message type: slice, spectrum, tune).
func (j *jobs) start(kind string, job race.Job) {
	j.cancel()
	jctx, cancel := context.WithCancel(j.ctx)
	j.cancel = cancel
	j.wg.Add(1)
	g := j.m.Jobs.WithLabelValues(kind)
	g.Inc()
	go func() {
		defer j.wg.Done()
		defer g.Dec()
		// emit waits on the session's context, not the job's: a cancelled
		// job still says so.
		job.Run(jctx, j.emit)
	}()
}

func (j *jobs) stop() {
	j.cancel()
	j.wg.Wait()
}
