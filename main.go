// Command saddle runs optimizers for deep learning on exact surfaces and lets
// people watch them: `saddle` (or `saddle serve`) starts the browser app;
// `saddle run`, `eval`, `plot` and `list` work from the command line.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/optim"
	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/spec"
	"github.com/saddle-viz/saddle/stream"
	"github.com/saddle-viz/saddle/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "saddle:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is 0 on success, 2 for a mistake in the command line, 1 otherwise.
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ error }

func usage(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

const help = `saddle: watch optimizers for deep learning at work.

  saddle [serve] [--addr localhost:8080] [--allow-origin PATTERN] [--max-sessions N] [--max-steps N]
                                           start the app in the browser (SADDLE_ADDR sets the address too)
  saddle run  --surface SPEC --opt SPEC [--opt SPEC ...] [--start X,Y] [--steps N] [--seed S] [--format csv|json]
  saddle eval --surface SPEC --at X,Y
  saddle plot --surface SPEC --opt SPEC [...] -o FILE.png|.svg|.pdf [--size WxH] [--start X,Y] [--steps N] [--seed S]
  saddle list                              surfaces and optimizers with their parameters

run and plot take --data FILE.csv: your own 2-D points (x,y,label or x,y,target) for an mlp surface.

A SPEC is NAME or NAME:key=value,key=value, for example rosenbrock:b=100 or adam:lr=0.05,beta1=0.8.
`

// run is the whole program; main only calls it, and tests call it too. A
// command asked for its --help prints its flags and does nothing else.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := command(ctx, args, getenv, stdout, stderr); !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

// errHelp is a command's --help: its usage is printed, and it stops there.
var errHelp = errors.New("help was asked for")

func command(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, nil, getenv, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "run":
		return runCommand(ctx, args[1:], stdout, stderr)
	case "eval":
		return evalCommand(args[1:], stdout, stderr)
	case "plot":
		return plotCommand(ctx, args[1:], stdout, stderr)
	case "list":
		return listCommand(stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, help)
		return nil
	}
	if strings.HasPrefix(args[0], "-") {
		return serve(ctx, args, getenv, stdout, stderr)
	}
	return usage("unknown command %q; accepted: serve, run, eval, plot, list, help", args[0])
}

// specList collects a repeated flag.
type specList []string

func (s *specList) String() string     { return strings.Join(*s, " ") }
func (s *specList) Set(v string) error { *s = append(*s, v); return nil }

// raceFlags are the arguments that run and plot share.
type raceFlags struct {
	surface string
	opts    specList
	start   string
	steps   int
	seed    uint64
	data    string
}

func (r *raceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.surface, "surface", "", "surface `SPEC`, e.g. rosenbrock:b=100")
	fs.Var(&r.opts, "opt", "optimizer `SPEC`, e.g. adam:lr=0.05 (repeat for more)")
	fs.StringVar(&r.start, "start", "", "start point `X,Y` (default: the surface's default start)")
	fs.IntVar(&r.steps, "steps", 100, "number of steps `N`")
	fs.Uint64Var(&r.seed, "seed", 1, "seed `S` of the gradient noise")
	fs.StringVar(&r.data, "data", "", "your own points: a CSV `FILE` of x,y,label (or x,y,target) to train an mlp surface on (it sets data=csv,csv=ID)")
}

// maxSteps bounds a command-line run (16 optimizers × 1e6 rows is already
// a large file).
const maxSteps = 1_000_000

// prepare checks the race's specs; a mistake is a usage error.
func (r *raceFlags) prepare() (*web.Prepared, error) {
	if r.data != "" {
		surface, err := readData(r.data, r.surface)
		if err != nil {
			return nil, err
		}
		r.surface = surface
	}
	lim := race.DefaultLimits
	lim.MaxSteps = maxSteps
	p, err := web.Batch{Surface: r.surface, Opts: r.opts, Start: r.start, To: float64(r.steps), Seed: r.seed}.Prepare(lim, maxSteps, web.Flags)
	return p, asUsage(err)
}

// readData reads a CSV file of points, keeps it for this process, and
// returns the surface spec that trains on it.
func readData(file, surface string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", usage("--data: %v", err)
	}
	defer f.Close()
	u, err := nets.ReadCSV(filepath.Base(file), f)
	var ce *nets.CSVError
	if errors.As(err, &ce) {
		return "", usage("--data %s: %v", file, err)
	}
	if err != nil {
		return "", fmt.Errorf("--data %s: %w", file, err)
	}
	if u, err = landscapes.Upload(u); err != nil {
		return "", err
	}
	on, err := landscapes.OnUpload(surface, u.ID)
	if err != nil {
		return "", usage("--surface with --data: %v", err)
	}
	return on, nil
}

// asUsage turns a mistake in the input into a usage error (exit status 2).
func asUsage(err error) error {
	var in *web.InputError
	if errors.As(err, &in) {
		return usageError{err}
	}
	return err
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("saddle "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// tellStopped says on stderr that a run ended before its last step.
func tellStopped(stderr io.Writer) func(opt string, e web.End) {
	return func(opt string, e web.End) {
		fmt.Fprintf(stderr, "saddle: %s %s after iteration %d: %s\n", opt, e.Status, e.Iter, e.Reason)
	}
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	var rf raceFlags
	rf.register(fs)
	format := fs.String("format", "csv", "output `format`: csv or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" {
		return usage("--format %q is not accepted; accepted: csv, json", *format)
	}
	p, err := rf.prepare()
	if err != nil {
		return err
	}
	if *format == "json" {
		return p.WriteJSON(ctx, stdout, tellStopped(stderr))
	}
	return p.WriteCSV(ctx, stdout, tellStopped(stderr))
}

func evalCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	surface := fs.String("surface", "", "surface `SPEC`")
	at := fs.String("at", "", "the point `X,Y`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *surface == "" || *at == "" {
		return usage("eval needs --surface SPEC and --at X,Y; accepted surfaces: %s", landscapes.Names())
	}
	land, err := landscapes.Build(*surface)
	if err != nil {
		return usage("--surface %v", err)
	}
	x, err := web.ParsePoint("--at", *at, land.Dim(), 1e150)
	if err != nil {
		return asUsage(err)
	}
	out, err := landscapes.Evaluate(land, x)
	if err != nil {
		return usage("--at %s: %v", *at, err)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

func plotCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", stderr)
	var rf raceFlags
	rf.register(fs)
	out := fs.String("o", "", "output `FILE`: .png, .svg or .pdf")
	size := fs.String("size", "1600x800", "image size `WxH` in pixels (at 144 per inch for SVG and PDF)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	format, ok := web.PlotFormat(*out)
	if !ok {
		return usage("-o %q: give a file name ending in .png, .svg or .pdf", *out)
	}
	w, h, err := web.ParseSize(*size)
	if err != nil {
		return usageError{err}
	}
	p, err := rf.prepare()
	if err != nil {
		return err
	}
	fig, err := p.Figure(ctx, w, h, tellStopped(stderr))
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := fig.Render(f, format); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "saddle: wrote %s\n", *out)
	return nil
}

func listCommand(stdout io.Writer) error {
	w := &bytes.Buffer{}
	w.WriteString("Surfaces (every surface also takes blur and noise):\n\n")
	for _, in := range landscapes.Surfaces() {
		kind := ""
		if !in.Canonical {
			kind = " [extra]"
		}
		fmt.Fprintf(w, "  %s%s: %s\n", in.Name, kind, in.Title)
		writeParams(w, in.Params)
	}
	writeParams(w, landscapes.CommonParams())
	w.WriteString("\nOptimizers:\n\n")
	for _, in := range optim.Optimizers() {
		fmt.Fprintf(w, "  %s (%s): %s\n", in.Name, in.Family, in.Title)
		writeParams(w, in.Params)
		if in.Modifiers {
			w.WriteString("      + the modifiers below\n")
		}
	}
	w.WriteString("\nModifiers of the first-order optimizers:\n\n")
	writeParams(w, optim.ModifierParams())
	_, err := w.WriteTo(stdout)
	return err
}

func writeParams(w io.Writer, params []spec.Param) {
	for _, p := range params {
		fmt.Fprintf(w, "      %-26s %s; %s\n", p.Name+"="+p.DefaultString(), p.Doc, p.Accepts())
	}
}

// serve starts the browser app and runs until ctx is done.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := serveOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	return web.Serve(ctx, o, stdout)
}

// serveOptions reads serve's flags (and SADDLE_ADDR) into the server's
// options, every value checked.
func serveOptions(args []string, getenv func(string) string, stderr io.Writer) (web.Options, error) {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "localhost:8080", "listen `address`")
	var origins, hosts specList
	fs.Var(&hosts, "allow-host", "a `name` (or pattern, e.g. \"*.example.org\") besides IP addresses, localhost and this machine's name that the server may be reached by (repeat for more)")
	fs.Var(&origins, "allow-origin", "a foreign `origin` pattern allowed to open the websocket, e.g. \"*.example.org\" (repeat for more; default: same origin only)")
	maxSessions := fs.Int("max-sessions", 1000, "most websocket sessions at once (`N`; two cores hold 2,000 at 30 frames a second, docs/performance.md)")
	perClient := fs.Int("max-sessions-per-client", stream.DefaultMaxPerClient, "most sessions of one client address (`N`; a class behind one NAT address needs more)")
	idle := fs.Duration("idle-timeout", stream.DefaultIdleTimeout, "close a session that neither runs a race nor sends for this `long` (0: never)")
	maxSteps := fs.Int("max-steps", race.DefaultLimits.MaxSteps, "most iterations of one racer in one race (`N`)")
	if err := parseFlags(fs, args); err != nil {
		return web.Options{}, err
	}
	if *maxSessions < 1 || *maxSessions > 100000 {
		return web.Options{}, usage("--max-sessions %d is out of range; accepted: 1 to 100000", *maxSessions)
	}
	if *perClient < 1 || *perClient > 100000 {
		return web.Options{}, usage("--max-sessions-per-client %d is out of range; accepted: 1 to 100000", *perClient)
	}
	if *idle < 0 {
		return web.Options{}, usage("--idle-timeout %s is not accepted; give a duration ≥ 0 such as 10m", *idle)
	}
	if *maxSteps < 1 || *maxSteps > 100_000_000 {
		return web.Options{}, usage("--max-steps %d is out of range; accepted: 1 to 100000000", *maxSteps)
	}
	if v := getenv("SADDLE_ADDR"); v != "" && !flagGiven(fs, "addr") {
		*addr = v
	}
	lim := race.DefaultLimits
	lim.MaxSteps = *maxSteps
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return web.Options{Addr: *addr, AllowOrigins: splitList(origins), AllowHosts: splitList(hosts), MaxSessions: *maxSessions, MaxPerClient: *perClient, IdleTimeout: *idle, Limits: lim, Log: log}, nil
}

// splitList reads a repeated flag whose values may also be comma-separated.
func splitList(values specList) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
