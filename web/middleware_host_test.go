package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAllowHostsStopsDNSRebinding(t *testing.T) {
	h := allowHosts([]string{"saddle.example.org", "*.class.example"})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for host, want := range map[string]int{
		"localhost:8080": 200, "127.0.0.1:8080": 200, "[::1]:8080": 200, "192.168.1.20:8080": 200, "app.localhost": 200,
		"saddle.example.org": 200, "room1.class.example:80": 200,
		"evil.com:8080": 421, "evil.com": 421, "saddle.example.org.evil.com": 421, "class.example": 421,
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestSameOriginRefusesForeignPages(t *testing.T) {
	h := sameOrigin([]string{"*.trusted.example"})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for origin, want := range map[string]int{
		"": 200, "http://localhost:8080": 200, "http://evil.com:8080": 403, "https://app.trusted.example": 200, "null": 403,
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/export", nil)
		req.Host = "localhost:8080"
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Origin %q: %d, want %d", origin, rec.Code, want)
		}
	}
}
