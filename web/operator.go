package web

import (
	"net/http"
	"net/netip"
	"strings"
)

// What operators read: /metrics, and the details of /readyz (which name the mail servers and
// quote their errors). They are for the networks of operator_networks (by default loopback and
// private addresses, where Prometheus and the load balancer are) and for a technician's or
// coordinator's API token (`Authorization: Bearer TOKEN`, which Prometheus can send); a client
// from elsewhere gets 403 from /metrics, and from /readyz its status code with no details.

// defaultOperatorNetworks are loopback and the private ranges (RFC 1918, RFC 4193).
var defaultOperatorNetworks = []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}

// operator reports whether the request may read what operators read.
func (s *Server) operator(r *http.Request) bool {
	if ip, err := netip.ParseAddr(s.clientIP(r)); err == nil {
		ip = ip.Unmap()
		for _, n := range s.settings().cfg.OperatorNetworks {
			if p, err := netip.ParsePrefix(n); err == nil && p.Contains(ip) {
				return true
			}
		}
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return false
	}
	email, err := s.o.Store.TokenOwner(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		return false
	}
	_, staff := staffUser(s.settings().desk, email)
	return staff
}

// forOperators serves h to operators only.
func (s *Server) forOperators(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.operator(r) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte("forbidden: not from operator_networks, and no staff token\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// validNetwork reports whether n is a network in CIDR notation, as operator reads it.
func validNetwork(n string) bool {
	_, err := netip.ParsePrefix(n)
	return err == nil
}
