package tickets

import (
	"context"
	"testing"
	"time"
)

// TestIncidentNotToAnAwayTechnician: the technician of an incident's first request is away when
// the desk opens the incident: the incident, and the requests it pulls in, go to a technician
// who is there, picked as a new ticket's is; the absent one is sent no incident to work on.
func TestIncidentNotToAnAwayTechnician(t *testing.T) {
	d := newIncidentDesk(t, false)
	var tks []*Ticket
	for i, r := range vpnDown[:2] {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r))
	}
	if a := mustTicket(t, d, tks[0].ID).Assignee; a != "alice@corp.example" {
		t.Fatalf("the first VPN request went to %q, want alice (the test desk's network technician)", a)
	}
	if err := d.Update(context.Background(), t0.Add(6*time.Minute), func(tx *Tx) error {
		return tx.SetAway("alice@corp.example", t0.Add(48*time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	third := openTicket(t, d, t0.Add(10*time.Minute), vpnDown[2])
	third = mustTicket(t, d, third.ID)
	if third.Incident == 0 {
		t.Fatal("the third VPN request opened no incident")
	}
	inc := mustTicket(t, d, third.Incident)
	// Alice away, nobody else of tier 1 has the skill: the least loaded of the tier, as triage.
	if inc.Assignee != "bob@corp.example" {
		t.Fatalf("incident held by %q, want bob (alice is away)", inc.Assignee)
	}
	for _, tk := range append(tks, third) {
		if got := mustTicket(t, d, tk.ID); got.Assignee != inc.Assignee {
			t.Errorf("#%d held by %q, want the incident's %q", tk.ID, got.Assignee, inc.Assignee)
		}
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'assigned' AND ticket_id = ?`, inc.ID); n != 1 {
		t.Errorf("%d assignment notices for the incident, want 1 (to bob)", n)
	}
	if n := noticeOf(t, d, "bob@corp.example", KindAssigned); n.Ticket.ID != inc.ID {
		t.Errorf("bob's last assignment notice is for #%d, want the incident #%d", n.Ticket.ID, inc.ID)
	}
}
