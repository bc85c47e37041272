package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/saddle-viz/saddle/stream"
)

// routes maps every route of the server, in one place.
func routes(hub *stream.Hub, log *slog.Logger, hosts []string) http.Handler {
	r := chi.NewRouter()
	// The peer's address as the client IP: chi's RealIP trusts headers that
	// anyone can set; a trusted proxy would need ClientIPFromXFF instead.
	r.Use(middleware.ClientIPFromRemoteAddr)
	r.Use(logRequests(log))
	r.Use(middleware.Recoverer)
	r.Use(secureHeaders)
	r.Use(allowHosts(hosts))

	ex := &exports{m: hub.Metrics}
	r.Method(http.MethodGet, "/healthz", handleHealth(hub, ex))
	// What an operator scales by: sessions, frames, step and frame times,
	// jobs and exports under way (package metrics), for Prometheus.
	r.Method(http.MethodGet, "/metrics", hub.Metrics.Handler())
	r.Method(http.MethodGet, "/static/*", handleStatic())
	r.Method(http.MethodHead, "/static/*", handleStatic())
	// Browsers ask for /favicon.ico whatever the page links: the same icon.
	r.Method(http.MethodGet, "/favicon.ico", handleIcon())
	// The websocket stays out of Timeout and Throttle, which would cut or pin
	// a long-lived stream; the hub counts its sessions itself.
	r.Handle("/ws", hub)

	r.Group(func(r chi.Router) {
		r.Use(middleware.Timeout(60 * time.Second))
		r.Method(http.MethodGet, "/", handlePage())
		r.Method(http.MethodGet, "/lessons", handleLessons())
		r.Method(http.MethodGet, "/api/registry", handleRegistry())
		r.Method(http.MethodGet, "/api/formula", handleFormula())
		// A student's own points, kept in memory for the session that
		// races on them; only the page itself may send them.
		r.With(sameOrigin(hub.OriginPatterns)).Method(http.MethodPost, "/api/data", handleData())
		r.With(sameOrigin(hub.OriginPatterns)).Method(http.MethodGet, "/export", handleExport(hub.Limits, DefaultExportBudget, ex))
	})
	return r
}
