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

// links returns the links of a mail for its first recipient.
func (s *Sender) links(m tickets.OutboxMail, to []string, now time.Time) tickets.Links {
	l := s.linker.Load()
	if l == nil || len(to) == 0 {
		return tickets.Links{}
	}
	return l.Links(m, to[0], now)
}
