package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
	"github.com/saddle-viz/saddle/race"
)

func export(h http.Handler, ctx context.Context, query string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/export?"+query, nil).WithContext(ctx))
	return rec
}

// An export within its budget is the race; one over it is refused with what
// to change, before or while it runs.
func TestExportBudget(t *testing.T) {
	budget := ExportBudget{Numbers: 10_000, Time: 20 * time.Second, Concurrent: 1}
	h := handleExport(race.DefaultLimits, budget, &exports{})
	bg := context.Background()
	if rec := export(h, bg, "format=csv&surface=rosenbrock&opt=adam&t=100"); rec.Code != 200 || strings.Count(rec.Body.String(), "\n") != 102 {
		t.Errorf("a small export: %d, %d lines", rec.Code, strings.Count(rec.Body.String(), "\n"))
	}
	// Known before it runs: 3 racers × 1001 rows × 7 numbers.
	if rec := export(h, bg, "format=csv&surface=rosenbrock&opt=adam&opt=gd&opt=bfgs&t=1000"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "at most 10000 are accepted") {
		t.Errorf("an export over the budget: %d %q", rec.Code, rec.Body.String())
	}
	// Found while it runs: the time clock gives no bound beforehand.
	if rec := export(h, bg, "format=png&surface=rosenbrock&opt=adam&clock=time&t=1e6"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "more than 10000 numbers") {
		t.Errorf("a time-clock export over the budget: %d %.100q", rec.Code, rec.Body.String())
	}
	// Computing time.
	// (A budget of a microsecond is spent before the first megabyte is
	// written, however fast the machine.)
	slow := handleExport(race.DefaultLimits, ExportBudget{Numbers: 1e9, Time: time.Microsecond, Concurrent: 1}, &exports{})
	if rec := export(slow, bg, "format=json&surface=mlp:data=digits,h1=32,h2=0,batch=0&opt=gd&t=100000"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "takes more than 1µs of computing") {
		t.Errorf("a slow export: %d %.100q", rec.Code, rec.Body.String())
	}
	// A full server answers 503 with Retry-After.
	full := handleExport(race.DefaultLimits, ExportBudget{Numbers: 1e9, Time: time.Minute, Concurrent: 0}, &exports{})
	if rec := export(full, bg, "format=csv&surface=rosenbrock&opt=adam&t=10"); rec.Code != 503 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("a full server: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// When the client goes, the export's work stops with its request.
func TestExportStopsWithItsRequest(t *testing.T) {
	h := handleExport(race.DefaultLimits, ExportBudget{Numbers: 1e12, Time: time.Hour, Concurrent: 1}, &exports{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		defer func() { recover() }() // an abort after the first megabyte breaks the response off
		done <- export(h, ctx, "format=png&surface=mlp:data=digits,h1=32,h2=0,batch=0&opt=gd&t=100000")
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // the whole export would take many minutes
		t.Fatal("the export went on after its client left")
	}
}

// A mistaken query is refused with every mistake named, an unknown parameter
// included, rather than drawn as something else.
func TestExportQueryMistakes(t *testing.T) {
	h := handleExport(race.DefaultLimits, DefaultExportBudget, &exports{})
	rec := export(h, context.Background(), "format=png&surface=rosenbrock&opt=adam&to=300&steps=x&clock=hours")
	body := rec.Body.String()
	for _, want := range []string{`"to" is not a parameter of an export; accepted: format, surface, opt`, `steps "x" is not a number`, `clock "hours" is not accepted`} {
		if rec.Code != 400 || !strings.Contains(body, want) {
			t.Errorf("%d %q: want %q", rec.Code, body, want)
		}
	}
}

// BenchmarkExportPNG is a 1200×900 PNG of a race on a surface (its map,
// contours, three paths and the loss chart), as the page's PNG link asks
// for it.
func BenchmarkExportPNG(b *testing.B) {
	h := handleExport(race.DefaultLimits, DefaultExportBudget, &exports{})
	for b.Loop() {
		rec := export(h, context.Background(), "format=png&size=1200x900&surface=rosenbrock&opt=adam:lr=0.05&opt=momentum:lr=0.0015&opt=bfgs&t=200")
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}

// An averaging racer's export carries its averaged iterates: in the JSON,
// and drawn in the figure; its budget counts them.
func TestExportAveragedIterates(t *testing.T) {
	h := handleExport(race.DefaultLimits, DefaultExportBudget, &exports{})
	rec := export(h, context.Background(), "format=json&surface=quadratic:noise=1&opt=sgd:lr=0.01,average=ema&opt=sgd:lr=0.01&t=50")
	if rec.Code != 200 || strings.Count(rec.Body.String(), `"avg":{"f":`) != 51 {
		t.Errorf("%d: %d averaged iterates in the JSON, want 51", rec.Code, strings.Count(rec.Body.String(), `"avg":{"f":`))
	}
	b := Batch{Surface: "quadratic:noise=1", Opts: []string{"sgd:lr=0.01,average=polyak"}, To: 50}
	p, err := b.Prepare(race.DefaultLimits, 1e5, Flags)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := p.Numbers(); n != 51*(5+2+1+2) {
		t.Errorf("the budget counts %g numbers, want 51 rows of 10", n)
	}
	fig, err := p.Figure(context.Background(), 800, 400, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := fig.Runs[0]; len(r.AvgX) != 51 || len(r.AvgF) != 51 || r.AvgX[50][0] == r.X[50][0] {
		t.Errorf("the figure's averaged path has %d points (%d values), want 51", len(r.AvgX), len(r.AvgF))
	}
}

// Racers of their own models have their own number of weights: the CSV's
// header has the most, and a racer of fewer leaves the rest empty.
func TestCSVOfRacersOfTheirOwnModels(t *testing.T) {
	b := Batch{Surface: "mlp:data=moons,n=40,h1=3,h2=0,batch=8", Opts: []string{"sgd:lr=0.1", "sgd:lr=0.1,batchnorm=true"}, To: 2}
	p, err := b.Prepare(race.DefaultLimits, 1e5, Flags)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := p.WriteCSV(context.Background(), &out, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 2-3-2: 17 weights; with γ and β for the 3 hidden units, 23.
	if len(rows) != 7 || len(rows[0]) != 5+23 || rows[0][len(rows[0])-1] != "x22" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if plain, own := rows[1], rows[4]; plain[5+16] == "" || plain[5+17] != "" || own[5+22] == "" {
		t.Errorf("the plain racer's row %v; the normalized racer's %v", plain[5:], own[5:])
	}
}

// A batch on uploaded data lets go of it once it has run: the engines that
// check and run it hold the data only meanwhile, so that it is forgotten on
// time after its session.
func TestBatchReleasesUploadedData(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i, (i*7)%11, i%2)
	}
	u, err := nets.ReadCSV("batch.csv", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if u, err = landscapes.Upload(u); err != nil {
		t.Fatal(err)
	}
	p, err := Batch{Surface: "mlp:data=csv,h1=3,h2=0,csv=" + u.ID, Opts: []string{"sgd:lr=0.1", "adam"}, To: 3}.Prepare(race.DefaultLimits, 1e5, Flags)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteCSV(context.Background(), io.Discard, nil); err != nil {
		t.Fatal(err)
	}
	if n := landscapes.Holds(u.ID); n != 0 {
		t.Errorf("after the batch ran, its data is held %d times", n)
	}
}
