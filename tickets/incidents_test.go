package tickets

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// incidentConfigTOML is the test desk with incidents detected, announced to all-staff.
var incidentConfigTOML = strings.Replace(testConfigTOML, "[incidents]\ndetect = false\n",
	"[incidents]\ndetect = true\nannounce = \"all-staff@corp.example\"\nannounce_size = 4\n", 1)

// newIncidentDesk opens a desk that detects incidents, ranking with FTS4 when fts4 is set.
func newIncidentDesk(t testing.TB, fts4 bool) *Desk {
	d := newSearchDesk(t, fts4)
	if err := d.SetConfig(parseTestConfig(t, incidentConfigTOML)); err != nil {
		t.Fatal(err)
	}
	return d
}

// vpnDown are three people writing about one VPN outage, in two languages, worded differently.
var vpnDown = []NewTicket{
	{Subject: "Le VPN ne se connecte plus", Text: "Bonjour, depuis 9h le VPN refuse de se connecter (erreur 809).", Requester: "celine@corp.example", Language: "fr"},
	{Subject: "VPN down?", Text: "Hi, the VPN will not connect from home since this morning, error 809.", Requester: "priya@corp.example", Language: "en",
		Watchers: []string{"tom@corp.example"}},
	{Subject: "Plus de VPN", Text: "Impossible de me connecter au VPN, il tourne puis erreur 809.", Requester: "jean@corp.example", Language: "fr"},
}

// mailsTo lists the outbox rows to an address as "kind #ticket".
func mailsTo(t testing.TB, d *Desk, addr string) []string {
	t.Helper()
	rows, err := d.Store.Reader().Query(`SELECT o.kind, o.ticket_id FROM outbox o, `+recipientsOf(d)+`
		WHERE r.value = ? ORDER BY o.id`, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+" #"+itoa(id))
	}
	return out
}

// recipientsOf is the table r of an outbox row o's recipients, one value each.
func recipientsOf(d *Desk) string {
	return d.Store.dialect.pick(`json_each(o.recipients) r`, `jsonb_array_elements_text(CAST(o.recipients AS JSONB)) r (value)`)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// noticeOf returns the notice of the last outbox row of a kind to an address.
func noticeOf(t testing.TB, d *Desk, addr, kind string) Notice {
	t.Helper()
	var data string
	err := d.Store.Reader().QueryRow(`SELECT d.data FROM outbox o JOIN outbox_data d ON d.id = o.id, `+recipientsOf(d)+`
		WHERE r.value = ? AND o.kind = ? ORDER BY o.id DESC LIMIT 1`, addr, kind).Scan(&data)
	if err != nil {
		t.Fatalf("%s %s: %v", addr, kind, err)
	}
	var n Notice
	if err := json.Unmarshal([]byte(data), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIncidentAckWithheld: a request that joins an incident gets no acknowledgement when it is
// to get none (an address nobody reads, a late mail of the first run).
func TestIncidentAckWithheld(t *testing.T) {
	d := newIncidentDesk(t, false)
	for i, r := range vpnDown[:2] {
		openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r)
	}
	third := vpnDown[2]
	third.Requester, third.NoAck = "noreply@corp.example", "nobody reads noreply@corp.example" // Of the organisation: only its requests count.
	tk := openTicket(t, d, t0.Add(10*time.Minute), third)
	if mustTicket(t, d, tk.ID).Incident == 0 {
		t.Fatal("the third request joined no incident")
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND ticket_id = ? AND state != 'suppressed'`, tk.ID); n != 0 {
		t.Fatalf("%d acknowledgements to send to an address nobody reads", n)
	}
}

// TestIncidentDetected: the third alike request within the window opens an incident held by the
// first request's technician; the three are linked, the third's acknowledgement says the problem
// is known; a fourth joins later; one #resolve answers each requester once.
func TestIncidentDetected(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newIncidentDesk(t, fts4)
			ctx := context.Background()
			var tks []*Ticket
			for i, r := range vpnDown {
				tks = append(tks, openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r))
			}
			first, third := mustTicket(t, d, tks[0].ID), mustTicket(t, d, tks[2].ID)
			if third.Incident == 0 || first.Incident != third.Incident {
				t.Fatalf("not linked: %+v / %+v", first, third)
			}
			inc := mustTicket(t, d, third.Incident)
			if !inc.IsIncident() || inc.Assignee != tks[0].Assignee || inc.Category != "network" || inc.Requester != "helpdesk@corp.example" {
				t.Fatalf("incident %+v", inc)
			}
			if n := noticeOf(t, d, "jean@corp.example", KindAck); n.Incident == nil || n.Incident.ID != inc.ID {
				t.Fatalf("the third ack does not name the incident: %+v", n)
			}
			if n := noticeOf(t, d, "celine@corp.example", KindAck); n.Incident != nil {
				t.Fatalf("the first ack was sent before anything was known: %+v", n)
			}
			if n := noticeOf(t, d, inc.Assignee, KindAssigned); n.Ticket.ID != inc.ID || n.Size != 3 || len(n.Linked) != 3 {
				t.Fatalf("the technician's incident notice: %+v", n)
			}
			var ex Explanation
			if err := json.Unmarshal([]byte(third.Explain), &ex); err != nil || ex.Incident != inc.ID || len(ex.IncidentReason) == 0 {
				t.Fatalf("explanation %s", third.Explain)
			}
			// A fourth, an hour later (out of the window), joins the open incident.
			fourth := openTicket(t, d, t0.Add(time.Hour), NewTicket{Subject: "vpn erreur 809", Text: "Le VPN ne marche toujours pas chez moi.",
				Requester: "lucas@corp.example", Language: "fr"})
			if got := mustTicket(t, d, fourth.ID); got.Incident != inc.ID || got.Assignee != inc.Assignee {
				t.Fatalf("fourth %+v", got)
			}
			// The desk opened it: nothing is announced until a technician confirms it in words.
			if m := mailsTo(t, d, "all-staff@corp.example"); len(m) != 0 {
				t.Fatalf("announced unconfirmed: %v", m)
			}
			if err := d.Do(ctx, inc.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
				return tx.ConfirmIncident(tk, "VPN: connexion impossible (erreur 809)", "alice@corp.example")
			}); err != nil {
				t.Fatal(err)
			}
			if m := mailsTo(t, d, "all-staff@corp.example"); len(m) != 1 || m[0] != "incident #"+itoa(inc.ID) {
				t.Fatalf("announcements %v", m)
			}
			if n := noticeOf(t, d, "all-staff@corp.example", KindIncident); n.Ticket.Subject != "VPN: connexion impossible (erreur 809)" {
				t.Fatalf("announced subject %q", n.Ticket.Subject)
			}
			// An unrelated request is not linked.
			other := openTicket(t, d, t0.Add(61*time.Minute), NewTicket{Subject: "Wi-Fi lent salle B12", Text: "Le wifi est très lent en salle B12.", Requester: "x@corp.example", Language: "fr"})
			if mustTicket(t, d, other.ID).Incident != 0 {
				t.Fatal("an unrelated network request was linked")
			}
			// Loads: the incident weighs one, its requests nothing.
			if err := d.Update(ctx, t0.Add(2*time.Hour), func(tx *Tx) error {
				loads, err := tx.Loads()
				if err != nil {
					return err
				}
				if l := loads[inc.Assignee]; l.Open != 2 { // The incident and the unrelated request.
					t.Errorf("load %+v", l)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// The update reaches each requester and watcher once, in their own thread.
			if err := d.Do(ctx, inc.ID, t0.Add(2*time.Hour), func(tx *Tx, tk *Ticket) error {
				return tx.IncidentUpdate(tk, "La passerelle VPN redémarre.", "alice@corp.example")
			}); err != nil {
				t.Fatal(err)
			}
			if err := d.Do(ctx, inc.ID, t0.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error {
				return tx.Resolve(tk, "Certificat de la passerelle renouvelé.", "alice@corp.example")
			}); err != nil {
				t.Fatal(err)
			}
			for _, who := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example", "lucas@corp.example", "tom@corp.example"} {
				var kinds []string
				for _, m := range mailsTo(t, d, who) {
					kinds = append(kinds, strings.Fields(m)[0])
				}
				want := "ack update resolved"
				if who == "tom@corp.example" {
					want = "" // In copy: the ack and the others went to Priya with Tom in Cc.
				}
				if got := strings.Join(kinds, " "); got != want {
					t.Errorf("%s got %q, want %q", who, got, want)
				}
			}
			var cc string
			if err := d.Store.Reader().QueryRow(`SELECT cc FROM outbox WHERE ticket_id = ? AND kind = 'resolved'`, tks[1].ID).Scan(&cc); err != nil || cc != `["tom@corp.example"]` {
				t.Fatalf("Tom is not in copy of Priya's resolution: %q %v", cc, err)
			}
			for _, tk := range append(tks, fourth) {
				if got := mustTicket(t, d, tk.ID); got.Status != StatusResolved {
					t.Fatalf("#%d %s", got.ID, got.Status)
				}
			}
			if m := mailsTo(t, d, "all-staff@corp.example"); len(m) != 3 {
				t.Fatalf("announcements %v", m)
			}
			// Priya writes back: only her request reopens, and leaves the incident.
			if err := d.Do(ctx, tks[1].ID, t0.Add(4*time.Hour), func(tx *Tx, tk *Ticket) error {
				return tx.Message(tk, "Still failing for me, error 809.", "priya@corp.example", "")
			}); err != nil {
				t.Fatal(err)
			}
			if got := mustTicket(t, d, tks[1].ID); got.Status != StatusOpen || got.Incident != 0 {
				t.Fatalf("Priya's request %s incident %d", got.Status, got.Incident)
			}
			for _, id := range []int64{tks[0].ID, tks[2].ID, fourth.ID, inc.ID} {
				if got := mustTicket(t, d, id); got.Status != StatusResolved {
					t.Fatalf("#%d reopened too", id)
				}
			}
			// The JSON: the incident lists its requests, each names the incident.
			list, err := d.Store.List(ctx, ListFilter{})
			if err != nil {
				t.Fatal(err)
			}
			js, err := d.Store.JSONs(ctx, list)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range js {
				switch {
				case j.ID == inc.ID:
					if j.Kind != "incident" || j.Linked == nil || len(*j.Linked) != 3 {
						t.Fatalf("incident JSON %+v", j)
					}
				case j.ID == tks[0].ID:
					if j.Kind != "request" || j.Incident != inc.ID || j.Linked != nil {
						t.Fatalf("linked JSON %+v", j)
					}
				}
			}
		})
	}
}

// TestIncidentCommands: #incident, #link N, #unlink, #update, #reuse by mail, in English and
// French, and their refusals.
func TestIncidentCommands(t *testing.T) {
	d := newSearchDesk(t, false) // Detection off: staff link by hand.
	ctx := context.Background()
	a := openTicket(t, d, t0, vpnDown[0])
	b := openTicket(t, d, t0.Add(time.Minute), vpnDown[1])
	old := openTicket(t, d, t0.Add(2*time.Minute), NewTicket{Subject: "Imprimante", Text: "Bourrage.", Requester: "z@corp.example", Language: "fr"})
	resolveTicket(t, d, t0.Add(3*time.Minute), old.ID, "Rouleau d'entraînement changé.")
	staff := func(id int64, at time.Duration, text string) string {
		t.Helper()
		var action string
		if err := d.Do(ctx, id, t0.Add(at), func(tx *Tx, tk *Ticket) error {
			var err error
			action, err = tx.HandleStaffMail(tk, &Incoming{From: "alice@corp.example", Text: text, MessageID: "m" + text})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return action
	}
	if got := staff(b.ID, 5*time.Minute, "#lier 9999"); got != ActionRejected {
		t.Fatalf("#link to nothing: %s", got)
	}
	if got := staff(b.ID, 6*time.Minute, "#link "+itoa(a.ID)); got != ActionRejected {
		t.Fatalf("#link to a request: %s", got)
	}
	if got := staff(a.ID, 7*time.Minute, "#incident"); got != ActionCommand || !mustTicket(t, d, a.ID).IsIncident() {
		t.Fatalf("#incident: %s", got)
	}
	if got := staff(b.ID, 8*time.Minute, "#rattacher #"+itoa(a.ID)); got != ActionCommand || mustTicket(t, d, b.ID).Incident != a.ID {
		t.Fatalf("#rattacher: %s", got)
	}
	if got := staff(b.ID, 9*time.Minute, "#update hello"); got != ActionRejected {
		t.Fatalf("#update on a linked request: %s", got)
	}
	// A plain answer to the incident reaches everyone, like #update.
	if got := staff(a.ID, 10*time.Minute, "La passerelle redémarre."); got != ActionReply {
		t.Fatalf("answer to the incident: %s", got)
	}
	if n := noticeOf(t, d, "priya@corp.example", KindUpdate); n.Event != "incident" || n.Text != "La passerelle redémarre." {
		t.Fatalf("Priya's update %+v", n)
	}
	if got := staff(b.ID, 11*time.Minute, "#délier"); got != ActionCommand || mustTicket(t, d, b.ID).Incident != 0 {
		t.Fatalf("#délier: %s", got)
	}
	if got := staff(b.ID, 12*time.Minute, "#unlink"); got != ActionRejected {
		t.Fatalf("#unlink twice: %s", got)
	}
	// #reuse N: N's note after the technician's words, under their name.
	if got := staff(b.ID, 13*time.Minute, "Hello Priya,\n#reuse "+itoa(old.ID)); got != ActionCommand {
		t.Fatalf("#reuse: %s", got)
	}
	if n := noticeOf(t, d, "priya@corp.example", KindReply); n.Text != "Hello Priya,\n\nRouleau d'entraînement changé." || n.Actor != "alice@corp.example" {
		t.Fatalf("reuse reply %+v", n)
	}
	if got := staff(b.ID, 14*time.Minute, "#resolve\n#réutiliser "+itoa(old.ID)); got != ActionCommand || mustTicket(t, d, b.ID).Status != StatusResolved {
		t.Fatalf("#resolve #reuse: %s", got)
	}
	if got := staff(a.ID, 15*time.Minute, "#reuse "+itoa(a.ID)); got != ActionRejected {
		t.Fatalf("#reuse of an open ticket: %s", got)
	}
	var reasons []string
	rows, err := d.Store.Reader().Query(`SELECT text FROM events WHERE kind = 'rejected' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		reasons = append(reasons, s)
	}
	want := []string{"is not an incident", "is not an incident", "linked to incident", "not linked", "no resolution note"}
	if len(reasons) != len(want) {
		t.Fatalf("refusals %q", reasons)
	}
	for i, w := range want {
		if !strings.Contains(reasons[i], w) {
			t.Errorf("refusal %d %q lacks %q", i, reasons[i], w)
		}
	}
}

// TestLinkedRequestsDoNotEscalate: the incident escalates once for a breach; its linked requests
// do not; the coordinators get one mail for the run.
func TestLinkedRequestsDoNotEscalate(t *testing.T) {
	d := newIncidentDesk(t, true)
	var tks []*Ticket
	for i, r := range vpnDown {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), r))
	}
	plain := openTicket(t, d, t0, NewTicket{Subject: "Excel plante", Text: "Excel plante à l'ouverture.", Requester: "q@corp.example", Language: "fr"})
	inc := mustTicket(t, d, mustTicket(t, d, tks[0].ID).Incident)
	rep := runEscalation(t, d, t0.Add(30*time.Hour))
	if len(rep.Escalated) != 2 || !slices.Contains(rep.Escalated, plain.ID) || !slices.Contains(rep.Escalated, inc.ID) {
		t.Fatalf("escalated %v; want the request #%d and the incident #%d only", rep.Escalated, plain.ID, inc.ID)
	}
	if rep := runEscalation(t, d, t0.Add(30*time.Hour+time.Minute)); len(rep.Escalated) != 0 {
		t.Fatalf("escalated again: %v", rep.Escalated)
	}
	if m := mailsTo(t, d, "nadia@corp.example"); len(m) != 1 || m[0] != "escalated #0" {
		t.Fatalf("coordinator mails %v", m)
	}
	if n := noticeOf(t, d, "nadia@corp.example", KindEscalated); n.EscalationsTotal != 2 || len(n.Escalations) != 2 {
		t.Fatalf("summary %+v", n)
	}
	// The linked requests follow the incident to its new technician.
	inc = mustTicket(t, d, inc.ID)
	for _, tk := range tks {
		if got := mustTicket(t, d, tk.ID); got.Assignee != inc.Assignee || got.Tier != inc.Tier || got.Escalations != 0 {
			t.Fatalf("#%d: %s tier %d, %d escalations; incident with %s tier %d", got.ID, got.Assignee, got.Tier, got.Escalations, inc.Assignee, inc.Tier)
		}
	}
}

// TestIncidentNotFromStrangers: three alike urgent mails from made-up senders outside the
// organisation open no incident and announce nothing; three from the organisation open one, and
// it is announced only when a technician's #update confirms it, with the technician's words.
func TestIncidentNotFromStrangers(t *testing.T) {
	d := newIncidentDesk(t, false)
	ctx := context.Background()
	text := "URGENT the VPN is down for everyone, production blocked, error 809."
	var tks []*Ticket
	for i, from := range []string{"x0@evil0.example", "x1@evil1.example", "x2@evil2.example"} {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), NewTicket{Subject: "URGENT: VPN down - workaround at https://vpn.evil.example",
			Text: text, Requester: from, Language: "en", HeaderPriority: 1}))
	}
	for _, tk := range tks {
		if got := mustTicket(t, d, tk.ID); got.Incident != 0 {
			t.Fatalf("a stranger's request was linked to incident %d", got.Incident)
		}
	}
	for i, from := range []string{"celine@corp.example", "priya@corp.example", "jean@corp.example"} {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(10+i)*time.Minute), NewTicket{Subject: "VPN down",
			Text: text, Requester: from, Language: "en", HeaderPriority: 1}))
	}
	inc := mustTicket(t, d, mustTicket(t, d, tks[5].ID).Incident)
	if !inc.IsIncident() {
		t.Fatalf("the organisation's requests opened no incident: %+v", inc)
	}
	if m := mailsTo(t, d, "all-staff@corp.example"); len(m) != 0 {
		t.Fatalf("announced before a technician confirmed it: %v", m)
	}
	if err := d.Do(ctx, inc.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.IncidentUpdate(tk, "The VPN gateway is restarting; back by 11:00.", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if n := noticeOf(t, d, "all-staff@corp.example", KindIncident); n.Event != "update" || n.Text != "The VPN gateway is restarting; back by 11:00." {
		t.Fatalf("announcement %+v", n)
	}
}
