package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestFlowEscalationTiers drives escalation by mail end to end: a ticket takes the tier of whoever
// holds it, an escalation goes one tier above it, the coordinator who escalates is not told of
// their own action, the reason's full stop is not doubled, and an escalation that can raise
// nothing is refused with a rejected mail that says why.
func TestFlowEscalationTiers(t *testing.T) {
	f := newFlow(t, "")
	tk := f.openVPN("celine@corp.example")
	if got := f.ticket(tk.ID); got.Tier != 1 || got.Assignee != alice {
		t.Fatalf("opened at tier %d for %s", got.Tier, got.Assignee)
	}
	f.command(tk, "#assign "+chloe)
	if show := f.show(tk.ID); show.Tier != 2 || show.Assignee != chloe {
		t.Fatalf("assigned to a tier-2 technician: tier %d, %s", show.Tier, show.Assignee)
	}

	f.staffWrite("nadia@corp.example", tk, "#escalate Le certificat de la passerelle a expiré.")
	if got := f.ticket(tk.ID); got.Tier != 3 || got.Assignee != "dev@corp.example" {
		t.Fatalf("escalated from tier 2: tier %d, %s", got.Tier, got.Assignee)
	}
	if ms := f.mails("nadia@corp.example", tickets.KindEscalated, tk.ID); len(ms) != 0 {
		t.Fatalf("Nadia was told of her own escalation: %q", f.text(ms[0]))
	}
	body := f.text(f.one("sam@corp.example", tickets.KindEscalated, tk.ID))
	if !strings.Contains(body, "expiré.") || strings.Contains(body, "expiré..") {
		t.Fatalf("the reason's sentence:\n%s", body)
	}
	f.one(tk.Requester, tickets.KindEscalated, tk.ID)

	// Tier 3 and urgent: nothing can go up.
	f.staffWrite("dev@corp.example", tk, "#priority urgent")
	f.staffWrite("dev@corp.example", tk, "#escalate still broken")
	if got := f.ticket(tk.ID); got.Escalations != 1 || got.Tier != 3 || got.Priority != tickets.PriorityUrgent {
		t.Fatalf("after a refused escalation: %d escalations, tier %d, %s", got.Escalations, got.Tier, got.Priority)
	}
	if body := f.text(f.one("dev@corp.example", tickets.KindRejected, tk.ID)); !strings.Contains(body, "nothing can go up") {
		t.Fatalf("the refusal does not say why:\n%s", body)
	}
	f.one(tk.Requester, tickets.KindEscalated, tk.ID) // Still the one of the first escalation.
}

// TestFlowEscalationSparesNoReply checks that the escalation job never mails a requester address
// nobody reads; the specialist is still told.
func TestFlowEscalationSparesNoReply(t *testing.T) {
	f := newFlow(t, "")
	tk := f.open(msg{from: "no-reply@saas.example", subject: "Le VPN ne se connecte plus",
		body: "Bonjour,\n\nLe VPN refuse de se connecter depuis ce matin.\n"})
	if err := f.dm.jobs["escalation"](f.ctx, time.Now().Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.step()
	if got := f.ticket(tk.ID); got.Escalations != 1 {
		t.Fatalf("%d escalations", got.Escalations)
	}
	if ms := f.mails("no-reply@saas.example", "", tk.ID); len(ms) != 0 {
		t.Fatalf("mailed the no-reply address: %s", f.kinds("no-reply@saas.example"))
	}
	f.one(chloe, tickets.KindEscalated, tk.ID)
}

// TestFlowEscalationNobodyAbove: with every technician above away, an escalation by mail leaves
// the ticket with its holder at the holder's tier and raises only the priority; the requester is
// told of the priority and of no specialist, the technician is told why it is still theirs, each
// coordinator is told once ("no specialist for …"). The escalation job does the same, and its
// one summary per run marks the ticket.
func TestFlowEscalationNobodyAbove(t *testing.T) {
	f := newFlow(t, "")
	for _, who := range []string{chloe, "dev@corp.example"} {
		if err := f.dm.desk.Update(f.ctx, time.Now(), func(tx *tickets.Tx) error {
			return tx.SetAway(who, time.Now().Add(72*time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
	}
	tk := f.openVPN("celine@corp.example")
	f.staffWrite(alice, tk, "#escalate needs a specialist")
	got := f.ticket(tk.ID)
	if got.Assignee != alice || got.Tier != 1 || got.Escalations != 1 || got.Priority != tk.Priority.Raise() {
		t.Fatalf("escalated with nobody above: %s tier %d, %d escalations, %s", got.Assignee, got.Tier, got.Escalations, got.Priority)
	}
	req := f.one(tk.Requester, tickets.KindEscalated, tk.ID)
	if body := subjectOf(req) + "\n" + f.text(req); strings.Contains(body, "spécialiste") || !strings.Contains(body, "priorité") {
		t.Fatalf("the requester's notice:\n%s", body)
	}
	if body := f.text(f.one(alice, tickets.KindEscalated, tk.ID)); !strings.Contains(body, "Personne d'un niveau supérieur n'est disponible") || !strings.Contains(body, "il reste à vous, au niveau 1") {
		t.Fatalf("the technician is not told why:\n%s", body)
	}
	for co, subject := range map[string]string{"nadia@corp.example": "Aucun spécialiste pour", "sam@corp.example": "No specialist for"} {
		ms := f.mails(co, "", tk.ID)
		if len(ms) != 1 || !strings.Contains(subjectOf(ms[0]), subject) {
			t.Fatalf("%s got %s", co, f.kinds(co))
		}
	}

	// The escalation job, for a missed deadline.
	late := f.openVPN("marc@corp.example")
	if err := f.dm.jobs["escalation"](f.ctx, time.Now().Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.step()
	if got := f.ticket(late.ID); got.Assignee != alice || got.Tier != 1 || got.Escalations != 1 {
		t.Fatalf("the job escalated with nobody above: %s tier %d, %d escalations", got.Assignee, got.Tier, got.Escalations)
	}
	if body := f.text(f.one(late.Requester, tickets.KindEscalated, late.ID)); strings.Contains(body, "spécialiste") {
		t.Fatalf("the requester's notice from the job:\n%s", body)
	}
	f.one(alice, tickets.KindEscalated, late.ID)
	if ms := f.mails("nadia@corp.example", "", late.ID); len(ms) != 0 {
		t.Fatalf("a coordinator was mailed about #%d outside the run's summary: %s", late.ID, f.kinds("nadia@corp.example"))
	}
	var summary string
	for _, m := range f.mails("sam@corp.example", tickets.KindEscalated, 0) {
		if m.Header.Get("X-Deskd-Ticket") == "" {
			summary = f.text(m)
		}
	}
	if !strings.Contains(summary, fmt.Sprintf("#%d", late.ID)) || !strings.Contains(summary, "no specialist available") {
		t.Fatalf("the run's summary:\n%s", summary)
	}
}
