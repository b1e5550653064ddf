package tickets

import (
	"context"
	"testing"
	"time"
)

// TestUnsolvedOnClosedOpensFollowUp: "was your problem solved? — no" on a ticket closed since
// opens a request that follows it up (a closed ticket opens no more), held by the technician who
// held the old one, the comment as its text, acknowledged; as a reply to its mail would.
func TestUnsolvedOnClosedOpensFollowUp(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	old := openTicket(t, d, t0, NewTicket{Subject: "GlobalProtect : passerelle injoignable", Text: "Le VPN ne se connecte plus.", Requester: "yann@corp.example", Language: "fr"})
	resolveTicket(t, d, t0.Add(time.Hour), old.ID, "Passerelle redémarrée.")
	if err := d.Do(ctx, old.ID, t0.Add(2*time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Close(tk, "nadia@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if err := d.Do(ctx, old.ID, t0.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Rate(tk, false, "Ça recommence depuis ce matin.", "yann@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustTicket(t, d, old.ID); got.Status != StatusClosed {
		t.Errorf("the old ticket: %s", got.Status)
	}
	var id int64
	if err := d.Store.Reader().QueryRow(`SELECT id FROM tickets WHERE linked_ticket = ?`, old.ID).Scan(&id); err != nil {
		t.Fatalf("no follow-up: %v", err)
	}
	fu := mustTicket(t, d, id)
	if fu.Requester != "yann@corp.example" || fu.Assignee != mustTicket(t, d, old.ID).Assignee || fu.Status == StatusClosed {
		t.Errorf("follow-up %+v", fu)
	}
	if m := mailsTo(t, d, "yann@corp.example"); len(m) == 0 || m[len(m)-1] != "ack #"+itoa(id) {
		t.Errorf("mails to Yann %v, want the follow-up's ack last", m)
	}
	// Yes on a closed ticket opens nothing.
	if err := d.Do(ctx, old.ID, t0.Add(4*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Rate(tk, true, "", "yann@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM tickets WHERE linked_ticket = ?`, old.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d follow-ups %v", n, err)
	}
}
