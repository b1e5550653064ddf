package tickets

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAutoClose(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	do := func(id int64, now time.Time, fn func(*Tx, *Ticket) error) {
		t.Helper()
		if err := d.Do(ctx, id, now, fn); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "VPN réparé", "alice@corp.example") }
	run := func(now time.Time) []int64 {
		t.Helper()
		ids, err := d.RunAutoClose(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}

	quiet := openTicket(t, d, t0, vpnRequest)   // Resolved, then nothing.
	replied := openTicket(t, d, t0, vpnRequest) // Resolved, the requester replies, resolved again.
	open := openTicket(t, d, t0, vpnRequest)    // Never resolved.
	do(quiet.ID, t0.Add(time.Hour), resolve)
	do(replied.ID, t0.Add(time.Hour), resolve)
	do(replied.ID, t0.Add(3*24*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Message(tk, "Ça recommence !", "celine@corp.example", "")
	})
	if got := mustTicket(t, d, replied.ID); got.Status != StatusOpen {
		t.Fatalf("a reply leaves the ticket %s", got.Status)
	}

	if ids := run(t0.Add(7*24*time.Hour + 59*time.Minute)); len(ids) != 0 {
		t.Fatalf("closed before 7 days: %v", ids)
	}
	before := len(outbox(t, d))
	if ids := run(t0.Add(7*24*time.Hour + time.Hour)); !slices.Equal(ids, []int64{quiet.ID}) {
		t.Fatalf("closed %v, want [%d]", ids, quiet.ID)
	}
	if o := outbox(t, d)[before:]; len(o) != 1 || o[0] != `update ["celine@corp.example"]` {
		t.Fatalf("last mail: %v", o)
	}
	if ids := run(t0.Add(8 * 24 * time.Hour)); len(ids) != 0 {
		t.Fatalf("closed again: %v", ids)
	}

	do(replied.ID, t0.Add(4*24*time.Hour), resolve)
	if ids := run(t0.Add(10 * 24 * time.Hour)); len(ids) != 0 {
		t.Fatalf("closed 6 days after the second resolution: %v", ids)
	}
	if ids := run(t0.Add(11 * 24 * time.Hour)); !slices.Equal(ids, []int64{replied.ID}) {
		t.Fatalf("closed %v, want [%d]", ids, replied.ID)
	}
	for id, want := range map[int64]Status{quiet.ID: StatusClosed, replied.ID: StatusClosed, open.ID: StatusOpen} {
		if got := mustTicket(t, d, id); got.Status != want {
			t.Fatalf("ticket %d is %s, want %s", id, got.Status, want)
		}
	}
}

func TestAutoCloseAfterConfigured(t *testing.T) {
	d := newDeskTOML(t, func(s string) string {
		return strings.Replace(s, `secret_file = "deskd.secret"`, "secret_file = \"deskd.secret\"\nclose_after = \"2d\"", 1)
	})
	tk := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, tk *Ticket) error {
		return tx.Resolve(tk, "fait", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after time.Duration
		n     int
	}{{47 * time.Hour, 0}, {48 * time.Hour, 1}} {
		ids, err := d.RunAutoClose(context.Background(), t0.Add(c.after))
		if err != nil || len(ids) != c.n {
			t.Fatalf("after %s: closed %v, %v", c.after, ids, err)
		}
	}
}
