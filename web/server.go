// Package web is saddle's HTTP side: the router and its handlers, the
// middleware, and the export of races as plots.
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/stream"
)

// Options configure Serve.
type Options struct {
	Addr         string
	AllowOrigins []string // foreign origins allowed to open a websocket and export
	// AllowHosts are the names (patterns) besides IP addresses, localhost
	// and the machine's own name that requests may be addressed to.
	AllowHosts   []string
	MaxSessions  int
	MaxPerClient int           // sessions of one client address (0: none)
	IdleTimeout  time.Duration // an idle session closes after it (0: never)
	Limits       race.Limits
	Log          *slog.Logger
	// Ready, if set, is told the address the server listens on.
	Ready func(addr string)
}

// ShutdownTimeout bounds a shutdown: sessions and requests stop their work
// when it begins, and have this long to end.
const ShutdownTimeout = 5 * time.Second

// Serve runs the server until ctx is done, then closes every websocket with
// 1001 (going away) and stops the work of every request in flight.
func Serve(ctx context.Context, o Options, stdout io.Writer) error {
	hub := stream.NewHub(o.Limits, o.MaxSessions, o.AllowOrigins, o.Log)
	hub.MaxPerClient, hub.IdleTimeout = o.MaxPerClient, o.IdleTimeout
	hosts := append([]string(nil), o.AllowHosts...)
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name, name+".local")
	}
	// Every request's context ends when the shutdown begins, so that an
	// export or a session in flight stops its work instead of holding the
	// shutdown up.
	base, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	srv := &http.Server{Handler: routes(hub, o.Log, hosts), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return base }}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.Addr, err)
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "saddle is serving on %s (Ctrl-C stops it)\n", url)
	o.Log.Info("serving", "addr", ln.Addr().String(), "max_sessions", o.MaxSessions, "max_steps", o.Limits.MaxSteps)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	o.Log.Info("shutting down", "sessions", hub.Active())
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	hub.Closing()  // sessions close with 1001 …
	stopRequests() // … and every request's work ends
	hubErr := hub.Shutdown(sctx)
	// Every handler's work has been stopped, so what Shutdown can still wait
	// on is a connection that never sent a request (a browser's preconnect,
	// which net/http counts as idle only after five seconds): close those.
	hctx, hcancel := context.WithTimeout(sctx, time.Second)
	defer hcancel()
	if err := srv.Shutdown(hctx); err != nil {
		o.Log.Info("closing connections that sent no request", "err", err)
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return hubErr
}
