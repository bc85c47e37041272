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
	AllowHosts  []string
	MaxSessions int
	Limits      race.Limits
	Log         *slog.Logger
	// Ready, if set, is told the address the server listens on.
	Ready func(addr string)
}

// Serve runs the server until ctx is done, then closes every websocket with
// 1001 (going away) and lets requests in flight finish.
func Serve(ctx context.Context, o Options, stdout io.Writer) error {
	hub := stream.NewHub(o.Limits, o.MaxSessions, o.AllowOrigins, o.Log)
	hosts := append([]string(nil), o.AllowHosts...)
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name, name+".local")
	}
	srv := &http.Server{Handler: routes(hub, o.Log, hosts), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn)}
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
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hubErr := hub.Shutdown(sctx)
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return hubErr
}
