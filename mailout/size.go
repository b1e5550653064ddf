package mailout

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/deskd/deskd/tickets"
)

// client is an SMTP connection: go-mail's client and the session it dialled, whose EHLO reply
// tells the server's size limit (go-mail keeps its own session unexported).
type client struct {
	*mail.Client
	session *smtp.Client
	timeout time.Duration // For each transaction (transact).
	// deadlineSet is when the connection's deadline was last set to timeout from then
	// (renewDeadline); zero: never.
	deadlineSet time.Time

	capsOnce sync.Once
	caps     capabilities
}

// dialed wraps a go-mail client and the session DialToSMTPClientWithContext returned.
func dialed(c *mail.Client, session *smtp.Client, timeout time.Duration) *client {
	return &client{Client: c, session: session, timeout: timeout}
}

// Send sends the messages over the session, the go-mail way (BenchmarkSMTPExchange weighs it
// against transact).
func (c *client) Send(msgs ...*mail.Msg) error {
	return c.Client.SendWithSMTPClient(c.session, msgs...)
}

// Reset sends RSET.
func (c *client) Reset() error { return c.Client.ResetWithSMTPClient(c.session) }

// Close sends QUIT and closes the connection.
func (c *client) Close() error {
	err := c.Client.CloseWithSMTPClient(c.session)
	if err != nil { // go-mail's Quit returns on an error reply without closing the connection.
		_ = c.session.Close()
	}
	return err
}

// maxSize returns the largest message the server takes, from the SIZE extension of its EHLO
// reply (RFC 1870 section 4); 0 when it declares no limit. Read once a connection, with its
// other extensions (capabilities): render asks for every mail, and a SIZE without a number (as
// go-smtp declares it) cost a strconv.NumError each time.
func (c *client) maxSize() int64 {
	if c == nil || c.session == nil {
		return 0
	}
	return c.capabilities().maxSize
}

// sizeOf reads the SIZE extension of the session's EHLO reply: the largest message the server
// takes, 0 when it declares no limit.
func sizeOf(s *smtp.Client) int64 {
	ok, param := s.Extension("SIZE")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(param), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// attachBudget bounds the files one mail carries when the server declares no size limit: under
// the common 25 MB limit of mail servers once base64 has grown them by a third.
const attachBudget = 15 << 20

// rendered is a mail's words and files, the same for every copy until relink gives a copy its
// recipient's links.
type rendered struct {
	lang, subject, text, html string
	files                     []tickets.File
	notice                    tickets.Notice // As fitted, its LeftOut naming the files left out.
	linkedFor                 string         // The recipient whose links notice has ("" for none known).
	shared                    *encoded       // The encoded parts shared by the copies; nil: none.
}

// copySlack is room for what may differ between two copies of a mail whose tokens and links are
// of the same lengths.
const copySlack = 1 << 10

// render renders a mail in its language with the files it carries, as far as they fit in the
// server's size limit (maxSize, else attachBudget): the files left out are listed in the mail
// instead, so that the mail itself goes. A mail still too large without any file (a long
// history quoted) has its quoted texts cut, down to textCuts' last. The size is that of the
// largest copy, to or cc: the copies differ only by their tokens, of one length for a ticket,
// and by the web desk's links (relink), so one copy is measured for each set of link lengths.
func (d *drain) render(m tickets.OutboxMail, to, cc []string) (rendered, error) {
	lang := m.Language
	if lang == "" {
		lang = d.desk.Language
	}
	// The mail is rendered with its first recipient's links, so that a mail to one recipient (the
	// most of them) is rendered once; relink renders the other copies with theirs.
	var first tickets.Links
	var firstTo string
	if len(to) > 0 {
		first, firstTo = d.links(m, to[0]), to[0]
	}
	words := func(n tickets.Notice, files []tickets.File) (rendered, error) {
		n.Links = first
		subject, text, html, err := d.tpl.Render(m.Kind, lang, n)
		if err != nil {
			return rendered{}, err
		}
		return rendered{lang: lang, subject: oneLineOf(subject), text: text, html: html, files: files, notice: n, linkedFor: firstTo}, nil
	}
	limit := d.client.maxSize()
	var measured []string // One recipient for each set of link lengths.
	if limit > 0 {
		seen := map[[4]int]bool{}
		l := d.linker.Load()
		for _, rcpt := range append(append([]string{}, to...), cc...) {
			var k [4]int
			if l != nil {
				x := l.Links(m, rcpt, d.now)
				k = [4]int{len(x.Page), len(x.Solved), len(x.Unsolved), len(x.SignIn)}
			}
			if !seen[k] {
				seen[k] = true
				measured = append(measured, rcpt)
			}
		}
	}
	size := func(r rendered) int64 { // -1 when no copy can be built: the copies fail on their own.
		largest := int64(-1)
		for _, rcpt := range measured {
			rr, err := d.relink(m, r, rcpt)
			if err != nil {
				continue
			}
			if n, err := d.messageSize(m, rr, to, cc, rcpt); err == nil {
				largest = max(largest, n+copySlack)
			}
		}
		return largest
	}
	// fits reports, without building the copies, that each is surely within the limit (sizeBound).
	fits := func(r rendered) bool {
		for _, rcpt := range measured {
			rr, err := d.relink(m, r, rcpt)
			if err != nil {
				return false
			}
			if d.sizeBound(m, rr, to, cc)+copySlack > limit {
				return false
			}
		}
		return true
	}
	budget := int64(attachBudget)
	if limit > 0 {
		// The room left for the files is measured on the mail without them, and only when it
		// has some: with none (a budget below zero takes none and names them all), the budget
		// changes nothing and the mail is not built for it.
		_, any, err := d.box.MailAttachments(context.Background(), m.TicketID, m.Notice.Source, m.Notice.AllAttachments, -1)
		if err != nil {
			return rendered{}, err
		}
		if len(any) > 0 {
			r, err := words(m.Notice, nil)
			if err != nil {
				return rendered{}, err
			}
			// Room for the files in decoded bytes, keeping some for the list of those left out.
			room := limit - size(r) - 4<<10
			budget = min(budget, max(room*3/4*76/78, 0))
		} else {
			budget = -1
		}
	}
	var files []tickets.File
	var skipped []tickets.LeftOut
	if budget >= 0 {
		var err error
		if files, skipped, err = d.box.MailAttachments(context.Background(), m.TicketID, m.Notice.Source, m.Notice.AllAttachments, budget); err != nil {
			return rendered{}, err
		}
	}
	var r rendered
	var err error
	notice, cuts := m.Notice, textCuts
	for {
		notice.LeftOut = skipped // The mail tells its reader.
		if r, err = words(notice, files); err != nil || limit == 0 || fits(r) {
			break
		}
		n := size(r)
		switch {
		case n <= limit:
		case len(files) > 0:
			// The headers took more room than foreseen: leave out the largest file.
			big := 0
			for i, f := range files {
				if f.Size > files[big].Size {
					big = i
				}
			}
			skipped = append(skipped, tickets.LeftOut{Name: files[big].Name, Size: files[big].Size, Reason: tickets.LeftOutMailSize})
			files = append(files[:big:big], files[big+1:]...)
			continue
		case len(cuts) > 0:
			notice = cutTexts(notice, cuts[0])
			cuts = cuts[1:]
			continue
		default:
			d.log.Warn("mail larger than the server takes", "kind", m.Kind, "ticket_id", m.TicketID, "size", n, "limit", limit)
		}
		break
	}
	if len(skipped) > 0 {
		names := make([]string, len(skipped))
		for i, f := range skipped {
			names[i] = f.Name
		}
		d.log.Info("attachments not sent on", "kind", m.Kind, "ticket_id", m.TicketID, "files", names)
	}
	return r, err
}

// textCuts are the lengths a notice's quoted texts are cut to, one after the other, when the
// mail is too large for the server even without files.
var textCuts = []int{64 << 10, 16 << 10, 4 << 10, 1 << 10}

// cutTexts returns the notice with its text, note, history entries and known answers cut to max
// bytes each, "[…]" marking each cut.
func cutTexts(n tickets.Notice, max int) tickets.Notice {
	cut := func(s string) string {
		if len(s) <= max {
			return s
		}
		for max > 0 && !utf8.RuneStart(s[max]) {
			max--
		}
		return s[:max] + "\n[…]"
	}
	n.Text, n.Note = cut(n.Text), cut(n.Note)
	n.History = append([]tickets.Entry(nil), n.History...)
	for i := range n.History {
		n.History[i].Text = cut(n.History[i].Text)
	}
	n.Similar = append([]tickets.KnownAnswer(nil), n.Similar...)
	for i := range n.Similar {
		n.Similar[i].Note = cut(n.Similar[i].Note)
	}
	return n
}

// messageSize returns the size of a copy as it goes on the wire (before dot-stuffing).
func (d *drain) messageSize(m tickets.OutboxMail, r rendered, to, cc []string, rcpt string) (int64, error) {
	b := bufs.Get().(*bytes.Buffer)
	defer func() { b.Reset(); bufs.Put(b) }()
	if _, err := d.build(b, m, r, to, cc, rcpt); err != nil {
		return 0, fmt.Errorf("measure message: %w", err)
	}
	return int64(b.Len()), nil
}

// sizeBound is more than the size a copy of r to rcpt can take on the wire, from the lengths of
// what goes into it, without building it: quoted-printable and the encoded words of headers
// (RFC 2045 section 6.7, RFC 2047 section 2) at most triple a byte and add a soft line break per
// 75 characters (under 4 bytes a byte), base64 with its line breaks grows a file by under 2, and
// the header fields deskd writes around those parts (names, tokens, dates, MIME structure) are a
// few kilobytes. render builds and measures the copies only when the bound passes the server's
// limit: a mail well under it (nearly all of them) is built once, to be sent.
func (d *drain) sizeBound(m tickets.OutboxMail, r rendered, to, cc []string) int64 {
	n := len(r.subject) + len(r.text) + len(r.html) + len(fromName(d.tpl, r.lang, d.desk, m)) + 3*len(d.desk.Address)
	for _, a := range append(append([]string{}, to...), cc...) {
		n += len(a) + len(m.Notice.Names[a]) + 8
	}
	n += len(m.MessageID) + len(m.InReplyTo) + len(m.Kind) + len(r.lang)
	for _, id := range m.References { // Capped at maxReferences; each copy's ID carries a token.
		n += len(id) + 128
	}
	n += len(m.Notice.Conversation.Index) + len(m.Notice.Conversation.Topic)
	bound := 4*int64(n) + 16<<10
	for _, f := range r.files {
		bound += 2*int64(len(f.Data)) + 4*int64(len(f.Name)+len(f.ContentType)) + 1<<10
	}
	return bound
}
