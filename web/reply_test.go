package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestReplyWithCommandLines: a reply or a resolution typed on the web with a command line
// ("#priority low") is refused, nothing sent and nothing changed, the text given back to edit;
// a #hashtag that is no command goes as text.
func TestReplyWithCommandLines(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "Second screen", Text: "my second screen stays black", Requester: "emma@corp.example", Language: "en"})
	f.mails()
	b := f.signIn("bob@corp.example")
	path := "/t/" + itoa(tk.ID)
	tok := csrf(t, b.get(path))
	for _, action := range []string{"reply", "resolve"} {
		text := "Hello, a technician comes at 2 pm.\n#priority low"
		p := b.post(path+"/"+action, url.Values{"csrf": {tok}, "text": {text}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "#priority low") || !strings.Contains(p.body, "Nothing was sent") {
			t.Fatalf("%s with a command line: %d\n%s", action, p.status, problemRE.FindString(p.body))
		}
		if !strings.Contains(p.body, `name="text" rows="`) || !strings.Contains(p.body, "Hello, a technician comes at 2 pm.\n#priority low</textarea>") {
			t.Errorf("%s: the text is not given back to edit", action)
		}
	}
	got, _ := f.store.Ticket(f.ctx, tk.ID)
	if got.Priority != tk.Priority || got.Status != tk.Status || !got.FirstResponseAt.IsZero() {
		t.Errorf("the refused forms changed the ticket: %+v", got)
	}
	if ms := mailTo(f.mails(), tickets.KindReply, "emma@corp.example"); len(ms) != 0 {
		t.Errorf("a reply went: %+v", ms)
	}
	if p := b.post(path+"/reply", url.Values{"csrf": {tok}, "text": {"Fixed, see the wiki.\n#wiki"}}); p.status != http.StatusSeeOther {
		t.Fatalf("reply with a hashtag: %d\n%s", p.status, problemRE.FindString(p.body))
	}
	if ms := mailTo(f.mails(), tickets.KindReply, "emma@corp.example"); len(ms) != 1 {
		t.Errorf("the reply with a hashtag did not go: %+v", ms)
	}
}

// TestWatchTheDesk: the desk's own address, or a plus-address of it, is refused as a watcher,
// with a word, not answered "done" and ignored.
func TestWatchTheDesk(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "VPN", Text: "vpn down", Requester: "emma@corp.example", Language: "en"})
	f.mails()
	b := f.signIn("bob@corp.example")
	path := "/t/" + itoa(tk.ID)
	tok := csrf(t, b.get(path))
	for _, addr := range []string{"helpdesk@corp.example", "HelpDesk+x@corp.example"} {
		p := b.post(path+"/watch", url.Values{"csrf": {tok}, "email": {addr}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "the desk cannot watch its own tickets") {
			t.Errorf("watch %s: %d %s", addr, p.status, problemRE.FindString(p.body))
		}
	}
	if p := b.post(path+"/watch", url.Values{"csrf": {tok}, "email": {"tom@corp.example"}}); p.status != http.StatusSeeOther {
		t.Errorf("watch a person: %d", p.status)
	}
}

// TestUnlinkForm: a request linked to an incident shows the incident and a form that detaches
// it, as #unlink does; once detached it is refused with a word. A form refused on the way keeps
// its text.
func TestUnlinkForm(t *testing.T) {
	f := newFixture(t)
	inc := f.open(tickets.NewTicket{Subject: "Wi-Fi down", Text: "no wifi on floor 2", Requester: "emma@corp.example", Language: "en"})
	req := f.open(tickets.NewTicket{Subject: "No Wi-Fi", Text: "wifi is down here too", Requester: "tom@corp.example", Language: "en"})
	if err := f.desk.Do(f.ctx, inc.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.MakeIncident(tk, "nadia@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.Do(f.ctx, req.ID, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Link(tk, inc.ID, "nadia@corp.example") }); err != nil {
		t.Fatal(err)
	}
	f.mails()
	b := f.signIn("bob@corp.example")
	path := "/t/" + itoa(req.ID)
	p := b.get(path)
	if !strings.Contains(p.body, `href="/t/`+itoa(inc.ID)+`">#`+itoa(inc.ID)+`</a>`) || !strings.Contains(p.body, `action="`+path+`/unlink"`) {
		t.Fatalf("no incident and unlink form on the linked request's page")
	}
	// Escalating it is refused while it follows the incident; the reason typed stays in its box.
	if p := b.post(path+"/escalate", url.Values{"csrf": {csrf(t, p)}, "text": {"needs the network team"}}); p.status != http.StatusConflict ||
		!strings.Contains(p.body, `value="needs the network team"`) {
		t.Errorf("escalate a linked request: %d, reason not given back", p.status)
	}
	if p := b.post(path+"/unlink", url.Values{"csrf": {csrf(t, p)}}); p.status != http.StatusSeeOther || !strings.HasSuffix(p.header.Get("Location"), "?done=unlink") {
		t.Fatalf("unlink: %d %s", p.status, p.header.Get("Location"))
	}
	got, _ := f.store.Ticket(f.ctx, req.ID)
	if got.Incident != 0 {
		t.Fatalf("still linked to %d", got.Incident)
	}
	p = b.get(path + "?done=unlink")
	if !strings.Contains(p.body, "Detached from the incident") || strings.Contains(p.body, "/unlink\"") {
		t.Errorf("after unlink: notice or form wrong")
	}
	if p := b.post(path+"/unlink", url.Values{"csrf": {csrf(t, p)}}); p.status != http.StatusConflict || !strings.Contains(p.body, "not linked to an incident") {
		t.Errorf("unlink again: %d %s", p.status, problemRE.FindString(p.body))
	}
}
