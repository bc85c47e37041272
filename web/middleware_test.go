package web

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func TestSecureHeadersSetsANonceForTempl(t *testing.T) {
	var seen string
	h := secureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = templ.GetNonce(r.Context()) }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if seen == "" || !strings.Contains(csp, "script-src 'self' 'nonce-"+seen+"'") {
		t.Errorf("nonce %q, CSP %q: the handler's nonce must be the CSP's", seen, csp)
	}
	for _, want := range []string{"default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("X-Content-Type-Options is not nosniff")
	}
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, httptest.NewRequest("GET", "/", nil))
	if rec2.Header().Get("Content-Security-Policy") == csp {
		t.Error("two requests got the same nonce")
	}
}

func TestLogRequestsWritesOneLinePerRequest(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	h := logRequests(log)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short and stout"))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/pot", nil))
	var line struct {
		Msg, Method, Path string
		Status, Bytes     int
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v in %q", err, buf.String())
	}
	if line.Msg != "request" || line.Method != "POST" || line.Path != "/pot" || line.Status != 418 || line.Bytes != 15 {
		t.Errorf("logged %+v", line)
	}
}
