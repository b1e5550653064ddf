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

// TestUnlinkByNumberOnIncidentMail: a technician holds the incident's mails, seldom those of each
// request linked to it: "#unlink N" in a reply to the incident's mail detaches request N (review
// finding H22); a number that is not one of its requests is refused.
func TestUnlinkByNumberOnIncidentMail(t *testing.T) {
	d := newIncidentDesk(t, false)
	text := "URGENT the VPN is down for everyone, production blocked, error 809."
	var tks []*Ticket
	for i, from := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example"} {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), NewTicket{Subject: "VPN down",
			Text: text, Requester: from, Language: "en"}))
	}
	inc := mustTicket(t, d, mustTicket(t, d, tks[2].ID).Incident)
	reply := func(id, text string) *Incoming {
		in := request(id, "alice@corp.example", "RE: [HD #"+itoa(inc.ID)+"] VPN down", text)
		in.InReplyTo = []string{d.Signer.CopyID(rootID(t, d, inc.ID), inc.ID, "alice@corp.example")}
		return in
	}
	if o := ingest(t, d, t0.Add(time.Hour), reply("u1@x", "#unlink "+itoa(tks[1].ID)))[0]; o.Action != ActionCommand {
		t.Fatalf("unlink: %+v (%s)", o, lastEvent(t, d, EventRejected))
	}
	if got := mustTicket(t, d, tks[1].ID); got.Incident != 0 {
		t.Errorf("#%d still linked to %d", got.ID, got.Incident)
	}
	if got := mustTicket(t, d, tks[0].ID); got.Incident != inc.ID {
		t.Errorf("#%d unlinked too", got.ID)
	}
	if o := ingest(t, d, t0.Add(2*time.Hour), reply("u2@x", "#unlink 9999"))[0]; o.Action != ActionRejected {
		t.Fatalf("unlink of no request of the incident: %+v", o)
	}
}
