package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// healthz answers while the process serves.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz runs every probe (the database takes writes, the IMAP session is up or reconnecting
// within its backoff, SMTP was reachable at the last try): 200 when all pass, else 503; with what
// is wrong, one line each, for operators (operator.go).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var b strings.Builder
	ok := true
	for _, p := range s.o.Probes {
		if err := p.Check(ctx); err != nil {
			ok = false
			fmt.Fprintf(&b, "%s: %s\n", p.Name, strings.Join(strings.Fields(err.Error()), " "))
			continue
		}
		fmt.Fprintf(&b, "%s: ok\n", p.Name)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if !s.operator(r) {
		// The status code is for any load balancer; what is wrong, for operators.
		b.Reset()
		b.WriteString(map[bool]string{true: "ready\n", false: "not ready\n"}[ok])
	}
	_, _ = w.Write([]byte(b.String()))
}
