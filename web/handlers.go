package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/metrics"
	"github.com/saddle-viz/saddle/optim"
	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/spec"
	"github.com/saddle-viz/saddle/static"
	"github.com/saddle-viz/saddle/stream"
	pages "github.com/saddle-viz/saddle/templ"
)

// exports counts the exports in progress, for /healthz.
type exports struct {
	running atomic.Int64
	m       *metrics.Metrics // nil in tests that make their own
}

func handleHealth(hub *stream.Hub, ex *exports) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "sessions": hub.Active(), "exports": ex.running.Load()})
	})
}

// handleStatic serves the embedded ES modules and CSS, files only: a
// folder is not listed.
func handleStatic() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		// A lecture hall reloads the page on a new version at once.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// handleIcon serves the page's icon (static/icon.svg) at /favicon.ico.
func handleIcon() http.Handler {
	icon, _ := static.FS.ReadFile("icon.svg")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "max-age=86400")
		w.Write(icon)
	})
}

func handlePage() http.Handler {
	reg := Registry()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := pages.Race(reg).Render(r.Context(), w); err != nil {
			http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		}
	})
}

func handleRegistry() http.Handler {
	b, _ := json.Marshal(Registry())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
}

// Registry describes every surface and optimizer for the page, which builds
// its controls from it.
func Registry() pages.Registry {
	reg := pages.Registry{Clocks: race.Clocks, MaxRacers: race.MaxRacers, DefaultSpeed: race.DefaultSpeed, DefaultTol: race.DefaultTol, MaxSpeed: race.MaxSpeed, MaxStart: race.MaxStartNorm}
	for i := range trajectoryColors {
		reg.Colors = append(reg.Colors, TrajectoryColor(i))
	}
	for _, c := range viridisStops {
		reg.Viridis = append(reg.Viridis, [3]uint8{c.R, c.G, c.B})
	}
	for _, in := range landscapes.Surfaces() {
		l, _ := landscapes.Build(in.Name)
		reg.Surfaces = append(reg.Surfaces, pages.Surface{Name: in.Name, Title: in.Title, Explain: in.Explain, Canonical: in.Canonical,
			ExactBlur: in.ExactBlur, View: in.View, Start: l.Start(), Params: params(in.Params)})
	}
	reg.Common = params(landscapes.CommonParams())
	for _, in := range optim.Optimizers() {
		f := in.Formula()
		reg.Optimizers = append(reg.Optimizers, pages.Optimizer{Name: in.Name, Title: in.Title, Family: in.Family, Explain: in.Explain,
			Modifiers: in.Modifiers, Params: params(in.Params), Rule: pages.MathML(f.Rule), Textbook: pages.MathML(f.Textbook), Note: f.Note})
	}
	reg.Modifiers = params(optim.ModifierParams())
	reg.ScheduleKeys = optim.ScheduleKeys()
	reg.Continuation = params(optim.ContinuationParams())
	reg.Batch = params(optim.BatchParams())
	reg.Averaging = params(optim.AveragingParams())
	reg.Bias = params(optim.BiasParams())
	reg.Model = params(optim.ModelParams())
	reg.Lessons = Lessons
	for _, e := range landscapes.FormulaExamples {
		reg.Formulas = append(reg.Formulas, pages.FormulaExample{Name: e.Name, Formula: e.Formula})
	}
	return reg
}

func params(ps []spec.Param) []pages.Param {
	out := make([]pages.Param, 0, len(ps))
	for _, p := range ps {
		q := pages.Param{Name: p.Name, Label: cmp.Or(p.Label, p.Name), Min: p.Min, Max: p.Max, Log: p.Log, Doc: p.Doc, Choices: p.Choices, Default: p.DefaultString()}
		switch p.Kind {
		case spec.Integer:
			q.Kind = "integer"
		case spec.Bool:
			q.Kind = "bool"
		case spec.Choice:
			q.Kind = "choice"
		case spec.Text:
			q.Kind = "text"
		default:
			q.Kind = "real"
		}
		if p.DefaultText != "" && p.Kind != spec.Text {
			q.Default = spec.Format(p.Default)
			q.DefaultText = p.DefaultText
		}
		out = append(out, q)
	}
	return out
}
