package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// outageDesk is a desk that detects incidents, with English VPN tickets resolved one by one (an
// installation, slowness, an account: each shares the word VPN with any VPN request) and the
// outage of vpnDown, linked to one incident and resolved with one note. It returns the incident
// and the outage's requests.
func outageDesk(t *testing.T, fts4 bool) (*Desk, *Ticket, []*Ticket) {
	t.Helper()
	d := newIncidentDesk(t, fts4)
	for i, r := range []NewTicket{
		{Subject: "VPN client install", Text: "Please install the VPN client on my new laptop.", Requester: "k@corp.example", Language: "en"},
		{Subject: "VPN slow in the afternoon", Text: "The VPN client is very slow every afternoon.", Requester: "l@corp.example", Language: "en"},
		{Subject: "VPN account for a contractor", Text: "Our contractor needs a VPN account until March.", Requester: "m@corp.example", Language: "en"},
	} {
		tk := openTicket(t, d, t0.Add(-48*time.Hour+time.Duration(i)*time.Minute), r)
		resolveTicket(t, d, t0.Add(-47*time.Hour), tk.ID, "note "+r.Subject)
	}
	var reqs []*Ticket
	for i, r := range vpnDown {
		reqs = append(reqs, openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r))
	}
	inc := mustTicket(t, d, mustTicket(t, d, reqs[2].ID).Incident)
	if !inc.IsIncident() {
		t.Fatalf("the outage made no incident: %+v", inc)
	}
	resolveTicket(t, d, t0.Add(time.Hour), inc.ID, "Le certificat de la passerelle VPN avait expiré : renouvelé.")
	for i, r := range reqs {
		if reqs[i] = mustTicket(t, d, r.ID); reqs[i].Incident != inc.ID || reqs[i].Status != StatusResolved {
			t.Fatalf("request %+v", reqs[i])
		}
	}
	return d, mustTicket(t, d, inc.ID), reqs
}

// lateVPNMail is a request of the outage's kind days after its incident was resolved, worded as
// none of its requests was, in English: the incident's subject is French, and only its
// requests said "error 809".
func lateVPNMail(n int) *Incoming {
	return &Incoming{MessageID: fmt.Sprintf("late%d@client.example", n), From: fmt.Sprintf("g%d@corp.example", n),
		To: []string{"helpdesk@corp.example"}, Subject: "Error 809 on the VPN",
		Text: "Hello, the VPN gives me error 809 again this morning.", Language: "en", Verdict: VerdictPerson}
}

// TestKnownAnswersIncident: once resolved, an incident is one known answer for a later request
// like its outage, with its note and the count of requests it answered, found by the words its
// requests used; its requests are never answers; an unrelated request does not get it.
func TestKnownAnswersIncident(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d, inc, reqs := outageDesk(t, fts4)
			at := t0.Add(72 * time.Hour)
			id := ingestBatch(t, d, at, lateVPNMail(1))[0]
			got := assignedNotice(t, d, id).Similar
			if len(got) == 0 || got[0].ID != inc.ID || got[0].Requests != 3 || got[0].Note != "Le certificat de la passerelle VPN avait expiré : renouvelé." {
				t.Fatalf("known answers of #%d: %+v, want incident #%d first", id, got, inc.ID)
			}
			ms, err := d.Similar(context.Background(), id, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 0 || ms[0].ID != inc.ID || ms[0].Kind != TicketIncident || ms[0].Note != got[0].Note {
				t.Fatalf("Similar(#%d): %+v", id, ms)
			}
			for _, m := range ms {
				if slices.ContainsFunc(reqs, func(r *Ticket) bool { return r.ID == m.ID }) {
					t.Fatalf("a linked request is a known answer: %+v", m)
				}
			}
			if err := d.Do(context.Background(), id, at, func(tx *Tx, tk *Ticket) error {
				note, err := tx.reuseNote(inc.ID)
				if err == nil && note != got[0].Note {
					t.Errorf("#reuse %d sends %q, want its note", inc.ID, note)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			other := vpnMail(2)
			other.Subject, other.Text = "Imprimante bloquée", "L'imprimante du 2e étage affiche un bourrage papier."
			id = ingestBatch(t, d, at, other)[0]
			if got := assignedNotice(t, d, id).Similar; slices.ContainsFunc(got, func(k KnownAnswer) bool { return k.ID == inc.ID }) {
				t.Fatalf("incident #%d answers a printer request: %+v", inc.ID, got)
			}
		})
	}
}

// TestKnownAnswersIncidentReopened: a reopened incident is no known answer; resolved again, it
// is one again, its document as it was (its requests' words are taken in once).
func TestKnownAnswersIncidentReopened(t *testing.T) {
	d, inc, _ := outageDesk(t, false)
	ctx := context.Background()
	q := ingestBatch(t, d, t0.Add(72*time.Hour), lateVPNMail(1))[0]
	if got := similarIDs(t, d, q); len(got) == 0 || got[0] != inc.ID {
		t.Fatalf("similar to #%d: %v, want #%d first", q, got, inc.ID)
	}
	doc, err := searchDoc(ctx, d.Store.Reader(), d.Store.search, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(73 * time.Hour)
	if err := d.Do(ctx, inc.ID, at, func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if got := similarIDs(t, d, q); slices.Contains(got, inc.ID) {
		t.Fatalf("incident #%d reopened, still similar to #%d: %v", inc.ID, q, got)
	}
	resolveTicket(t, d, at.Add(time.Hour), inc.ID, "Renouvelé pour de bon.")
	if got := similarIDs(t, d, q); len(got) == 0 || got[0] != inc.ID {
		t.Fatalf("incident #%d resolved again: similar to #%d: %v", inc.ID, q, got)
	}
	again, err := searchDoc(ctx, d.Store.Reader(), d.Store.search, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(again, " ") != strings.Join(doc, " ") {
		t.Fatalf("the incident's document changed when it was resolved again:\n%v\n%v", doc, again)
	}
}

// TestIncidentDocumentRebuilt: the full-text index rebuilt from the tickets (another engine,
// a copy to PostgreSQL) gives a resolved incident the terms it took in from its requests.
func TestIncidentDocumentRebuilt(t *testing.T) {
	d, inc, _ := outageDesk(t, false)
	ctx := context.Background()
	sorted := func() []string {
		doc, err := searchDoc(ctx, d.Store.Reader(), d.Store.search, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(doc)
		return doc
	}
	before := sorted()
	if len(before) <= len(subjectTerms(inc.Subject, inc.Language)) {
		t.Fatalf("the incident took in nothing: %v", before)
	}
	if _, err := d.Store.w.Exec(`DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.ensureSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if after := sorted(); !slices.Equal(before, after) {
		t.Fatalf("the incident's document rebuilt:\n%v\nwas\n%v", after, before)
	}
}

// TestIncidentDocumentBounded: the incident's document takes in what its first requests say
// fails, not every word of every request: a large outage makes no large document.
func TestIncidentDocumentBounded(t *testing.T) {
	d := newSearchDesk(t, false)
	ctx := context.Background()
	inc := openTicket(t, d, t0, NewTicket{Subject: "Panne VPN", Text: "Le VPN est en panne.", Requester: "p@corp.example", Language: "fr"})
	if err := d.Do(ctx, inc.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.MakeIncident(tk, "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		r := NewTicket{Subject: fmt.Sprintf("VPN erreur 809 (%d)", i), Requester: fmt.Sprintf("p%d@corp.example", i), Language: "fr",
			Text: fmt.Sprintf("Le VPN ne se connecte plus : erreur 809, mot%d rare%d autre%d au 3e étage.", i, i, i)}
		tk := openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), r)
		if err := d.Do(ctx, tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Link(tk, inc.ID, "alice@corp.example") }); err != nil {
			t.Fatal(err)
		}
	}
	before, err := searchDoc(ctx, d.Store.Reader(), d.Store.search, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	resolveTicket(t, d, t0.Add(time.Hour), inc.ID, "Certificat renouvelé.")
	doc, err := searchDoc(ctx, d.Store.Reader(), d.Store.search, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	added := doc[len(before):]
	if len(added) == 0 || len(added) > maxIncidentTerms {
		t.Fatalf("the incident's document took in %d terms (at most %d): %v", len(added), maxIncidentTerms, doc)
	}
	later := map[string]bool{}
	for i := incidentDocRequests; i < 40; i++ {
		for _, w := range []string{"mot", "rare", "autre"} {
			later[analyze(fmt.Sprintf("%s%d", w, i), "fr")[0]] = true
		}
	}
	for _, term := range added {
		if !substantive(term) && !isNumber(term) {
			t.Fatalf("took in %q, not substantive: %v", term, added)
		}
		if later[term] {
			t.Fatalf("took in %q, of a request after the first %d: %v", term, incidentDocRequests, added)
		}
	}
	if slices.Contains(added, "3") {
		t.Fatalf("took in the floor: %v", added)
	}
	if !slices.Contains(added, "809") {
		t.Fatalf("the error every request gave is not taken in: %v", added)
	}
}

// TestKnownAnswersIncidentWeek replays the labelled week of TestIncidentReplay without the last
// report of each outage, then asks the known answers of each report left out, as if it came
// after its outage was fixed: its incident should be among them, none of its requests.
func TestKnownAnswersIncidentWeek(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newDetectingDesk(t, fts4)
			week := loadWeek(t)
			last := map[string]int{}
			for i, r := range week {
				if r.outage != "" {
					last[r.outage] = i
				}
			}
			var played, held []*weekRequest
			for i, r := range week {
				if r.outage != "" && last[r.outage] == i {
					held = append(held, r)
				} else {
					played = append(played, r)
				}
			}
			replayWeek(t, d, played)
			incidentOf := map[string]int64{}
			linked := map[int64]bool{}
			for _, r := range played {
				if tk := mustTicket(t, d, r.ticket); tk.Incident != 0 {
					linked[tk.ID] = true
					if r.outage != "" {
						incidentOf[r.outage] = tk.Incident
					}
				}
			}
			ctx := context.Background()
			if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
				t.Fatal(err)
			}
			found, first := 0, 0
			for _, r := range held {
				lang := DetectLanguage("", r.subject+"\n"+r.text, "fr")
				got, err := d.knownAnswersOf(ctx, d.Config().Incidents, r.subject, r.text, lang)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, k := range got {
					if linked[k.ID] {
						t.Fatalf("%q: a linked request, #%d, is a known answer", r.subject, k.ID)
					}
					ids = append(ids, k.ID)
				}
				if i := slices.Index(ids, incidentOf[r.outage]); i >= 0 {
					found++
					if i == 0 {
						first++
					}
				} else {
					t.Logf("%s %q (%s): incident #%d not among %v", r.outage, r.subject, lang, incidentOf[r.outage], got)
				}
			}
			t.Logf("%s: of %d outages' last reports, %d have their incident among their known answers, %d first",
				d.Store.SearchDialect(), len(held), found, first)
			if found < len(held) {
				t.Errorf("%d of %d outages' incidents found", found, len(held))
			}
		})
	}
}
