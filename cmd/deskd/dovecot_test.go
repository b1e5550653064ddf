package main

// The end-to-end proof: the deskd binary, driven as a user drives it (a config file, `deskd check`,
// `deskd serve`, `deskd poll --once`, `deskd ticket show`), against a real Dovecot started by the
// test and an in-process SMTP sink. Dovecot is restarted in the middle of a ticket's life.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-smtp"

	deskconfig "github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/internal/dovecottest"
)

const dovecotBin = "/usr/sbin/dovecot"

// waitLimit bounds every wait of the end-to-end test.
const waitLimit = 30 * time.Second

// The uid and gid Dovecot's mail processes run as (nobody:nogroup); the Maildir belongs to them.
const mailUID, mailGID = 65534, 65534

// TestDovecotEndToEnd plays one ticket's life through the built binary and a real Dovecot: a
// request is acknowledged and assigned; Dovecot crashes; the technician's "#resolve" reply lands
// in the Maildir meanwhile; Dovecot comes back on the same port, deskd reconnects by itself and
// the requester gets the resolution, once. Then SIGTERM, `deskd poll --once` on a second request,
// and the ticket as `deskd ticket show --json` tells it. Skipped only without Dovecot or root.
func TestDovecotEndToEnd(t *testing.T) {
	if _, err := os.Stat(dovecotBin); err != nil {
		t.Skipf("Dovecot is not installed (%s: %v); apt-get install dovecot-imapd to run the end-to-end test", dovecotBin, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("the end-to-end test starts its own Dovecot, which must run as root (it switches to uid 65534 for mail)")
	}
	begin := time.Now()

	bin := buildDeskd(t)
	dc := newDovecot(t)
	dc.start(t)
	sink := newMailSink(t)

	dir := filepath.Join(dc.dir, "deskd")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "deskd.toml")
	text := deskconfig.SetKey(onTestDatabase(t, deskconfig.Local(deskconfig.Sample(), dc.addr, "secret", sink.addr)), "imap", "poll_interval", `"1s"`)
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	deskd := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		return runDeskd(t, bin, dir, append(args, "--config", config)...)
	}

	// deskd check reaches both live servers.
	out, errOut, code := deskd("check")
	if code != 0 || !strings.Contains(out, "imap "+dc.addr+": ok") || !strings.Contains(out, "smtp "+sink.addr+": ok") {
		t.Fatalf("deskd check: exit %d, want 0 with imap and smtp ok\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("deskd check:\n%s", strings.TrimSpace(out))

	// A request arrives in the help-desk mailbox, as an MDA delivers it.
	requestID := "req1." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@client.example"
	dc.deliver(t, mailText(map[string]string{
		"From":       "=?utf-8?q?C=C3=A9line_Dupr=C3=A9?= <celine.dupre@corp.example>",
		"To":         "helpdesk@corp.example",
		"Subject":    "Le VPN ne se connecte plus",
		"Message-ID": "<" + requestID + ">",
	}, "Bonjour,\n\nDepuis ce matin le VPN refuse de se connecter depuis chez moi (erreur 809).\nPouvez-vous m'aider ?\n\nMerci,\nCéline\n"))

	serve := startServe(t, bin, dir, config)
	served := time.Now()

	// The acknowledgement and the assignment notice.
	waitUntil(t, "the acknowledgement and the assignment notice of ticket #1", func() bool {
		return len(sink.find("ack", 1)) >= 1 && len(sink.find("assigned", 1)) >= 1
	}, serve.stderr.String)
	t.Logf("ack and assignment notice received %v after deskd serve started", time.Since(served).Round(time.Millisecond))
	ack := sink.find("ack", 1)[0]
	checkHeader(t, ack, "X-Deskd-Kind", "ack")
	checkHeader(t, ack, "Auto-Submitted", "auto-replied")
	checkHeader(t, ack, "Content-Language", "fr")
	checkHeader(t, ack, "X-Deskd-Ticket", "1")
	if s := ack.subject(); !strings.Contains(s, "[HD #1]") {
		t.Errorf("ack subject %q, want [HD #1] in it", s)
	}
	if !ack.sentTo("celine.dupre@corp.example") {
		t.Errorf("ack sent to %v, want the requester celine.dupre@corp.example", ack.rcpt)
	}
	if !strings.Contains(ack.text, "Dans quel bâtiment") {
		t.Errorf("ack does not ask the network category's French question; text:\n%s", ack.text)
	}
	notice := sink.find("assigned", 1)[0]
	checkHeader(t, notice, "Auto-Submitted", "auto-generated")
	if !notice.sentTo("alice@corp.example") {
		t.Fatalf("assignment notice sent to %v, want alice@corp.example (the only tier-1 network technician)", notice.rcpt)
	}
	noticeID := notice.header.Get("Message-Id")
	if !strings.HasSuffix(strings.Trim(noticeID, "<>"), "@corp.example") {
		t.Errorf("notice Message-ID %q, want one in the desk's domain", noticeID)
	}

	// Dovecot crashes; the technician's reply arrives meanwhile; Dovecot comes back.
	dc.crash(t)
	down := time.Now()
	note := "Le profil VPN a été réinstallé ; la connexion fonctionne de nouveau."
	replyTo := notice.header.Get("Reply-To")
	if replyTo == "" {
		replyTo = notice.header.Get("From")
	}
	refs := strings.TrimSpace(notice.header.Get("References") + " " + noticeID)
	dc.deliver(t, mailText(map[string]string{
		"From":        "Alice Martin <alice@corp.example>",
		"To":          replyTo,
		"Subject":     "RE: " + notice.subject(),
		"Message-ID":  "<reply1." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@corp.example>",
		"In-Reply-To": noticeID,
		"References":  refs,
	}, "#resolve "+note+"\n\nAlice\n\nLe "+time.Now().Format("02/01/2006 15:04")+", Support Informatique <helpdesk@corp.example> a écrit :\n"+quote(notice.text)))
	// deskd notices the outage and tries at least once, in vain, to reconnect before Dovecot is back.
	waitUntil(t, "deskd to fail a reconnection while Dovecot is down", func() bool {
		return strings.Count(serve.stderr.String(), "imap session ended; reconnecting") >= 2
	}, serve.stderr.String)
	// deskd check says what is wrong while Dovecot is down.
	out, errOut, code = deskd("check")
	if code != 1 || !strings.Contains(out, "imap: ") || !strings.Contains(out, "smtp "+sink.addr+": ok") || strings.Contains(out, "imap "+dc.addr+": ok") {
		t.Errorf("deskd check with Dovecot down: exit %d, want 1, an imap error and smtp ok\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("deskd check with Dovecot down (exit %d): %s", code, strings.TrimSpace(out+errOut))

	dc.start(t)
	up := time.Now()
	t.Logf("Dovecot down for %v", up.Sub(down).Round(time.Millisecond))

	waitUntil(t, "deskd to reconnect to Dovecot", func() bool {
		return strings.Count(serve.stderr.String(), "imap connected") >= 2
	}, serve.stderr.String)
	t.Logf("deskd reconnected %v after Dovecot was back", time.Since(up).Round(time.Millisecond))
	waitUntil(t, "the resolution mail of ticket #1", func() bool { return len(sink.find("resolved", 1)) >= 1 }, serve.stderr.String)
	t.Logf("resolution mail received %v after Dovecot was back", time.Since(up).Round(time.Millisecond))
	resolved := sink.find("resolved", 1)[0]
	if !resolved.sentTo("celine.dupre@corp.example") {
		t.Errorf("resolved mail sent to %v, want the requester", resolved.rcpt)
	}
	if !strings.Contains(strings.Join(strings.Fields(resolved.text), " "), note) {
		t.Errorf("resolved mail does not carry the note %q; text:\n%s", note, resolved.text)
	}
	checkHeader(t, resolved, "Content-Language", "fr")
	checkHeader(t, resolved, "Auto-Submitted", "auto-generated")

	// SIGTERM: deskd serve exits 0, promptly.
	time.Sleep(1500 * time.Millisecond) // A poll or two more: nothing may be processed twice.
	stopped := time.Now()
	if code := serve.stop(t, 10*time.Second); code != 0 {
		t.Errorf("deskd serve exited %d after SIGTERM, want 0", code)
	}
	t.Logf("deskd serve exited %v after SIGTERM (a -race binary sleeps 1 s at exit)", time.Since(stopped).Round(time.Millisecond))
	log := serve.stderr.String()
	for _, bad := range []string{"level=ERROR", "DATA RACE", "panic"} {
		if strings.Contains(log, bad) {
			t.Errorf("deskd serve logged %q:\n%s", bad, log)
		}
	}
	t.Logf("deskd saw the IMAP session end %d time(s)", strings.Count(log, "imap session ended; reconnecting"))

	// deskd poll --once on a second request.
	dc.deliver(t, mailText(map[string]string{
		"From":       "Priya Raman <priya.raman@corp.example>",
		"To":         "helpdesk@corp.example",
		"Subject":    "Printer on the 3rd floor keeps jamming",
		"Message-ID": "<req2." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@client.example>",
	}, "Hi,\n\nThe printer next to room 312 jams on every second page.\n\nThanks,\nPriya\n"))
	polled := time.Now()
	out, errOut, code = deskd("poll", "--once")
	if code != 0 || !strings.Contains(out, "fetched 1: opened 1,") {
		t.Errorf("deskd poll --once: exit %d, want 0 and one ticket opened\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("deskd poll --once took %v: %s", time.Since(polled).Round(time.Millisecond), strings.TrimSpace(out))
	if acks := sink.find("ack", 2); len(acks) != 1 {
		t.Errorf("%d acknowledgements of ticket #2 after poll --once, want 1", len(acks))
	} else {
		checkHeader(t, acks[0], "Content-Language", "en")
		if s := acks[0].subject(); !strings.Contains(s, "[HD #2]") {
			t.Errorf("ack subject %q, want [HD #2] in it", s)
		}
	}

	// Every mail the desk sent carries the contract's headers and threads under its ticket.
	for _, m := range sink.all() {
		kind := m.header.Get("X-Deskd-Kind")
		if id := strings.Trim(m.header.Get("Message-Id"), "<>"); !strings.HasSuffix(id, "@corp.example") {
			t.Errorf("%s mail to %v: Message-ID %q not in the desk's domain", kind, m.rcpt, id)
		}
		checkHeader(t, m, "X-Auto-Response-Suppress", "All")
		if l := m.header.Get("Content-Language"); l != "fr" && l != "en" {
			t.Errorf("%s mail to %v: Content-Language %q, want fr or en", kind, m.rcpt, l)
		}
		if a := m.header.Get("Auto-Submitted"); a != "auto-replied" && a != "auto-generated" {
			t.Errorf("%s mail to %v: Auto-Submitted %q", kind, m.rcpt, a)
		}
		if m.header.Get("X-Deskd-Ticket") == "1" && !strings.Contains(m.header.Get("References")+m.header.Get("In-Reply-To"), requestID) {
			t.Errorf("%s mail to %v about ticket #1: In-Reply-To %q, References %q; want the request's Message-ID %s in them",
				kind, m.rcpt, m.header.Get("In-Reply-To"), m.header.Get("References"), requestID)
		}
	}

	// Nothing lost, nothing doubled.
	for _, kind := range []string{"ack", "assigned", "resolved"} {
		if n := len(sink.find(kind, 1)); n != 1 {
			t.Errorf("ticket #1: %d %q mails, want exactly 1", n, kind)
		}
	}
	for _, m := range sink.all() {
		if m.header.Get("X-Deskd-Kind") == "rejected" {
			t.Errorf("unexpected rejection sent to %v:\n%s", m.rcpt, m.text)
		}
	}
	out, errOut, code = deskd("ticket", "list", "--json")
	var list []ticketView
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Errorf("deskd ticket list --json: exit %d, want 0 and two tickets\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out, errOut, code = deskd("ticket", "show", "1", "--json")
	var tk ticketView
	if code != 0 {
		t.Fatalf("deskd ticket show 1 --json: exit %d\nstderr:\n%s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &tk); err != nil {
		t.Fatalf("deskd ticket show 1 --json: %v\n%s", err, out)
	}
	if tk.Status != "resolved" || tk.Assignee != "alice@corp.example" || tk.Requester != "celine.dupre@corp.example" || tk.Category != "network" {
		t.Errorf("ticket #1: status %q, assignee %q, requester %q, category %q; want resolved, alice@corp.example, celine.dupre@corp.example, network",
			tk.Status, tk.Assignee, tk.Requester, tk.Category)
	}
	var sawNote, sawStatus bool
	for _, ev := range tk.Events {
		if strings.Contains(ev.Text, note) {
			sawNote = true
		}
		if ev.Kind == "status" && strings.Contains(ev.Text, "resolved") {
			sawStatus = true
		}
		if strings.Contains(ev.Text, "a écrit") {
			t.Errorf("event %s by %s keeps the quoted history: %q", ev.Kind, ev.Actor, ev.Text)
		}
	}
	if !sawNote || !sawStatus {
		t.Errorf("ticket #1 events lack the resolution (note %v, status change %v):\n%s", sawNote, sawStatus, out)
	}

	// Every mail in the mailbox is flagged \Seen, none left unprocessed.
	waitUntil(t, "every mail in the Maildir flagged \\Seen", func() bool {
		seen, other := dc.maildirFlags(t)
		return seen == 3 && other == 0
	}, func() string { seen, other := dc.maildirFlags(t); return fmt.Sprintf("%d seen, %d not", seen, other) })

	t.Logf("end-to-end test took %v (build excluded: %v)", time.Since(begin).Round(time.Millisecond), time.Since(served).Round(time.Millisecond))
}

// ticketView is the part of `deskd ticket show --json` the test reads.
type ticketView struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Requester string `json:"requester"`
	Assignee  string `json:"assignee"`
	Category  string `json:"category"`
	Events    []struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
		Text  string `json:"text"`
	} `json:"events"`
}

// buildDeskd builds the binary, with the race detector when the test has it.
func buildDeskd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "deskd")
	args := []string{"build", "-o", bin}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	args = append(args, "github.com/deskd/deskd/cmd/deskd")
	started := time.Now()
	cmd := exec.Command("go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(started).Round(time.Millisecond))
	return bin
}

// runDeskd runs one deskd command to its end.
func runDeskd(t *testing.T, bin, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("deskd %s: %v", strings.Join(args, " "), err)
	}
	timer := time.AfterFunc(waitLimit, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("deskd %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

// served is a running `deskd serve`.
type served struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
}

func startServe(t *testing.T, bin, dir, config string) *served {
	t.Helper()
	s := &served{stderr: &lockedBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "--config", config)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("deskd serve: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("deskd serve output:\n%s", s.stderr.String())
		}
	})
	return s
}

// stop sends SIGTERM and returns the exit status, or -1 if it did not exit within limit.
func (s *served) stop(t *testing.T, limit time.Duration) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal deskd serve: %v", err)
	}
	select {
	case <-s.done:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		t.Errorf("deskd serve still running %v after SIGTERM", limit)
		return -1
	}
}

// lockedBuffer is a bytes.Buffer a subprocess writes and the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitUntil polls cond every 50 ms, failing the test after waitLimit with what state says.
func waitUntil(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; state:\n%s", waitLimit, what, state())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dovecot is a Dovecot instance of the test's own, with one user, helpdesk, password secret.
type dovecot struct {
	dir     string // Everything of this instance: config, state, logs, the user's Maildir.
	addr    string // The IMAP listener, 127.0.0.1:port; the same across restarts.
	maildir string

	cmd  *exec.Cmd
	done chan struct{}
	seq  int // Delivered mails, for unique Maildir names.
}

func newDovecot(t *testing.T) *dovecot {
	t.Helper()
	d := t.TempDir()
	// t.TempDir's parent is 0700; Dovecot's mail processes (uid 65534) must traverse to the Maildir.
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p := d; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			t.Skipf("%s is not traversable by uid %d (mode %v): Dovecot could not reach the Maildir; set TMPDIR elsewhere", p, mailUID, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	dc := &dovecot{dir: d, addr: addr, maildir: filepath.Join(d, "home", "helpdesk", "Maildir")}
	conf := strings.NewReplacer("{D}", d, "{PORT}", port).Replace(dovecottest.Conf)
	if err := os.WriteFile(filepath.Join(d, "dovecot.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "passwd"), []byte("helpdesk:{PLAIN}secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"home", "home/helpdesk", "home/helpdesk/Maildir", "home/helpdesk/Maildir/new", "home/helpdesk/Maildir/cur", "home/helpdesk/Maildir/tmp"} {
		p = filepath.Join(d, p)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, mailUID, mailGID); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		dc.kill()
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(d, "dovecot.log")); err == nil {
				t.Logf("dovecot.log:\n%s", b)
			}
		}
	})
	return dc
}

// start runs Dovecot in the foreground and waits until it accepts an IMAP LOGIN. The port may
// still be held for a moment after a stop, so a start that dies early is tried again.
func (dc *dovecot) start(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for attempt := 1; ; attempt++ {
		var out lockedBuffer
		cmd := exec.Command(dovecotBin, "-F", "-c", filepath.Join(dc.dir, "dovecot.conf"))
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Its children too are ours to kill.
		if err := cmd.Start(); err != nil {
			t.Fatalf("start dovecot: %v", err)
		}
		done := make(chan struct{})
		go func() {
			_ = cmd.Wait()
			close(done)
		}()
		dc.cmd, dc.done = cmd, done
		if dc.awaitLogin(done, deadline) {
			return
		}
		select {
		case <-done:
		default:
			t.Fatalf("dovecot does not accept an IMAP LOGIN on %s after %v; output:\n%s", dc.addr, waitLimit, out.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot exited at start (attempt %d): %v\n%s", attempt, cmd.ProcessState, out.String())
		}
		t.Logf("dovecot exited at start (attempt %d), trying again: %s", attempt, strings.TrimSpace(out.String()))
		time.Sleep(200 * time.Millisecond)
	}
}

// awaitLogin reports whether Dovecot accepts a LOGIN before it exits or the deadline passes.
func (dc *dovecot) awaitLogin(exited <-chan struct{}, deadline time.Time) bool {
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if imapLogin(dc.addr) == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// crash kills Dovecot and all its processes at once (SIGKILL to the process group), as a crash
// or a power cut would, and waits until the port refuses connections. (A SIGTERM is no quicker
// for this test: Dovecot 2.3 lets a running imap process live on for seconds after its master
// has gone, the client's connection still open.)
func (dc *dovecot) crash(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-dc.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill dovecot: %v", err)
	}
	<-dc.done
	deadline := time.Now().Add(waitLimit)
	for {
		c, err := net.DialTimeout("tcp", dc.addr, time.Second)
		if err != nil {
			return
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections %v after dovecot was killed", dc.addr, waitLimit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends Dovecot and every process of its group.
func (dc *dovecot) kill() {
	if dc.cmd == nil {
		return
	}
	_ = syscall.Kill(-dc.cmd.Process.Pid, syscall.SIGKILL)
	<-dc.done
}

// imapLogin opens a connection and logs in as the help desk.
func imapLogin(addr string) error {
	c, err := imapclient.DialInsecure(addr, &imapclient.Options{Dialer: &net.Dialer{Timeout: 2 * time.Second}})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		return err
	}
	return c.Logout().Wait()
}

// deliver puts a mail into the help desk's Maildir as an MDA does: written in tmp/, then
// renamed into new/. Dovecot need not be running.
func (dc *dovecot) deliver(t *testing.T, msg []byte) {
	t.Helper()
	dc.seq++
	host, _ := os.Hostname()
	name := fmt.Sprintf("%d.M%dP%dQ%d.%s", time.Now().Unix(), time.Now().Nanosecond()/1000, os.Getpid(), dc.seq, host)
	tmp := filepath.Join(dc.maildir, "tmp", name)
	if err := os.WriteFile(tmp, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, mailUID, mailGID); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dc.maildir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// maildirFlags counts the mails in the Maildir flagged \Seen and the others.
func (dc *dovecot) maildirFlags(t *testing.T) (seen, other int) {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dc.maildir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			_, flags, ok := strings.Cut(e.Name(), ":2,")
			if sub == "cur" && ok && strings.Contains(flags, "S") {
				seen++
			} else {
				other++
			}
		}
	}
	return seen, other
}

// mailText is a plain-text UTF-8 mail with LF line ends, as Maildir files have them.
func mailText(headers map[string]string, body string) []byte {
	var b bytes.Buffer
	for _, k := range []string{"From", "To", "Subject", "Message-ID", "In-Reply-To", "References"} {
		if v, ok := headers[k]; ok {
			if k == "Subject" {
				v = mime.QEncoding.Encode("utf-8", v)
			}
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Date: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s", time.Now().Format(time.RFC1123Z), body)
	return b.Bytes()
}

// quote quotes a text the way mail clients do under a reply.
func quote(s string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// mailSink is an in-process SMTP server that keeps every mail it receives.
type mailSink struct {
	addr string

	mu   sync.Mutex
	msgs []*sunkMail
}

// sunkMail is one received mail.
type sunkMail struct {
	rcpt   []string
	header mail.Header
	text   string // The text/plain parts, decoded.
}

func (m *sunkMail) subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.header.Get("Subject"))
	if err != nil {
		return m.header.Get("Subject")
	}
	return s
}

func (m *sunkMail) sentTo(addr string) bool {
	for _, r := range m.rcpt {
		if strings.EqualFold(r, addr) {
			return true
		}
	}
	return false
}

func newMailSink(t *testing.T) *mailSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &mailSink{addr: l.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }))
	srv.Domain = "sink.example"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return k
}

func (k *mailSink) add(rcpt []string, data []byte) error {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("sink: parse: %w", err)
	}
	m := &sunkMail{rcpt: rcpt, header: msg.Header}
	if e, err := gomessage.Read(bytes.NewReader(data)); err == nil || gomessage.IsUnknownCharset(err) {
		_ = e.Walk(func(path []int, part *gomessage.Entity, err error) error {
			if err != nil {
				return nil
			}
			if mt, _, _ := part.Header.ContentType(); mt == "text/plain" {
				b, _ := io.ReadAll(part.Body)
				m.text += string(b)
			}
			return nil
		})
	}
	k.mu.Lock()
	k.msgs = append(k.msgs, m)
	k.mu.Unlock()
	return nil
}

func (k *mailSink) all() []*sunkMail {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*sunkMail(nil), k.msgs...)
}

// find returns the mails of one X-Deskd-Kind about one ticket.
func (k *mailSink) find(kind string, ticket int) []*sunkMail {
	var out []*sunkMail
	for _, m := range k.all() {
		if m.header.Get("X-Deskd-Kind") == kind && m.header.Get("X-Deskd-Ticket") == strconv.Itoa(ticket) {
			out = append(out, m)
		}
	}
	return out
}

type sinkSession struct {
	k    *mailSink
	rcpt []string
}

func (s *sinkSession) Reset()                                         { s.rcpt = nil }
func (s *sinkSession) Logout() error                                  { return nil }
func (s *sinkSession) Mail(from string, opts *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.rcpt = append(s.rcpt, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return s.k.add(s.rcpt, b)
}

func checkHeader(t *testing.T, m *sunkMail, key, want string) {
	t.Helper()
	if got := m.header.Get(key); got != want {
		t.Errorf("%s mail to %v: %s %q, want %q", m.header.Get("X-Deskd-Kind"), m.rcpt, key, got, want)
	}
}
