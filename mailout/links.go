package mailout

import (
	"time"

	"github.com/deskd/deskd/tickets"
)

// Linker makes the web desk's signed links for the recipient of a mail (its follow-up page, the
// answers to "was your problem solved?", a staff sign-in link). The links are made when the mail
// is sent, for the address it goes to, and never stored in the outbox.
type Linker interface {
	Links(m tickets.OutboxMail, recipient string, now time.Time) tickets.Links
}

type linkerBox struct{ Linker }

// SetLinker gives the sender the web desk's links; nil: mails carry none.
func (s *Sender) SetLinker(l Linker) {
	if l == nil {
		s.linker.Store(nil)
		return
	}
	s.linker.Store(&linkerBox{l})
}

// relink renders a copy's words again with the web desk's links for its recipient (each copy of a
// mail goes to one recipient, and its links are that person's); a copy whose links are those the
// mail was rendered with (render renders it with its first recipient's) is returned as it was.
func (d *drain) relink(m tickets.OutboxMail, r rendered, rcpt string) (rendered, error) {
	if rcpt == r.linkedFor && rcpt != "" {
		return r, nil // Its links are those it was rendered with: not signed again.
	}
	links := d.links(m, rcpt)
	if links == r.notice.Links {
		return r, nil
	}
	n := r.notice // As fitted to the server's size (render): its cuts and its files left out.
	n.Links = links
	subject, text, html, err := d.tpl.Render(m.Kind, r.lang, n)
	if err != nil {
		return r, err
	}
	r.subject, r.text, r.html, r.notice, r.linkedFor = oneLineOf(subject), text, html, n, rcpt
	r.shared = nil // Its words are its own.
	return r, nil
}

// links are the web desk's links for a copy of m to rcpt; none without a web desk.
func (d *drain) links(m tickets.OutboxMail, rcpt string) tickets.Links {
	l := d.linker.Load()
	if l == nil {
		return tickets.Links{}
	}
	return l.Links(m, rcpt, d.now)
}
