package tickets

import (
	"context"
	"testing"
	"time"
)

// TestUnsolvedLeavesIncident: "was your problem solved? — no" on a request resolved with its
// incident takes it out of the incident, open, as a reply saying it is still broken does: it can
// be assigned and escalated again, and the incident stays resolved.
func TestUnsolvedLeavesIncident(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	inc := openTicket(t, d, t0, NewTicket{Subject: "Imprimante en panne", Text: "La Ricoh affiche SC542.", Requester: "p@corp.example", Language: "fr"})
	if err := d.Do(ctx, inc.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.MakeIncident(tk, "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	byVote := openTicket(t, d, t0.Add(time.Minute), NewTicket{Subject: "Ricoh SC542", Text: "Erreur SC542.", Requester: "anne@corp.example", Language: "fr"})
	byMail := openTicket(t, d, t0.Add(2*time.Minute), NewTicket{Subject: "Ricoh SC542", Text: "Toujours SC542.", Requester: "julie@corp.example", Language: "fr"})
	for _, tk := range []*Ticket{byVote, byMail} {
		if err := d.Do(ctx, tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Link(tk, inc.ID, "alice@corp.example") }); err != nil {
			t.Fatal(err)
		}
	}
	resolveTicket(t, d, t0.Add(2*time.Hour), inc.ID, "Unité de fusion remplacée.")
	if got := mustTicket(t, d, byVote.ID); got.Status != StatusResolved || got.Incident != inc.ID {
		t.Fatalf("before: %s, incident %d", got.Status, got.Incident)
	}
	at := t0.Add(3 * time.Hour)
	if err := d.Do(ctx, byVote.ID, at, func(tx *Tx, tk *Ticket) error {
		return tx.Rate(tk, false, "Des traits noirs sur chaque page.", "anne@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if err := d.Do(ctx, byMail.ID, at, func(tx *Tx, tk *Ticket) error {
		_, err := tx.RequesterReply(tk, "Non, la Ricoh affiche toujours SC542.", "julie@corp.example", "", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{byVote.ID, byMail.ID} {
		if got := mustTicket(t, d, id); got.Status != StatusOpen || got.Incident != 0 {
			t.Errorf("#%d after the requester's no: %s, incident %d (want open, out of the incident)", id, got.Status, got.Incident)
		}
	}
	if got := mustTicket(t, d, inc.ID); got.Status != StatusResolved {
		t.Errorf("the incident: %s", got.Status)
	}
	if err := d.Do(ctx, byVote.ID, at, func(tx *Tx, tk *Ticket) error { return tx.Assign(tk, "bob@corp.example", "nadia@corp.example") }); err != nil {
		t.Errorf("assigning the reopened request: %v", err)
	}
}
