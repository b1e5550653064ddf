package tickets

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestQueuePages: the queue walks the active tickets by deadline, page after page, each once, in
// the same order whatever the page size; the views and the filters select what they say; a
// deadline that changes (the first response given) moves the ticket in the queue.
func TestQueuePages(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	texts := []string{"the vpn is down", "the printer jams", "my password expired", "excel crashes"}
	var ids []int64
	for i := 0; i < 37; i++ {
		tk := openTicket(t, d, t0.Add(time.Duration(i%9)*time.Minute), NewTicket{Subject: fmt.Sprint("request ", i),
			Text: texts[i%4], Requester: fmt.Sprintf("user%d@corp.example", i), Language: "en"})
		ids = append(ids, tk.ID)
	}
	// Seven resolved (out of the queue), six pending.
	for i, id := range ids {
		err := d.Do(ctx, id, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
			switch i % 6 {
			case 0:
				return tx.Resolve(tk, "done", tk.Assignee)
			case 1:
				return tx.Pending(tk, tk.Assignee)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	walk := func(q QueueQuery) []*Ticket {
		var all []*Ticket
		for {
			p, err := d.Store.Queue(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, p.Tickets...)
			if p.Next.IsZero() {
				return all
			}
			q.After = p.Next
		}
	}
	all := walk(QueueQuery{View: ViewOpen, Priority: -1, Limit: 500})
	if len(all) != 37-7 {
		t.Fatalf("%d active tickets, want 30", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := nextDue(all[i-1]), nextDue(all[i])
		if a > b || (a == b && all[i-1].ID >= all[i].ID) {
			t.Fatalf("out of order at %d: #%d (%d) then #%d (%d)", i, all[i-1].ID, a, all[i].ID, b)
		}
	}
	for _, size := range []int{1, 4, 7} {
		paged := walk(QueueQuery{View: ViewOpen, Priority: -1, Limit: size})
		if len(paged) != len(all) {
			t.Fatalf("pages of %d: %d tickets", size, len(paged))
		}
		for i := range paged {
			if paged[i].ID != all[i].ID {
				t.Fatalf("pages of %d: #%d at %d, want #%d", size, paged[i].ID, i, all[i].ID)
			}
		}
	}
	count := func(q QueueQuery, keep func(*Ticket) bool) {
		t.Helper()
		want := 0
		for _, tk := range all {
			if keep(tk) {
				want++
			}
		}
		got := walk(q)
		for _, tk := range got {
			if !keep(tk) {
				t.Errorf("%+v: #%d does not belong", q, tk.ID)
			}
		}
		if len(got) != want {
			t.Errorf("%+v: %d tickets, want %d", q, len(got), want)
		}
	}
	alice := "alice@corp.example"
	count(QueueQuery{View: ViewMine, Me: alice, Priority: -1, Limit: 3}, func(tk *Ticket) bool { return tk.Assignee == alice })
	count(QueueQuery{View: ViewPending, Priority: -1, Limit: 3}, func(tk *Ticket) bool { return tk.Status == StatusPending })
	count(QueueQuery{View: ViewOpen, Category: "network", Priority: -1, Limit: 3}, func(tk *Ticket) bool { return tk.Category == "network" })
	count(QueueQuery{View: ViewOpen, Assignee: NoAssignee, Priority: -1, Limit: 3}, func(tk *Ticket) bool { return tk.Assignee == "" })
	count(QueueQuery{View: ViewOpen, Status: StatusOpen, Tier: 1, Priority: PriorityNormal, Limit: 3}, func(tk *Ticket) bool {
		return tk.Status == StatusOpen && tk.Tier == 1 && tk.Priority == PriorityNormal
	})
	horizon := t0.Add(3 * time.Hour)
	count(QueueQuery{View: ViewBreach, Horizon: horizon, Priority: -1, Limit: 3}, func(tk *Ticket) bool {
		return tk.Status != StatusPending && nextDue(tk) <= horizon.Unix()
	})
	c, err := d.Store.QueueCounts(ctx, alice, horizon)
	if err != nil {
		t.Fatal(err)
	}
	if c.Open != 30 || c.Pending != 6 || c.Mine != len(walk(QueueQuery{View: ViewMine, Me: alice, Priority: -1})) {
		t.Errorf("counts %+v", c)
	}

	// Answering the first ticket moves it to its resolution deadline, further down.
	first := all[0]
	if err := d.Do(ctx, first.ID, t0.Add(2*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "on it", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	again := walk(QueueQuery{View: ViewOpen, Priority: -1, Limit: 500})
	if again[0].ID == first.ID {
		t.Errorf("#%d still first after its first response", first.ID)
	}
}

// nextDue is the queue's order key of a ticket, as the queue's triggers keep it (store.go).
func nextDue(tk *Ticket) int64 {
	due := tk.ResolveDue
	if tk.FirstResponseAt.IsZero() {
		due = tk.FirstResponseDue
	}
	if due.IsZero() {
		return NoDeadline
	}
	return due.Unix()
}
