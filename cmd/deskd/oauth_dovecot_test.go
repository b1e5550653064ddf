package main

// The OAuth2 proof: the deskd binary signs in with `deskd oauth login` to a local identity
// provider, then reads a real Dovecot whose oauth2 passdb asks that provider about each token,
// and sends through an SMTP server that does the same — as deskd does with Microsoft 365 and
// Google Workspace.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	deskconfig "github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/oauth/oauthtest"
)

const oauthUser = "helpdesk@corp.example"

// TestDovecotOAuth2EndToEnd runs deskd against an OAuth2-protected Dovecot and SMTP server:
// `deskd check` names the fix before the login and passes after it; a request gets its
// acknowledgement over SMTP with XOAUTH2; a token the server refuses before its expiry is
// replaced at once, and one that expires mid-run is refreshed, the desk working on; a revoked
// login is said once in the log, the mail waiting in the outbox, and a new `deskd oauth login`
// cures it without a restart; OAUTHBEARER works for IMAP and SMTP alike. Skipped only without
// Dovecot or root.
func TestDovecotOAuth2EndToEnd(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient("deskd", "", "")
	dc := oauthtest.StartDovecot(t, idp, oauthUser)
	sink := oauthtest.StartSMTP(t, idp)
	bin := buildDeskd(t)

	dir := filepath.Join(dc.Dir, "deskd")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "deskd.toml")
	writeConfig := func(auth string) {
		t.Helper()
		text := onTestDatabase(t, deskconfig.Local(deskconfig.Sample(), dc.Addr, "", sink.Addr))
		for _, kv := range [][3]string{
			{"imap", "username", `""`}, {"imap", "auth", strconv.Quote(auth)}, {"imap", "poll_interval", `"1s"`},
			{"smtp", "auth", strconv.Quote(auth)},
			{"oauth2", "provider", `"custom"`},
			{"oauth2", "client_id", `"deskd"`},
			{"oauth2", "token_endpoint", strconv.Quote(idp.URL + "/token")},
			{"oauth2", "device_authorization_endpoint", strconv.Quote(idp.URL + "/device")},
			{"oauth2", "scopes", `["mail", "offline_access", "openid"]`},
		} {
			text = deskconfig.SetKey(text, kv[0], kv[1], kv[2])
		}
		if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("xoauth2")
	deskd := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		return runDeskd(t, bin, dir, append(args, "--config", config)...)
	}
	tokenFile := filepath.Join(dir, "deskd-oauth2.json")
	seq := 0
	request := func(subject string) {
		t.Helper()
		seq++
		deliverTo(t, dc, seq, mailText(map[string]string{
			"From":       fmt.Sprintf("Requester %d <requester%d@corp.example>", seq, seq),
			"To":         oauthUser,
			"Subject":    subject,
			"Message-ID": fmt.Sprintf("<oauth-req%d.%d@client.example>", seq, time.Now().UnixNano()),
		}, "Hello,\n\n"+subject+".\n\nThanks\n"))
	}

	// Before any login, deskd check says what to do.
	out, errOut, code := deskd("check")
	if code != 1 || !strings.Contains(out, "oauth2: oauth2 not signed in") || !strings.Contains(out, "run deskd oauth login") ||
		!strings.Contains(out, "imap "+dc.Addr+": not checked") {
		t.Fatalf("deskd check before the login: exit %d, want 1 and the fix\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("deskd check before the login:\n%s", strings.TrimSpace(out))
	if out, _, code := deskd("oauth", "status"); code != 0 || !strings.Contains(out, "signed in:    no: run deskd oauth login") {
		t.Errorf("deskd oauth status before the login: exit %d\n%s", code, out)
	}

	// deskd oauth login: the device flow, approved as the help desk's mailbox.
	out = oauthLogin(t, bin, dir, config, idp, oauthUser)
	if !strings.Contains(out, "Signed in as "+oauthUser+". The refresh token is kept in "+tokenFile) {
		t.Errorf("deskd oauth login said:\n%s", out)
	}
	if fi, err := os.Stat(tokenFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file: %v, %v; want mode 0600", fi, err)
	}
	out, _, code = deskd("oauth", "status")
	if code != 0 || !strings.Contains(out, "account:      "+oauthUser) || !strings.Contains(out, "scopes:       mail offline_access openid") {
		t.Errorf("deskd oauth status after the login: exit %d\n%s", code, out)
	}
	for _, secret := range []string{tokenField(t, tokenFile, "refresh_token"), tokenField(t, tokenFile, "access_token")} {
		if strings.Contains(out, secret) {
			t.Errorf("deskd oauth status shows a token:\n%s", out)
		}
	}

	// The "done when": deskd check passes against the OAuth2-protected Dovecot.
	out, errOut, code = deskd("check")
	if code != 0 || !strings.Contains(out, "oauth2 custom: ok (signed in as "+oauthUser+")") ||
		!strings.Contains(out, "imap "+dc.Addr+": ok") || !strings.Contains(out, "smtp "+sink.Addr+": ok") {
		t.Fatalf("deskd check after the login: exit %d, want 0 with oauth2, imap and smtp ok\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("deskd check after the login:\n%s", strings.TrimSpace(out))

	// A request, acknowledged over SMTP logged in with XOAUTH2.
	request("The VPN drops every hour")
	serve := startServe(t, bin, dir, config)
	waitUntil(t, "the acknowledgement of ticket #1", func() bool { return len(sunkOf(t, sink, "ack", 1)) == 1 }, serve.stderr.String)
	if m := sunkOf(t, sink, "ack", 1)[0]; m.User != oauthUser || !strings.Contains(strings.Join(m.To, ","), "requester1@corp.example") {
		t.Errorf("ack of #1 sent as %q to %v, want as %s to requester1", m.User, m.To, oauthUser)
	}
	for _, a := range sink.Auths() {
		if a != (oauthtest.Auth{Mech: "XOAUTH2", User: oauthUser, OK: true}) {
			t.Errorf("SMTP login %+v, want XOAUTH2 as %s accepted", a, oauthUser)
		}
	}

	// The provider revokes the access token before its expiry: the server refuses it, deskd
	// gets a new one at once. Tokens from now on last 4 seconds.
	idp.SetLifetimes(4*time.Second, 24*time.Hour)
	idp.RevokeAccess(tokenField(t, tokenFile, "access_token"))
	auths := len(sink.Auths())
	request("Outlook asks for my password again")
	waitUntil(t, "the acknowledgement of ticket #2", func() bool { return len(sunkOf(t, sink, "ack", 2)) == 1 }, serve.stderr.String)
	if a := sink.Auths()[auths:]; len(a) < 2 || a[0].OK || !a[1].OK {
		t.Errorf("SMTP logins after the revoked access token: %+v; want one refused, then one accepted", a)
	}

	// The access token expires mid-run: the next send refreshes it first; the IMAP session
	// it opened goes on.
	time.Sleep(4 * time.Second)
	refreshes, auths := idp.Count(oauthtest.GrantRefreshToken), len(sink.Auths())
	request("The printer on floor 3 jams")
	waitUntil(t, "the acknowledgement of ticket #3", func() bool { return len(sunkOf(t, sink, "ack", 3)) == 1 }, serve.stderr.String)
	if n := idp.Count(oauthtest.GrantRefreshToken) - refreshes; n < 1 {
		t.Errorf("%d refreshes after the access token expired, want at least 1", n)
	}
	for _, a := range sink.Auths()[auths:] {
		if !a.OK {
			t.Errorf("SMTP login %+v after the expiry: deskd sent an expired token", a)
		}
	}
	if n := strings.Count(serve.stderr.String(), "imap connected"); n != 1 {
		t.Errorf("deskd connected to IMAP %d times, want once (the session outlives its token)", n)
	}

	// The login is revoked (an administrator's "revoke sessions"). The IMAP session still open
	// reads two more requests; their acknowledgements wait in the outbox; the log says it once.
	idp.RevokeUser(oauthUser)
	request("Teams will not start")
	waitUntil(t, "deskd to log that the login needs a person", func() bool {
		return strings.Contains(serve.stderr.String(), "oauth2 needs a person")
	}, serve.stderr.String)
	request("My screen flickers")
	waitUntil(t, "ticket #5 to be opened", func() bool {
		out, _, code := deskd("ticket", "show", "5", "--json")
		return code == 0 && strings.Contains(out, `"id": 5`)
	}, serve.stderr.String)
	out, errOut, code = deskd("check")
	if code != 1 || !strings.Contains(out, "oauth2: oauth2 refresh token expired or revoked (invalid_grant: ") || !strings.Contains(out, "): run deskd oauth login") {
		t.Errorf("deskd check after the revocation: exit %d, want 1 and the fix\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("deskd check after the revocation: %s", strings.TrimSpace(out))
	time.Sleep(time.Second) // Let the sender try ticket #5's mail too.
	if n := len(sunkOf(t, sink, "ack", 4)) + len(sunkOf(t, sink, "ack", 5)); n != 0 {
		t.Errorf("%d acknowledgements sent with the login revoked", n)
	}
	log := serve.stderr.String()
	if n := strings.Count(log, "oauth2 needs a person"); n != 1 {
		t.Errorf("the revoked login logged %d times, want once:\n%s", n, log)
	}
	if strings.Contains(log, "outbox drain") || strings.Contains(log, "mail failed") {
		t.Errorf("the sender treated the revoked login as a failure:\n%s", log)
	}

	// A new login, while deskd serve runs: the waiting mail goes, once, without a restart.
	oauthLogin(t, bin, dir, config, idp, oauthUser)
	relogged := time.Now()
	waitFor(t, 45*time.Second, "the acknowledgements of tickets #4 and #5", func() bool {
		return len(sunkOf(t, sink, "ack", 4)) == 1 && len(sunkOf(t, sink, "ack", 5)) == 1
	}, serve.stderr.String)
	t.Logf("the waiting acknowledgements left %v after the new login", time.Since(relogged).Round(time.Millisecond))
	if !strings.Contains(serve.stderr.String(), "oauth2 tokens flow again") {
		t.Errorf("no log line saying tokens flow again:\n%s", serve.stderr.String())
	}
	if code := serve.stop(t, 10*time.Second); code != 0 {
		t.Errorf("deskd serve exited %d after SIGTERM, want 0", code)
	}
	for _, bad := range []string{"DATA RACE", "panic"} {
		if strings.Contains(serve.stderr.String(), bad) {
			t.Errorf("deskd serve logged %q:\n%s", bad, serve.stderr.String())
		}
	}

	// OAUTHBEARER, for IMAP and SMTP: deskd check, then deskd poll --once on a new request.
	writeConfig("oauthbearer")
	out, errOut, code = deskd("check")
	if code != 0 || !strings.Contains(out, "imap "+dc.Addr+": ok") || !strings.Contains(out, "smtp "+sink.Addr+": ok") {
		t.Fatalf("deskd check with OAUTHBEARER: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	request("Password reset for the intranet")
	auths = len(sink.Auths())
	out, errOut, code = deskd("poll", "--once")
	if code != 0 || !strings.Contains(out, "fetched 1: opened 1,") || len(sunkOf(t, sink, "ack", 6)) != 1 {
		t.Errorf("deskd poll --once with OAUTHBEARER: exit %d, %d acks of #6\nstdout:\n%s\nstderr:\n%s", code, len(sunkOf(t, sink, "ack", 6)), out, errOut)
	}
	for _, a := range sink.Auths()[auths:] {
		if a != (oauthtest.Auth{Mech: "OAUTHBEARER", User: oauthUser, OK: true}) {
			t.Errorf("SMTP login %+v, want OAUTHBEARER as %s accepted", a, oauthUser)
		}
	}
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		if !strings.Contains(dc.Log(), "Login: user=<"+oauthUser+">, method="+mech) {
			t.Errorf("Dovecot logged no IMAP login with %s:\n%s", mech, dc.Log())
		}
	}

	// Nothing lost, nothing doubled; every request marked done in the mailbox.
	for n := 1; n <= 6; n++ {
		if k := len(sunkOf(t, sink, "ack", n)); k != 1 {
			t.Errorf("ticket #%d: %d acknowledgements, want 1", n, k)
		}
	}
	if seen, other := maildirSeen(t, filepath.Join(dc.Dir, "home", "helpdesk", "Maildir")); seen != 6 || other != 0 {
		t.Errorf("Maildir: %d mails seen, %d not; want 6 and 0", seen, other)
	}
	t.Logf("the IdP issued %d refreshed tokens; Dovecot asked it about %d tokens", idp.Count(oauthtest.GrantRefreshToken), idp.Introspections())
}

// oauthLogin runs `deskd oauth login` and approves the code it prints as user, as the person at
// the verification page would; it returns what the command printed.
func oauthLogin(t *testing.T, bin, dir, config string, idp *oauthtest.IdP, user string) string {
	t.Helper()
	cmd := exec.Command(bin, "oauth", "login", "--config", config)
	cmd.Dir = dir
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(waitLimit, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	var out strings.Builder
	approved := false
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if code := oauthtest.UserCode(sc.Text()); code != "" && !approved {
			if err := idp.Approve(code, user); err != nil {
				t.Fatalf("approve: %v", err)
			}
			approved = true
		}
	}
	if err := cmd.Wait(); err != nil || !approved {
		t.Fatalf("deskd oauth login: %v (code approved: %v)\nstdout:\n%s\nstderr:\n%s", err, approved, out.String(), errOut.String())
	}
	return out.String()
}

// tokenField reads one field of the token file.
func tokenField(t *testing.T, path, key string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[key].(string)
	if s == "" {
		t.Fatalf("no %s in the token file", key)
	}
	return s
}

// sunkOf returns the mails of one X-Deskd-Kind about one ticket that the SMTP server took.
func sunkOf(t *testing.T, s *oauthtest.SMTPServer, kind string, ticket int) []oauthtest.Mail {
	t.Helper()
	var out []oauthtest.Mail
	for _, m := range s.Mails() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("a mail the desk sent does not parse: %v", err)
		}
		if msg.Header.Get("X-Deskd-Kind") == kind && msg.Header.Get("X-Deskd-Ticket") == strconv.Itoa(ticket) {
			out = append(out, m)
		}
	}
	return out
}

// deliverTo puts a mail in the help desk's Maildir, as an MDA does.
func deliverTo(t *testing.T, dc *oauthtest.Dovecot, seq int, msg []byte) {
	t.Helper()
	maildir := filepath.Join(dc.Dir, "home", "helpdesk", "Maildir")
	name := fmt.Sprintf("%d.M%dP%dQ%d.oauth", time.Now().Unix(), time.Now().Nanosecond()/1000, os.Getpid(), seq)
	tmp := filepath.Join(maildir, "tmp", name)
	if err := os.WriteFile(tmp, msg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, mailUID, mailGID); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(maildir, "new", name)); err != nil {
		t.Fatal(err)
	}
}

// maildirSeen counts the mails of a Maildir flagged \Seen and the others.
func maildirSeen(t *testing.T, maildir string) (seen, other int) {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(maildir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, flags, ok := strings.Cut(e.Name(), ":2,"); sub == "cur" && ok && strings.Contains(flags, "S") {
				seen++
			} else {
				other++
			}
		}
	}
	return seen, other
}

// waitFor polls cond every 50 ms, failing the test after limit with what state says.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; state:\n%s", limit, what, state())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
