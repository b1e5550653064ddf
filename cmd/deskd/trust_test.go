package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// The attacks of "safe by default", each played end to end in the embedded world: the attacker
// writes mail from the Internet, the desk reads it over IMAP and answers over SMTP.

// noAuthserv is the desk as shipped: no trusted server's Authentication-Results.
const noAuthserv = "\n[security]\ntrusted_authserv_id = \"\"\n"

// forge writes a mail into a ticket by its subject tag, as anyone on the Internet can.
func (f *flow) forge(from string, tk *tickets.Ticket, body string, headers map[string]string) {
	f.t.Helper()
	f.send(msg{from: from, subject: fmt.Sprintf("[HD #%d] %s", tk.ID, tk.Subject), body: body, headers: headers})
	f.step()
}

// forgedNote returns the ticket's notes that keep unauthenticated mail.
func (f *flow) forgedNotes(tk *tickets.Ticket) []tickets.Event {
	var out []tickets.Event
	for _, e := range f.events(tk.ID, "note") {
		if strings.HasPrefix(e.Text, "unauthenticated mail from ") && !e.Public && e.Actor == "deskd" {
			out = append(out, e)
		}
	}
	return out
}

// TestTrustForgedStaff: on a desk as shipped (no trusted_authserv_id), a mail whose From is a
// technician's address, with the ticket's tag, neither runs commands nor reaches the requester;
// it is kept as a note, and the technician is told once an hour. Her own reply to the desk's
// mail to her is obeyed.
func TestTrustForgedStaff(t *testing.T) {
	f := newFlow(t, noAuthserv)
	tk := f.openVPN("victim@corp.example")
	before := snapshot(f.ticket(tk.ID))
	f.forge(alice, tk, "Bonjour, pour rétablir le VPN, entrez votre mot de passe sur https://evil.example/vpn\n#priority urgent\n#cc mallory@evil.example", nil)
	f.forge(alice, tk, "#resolve Réglé.", nil)

	if after := snapshot(f.ticket(tk.ID)); after != before {
		t.Fatalf("a forged mail changed the ticket:\n%s\n%s", before, after)
	}
	if ms := f.mails("victim@corp.example", "", tk.ID); len(ms) != 1 {
		t.Fatalf("the requester got %s; want the acknowledgement only", f.kinds("victim@corp.example"))
	}
	if len(f.deskMails("mallory@evil.example")) != 0 || len(f.events(tk.ID, "reply")) != 0 {
		t.Fatal("the forged mail was relayed")
	}
	notes := f.forgedNotes(tk)
	if len(notes) != 2 || !strings.Contains(notes[0].Text, "https://evil.example/vpn") || !strings.Contains(notes[0].Text, alice) {
		t.Fatalf("notes %+v", notes)
	}
	// Told why, in her language, once in the hour.
	notices := f.mails(alice, "rejected", tk.ID)
	if len(notices) != 1 {
		t.Fatalf("Alice got %d notices, want 1 in the hour", len(notices))
	}
	if body := f.text(notices[0]); !strings.Contains(body, "répondez à ce mail") || !strings.Contains(body, "rien n'a été envoyé au demandeur") {
		t.Fatalf("notice %q", body)
	}

	// Alice answers the desk's own mail to her: that mail proves her mailbox.
	f.command(tk, "#priority high")
	if got := f.ticket(tk.ID); got.Priority != tickets.PriorityHigh {
		t.Fatalf("Alice's reply to her notice not obeyed: priority %s (events %+v)", got.Priority, f.forgedNotes(tk))
	}
}

// TestTrustLeakedToken: the tokens of a mail are its recipient's. A watcher who writes as the
// technician with the watcher's own copy gets nothing of hers; a stranger who answers a mail
// that was forwarded to him opens a ticket of his own.
func TestTrustLeakedToken(t *testing.T) {
	f := newFlow(t, noAuthserv)
	const tom = "tom@corp.example"
	tk := f.openVPN("celine@corp.example", tom)
	if !slices.Contains(tk.Watchers, tom) {
		t.Fatalf("watchers %v", tk.Watchers)
	}
	before := snapshot(f.ticket(tk.ID))
	// Tom replies to his copy of the acknowledgement (its Reply-To, In-Reply-To its Message-ID)
	// with From: Alice.
	f.reply(alice, "Alice Martin", f.one(tom, "ack", tk.ID), "#resolve Fait.\nMot de passe : https://evil.example", plainStyle, nil)
	f.step()
	if after := snapshot(f.ticket(tk.ID)); after != before || f.ticket(tk.ID).Status == tickets.StatusResolved {
		t.Fatalf("Tom's token acted as Alice:\n%s\n%s", before, after)
	}
	if len(f.forgedNotes(tk)) != 1 || len(f.mails("celine@corp.example", "resolved", tk.ID)) != 0 {
		t.Fatalf("notes %+v, requester got %s", f.forgedNotes(tk), f.kinds("celine@corp.example"))
	}

	// Céline forwards her acknowledgement to Mallory, who answers it: his own ticket, linked.
	count := f.ticketCount()
	f.reply("mallory@evil.example", "Mallory", f.one("celine@corp.example", "ack", tk.ID), "Please add me to this ticket.", plainStyle, nil)
	f.step()
	if f.ticketCount() != count+1 {
		t.Fatalf("%d tickets, want %d", f.ticketCount(), count+1)
	}
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if next := list[0]; next.Requester != "mallory@evil.example" || next.LinkedTicket != tk.ID {
		t.Fatalf("new ticket %+v", next)
	}
	if got := f.ticket(tk.ID); slices.Contains(got.Watchers, "mallory@evil.example") || len(f.events(tk.ID, "message")) != 1 {
		t.Fatalf("Mallory got into the ticket: watchers %v, %d messages", got.Watchers, len(f.events(tk.ID, "message")))
	}
}

// TestTrustRepeatedHeaders: a DKIM-verified mail with a header field prepended (DKIM checks the
// last copy, deskd reads the first) is not authenticated.
func TestTrustRepeatedHeaders(t *testing.T) {
	f := newFlow(t, "")
	tk := f.openVPN("celine@corp.example")
	for _, field := range []string{"From", "Subject", "Date"} {
		h := map[string]string{"Authentication-Results": dkimPass["Authentication-Results"]}
		switch field {
		case "From":
			h["From"] = "Mallory <mallory@evil.example>"
		case "Subject":
			h["Subject"] = "Lunch on Friday?"
		case "Date":
			h["Date"] = time.Now().Add(-24 * time.Hour).Format(time.RFC1123Z)
		}
		f.forge(alice, tk, "#priority urgent", h)
	}
	if got := f.ticket(tk.ID); got.Priority == tickets.PriorityUrgent {
		t.Fatal("a mail with a repeated field was obeyed")
	}
	if notes := f.forgedNotes(tk); len(notes) != 3 || !strings.Contains(notes[0].Text, "From header field twice") {
		t.Fatalf("notes %+v", notes)
	}
	f.forge(alice, tk, "#priority urgent", dkimPass)
	if got := f.ticket(tk.ID); got.Priority != tickets.PriorityUrgent {
		t.Fatalf("the same mail without the repeated field not obeyed: %s", got.Priority)
	}
}

// TestTrustWatchers: of the people in copy of a request, only those of the organisation become
// watchers, at most max_watchers of them; the others are recorded, not mailed. A mail that only
// claims to come from the requester adds nobody; her real reply does.
func TestTrustWatchers(t *testing.T) {
	f := newFlow(t, "")
	var cc []string
	for i := range 12 {
		cc = append(cc, fmt.Sprintf("colleague%02d@corp.example", i))
	}
	outsiders := []string{"victim1@gmail.example", "victim2@yahoo.example", "x@y@corp.example"}
	tk := f.openVPN("celine@corp.example", append(append([]string{}, outsiders...), cc...)...)
	if want := cc[:10]; !slices.Equal(tk.Watchers, want) {
		t.Fatalf("watchers %v, want %v", tk.Watchers, want)
	}
	for _, o := range append(outsiders[:2], cc[10:]...) {
		if n := len(f.deskMails(o)); n != 0 {
			t.Errorf("%s, not a watcher, got %d mails from the desk", o, n)
		}
	}
	f.one("celine@corp.example", "ack", tk.ID)
	f.one(cc[0], "ack", tk.ID)
	ev := f.events(tk.ID, "cc")
	if len(ev) != 1 {
		t.Fatalf("cc events %+v", ev)
	}
	for _, want := range []string{"outside the organisation's domains: victim1@gmail.example, victim2@yahoo.example",
		"over max_watchers (10): colleague10@corp.example, colleague11@corp.example", "not a sendable address: x@y@corp.example"} {
		if !strings.Contains(ev[0].Text, want) {
			t.Errorf("cc event lacks %q: %q", want, ev[0].Text)
		}
	}

	// A tag-only mail claiming to be Céline's adds nobody.
	f.send(msg{from: "celine@corp.example", cc: []string{"intruder@corp.example"}, subject: fmt.Sprintf("RE: [HD #%d] %s", tk.ID, tk.Subject), body: "Ajoutez mon collègue."})
	f.step()
	if got := f.ticket(tk.ID); slices.Contains(got.Watchers, "intruder@corp.example") {
		t.Fatal("a tag-only mail added a watcher")
	}
	// Her reply to the acknowledgement sent to her does.
	f.reply("celine@corp.example", "Céline Dupré", f.one("celine@corp.example", "ack", tk.ID), "J'ajoute Jean.", plainStyle,
		map[string]string{"Cc": "jean@corp.example"})
	f.step()
	if got := f.ticket(tk.ID); !slices.Contains(got.Watchers, "jean@corp.example") {
		t.Fatalf("an authenticated reply did not add its Cc: %v", got.Watchers)
	}
}

// TestTrustBounces: a watcher cannot silence the requester with a forged bounce; a real bounce
// counts against the copy's recipient only when delivery failed for good, and only the third
// within a week holds the address back. Delay warnings never do.
func TestTrustBounces(t *testing.T) {
	f := newFlow(t, "")
	const celine, tom = "celine@corp.example", "tom@corp.example"
	tk := f.openVPN(celine, tom)
	f.command(tk, "Pouvez-vous redémarrer ?")
	f.command(tk, "Et maintenant ?")
	// Tom forges reports against Céline: to the desk, to the bounce address of his own copies,
	// and naming the Message-ID of the mail they both got.
	for i, m := range f.mails(tom, "", tk.ID) {
		f.sendRaw("", []string{desk}, bounceReport(desk, celine, m, "5.1.1", "failed"))
		f.sendRaw("", []string{returnPath(t, m)}, bounceReport(returnPath(t, m), celine, m, "5.1.1", "failed"))
		f.step()
		if i > 3 {
			break
		}
	}
	if n := f.suppressedCount(celine); n != 0 {
		t.Fatal("a watcher's forged bounces silenced the requester")
	}
	// Delay warnings, even to the right address, never count.
	mine := f.mails(celine, "", tk.ID)
	for _, m := range mine {
		f.sendRaw("", []string{returnPath(t, m)}, bounceReport(returnPath(t, m), celine, m, "4.4.1", "delayed"))
	}
	f.step()
	if f.suppressedCount(celine) != 0 {
		t.Fatal("delay warnings held the address back")
	}
	// Hard bounces of her copies: the first two do not, the third does.
	for i, m := range mine[:3] {
		f.sendRaw("", []string{returnPath(t, m)}, bounceReport(returnPath(t, m), celine, m, "5.2.1", "failed"))
		f.step()
		if got, want := f.suppressedCount(celine), map[bool]int{true: 1, false: 0}[i == 2]; got != want {
			t.Fatalf("after %d hard bounces: suppressed %d", i+1, got)
		}
	}
	if f.ticketCount() != 1 {
		t.Fatalf("bounces opened tickets: %d", f.ticketCount())
	}
}

// deskMails returns the mails the desk sent an address (the world also delivers people's mail).
func (f *flow) deskMails(addr string) []*mail.Message {
	var out []*mail.Message
	for _, m := range f.w.received(addr) {
		if m.Header.Get("X-Deskd-Kind") != "" {
			out = append(out, m)
		}
	}
	return out
}

// suppressedCount is 1 when mail to the address is held back now, else 0.
func (f *flow) suppressedCount(addr string) int {
	f.t.Helper()
	ok, err := f.dm.desk.Store.Suppressed(f.ctx, addr, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	if ok {
		return 1
	}
	return 0
}

// TestTrustAddresses: an address mail cannot be sent to never makes the mail fail for the others;
// names and subjects with encoded line breaks are kept on one line.
func TestTrustAddresses(t *testing.T) {
	f := newFlow(t, "")
	tk := f.openVPN("celine@corp.example", "x@y@corp.example", "ok@corp.example")
	f.one("celine@corp.example", "ack", tk.ID)
	f.one("ok@corp.example", "ack", tk.ID)
	// A technician's #cc of such an address is refused; the answer still reaches the others.
	f.command(tk, "#cc z@w@corp.example")
	f.command(tk, "Pouvez-vous redémarrer ?")
	f.one("celine@corp.example", "reply", tk.ID)
	f.one("ok@corp.example", "reply", tk.ID)
	if got := f.ticket(tk.ID); slices.Contains(got.Watchers, "z@w@corp.example") || slices.Contains(got.Watchers, "x@y@corp.example") {
		t.Fatalf("watchers %v", got.Watchers)
	}

	raw := "From: =?utf-8?q?Eve=0D=0ABcc=3A_all=40corp=2Eexample=0D=0A=0D=0Ahello?= <eve@corp.example>\r\n" +
		"To: " + desk + "\r\nSubject: =?utf-8?q?Imprimante=0D=0ABcc=3A_x=40evil=2Eexample=0A_bloqu=C3=A9e?=\r\n" +
		"Message-ID: <crlf.1@corp.example>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nL'imprimante est bloquée.\r\n"
	f.sendRaw("eve@corp.example", []string{desk}, raw)
	f.step()
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	eve := list[0]
	if eve.Requester != "eve@corp.example" || strings.ContainsAny(eve.RequesterName+eve.Subject, "\r\n") ||
		eve.RequesterName != "Eve Bcc: all@corp.example hello" || eve.Subject != "Imprimante Bcc: x@evil.example bloquée" {
		t.Fatalf("name %q subject %q", eve.RequesterName, eve.Subject)
	}
	ack := f.one("eve@corp.example", "ack", eve.ID)
	if s := ack.Header.Get("Subject"); strings.ContainsAny(subjectOf(ack), "\r\n") || s == "" {
		t.Fatalf("ack subject %q", s)
	}
	if len(f.deskMails("x@evil.example"))+len(f.deskMails("all@corp.example")) != 0 {
		t.Fatal("a header was injected")
	}
}

// TestTrustRateLimitByMailbox: victim+1@, victim+2@… are one mailbox with one hourly budget.
func TestTrustRateLimitByMailbox(t *testing.T) {
	f := newFlowWith(t, func(text string) string { return config.SetKey(text, "desk", "rate_limit", "3") })
	for i := range 5 {
		f.send(msg{from: fmt.Sprintf("victim+%d@corp.example", i), subject: "Hello", body: "hello"})
	}
	f.step()
	var toVictim int
	f.w.mu.Lock()
	for rcpt, ms := range f.w.mail {
		if local, domain, _ := strings.Cut(rcpt, "@"); strings.HasPrefix(local, "victim") && domain == "corp.example" {
			toVictim += len(ms)
		}
	}
	f.w.mu.Unlock()
	if toVictim != 3 {
		t.Fatalf("the victim's mailbox got %d acknowledgements, want 3", toVictim)
	}
}

// TestTrustRateLimitBySender: one sender's mails share one hourly budget, whoever they make the
// desk write to.
func TestTrustRateLimitBySender(t *testing.T) {
	f := newFlowWith(t, func(text string) string { return config.SetKey(text, "desk", "rate_limit", "3") })
	for i := range 5 {
		f.send(msg{from: "spammer@corp.example", subject: fmt.Sprintf("Hello %d", i), body: "hello",
			headers: map[string]string{"Reply-To": fmt.Sprintf("person%d@corp.example", i)}})
	}
	f.step()
	var got int
	for i := range 5 {
		got += len(f.mails(fmt.Sprintf("person%d@corp.example", i), "ack", 0))
	}
	if got != 3 {
		t.Fatalf("one sender made the desk write %d acknowledgements in the hour, want 3", got)
	}
}

// TestTrustFiles: the database, its WAL and shared memory are the desk's alone whatever the
// umask, in a directory of its own when deskd makes it; `deskd check` says what protects the desk
// and warns of passwords in clear.
func TestTrustFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deskd.toml")
	text := config.Local(config.Sample(), "imap.corp.example:143", "x", "127.0.0.1:1")
	text = strings.Replace(text, `database = "deskd.db"`, `database = "state/deskd.db"`, 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	seed(t, path)
	for _, p := range []string{"state/deskd.db", "state/deskd.db-wal", "state/deskd.db-shm", "deskd.secret"} {
		st, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			if strings.HasSuffix(p, "-wal") || strings.HasSuffix(p, "-shm") {
				continue // Checkpointed away at close.
			}
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", p, st.Mode().Perm())
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "state")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("database directory: %v, %v", st.Mode(), err)
	}

	code, out, stderr := cli(t, "check", "--config", path)
	for _, want := range []string{
		"security: staff commands and answers are obeyed when (b) they reply to a desk mail sent to that staff address",
		"warning: no [security] trusted_authserv_id",
		`warning: imap.security = "none" towards imap.corp.example:143, which is not this machine`,
		"people in copy become watchers from corp.example only, at most 10 per mail",
		"warning: [web] base_url is not set: the links in mails",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s%s", want, out, stderr)
		}
	}
	if code != 1 || strings.Contains(out, `smtp.security = "none"`) {
		t.Errorf("exit %d; output:\n%s", code, out) // SMTP on loopback is no warning; the servers are unreachable.
	}
}

// TestTrustSecretFileRefused: a secret file others can read is refused: whoever reads it can sign
// tokens and act as any member of the staff.
func TestTrustSecretFileRefused(t *testing.T) {
	path := cliConfig(t)
	secret := filepath.Join(filepath.Dir(path), "deskd.secret")
	if err := os.WriteFile(secret, []byte(strings.Repeat("ab", 32)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "check", "--config", path)
	if code != 1 || !strings.Contains(stderr, "deskd.secret is open to others (mode 0644): chmod 600") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestTrustUnitUMask: the systemd unit keeps what deskd creates to itself.
func TestTrustUnitUMask(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "deskd.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\nUMask=0077\n") {
		t.Fatal("deploy/deskd.service does not set UMask=0077")
	}
}

// TestTrustServeSaysProtection: `deskd serve` logs at start what protects the desk, and warns
// when a staff mail written afresh cannot be authenticated.
func TestTrustServeSaysProtection(t *testing.T) {
	cfg, err := config.Load(cliConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	w := &syncWriter{w: &logs}
	a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(w, nil)), serving)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx) }()
	read := func() string {
		w.mu.Lock()
		defer w.mu.Unlock()
		return logs.String()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(read(), "no [security] trusted_authserv_id") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := read()
	for _, want := range []string{"level=INFO msg=\"security: staff commands and answers are obeyed when (b)", "level=WARN msg=\"security: no [security] trusted_authserv_id"} {
		if !strings.Contains(got, want) {
			t.Errorf("serve's log lacks %q:\n%s", want, got)
		}
	}
}

// TestSecuritySummary: with a trusted server, the summary names it, and warns of a staff address
// on a domain the organisation does not run, and of SMTP in clear to another machine.
func TestSecuritySummary(t *testing.T) {
	text := config.Local(config.Sample(), "127.0.0.1:1143", "x", "smtp.corp.example:25")
	text = strings.Replace(text, `# aliases = ["a.martin@corp.example"]`, `aliases = ["alice.martin@gmail.example"]`, 1)
	text += "\n[security]\ntrusted_authserv_id = \"mx.corp.example\"\n"
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "deskd.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	lines, warnings := securitySummary(cfg)
	all := strings.Join(lines, "\n") + "\n" + strings.Join(warnings, "\n")
	for _, want := range []string{
		"(a) the Authentication-Results of mx.corp.example show DKIM or DMARC pass",
		"alice.martin@gmail.example is outside desk.domains: a DKIM pass for gmail.example proves only",
		`smtp.security = "none" towards smtp.corp.example:25`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("summary lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "imap.security") || strings.Contains(all, "no [security] trusted_authserv_id") {
		t.Errorf("warnings that do not apply:\n%s", all)
	}
}

// TestTrustRequestInSomeoneElsesName: an employee opens a request in a colleague's name with
// Reply-To (no forgery needed) — or with a forged From — and copies himself: the technician's
// answer reaches the colleague's mailbox only. With Reply-To the ticket is hers, the technician
// is told who wrote it, and the writer is no watcher; a forged From is not authenticated by the
// trusted server, so its copies make nobody a watcher.
func TestTrustRequestInSomeoneElsesName(t *testing.T) {
	for _, forged := range []bool{false, true} {
		t.Run(fmt.Sprint("forgedFrom=", forged), func(t *testing.T) {
			f := newFlow(t, "")
			m := msg{from: "mallory@corp.example", name: "Céline Dupré", subject: "Mot de passe oublié",
				headers: map[string]string{"Reply-To": "Céline Dupré <celine@corp.example>"},
				body:    "Bonjour, j'ai oublié mon mot de passe, pouvez-vous le réinitialiser et me le renvoyer ? Merci, Céline"}
			if forged {
				m.from, m.headers, m.cc = "celine@corp.example", nil, []string{"mallory@corp.example"}
			}
			tk := f.open(m)
			if tk.Requester != "celine@corp.example" || slices.Contains(tk.Watchers, "mallory@corp.example") {
				t.Fatalf("requester %s watchers %v", tk.Requester, tk.Watchers)
			}
			tech := f.ticket(tk.ID).Assignee
			assigned := f.one(tech, "assigned", tk.ID)
			if said := strings.Contains(f.text(assigned), "mallory@corp.example"); said == forged {
				t.Errorf("the notice tells who wrote it: %v\n%s", said, f.text(assigned))
			}
			f.reply(tech, "", assigned, "Bonjour Céline, votre mot de passe temporaire est Tmp-4821-xq.", plainStyle, nil)
			f.step()
			if got := f.deskMails("mallory@corp.example"); len(got) > 0 {
				t.Errorf("mallory got %d mails of Céline's ticket", len(got))
			}
			if len(f.mails("celine@corp.example", "reply", tk.ID)) != 1 {
				t.Errorf("Céline got no answer: %s", f.kinds("celine@corp.example"))
			}
		})
	}
}

// TestTrustStrangerCopiesNobody: a stranger on the Internet opens a ticket with Cc: ten
// colleagues and Reply-To: the CEO: the ticket is the stranger's, the colleagues are recorded,
// not made watchers, and the desk mails none of them (no phishing relayed by the desk).
func TestTrustStrangerCopiesNobody(t *testing.T) {
	f := newFlow(t, "")
	var cc []string
	for i := range 10 {
		cc = append(cc, fmt.Sprintf("colleague%02d@corp.example", i))
	}
	tk := f.open(msg{from: "mallory@evil.example", name: "IT Security", cc: cc,
		headers: map[string]string{"Reply-To": "ceo@corp.example"},
		subject: "Password expires today - renew at https://corp-example.evil.example/sso", body: "see subject"})
	if tk.Requester != "mallory@evil.example" || len(tk.Watchers) != 0 {
		t.Errorf("requester %s watchers %v", tk.Requester, tk.Watchers)
	}
	for _, a := range append([]string{"ceo@corp.example"}, cc...) {
		if got := f.deskMails(a); len(got) > 0 {
			t.Errorf("%s got %d mails", a, len(got))
		}
	}
	if ev := f.events(tk.ID, "cc"); len(ev) != 1 || !strings.Contains(ev[0].Text, "colleague00@corp.example") {
		t.Errorf("copies not recorded: %v", ev)
	}
}

// TestTrustCopiesReasonIsTrue: the people in copy of a request that is not made watchers are
// recorded with the true reason: a colleague's unauthenticated mail (a trusted server is set,
// and it vouches for nothing) says the mail is not authenticated, not that they are outside the
// organisation; a stranger's mail says the sender is outside it.
func TestTrustCopiesReasonIsTrue(t *testing.T) {
	f := newFlow(t, "")
	tk := f.open(msg{from: "sophie@corp.example", name: "Sophie Martin", cc: []string{"marc@corp.example", "friend@gmail.example"},
		subject: "Le VPN ne se connecte plus", body: "Bonjour,\n\nLe VPN refuse de se connecter.\n"})
	if len(tk.Watchers) != 0 {
		t.Fatalf("watchers %v from an unauthenticated mail", tk.Watchers)
	}
	ev := f.events(tk.ID, "cc")
	if len(ev) != 1 || !strings.Contains(ev[0].Text, "the mail is not authenticated: marc@corp.example") ||
		strings.Contains(ev[0].Text, "outside the organisation's domains: marc@corp.example") ||
		!strings.Contains(ev[0].Text, "outside the organisation's domains: friend@gmail.example") {
		t.Fatalf("cc events %+v", ev)
	}
	stranger := f.open(msg{from: "paul@partner.example", cc: []string{"marc@corp.example"}, subject: "Accès VPN", body: "Bonjour, pouvez-vous ouvrir le VPN ?"})
	if ev := f.events(stranger.ID, "cc"); len(ev) != 1 || !strings.Contains(ev[0].Text, "the sender is outside the organisation's domains: marc@corp.example") {
		t.Fatalf("a stranger's copies: %+v", ev)
	}
}

// TestTrustNoSubjectOracle: a stranger who writes "[HD #N] <guess>" gets an acknowledgement
// with the subject he wrote, whether or not he guessed ticket N's subject. (Two strangers: one
// stranger's second mail about ticket N goes into the request his first one opened, whatever
// its subject.)
func TestTrustNoSubjectOracle(t *testing.T) {
	f := newFlow(t, "")
	tk := f.openVPN("celine@corp.example")
	guesses := []string{"Licenciement de Céline", tk.Subject}
	for i, guess := range guesses {
		f.send(msg{from: fmt.Sprintf("mallory%d@evil.example", i), subject: fmt.Sprintf("[HD #%d] %s", tk.ID, guess), body: "Bonjour, une question."})
		f.step()
	}
	for i, guess := range guesses {
		acks := f.deskMails(fmt.Sprintf("mallory%d@evil.example", i))
		if len(acks) != 1 {
			t.Fatalf("guess %d: %d acknowledgements", i, len(acks))
		}
		if s := subjectOf(acks[0]); !strings.Contains(s, guess) {
			t.Errorf("ack %d subject %q, want the stranger's own %q", i, s, guess)
		}
	}
}

// TestSecuritySummaryMicrosoft365: on Microsoft 365 a trusted authserv-id cannot be the
// server's own (Exchange Online writes none): `deskd check` says so.
func TestSecuritySummaryMicrosoft365(t *testing.T) {
	text := config.Local(config.Sample(), "127.0.0.1:1143", "x", "smtp.corp.example:25")
	for _, kv := range [][3]string{
		{"imap", "auth", `"xoauth2"`}, {"smtp", "auth", `"xoauth2"`},
		{"oauth2", "provider", `"microsoft"`}, {"oauth2", "client_id", `"app-1"`},
	} {
		text = config.SetKey(text, kv[0], kv[1], kv[2])
	}
	for _, id := range []string{"", "mx.corp.example"} {
		t.Run("authserv="+id, func(t *testing.T) {
			cfg, err := config.Parse(filepath.Join(t.TempDir(), "deskd.toml"), []byte(text+"\n[security]\ntrusted_authserv_id = \""+id+"\"\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, warnings := securitySummary(cfg)
			warned := strings.Contains(strings.Join(warnings, "\n"), "Exchange Online writes its Authentication-Results without an authserv-id")
			if warned != (id != "") {
				t.Errorf("warned %v:\n%s", warned, strings.Join(warnings, "\n"))
			}
		})
	}
}

// TestTrustStaffNotRateLimited: the hourly budget of mail one sender causes is for strangers; a
// technician's authenticated work is not held by it. Alice escalates five requests in an hour,
// on a desk whose budget is three: all five requesters are told. (Strangers keep theirs:
// TestTrustRateLimitBySender; so does a mail that only claims to be staff, which is kept as a note.)
func TestTrustStaffNotRateLimited(t *testing.T) {
	f := newFlowWith(t, func(text string) string { return config.SetKey(text, "desk", "rate_limit", "3") })
	var tks []*tickets.Ticket
	for i := range 5 {
		tks = append(tks, f.openVPN(fmt.Sprintf("user%d@corp.example", i)))
	}
	for _, tk := range tks {
		f.staffWrite(alice, tk, "#escalate le profil VPN est corrompu")
	}
	for i, tk := range tks {
		if n := len(f.mails(fmt.Sprintf("user%d@corp.example", i), tickets.KindEscalated, tk.ID)); n != 1 {
			t.Errorf("user%d got %d escalation notices, want 1:\n%s", i, n, f.outbox(tk.ID))
		}
	}
}

// TestLoopbackLinksWarning: `deskd check` warns of links in mails that only the desk's own
// machine can follow, and only then.
func TestLoopbackLinksWarning(t *testing.T) {
	for _, c := range []struct {
		web  [][3]string
		warn bool
	}{
		{nil, true}, // The sample: 127.0.0.1:8025, no base_url.
		{[][3]string{{"web", "base_url", `"https://desk.corp.example"`}}, false},
		{[][3]string{{"web", "address", `"[::1]:8025"`}}, true},
		{[][3]string{{"web", "address", `"localhost:8025"`}}, true},
		{[][3]string{{"web", "address", `"10.1.2.3:8025"`}}, false},
		{[][3]string{{"web", "address", `""`}}, false},
	} {
		text := config.Local(config.Sample(), "127.0.0.1:1", "pw", "127.0.0.1:1")
		for _, kv := range c.web {
			text = config.SetKey(text, kv[0], kv[1], kv[2])
		}
		cfg, err := config.Parse("deskd.toml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		if got := loopbackLinks(cfg); (got != "") != c.warn {
			t.Errorf("%v: warning %q, want one: %v", c.web, got, c.warn)
		}
	}
}
