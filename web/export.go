package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/go-chi/chi/v5/middleware"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/spec"
)

// The writers of a prepared batch, shared by `saddle run`, `saddle plot`
// and the export endpoint. stopped, if set, is told of every racer that
// ended before the clock value.

// WriteCSV writes the race in the `saddle run` format:
// opt,iter,evals,f,gnorm,x0,x1,… with full float64 precision.
func (p *Prepared) WriteCSV(ctx context.Context, w io.Writer, stopped func(opt string, e End)) error {
	cw := csv.NewWriter(w)
	header := []string{"opt", "iter", "evals", "f", "gnorm"}
	for i := range p.Dims() { // a racer of fewer coordinates leaves the rest empty
		header = append(header, "x"+strconv.Itoa(i))
	}
	cw.Write(header)
	line := make([]string, len(header))
	err := p.Run(ctx, func(i int, r Row) error {
		line[0], line[1], line[2] = p.Opts[i], strconv.Itoa(r.Iter), strconv.Itoa(r.Evals)
		line[3], line[4] = spec.Format(r.F), spec.Format(r.GNorm)
		for k := range line[5:] {
			line[5+k] = ""
			if k < len(r.X) {
				line[5+k] = spec.Format(r.X[k])
			}
		}
		return cw.Write(line)
	}, p.tell(stopped))
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return err
}

func (p *Prepared) tell(stopped func(opt string, e End)) func(int, End) error {
	return func(i int, e End) error {
		if stopped != nil && e.Status != "completed" {
			stopped(p.Opts[i], e)
		}
		return nil
	}
}

// WriteJSON streams {"surface", "blur", "start", "clock", "to", "steps",
// "seed", "tol", for uploaded data "data": {"name", "id", "csv"},
// "runs": [{"opt", "iterates": [{"iter", "evals", "f", "gnorm", "x",
// and for an averaging racer "avg": {"f", "x"}}],
// "status", "reason", "evals", "hessian_evals", and "inside", what the
// method carries at its last iterate (race.Inside)}]}; steps is the clock value
// when the clock counts iterations.
func (p *Prepared) WriteJSON(ctx context.Context, w io.Writer, stopped func(opt string, e End)) error {
	ew := &errWriter{w: w}
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	steps := ""
	if p.Clock == "iterations" {
		steps = fmt.Sprintf(`,"steps":%d`, int(p.To))
	}
	// A race on uploaded data carries the data, so that the file alone
	// can be shared: the page opens it as it opens a CSV.
	data := ""
	if u := p.Land.Upload(); u != nil {
		data = fmt.Sprintf(`,"data":{"name":%s,"id":%s,"csv":%s}`, enc(u.Name), enc(u.ID), enc(u.Canonical))
	}
	fmt.Fprintf(ew, `{"surface":%s,"blur":%s,"start":%s,"clock":%s,"to":%s%s,"seed":%d,"tol":%s%s,"runs":[`, enc(p.Land.Spec), enc(p.Land.BlurKind()), enc(p.X0), enc(p.Clock), spec.Format(p.To), steps, p.Seed, spec.Format(p.Tol), data)
	type iterate struct {
		Iter  int       `json:"iter"`
		Evals int       `json:"evals"`
		F     float64   `json:"f"`
		GNorm float64   `json:"gnorm"`
		X     []float64 `json:"x"`
		Avg   *averaged `json:"avg,omitempty"`
	}
	tell := p.tell(stopped)
	first := true
	err := p.Run(ctx, func(i int, r Row) error {
		if r.Iter == 0 {
			if i > 0 {
				ew.WriteString(",")
			}
			fmt.Fprintf(ew, `{"opt":%s,"iterates":[`, enc(p.Opts[i]))
			first = true
		}
		if !first {
			ew.WriteString(",")
		}
		first = false
		it := iterate{Iter: r.Iter, Evals: r.Evals, F: r.F, GNorm: r.GNorm, X: r.X}
		if r.AvgX != nil {
			it.Avg = &averaged{F: r.AvgF, X: r.AvgX}
		}
		ew.WriteString(enc(it))
		return ew.err
	}, func(i int, e End) error {
		inside := ""
		if e.Inside != nil {
			inside = `,"inside":` + enc(e.Inside)
		}
		fmt.Fprintf(ew, `],"status":%s,"reason":%s,"evals":%d,"hessian_evals":%d%s}`, enc(e.Status), enc(e.Reason), e.Evals, e.Hess, inside)
		tell(i, e)
		return ew.err
	})
	ew.WriteString("]}\n")
	if err != nil {
		return err
	}
	return ew.err
}

// averaged is an averaging racer's averaged iterate in a JSON export.
type averaged struct {
	F float64   `json:"f"`
	X []float64 `json:"x"`
}

// Figure runs the race and returns it as a figure of the given size.
func (p *Prepared) Figure(ctx context.Context, width, height int, stopped func(opt string, e End)) (*Figure, error) {
	fig := &Figure{Land: p.Land, Width: width, Height: height, Runs: make([]Trajectory, len(p.Opts))}
	tell := p.tell(stopped)
	err := p.Run(ctx, func(i int, r Row) error {
		fig.Runs[i].Record(p.Opts[i], r)
		return nil
	}, func(i int, e End) error {
		fig.Runs[i].Status, fig.Runs[i].Reason = e.Status, e.Reason
		return tell(i, e)
	})
	return fig, err
}

// errWriter keeps the first write error, so a stream of writes checks once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) WriteString(s string) { e.Write([]byte(s)) }

var exportTypes = map[string]string{
	"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
	"csv": "text/csv; charset=utf-8", "json": "application/json",
}

// queryNames are the export's names for the parts of a race.
var queryNames = Names{Surface: "surface", Opt: "opt", Start: "start", Steps: "steps", Clock: "clock"}

// ExportBudget bounds what one export may cost the server, which a class
// shares: the numbers its rows hold, its computing time, and how many
// exports run at once.
type ExportBudget struct {
	Numbers    int
	Time       time.Duration
	Concurrent int
}

// DefaultExportBudget: five million numbers (about 100 MB of CSV), 20 s of
// computing, two exports at once.
var DefaultExportBudget = ExportBudget{Numbers: 5_000_000, Time: 20 * time.Second, Concurrent: 2}

// handleExport runs the race the query names to the clock value the page
// shows and sends it as a download: GET /export?format=png|svg|pdf|csv|json
// &surface=SPEC&opt=SPEC&opt=…&start=X,Y&seed=S&clock=C&t=T&size=WxH
// (steps=N is clock=iterations&t=N). It drives the same engine as the page,
// with the code of `saddle plot` and `saddle run`, within the budget: a
// request over it is refused with what to change, a full server answers 503
// with Retry-After, and the work stops when the client goes.
func handleExport(lim race.Limits, budget ExportBudget, ex *exports) http.Handler {
	running := make(chan struct{}, budget.Concurrent)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		format := r.URL.Query().Get("format")
		w := middleware.NewWrapResponseWriter(rw, r.ProtoMajor)
		if ex.m != nil {
			defer func() {
				if _, known := exportTypes[format]; !known {
					format = "other"
				}
				ex.m.ExportsDone.WithLabelValues(format, strconv.Itoa(w.Status())).Inc()
			}()
		}
		ctype, ok := exportTypes[format]
		if !ok {
			http.Error(w, fmt.Sprintf("format %q is not accepted; accepted: png, svg, pdf, csv, json", format), http.StatusBadRequest)
			return
		}
		b, width, height, err := exportQuery(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p, err := b.Prepare(lim, 1e12, queryNames) // the engine limits the iterations; the budget the rest
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if n, known := p.Numbers(); known && n > float64(budget.Numbers) {
			http.Error(w, fmt.Sprintf("this export would hold up to %.3g numbers; at most %d are accepted: export fewer steps or racers", n, budget.Numbers), http.StatusBadRequest)
			return
		}
		select {
		case running <- struct{}{}:
			ex.running.Add(1)
			if ex.m != nil {
				ex.m.Exports.Inc()
				defer ex.m.Exports.Dec()
			}
			defer func() { <-running; ex.running.Add(-1) }()
		default:
			w.Header().Set("Retry-After", "5")
			http.Error(w, fmt.Sprintf("the server is making %d exports already; try again in a few seconds", budget.Concurrent), http.StatusServiceUnavailable)
			return
		}
		p.MaxNumbers = budget.Numbers
		ctx, cancel := context.WithTimeout(r.Context(), budget.Time)
		defer cancel()
		// The first megabyte waits in a buffer, so that a failure before it
		// is sent is an error the client can read; after it, a failure
		// breaks the download off, never ends it as if it were whole.
		sent := &countingWriter{w: w}
		buf := bufio.NewWriterSize(sent, 1<<20)
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", ExportName(p, format)))
		switch format {
		case "csv":
			err = p.WriteCSV(ctx, buf, nil)
		case "json":
			err = p.WriteJSON(ctx, buf, nil)
		default:
			var fig *Figure
			if fig, err = p.Figure(ctx, width, height, nil); err == nil {
				err = fig.Render(buf, format)
			}
		}
		if err == nil {
			err = buf.Flush()
		}
		if err == nil {
			return
		}
		if sent.n == 0 {
			w.Header().Del("Content-Disposition")
			http.Error(w, exportFailure(err, budget), exportStatus(err))
			return
		}
		panic(http.ErrAbortHandler) // part of it is sent: break it off
	})
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// exportFailure says why an export failed, in words that say what to change.
func exportFailure(err error, budget ExportBudget) string {
	switch {
	case errors.Is(err, ErrTooLarge):
		return fmt.Sprintf("this export holds more than %d numbers, its budget: export fewer steps or racers", budget.Numbers)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("this export takes more than %s of computing, its budget: export fewer steps, fewer racers or a smaller model", budget.Time)
	}
	return "export failed: " + err.Error()
}

func exportStatus(err error) int {
	if errors.Is(err, ErrTooLarge) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// exportKeys are the parameters an export's query may have.
var exportKeys = []string{"format", "surface", "opt", "start", "seed", "clock", "steps", "t", "tol", "size"}

// exportQuery reads the race and the figure's size from an export's query,
// every mistake at once.
func exportQuery(q url.Values) (b Batch, width, height int, err error) {
	b = Batch{Surface: q.Get("surface"), Opts: q["opt"], Start: q.Get("start"), Seed: 1, Clock: q.Get("clock"), To: 100}
	var bad []string
	for key := range q {
		if !slices.Contains(exportKeys, key) {
			bad = append(bad, fmt.Sprintf("%q is not a parameter of an export; accepted: %s", key, strings.Join(exportKeys, ", ")))
		}
	}
	// A map's order is not the query's.
	slices.Sort(bad)
	for _, key := range []string{"steps", "t"} { // t, the clock value, wins
		if s := q.Get(key); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s %q is not a number", key, s))
			}
			b.To = v
		}
	}
	if s := q.Get("tol"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= 0 && v <= 1e3) {
			bad = append(bad, fmt.Sprintf("tol %q is not accepted; it must be a number in [0, 1000]", s))
		}
		b.Tol = v
	}
	if s := q.Get("seed"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			bad = append(bad, fmt.Sprintf("seed %q is not a whole number ≥ 0", s))
		}
		b.Seed = n
	}
	if b.Clock != "" && !slices.Contains(race.Clocks, b.Clock) {
		bad = append(bad, fmt.Sprintf("clock %q is not accepted; accepted: %s", b.Clock, strings.Join(race.Clocks, ", ")))
	}
	width, height = 1600, 800
	if s := q.Get("size"); s != "" {
		var err error
		if width, height, err = ParseSize(s); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if bad != nil {
		return b, 0, 0, inputError("%s", strings.Join(bad, "\n"))
	}
	return b, width, height, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ExportName is a download's file name: the surface, the optimizers and the
// clock value, e.g. saddle-rosenbrock-adam-bfgs-200-iterations.png.
func ExportName(p *Prepared, ext string) string {
	parts := []string{"saddle", p.Land.Info.Name}
	for i, in := range p.Infos {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and-%d-more", len(p.Infos)-3))
			break
		}
		parts = append(parts, in.Name)
	}
	parts = append(parts, spec.Format(p.To)+"-"+p.Clock)
	return unsafeName.ReplaceAllString(strings.Join(parts, "-"), "_") + "." + ext
}
