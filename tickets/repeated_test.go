package tickets

import (
	"crypto/sha256"
	"strings"
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

// TestRequestKeyAsJoinedFields: requestKey hashes the bytes strings.ToLower, Fields and Join make
// of the subject and text, whatever their case, spaces and invalid bytes.
func TestRequestKeyAsJoinedFields(t *testing.T) {
	joined := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
	parts := []string{"a", "Z", "É", "é", "İ", "Ⱥ", "ǅ", "ß", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\u0085", "\u00a0",
		"\u2028", "\u3000", "\u200b", "\xff", "\xe2\x82", "\ufffd", "x", "Ω", "1", "-", "'"}
	texts := []string{"", " ", "\xff", "Souris  sans FIL\n ne répond plus ", "\u00a0VPN\u00a0"}
	texts = append(texts, randomTexts(3, 4, parts, 3000, 16)...)
	for i, s := range texts {
		subject := texts[(i*7)%len(texts)]
		h := sha256.New()
		h.Write([]byte(Mailbox("Jean+x@Corp.example")))
		h.Write([]byte{0})
		h.Write([]byte(joined(subject)))
		h.Write([]byte{0})
		h.Write([]byte(joined(s)))
		want := [16]byte(h.Sum(nil)[:16])
		if got := requestKey("Jean+x@Corp.example", subject, s); got != want {
			t.Fatalf("requestKey of %q, %q: %x, want %x (%q against %q)", subject, s, got, want,
				appendLowerFields(nil, s), joined(s))
		}
	}
}
