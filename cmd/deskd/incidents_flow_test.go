package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// wifiDown are people writing about one Wi-Fi outage, each in their own words and language.
var wifiDown = []msg{
	{from: "manon@corp.example", name: "Manon Rivière", subject: "Plus de wifi bâtiment B",
		body: "Bonjour,\n\nLe wifi ne fonctionne plus du tout dans le bâtiment B, aucun réseau visible.\n\nManon"},
	{from: "jacob@corp.example", name: "Jacob Stone", subject: "Wi-Fi down in building B",
		body: "Hi,\n\nNo Wi-Fi in building B this morning, the corporate network does not show up.\n\nJacob"},
	{from: "laura@corp.example", name: "Laura Simon", subject: "Réseau sans fil bât. B",
		body: "Bonjour,\n\nAucune connexion wifi au 2e étage du bâtiment B, impossible de travailler.\n\nLaura"},
	{from: "ella@corp.example", name: "Ella Ward", subject: "Wireless outage building B",
		body: "Hello,\n\nIs the wireless down in building B? Nobody on our floor can connect to the wifi.\n\nElla"},
}

// TestFlowIncident drives an outage by mail: three alike requests are linked into one incident,
// the third and fourth requesters are told the problem is known (each in their language), the
// technician's #update reaches each requester in their own thread and language, one #resolve
// answers each of them once, a requester's later reply reopens only their request, and a later
// request like them is shown the incident's note as a known answer, which #reuse sends.
func TestFlowIncident(t *testing.T) {
	f := newFlow(t, "\n[incidents]\nannounce = \"all-staff@corp.example\"\nannounce_size = 4\n")
	var tks []*tickets.Ticket
	for _, m := range wifiDown[:3] {
		tks = append(tks, f.open(m))
	}
	third := f.ticket(tks[2].ID)
	if third.Incident == 0 {
		t.Fatalf("the third request is not linked: %+v", third)
	}
	inc := f.ticket(third.Incident)
	if !inc.IsIncident() || inc.Assignee != alice {
		t.Fatalf("incident %+v", inc)
	}
	for _, tk := range tks {
		if got := f.ticket(tk.ID); got.Incident != inc.ID || got.Assignee != alice {
			t.Fatalf("#%d: incident %d, assignee %s", got.ID, got.Incident, got.Assignee)
		}
	}
	ack := f.one("laura@corp.example", "ack", tks[2].ID)
	if body := f.text(ack); ack.Header.Get("Content-Language") != "fr" || !strings.Contains(body, "Nous connaissons déjà ce problème") {
		t.Fatalf("the third ack (%s): %q", ack.Header.Get("Content-Language"), body)
	}
	if body := f.text(f.one("manon@corp.example", "ack", tks[0].ID)); strings.Contains(body, "connaissons déjà") {
		t.Fatalf("the first ack knew already: %q", body)
	}
	// Alice hears of the incident once, with its requests.
	notice := f.one(alice, "assigned", inc.ID)
	if body := f.text(notice); !strings.Contains(body, "3 demandes y sont rattachées") || !strings.Contains(body, "Jacob Stone") {
		t.Fatalf("incident notice: %q", body)
	}
	// The incident's requester is the desk: the notice names the linked requests' requesters
	// instead, and says that a reply reaches every one of them.
	if body := f.text(notice); strings.Contains(body, "Demandeur : Support") || strings.Contains(body, "Support Informatique a écrit") ||
		strings.Contains(body, "pour répondre au demandeur") || !strings.Contains(body, "Demandeurs : ceux des demandes rattachées") ||
		!strings.Contains(body, "Répondez à ce mail pour écrire à chaque demandeur rattaché") {
		t.Fatalf("the incident's notice speaks of the desk as its requester:\n%s", body)
	}
	// A fourth, in English: told in English, linked, Alice not mailed again.
	fourth := f.open(wifiDown[3])
	if got := f.ticket(fourth.ID); got.Incident != inc.ID {
		t.Fatalf("fourth: %+v", got)
	}
	if body := f.text(f.one("ella@corp.example", "ack", fourth.ID)); !strings.Contains(body, "We already know about this problem") {
		t.Fatalf("fourth ack: %q", body)
	}
	if ms := f.mails(alice, "", fourth.ID); len(ms) != 0 {
		t.Fatalf("Alice got %d mails about the fourth request", len(ms))
	}
	// The desk opened it: announced only once Alice confirms it, in her words.
	if ms := f.mails("all-staff@corp.example", "incident", inc.ID); len(ms) != 0 {
		t.Fatalf("announced unconfirmed: %d", len(ms))
	}
	f.reply(alice, "Alice Martin", notice, "#incident Wi-Fi en panne au bâtiment B", plainStyle, nil)
	f.step()
	if ms := f.mails("all-staff@corp.example", "incident", inc.ID); len(ms) != 1 || !strings.Contains(subjectOf(ms[0]), "Problème connu : Wi-Fi en panne au bâtiment B") {
		t.Fatalf("announcement: %d", len(ms))
	}
	tks = append(tks, fourth)
	requesters := []string{"manon@corp.example", "jacob@corp.example", "laura@corp.example", "ella@corp.example"}
	langs := []string{"fr", "en", "fr", "en"}

	// #update: each requester, in their own thread and language.
	f.reply(alice, "Alice Martin", notice, "#update Les bornes du bâtiment B redémarrent, retour prévu vers 11h.", plainStyle, nil)
	f.step()
	for i, who := range requesters {
		m := f.one(who, "update", tks[i].ID)
		if m.Header.Get("Content-Language") != langs[i] || !strings.Contains(f.text(m), "Les bornes du bâtiment B redémarrent") ||
			!strings.Contains(m.Header.Get("References"), tks[i].OriginMessageID) {
			t.Fatalf("%s update (%s): %q refs %q", who, m.Header.Get("Content-Language"), f.text(m), m.Header.Get("References"))
		}
	}
	// #resolve: each requester once, in their thread; the incident and its requests resolved.
	f.reply(alice, "Alice Martin", notice, "#resolve Le contrôleur wifi a été redémarré ; le réseau est revenu.", plainStyle, nil)
	f.step()
	for i, who := range requesters {
		m := f.one(who, "resolved", tks[i].ID)
		if len(f.mails(who, "resolved", 0)) != 1 || m.Header.Get("Content-Language") != langs[i] ||
			!strings.Contains(f.text(m), "Le contrôleur wifi a été redémarré") {
			t.Fatalf("%s resolution: %d mails, %q", who, len(f.mails(who, "resolved", 0)), f.text(m))
		}
		if got := f.ticket(tks[i].ID); got.Status != tickets.StatusResolved {
			t.Fatalf("#%d %s", got.ID, got.Status)
		}
	}
	if got := f.ticket(inc.ID); got.Status != tickets.StatusResolved {
		t.Fatalf("incident %s", got.Status)
	}
	if ms := f.mails("all-staff@corp.example", "incident", inc.ID); len(ms) != 3 {
		t.Fatalf("announcements: %d", len(ms))
	}
	// Jacob replies: only his request reopens, and leaves the incident.
	f.reply("jacob@corp.example", "Jacob Stone", f.one("jacob@corp.example", "resolved", tks[1].ID), "Still no Wi-Fi on the 3rd floor of building B.", gmailEN, nil)
	f.step()
	if got := f.ticket(tks[1].ID); got.Status != tickets.StatusOpen || got.Incident != 0 {
		t.Fatalf("Jacob's request: %s, incident %d", got.Status, got.Incident)
	}
	for _, id := range []int64{tks[0].ID, tks[2].ID, tks[3].ID, inc.ID} {
		if got := f.ticket(id); got.Status != tickets.StatusResolved {
			t.Fatalf("#%d reopened too: %s", id, got.Status)
		}
	}
	f.one(alice, "update", tks[1].ID) // Alice is told Jacob's request reopened.

	// A later request like them: its assignment shows the incident's note; #reuse sends it.
	later := f.open(msg{from: "nora@corp.example", name: "Nora Fisher", subject: "Wifi down in building B again?",
		body: "Hello, the wifi in building B is down again this afternoon, no network at all."})
	assigned := f.one(alice, "assigned", later.ID)
	if body := f.text(assigned); !strings.Contains(body, fmt.Sprintf("[HD #%d]", inc.ID)) || !strings.Contains(body, "Le contrôleur wifi a été redémarré") ||
		!strings.Contains(body, "#reuse") {
		t.Fatalf("known answers in the assignment: %q", body)
	}
	f.reply(alice, "Alice Martin", assigned, fmt.Sprintf("Hello Nora, this is what fixed it last time:\n#reuse %d", inc.ID), plainStyle, nil)
	f.step()
	reply := f.one("nora@corp.example", "reply", later.ID)
	if body := f.text(reply); !strings.Contains(body, "this is what fixed it last time") || !strings.Contains(body, "Le contrôleur wifi a été redémarré") ||
		!strings.Contains(body, "Alice Martin") {
		t.Fatalf("reuse reply: %q", body)
	}
	// The JSON tells the incident and its requests.
	js := f.show(inc.ID)
	if js.Kind != "incident" || js.Linked == nil || len(*js.Linked) != 3 {
		t.Fatalf("incident JSON: %+v", js)
	}
}

// TestFlowStrangersAnnounceNothing: three alike urgent mails from made-up Internet senders make
// the desk broadcast nothing to the staff list.
func TestFlowStrangersAnnounceNothing(t *testing.T) {
	f := newFlow(t, "\n[incidents]\ndetect = true\nannounce = \"all-staff@corp.example\"\n")
	subj := "URGENT: VPN down for everyone - workaround at https://vpn-corp.evil.example"
	for i := range 3 {
		f.send(msg{from: fmt.Sprintf("x%d@evil%d.example", i, i), subject: subj,
			headers: map[string]string{"X-Priority": "1"},
			body:    "URGENT the VPN is down for everyone, production blocked. Workaround: https://vpn-corp.evil.example (urgent)"})
		f.step()
	}
	if got := f.deskMails("all-staff@corp.example"); len(got) > 0 {
		t.Errorf("strangers' mails made the desk write %d mails to the staff list", len(got))
	}
}

// TestFlowLinkedRequestFollowsIncident: a request linked to an incident is held by the incident's
// technician and never escalates nor changes hands on its own: #escalate, #assign and #take on it
// are refused with a rejected mail that says to act on the incident or #unlink it first; nothing
// changes and the requester is told nothing. On the incident, #escalate takes the request along.
func TestFlowLinkedRequestFollowsIncident(t *testing.T) {
	f := newFlow(t, "")
	inc := f.openVPN("celine@corp.example")
	req := f.openVPN("marc@corp.example")
	f.staffWrite(alice, inc, "#incident")
	f.staffWrite(alice, req, fmt.Sprintf("#link %d", inc.ID))
	f.staffWrite("nadia@corp.example", inc, "#assign "+bob)
	if got := f.ticket(req.ID); got.Incident != inc.ID || got.Assignee != bob {
		t.Fatalf("the linked request: incident %d, %s", got.Incident, got.Assignee)
	}
	for i, body := range []string{"#escalate user is a VIP", "#assign " + chloe, "#take"} {
		f.staffWrite(alice, req, body)
		got := f.ticket(req.ID)
		if got.Assignee != bob || got.Tier != 1 || got.Escalations != 0 || got.Incident != inc.ID || got.Priority != req.Priority {
			t.Fatalf("%s on a linked request: %s tier %d, %d escalations, incident %d, %s", body, got.Assignee, got.Tier, got.Escalations, got.Incident, got.Priority)
		}
		ms := f.mails(alice, tickets.KindRejected, req.ID)
		if len(ms) != i+1 {
			t.Fatalf("%s: %d rejected mails (all: %s)", body, len(ms), f.kinds(alice))
		}
		if text := f.text(ms[i]); !strings.Contains(text, fmt.Sprintf("rattachée à l'incident #%d", inc.ID)) || !strings.Contains(text, "#délier") {
			t.Fatalf("%s: the refusal does not say why:\n%s", body, text)
		}
	}
	if ms := f.mails(req.Requester, tickets.KindEscalated, req.ID); len(ms) != 0 {
		t.Fatalf("the linked requester was told of an escalation")
	}
	// The incident escalates, and its requests follow it.
	f.staffWrite(bob, inc, "#escalate gateway down")
	if i, r := f.ticket(inc.ID), f.ticket(req.ID); i.Assignee != chloe || r.Assignee != chloe || r.Tier != 2 || r.Incident != inc.ID {
		t.Fatalf("after the incident's escalation: incident %s, request %s tier %d", i.Assignee, r.Assignee, r.Tier)
	}
}
