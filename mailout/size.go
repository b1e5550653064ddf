package mailout

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
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
}

// dialed wraps a go-mail client and the session DialToSMTPClientWithContext returned.
func dialed(c *mail.Client, session *smtp.Client) *client {
	return &client{Client: c, session: session}
}

// Send sends the messages over the session.
func (c *client) Send(msgs ...*mail.Msg) error {
	return c.Client.SendWithSMTPClient(c.session, msgs...)
}

// Reset sends RSET.
func (c *client) Reset() error { return c.Client.ResetWithSMTPClient(c.session) }

// Close sends QUIT and closes the connection.
func (c *client) Close() error { return c.Client.CloseWithSMTPClient(c.session) }

// maxSize returns the largest message the server takes, from the SIZE extension of its EHLO
// reply (RFC 1870 section 4); 0 when it declares no limit.
func (c *client) maxSize() int64 {
	if c == nil || c.session == nil {
		return 0
	}
	ok, param := c.session.Extension("SIZE")
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

// compose renders and builds the message, with the files the mail carries as far as they fit
// in the server's size limit (maxSize, else attachBudget): the files left out are listed in
// the mail instead, so that the mail itself goes. A mail still too large without any file (a
// long history quoted) has its quoted texts cut, down to textCuts' last.
func (d *drain) compose(m tickets.OutboxMail, to, cc []string) (*mail.Msg, error) {
	limit := d.client.maxSize()
	budget := int64(attachBudget)
	if limit > 0 {
		bare, err := d.build(m, to, cc, nil)
		if err != nil {
			return nil, err
		}
		size, err := messageSize(bare)
		if err != nil {
			return nil, err
		}
		// Room for the files in decoded bytes, keeping some for the list of those left out.
		room := limit - size - 4<<10
		budget = min(budget, max(room*3/4*76/78, 0))
	}
	files, skipped, err := d.box.MailAttachments(context.Background(), m.TicketID, m.Notice.Source, m.Notice.AllAttachments, budget)
	if err != nil {
		return nil, err
	}
	notice, cuts := m.Notice, textCuts
	for {
		m.Notice.Unattached = notAttached(skipped)
		msg, err := d.build(m, to, cc, files)
		if err != nil || limit == 0 {
			d.logSkipped(m, skipped)
			return msg, err
		}
		size, err := messageSize(msg)
		if err != nil {
			return nil, err
		}
		switch {
		case size <= limit:
			d.logSkipped(m, skipped)
			return msg, nil
		case len(files) > 0:
			// The headers took more room than foreseen: leave out the largest file.
			big := 0
			for i, f := range files {
				if f.Size > files[big].Size {
					big = i
				}
			}
			skipped = append(skipped, tickets.File{Name: files[big].Name, ContentType: files[big].ContentType, Size: files[big].Size})
			files = append(files[:big], files[big+1:]...)
		case len(cuts) > 0:
			m.Notice = cutTexts(notice, cuts[0])
			cuts = cuts[1:]
		default:
			d.log.Warn("mail larger than the server takes", "kind", m.Kind, "ticket_id", m.TicketID, "size", size, "limit", limit)
			return msg, nil // The server refuses it, and the refusal is recorded on the ticket.
		}
	}
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

func (d *drain) logSkipped(m tickets.OutboxMail, skipped []tickets.File) {
	if len(skipped) > 0 {
		names := make([]string, len(skipped))
		for i, f := range skipped {
			names[i] = f.Name
		}
		d.log.Info("attachments not sent on", "kind", m.Kind, "ticket_id", m.TicketID, "files", names)
	}
}

func notAttached(files []tickets.File) []tickets.FileNote {
	var out []tickets.FileNote
	for _, f := range files {
		out = append(out, tickets.FileNote{Name: f.Name, Size: f.Size})
	}
	return out
}

// messageSize returns the size of the message as it goes on the wire.
func messageSize(msg *mail.Msg) (int64, error) {
	n, err := msg.WriteTo(io.Discard)
	if err != nil {
		return 0, fmt.Errorf("measure message: %w", err)
	}
	return n, nil
}

// attach adds the files to the message.
func attach(msg *mail.Msg, files []tickets.File) {
	for _, f := range files {
		ct := mail.ContentType(f.ContentType)
		if f.ContentType == "" {
			ct = mail.TypeAppOctetStream
		}
		msg.AttachReadSeeker(f.Name, bytes.NewReader(f.Data), mail.WithFileContentType(ct))
	}
}
