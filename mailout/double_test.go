package mailout

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// memOutbox is an outbox in memory: the sender's interface and nothing else, which shows that
// mailout needs no more of the store than Outbox says.
type memOutbox struct {
	mu      sync.Mutex
	mails   []tickets.OutboxMail
	state   map[int64]string // tickets.OutboxPending, OutboxSent, …
	claimed map[int64]bool
	sent    map[string]int // Automatic mails sent, by address.
	bounced map[string]bool
	noted   []noted // Accepted by the server, not yet committed.
	renewed int     // Claims renewed.
}

type noted struct {
	id     int64
	sentTo []string
}

var _ Outbox = (*memOutbox)(nil)

func newMemOutbox(mails ...tickets.OutboxMail) *memOutbox {
	b := &memOutbox{state: map[int64]string{}, claimed: map[int64]bool{}, sent: map[string]int{}, bounced: map[string]bool{}}
	for i, m := range mails {
		m.ID = int64(i + 1)
		b.mails = append(b.mails, m)
		b.state[m.ID] = tickets.OutboxPending
	}
	return b
}

func (b *memOutbox) DueMail(_ context.Context, _ string, _ time.Time, limit int) ([]tickets.OutboxMail, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []tickets.OutboxMail
	for _, m := range b.mails {
		if b.state[m.ID] == tickets.OutboxPending && !b.claimed[m.ID] && len(out) < limit {
			b.claimed[m.ID] = true
			m.Claim = "mem"
			out = append(out, m)
		}
	}
	return out, nil
}

func (b *memOutbox) Renew(_ context.Context, m tickets.OutboxMail, _ time.Time) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.renewed++
	return b.claimed[m.ID] && b.state[m.ID] == tickets.OutboxPending, nil
}

func (b *memOutbox) Claimants(context.Context, time.Time) ([]string, error) { return nil, nil }

func (b *memOutbox) ReleaseClaims(context.Context, string, time.Time) (int, error) { return 0, nil }

func (b *memOutbox) Heartbeat(context.Context, string, time.Time) error { return nil }

func (b *memOutbox) HeartbeatAt(context.Context, string) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

func (b *memOutbox) Release(_ context.Context, ids []int64, _ time.Time) error {
	b.settle(ids, tickets.OutboxPending)
	return nil
}

func (b *memOutbox) settle(ids []int64, state string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		b.state[id] = state
		delete(b.claimed, id)
	}
}

func (b *memOutbox) NoteSent(_ context.Context, id int64, _ time.Time, sentTo ...string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.noted = append(b.noted, noted{id, sentTo})
	return nil
}

func (b *memOutbox) CommitSent(context.Context) error {
	b.mu.Lock()
	list := b.noted
	b.noted = nil
	b.mu.Unlock()
	for _, n := range list {
		b.settle([]int64{n.id}, tickets.OutboxSent)
		b.mu.Lock()
		if b.mails[n.id-1].Automatic {
			for _, a := range n.sentTo {
				b.sent[tickets.Mailbox(a)]++
			}
		}
		b.mu.Unlock()
	}
	return nil
}

func (b *memOutbox) MarkDelivered(context.Context, int64, string, time.Time) error { return nil }

func (b *memOutbox) Retry(_ context.Context, id int64, _, _ time.Time, _ string) error {
	b.settle([]int64{id}, tickets.OutboxPending)
	return nil
}

func (b *memOutbox) MarkFailed(_ context.Context, id int64, _ time.Time, _ string) error {
	b.settle([]int64{id}, tickets.OutboxFailed)
	return nil
}

func (b *memOutbox) MarkSuppressed(_ context.Context, id int64, _ time.Time, _ string) error {
	b.settle([]int64{id}, tickets.OutboxSuppressed)
	return nil
}

func (b *memOutbox) RecordSendFailure(context.Context, int64, time.Time, string) error { return nil }

func (b *memOutbox) AutoMailsSince(_ context.Context, email string, _ time.Time) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent[tickets.Mailbox(email)], nil
}

func (b *memOutbox) CausedMailsSince(context.Context, string, time.Time) (int, error) { return 0, nil }

func (b *memOutbox) Suppressed(_ context.Context, email string, _ time.Time) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bounced[email], nil
}

func (b *memOutbox) PruneSentLog(context.Context, time.Time) error { return nil }

func (b *memOutbox) MailAttachments(context.Context, int64, string, bool, int64) ([]tickets.File, []tickets.LeftOut, error) {
	return nil, nil, nil
}

// TestSenderOnItsInterface drains memOutbox to the sink: each mail is rendered and sent once and
// settled; a bouncing address is left out, and an address at its hourly limit gets no more
// automatic mail.
func TestSenderOnItsInterface(t *testing.T) {
	k := newSink(t)
	ack := templates.Samples(tickets.KindAck, "fr")[0]
	mail := func(to string, automatic bool) tickets.OutboxMail {
		return tickets.OutboxMail{Kind: tickets.KindAck, To: []string{to}, Cc: []string{}, Language: "fr", Notice: ack,
			MessageID: "dk.test." + to, Automatic: automatic, CreatedAt: t0}
	}
	box := newMemOutbox(mail("celine@corp.example", true), mail("bounce@corp.example", true), mail("busy@corp.example", true))
	box.bounced["bounce@corp.example"] = true
	box.sent["busy@corp.example"] = 1
	desk := tickets.DefaultConfig().Desk
	desk.Name, desk.Address, desk.RateLimit = "Support Informatique", "helpdesk@corp.example", 1
	smtp := DefaultConfig()
	smtp.Address = k.addr
	s, err := New(smtp, desk, box, tickets.NewSigner([]byte("0123456789abcdef0123456789abcdef")), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Drain(context.Background(), t0); err != nil || n != 1 {
		t.Fatalf("sent %d, %v", n, err)
	}
	got := k.received()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"celine@corp.example"}) {
		t.Fatalf("received %+v", got)
	}
	if p := parse(t, got[0]); !strings.Contains(p.Subject, "[HD #42]") || p.Header.Get("X-Deskd-Kind") != "ack" {
		t.Fatalf("subject %q kind %q", p.Subject, p.Header.Get("X-Deskd-Kind"))
	}
	want := map[int64]string{1: tickets.OutboxSent, 2: tickets.OutboxSuppressed, 3: tickets.OutboxSuppressed}
	for id, w := range want {
		if box.state[id] != w {
			t.Errorf("mail %d is %s, want %s", id, box.state[id], w)
		}
	}
	if n, err := s.Drain(context.Background(), t0); err != nil || n != 0 {
		t.Fatalf("a second drain sent %d, %v", n, err)
	}
}

// TestDrainAsOfAnotherTimeRenewsNothing: a drain as of a time other than the real clock's (days
// back, as `run … --now` or these tests give) renews no claim while its batch is sent within
// half the lease: the time since the claim is the real clock's to count.
func TestDrainAsOfAnotherTimeRenewsNothing(t *testing.T) {
	k := newSink(t)
	ack := templates.Samples(tickets.KindAck, "fr")[0]
	var mails []tickets.OutboxMail
	for i := range 6 {
		to := fmt.Sprintf("r%d@corp.example", i)
		mails = append(mails, tickets.OutboxMail{Kind: tickets.KindAck, To: []string{to}, Cc: []string{}, Language: "fr",
			Notice: ack, MessageID: "dk.renew." + to, CreatedAt: t0})
	}
	box := newMemOutbox(mails...)
	desk := tickets.DefaultConfig().Desk
	desk.Name, desk.Address = "Support Informatique", "helpdesk@corp.example"
	smtp := DefaultConfig()
	smtp.Address = k.addr
	s, err := New(smtp, desk, box, tickets.NewSigner([]byte("0123456789abcdef0123456789abcdef")), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{time.Now().Add(-7 * 24 * time.Hour), time.Now().Add(7 * 24 * time.Hour)} {
		box.renewed = 0
		for id := range box.state {
			box.state[id], box.claimed[id] = tickets.OutboxPending, false
		}
		if n, err := s.Drain(context.Background(), now); err != nil || n != len(mails) {
			t.Fatalf("as of %s: sent %d, %v", now, n, err)
		}
		if box.renewed != 0 {
			t.Fatalf("as of %s: %d claims renewed", now, box.renewed)
		}
	}
}
