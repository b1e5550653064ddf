package mailout

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// history returns a ticket's events of one kind, as `ticket show` lists them.
func (e *env) history(id int64, kind string) []string {
	e.t.Helper()
	evs, err := e.store.Events(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev.Text)
		}
	}
	return out
}

// TestSuppressedInHistory: a mail the sender leaves out (the hourly limit, a bouncing address)
// is recorded on its ticket as not sent, with the reason, as a mail withheld when it was queued;
// a mail that went reads as sent; a mail that went to some of its recipients names the others.
func TestSuppressedInHistory(t *testing.T) {
	e := newEnv(t)
	var tks []*tickets.Ticket
	for i := range 11 {
		tks = append(tks, e.open(t0.Add(time.Duration(i)*time.Minute), tickets.NewTicket{Subject: fmt.Sprint("badge ", i),
			Text: "mon badge", Requester: "gerard.noel@corp.example"}))
	}
	partial := e.open(t0.Add(11*time.Minute), tickets.NewTicket{Subject: "badge 12", Text: "mon badge",
		Requester: "gerard.noel@corp.example", Watchers: []string{"watcher@corp.example"}})
	e.drain(t0.Add(12 * time.Minute))

	sent := e.history(tks[9].ID, tickets.EventNotify)
	if len(sent) == 0 || !strings.HasPrefix(sent[0], "ack → gerard.noel@corp.example") || strings.Contains(strings.Join(sent, "\n"), "not sent") {
		t.Errorf("#10, acknowledged: %q", sent)
	}
	limited := e.history(tks[10].ID, tickets.EventNotify)
	if len(limited) == 0 || !strings.HasPrefix(limited[0], "ack → gerard.noel@corp.example not sent: ") ||
		!strings.Contains(limited[0], "rate limit") {
		t.Errorf("#11, over the limit: %q", limited)
	}
	if failed := e.history(partial.ID, tickets.EventFailed); len(failed) != 1 ||
		!strings.HasPrefix(failed[0], "ack: not sent to gerard.noel@corp.example: rate limit") {
		t.Errorf("#12, acknowledged to the watcher only: failed events %q", failed)
	}

	// A bouncing address, decided when the mail is sent.
	if _, err := e.rawDB().Exec(`INSERT INTO people (email, bounced_until, bounce_reason) VALUES (?, ?, ?)`,
		"bouncy@corp.example", t0.Add(24*time.Hour).Unix(), "550 5.1.1 user unknown"); err != nil {
		t.Fatal(err)
	}
	b := e.open(t0.Add(13*time.Minute), tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "bouncy@corp.example"})
	e.drain(t0.Add(13 * time.Minute))
	if got := e.history(b.ID, tickets.EventNotify); len(got) == 0 ||
		got[0] != "ack → bouncy@corp.example not sent: bouncy@corp.example: address bounces" {
		t.Errorf("bouncing requester: %q", got)
	}

	// Settled once: a second MarkSuppressed of the same row adds nothing.
	var id int64
	if err := e.store.Reader().QueryRow(`SELECT id FROM outbox WHERE ticket_id = ? AND kind = 'ack'`, b.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := e.store.MarkSuppressed(context.Background(), id, t0.Add(14*time.Minute), "again"); err != nil {
		t.Fatal(err)
	}
	if got := e.history(b.ID, tickets.EventNotify); len(got) == 0 || strings.Contains(got[0], "again") {
		t.Errorf("suppressed twice: %q", got)
	}
}
