package mailin

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// memDesk is a desk in memory: the ingester's interface and nothing else, which shows that mailin
// needs no more of the desk than Desk says.
type memDesk struct {
	mu     sync.Mutex
	mails  map[string]*tickets.Incoming // Recorded, by Message-ID.
	states map[string][]byte
	fail   func(*tickets.Incoming) error // A mail it cannot record; nil for none.
}

var _ Desk = (*memDesk)(nil)

func newMemDesk() *memDesk {
	return &memDesk{mails: map[string]*tickets.Incoming{}, states: map[string][]byte{}}
}

func (d *memDesk) Ingest(_ context.Context, _ time.Time, batch []*tickets.Incoming) ([]tickets.Outcome, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]tickets.Outcome, len(batch))
	for i, in := range batch {
		o := tickets.Outcome{MessageID: in.MessageID}
		switch {
		case d.fail != nil && d.fail(in) != nil:
			o.Err = d.fail(in)
		case d.mails[in.MessageID] != nil:
			o.Action = tickets.ActionDuplicate
		case in.Verdict != tickets.VerdictPerson:
			d.mails[in.MessageID], o.Action = in, tickets.ActionIgnored
		default:
			d.mails[in.MessageID], o.Action = in, tickets.ActionOpened
		}
		out[i] = o
	}
	return out, nil
}

func (d *memDesk) HasMessage(_ context.Context, id string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mails[id] != nil, nil
}

func (d *memDesk) MailboxState(_ context.Context, mailbox string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.states[mailbox], nil
}

func (d *memDesk) SetMailboxState(_ context.Context, mailbox string, state []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.states[mailbox] = append([]byte(nil), state...)
	return nil
}

// TestIngesterOnItsInterface runs the ingester against memDesk: mail is recorded once, flagged
// only when recorded, machine mail is told apart, and a mail the desk keeps refusing is retried,
// then quarantined, without holding up the others.
func TestIngesterOnItsInterface(t *testing.T) {
	srv := newTestServer(t)
	d := newMemDesk()
	d.fail = func(in *tickets.Incoming) error {
		if in.Subject == "poison" {
			return errors.New("cannot record it")
		}
		return nil
	}
	s := Settings{IMAP: DefaultConfig(), Language: "fr"}
	s.IMAP.Address, s.IMAP.Username, s.IMAP.Password = srv.addr, "helpdesk", "secret"
	g := NewIngester(d, s, nil)
	ctx := context.Background()

	srv.deliver(t, "INBOX", testMail("a@x", "Céline <celine@corp.example>", "Le VPN", "Bonjour, le vpn ne marche plus."))
	srv.deliver(t, "INBOX", testMail("a@x", "Céline <celine@corp.example>", "Le VPN", "the same mail again"))
	srv.deliver(t, "INBOX", testMail("ooo@x", "paul@corp.example", "Absent", "I am away", "Auto-Submitted: auto-replied"))
	srv.deliver(t, "INBOX", testMail("p@x", "p@corp.example", "poison", "x"))
	st, err := g.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Opened != 1 || st.Duplicates != 1 || st.Automatic != 1 || st.Failed != 1 {
		t.Fatalf("stats %+v", st)
	}
	if in := d.mails["a@x"]; in == nil || in.From != "celine@corp.example" || in.Language != "fr" {
		t.Fatalf("recorded %+v", in)
	}
	if n, seen := srv.mailbox(t, "INBOX"); n != 4 || seen != 3 {
		t.Fatalf("INBOX: %d mails, %d seen: only recorded mail is flagged", n, seen)
	}
	for i := 0; i < maxAttempts; i++ {
		if _, err := g.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := srv.mailbox(t, "deskd-quarantine"); n != 1 {
		t.Fatalf("%d mails in quarantine, want the poison", n)
	}
	st0, err := g.loadState(ctx, g.settings().IMAP)
	if err != nil || st0.LastUID != 4 || st0.UIDValidity == 0 || len(st0.Inflight)+len(st0.Attempts) != 0 {
		t.Fatalf("state %+v %v", st0, err)
	}
}
