package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// requesterLink returns the follow-up link of the latest mail of a kind to an address.
func (f *deskFixture) requesterLink(kind, to string) string {
	f.t.Helper()
	ms := mailTo(f.mails(), kind, to)
	if len(ms) == 0 || ms[len(ms)-1].Notice.Links.Page == "" {
		f.t.Fatalf("no %s mail with a link to %s", kind, to)
	}
	return f.pathOf(ms[len(ms)-1].Notice.Links.Page)
}

// TestRequesterPage: the acknowledgement's link opens the ticket's public page: the conversation
// without internal notes, the status and who is on it; a message posted there is on the ticket
// as the requester's and the technician is told, with the file.
func TestRequesterPage(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Le VPN ne marche plus", Text: "Erreur 809 depuis ce matin", Requester: "celine@corp.example",
		RequesterName: "Céline Dupré", Language: "fr"})
	link := f.requesterLink(tickets.KindAck, "celine@corp.example")
	if err := f.desk.Do(f.ctx, tk.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		if err := tx.Note(tk, "SECRET: the gateway certificate expired", "alice@corp.example"); err != nil {
			return err
		}
		return tx.Reply(tk, "Pouvez-vous redémarrer le client ?", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	f.mails()
	b := f.browser()
	p := b.get(link)
	if p.status != http.StatusOK {
		t.Fatalf("page: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{"Le VPN ne marche plus", "Erreur 809 depuis ce matin", "Pouvez-vous redémarrer le client ?", "Alice Martin", "en cours de traitement"} {
		if !strings.Contains(p.body, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "SECRET") {
		t.Error("the requester sees an internal note")
	}
	if p.header.Get("Content-Language") != "fr" {
		t.Errorf("page language %q", p.header.Get("Content-Language"))
	}

	// A message with a file, through the form.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf(t, p))
	_ = mw.WriteField("text", "Toujours l'erreur 809 après redémarrage.")
	fw, _ := mw.CreateFormFile("file", "erreur.png")
	_, _ = fw.Write([]byte("\x89PNG fake image"))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.url(link), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if p := b.do(req); p.status != http.StatusSeeOther {
		t.Fatalf("post: %d\n%s", p.status, p.body)
	}
	evs, _ := f.store.Events(f.ctx, tk.ID)
	last := evs[0]
	for _, e := range evs {
		if e.Kind == tickets.EventMessage {
			last = e
		}
	}
	if last.Actor != "celine@corp.example" || !last.Public || last.Text != "Toujours l'erreur 809 après redémarrage." {
		t.Errorf("the message on the ticket: %+v", last)
	}
	ms := mailTo(f.mails(), tickets.KindUpdate, "alice@corp.example")
	if len(ms) != 1 || ms[0].Notice.Event != "message" || ms[0].Notice.Source == "" {
		t.Fatalf("the technician is not told, with the file: %+v", ms)
	}
	files, _, _ := f.store.MailAttachments(f.ctx, tk.ID, ms[0].Notice.Source, false, 1<<20)
	if len(files) != 1 || files[0].Name != "erreur.png" {
		t.Errorf("the technician's mail carries %+v", files)
	}
	p = b.get(link + "?sent=1")
	if !strings.Contains(p.body, "erreur.png") || !strings.Contains(p.body, "Merci : votre message est sur la demande") {
		t.Errorf("the page after posting:\n%s", p.body)
	}
}

// TestRequesterLinkBound: a link opens one ticket for one address. Changing any part of it — the
// ticket, the address, the expiry — opens nothing; an expired link says so; a link of someone no
// longer on the ticket opens nothing; a technician's link to one ticket does not open another.
func TestRequesterLinkBound(t *testing.T) {
	f := newFixture(t)
	a := f.open(tickets.NewTicket{Subject: "A", Text: "first", Requester: "celine@corp.example", Language: "fr", Watchers: []string{"tom@corp.example"}})
	bt := f.open(tickets.NewTicket{Subject: "B", Text: "second, private", Requester: "jean@corp.example", Language: "fr"})
	link := f.requesterLink(tickets.KindAck, "celine@corp.example")
	tok := strings.TrimPrefix(link, "/r/")
	claim, err := f.desk.Signer.VerifyLink(tok, f.clock())
	if err != nil || claim.TicketID != a.ID {
		t.Fatalf("link: %+v %v", claim, err)
	}
	b := f.browser()
	if p := b.get(link); p.status != http.StatusOK {
		t.Fatalf("genuine link: %d", p.status)
	}
	// Signed for someone else, or another ticket, by someone without the key.
	forged := tickets.NewSigner([]byte("not the desk's secret, not at all")).Link(tickets.LinkClaim{Purpose: tickets.LinkPage,
		TicketID: bt.ID, Recipient: "celine@corp.example", Expires: f.clock().Add(time.Hour)})
	for name, path := range map[string]string{
		"flipped byte": "/r/" + tok[:10] + string(rune(tok[10]^1)) + tok[11:],
		"truncated":    "/r/" + tok[:len(tok)-4],
		"forged":       "/r/" + forged,
		"vote as page": "/v/" + tok,
	} {
		if p := b.get(path); p.status != http.StatusNotFound || strings.Contains(p.body, "second, private") {
			t.Errorf("%s: %d", name, p.status)
		}
	}
	// A link for ticket B made with the desk's key but for Céline (who is not on it).
	wrong := f.desk.Signer.Link(tickets.LinkClaim{Purpose: tickets.LinkPage, TicketID: bt.ID, Recipient: "celine@corp.example", Expires: f.clock().Add(time.Hour)})
	if p := b.get("/r/" + wrong); p.status != http.StatusForbidden || strings.Contains(p.body, "second, private") {
		t.Errorf("a link for someone not on the ticket: %d", p.status)
	}
	// A technician holding the link of ticket A reaches ticket B by no change of it: covered by the
	// forgeries above; and a watcher's link shows the same page as the requester's.
	watcher := f.desk.Signer.Link(tickets.LinkClaim{Purpose: tickets.LinkPage, TicketID: a.ID, Recipient: "tom@corp.example", Expires: f.clock().Add(time.Hour)})
	if p := b.get("/r/" + watcher); p.status != http.StatusOK || !strings.Contains(p.body, "first") {
		t.Errorf("watcher's link: %d", p.status)
	}
	f.advance(61 * 24 * time.Hour)
	if p := b.get(link); p.status != http.StatusForbidden || !strings.Contains(p.body, "expiré") {
		t.Errorf("expired link: %d\n%s", p.status, p.body)
	}
}

// TestSatisfaction: the resolution's one-click answers ask before recording (a GET records
// nothing); "no" reopens the ticket and tells the technician; the answers show in statistics.
func TestSatisfaction(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Printer jams", Text: "the printer jams", Requester: "priya@corp.example", Language: "en"})
	f.mails()
	resolve := func() tickets.Links {
		if err := f.desk.Do(f.ctx, tk.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
			return tx.Resolve(tk, "Replaced the roller.", "alice@corp.example")
		}); err != nil {
			t.Fatal(err)
		}
		ms := mailTo(f.mails(), tickets.KindResolved, "priya@corp.example")
		return ms[len(ms)-1].Notice.Links
	}
	links := resolve()
	b := f.browser()
	p := b.get(f.pathOf(links.Unsolved))
	if p.status != http.StatusOK || !strings.Contains(p.body, "Was your problem solved?") {
		t.Fatalf("vote page: %d\n%s", p.status, p.body)
	}
	if got, _ := f.store.Ticket(f.ctx, tk.ID); got.Status != tickets.StatusResolved {
		t.Fatalf("a GET changed the ticket: %s", got.Status)
	}
	if p := b.post(f.pathOf(links.Unsolved), url.Values{"csrf": {csrf(t, p)}, "comment": {"Still jamming on page 2."}}); p.status != http.StatusOK {
		t.Fatalf("vote: %d", p.status)
	}
	got, _ := f.store.Ticket(f.ctx, tk.ID)
	if got.Status != tickets.StatusOpen {
		t.Errorf("after no: %s", got.Status)
	}
	ms := mailTo(f.mails(), tickets.KindUpdate, got.Assignee)
	if len(ms) != 1 || ms[0].Notice.Event != "unsolved" || ms[0].Notice.Text != "Still jamming on page 2." {
		t.Errorf("the technician's notice: %+v", ms)
	}
	f.advance(time.Hour)
	links = resolve()
	p = b.get(f.pathOf(links.Solved))
	b.post(f.pathOf(links.Solved), url.Values{"csrf": {csrf(t, p)}})
	if got, _ := f.store.Ticket(f.ctx, tk.ID); got.Status != tickets.StatusResolved {
		t.Errorf("after yes: %s", got.Status)
	}
	staff := f.signIn("nadia@corp.example")
	p = staff.get("/stats")
	if p.status != http.StatusOK || !strings.Contains(p.body, "résolu 1") || !strings.Contains(p.body, "<svg") {
		t.Errorf("statistics:\n%s", p.body)
	}
	var dg tickets.Digest
	if err := f.desk.Update(f.ctx, f.clock(), func(tx *tickets.Tx) error {
		var err error
		dg, err = tx.Digest(f.clock().Add(-24 * time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if dg.Satisfaction != (tickets.Satisfaction{Solved: 1}) {
		t.Errorf("digest satisfaction %+v (the last answer counts)", dg.Satisfaction)
	}
}

// TestUploadBounded: a form bigger than the desk's attachment limit is refused before it is
// read whole, and changes nothing.
func TestUploadBounded(t *testing.T) {
	f := newFixture(t, [3]string{"desk", "max_attachment", `"1MB"`})
	tk := f.open(tickets.NewTicket{Subject: "Big file", Text: "see", Requester: "celine@corp.example", Language: "fr"})
	link := f.requesterLink(tickets.KindAck, "celine@corp.example")
	b := f.browser()
	p := b.get(link)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", csrf(t, p))
	_ = mw.WriteField("text", "here it is")
	fw, _ := mw.CreateFormFile("file", "huge.bin")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), 3<<20))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.url(link), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if p := b.do(req); p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("3 MB through a 1 MB limit: %d", p.status)
	}
	evs, _ := f.store.Events(f.ctx, tk.ID)
	for _, e := range evs {
		if e.Text == "here it is" {
			t.Error("the oversized form reached the ticket")
		}
	}
}

// TestLinksFollowReload: a reload that changes base_url changes the links of the next mails;
// without [web] base_url they name the address listened on.
func TestLinksFollowReload(t *testing.T) {
	f := newFixture(t)
	f.open(tickets.NewTicket{Subject: "VPN", Text: "down", Requester: "celine@corp.example", Language: "fr"})
	m := mailTo(f.mails(), tickets.KindAck, "celine@corp.example")[0]
	if l := f.srv.Links(m, "celine@corp.example", f.clock()).Page; !strings.HasPrefix(l, "http://127.0.0.1:0/r/") {
		t.Errorf("before listening: %s", l)
	}
	cfg := f.cfg.Web
	cfg.BaseURL = "https://desk.corp.example/help/"
	tpl, _ := templates.Load("")
	if err := f.srv.SetConfig(cfg, tpl); err != nil {
		t.Fatal(err)
	}
	if l := f.srv.Links(m, "celine@corp.example", f.clock()).Page; !strings.HasPrefix(l, "https://desk.corp.example/help/r/") {
		t.Errorf("after reload: %s", l)
	}
	// Served under /help, the pages answer there.
	ts := httptest.NewServer(f.srv.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/help/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/help/signin: %d", resp.StatusCode)
	}
}

// TestVoteLinkAnswersOnce: one "not solved" link posted 30 times reopens the ticket and tells
// the technician once; every later post shows the recorded answer and changes nothing.
func TestVoteLinkAnswersOnce(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Printer jams", Text: "the printer jams", Requester: "priya@corp.example", Language: "en"})
	f.mails()
	if err := f.desk.Do(f.ctx, tk.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Resolve(tk, "Replaced the roller.", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	ms := mailTo(f.mails(), tickets.KindResolved, "priya@corp.example")
	link := f.pathOf(ms[len(ms)-1].Notice.Links.Unsolved)
	b := f.browser()
	tok := csrf(t, b.get(link))
	for i := range 30 {
		p := b.post(link, url.Values{"csrf": {tok}, "comment": {"Call me on +1 900 555 0100 NOW (spam)"}})
		if p.status != http.StatusOK {
			t.Fatalf("vote %d: %d", i, p.status)
		}
		if i > 0 && !strings.Contains(p.body, "This link has answered already") {
			t.Fatalf("vote %d does not show the recorded answer:\n%s", i, p.body)
		}
	}
	got, _ := f.store.Ticket(f.ctx, tk.ID)
	if n := len(mailTo(f.mails(), tickets.KindUpdate, got.Assignee)); n != 1 {
		t.Errorf("30 posts of one link mailed the technician %d times, want 1", n)
	}
	var ratings int
	evs, _ := f.store.Events(f.ctx, tk.ID)
	for _, e := range evs {
		if e.Kind == tickets.EventRating {
			ratings++
		}
	}
	if ratings != 1 {
		t.Errorf("%d answers recorded, want 1", ratings)
	}
}

// TestFollowUpPostsLimited: one follow-up link posts a few messages an hour; the next is refused
// with a page that says why, and the hour after it may post again.
func TestFollowUpPostsLimited(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Le VPN ne marche plus", Text: "Erreur 809", Requester: "celine@corp.example", Language: "fr"})
	link := f.requesterLink(tickets.KindAck, "celine@corp.example")
	b := f.browser()
	tok := csrf(t, b.get(link))
	post := func(i int) page {
		return b.post(link, url.Values{"csrf": {tok}, "text": {fmt.Sprintf("message %d", i)}})
	}
	for i := range 5 {
		if p := post(i); p.status != http.StatusOK && p.status != http.StatusSeeOther {
			t.Fatalf("message %d: %d", i, p.status)
		}
	}
	p := post(5)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Trop de messages depuis ce lien") {
		t.Fatalf("sixth message: %d\n%.400s", p.status, p.body)
	}
	evs, _ := f.store.Events(f.ctx, tk.ID)
	for _, e := range evs {
		if e.Text == "message 5" {
			t.Fatal("the refused message is on the ticket")
		}
	}
	f.advance(time.Hour)
	if p := post(6); p.status != http.StatusOK && p.status != http.StatusSeeOther {
		t.Fatalf("an hour later: %d", p.status)
	}
}

// TestThanksFromPage: a thank-you posted from the requester's page after the resolution is judged
// as the same words by mail are: recorded, the ticket stays resolved, nobody is paged; a message
// that is not only thanks reopens it.
func TestThanksFromPage(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Wi-Fi en panne", Text: "Plus de Wi-Fi au bâtiment B", Requester: "laura@corp.example",
		RequesterName: "Laura Simon", Language: "fr"})
	if err := f.desk.Do(f.ctx, tk.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Resolve(tk, "Borne redémarrée.", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	link := f.requesterLink(tickets.KindResolved, "laura@corp.example")
	b := f.browser()
	post := func(text string) {
		t.Helper()
		p := b.get(link)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("csrf", csrf(t, p))
		_ = mw.WriteField("text", text)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, b.url(link), &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if p := b.do(req); p.status != http.StatusSeeOther {
			t.Fatalf("post: %d\n%s", p.status, p.body)
		}
	}
	post("Merci beaucoup, ça marche !")
	if got, _ := f.store.Ticket(f.ctx, tk.ID); got.Status != tickets.StatusResolved {
		t.Errorf("a thank-you from the page: %s (want resolved, as by mail)", got.Status)
	}
	if ms := mailTo(f.mails(), tickets.KindUpdate, "alice@corp.example"); len(ms) != 0 {
		t.Errorf("a thank-you paged the technician: %+v", ms)
	}
	evs, _ := f.store.Events(f.ctx, tk.ID)
	if last := evs[len(evs)-1]; last.Kind != tickets.EventMessage || last.Text != "Merci beaucoup, ça marche !" {
		t.Errorf("the thank-you is not recorded: %+v", last)
	}
	post("Merci, mais le Wi-Fi coupe encore.")
	if got, _ := f.store.Ticket(f.ctx, tk.ID); got.Status != tickets.StatusOpen {
		t.Errorf("a message that is not only thanks: %s (want open)", got.Status)
	}
}
