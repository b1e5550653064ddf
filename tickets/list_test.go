package tickets

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestEachTicketFilters lists tickets by each filter, newest first, with their watchers.
func TestEachTicketFilters(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	open := func(at time.Time, subject, text string, cc ...string) *Ticket {
		t.Helper()
		return openTicket(t, d, at, NewTicket{Subject: subject, Text: text, Requester: "celine@corp.example", Watchers: cc})
	}
	a := open(t0, "Imprimante", "L'imprimante est en panne", "priya@corp.example", "bob.w@corp.example")
	b := open(t0.Add(time.Hour), "VPN", "Le VPN coupe, c'est urgent, plus personne ne peut travailler")
	c := open(t0.Add(2*time.Hour), "Mot de passe", "Mon compte est verrouillé")
	if err := d.Do(ctx, c.ID, t0.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "ok", "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	ids := func(f ListFilter) []int64 {
		t.Helper()
		var out []int64
		err := d.Store.EachTicket(ctx, f, func(tk *Ticket) error {
			if tk.ID == a.ID && !slices.Equal(tk.Watchers, []string{"bob.w@corp.example", "priya@corp.example"}) {
				t.Errorf("watchers of %d: %q", tk.ID, tk.Watchers)
			}
			if tk.ID != a.ID && (tk.Watchers == nil || len(tk.Watchers) != 0) {
				t.Errorf("watchers of %d: %#v, want empty", tk.ID, tk.Watchers)
			}
			out = append(out, tk.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	b2, _ := d.Store.Ticket(ctx, b.ID)
	for _, tt := range []struct {
		name string
		f    ListFilter
		want []int64
	}{
		{"all", ListFilter{}, []int64{c.ID, b.ID, a.ID}},
		{"limit", ListFilter{Limit: 2}, []int64{c.ID, b.ID}},
		{"status", ListFilter{Status: StatusResolved}, []int64{c.ID}},
		{"category", ListFilter{Category: "network"}, []int64{b.ID}},
		{"assignee", ListFilter{Assignee: b2.Assignee}, ids(ListFilter{Assignee: b2.Assignee})},
		{"priority", ListFilter{Priorities: []Priority{b2.Priority}}, []int64{b.ID}},
		{"since", ListFilter{Since: t0.Add(90 * time.Minute)}, []int64{c.ID}},
		{"since and status", ListFilter{Since: t0.Add(30 * time.Minute), Status: StatusOpen}, []int64{b.ID}},
	} {
		if got := ids(tt.f); !slices.Equal(got, tt.want) || len(got) == 0 {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if b2.Priority == a.Priority {
		t.Fatalf("the urgent request has the priority of the other: %s", b2.Priority)
	}
	if got := ids(ListFilter{Assignee: b2.Assignee}); !slices.Contains(got, b.ID) {
		t.Errorf("assignee %s: %v", b2.Assignee, got)
	}
	list, err := d.Store.List(ctx, ListFilter{})
	if err != nil || len(list) != 3 || list[2].ID != a.ID || len(list[2].Watchers) != 2 {
		t.Fatalf("List: %v %+v", err, list)
	}
}
