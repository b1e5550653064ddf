package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestIncidentReplyReachesItsRequesters: a reply to an incident, whatever its way in (the web
// desk's reply form and the CLI call Reply, as a mailed answer does), reaches every requester of
// its linked requests, in their own threads, as #update does; not the incident's own requester,
// the desk.
func TestIncidentReplyReachesItsRequesters(t *testing.T) {
	d := newIncidentDesk(t, false)
	ctx := context.Background()
	text := "URGENT the VPN is down for everyone, production blocked, error 809."
	var tks []*Ticket
	for i, from := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example"} {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), NewTicket{Subject: "VPN down",
			Text: text, Requester: from, Language: "en", HeaderPriority: 1}))
	}
	inc := mustTicket(t, d, mustTicket(t, d, tks[2].ID).Incident)
	if !inc.IsIncident() {
		t.Fatalf("no incident: %+v", inc)
	}
	if err := d.Do(ctx, inc.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "The VPN gateway is back since 10:40.", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example"} {
		var kinds []string
		for _, m := range mailsTo(t, d, who) {
			kinds = append(kinds, strings.Fields(m)[0])
		}
		if got := strings.Join(kinds, " "); got != "ack update" {
			t.Errorf("%s got %q, want the ack and the update", who, got)
		}
	}
	for _, tk := range tks {
		if got := mustTicket(t, d, tk.ID); got.FirstResponseAt.IsZero() {
			t.Errorf("#%d: the incident's answer is no first response", got.ID)
		}
	}
}

// TestIncidentEscalationTellsItsRequesters: an incident's escalation tells the requesters of its
// linked requests (the contract: "the requester and the coordinators are told"), each once, in
// their own thread.
func TestIncidentEscalationTellsItsRequesters(t *testing.T) {
	d := newIncidentDesk(t, false)
	ctx := context.Background()
	text := "URGENT the VPN is down for everyone, production blocked, error 809."
	var tks []*Ticket
	for i, from := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example"} {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), NewTicket{Subject: "VPN down",
			Text: text, Requester: from, Language: "en"}))
	}
	inc := mustTicket(t, d, mustTicket(t, d, tks[2].ID).Incident)
	if !inc.IsIncident() {
		t.Fatalf("no incident: %+v", inc)
	}
	if err := d.Do(ctx, inc.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Escalate(tk, "the gateway's card is broken: the vendor is needed", "nadia@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	for i, who := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example"} {
		if got := strings.Join(mailsTo(t, d, who), ", "); got != "ack #"+itoa(tks[i].ID)+", escalated #"+itoa(tks[i].ID) {
			t.Errorf("%s got %q", who, got)
		}
	}
}
