package web

import (
	"net"
	"net/http"
	"path"
	"strings"
)

// allowHosts refuses a request whose Host header is a name the server is not
// meant to be reached by, which stops DNS rebinding: a page on evil.com whose
// name an attacker points at 127.0.0.1 still sends Host: evil.com. IP
// addresses, localhost, the machine's own name and the names given
// (--allow-host, patterns such as *.example.org) are accepted.
func allowHosts(names []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hostAllowed(r.Host, names) {
				http.Error(w, "this server does not answer to the name "+r.Host+"; reach it by its address or localhost, or start it with --allow-host "+hostOnly(r.Host), http.StatusMisdirectedRequest)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.Trim(host, "[]")
}

func hostAllowed(host string, names []string) bool {
	h := strings.ToLower(hostOnly(host))
	if net.ParseIP(h) != nil || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	for _, n := range names {
		if ok, _ := path.Match(strings.ToLower(n), h); ok {
			return true
		}
	}
	return false
}

// sameOrigin refuses a request that a page of another origin sent (its
// Origin header names another host), unless that origin is allowed
// (--allow-origin patterns): a foreign page must not make the server run
// exports, as it may not open the websocket.
func sameOrigin(patterns []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o := r.Header.Get("Origin"); o != "" && !originAllowed(o, r.Host, patterns) {
				http.Error(w, "requests from "+o+" are not accepted; start the server with --allow-origin to accept them", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func originAllowed(origin, host string, patterns []string) bool {
	_, rest, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	if strings.EqualFold(rest, host) {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(rest)); ok {
			return true
		}
	}
	return false
}
