package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// logRequests logs one line per request with log/slog: method, path,
// status, bytes, duration and the client's address.
func logRequests(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			start := time.Now()
			defer func() {
				log.Info("request", "method", r.Method, "path", r.URL.Path, "status", ww.Status(),
					"bytes", ww.BytesWritten(), "duration", time.Since(start).Round(time.Microsecond),
					"client", middleware.GetClientIP(r.Context()))
			}()
			next.ServeHTTP(ww, r)
		})
	}
}
