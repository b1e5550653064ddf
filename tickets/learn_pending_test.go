package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLearnIncidentReadsWaitingWords: an incident resolved in the transaction that added words to
// its requests' documents (a reply earlier in the same batch: appendDoc's words wait with the
// batch's documents) learns from the documents with those words: the transaction's statements write
// what waits of the full-text table before they read it (a review feared they did not).
func TestLearnIncidentReadsWaitingWords(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	inc := openTicket(t, d, t0, NewTicket{Subject: "Imprimante en panne", Text: "La Ricoh affiche une erreur.", Requester: "p@corp.example", Language: "fr"})
	if err := d.Do(ctx, inc.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.MakeIncident(tk, "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	var linked []*Ticket
	for i, who := range []string{"anne@corp.example", "julie@corp.example"} {
		tk := openTicket(t, d, t0.Add(time.Duration(i+1)*time.Minute), NewTicket{Subject: "Ricoh", Text: "Elle ne marche pas.", Requester: who, Language: "fr"})
		if err := d.Do(ctx, tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Link(tk, inc.ID, "alice@corp.example") }); err != nil {
			t.Fatal(err)
		}
		linked = append(linked, tk)
	}
	var learnt string
	err := d.Update(ctx, t0.Add(2*time.Hour), func(tx *Tx) error {
		tk, err := tx.Ticket(inc.ID)
		if err != nil {
			return err
		}
		for _, tk := range linked { // As their replies' words would.
			if err := tx.appendDoc(tk.ID, []string{"fusionunit", "fusionunit"}); err != nil {
				return err
			}
		}
		if err := tx.learnIncident(tk); err != nil {
			return err
		}
		learnt, err = tx.KV(learntKey(inc.ID))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(learnt, "fusionunit") {
		t.Errorf("the incident learnt %q, without the words its requests' documents were given in the transaction", learnt)
	}
}
