package tickets

import (
	"testing"
	"time"
)

// TestIncidentNeedsDistinctPeople: one person writing the same request again and again is one
// request: their mails (their mailbox counted once, case and +tag aside) make no incident, and
// so pull nobody else's ticket into one. A third person then does.
func TestIncidentNeedsDistinctPeople(t *testing.T) {
	d := newIncidentDesk(t, false)
	var tks []*Ticket
	for i, from := range []string{"same.person@corp.example", "Same.Person@corp.example", "same.person+it@corp.example", "same.person@corp.example"} {
		r := vpnDown[0]
		r.Requester = from
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), r))
	}
	other := openTicket(t, d, t0.Add(5*time.Minute), vpnDown[1])
	for _, tk := range append(tks, other) {
		if got := mustTicket(t, d, tk.ID); got.Incident != 0 {
			t.Fatalf("two people's requests made an incident: #%d linked to #%d", tk.ID, got.Incident)
		}
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets WHERE kind = 'incident'`); n != 0 {
		t.Fatalf("%d incidents", n)
	}
	third := openTicket(t, d, t0.Add(10*time.Minute), vpnDown[2])
	if mustTicket(t, d, third.ID).Incident == 0 {
		t.Fatal("three people's alike requests made no incident")
	}
}
