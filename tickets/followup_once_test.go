package tickets

import (
	"testing"
	"time"
)

// TestSecondReplyJoinsFollowUp: a requester answers a closed ticket's mail twice (the problem is
// back, then a detail); the second mail goes into the request the first one opened, not into a
// second one. So does a colleague's second answer to a forwarded mail of the ticket.
func TestSecondReplyJoinsFollowUp(t *testing.T) {
	d := newTestDesk(t)
	old := openTicket(t, d, t0, NewTicket{Subject: "GlobalProtect : passerelle injoignable", Text: "Le VPN ne se connecte plus.", Requester: "yann@corp.example", Language: "fr"})
	resolveTicket(t, d, t0.Add(time.Hour), old.ID, "Passerelle redémarrée.")
	closeAt := t0.Add(2 * time.Hour)
	if err := d.Do(t.Context(), old.ID, closeAt, func(tx *Tx, tk *Ticket) error { return tx.Close(tk, "nadia@corp.example") }); err != nil {
		t.Fatal(err)
	}
	reply := func(id, from, text string) *Incoming {
		in := request(id, from, "RE : [HD #"+itoa(old.ID)+"] Demande résolue", text)
		in.InReplyTo = []string{rootID(t, d, old.ID)}
		in.References = in.InReplyTo
		return in
	}
	first := ingest(t, d, t0.Add(3*time.Hour), reply("y1@x", "yann@corp.example", "Ça recommence : passerelle injoignable."))[0]
	if first.Action != ActionOpened {
		t.Fatalf("first: %+v", first)
	}
	second := ingest(t, d, t0.Add(3*time.Hour+6*time.Second), reply("y2@x", "yann@corp.example", "Précision : ça marche en 4G, pas depuis la box."))[0]
	if second.TicketID != first.TicketID || second.Action == ActionOpened {
		t.Fatalf("second: %+v, want it in #%d", second, first.TicketID)
	}
	// A colleague, a stranger to the old ticket: her first answer opens a request, her second joins it.
	c1 := ingest(t, d, t0.Add(4*time.Hour), reply("m1@x", "marc@corp.example", "Chez moi aussi le VPN coupe."))[0]
	c2 := ingest(t, d, t0.Add(4*time.Hour+time.Minute), reply("m2@x", "marc@corp.example", "Et Teams aussi."))[0]
	if c1.Action != ActionOpened || c2.TicketID != c1.TicketID || c1.TicketID == first.TicketID {
		t.Fatalf("colleague: %+v then %+v", c1, c2)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 3 {
		t.Errorf("%d tickets, want the old one and two follow-ups", n)
	}
}
