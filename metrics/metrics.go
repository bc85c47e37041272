// Package metrics is what an operator watches to know when to scale: the
// sessions open, the frames sent, how long a race's step and a frame take,
// the background jobs and the exports under way, in the Prometheus format
// at /metrics (with the Go runtime's and the process's own).
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one server's collectors, in a registry of their own (a
// server and its tests do not share a global one).
type Metrics struct {
	Registry *prometheus.Registry

	FramesSent    prometheus.Counter
	StepSeconds   prometheus.Histogram // the work of one session's tick: stepping its racers
	FrameSeconds  prometheus.Histogram // building and encoding one frame
	Jobs          *prometheus.GaugeVec // slices, spectra and tunes under way, by kind
	Exports       prometheus.Gauge     // exports under way
	ExportsDone   *prometheus.CounterVec
	SessionsTotal prometheus.Counter
}

// New makes the collectors and registers them, with sessions read from the
// hub when scraped.
func New(sessions func() int) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		FramesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "saddle_frames_sent_total", Help: "Frames sent to clients, over all sessions.",
		}),
		StepSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "saddle_tick_seconds", Help: "The work of one session's tick: stepping its racers up to the race clock.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10), // 1 µs … 0.26 s
		}),
		FrameSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "saddle_frame_seconds", Help: "Building and encoding one frame (racers' diagnostics included).",
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 10),
		}),
		Jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "saddle_jobs_in_progress", Help: "Background jobs under way: network slices, Hessian spectra, learning-rate tunes.",
		}, []string{"kind"}),
		Exports: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "saddle_exports_in_progress", Help: "Exports (PNG, SVG, PDF, CSV, JSON) under way.",
		}),
		ExportsDone: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "saddle_exports_total", Help: "Exports answered, by format and HTTP status.",
		}, []string{"format", "code"}),
		SessionsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "saddle_sessions_started_total", Help: "Websocket sessions started.",
		}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "saddle_sessions", Help: "Websocket sessions open now."},
			func() float64 { return float64(sessions()) }),
		m.FramesSent, m.StepSeconds, m.FrameSeconds, m.Jobs, m.Exports, m.ExportsDone, m.SessionsTotal,
	)
	return m
}

// Handler serves the registry at /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Since observes the seconds since t0 on a histogram.
func Since(h prometheus.Histogram, t0 time.Time) {
	h.Observe(time.Since(t0).Seconds())
}
