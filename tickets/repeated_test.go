package tickets

import (
	"testing"
	"time"
)

// TestRepeatedRequestOpensOnce: the same request sent twice seconds apart, each with its own
// Message-ID (a phone resending, a double click), opens one ticket: the repeat is recorded on it,
// and nothing is sent for it. Later than repeatWindow, or with other words, it is a new request.
func TestRepeatedRequestOpensOnce(t *testing.T) {
	d := newTestDesk(t)
	mail := func(id, text string) *Incoming {
		return request(id, "jean@corp.example", "Souris sans fil ne répond plus", text)
	}
	const text = "Bonjour,\nMa souris sans fil Logitech ne répond plus, j'ai changé les piles.\nJean"
	first := ingest(t, d, t0, mail("m1@x", text))[0]
	second := ingest(t, d, t0.Add(3*time.Second), mail("m2@x", text))[0]
	if first.Action != ActionOpened || second.Action != ActionDuplicate || second.TicketID != first.TicketID {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE ticket_id = ?`, first.TicketID); n != 2 {
		t.Errorf("%d mails for the ticket, want its ack and notice only", n)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM messages WHERE ticket_id = ? AND direction = 'in'`, first.TicketID); n != 2 {
		t.Errorf("%d mails recorded on the ticket, want both", n)
	}
	other := ingest(t, d, t0.Add(time.Minute), mail("m3@x", "Et maintenant le clavier aussi."))[0]
	late := ingest(t, d, t0.Add(repeatWindow+time.Minute), mail("m4@x", text))[0]
	if other.Action != ActionOpened || late.Action != ActionOpened {
		t.Fatalf("other words %+v, after the window %+v", other, late)
	}
}
