package tickets

import (
	"context"
	"fmt"
	"maps"
	"testing"
)

// sameModel reports how two models differ, "" when they hold the same counts (a zero count and
// a missing one are the same).
func sameModel(a, b *Model) string {
	nonZero := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}
	switch {
	case a.total != b.total:
		return fmt.Sprintf("total %d != %d", a.total, b.total)
	case !maps.Equal(nonZero(a.docs), nonZero(b.docs)):
		return fmt.Sprintf("docs %v != %v", a.docs, b.docs)
	case !maps.Equal(nonZero(a.vocab), nonZero(b.vocab)):
		return "vocabularies differ"
	case !maps.Equal(nonZero(a.sizes), nonZero(b.sizes)):
		return fmt.Sprintf("sizes %v != %v", a.sizes, b.sizes)
	case !maps.Equal(nonZero(a.fsizes), nonZero(b.fsizes)):
		return fmt.Sprintf("frequent sizes %v != %v", a.fsizes, b.fsizes)
	case a.nFrequent != b.nFrequent:
		return fmt.Sprintf("frequent features %d != %d", a.nFrequent, b.nFrequent)
	}
	for cat := range a.docs {
		if !maps.Equal(nonZero(a.counts[cat]), nonZero(b.counts[cat])) {
			return "counts of " + cat + " differ"
		}
	}
	return ""
}

// TestModelKeptInStore: what the desk learns, by corrections and resolutions, is in the store as
// it happens; a desk started again on it reads the same model without training.
func TestModelKeptInStore(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	if err := d.PrepareModel(ctx); err != nil { // A new desk: its (empty) model is stored.
		t.Fatal(err)
	}
	texts := []string{"Le toner de l'imprimante est vide", "Mon compte est verrouillé après trois essais",
		"The VPN drops every ten minutes", "Excel crashes when I open the budget file", "Écran noir sur le portable",
		"Mot de passe oublié, compte bloqué", "Wi-Fi très lent au deuxième étage", "Outlook ne démarre plus"}
	cats := []string{"hardware", "accounts", "network", "software"}
	var ids []int64
	for i := range 24 {
		tk := openTicket(t, d, t0, NewTicket{Subject: fmt.Sprintf("Demande %d", i), Text: texts[i%len(texts)], Requester: "r@corp.example"})
		ids = append(ids, tk.ID)
	}
	do := func(id int64, f func(tx *Tx, tk *Ticket) error) {
		t.Helper()
		if err := d.Do(ctx, id, t0, f); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		// Corrections, some corrected again (to another category, back, to the same one).
		do(id, func(tx *Tx, tk *Ticket) error { return tx.SetCategory(tk, cats[i%4], "nadia@corp.example") })
		if i%3 == 0 {
			do(id, func(tx *Tx, tk *Ticket) error { return tx.SetCategory(tk, cats[(i+1)%4], "nadia@corp.example") })
		}
		if i%6 == 0 {
			do(id, func(tx *Tx, tk *Ticket) error { return tx.SetCategory(tk, cats[i%4], "nadia@corp.example") })
		}
		if i%2 == 0 {
			do(id, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "ok", "alice@corp.example") })
		}
	}
	// Two lessons of one ticket in one transaction, the second rolled back with its savepoint.
	err := d.Update(ctx, t0, func(tx *Tx) error {
		tk, err := tx.Ticket(ids[1])
		if err != nil {
			return err
		}
		if err := tx.SetCategory(tk, "network", "nadia@corp.example"); err != nil {
			return err
		}
		rollback, err := tx.savepoint("x")
		if err != nil {
			return err
		}
		if err := tx.SetCategory(tk, "software", "nadia@corp.example"); err != nil {
			return err
		}
		if err := rollback(); err != nil {
			return err
		}
		_, err = tx.exec(`RELEASE x`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	live := d.model.Load()
	if n := countRows(t, d, `SELECT COUNT(*) FROM model_learned`); live == nil || live.Examples() != n || n < len(ids)/2 {
		t.Fatalf("live model: %v; %d tickets learned", live, n)
	}
	stored, err := d.Store.readModel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameModel(live, stored); diff != "" {
		t.Fatalf("the stored model is not the live one: %s", diff)
	}
	trained, err := trainFrom(ctx, d.Store.Reader())
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameModel(live, trained); diff != "" {
		t.Fatalf("the live model is not what training on the examples gives: %s", diff)
	}

	// Started again: the model is read, not trained.
	d2, err := NewDesk(d.Config(), d.Store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.LoadModel(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := sameModel(live, d2.model.Load()); diff != "" {
		t.Fatalf("after a restart: %s", diff)
	}
	j := d2.Triage(d.Config(), NewTicket{Subject: "Budget", Text: "Excel crashes again with the budget file"})
	if j.Scores == nil {
		t.Fatalf("no model scores after a restart: %+v", j)
	}
}

// TestPrepareModelTrainsOnce: a desk whose history was written before the store kept the model is
// trained once; later starts read what is stored, whatever the history holds.
func TestPrepareModelTrainsOnce(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	legacy := func(n int) {
		t.Helper()
		for i := range n {
			tk := openTicket(t, d, t0, NewTicket{Subject: "Imprimante", Text: fmt.Sprintf("Le toner est vide, bureau %d", i), Requester: "r@corp.example"})
			// Resolved and categorised by an older deskd: no training row, nothing learned.
			if _, err := d.Store.w.Exec(`UPDATE tickets SET status = 'resolved', category = 'hardware' WHERE id = ?`, tk.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	legacy(3)
	fresh := func() *Desk {
		t.Helper()
		d2, err := NewDesk(d.Config(), d.Store, []byte("0123456789abcdef0123456789abcdef"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d2.PrepareModel(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := d2.liveModel(ctx); err != nil {
			t.Fatal(err)
		}
		return d2
	}
	if d2 := fresh(); d2.model.Load().Examples() != 3 {
		t.Fatalf("first start: %d examples, want the 3 resolved tickets", d2.model.Load().Examples())
	}
	legacy(2)
	if d2 := fresh(); d2.model.Load().Examples() != 3 {
		t.Fatalf("second start: %d examples: trained again", d2.model.Load().Examples())
	}
	if err := d.TrainModel(ctx); err != nil {
		t.Fatal(err)
	}
	if n := d.model.Load().Examples(); n != 5 {
		t.Fatalf("TrainModel: %d examples, want 5", n)
	}
	// A correction of a ticket learned by training moves its example.
	if _, err := d.Store.w.Exec(`UPDATE tickets SET status = 'open' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if err := d.Do(ctx, 1, t0, func(tx *Tx, tk *Ticket) error { return tx.SetCategory(tk, "software", "nadia@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if m := fresh().model.Load(); m.Examples() != 5 || m.docs["hardware"] != 4 || m.docs["software"] != 1 {
		t.Fatalf("after a correction: %d examples, %v", m.Examples(), m.docs)
	}
}
