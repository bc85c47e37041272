package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/optim"
	"github.com/saddle-viz/saddle/race"
	"github.com/saddle-viz/saddle/stream"
	pages "github.com/saddle-viz/saddle/templ"
)

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(routes(stream.NewHub(race.DefaultLimits, 4, nil, log), log, nil))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRoutes(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		path, contentType string
		status            int
		contains          string
	}{
		{"/healthz", "application/json", 200, `"status":"ok"`},
		{"/static/app.js", "text/javascript", 200, "import { Connection }"},
		{"/static/style.css", "text/css", 200, ":focus-visible"},
		{"/static/nope.js", "", 404, ""},
		{"/static/", "", 404, ""}, // no listing
		{"/static/icon.svg", "image/svg+xml", 200, "<svg"},
		{"/favicon.ico", "image/svg+xml", 200, "<svg"},
		{"/api/registry", "application/json", 200, `"name":"rosenbrock"`},
		{"/nope", "", 404, ""},
	}
	for _, tt := range tests {
		resp, body := get(t, srv.URL+tt.path)
		if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s: %d %q, want %d %q containing %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.contentType, tt.contains)
		}
	}
}

func TestPageIsBuiltFromTheRegistries(t *testing.T) {
	resp, body := get(t, testServer(t).URL+"/")
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(resp.Header.Get("Content-Security-Policy"))
	if nonce == nil || !strings.Contains(body, `<script type="module" src="/static/app.js" nonce="`+nonce[1]+`">`) {
		t.Error("the module script does not carry the CSP nonce")
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Error("the page refers to another site; everything must be served from here")
	}
	for _, in := range landscapes.Surfaces() {
		if !strings.Contains(body, `<option value="`+in.Name+`">`) {
			t.Errorf("the surface menu lacks %s", in.Name)
		}
	}
	for _, in := range optim.Optimizers() {
		if !strings.Contains(body, `<template id="formula-`+in.Name+`">`) {
			t.Errorf("no formula template for %s", in.Name)
		}
	}
	if !strings.Contains(body, `<math display="block">`) {
		t.Error("no MathML on the page")
	}
	m := regexp.MustCompile(`(?s)<script id="registry" type="application/json"[^>]*>(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no registry on the page")
	}
	var reg pages.Registry
	if err := json.Unmarshal([]byte(m[1]), &reg); err != nil {
		t.Fatal(err)
	}
	if len(reg.Surfaces) != len(landscapes.Surfaces()) || len(reg.Optimizers) != len(optim.Optimizers()) || len(reg.Colors) != 8 {
		t.Errorf("the registry has %d surfaces, %d optimizers, %d colours", len(reg.Surfaces), len(reg.Optimizers), len(reg.Colors))
	}
}

// A page on evil.com whose name resolves to this machine gets no websocket
// (it sends Host: evil.com), and a foreign page cannot make it export.
func TestDNSRebindingAndForeignExportsAreRefused(t *testing.T) {
	srv := testServer(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	req, _ := http.NewRequest("GET", srv.URL+"/ws", nil)
	req.Host = "evil.com:" + port
	for k, v := range map[string]string{"Origin": "http://evil.com:" + port, "Connection": "Upgrade", "Upgrade": "websocket",
		"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a websocket for Host evil.com got %d, want 421", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/export?format=csv&surface=quadratic&opt=gd&t=3", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an export from a foreign origin got %d, want 403", resp.StatusCode)
	}
}

func TestStaticAnswersOnlyGetAndHead(t *testing.T) {
	srv := testServer(t)
	for _, method := range []string{"POST", "PUT", "DELETE"} {
		req, _ := http.NewRequest(method, srv.URL+"/static/app.js", strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /static/app.js: %d, want 405", method, resp.StatusCode)
		}
	}
	resp, err := http.Head(srv.URL + "/static/app.js")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD /static/app.js: %v %v", resp, err)
	}
}

// /metrics says, in the Prometheus format, how many sessions are open, how
// many frames went out and how the exports went.
func TestMetrics(t *testing.T) {
	srv := testServer(t)
	ctx := t.Context()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 22) // the surface's grid
	c.Write(ctx, websocket.MessageText, []byte(`{"type":"configure","surface":"rosenbrock","racers":[{"opt":"adam"}]}`))
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for frames := 0; frames < 1; { // the racer at its start
		_, data, err := c.Read(rctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(data), `{"type":"frame"`) {
			frames++
		}
	}
	get(t, srv.URL+"/export?format=csv&surface=quadratic&opt=gd&t=3")
	get(t, srv.URL+"/export?format=xml")
	_, body := get(t, srv.URL+"/metrics")
	for _, want := range []string{`saddle_sessions 1`, `saddle_sessions_started_total 1`, `saddle_exports_total{code="200",format="csv"} 1`,
		`saddle_exports_total{code="400",format="other"} 1`, `saddle_tick_seconds_count`, `saddle_frame_seconds_bucket`, `go_goroutines`, `process_resident_memory_bytes`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`saddle_frames_sent_total (\d+)`).FindStringSubmatch(body); m == nil || m[1] == "0" {
		t.Errorf("/metrics counts no frames sent: %v", m)
	}
}
