package mailout

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestCopyRetriedAlone: when one recipient's server answers 451, the others' copies go, and the
// retry sends only the copy that did not.
func TestCopyRetriedAlone(t *testing.T) {
	e := newEnv(t)
	var busy atomic.Bool
	busy.Store(true)
	e.sink.refuse(func(to string) error {
		if to == "slow@corp.example" && busy.Load() {
			return smtpErr(451, "greylisted")
		}
		return nil
	}, nil)
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example",
		Watchers: []string{"slow@corp.example", "quick@corp.example"}})
	e.drain(t0)
	if got := rcpts(e); got != "r@corp.example quick@corp.example alice@corp.example" {
		t.Fatalf("first drain delivered to %s", got)
	}
	ids := pendingIDs(t, e)
	if len(ids) != 1 {
		t.Fatalf("pending %v", ids)
	}
	busy.Store(false)
	before := len(e.sink.received())
	if n := e.drain(t0.Add(FirstRetry)); n != 1 {
		t.Fatalf("retry sent %d mails", n)
	}
	if got := e.sink.received()[before:]; len(got) != 1 || got[0].To[0] != "slow@corp.example" {
		t.Fatalf("the retry went to %v", got)
	}
	if c := e.counts(); c[tickets.OutboxSent] != 2 || c[tickets.OutboxPending] != 0 {
		t.Fatalf("counts %v", c)
	}
}

// TestRateLimitPerMailbox: copies to victim+1@ and victim+2@ of one mail share victim@'s budget.
func TestRateLimitPerMailbox(t *testing.T) {
	e := newEnv(t)
	desk := e.desk.Config().Desk
	desk.RateLimit = 2
	if err := e.sender.SetConfig(e.smtp, desk, nil); err != nil {
		t.Fatal(err)
	}
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "victim+1@corp.example",
		Watchers: []string{"victim+2@corp.example", "Victim+3@corp.example", "other@corp.example"}})
	e.drain(t0)
	n := 0
	for _, m := range e.sink.received() {
		if strings.HasPrefix(m.To[0], "victim") {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("the victim's mailbox got %d copies, want 2; all: %s", n, rcpts(e))
	}
	if c, err := e.store.AutoMailsSince(context.Background(), "VICTIM@corp.example", t0.Add(-time.Hour)); err != nil || c != 2 {
		t.Fatalf("AutoMailsSince = %d, %v", c, err)
	}
}

// rcpts lists the envelope recipients of every copy received, in order.
func rcpts(e *env) string {
	var out []string
	for _, m := range e.sink.received() {
		out = append(out, strings.Join(m.To, ","))
	}
	return strings.Join(out, " ")
}

// TestEnvelopeRefused: a submission server that allows only the login's own address as envelope
// sender refuses the bounce address: the copy goes again from the desk address, and so do all
// later ones.
func TestEnvelopeRefused(t *testing.T) {
	e := newEnv(t)
	refusals := 0
	e.sink.mu.Lock()
	e.sink.mailErr = func(from string) error {
		if from != "helpdesk@corp.example" {
			refusals++
			return smtpErr(550, "5.7.60 Client does not have permissions to send as this sender")
		}
		return nil
	}
	e.sink.mu.Unlock()
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example", Watchers: []string{"w@corp.example"}})
	if n := e.drain(t0); n != 3 { // Copies: the acknowledgement's two, the assignment.
		t.Fatalf("sent %d", n)
	}
	if got := rcpts(e); got != "r@corp.example w@corp.example alice@corp.example" {
		t.Fatalf("delivered to %s", got)
	}
	e.sink.mu.Lock()
	defer e.sink.mu.Unlock()
	if refusals != 1 {
		t.Fatalf("%d refusals, want 1: the sender should remember", refusals)
	}
}
