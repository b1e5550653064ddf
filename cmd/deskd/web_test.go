package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// TestAPISameJSONAsCLI: the JSON API answers, for a person's token made by `deskd token create`,
// the very JSON of `deskd ticket list --json` and `deskd ticket show N --json` — an incident with
// its linked requests included; no token, a wrong one, or a revoked one gets nothing.
func TestAPISameJSONAsCLI(t *testing.T) {
	path := cliConfig(t)
	seed(t, path)
	seed(t, path, "q2@client", "marc.leroy@corp.example")
	for _, args := range [][]string{{"ticket", "incident", "1"}, {"ticket", "link", "2", "1"}} {
		if code, _, stderr := cli(t, append(args, "--config", path)...); code != 0 {
			t.Fatalf("%s: %d %s", strings.Join(args, " "), code, stderr)
		}
	}
	code, tok, stderr := cli(t, "token", "create", "nadia@corp.example", "--config", path)
	tok = strings.TrimSpace(tok)
	if code != 0 || !strings.HasPrefix(tok, "dk_") {
		t.Fatalf("token create: %d %q %s", code, tok, stderr)
	}
	if code, _, _ := cli(t, "token", "create", "mallory@corp.example", "--config", path); code != 1 {
		t.Errorf("a token for someone not on the team: exit %d", code)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, discardLog(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a.web.Handler())
	defer ts.Close()
	get := func(p, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+p, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ api, cli string }{
		{"/api/v1/tickets", "ticket list --json"},
		{"/api/v1/tickets?status=open", "ticket list --status open --json"},
		{"/api/v1/tickets/1", "ticket show 1 --json"},
	} {
		status, body := get(c.api, tok)
		_, want, _ := cli(t, append(strings.Fields(c.cli), "--config", path)...)
		if status != http.StatusOK || body != want {
			t.Errorf("%s: %d\n%s\nwant (deskd %s):\n%s", c.api, status, body, c.cli, want)
		}
		if !strings.Contains(body, `"linked": [`) {
			t.Errorf("%s: the incident's linked requests are missing:\n%s", c.api, body)
		}
	}
	if status, _ := get("/api/v1/tickets", ""); status != http.StatusUnauthorized {
		t.Errorf("no token: %d", status)
	}
	if status, _ := get("/api/v1/tickets", tok+"x"); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", status)
	}
	if status, _ := get("/api/v1/tickets/99", tok); status != http.StatusNotFound {
		t.Errorf("no such ticket: %d", status)
	}
	a.Close()
	if code, out, _ := cli(t, "token", "revoke", "nadia@corp.example", "--config", path); code != 0 || !strings.Contains(out, "nadia@corp.example: 1 token deleted\n") {
		t.Errorf("token revoke: %d %q", code, out)
	}
	a, err = newApp(context.Background(), cfg, discardLog(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ts2 := httptest.NewServer(a.web.Handler())
	defer ts2.Close()
	ts.URL = ts2.URL
	if status, _ := get("/api/v1/tickets", tok); status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", status)
	}
	if code, out, _ := cli(t, "web", "revoke", "nadia@corp.example", "--config", path); code != 0 || !strings.Contains(out, "0 sessions") {
		t.Errorf("web revoke: %d %q", code, out)
	}
}

// serveWebGet runs the flow's daemon with its web desk until the test ends (serveWeb), and
// returns a GET of a path of it: the status and the body.
func serveWebGet(t *testing.T, f *flow) (get func(path string) (int, string)) {
	t.Helper()
	base := serveWeb(t, f)
	return func(p string) (int, string) {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

// TestMetricsAndReadiness: /metrics counts what the desk did (mails read by verdict, tickets
// opened, mails sent, the outbox's depth); /readyz is 200 while the database takes writes, IMAP is
// up and SMTP answered, and 503 saying why once the SMTP server is gone.
func TestMetricsAndReadiness(t *testing.T) {
	f := newFlow(t, "")
	get := serveWebGet(t, f)
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	f.send(msg{from: "celine.dupre@corp.example", name: "Céline Dupré", subject: "Le VPN ne marche plus", body: "Erreur 809 depuis ce matin."})
	eventually(t, func() bool { return len(f.mails("celine.dupre@corp.example", "ack", 0)) == 1 })
	eventually(t, func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
	eventually(t, func() bool { _, body := get("/metrics"); return strings.Contains(body, "deskd_outbox_depth 0") })
	_, body := get("/metrics")
	for _, want := range []string{`deskd_ingest_mails_total{verdict="person"} `, "deskd_tickets_opened_total 1",
		`deskd_outbox_sends_total{result="sent"}`, "deskd_outbox_depth 0", "deskd_imap_connected 1",
		`deskd_commands_total{result="refused"} 0`, "deskd_ingest_seconds_count", "deskd_outbox_send_seconds_count", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	_, body = get("/readyz")
	if body != "database: ok\nimap: ok\nsmtp: ok\n" {
		t.Errorf("readyz: %q", body)
	}
	if err := f.w.smtp.Close(); err != nil {
		t.Fatal(err)
	}
	// A ticket opened by hand queues mail; the sender finds SMTP gone.
	if err := f.dm.desk.Update(context.Background(), time.Now(), func(tx *tickets.Tx) error {
		_, err := tx.Open(tickets.NewTicket{Subject: "Phone call", Text: "the printer jams", Requester: "jean.moreau@corp.example"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.dm.out.Wake()
	eventually(t, func() bool { code, _ := get("/readyz"); return code == http.StatusServiceUnavailable })
	_, body = get("/readyz")
	if !strings.Contains(body, "database: ok\n") || !strings.Contains(body, "smtp: unreachable") {
		t.Errorf("readyz with SMTP gone: %q", body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Error("healthz fails with SMTP gone")
	}
	_, body = get("/metrics")
	if !strings.Contains(body, "deskd_tickets_opened_total 2") || strings.Contains(body, "deskd_outbox_depth 0") {
		t.Errorf("/metrics after a failed send:\n%s", body)
	}
}

// eventually polls cond for up to 20 seconds.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEachCopyItsOwnLink: a mail to a requester and a watcher goes as one copy each, and each
// copy's follow-up link is its own recipient's: the watcher's page is the ticket's, as theirs.
func TestEachCopyItsOwnLink(t *testing.T) {
	f := newFlow(t, "")
	tk := f.open(msg{from: "priya.raman@corp.example", name: "Priya Raman", cc: []string{"tom.baker@corp.example"}, headers: dkimPass,
		subject: "Printer jams", body: "The printer next to room 312 jams on every page."})
	f.step()
	base := f.dm.web.BaseURL()
	for _, who := range []string{"priya.raman@corp.example", "tom.baker@corp.example"} {
		m := f.one(who, "ack", tk.ID)
		var link string
		for _, l := range linkRE.FindAllString(f.text(m), -1) {
			if strings.HasPrefix(l, base+"/r/") {
				link = l
			}
		}
		claim, err := f.dm.desk.Signer.VerifyLink(strings.TrimPrefix(link, base+"/r/"), time.Now())
		if err != nil || claim.Recipient != who || claim.TicketID != tk.ID {
			t.Errorf("%s's copy carries %q: %+v %v", who, link, claim, err)
		}
	}
}

// TestReadinessIMAPDown: once the IMAP server refuses connections, /readyz is 503 and says since
// when and why (as for SMTP, the last attempt's result), while /metrics reads
// deskd_imap_connected 0; back to 200 once the server answers again.
func TestReadinessIMAPDown(t *testing.T) {
	f := newFlow(t, "")
	get := serveWebGet(t, f)
	eventually(t, func() bool { _, body := get("/readyz"); return strings.Contains(body, "imap: ok\n") })
	if err := f.w.imap.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { code, _ := get("/readyz"); return code == http.StatusServiceUnavailable })
	code, body := get("/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "imap: cannot connect since ") ||
		!strings.Contains(body, "database: ok\n") || !strings.Contains(body, "smtp: ok\n") {
		t.Errorf("readyz with IMAP refusing: %d %q", code, body)
	}
	if _, m := get("/metrics"); !strings.Contains(m, "deskd_imap_connected 0") {
		t.Error("/metrics: IMAP still connected")
	}
	// The server answers again on the same address: ready at the next attempt.
	f.w.startIMAP(t)
	eventually(t, func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
}

// startIMAP serves the world's mailboxes again on the same address after w.imap.Close.
func (w *world) startIMAP(t *testing.T) {
	t.Helper()
	var l net.Listener
	var err error
	for range 100 { // The port may take a moment to be free again.
		if l, err = net.Listen("tcp", w.IMAPAddr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return w.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true,
		Logger:       quietLogger{},
	})
	go func() { _ = w.imap.Serve(l) }()
}
