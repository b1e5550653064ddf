package tickets

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/deskd/deskd/bench"
)

// TestNewTicketStatements counts the statements the writer runs for a batch of new requests:
// the row of each ticket, its search document and its requester, and, for the whole batch, the
// multi-row INSERTs of the incoming mails, events, outbox rows and term counts (pending.go) and
// a few reads of the assignment state. Before they were batched a new ticket took 27 statements.
func TestNewTicketStatements(t *testing.T) {
	d := newTestDesk(t)
	i := 0
	batch := func(n int) []*Incoming {
		var out []*Incoming
		for range n {
			i++
			p := bench.Requester("w", int64(i))
			subject, body, _ := bench.Topic(int64(i), p.Language)
			out = append(out, &Incoming{MessageID: fmt.Sprintf("w%d@client.example", i), From: p.Email, FromName: p.Name,
				To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson})
		}
		return out
	}
	ingest(t, d, t0, batch(5)...) // The statements are prepared.
	var mu sync.Mutex
	var seen []string
	d.Store.trace = func(q string) {
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
	}
	const n = 40
	for _, o := range ingest(t, d, t0, batch(n)...) {
		if o.Action != ActionOpened {
			t.Fatalf("%s: %s", o.MessageID, o.Action)
		}
	}
	d.Store.trace = nil
	count := map[string]int{}
	for _, q := range seen {
		q = strings.Join(strings.Fields(q), " ")
		count[q[:min(60, len(q))]]++
	}
	per := float64(len(seen)) / n
	t.Logf("%d statements for %d new tickets: %.2f a ticket", len(seen), n, per)
	if per > 5 {
		t.Errorf("%d statements for %d new tickets, %.1f a ticket, want at most 5: %v", len(seen), n, per, count)
	}
	var tickets int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&tickets); err != nil || tickets != n+5 {
		t.Fatalf("%d tickets, %v", tickets, err)
	}
	// What the batch wrote is all there: each ticket's four events, its two mails, its mail.
	for table, want := range map[string]int{"events": 4 * (n + 5), "outbox": 2 * (n + 5), "messages": n + 5} {
		var got int
		if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&got); err != nil || got != want {
			t.Errorf("%s: %d rows, want %d (%v)", table, got, want, err)
		}
	}
	var unlinked int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM messages WHERE ticket_id IS NULL`).Scan(&unlinked); err != nil || unlinked != 0 {
		t.Errorf("%d incoming mails without their ticket (%v)", unlinked, err)
	}
}
