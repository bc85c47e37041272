package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/optim"
)

// InputError is a mistake in what a person asked for: exit status 2 on the
// command line, 400 over HTTP.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputError(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// RaceSpec names a race by specs: what `saddle run` and `saddle plot` take
// on the command line and the export endpoint takes in its query.
type RaceSpec struct {
	Surface string
	Opts    []string
	Start   string // "x,y"; empty for the surface's default start
	Steps   int
	Seed    uint64
}

// Race is a checked set of runs from one start.
type Race struct {
	Land  *landscapes.Landscape
	Start []float64
	Runs  []*optim.Run
	Steps int
}

// Build checks every part of the spec and starts the runs.
func (s RaceSpec) Build(maxSteps int) (*Race, error) {
	if s.Surface == "" {
		return nil, inputError("--surface is required; accepted surfaces: %s", landscapes.Names())
	}
	if len(s.Opts) == 0 {
		return nil, inputError("at least one --opt is required; accepted optimizers: %s", optimizerNames())
	}
	if len(s.Opts) > 64 {
		return nil, inputError("%d optimizers; at most 64 are accepted", len(s.Opts))
	}
	if s.Steps < 0 || s.Steps > maxSteps {
		return nil, inputError("--steps %d is out of range; accepted: 0 to %d", s.Steps, maxSteps)
	}
	land, err := landscapes.Build(s.Surface)
	if err != nil {
		return nil, inputError("--surface %v", err)
	}
	start := land.Start()
	if s.Start != "" {
		if start, err = ParsePoint("--start", s.Start, land.Dim()); err != nil {
			return nil, err
		}
	}
	rc := &Race{Land: land, Start: start, Steps: s.Steps}
	var problems []string
	for _, spec := range s.Opts {
		run, err := optim.Start(land, spec, start, s.Seed)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--opt %v", err))
			continue
		}
		rc.Runs = append(rc.Runs, run)
	}
	if problems != nil {
		return nil, inputError("%s", strings.Join(problems, "\n"))
	}
	return rc, nil
}

func optimizerNames() string {
	var names []string
	for _, in := range optim.Optimizers() {
		names = append(names, in.Name)
	}
	return strings.Join(names, ", ")
}

// ParsePoint reads "X,Y" (n comma-separated finite numbers).
func ParsePoint(name, text string, n int) ([]float64, error) {
	parts := strings.Split(text, ",")
	if len(parts) != n {
		return nil, inputError("%s %q has %d coordinates; this surface needs %d, comma-separated", name, text, len(parts), n)
	}
	x := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e150 {
			return nil, inputError("%s: coordinate %d, %q, is not accepted; each coordinate must be a finite number of magnitude at most 1e150", name, i+1, p)
		}
		x[i] = v
	}
	return x, nil
}

// Step advances every run, calling emit for the start (iteration 0) and for
// every new iterate, and telling stopped of each run that ended before its
// last step.
func (rc *Race) Step(emit func(i int, r *optim.Run) error, stopped func(r *optim.Run)) error {
	for i, r := range rc.Runs {
		if err := emit(i, r); err != nil {
			return err
		}
		for r.Iter < rc.Steps && r.Step() {
			if err := emit(i, r); err != nil {
				return err
			}
		}
		if r.Status != optim.Running && stopped != nil {
			stopped(r)
		}
	}
	return nil
}

// WriteCSV writes the race in the `saddle run` format:
// opt,iter,evals,f,gnorm,x0,x1,… with full float64 precision.
func (rc *Race) WriteCSV(w io.Writer, stopped func(r *optim.Run)) error {
	cw := csv.NewWriter(w)
	header := []string{"opt", "iter", "evals", "f", "gnorm"}
	for i := range rc.Land.Dim() {
		header = append(header, "x"+strconv.Itoa(i))
	}
	cw.Write(header)
	row := make([]string, len(header))
	err := rc.Step(func(_ int, r *optim.Run) error {
		row[0], row[1], row[2] = r.Spec, strconv.Itoa(r.Iter), strconv.Itoa(r.Evals())
		row[3], row[4] = landscapes.Format(r.F), landscapes.Format(r.GNorm)
		for i, v := range r.X {
			row[5+i] = landscapes.Format(v)
		}
		return cw.Write(row)
	}, stopped)
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return err
}

// WriteJSON streams {"surface", "blur", "start", "steps", "runs": [{"opt",
// "iterates": [{"iter", "evals", "f", "gnorm", "x"}], "status", "reason",
// "evals", "hessian_evals"}]}.
func (rc *Race) WriteJSON(w io.Writer, stopped func(r *optim.Run)) error {
	ew := &errWriter{w: w}
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	fmt.Fprintf(ew, "{\"surface\":%s,\"blur\":%s,\"start\":%s,\"steps\":%d,\"runs\":[", enc(rc.Land.Spec), enc(rc.Land.BlurKind()), enc(rc.Start), rc.Steps)
	type iterate struct {
		Iter  int       `json:"iter"`
		Evals int       `json:"evals"`
		F     float64   `json:"f"`
		GNorm float64   `json:"gnorm"`
		X     []float64 `json:"x"`
	}
	finish := func(r *optim.Run) {
		status := r.Status.String()
		if r.Status == optim.Running {
			status = "completed"
		}
		fmt.Fprintf(ew, "],\"status\":%s,\"reason\":%s,\"evals\":%d,\"hessian_evals\":%d}", enc(status), enc(r.Reason), r.Evals(), r.HessEvals())
	}
	last := -1
	rc.Step(func(i int, r *optim.Run) error {
		if i != last {
			if last >= 0 {
				finish(rc.Runs[last])
				ew.WriteString(",")
			}
			fmt.Fprintf(ew, "{\"opt\":%s,\"iterates\":[", enc(r.Spec))
			last = i
		} else {
			ew.WriteString(",")
		}
		ew.WriteString(enc(iterate{r.Iter, r.Evals(), r.F, r.GNorm, r.X}))
		return ew.err
	}, stopped)
	finish(rc.Runs[last])
	ew.WriteString("]}\n")
	return ew.err
}

// Figure runs the race and returns it as a figure of the given size.
func (rc *Race) Figure(width, height int, stopped func(r *optim.Run)) *Figure {
	fig := &Figure{Land: rc.Land, Width: width, Height: height, Runs: make([]Trajectory, len(rc.Runs))}
	rc.Step(func(i int, r *optim.Run) error {
		fig.Runs[i].Record(r)
		return nil
	}, stopped)
	return fig
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

// handleExport runs the race the query names and sends it as a download:
// GET /export?format=png|svg|pdf|csv|json&surface=SPEC&opt=SPEC&opt=…
// &start=X,Y&steps=N&seed=S&size=WxH. It is the code of `saddle plot` and
// `saddle run`.
func handleExport(maxSteps int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		format := q.Get("format")
		ctype, ok := exportTypes[format]
		if !ok {
			http.Error(w, fmt.Sprintf("format %q is not accepted; accepted: png, svg, pdf, csv, json", format), http.StatusBadRequest)
			return
		}
		spec := RaceSpec{Surface: q.Get("surface"), Opts: q["opt"], Start: q.Get("start"), Steps: 100, Seed: 1}
		var bad []string
		if s := q.Get("steps"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				bad = append(bad, fmt.Sprintf("steps %q is not a whole number", s))
			}
			spec.Steps = n
		}
		if s := q.Get("seed"); s != "" {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				bad = append(bad, fmt.Sprintf("seed %q is not a whole number ≥ 0", s))
			}
			spec.Seed = n
		}
		width, height := 1600, 800
		if s := q.Get("size"); s != "" {
			var err error
			if width, height, err = ParseSize(s); err != nil {
				bad = append(bad, err.Error())
			}
		}
		if len(spec.Opts) > 16 {
			bad = append(bad, fmt.Sprintf("%d optimizers; at most 16 are accepted", len(spec.Opts)))
		}
		if bad != nil {
			http.Error(w, strings.Join(bad, "\n"), http.StatusBadRequest)
			return
		}
		rc, err := spec.Build(maxSteps)
		if err != nil {
			http.Error(w, strings.NewReplacer("--", "").Replace(err.Error()), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", ExportName(rc, format)))
		switch format {
		case "csv":
			err = rc.WriteCSV(w, nil)
		case "json":
			err = rc.WriteJSON(w, nil)
		default:
			err = rc.Figure(width, height, nil).Render(w, format)
		}
		if err != nil {
			http.Error(w, "export failed: "+err.Error(), http.StatusInternalServerError)
		}
	})
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// ExportName is a download's file name: the surface, the optimizers and the
// steps, e.g. saddle-rosenbrock-adam-bfgs-200-steps.png.
func ExportName(rc *Race, ext string) string {
	parts := []string{"saddle", rc.Land.Info.Name}
	for i, r := range rc.Runs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and-%d-more", len(rc.Runs)-3))
			break
		}
		parts = append(parts, r.Info.Name)
	}
	parts = append(parts, fmt.Sprintf("%d-steps", rc.Steps))
	return unsafeName.ReplaceAllString(strings.Join(parts, "-"), "_") + "." + ext
}
