package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/web"
)

// TestOperatorsOnly: /metrics answers the operator networks and staff API tokens only; /readyz
// gives anyone its status code, and what is wrong only to operators (it names the servers and
// quotes their errors); X-Forwarded-For does not let a client behind the proxy in.
func TestOperatorsOnly(t *testing.T) {
	f := newFixture(t)
	cfg := f.cfg.Web
	cfg.OperatorNetworks = []string{"10.9.0.0/16", "::1/128"}
	cfg.TrustProxy = true
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(cfg, web.Options{Desk: f.desk, Store: f.store, Signer: f.desk.Signer, Words: tpl, Now: f.clock, Search: f.desk,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "deskd_up 1\n") }),
		Probes: []web.Probe{{Name: "smtp", Check: func(context.Context) error {
			return errors.New("dial tcp smtp.internal.corp.example:25: connection refused")
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	staff, err := f.store.CreateToken(f.ctx, "alice@corp.example", f.clock())
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := f.store.CreateToken(f.ctx, "someone@elsewhere.example", f.clock())
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, from, token, xff string) (int, string) {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = from
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	for _, c := range []struct {
		name, from, token, xff string
		operator               bool
	}{
		{"operator network", "10.9.4.2:5000", "", "", true},
		{"IPv6 loopback", "[::1]:5000", "", "", true},
		{"the Internet", "192.0.2.1:5000", "", "", false},
		{"a staff token", "192.0.2.1:5000", staff, "", true},
		{"a token not of staff", "192.0.2.1:5000", stranger, "", false},
		{"a made-up token", "192.0.2.1:5000", "nonsense", "", false},
		{"through the proxy, from the Internet", "10.9.0.1:5000", "", "10.9.0.7, 192.0.2.9", false},
		{"through the proxy, from an operator network", "192.0.2.1:5000", "", "10.9.3.3", true},
	} {
		code, body := get("/metrics", c.from, c.token, c.xff)
		if c.operator != (code == http.StatusOK && body == "deskd_up 1\n") {
			t.Errorf("%s: /metrics %d %q", c.name, code, body)
		}
		code, body = get("/readyz", c.from, c.token, c.xff)
		if code != http.StatusServiceUnavailable {
			t.Errorf("%s: /readyz %d", c.name, code)
		}
		if detailed := strings.Contains(body, "smtp.internal.corp.example"); detailed != c.operator || (!c.operator && body != "not ready\n") {
			t.Errorf("%s: /readyz says %q", c.name, body)
		}
	}
	bad := cfg
	bad.OperatorNetworks = []string{"10.0.0.1"}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "operator_networks") {
		t.Errorf("validate %q: %v", bad.OperatorNetworks, err)
	}
}
