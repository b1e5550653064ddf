package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailout"
)

// stopSMTP closes the world's SMTP server: connections are refused until startSMTP.
func (w *world) stopSMTP(t *testing.T) {
	t.Helper()
	if err := w.smtp.Close(); err != nil {
		t.Fatal(err)
	}
}

// startSMTP listens again on the same address.
func (w *world) startSMTP(t *testing.T) {
	t.Helper()
	var l net.Listener
	var err error
	for range 100 { // The port may take a moment to be free again.
		if l, err = net.Listen("tcp", w.SMTPAddr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	old := w.smtp
	w.smtp = smtp.NewServer(old.Backend)
	w.smtp.Domain, w.smtp.AllowInsecureAuth = old.Domain, old.AllowInsecureAuth
	w.smtp.ReadTimeout, w.smtp.WriteTimeout, w.smtp.MaxMessageBytes = old.ReadTimeout, old.WriteTimeout, old.MaxMessageBytes
	go func() { _ = w.smtp.Serve(l) }()
}

// requestMail is a new request from someone, as it lands in the desk's inbox.
func requestMail(from, subject, body string) []byte {
	id := fmt.Sprintf("<%d.%s>", time.Now().UnixNano(), from)
	return []byte("From: " + from + "\r\nTo: " + desk + "\r\nSubject: " + subject + "\r\nMessage-ID: " + id +
		"\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
}

// TestSMTPOutageWhileServing: the SMTP server goes away while 100 requests come in. deskd serve
// opens the 100 tickets, logs one WARN, and once the server is back sends every
// acknowledgement and notice at once (at the next probe, not on each mail's backoff), each once,
// with one INFO that counts them.
func TestSMTPOutageWhileServing(t *testing.T) {
	a, logs, w := servedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serveWith(ctx, nil, &systemd{}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	w.stopSMTP(t)
	down := time.Now()
	requester := func(i int) string { return fmt.Sprintf("user%d@corp.example", i) }
	for i := range 100 {
		if err := w.deliver(requester(i), desk, requestMail(requester(i), fmt.Sprintf("Imprimante %d en panne", i), "L'imprimante ne répond plus.")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitUntil(t, "100 tickets", func() bool {
		var n int
		_ = a.store.Reader().QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&n)
		return n == 100
	}, logs.String)
	time.Sleep(time.Second)
	w.startSMTP(t)
	back := time.Now()
	waitUntil(t, "every acknowledgement", func() bool {
		for i := range 100 {
			if len(w.received(requester(i))) == 0 {
				return false
			}
		}
		return true
	}, logs.String)
	t.Logf("SMTP down for %v; every acknowledgement received %v after it was back", back.Sub(down).Round(time.Millisecond), time.Since(back).Round(time.Millisecond))
	// At the next probe: the probes' interval doubles up to mailout.ProbeMax while the server is
	// down (how long depends on how fast this machine opened the 100 tickets), so the next probe
	// comes within ProbeMax of its return; a mail's own backoff would be a minute at least.
	if d, bound := time.Since(back), mailout.ProbeMax+15*time.Second; d > bound {
		t.Errorf("the last acknowledgement came %v after the server was back (bound %v)", d, bound)
	}
	// The drain ends, and logs the outage's end, once the assignment notices are sent too: over
	// several connections the acknowledgements (one requester each) go first, the notices to the
	// few technicians one at a time per address.
	waitUntil(t, "the outage's end logged", func() bool { return strings.Contains(logs.String(), "answers again") }, logs.String)
	time.Sleep(500 * time.Millisecond) // Nothing more may come.
	for i := range 100 {
		if n := len(w.received(requester(i))); n != 1 {
			t.Errorf("%s received %d mails, want one acknowledgement", requester(i), n)
		}
	}
	log := logs.String()
	// Beside the start's warnings of what protects the desk (securitySummary).
	if n := strings.Count(log, "level=WARN") - strings.Count(log, `level=WARN msg="security: `); n != 1 || !strings.Contains(log, "smtp server unreachable") {
		t.Errorf("%d WARN lines, want one, as the outage began:\n%s", n, log)
	}
	if n := strings.Count(log, "answers again"); n != 1 || !strings.Contains(log, "held=200") {
		t.Errorf("want one INFO as the outage ended, with the 200 mails held:\n%s", log)
	}
}

// TestPollWithSMTPDown: deskd poll --once with the SMTP server down processes the inbox, says
// the mails stay queued and exits 3 (exitHeld); the next poll with the server up sends them.
func TestPollWithSMTPDown(t *testing.T) {
	w, err := startWorld(desk, "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	dir := t.TempDir()
	path := filepath.Join(dir, "deskd.toml")
	write := func(smtpAddr string) {
		if err := os.WriteFile(path, []byte(onTestDatabase(t, config.Local(config.Sample(), w.IMAPAddr, w.Password, smtpAddr))), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("127.0.0.1:1") // Nothing listens on port 1.
	if err := w.deliver("celine.dupre@corp.example", desk, requestMail("celine.dupre@corp.example", "Le VPN ne marche plus", "Le vpn refuse de se connecter.")); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"poll", "--once", "--config", path}, &out, &errOut)
	if code != exitHeld || !strings.Contains(out.String(), "fetched 1: opened 1,") || !strings.Contains(out.String(), "2 mails stay queued") {
		t.Fatalf("poll with SMTP down: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitHeld, out.String(), errOut.String())
	}
	if last := strings.TrimSpace(errOut.String()); !strings.HasPrefix(last[strings.LastIndex(last, "\n")+1:], "deskd poll: smtp server unreachable; mail stays queued") {
		t.Errorf("stderr does not end with the one line that says the mail stays queued:\n%s", errOut.String())
	}
	t.Logf("stdout: %sstderr: %s", out.String(), errOut.String())

	write(w.SMTPAddr)
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"poll", "--once", "--config", path}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "fetched 0:") || !strings.Contains(out.String(), "sent 2") ||
		strings.Contains(out.String(), "stay queued") {
		t.Fatalf("poll with SMTP back: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if n := len(w.received("celine.dupre@corp.example")); n != 1 {
		t.Fatalf("the requester received %d mails, want the acknowledgement once", n)
	}
}
