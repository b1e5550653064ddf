package tickets

import (
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRefreshEventsAsEachEvent: the known answers' refresh query (refreshEventsQuery, read by
// refreshTickets) gives, from every event of a desk on, the tickets of the events after it (one
// listed for each event) and the newest event's id, as reading each event (id, ticket_id) in order
// did. The desk's events interleave tickets: batches
// of new requests, then notes, replies and resolutions on tickets opened earlier, in random order.
func TestRefreshEventsAsEachEvent(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	var batch []*Incoming
	for i := range 12 {
		batch = append(batch, benchRequest("refresh", int64(i+1)))
	}
	if _, err := d.Ingest(ctx, t0, batch[:7]); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Ingest(ctx, t0.Add(time.Minute), batch[7:]); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, err := d.Store.Reader().QueryContext(ctx, `SELECT id FROM tickets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 12 {
		t.Fatalf("%d tickets, want 12", len(ids))
	}
	rng := rand.New(rand.NewPCG(20, 15))
	for i := range 20 {
		id := ids[rng.IntN(len(ids))]
		err := d.Update(ctx, t0.Add(time.Duration(i+2)*time.Minute), func(tx *Tx) error {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			switch {
			case i%5 == 4 && tk.Status != StatusResolved && tk.Status != StatusClosed:
				return tx.Resolve(tk, "Fixed: the VPN profile was renewed.", "alice@corp.example")
			case i%2 == 0:
				return tx.Note(tk, "Looked at it.", "alice@corp.example")
			}
			return tx.Reply(tk, "Could you restart it?", "alice@corp.example", "")
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	type event struct{ id, ticket int64 }
	var events []event
	rows, err = d.Store.Reader().QueryContext(ctx, `SELECT id, ticket_id FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.id, &e.ticket); err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(events) < 60 {
		t.Fatalf("%d events: the desk was not written as the test means", len(events))
	}
	query := refreshEventsQuery(d.Store.search)
	for k := -1; k < len(events); k++ {
		from := int64(0)
		if k >= 0 {
			from = events[k].id
		}
		want, wantLast := map[int64]bool{}, from
		for _, e := range events[k+1:] { // The old query's loop.
			want[e.ticket], wantLast = true, e.id
		}
		var list string
		var last int64
		if err := d.Store.Reader().QueryRowContext(ctx, query, from).Scan(&list, &last); err != nil {
			t.Fatal(err)
		}
		last = max(last, from)
		got, err := refreshTickets(list)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(list, ",") + 1
		if list == "" {
			n = 0
		}
		if !maps.Equal(got, want) || last != wantLast || n != len(events)-k-1 {
			t.Fatalf("from event %d: tickets %v (%d listed), last %d; want %v (%d events), last %d",
				from, slices.Sorted(maps.Keys(got)), n, last, slices.Sorted(maps.Keys(want)), len(events)-k-1, wantLast)
		}
	}
}
