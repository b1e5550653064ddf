package tickets

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// TestKnownIndexRefreshAsLoad: an index loaded once and then refreshed through the desk's events
// (tickets resolved in numbers that fill the padded id lists, 1 to 40 at a time; reopened;
// nothing at all) holds the tickets a fresh load holds, and remembers the newest event read: a
// refresh with nothing new keeps it.
func TestKnownIndexRefreshAsLoad(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d, known := knownDesk(t, fts4)
			ctx := context.Background()
			var open []int64
			for i := range 90 {
				tk := openTicket(t, d, t0.Add(time.Hour), NewTicket{Subject: fmt.Sprintf("Poste %d : écran noir", i),
					Text: fmt.Sprintf("Le poste PC-%d reste sur un écran noir au démarrage.", i), Requester: fmt.Sprintf("r%d@corp.example", i), Language: "fr"})
				open = append(open, tk.ID)
			}
			x := &d.known
			check := func(what string) {
				t.Helper()
				if err := x.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
					t.Fatal(err)
				}
				var fresh knownIndex
				if err := fresh.load(ctx, d.Store.Reader(), d.Store.search); err != nil {
					t.Fatal(err)
				}
				got, want := slices.Sorted(maps.Keys(x.byID)), slices.Sorted(maps.Keys(fresh.byID))
				if !slices.Equal(got, want) {
					t.Fatalf("%s: the refreshed index holds %v\nwant (a fresh load) %v", what, got, want)
				}
				var last int64
				if err := d.Store.Reader().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&last); err != nil {
					t.Fatal(err)
				}
				if x.event != last {
					t.Fatalf("%s: the index read events up to %d, the newest is %d", what, x.event, last)
				}
			}
			check("loaded")
			at := t0.Add(2 * time.Hour)
			for _, n := range []int{1, 7, 8, 9, 16, 17, 32} {
				for _, id := range open[:n] {
					at = at.Add(time.Minute)
					resolveTicket(t, d, at, id, "Câble vidéo remplacé.")
				}
				open = open[n:]
				check(fmt.Sprintf("%d resolved", n))
				check(fmt.Sprintf("%d resolved, nothing since", n))
			}
			for _, id := range known[:2] {
				at = at.Add(time.Minute)
				if err := d.Do(ctx, id, at, func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "alice@corp.example") }); err != nil {
					t.Fatal(err)
				}
			}
			check("two reopened")
		})
	}
}
