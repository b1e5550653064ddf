package tickets

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// mailIn is a person's request as the mail reader hands it to the desk, at a time.
type mailIn struct {
	from, subject, text string
}

// ingestGroup records a group of requests in one batch, as one poll of the inbox does, and
// returns the tickets they opened.
func ingestGroup(t *testing.T, d *Desk, at time.Time, group []mailIn) []*Ticket {
	t.Helper()
	var batch []*Incoming
	for i, m := range group {
		batch = append(batch, &Incoming{MessageID: fmt.Sprintf("g%d-%d@corp.example", at.Unix(), i), From: m.from,
			To: []string{"helpdesk@corp.example"}, Subject: m.subject, Text: m.text, Verdict: VerdictPerson, Date: at,
			Language: DetectLanguage("", m.subject+"\n"+m.text, "fr")})
	}
	out, err := d.Ingest(context.Background(), at, batch)
	if err != nil {
		t.Fatal(err)
	}
	var tks []*Ticket
	for i, o := range out {
		if o.Err != nil || o.Action != ActionOpened {
			t.Fatalf("%q: %+v", group[i].subject, o)
		}
		tks = append(tks, mustTicket(t, d, o.TicketID))
	}
	return tks
}

// ingestApart records a group of requests one by one, each every after the one before from at,
// as mails of different people arriving within minutes do, and returns the tickets they opened.
func ingestApart(t *testing.T, d *Desk, at time.Time, every time.Duration, group []mailIn) []*Ticket {
	t.Helper()
	var tks []*Ticket
	for i, m := range group {
		tks = append(tks, ingestGroup(t, d, at.Add(time.Duration(i)*every), []mailIn{m})...)
	}
	return tks
}

// labelledGroup is a group of requests written by different people within minutes: outage true
// when they are one problem.
type labelledGroup struct {
	name   string
	outage bool
	group  []mailIn
}

// testLabelledGroups plays each group on a desk in use (seedOneOffs), each out of the others'
// window, its requests four minutes apart, on every ranking engine: an outage's requests are all
// linked, the others none.
func testLabelledGroups(t *testing.T, groups []labelledGroup) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			at := seedOneOffs(t, d)
			if err := d.SetConfig(parseTestConfig(t, incidentConfigTOML)); err != nil {
				t.Fatal(err)
			}
			for _, c := range groups {
				at = at.Add(2 * time.Hour)
				for _, tk := range ingestApart(t, d, at, 4*time.Minute, c.group) {
					got := mustTicket(t, d, tk.ID)
					if linked := got.Incident != 0; linked != c.outage {
						t.Errorf("%s: %q (%s): linked %v, want %v: %s", c.name, got.Subject, got.Category, linked, c.outage, got.Explain)
					}
				}
			}
		})
	}
}

// thirdFloorPrinter is one outage, the printer on the third floor, reported three times in two
// languages: the desk must make one incident of it.
var thirdFloorPrinter = []mailIn{
	{"armelle@corp.example", "Imprimante 3ème étage bloquée", "L'imprimante du 3ème étage est bloquée, rien ne sort."},
	{"ben@corp.example", "3rd floor printer stuck", "The printer on the 3rd floor is stuck, nothing comes out."},
	{"coralie@corp.example", "imprimante 3ème en panne", "Bonjour, l'imprimante du 3ème est en panne."},
}

// TestIncidentNotOnPlaceAndComplaint: requests that share only where their writers sit (the
// third floor) and how they say something broke ("ne marche plus", "doesn't work") are three
// problems, not an outage: they make no incident, in French or in English, and do not join the
// third floor's printer incident either. The printer's three reports still make one incident.
func TestIncidentNotOnPlaceAndComplaint(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newIncidentDesk(t, fts4)
			at := t0
			printer := ingestGroup(t, d, at, thirdFloorPrinter)
			inc := mustTicket(t, d, printer[2].ID).Incident
			if inc == 0 {
				t.Fatal("the third floor printer's three reports made no incident")
			}
			for _, tk := range printer {
				if got := mustTicket(t, d, tk.ID); got.Incident != inc {
					t.Fatalf("%q linked to %d, want incident #%d", tk.Subject, got.Incident, inc)
				}
			}
			groups := [][]mailIn{
				// One poll: two unrelated devices on one floor, in French.
				{{"denis@corp.example", "Badge 3e", "Mon badge ne fonctionne plus à la porte du 3e."},
					{"emma@corp.example", "Scanner 3e", "Le scanner du 3e étage ne marche plus."}},
				// The next: a keyboard, then two screens of that floor, in both languages.
				{{"fabien@corp.example", "Clavier 3e", "Bonjour, mon clavier ne marche plus."},
					{"grace@corp.example", "Screen flickering 3rd floor", "My screen keeps flickering, I sit on the 3rd floor."},
					{"hugo@corp.example", "Écran noir", "Mon écran ne s'allume plus (3e étage)."}},
				// In English only: another floor's worth of broken things.
				{{"ian@corp.example", "Keyboard broken, 3rd floor", "My keyboard doesn't work anymore, 3rd floor."},
					{"jane@corp.example", "3rd floor: scanner not working", "The scanner on the 3rd floor doesn't work."},
					{"kim@corp.example", "Phone dead on floor 3", "My desk phone is broken, I am on floor 3."}},
			}
			var others []*Ticket
			for _, g := range groups {
				at = at.Add(5 * time.Minute)
				others = append(others, ingestGroup(t, d, at, g)...)
			}
			for _, tk := range others {
				if got := mustTicket(t, d, tk.ID); got.Incident != 0 {
					t.Errorf("%q (%s) linked to incident #%d: %s", tk.Subject, got.Category, got.Incident, got.Explain)
				}
			}
			if n := countRows(t, d, `SELECT COUNT(*) FROM tickets WHERE kind = 'incident'`); n != 1 {
				t.Errorf("%d incidents, want the printer's only", n)
			}
			// The printer's fix reaches its three requesters, nobody else.
			if err := d.Do(context.Background(), inc, at.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
				return tx.Resolve(tk, "Rouleau remplacé.", "alice@corp.example")
			}); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'resolved'`); n != 3 {
				t.Errorf("%d resolutions sent, want the printer's 3", n)
			}
		})
	}
}

// TestIncidentStillOnTheThing: what the requests share beyond place and complaint words makes
// the incident: three people whose shared drive fails, each on another floor and in their own
// words, are one outage.
func TestIncidentStillOnTheThing(t *testing.T) {
	d := newIncidentDesk(t, false)
	tks := ingestGroup(t, d, t0, []mailIn{
		{"lea@corp.example", "Lecteur Z: introuvable", "Bonjour, au 2e étage le lecteur réseau Z: a disparu, plus rien ne marche."},
		{"mark@corp.example", "Z drive gone", "The Z: network drive is missing on the 4th floor, nothing works."},
		{"nina@corp.example", "Plus de lecteur Z", "Le lecteur Z: ne fonctionne plus dans notre bureau du 1er."},
	})
	inc := mustTicket(t, d, tks[2].ID).Incident
	if inc == 0 {
		t.Fatal("three reports of the Z: drive made no incident")
	}
	for _, tk := range tks {
		if got := mustTicket(t, d, tk.ID); got.Incident != inc {
			t.Errorf("%q linked to %d, want #%d", tk.Subject, got.Incident, inc)
		}
	}
}

// TestSubstantiveTerms: numbers, places and complaint words say nothing of what fails, in
// either language, as the index holds them; the things that fail do.
func TestSubstantiveTerms(t *testing.T) {
	for _, c := range []struct {
		lang, text string
		want       string // The substantive terms, in order.
	}{
		{"fr", "Le scanner du 3ème étage ne marche plus", "scann"},
		{"fr", "Mon badge ne fonctionne plus au bâtiment B, salle 204", "badge"},
		{"fr", "Imprimante du troisième en panne, bureau 12", "printer"},
		{"en", "The printer on the third floor is broken and doesn't work", "printer"},
		{"en", "Keyboard failing in room 3, building C, it stopped working", "keyboard"},
		{"en", "VPN down, error 809", "vpn"},
		{"fr", "Outlook ne reçoit plus les mails", "outlook recoit mail"},
	} {
		var got []string
		for _, term := range analyze(c.text, c.lang) {
			if substantive(term) {
				got = append(got, term)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s %q: substantive %q, want %q (terms %q)", c.lang, c.text, got, c.want, analyze(c.text, c.lang))
		}
	}
}

// TestIncidentFormedInOneBatch: when the requests of one outage arrive in one poll, the first
// ones are opened, then linked to the incident the last one makes, in one transaction: none of
// their mails has gone out yet, so they go out as a linked request's do. Each requester's
// acknowledgement says the problem is known (no technician named, no category question), and
// no technician gets "new ticket" for a request and then "linked": the incident's technician
// hears of the incident once, with its requests.
func TestIncidentFormedInOneBatch(t *testing.T) {
	d := newIncidentDesk(t, false)
	var group []mailIn
	for _, r := range vpnDown {
		group = append(group, mailIn{r.Requester, r.Subject, r.Text})
	}
	tks := ingestGroup(t, d, t0, group)
	inc := mustTicket(t, d, tks[2].ID).Incident
	if inc == 0 {
		t.Fatal("no incident")
	}
	incident := mustTicket(t, d, inc)
	for _, tk := range tks {
		n := noticeOf(t, d, tk.Requester, KindAck)
		if n.Incident == nil || n.Incident.ID != inc || len(n.Questions) != 0 || n.Ticket.Assignee != incident.Assignee {
			t.Errorf("#%d's acknowledgement: incident %+v, questions %q, assignee %q (the incident's: %q)",
				tk.ID, n.Incident, n.Questions, n.Ticket.Assignee, incident.Assignee)
		}
	}
	rows, err := d.Store.Reader().Query(`SELECT kind, ticket_id, recipients FROM outbox WHERE state = 'pending' AND kind IN ('assigned', 'update') ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var staff []string
	for rows.Next() {
		var kind, to string
		var id int64
		if err := rows.Scan(&kind, &id, &to); err != nil {
			t.Fatal(err)
		}
		staff = append(staff, fmt.Sprintf("%s #%d %s", kind, id, to))
	}
	if want := fmt.Sprintf("assigned #%d [%q]", inc, incident.Assignee); strings.Join(staff, "; ") != want {
		t.Errorf("staff mails %q, want only %q", staff, want)
	}
	// The history says what became of the first mails.
	var notes int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM events WHERE ticket_id = ? AND kind = 'note' AND text LIKE '%before it was sent%'`,
		tks[0].ID).Scan(&notes); err != nil || notes == 0 {
		t.Errorf("no note on #%d of its rewritten mails (%v)", tks[0].ID, err)
	}
}

// TestErrorCode: what reads as an error code, the hexadecimal Windows codes included (their only
// letter may be the x), and what does not.
func TestErrorCode(t *testing.T) {
	for term, want := range map[string]bool{
		"aadsts50076": true, "sc542": true, "0x80070005": true, "0x80070643": true, "0x800ccc0e": true,
		"0x1f": false, "0xabc": false, "14h": false, "2pm": false, "2026": false, "x1234": false,
	} {
		if got := errorCode(term); got != want {
			t.Errorf("errorCode(%q) = %v, want %v", term, got, want)
		}
	}
	// Two different hexadecimal codes are two marks: the requests are kept apart.
	a, b := marksOf([]string{"erreur", "0x80070643"}, nil), marksOf([]string{"error", "0x80070005"}, nil)
	if !a.codes["0x80070643"] || !b.codes["0x80070005"] {
		t.Errorf("codes read: %v and %v", a.codes, b.codes)
	}
}
