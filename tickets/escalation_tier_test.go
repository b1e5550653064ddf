package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestTierFollowsAssignee checks that a ticket is at the tier of whoever holds it, however it was
// handed over (assignment by a coordinator, #take, a reply to an unassigned ticket), and that an
// escalation then goes exactly one tier up.
func TestTierFollowsAssignee(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, vpnRequest)
	if tk.Tier != 1 || tk.Assignee != "alice@corp.example" {
		t.Fatalf("opened at tier %d for %s", tk.Tier, tk.Assignee)
	}
	do := func(fn func(*Tx, *Ticket) error) *Ticket {
		t.Helper()
		if err := d.Do(ctx, tk.ID, t0, fn); err != nil {
			t.Fatal(err)
		}
		return mustTicket(t, d, tk.ID)
	}
	got := do(func(tx *Tx, tk *Ticket) error { return tx.Assign(tk, "chloe@corp.example", "nadia@corp.example") })
	if got.Tier != 2 || got.Assignee != "chloe@corp.example" {
		t.Fatalf("assigned to a tier-2 technician: tier %d, %s", got.Tier, got.Assignee)
	}
	got = do(func(tx *Tx, tk *Ticket) error { return tx.Assign(tk, "bob@corp.example", "bob@corp.example") })
	if got.Tier != 1 {
		t.Fatalf("taken by a tier-1 technician: tier %d", got.Tier)
	}
	got = do(func(tx *Tx, tk *Ticket) error { return tx.Assign(tk, "chloe@corp.example", "nadia@corp.example") })
	got = do(func(tx *Tx, tk *Ticket) error { return tx.Escalate(tk, "needs an expert", "nadia@corp.example") })
	if got.Tier != 3 || got.Assignee != "dev@corp.example" {
		t.Fatalf("escalated from tier 2: tier %d, %s", got.Tier, got.Assignee)
	}

	// A reply to an unassigned ticket gives it to the technician who answered, at their tier.
	other := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(ctx, other.ID, t0, func(tx *Tx, tk *Ticket) error {
		tk.Assignee = ""
		if err := tx.save(tk); err != nil {
			return err
		}
		return tx.Reply(tk, "Je regarde.", "chloe@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustTicket(t, d, other.ID); got.Tier != 2 || got.Assignee != "chloe@corp.example" {
		t.Fatalf("answered by a tier-2 technician: tier %d, %s", got.Tier, got.Assignee)
	}
}

// TestEscalationActorNotTold checks that whoever escalates is not mailed about their own action:
// a coordinator escalating gets no "escalated by" notice, the others are still told.
func TestEscalationActorNotTold(t *testing.T) {
	d := newDeskTOML(t, func(s string) string {
		return s + "\n[[coordinator]]\nname = \"Sam Taylor\"\nemail = \"sam@corp.example\"\nlanguage = \"en\"\n"
	})
	tk := openTicket(t, d, t0, vpnRequest)
	before := len(outbox(t, d))
	if err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, tk *Ticket) error {
		return tx.Escalate(tk, "needs a specialist", "nadia@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(outbox(t, d)[before:], " | ")
	want := `escalated ["chloe@corp.example"] | escalated ["celine@corp.example"] | escalated ["sam@corp.example"]`
	if got != want {
		t.Fatalf("outbox %s, want %s", got, want)
	}
}

// TestEscalationSparesNoReply checks that an escalation never mails a requester's address that
// nobody reads (no-reply@…), by hand or by the escalation job; the staff are still told.
func TestEscalationSparesNoReply(t *testing.T) {
	d := newTestDesk(t)
	req := vpnRequest
	req.Requester, req.NoAck = "no-reply@saas.example", "nobody reads no-reply@saas.example"
	byJob := openTicket(t, d, t0, req)
	byHand := openTicket(t, d, t0, req)
	if err := d.Do(context.Background(), byHand.ID, t0, func(tx *Tx, tk *Ticket) error {
		return tx.Escalate(tk, "needs a specialist", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if rep := runEscalation(t, d, t0.Add(5*time.Hour)); len(rep.Escalated) == 0 || rep.Escalated[0] != byJob.ID {
		t.Fatalf("job: %+v", rep)
	}
	staff := 0
	for _, m := range outbox(t, d) {
		if strings.Contains(m, "no-reply@") && !strings.HasPrefix(m, "ack ") {
			t.Errorf("mailed the no-reply address: %s", m)
		}
		if strings.HasPrefix(m, "escalated ") {
			staff++
		}
	}
	if staff == 0 {
		t.Error("nobody was told of the escalations")
	}
}
