package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// saddle runs the command line as a user would and returns its output and
// exit status.
func saddle(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	if err != nil {
		errOut.WriteString("saddle: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), exitCode(err)
}

func TestRunCSV(t *testing.T) {
	out, stderr, code := saddle(t, "run", "--surface", "rosenbrock", "--opt", "adam:lr=0.05,beta1=0.8", "--opt", "bfgs", "--steps", "20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "opt,iter,evals,f,gnorm,x0,x1" {
		t.Errorf("header %q", got)
	}
	if !strings.Contains(out, "\"adam:lr=0.05,beta1=0.8\",0,0,24.199999999999996,") {
		t.Errorf("the spec with a comma must be quoted and the start printed as iter 0 with evals 0:\n%s", out[:200])
	}
	var adam, bfgs int
	for _, r := range rows[1:] {
		switch r[0] {
		case "adam:lr=0.05,beta1=0.8":
			if r[1] != strconv.Itoa(adam) || r[2] != strconv.Itoa(adam) {
				t.Errorf("adam row %v: want iter = evals = %d", r, adam)
			}
			adam++
		case "bfgs":
			bfgs++
		}
	}
	if adam != 21 || bfgs != 21 {
		t.Errorf("%d adam rows and %d bfgs rows, want 21 each", adam, bfgs)
	}
	// bfgs counts its first evaluation and every probe.
	last := rows[len(rows)-1]
	if n, _ := strconv.Atoi(last[2]); n <= 20 {
		t.Errorf("bfgs used %d evaluations in 20 steps; a line search needs more than one each", n)
	}
}

// TestRunReproducesGolden runs the golden rows through the command line:
// the printed numbers must parse back to PyTorch's within 1e-9.
func TestRunReproducesGolden(t *testing.T) {
	data, err := os.ReadFile("optim/testdata/golden.csv")
	if err != nil {
		t.Fatal(err)
	}
	golden, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
	want := map[[3]string][]string{}
	runs := map[[2]string]bool{}
	for _, g := range golden[1:] {
		want[[3]string{g[0], g[1], g[2]}] = g[3:]
		runs[[2]string{g[0], g[1]}] = true
	}
	matched := 0
	for run := range runs {
		out, stderr, code := saddle(t, "run", "--surface", run[0], "--opt", run[1], "--steps", "20")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
		for _, r := range rows[1:] {
			w, ok := want[[3]string{run[0], r[0], r[1]}]
			if !ok {
				t.Errorf("%s on %s printed row %s, which PyTorch's output has no row for", r[0], run[0], r[1])
				continue
			}
			matched++
			got := []string{r[3], r[4], r[5], r[6]}
			for i := range w {
				a, _ := strconv.ParseFloat(got[i], 64)
				b, _ := strconv.ParseFloat(w[i], 64)
				if math.Abs(a-b) > 1e-9*math.Abs(b)+1e-15 {
					t.Errorf("%s %s iter %s: column %d is %s, PyTorch %s", run[0], r[0], r[1], i, got[i], w[i])
				}
			}
		}
	}
	if matched != len(golden)-1 {
		t.Errorf("compared %d rows with PyTorch's; the golden file has %d", matched, len(golden)-1)
	}
}

func TestRunJSON(t *testing.T) {
	out, _, code := saddle(t, "run", "--surface", "saddle", "--opt", "newton", "--opt", "gd:lr=0.1", "--steps", "3", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Surface string `json:"surface"`
		Runs    []struct {
			Opt          string `json:"opt"`
			Status       string `json:"status"`
			HessianEvals int    `json:"hessian_evals"`
			Iterates     []struct {
				Iter  int       `json:"iter"`
				Evals int       `json:"evals"`
				F     float64   `json:"f"`
				X     []float64 `json:"x"`
			} `json:"iterates"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(doc.Runs) != 2 || doc.Runs[0].Opt != "newton" || len(doc.Runs[0].Iterates) != 4 || doc.Runs[0].HessianEvals != 3 || doc.Runs[1].Status != "completed" {
		t.Errorf("unexpected document: %+v", doc)
	}
}

func TestRunReportsDivergenceAndGoesOn(t *testing.T) {
	out, stderr, code := saddle(t, "run", "--surface", "rosenbrock", "--opt", "gd:lr=0.1", "--opt", "adam", "--steps", "50")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "gd:lr=0.1 diverged after iteration") {
		t.Errorf("stderr does not report the divergence: %q", stderr)
	}
	rows, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	var gdRows, adamRows int
	for _, r := range rows[1:] {
		for _, v := range r[3:] {
			if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				t.Fatalf("non-finite value printed: %v", r)
			}
		}
		if r[0] == "adam" {
			adamRows++
		} else {
			gdRows++
		}
	}
	if gdRows == 0 || gdRows >= 51 || adamRows != 51 {
		t.Errorf("gd printed %d rows (want its finite ones only), adam %d (want 51)", gdRows, adamRows)
	}
}

func TestEval(t *testing.T) {
	out, _, code := saddle(t, "eval", "--surface", "saddle", "--at", "0,0")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := `{"f":0,"grad":[0,0],"hessian":[[2,0],[0,-1]],"eigenvalues":[-1,2]}` + "\n"
	if out != want {
		t.Errorf("eval printed %s, want %s", out, want)
	}
	out, _, _ = saddle(t, "eval", "--surface", "quadratic:kappa=4,angle=90", "--at", "1,2")
	var p struct {
		F           float64
		Eigenvalues []float64
	}
	json.Unmarshal([]byte(out), &p)
	// angle 90 swaps the axes: A = diag(4, 1), f = ½(4·1 + 1·4) = 4.
	if math.Abs(p.F-4) > 1e-12 || math.Abs(p.Eigenvalues[0]-1) > 1e-12 || math.Abs(p.Eigenvalues[1]-4) > 1e-12 {
		t.Errorf("eval quadratic: %s", out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--opt", "adam"}, "--surface is required; accepted surfaces: quadratic, rosenbrock"},
		{[]string{"run", "--surface", "rosenbrock"}, "at least one --opt is required; accepted optimizers: gd, sgd"},
		{[]string{"run", "--surface", "rosenbrok", "--opt", "adam"}, `unknown surface "rosenbrok"; accepted: `},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam:lr=abc"}, "lr=abc is not accepted; lr takes a number in [0, 100]"},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--opt", "adm"}, `unknown optimizer "adm"`},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--start", "1,NaN"}, "coordinate 2, \"NaN\", is not accepted"},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--start", "1,2,3"}, "has 3 coordinates; this surface needs 2"},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--start", "1e400,0"}, "is not accepted; each coordinate must be a finite number"},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--steps", "99999999"}, "--steps 99999999 is out of range"},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--format", "xml"}, `--format "xml" is not accepted; accepted: csv, json`},
		{[]string{"run", "--surface", "rosenbrock", "--opt", "adam", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"eval", "--surface", "rosenbrock"}, "eval needs --surface SPEC and --at X,Y"},
		{[]string{"eval", "--surface", "rosenbrock", "--at", "1e150,1e150"}, "not finite"},
		{[]string{"plot", "--surface", "rosenbrock", "--opt", "adam", "-o", "x.gif"}, "give a file name ending in .png, .svg or .pdf"},
		{[]string{"plot", "--surface", "rosenbrock", "--opt", "adam", "-o", "x.png", "--size", "10x10"}, "--size \"10x10\" is not accepted"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		_, stderr, code := saddle(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("saddle %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
}

// A command's --help prints its flags and stops there: serve does not start
// serving, run does not complain of a missing --surface.
func TestHelpStopsThere(t *testing.T) {
	for _, cmd := range []string{"serve", "run", "eval", "plot"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a serve that started anyway would stop at once, and say it served
		var out, errOut bytes.Buffer
		err := run(ctx, []string{cmd, "--help"}, func(string) string { return "" }, &out, &errOut)
		if err != nil || exitCode(err) != 0 || !strings.Contains(errOut.String(), "Usage of saddle "+cmd) || strings.Contains(out.String(), "serving") {
			t.Errorf("saddle %s --help: %v (exit %d), stdout %q, stderr %.80q", cmd, err, exitCode(err), out.String(), errOut.String())
		}
	}
}

func TestPlotWritesEveryFormat(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{"png", "svg", "pdf"} {
		name := filepath.Join(dir, "race."+ext)
		_, stderr, code := saddle(t, "plot", "--surface", "rosenbrock", "--opt", "adam:lr=0.05", "--opt", "bfgs", "--opt", "gd:lr=0.1", "--steps", "60", "-o", name, "--size", "1200x600")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", ext, code, stderr)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		switch ext {
		case "png":
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil || img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 600 {
				t.Errorf("png: %v, size %v; want a 1200×600 PNG", err, img.Bounds())
			}
		case "svg":
			var doc struct{ XMLName xml.Name }
			if err := xml.Unmarshal(data, &doc); err != nil || doc.XMLName.Local != "svg" || !bytes.Contains(data, []byte("adam:lr=0.05")) {
				t.Errorf("svg: %v, root %q; want an SVG document with the legend", err, doc.XMLName.Local)
			}
		case "pdf":
			if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data[len(data)-32:], []byte("%%EOF")) {
				t.Errorf("pdf: not a complete PDF file")
			}
		}
	}
}

func TestList(t *testing.T) {
	out, _, code := saddle(t, "list")
	if code != 0 {
		t.Fatal("list failed")
	}
	for _, name := range []string{"quadratic", "symmetry", "quadratic-nd", "blur=0", "adam", "natural-gradient", "coordinate-descent", "mode=exact", "schedule=constant", "beta1=0.9"} {
		if !strings.Contains(out, name) {
			t.Errorf("list does not mention %q", name)
		}
	}
}

// BenchmarkRunFirstOrder is `saddle run` of every first-order optimizer for
// 10,000 steps each on rosenbrock, CSV to a discarded writer.
func BenchmarkRunFirstOrder(b *testing.B) {
	args := []string{"run", "--surface", "rosenbrock", "--steps", "10000"}
	for _, spec := range []string{"gd:lr=0.0005", "sgd:lr=0.0005", "momentum:lr=0.0005", "nesterov:lr=0.0005", "adagrad", "rmsprop:lr=0.001", "adam", "adamw", "adadelta", "rprop:lr=0.001", "delta-bar-delta:lr=0.0005,kappa=0.00001", "nesterov-lookahead:lr=0.0005", "coordinate-descent:mode=gradient,lr=0.001"} {
		args = append(args, "--opt", spec)
	}
	for b.Loop() {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(out.Len()))
	}
}

func TestRunAndPlotANetwork(t *testing.T) {
	args := []string{"run", "--surface", "mlp:data=moons,n=120,h1=8,h2=0,batch=16", "--opt", "adam:lr=0.02", "--opt", "sgd:lr=0.2,momentum=0.9", "--steps", "60", "--seed", "3"}
	a, stderr, code := saddle(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _, _ := saddle(t, args...)
	if a != b {
		t.Error("the same seed gave a different run")
	}
	rows, _ := csv.NewReader(strings.NewReader(a)).ReadAll()
	if len(rows[0]) != 5+2*8+8+8*2+2 || len(rows) != 1+2*61 {
		t.Fatalf("%d columns and %d rows", len(rows[0]), len(rows))
	}
	first, _ := strconv.ParseFloat(rows[1][3], 64)
	last, _ := strconv.ParseFloat(rows[61][3], 64)
	if !(last < first/2) {
		t.Errorf("adam's training loss went from %g to %g in 60 minibatch steps", first, last)
	}
	c, _, _ := saddle(t, append(args[:len(args)-2], "--seed", "4")...)
	if c == a {
		t.Error("another seed gave the same minibatches")
	}
	name := filepath.Join(t.TempDir(), "net.png")
	if _, stderr, code := saddle(t, append([]string{"plot", "-o", name}, args[1:]...)...); code != 0 {
		t.Fatalf("plot: exit %d: %s", code, stderr)
	}
}

// TestShutdownStopsAllWork: SIGTERM (the context's end) while a session
// tunes, another slices and an export runs: the server stops everything and
// returns no error, which it does only if every session and request ended
// within the shutdown's 5 s.
func TestShutdownStopsAllWork(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := regexp.MustCompile(`http://[0-9.:]+`).FindString(line)
	digits := `"surface":"mlp:data=digits,h1=32,h2=0","racers":[{"id":"a","opt":"adam:lr=0.01"},{"id":"b","opt":"sgd:lr=0.1"}]`
	for _, job := range []string{
		`{"type":"tune","tune":{"trials":30,"steps":5000,"target":"val"}}`,
		`{"type":"slice","id":"a","slice":{"kind":"random","n":101,"range":1}}`,
	} {
		conn, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(url, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		conn.SetReadLimit(1 << 26)
		// The pause after the job is answered once the job is under way.
		for _, m := range []string{`{"type":"configure",` + digits + `}`, `{"type":"play"}`, job, `{"type":"pause","req":"after"}`} {
			if err := conn.Write(context.Background(), websocket.MessageText, []byte(m)); err != nil {
				t.Fatal(err)
			}
		}
		for paused := false; !paused; {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			paused = bytes.Contains(data, []byte(`"type":"state"`)) && bytes.Contains(data, []byte(`"playing":false`))
		}
		go func() {
			for {
				if _, _, err := conn.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	// An export of about 200 s of work (it would stop at its 20 s budget).
	exported := make(chan struct{})
	go func() {
		defer close(exported)
		resp, err := http.Get(url + "/export?format=csv&surface=rnn:steps=100,n=5000,batch=0&opt=sgd&t=1000")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	for running := false; !running; {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		var h struct{ Sessions, Exports int }
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		running = h.Sessions == 2 && h.Exports == 1
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("the server ended with %v; want no error (every session and request ended within the shutdown)", err)
	}
	<-exported
}

// The Deployment's arguments are ones `saddle serve` accepts, with the
// values it says (a flag renamed here must be renamed there).
func TestDeploymentArgsAreServeFlags(t *testing.T) {
	b, err := os.ReadFile("deploy/k8s/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "args:":
			in = true
		case in && strings.HasPrefix(trimmed, "- "):
			args = append(args, strings.TrimPrefix(trimmed, "- "))
		case in && !strings.HasPrefix(trimmed, "#"):
			in = false
		}
	}
	if len(args) < 2 || args[0] != "serve" {
		t.Fatalf("the Deployment's args %q do not start with serve", args)
	}
	o, err := serveOptions(args[1:], func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatalf("saddle serve refuses the Deployment's args %q: %v", args, err)
	}
	if o.Addr != ":8080" || o.MaxSessions != 2000 || o.MaxPerClient != 2000 || len(o.AllowHosts) != 1 {
		t.Errorf("the Deployment's args %q read as %+v", args, o)
	}
}

// An averaging racer's JSON iterates carry the averaged iterate; its CSV is
// the `saddle run` format unchanged.
func TestRunJSONCarriesTheAverage(t *testing.T) {
	out, _, code := saddle(t, "run", "--surface", "quadratic", "--opt", "gd:lr=0.01,average=polyak", "--opt", "gd:lr=0.01", "--steps", "2", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	type avg struct {
		F float64   `json:"f"`
		X []float64 `json:"x"`
	}
	var doc struct {
		Runs []struct {
			Iterates []struct {
				X   []float64 `json:"x"`
				Avg *avg      `json:"avg"`
			} `json:"iterates"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	its := doc.Runs[0].Iterates
	if len(its) != 3 || doc.Runs[1].Iterates[2].Avg != nil {
		t.Fatalf("unexpected document: %s", out)
	}
	for k, it := range its {
		var mean [2]float64
		for _, p := range its[:k+1] {
			mean[0] += p.X[0] / float64(k+1)
			mean[1] += p.X[1] / float64(k+1)
		}
		if it.Avg == nil || math.Abs(it.Avg.X[0]-mean[0]) > 1e-15 || math.Abs(it.Avg.X[1]-mean[1]) > 1e-15 {
			t.Errorf("iterate %d: avg %+v, the mean of the iterates so far is %v", k, it.Avg, mean)
		}
	}
	csvOut, _, _ := saddle(t, "run", "--surface", "quadratic", "--opt", "gd:lr=0.01,average=polyak", "--steps", "2")
	if head := strings.SplitN(csvOut, "\n", 2)[0]; head != "opt,iter,evals,f,gnorm,x0,x1" {
		t.Errorf("the CSV header is %q", head)
	}
}

// --data FILE trains an MLP on the file's points; the JSON carries them,
// so that the file alone shares the race; bad files and surfaces that
// cannot take data are usage errors that say what to fix.
func TestRunOnYourOwnData(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y,label\n")
	for i := range 60 {
		c := i % 2
		fmt.Fprintf(&b, "%d,%g,%s\n", 100+50*c+i%7, 3+0.1*float64(i%5), []string{"no", "yes"}[c])
	}
	good := filepath.Join(dir, "points.csv")
	os.WriteFile(good, []byte(b.String()), 0o644)
	out, stderr, code := saddle(t, "run", "--data", good, "--surface", "mlp:h1=4,h2=0", "--opt", "adam:lr=0.05", "--steps", "150", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Surface string `json:"surface"`
		Data    struct {
			Name, ID, CSV string
		} `json:"data"`
		Runs []struct {
			Iterates []struct {
				F float64 `json:"f"`
			} `json:"iterates"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Surface != "mlp:data=csv,h1=4,h2=0,csv="+doc.Data.ID || doc.Data.Name != "points.csv" || strings.Count(doc.Data.CSV, "\n") != 61 || !strings.HasPrefix(doc.Data.CSV, "x,y,label\n100,3,no\n") {
		t.Errorf("surface %q, data %+v", doc.Surface, doc.Data)
	}
	its := doc.Runs[0].Iterates
	if first, last := its[0].F, its[len(its)-1].F; !(math.Abs(first-math.Log(2)) < 0.3 && last < 0.05) {
		t.Errorf("the loss went from %g to %g; want it to learn two separated classes", first, last)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("x,y,label\n1,2,a\n3,four,b\n"), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--data", bad, "--opt", "adam"}, "--data " + bad + `: line 3, column 2: y is "four", not a number`},
		{[]string{"run", "--data", filepath.Join(dir, "none.csv"), "--opt", "adam"}, "--data: open " + filepath.Join(dir, "none.csv") + ": no such file or directory"},
		{[]string{"run", "--data", good, "--surface", "rosenbrock", "--opt", "adam"}, "--surface with --data: uploaded data trains a network: the surface is mlp (with any of its settings), not rosenbrock"},
		{[]string{"run", "--data", good, "--surface", "mlp:data=iris", "--opt", "adam"}, "the surface names data=iris and uploaded data too: leave out data=, or leave out the file"},
		{[]string{"run", "--surface", "mlp:data=csv", "--opt", "adam"}, "data=csv trains on an uploaded file: upload one from the page (Your data…), or give --data FILE to the command line"},
		{[]string{"run", "--surface", "mlp:data=csv,csv=0123456789abcdef", "--opt", "adam"}, "the uploaded data csv=0123456789abcdef is not on this server"},
		{[]string{"run", "--surface", "mlp:data=csv,csv=xyz", "--opt", "adam"}, `csv: "xyz" is not 16 hex digits`},
	} {
		_, stderr, code := saddle(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("saddle %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
}

// The JSON says what each method carries at its last iterate: after four
// BFGS steps on the quadratic its inverse-Hessian approximation is A⁻¹
// (A = R diag(1, 25) Rᵀ, rotated 30°), momentum carries a velocity, Adam a
// velocity and a scale, gradient descent nothing.
func TestRunJSONSaysWhatTheMethodCarries(t *testing.T) {
	out, _, code := saddle(t, "run", "--surface", "quadratic", "--opt", "bfgs", "--opt", "momentum:lr=0.01,momentum=0.9", "--opt", "adam:lr=0.1", "--opt", "gd:lr=0.01", "--start", "-4,3", "--steps", "4", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Runs []struct {
			Inside *struct {
				Velocity, Scale []float64
				InvHess         []float64 `json:"inv_hess"`
				Lines           [][]float64
			} `json:"inside"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	c, s := math.Cos(math.Pi/6), math.Sin(math.Pi/6)
	inv := []float64{c*c + s*s/25, c * s * (1 - 1.0/25), c * s * (1 - 1.0/25), s*s + c*c/25}
	b, m, a, g := doc.Runs[0].Inside, doc.Runs[1].Inside, doc.Runs[2].Inside, doc.Runs[3].Inside
	if b == nil || len(b.InvHess) != 4 || len(b.Lines) != 3 {
		t.Fatalf("bfgs carries %+v", b)
	}
	for i := range inv {
		if math.Abs(b.InvHess[i]-inv[i]) > 1e-3 {
			t.Errorf("bfgs's inverse Hessian %v; A⁻¹ = %v", b.InvHess, inv)
			break
		}
	}
	if m == nil || len(m.Velocity) != 2 || a == nil || len(a.Scale) != 2 || len(a.Velocity) != 2 || g != nil {
		t.Errorf("momentum carries %+v, adam %+v, gd %+v", m, a, g)
	}
}
