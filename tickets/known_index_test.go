package tickets

import (
	"context"
	"slices"
	"testing"
	"time"
)

// similarIDs returns the ids of Similar's answers to ticket id.
func similarIDs(t *testing.T, d *Desk, id int64) []int64 {
	t.Helper()
	ms, err := d.Similar(context.Background(), id, 5)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestKnownIndexFollowsTheDesk: the known answers' index, loaded once, follows the desk through
// its events: a ticket reopened is no longer an answer; resolved again, it is one again.
func TestKnownIndexFollowsTheDesk(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d, ids := knownDesk(t, fts4)
			q := openTicket(t, d, t0.Add(2*time.Hour), NewTicket{Subject: "VPN erreur 809", Text: "Le VPN ne se connecte plus, erreur 809.",
				Requester: "q@corp.example", Language: "fr"})
			if got := similarIDs(t, d, q.ID); !slices.Contains(got, ids[0]) {
				t.Fatalf("similar to #%d: %v", q.ID, got)
			}
			at := t0.Add(3 * time.Hour)
			if err := d.Do(context.Background(), ids[0], at, func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "alice@corp.example") }); err != nil {
				t.Fatal(err)
			}
			if got := similarIDs(t, d, q.ID); slices.Contains(got, ids[0]) {
				t.Fatalf("#%d reopened, still similar to #%d: %v", ids[0], q.ID, got)
			}
			resolveTicket(t, d, at.Add(time.Minute), ids[0], "note again")
			if got := similarIDs(t, d, q.ID); !slices.Contains(got, ids[0]) {
				t.Fatalf("#%d resolved again, not similar to #%d: %v", ids[0], q.ID, got)
			}
		})
	}
}

// TestKnownIndexFindsOldRareAnswers: on a desk of more known tickets than the index holds, an
// old answer the index left out is still found by a rare term it shares with the request.
func TestKnownIndexFindsOldRareAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds more than 10,000 tickets")
	}
	d := newSearchDesk(t, false)
	old := seedTickets(t, d, []seedDoc{{subject: "Quuxbrowser error 4711", text: "Quuxbrowser stops with error 4711 at start.",
		lang: "en", status: StatusResolved}}, t0)[0]
	seedTickets(t, d, syntheticDocs(maxKnownHeld+50, StatusResolved, 3), t0)
	q := seedTickets(t, d, []seedDoc{{subject: "Quuxbrowser 4711", text: "Error 4711 again in Quuxbrowser.", lang: "en", status: StatusOpen}}, t0)[0]
	got := similarIDs(t, d, q)
	if _, held := d.known.byID[old]; held || d.known.whole {
		t.Fatalf("the index holds the oldest of %d known tickets", maxKnownHeld+51)
	}
	if len(got) == 0 || got[0] != old {
		t.Fatalf("similar to #%d: %v, want #%d first", q, got, old)
	}
}
