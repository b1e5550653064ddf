package tickets

import (
	"context"
	"encoding/json"
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
	var sent int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%no-reply@%' AND state != 'suppressed'`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if sent != 0 {
		t.Errorf("%d mails to the no-reply address: %v", sent, outbox(t, d))
	}
	staff := 0
	for _, m := range outbox(t, d) {
		if strings.HasPrefix(m, "escalated ") && !strings.Contains(m, "no-reply@") {
			staff++
		}
	}
	if staff == 0 {
		t.Error("nobody was told of the escalations")
	}
}

// TestEscalationRestartsResolution checks that an escalation for a missed resolution gives the
// specialist a new target, the new priority's resolve SLA from the escalation, and that the
// requester's notice states that target, not the one just missed. A pending spell afterwards
// extends it.
func TestEscalationRestartsResolution(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(ctx, tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "Je regarde.", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	breach := t0.Add(24 * time.Hour) // Normal: resolution in 24h.
	before := len(outbox(t, d))
	if rep := runEscalation(t, d, breach); len(rep.Escalated) != 1 {
		t.Fatalf("resolve breach: %+v", rep)
	}
	got := mustTicket(t, d, tk.ID)
	if want := breach.Add(8 * time.Hour); got.Priority != PriorityHigh || !got.ResolveDue.Equal(want) {
		t.Fatalf("after the breach: %s, resolve due %v, want %v", got.Priority, got.ResolveDue, want)
	}
	var data string
	if err := d.Store.Reader().QueryRow(`SELECT data FROM outbox JOIN outbox_data USING (id) WHERE id > ? AND recipients = '["celine@corp.example"]'`,
		before).Scan(&data); err != nil {
		t.Fatal(err)
	}
	var n Notice
	if err := json.Unmarshal([]byte(data), &n); err != nil {
		t.Fatal(err)
	}
	if !n.Ticket.ResolveDue.After(breach) {
		t.Fatalf("the requester is promised %v, at %v", n.Ticket.ResolveDue, breach)
	}
	// Two hours pending: the target moves two hours later.
	if err := d.Do(ctx, tk.ID, breach.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Pending(tk, "chloe@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if err := d.Do(ctx, tk.ID, breach.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Message(tk, "Voici l'info.", "celine@corp.example", "m2@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustTicket(t, d, tk.ID); !got.ResolveDue.Equal(breach.Add(10 * time.Hour)) {
		t.Fatalf("after two hours pending: resolve due %v", got.ResolveDue)
	}
}
