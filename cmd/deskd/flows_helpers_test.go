package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// flow is one desk on the embedded world, driven step by step: mails go in through SMTP, then
// step() ingests the inbox once and drains the outbox once.
type flow struct {
	t   *testing.T
	ctx context.Context
	w   *world
	dm  *app
	cfg *tickets.Config // The desk's settings.
	db  string          // The database file.
	seq int

	mu    sync.Mutex
	texts map[*mail.Message]string // Decoded text bodies: a *mail.Message body reads once.
}

const (
	desk     = "helpdesk@corp.example"
	authserv = "mx.corp.example" // The authserv-id of the world's inbound server.
)

// dkimPass is the Authentication-Results the inbound server writes for a mail it verified.
var dkimPass = map[string]string{"Authentication-Results": authserv + "; dkim=pass header.d=corp.example header.s=s1"}

func newFlow(t *testing.T, extra string) *flow {
	t.Helper()
	return newFlowWith(t, func(text string) string { return text + extra })
}

// newFlowWith is newFlow with the configuration text edited by edit, after the harness's own
// changes.
func newFlowWith(t *testing.T, edit func(string) string) *flow {
	t.Helper()
	ctx := context.Background()
	w, err := startWorld(desk, "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	dir := t.TempDir()
	// The sample desk (config.Sample): one technician per language and skill set on tier 1, so
	// that assignment is predictable (network and hardware go to Alice, who reads French;
	// accounts and software to Bob, who reads English), a French specialist on tier 2, an English
	// expert on tier 3; on the embedded servers, with a rate limit the flows do not reach.
	text := onTestDatabase(t, config.Local(config.Sample(), w.IMAPAddr, w.Password, w.SMTPAddr))
	text = config.SetKey(text, "desk", "rate_limit", "100")
	text = config.SetKey(text, "imap", "poll_interval", `"10s"`)
	text = edit(text)
	if !strings.Contains(text, "\n[incidents]") {
		// The flows open many requests alike: incidents are detected where a flow asks for it.
		text = config.SetKey(text, "incidents", "detect", "false")
	}
	if !strings.Contains(text, "\n[security]") {
		// The world's inbound server vouches for the staff's mail (staffWrite); tests of an
		// unauthenticated desk set [security] themselves.
		text += "\n[security]\ntrusted_authserv_id = \"" + authserv + "\"\n"
	}
	cfg, err := config.Parse(filepath.Join(dir, "deskd.toml"), []byte(text))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("DESKD_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	dm, err := newApp(ctx, cfg, log, serving)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dm.Close)
	return &flow{t: t, ctx: ctx, w: w, dm: dm, cfg: &cfg.Desk, db: cfg.Database, texts: map[*mail.Message]string{}}
}

// step processes the inbox once and sends what is due now. The clock is read after the ingest:
// a drain as of a time before it would leave the mails it queued for a second later.
func (f *flow) step() {
	f.t.Helper()
	st, err := f.dm.in.Once(f.ctx)
	if err != nil {
		f.t.Fatalf("ingest: %v", err)
	}
	if st.Failed+st.Quarantined > 0 {
		f.t.Fatalf("ingest: %+v", st)
	}
	if _, err := f.dm.out.Drain(f.ctx, time.Now()); err != nil {
		f.t.Fatalf("drain: %v", err)
	}
}

// msg is a mail to write to the desk.
type msg struct {
	from, name string
	to         []string // Default: the desk.
	cc         []string
	subject    string
	body       string
	html       bool // The body is text/html.
	headers    map[string]string
}

// send submits a mail through the world's SMTP server and returns its Message-ID (without <>).
func (f *flow) send(m msg) string {
	f.t.Helper()
	f.seq++
	id := fmt.Sprintf("%d.%d.flow@%s", f.seq, time.Now().UnixNano(), domainOf(m.from))
	if len(m.to) == 0 {
		m.to = []string{desk}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", (&mail.Address{Name: m.name, Address: m.from}).String(), strings.Join(m.to, ", "))
	if len(m.cc) > 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", strings.Join(m.cc, ", "))
	}
	fmt.Fprintf(&b, "Subject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n", mime.QEncoding.Encode("utf-8", m.subject), id, time.Now().Format(time.RFC1123Z))
	for k, v := range m.headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	ctype := "text/plain"
	if m.html {
		ctype = "text/html"
	}
	if m.headers["Content-Type"] == "" {
		fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n", ctype)
	}
	b.WriteString("\r\n" + strings.ReplaceAll(m.body, "\n", "\r\n") + "\r\n")
	f.sendRaw(m.from, append(append([]string{}, m.to...), m.cc...), b.String())
	return id
}

func (f *flow) sendRaw(from string, rcpts []string, raw string) {
	f.t.Helper()
	var to []string
	for _, r := range rcpts {
		if a, err := mail.ParseAddress(r); err == nil {
			to = append(to, a.Address)
		}
	}
	if err := smtp.SendMail(f.w.SMTPAddr, nil, from, to, []byte(raw)); err != nil {
		f.t.Fatalf("send: %v", err)
	}
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	if d == "" {
		return "flow.example"
	}
	return d
}

// open writes a new request and processes it; it returns the ticket.
func (f *flow) open(m msg) *tickets.Ticket {
	f.t.Helper()
	id := f.send(m)
	f.step()
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, tk := range list {
		if tk.OriginMessageID == id {
			return tk
		}
	}
	f.t.Fatalf("no ticket for %q", m.subject)
	return nil
}

func (f *flow) ticket(id int64) *tickets.Ticket {
	f.t.Helper()
	tk, err := f.dm.desk.Store.Ticket(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return tk
}

func (f *flow) show(id int64) tickets.TicketJSON {
	f.t.Helper()
	js, err := f.dm.desk.Store.Show(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return js
}

// events returns the ticket's events of one kind.
func (f *flow) events(id int64, kind string) []tickets.Event {
	f.t.Helper()
	all, err := f.dm.desk.Store.Events(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []tickets.Event
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (f *flow) ticketCount() int {
	f.t.Helper()
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(list)
}

// mails returns what an address received of one kind ("" any) about one ticket (0 any).
func (f *flow) mails(addr, kind string, ticket int64) []*mail.Message {
	var out []*mail.Message
	for _, m := range f.w.received(addr) {
		if (kind == "" || m.Header.Get("X-Deskd-Kind") == kind) && (ticket == 0 || m.Header.Get("X-Deskd-Ticket") == fmt.Sprint(ticket)) {
			out = append(out, m)
		}
	}
	return out
}

// one returns the single mail of a kind about a ticket that addr received, failing otherwise.
func (f *flow) one(addr, kind string, ticket int64) *mail.Message {
	f.t.Helper()
	ms := f.mails(addr, kind, ticket)
	if len(ms) != 1 {
		f.t.Fatalf("%s got %d %q mails about #%d, want 1 (all: %s)\n%s", addr, len(ms), kind, ticket, f.kinds(addr), f.outbox(ticket))
	}
	return ms[0]
}

// last returns the latest mail of a kind about a ticket that addr received.
func (f *flow) last(addr, kind string, ticket int64) *mail.Message {
	f.t.Helper()
	ms := f.mails(addr, kind, ticket)
	if len(ms) == 0 {
		f.t.Fatalf("%s got no %q mail about #%d (all: %s)\n%s", addr, kind, ticket, f.kinds(addr), f.outbox(ticket))
	}
	return ms[len(ms)-1]
}

// kinds lists what an address received, for failure messages.
func (f *flow) kinds(addr string) string {
	var ks []string
	for _, m := range f.w.received(addr) {
		ks = append(ks, m.Header.Get("X-Deskd-Kind")+"#"+m.Header.Get("X-Deskd-Ticket"))
	}
	return "[" + strings.Join(ks, " ") + "]"
}

// outbox describes a ticket's outbox rows, for failure messages.
func (f *flow) outbox(ticket int64) string {
	rows, err := f.dm.desk.Store.Reader().QueryContext(f.ctx, `SELECT id, kind, recipients, cc, state, attempts,
		next_attempt_at, last_error FROM outbox WHERE ticket_id = ? ORDER BY id`, ticket)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "outbox of #%d (now %d):\n", ticket, time.Now().Unix())
	for rows.Next() {
		var id, attempts, next int64
		var kind, to, cc, state, last string
		if err := rows.Scan(&id, &kind, &to, &cc, &state, &attempts, &next, &last); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "  %d %s to %s cc %s: %s, %d attempts, next %d %s\n", id, kind, to, cc, state, attempts, next, last)
	}
	return b.String()
}

// use makes the flow's helpers fail the subtest t until the returned function restores the
// parent: defer f.use(t)().
func (f *flow) use(t *testing.T) func() {
	parent := f.t
	f.t = t
	return func() { f.t = parent }
}

// total counts every mail the world delivered to anyone but the desk.
func (f *flow) total() int {
	f.w.mu.Lock()
	defer f.w.mu.Unlock()
	n := 0
	for rcpt, ms := range f.w.mail {
		if !f.cfg.IsDeskAddress(rcpt) && !strings.HasPrefix(rcpt, "helpdesk+") {
			n += len(ms)
		}
	}
	return n
}

// text returns the decoded text/plain body of a received mail.
func (f *flow) text(m *mail.Message) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.texts[m]; ok {
		return s
	}
	s := partText(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, "text/plain")
	f.texts[m] = s
	return s
}

func partText(ctype, cte string, r io.Reader, want string) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		var found string
		for {
			p, err := mr.NextPart()
			if err != nil {
				return found
			}
			// NextPart already decodes quoted-printable.
			s := partText(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, want)
			if found == "" && s != "" {
				found = s
			}
		}
	}
	if mt != want {
		_, _ = io.Copy(io.Discard, r)
		return ""
	}
	switch strings.ToLower(cte) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{r})
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	b, _ := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

func subjectOf(m *mail.Message) string { return decodeSubject(m.Header.Get("Subject")) }

// replyStyle is how a mail client writes a reply.
type replyStyle int

const (
	plainStyle      replyStyle = iota // The new text only.
	gmailFR                           // "Le jeu. 26 nov. 2026 à 10:05, … a écrit :" and "> " quotes.
	gmailEN                           // "On Thu, Nov 26, 2026 at 10:05 AM … wrote:" and "> " quotes.
	outlookFR                         // "De : … Envoyé : … À : … Objet : …" and the original unquoted.
	outlookHTMLOnly                   // text/html only, the original under divRplyFwdMsg.
)

// reply answers a received desk mail the way a mail client does: to its Reply-To, threaded
// under it, with the original quoted below in the style given.
func (f *flow) reply(from, name string, orig *mail.Message, body string, style replyStyle, headers map[string]string) string {
	f.t.Helper()
	to := orig.Header.Get("Reply-To")
	if to == "" {
		to = orig.Header.Get("From")
	}
	addr, err := mail.ParseAddress(to)
	if err != nil {
		f.t.Fatalf("reply address %q: %v", to, err)
	}
	h := map[string]string{}
	for k, v := range headers {
		h[k] = v
	}
	id := orig.Header.Get("Message-Id")
	h["In-Reply-To"] = id
	h["References"] = strings.TrimSpace(orig.Header.Get("References") + " " + id)
	subject := subjectOf(orig)
	origText := strings.TrimSpace(f.text(orig))
	quoted := "> " + strings.ReplaceAll(origText, "\n", "\n> ")
	m := msg{from: from, name: name, to: []string{addr.Address}, subject: "RE: " + subject, headers: h}
	switch style {
	case plainStyle:
		m.body = body
	case gmailFR:
		m.body = body + "\n\nLe jeu. 26 nov. 2026 à 10:05, Support Informatique <helpdesk@corp.example> a écrit :\n" + quoted
	case gmailEN:
		m.body = body + "\n\nOn Thu, Nov 26, 2026 at 10:05 AM Support Informatique <helpdesk@corp.example> wrote:\n" + quoted
	case outlookFR:
		m.subject = "RE : " + subject
		m.body = body + "\n\n________________________________\nDe : Support Informatique <helpdesk@corp.example>\n" +
			"Envoyé : jeudi 26 novembre 2026 10:05\nÀ : " + name + " <" + from + ">\nObjet : " + subject + "\n\n" + origText
	case outlookHTMLOnly:
		m.subject = "RE : " + subject
		m.html = true
		esc := func(s string) string {
			s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
			return strings.ReplaceAll(s, "\n", "<br>\n")
		}
		m.body = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body dir="ltr"><div style="font-family: Calibri, Arial, Helvetica, sans-serif; font-size: 12pt;">` + esc(body) + `</div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>De :</b> Support Informatique &lt;helpdesk@corp.example&gt;<br>
<b>Envoyé :</b> jeudi 26 novembre 2026 10:05<br><b>À :</b> ` + esc(name+" <"+from+">") + `<br><b>Objet :</b> ` + esc(subject) + `</font>
<div>&nbsp;</div></div>
<div><div>` + esc(origText) + `</div></div>
</body></html>`
	}
	return f.send(m)
}

// sqlDB opens a second connection on the desk's database, for test setup the mail flow cannot
// reach (time travel).
func (f *flow) sqlDB() *sql.DB {
	f.t.Helper()
	db, err := tickets.OpenRaw(f.db)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = db.Close() })
	return db
}

// rawSend writes a raw mail from the Internet, its lines joined by CRLF; {{ID}} and {{DATE}}
// become a fresh Message-ID and the date. The desk then runs one step.
func (f *flow) rawSend(from string, rcpts []string, lines ...string) {
	f.t.Helper()
	f.seq++
	raw := strings.Join(lines, "\r\n")
	raw = strings.ReplaceAll(raw, "{{ID}}", fmt.Sprintf("<%d.%d.raw@elsewhere.example>", f.seq, time.Now().UnixNano()))
	raw = strings.ReplaceAll(raw, "{{DATE}}", time.Now().Format(time.RFC1123Z))
	f.sendRaw(from, rcpts, raw)
	f.step()
}
