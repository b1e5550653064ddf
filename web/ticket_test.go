package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// ingest records a requester's mail, as mailin hands it to the desk.
func (f *deskFixture) ingest(in *tickets.Incoming) tickets.Outcome {
	f.t.Helper()
	if in.Verdict == "" {
		in.Verdict = tickets.VerdictPerson
	}
	if in.To == nil {
		in.To = []string{"helpdesk@corp.example"}
	}
	outs, err := f.desk.Ingest(f.ctx, f.clock(), []*tickets.Incoming{in})
	if err != nil || outs[0].Err != nil {
		f.t.Fatalf("ingest: %v %+v", err, outs)
	}
	return outs[0]
}

const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>`

// TestHostileMailShownAsText: a mail whose subject, sender name, text and file name carry HTML
// shows on every page as text: no element of it reaches the page.
func TestHostileMailShownAsText(t *testing.T) {
	f := newFixture(t)
	o := f.ingest(&tickets.Incoming{MessageID: "evil@x", From: "eve@corp.example", FromName: "Eve " + hostile,
		Subject: "VPN " + hostile, Text: "Hello\n" + hostile + "\n</div></li></ol><form action=//evil>", Language: "en",
		Attachments: []tickets.IncomingAttachment{{Name: `"><svg onload=alert(3)>.html`, ContentType: "text/html",
			Data: []byte(hostile), Size: int64(len(hostile))}}})
	f.mails()
	b := f.signIn("nadia@corp.example")
	pages := map[string]page{"queue": b.get("/queue?view=open"), "ticket": b.get("/t/" + itoa(o.TicketID))}
	for name, p := range pages {
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", name, p.status)
		}
		for _, bad := range []string{"<script>", "<img src=x", "<svg onload", "<form action=//evil"} {
			if strings.Contains(p.body, bad) {
				t.Errorf("%s page holds %q", name, bad)
			}
		}
		if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s page does not show the subject as text", name)
		}
	}
	if csp := pages["ticket"].header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("no content security policy: %q", csp)
	}
	// The requester's page, and a staff reply with hostile text on it.
	link := ""
	for _, m := range mailTo(f.mails(), tickets.KindAck, "eve@corp.example") {
		link = f.pathOf(m.Notice.Links.Page)
	}
	if link == "" {
		if err := f.desk.Do(f.ctx, o.TicketID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
			return tx.Reply(tk, "Answer "+hostile, "alice@corp.example", "")
		}); err != nil {
			t.Fatal(err)
		}
		link = f.pathOf(mailTo(f.mails(), tickets.KindReply, "eve@corp.example")[0].Notice.Links.Page)
	}
	p := f.browser().get(link)
	if p.status != http.StatusOK {
		t.Fatalf("requester page: %d", p.status)
	}
	for _, bad := range []string{"<script>", "<img src=x", "<svg onload"} {
		if strings.Contains(p.body, bad) {
			t.Errorf("requester page holds %q", bad)
		}
	}
}

// TestAttachmentDownload: files come as downloads, never shown inline, never sniffed.
func TestAttachmentDownload(t *testing.T) {
	f := newFixture(t)
	o := f.ingest(&tickets.Incoming{MessageID: "file@x", From: "celine@corp.example", Subject: "Écran", Text: "see the file",
		Language: "fr", Attachments: []tickets.IncomingAttachment{{Name: "capture d'écran.html", ContentType: "text/html",
			Data: []byte(hostile), Size: int64(len(hostile))}}})
	f.mails()
	atts, _ := f.store.Attachments(f.ctx, o.TicketID)
	b := f.signIn("alice@corp.example")
	p := b.get("/t/" + itoa(o.TicketID) + "/file/" + itoa(atts[0].ID))
	if p.status != http.StatusOK || p.body != hostile {
		t.Fatalf("download: %d %q", p.status, p.body)
	}
	if cd := p.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=utf-8''capture%20d%27%C3%A9cran.html") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("headers %v", p.header)
	}
	// A file of another ticket is not reached through this one.
	other := f.ingest(&tickets.Incoming{MessageID: "file2@x", From: "jean@corp.example", Subject: "Autre", Text: "x", Language: "fr"})
	if p := b.get("/t/" + itoa(other.TicketID) + "/file/" + itoa(atts[0].ID)); p.status != http.StatusNotFound {
		t.Errorf("file through another ticket: %d", p.status)
	}
}

// TestResolveFromTheWeb: a ticket resolved with a note from its page goes through the same domain
// operation as #resolve: the requester receives the resolution (with its links), the history
// says who did it; without a note it is refused and nothing changes.
func TestResolveFromTheWeb(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Imprimante bloquée", Text: "l'imprimante du 3e bourre", Requester: "celine@corp.example",
		RequesterName: "Céline Dupré", Language: "fr"})
	f.mails()
	b := f.signIn("nadia@corp.example")
	path := "/t/" + itoa(tk.ID)
	tok := csrf(t, b.get(path))
	if p := b.post(path+"/resolve", url.Values{"csrf": {tok}, "text": {"  "}}); p.status != http.StatusBadRequest {
		t.Errorf("resolve without note: %d", p.status)
	}
	p := b.post(path+"/resolve", url.Values{"csrf": {tok}, "text": {"Rouleau changé, l'imprimante fonctionne."}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != path+"?done=resolve" {
		t.Fatalf("resolve: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	got, _ := f.store.Ticket(f.ctx, tk.ID)
	if got.Status != tickets.StatusResolved {
		t.Errorf("status %s", got.Status)
	}
	ms := mailTo(f.mails(), tickets.KindResolved, "celine@corp.example")
	if len(ms) != 1 || ms[0].Notice.Note != "Rouleau changé, l'imprimante fonctionne." || ms[0].Notice.Actor != "nadia@corp.example" {
		t.Fatalf("resolution mail: %+v", ms)
	}
	l := ms[0].Notice.Links
	if l.Page == "" || l.Solved == "" || l.Unsolved == "" {
		t.Errorf("the resolution carries no links: %+v", l)
	}
	if p := b.get(path + "?done=resolve"); !strings.Contains(p.body, "Résolu : le demandeur reçoit la note.") {
		t.Errorf("no notice of what was done:\n%s", p.body)
	}
	// A closed ticket refuses a note, as the mail command does.
	if p := b.post(path+"/close", url.Values{"csrf": {tok}}); p.status != http.StatusSeeOther {
		t.Fatalf("close: %d", p.status)
	}
	if p := b.post(path+"/note", url.Values{"csrf": {tok}, "text": {"late"}}); p.status != http.StatusConflict || !strings.Contains(p.body, "clos") {
		t.Errorf("note on a closed ticket: %d", p.status)
	}
}

// TestEveryFormActs: each form of the ticket page does what its mail command does.
func TestEveryFormActs(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Excel crashes", Text: "excel crashes on big files", Requester: "emma@corp.example", Language: "en"})
	f.mails()
	b := f.signIn("bob@corp.example")
	path := "/t/" + itoa(tk.ID)
	tok := csrf(t, b.get(path))
	steps := []struct {
		action string
		form   url.Values
		check  func(*tickets.Ticket) bool
	}{
		{"priority", url.Values{"priority": {"high"}}, func(tk *tickets.Ticket) bool { return tk.Priority == tickets.PriorityHigh }},
		{"category", url.Values{"category": {"hardware"}}, func(tk *tickets.Ticket) bool { return tk.Category == "hardware" }},
		{"assign", url.Values{"assignee": {"alice@corp.example"}}, func(tk *tickets.Ticket) bool { return tk.Assignee == "alice@corp.example" }},
		{"take", nil, func(tk *tickets.Ticket) bool { return tk.Assignee == "bob@corp.example" }},
		{"watch", url.Values{"email": {"tom@corp.example"}}, func(tk *tickets.Ticket) bool { return len(tk.Watchers) == 1 }},
		{"unwatch", url.Values{"email": {"tom@corp.example"}}, func(tk *tickets.Ticket) bool { return len(tk.Watchers) == 0 }},
		{"note", url.Values{"text": {"checked the macros"}}, func(tk *tickets.Ticket) bool { return true }},
		{"reply", url.Values{"text": {"Which version of Excel?"}}, func(tk *tickets.Ticket) bool { return !tk.FirstResponseAt.IsZero() }},
		{"pending", nil, func(tk *tickets.Ticket) bool { return tk.Status == tickets.StatusPending }},
		{"reopen", nil, func(tk *tickets.Ticket) bool { return tk.Status == tickets.StatusOpen }},
		{"escalate", url.Values{"text": {"needs a specialist"}}, func(tk *tickets.Ticket) bool { return tk.Tier == 2 && tk.Escalations == 1 }},
	}
	for _, s := range steps {
		form := url.Values{"csrf": {tok}}
		for k, v := range s.form {
			form[k] = v
		}
		p := b.post(path+"/"+s.action, form)
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", s.action, p.status, p.body)
		}
		got, _ := f.store.Ticket(f.ctx, tk.ID)
		if !s.check(got) {
			t.Errorf("%s: ticket %+v", s.action, got)
		}
	}
	ms := f.mails()
	if len(mailTo(ms, tickets.KindReply, "emma@corp.example")) != 1 || len(mailTo(ms, tickets.KindEscalated, "emma@corp.example")) != 1 {
		t.Errorf("the requester's mails: %+v", ms)
	}
	evs, _ := f.store.Events(f.ctx, tk.ID)
	var note bool
	for _, e := range evs {
		note = note || (e.Kind == tickets.EventNote && !e.Public && e.Text == "checked the macros" && e.Actor == "bob@corp.example")
	}
	if !note {
		t.Error("the note is not in the history as Bob's internal note")
	}
	p := b.get(path)
	if !strings.Contains(p.body, `class="event internal k-note"`) || !strings.Contains(p.body, `class="event public k-reply"`) {
		t.Errorf("public and internal events are not apart on the page")
	}
}

// TestTeamAway: a coordinator marks a technician away until a day and back, as `deskd tech away`
// does; a technician may mark only themselves.
func TestTeamAway(t *testing.T) {
	f := newFixture(t)
	nadia := f.signIn("nadia@corp.example")
	p := nadia.get("/team")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Chloé Dubois") {
		t.Fatalf("team: %d", p.status)
	}
	tok := csrf(t, p)
	if p := nadia.post("/team/away", url.Values{"csrf": {tok}, "email": {"bob@corp.example"}, "until": {"2026-12-04"}}); p.status != http.StatusSeeOther {
		t.Fatalf("away: %d\n%s", p.status, p.body)
	}
	away := func(who string) (time.Time, bool) {
		var until time.Time
		var ok bool
		_ = f.desk.Update(f.ctx, f.clock(), func(tx *tickets.Tx) error { until, ok = tx.Away(who); return nil })
		return until, ok
	}
	if until, ok := away("bob@corp.example"); !ok || !until.Equal(time.Date(2026, 12, 5, 0, 0, 0, 0, f.desk.Config().Location())) {
		t.Errorf("Bob away until %v (%v)", until, ok)
	}
	if p := nadia.get("/team?done=away"); !strings.Contains(p.body, "absent jusqu&#39;au") {
		t.Errorf("the team page does not show the absence")
	}
	if p := nadia.post("/team/away", url.Values{"csrf": {tok}, "email": {"bob@corp.example"}, "back": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("back: %d", p.status)
	}
	if _, ok := away("bob@corp.example"); ok {
		t.Error("Bob still away")
	}
	bob := f.signIn("bob@corp.example")
	btok := csrf(t, bob.get("/team"))
	if p := bob.post("/team/away", url.Values{"csrf": {btok}, "email": {"alice@corp.example"}, "until": {"2026-12-04"}}); p.status != http.StatusForbidden {
		t.Errorf("Bob marks Alice away: %d", p.status)
	}
	if p := bob.post("/team/away", url.Values{"csrf": {btok}, "email": {"bob@corp.example"}, "until": {"2026-11-01"}}); p.status != http.StatusBadRequest {
		t.Errorf("a day in the past: %d", p.status)
	}
}

// TestSearchPage: the search box finds tickets by the words of their subjects and messages, in
// French or English, with the status filter; what it shows of a hostile subject is text.
func TestSearchPage(t *testing.T) {
	f := newFixture(t)
	printer := f.open(tickets.NewTicket{Subject: "L'imprimante du 3e étage bourre", Text: "Le papier se coince à chaque page.",
		Requester: "celine@corp.example", Language: "fr"})
	vpn := f.open(tickets.NewTicket{Subject: "VPN error 809", Text: "The VPN client fails with error 809 since this morning.",
		Requester: "priya@corp.example", Language: "en"})
	evil := f.open(tickets.NewTicket{Subject: "Printer " + hostile, Text: "the printer is broken", Requester: "eve@corp.example", Language: "en"})
	if err := f.desk.Do(f.ctx, vpn.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Resolve(tk, "Reinstalled the VPN profile.", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	f.mails()
	b := f.signIn("bob@corp.example")
	p := b.get("/search?q=" + url.QueryEscape("imprimante"))
	if p.status != http.StatusOK || !strings.Contains(p.body, `href="/t/`+itoa(printer.ID)+`"`) {
		t.Fatalf("search imprimante: %d\n%s", p.status, p.body)
	}
	if strings.Contains(p.body, `href="/t/`+itoa(vpn.ID)+`"`) {
		t.Error("the VPN ticket matches imprimante")
	}
	p = b.get("/search?q=vpn+809&status=resolved")
	if !strings.Contains(p.body, `href="/t/`+itoa(vpn.ID)+`"`) || !strings.Contains(p.body, "Reinstalled the VPN profile.") {
		t.Errorf("search vpn among resolved:\n%s", p.body)
	}
	if p := b.get("/search?q=vpn+809&status=open"); strings.Contains(p.body, `href="/t/`+itoa(vpn.ID)+`"`) {
		t.Error("a resolved ticket among open ones")
	}
	p = b.get("/search?q=printer")
	if !strings.Contains(p.body, `href="/t/`+itoa(evil.ID)+`"`) || strings.Contains(p.body, "<script>") || strings.Contains(p.body, "<img src=x") {
		t.Errorf("the hostile subject in the results:\n%s", p.body)
	}
}

// TestSearchTicketReference: a search for a ticket's reference ("12", "#12", "[HD #12]") goes
// straight to its page, even when other tickets' texts hold the digits; a reference among other
// words lists the ticket first; a number with no ticket searches the words.
func TestSearchTicketReference(t *testing.T) {
	f := newFixture(t)
	var ids []int64
	for range 3 {
		tk := f.open(tickets.NewTicket{Subject: "Boîte aux lettres pleine", Text: "Rappelez-moi au 06 12 34 56 78, poste 2 ou 3.",
			Requester: "helene@corp.example", Language: "fr"})
		ids = append(ids, tk.ID)
	}
	want := itoa(ids[1])
	tag := f.desk.Config().Desk.Tag
	b := f.signIn("bob@corp.example")
	for _, q := range []string{want, "#" + want, tag + " #" + want, "[" + tag + " #" + want + "]"} {
		p := b.get("/search?q=" + url.QueryEscape(q))
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/t/"+want {
			t.Errorf("search %q: %d %q", q, p.status, p.header.Get("Location"))
		}
	}
	p := b.get("/search?q=" + url.QueryEscape("RE: ["+tag+" #"+want+"] Boîte aux lettres"))
	if first := strings.Index(p.body, `href="/t/`); p.status != http.StatusOK || first < 0 || !strings.HasPrefix(p.body[first:], `href="/t/`+want+`"`) {
		t.Errorf("search with a subject: %d\n%s", p.status, p.body)
	}
	if p := b.get("/search?q=9999"); p.status != http.StatusOK {
		t.Errorf("search for no ticket: %d", p.status)
	}
}

// TestEscalateAtTheTopRefused: escalating a ticket already at the top tier and urgent is refused
// with the reason, as #escalate is, and changes nothing.
func TestEscalateAtTheTopRefused(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Excel crashes", Text: "excel crashes on big files", Requester: "emma@corp.example", Language: "en"})
	b := f.signIn("nadia@corp.example")
	path := "/t/" + itoa(tk.ID)
	tok := csrf(t, b.get(path))
	for i := 0; i < 2; i++ { // Tier 1 → 3, normal → urgent.
		if p := b.post(path+"/escalate", url.Values{"csrf": {tok}, "text": {"stuck"}}); p.status != http.StatusSeeOther {
			t.Fatalf("escalation %d: %d\n%s", i, p.status, p.body)
		}
	}
	p := b.post(path+"/escalate", url.Values{"csrf": {tok}, "text": {"stuck"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "rien ne peut monter") {
		t.Fatalf("at the top: %d\n%s", p.status, p.body)
	}
	if got, _ := f.store.Ticket(f.ctx, tk.ID); got.Escalations != 2 || got.Tier != 3 || got.Priority != tickets.PriorityUrgent {
		t.Fatalf("after a refused escalation: %+v", got)
	}
}

// TestDeskLinesInStaffLanguage: the desk's own history lines read in the staff member's language
// (Nadia French, Bob English); what people wrote stays as written.
func TestDeskLinesInStaffLanguage(t *testing.T) {
	f := newFixture(t)
	o := f.ingest(&tickets.Incoming{MessageID: "cc@x", From: "celine@corp.example", To: []string{"helpdesk@corp.example"},
		Cc: []string{"consultant@elsewhere.example"}, Subject: "Imprimante", Text: "l'imprimante du 3e bourre", Language: "fr"})
	path := "/t/" + itoa(o.TicketID)
	for who, want := range map[string][2]string{
		"nadia@corp.example": {"en copie, pas abonnés", "in copy, not made watchers"},
		"bob@corp.example":   {"in copy, not made watchers", "en copie, pas abonnés"},
	} {
		p := f.signIn(who).get(path)
		if !strings.Contains(p.body, want[0]) || strings.Contains(p.body, want[1]) || !strings.Contains(p.body, "du 3e bourre") {
			t.Errorf("%s reads (want %q, not %q):\n%s", who, want[0], want[1], p.body)
		}
	}
}

// TestExplanationInStaffLanguage: the box that says why a ticket was classified names the
// category, and the model's scores, in the reader's words, not by the category's code.
func TestExplanationInStaffLanguage(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Wifi en panne", Text: "le wifi ne marche plus, aucun réseau sans fil au 2e", Requester: "celine@corp.example", Language: "fr"})
	got, err := f.store.Ticket(f.ctx, tk.ID)
	if err != nil || got.Category == "" || got.Explain == "" {
		t.Fatalf("ticket %+v, %v: want one classified, with its explanation", got, err)
	}
	c, ok := f.cfg.Desk.Category(got.Category)
	if !ok || c.LabelFor("fr") == got.Category {
		t.Fatalf("category %q: the fixture must word it in French apart from its code", got.Category)
	}
	for who, lang := range map[string]string{"nadia@corp.example": "fr", "bob@corp.example": "en"} {
		p := f.signIn(who).get("/t/" + itoa(tk.ID))
		word := map[string]string{"fr": "Catégorie", "en": "Category"}[lang]
		if want := "<b>" + word + "</b>: " + c.LabelFor(lang) + "</p>"; !strings.Contains(p.body, want) {
			t.Errorf("%s's page has no %q:\n%s", who, want, p.body)
		}
		if strings.Contains(p.body, "<td>"+got.Category+"</td>") && c.LabelFor(lang) != got.Category {
			t.Errorf("%s's page scores the category by its code %q", who, got.Category)
		}
	}
}
