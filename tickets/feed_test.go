package tickets

import (
	"context"
	"testing"
)

func TestEventsSince(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q1@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	all, err := d.Store.EventsSince(context.Background(), 0, 100)
	if err != nil || len(all) == 0 {
		t.Fatalf("events since 0: %d, %v", len(all), err)
	}
	last := all[len(all)-1].ID
	ingest(t, d, t0, request("q2@m", "priya@corp.example", "Printer", "the printer jams"))
	evs, err := d.Store.EventsSince(context.Background(), last, 100)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events since %d: %d, %v", last, len(evs), err)
	}
	for i, e := range evs {
		if e.TicketID != 2 || e.ID <= last || (i > 0 && e.ID <= evs[i-1].ID) {
			t.Errorf("event %+v: want ticket 2's, in order, after %d", e, last)
		}
	}
	if evs[0].Kind != EventMessage || evs[0].Actor != "priya@corp.example" {
		t.Errorf("first new event %+v, want priya's message", evs[0])
	}
	if two, _ := d.Store.EventsSince(context.Background(), 0, 2); len(two) != 2 || two[0].ID != all[0].ID {
		t.Errorf("limit 2: %+v", two)
	}
}
