package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// FrameInterval is the shortest time between two frames: 60 a second.
const FrameInterval = time.Second / 60

// DefaultWriteTimeout is how long one message may take to reach a client
// before the session gives up on it.
const DefaultWriteTimeout = 30 * time.Second

// Hub accepts websocket sessions, one race each, and keeps count of them.
type Hub struct {
	Limits      Limits
	MaxSessions int
	// OriginPatterns are the foreign origins allowed to connect (see
	// websocket.AcceptOptions); none means same origin only.
	OriginPatterns []string
	Log            *slog.Logger
	WriteTimeout   time.Duration

	active   atomic.Int64
	sessions sync.WaitGroup
	mu       sync.Mutex
	shutdown chan struct{}
}

// NewHub returns a hub with the given limits.
func NewHub(lim Limits, maxSessions int, origins []string, log *slog.Logger) *Hub {
	return &Hub{Limits: lim, MaxSessions: maxSessions, OriginPatterns: origins, Log: log, WriteTimeout: DefaultWriteTimeout, shutdown: make(chan struct{})}
}

// Active is the number of open sessions.
func (h *Hub) Active() int { return int(h.active.Load()) }

// Shutdown closes every session with StatusGoingAway and waits for their
// goroutines to end, or for ctx.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	select {
	case <-h.shutdown:
	default:
		close(h.shutdown)
	}
	h.mu.Unlock()
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
	h.sessions.Add(1)
	defer h.sessions.Done()
	conn.SetReadLimit(MaxMessage)
	start := time.Now()
	err = h.session(r.Context(), conn)
	h.Log.Info("session ended", "remote", r.RemoteAddr, "duration", time.Since(start).Round(time.Millisecond), "reason", err)
}

// session runs three goroutines: a reader that decodes client messages, the
// engine that owns the race (it steps the racers and builds frames), and a
// writer. Messages to the client wait in a short queue; a frame is built
// only when that queue is empty, so frames to a slow client coalesce (every
// iterate still arrives, in fewer, larger frames) and a stalled client stops
// the race instead of growing a queue. All three end with the session.
func (h *Hub) session(parent context.Context, conn *websocket.Conn) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	in := make(chan []byte, 8)
	out := make(chan []byte, 8)
	// The reader and the writer use contexts of their own: cancelling a
	// context that a Read or Write is using closes the connection at once,
	// and the session wants to end with a proper close handshake.
	var wg sync.WaitGroup
	readerDone := make(chan struct{})
	wg.Add(2)
	go func() { // reader: ends when the connection closes
		defer close(readerDone)
		defer close(in)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				cancel(fmt.Errorf("read: %w", err))
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
			case b := <-out:
				wctx, done := context.WithTimeout(context.Background(), h.WriteTimeout)
				err := conn.Write(wctx, websocket.MessageText, b)
				done()
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
		h.engine(ctx, in, out)
	}()

	var closeCode websocket.StatusCode = websocket.StatusNormalClosure
	reason := ""
	select {
	case <-ctx.Done():
	case <-h.shutdown:
		closeCode, reason = websocket.StatusGoingAway, "the server is shutting down"
		cancel(errors.New(reason))
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, errInternal) {
		closeCode, reason = websocket.StatusInternalError, cause.Error()
	}
	wg.Wait()
	conn.Close(closeCode, reason) // the reader takes the peer's close frame
	<-readerDone
	return cause
}

var errInternal = errors.New("internal error")

func (h *Hub) engine(ctx context.Context, in <-chan []byte, out chan<- []byte) {
	race := NewRace(h.Limits)
	send := func(v any) bool {
		var b []byte
		var err error
		if f, ok := v.(Frame); ok {
			b, err = f.Encode()
		} else {
			b, err = json.Marshal(v)
		}
		if err != nil {
			h.Log.Error("encoding a message", "err", err)
			return false
		}
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	ticker := time.NewTicker(FrameInterval)
	defer ticker.Stop()
	// A slice runs in a goroutine of its own; a newer one cancels it, and
	// the engine waits for it before it returns.
	var slices sync.WaitGroup
	cancelSlice := func() {}
	defer func() {
		cancelSlice()
		slices.Wait()
	}()
	background := func(job func(context.Context)) {
		cancelSlice()
		sctx, cancel := context.WithCancel(ctx)
		cancelSlice = cancel
		slices.Add(1)
		go func() {
			defer slices.Done()
			job(sctx)
		}()
	}
	last := time.Now()
	var morphedAt time.Time
	var morphCost time.Duration
	for {
		select {
		case <-ctx.Done():
			return
		case data, ok := <-in:
			if !ok {
				return
			}
			m, err := decode(data)
			var perr *ProblemError
			if err == nil && m.Type == "cancel" {
				cancelSlice() // the job ends with its done message, marked cancelled
			} else if err == nil && (m.Type == "tune" || m.Type == "slice" || m.Type == "spectrum") {
				switch {
				case !race.Configured():
					perr = problem("type", "send configure first: no surface is chosen yet")
				case m.Type == "tune":
					var job *tuneJob
					if job, perr = race.prepareTune(m, m.Tune); perr == nil {
						background(func(c context.Context) { runTune(c, job, send) })
					}
				default:
					var job *SliceJob
					if job, perr = race.PrepareSlice(m); perr == nil {
						background(func(c context.Context) { runSlice(c, job, send) })
					}
				}
			} else if err != nil {
				errors.As(err, &perr)
			} else {
				var surface bool
				surface, perr = race.Handle(m)
				if perr == nil {
					if surface {
						reason := m.Type
						if m.Type != "view" && m.Type != "start" {
							reason = "configure"
						}
						send(race.Surface(reason))
					}
					send(race.State())
				}
			}
			if perr != nil {
				send(ErrorMessage{Type: "error", Req: m.Req, Message: perr.Error(), Problems: perr.Problems})
			}
		case now := <-ticker.C:
			dt := min(now.Sub(last), 100*time.Millisecond)
			last = now
			was := race.playing
			race.Advance(dt)
			// A continuation racer's blur changed: the surface follows, at
			// most ten times a second and in at most a tenth of the time.
			if race.Configured() && time.Since(morphedAt) > max(100*time.Millisecond, 10*morphCost) && race.Morphed() {
				t0 := time.Now()
				send(race.Surface("morph"))
				morphedAt, morphCost = time.Now(), time.Since(t0)
			}
			if len(out) == 0 {
				if f, ok := race.Frame(); ok {
					if !send(f) {
						return
					}
					race.Sent(f)
				}
			}
			if was && !race.playing {
				send(race.State())
			}
		}
	}
}
