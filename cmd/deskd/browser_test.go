package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/deskd/deskd/tickets"
)

// The web desk driven as people use it: Debian's Chromium, headless, through chromedp, against
// deskd serve on the embedded mail world. Tests named TestChromium… may skip only when Chromium
// is not installed; CI installs it and fails on such a skip. With DESKD_SCREENSHOTS=DIR they keep
// a screenshot of each page there (the README's, in docs/).

const chromium = "/usr/bin/chromium"

// browserCtx starts a headless Chromium with a fresh profile; the flags keep it off the network
// (this machine has none, and Chromium's own connections would fail and slow it).
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (apt-get install chromium)", chromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // Starts the browser; no timeout on this first call.
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelT)
	return ctx
}

// serveWeb starts deskd serve on a flow and returns the web desk's base URL.
func serveWeb(t *testing.T, f *flow) string {
	t.Helper()
	if err := f.dm.web.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.dm.serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return f.dm.web.BaseURL()
}

var linkRE = regexp.MustCompile(`https?://[^\s>"]+`)

// linkIn returns the first link of a received mail's text that starts with prefix.
func linkIn(t *testing.T, f *flow, addr, kind string, ticket int64, prefix string) string {
	t.Helper()
	var m = f.last(addr, kind, ticket)
	for _, l := range linkRE.FindAllString(f.text(m), -1) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no link %s… in the %s mail to %s:\n%s", prefix, kind, addr, f.text(m))
	return ""
}

// shot keeps a screenshot of the page, width pixels wide, as DIR/name.png when
// DESKD_SCREENSHOTS=DIR: the whole page, or on a phone's width what its screen shows.
func shot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	dir := os.Getenv("DESKD_SCREENSHOTS")
	if dir == "" {
		return
	}
	var opts []chromedp.EmulateViewportOption
	if width < 600 {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800, opts...)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	take := chromedp.FullScreenshot(100) // 100: PNG.
	if width < 600 {
		take = chromedp.CaptureScreenshot() // A phone's screen, not the whole page.
	}
	png, err := chromedp.Run(ctx, take)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateReset()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestChromiumCoordinatorAndRequester: a coordinator signs in through the link the desk mails
// her, finds a ticket in the queue, resolves it with a note, and the requester's mail goes out;
// the requester opens the link of that mail, replies on the page, and the technician is told; a
// link altered to reach another ticket opens nothing, an expired link says so, and a form posted
// from another site is refused.
func TestChromiumCoordinatorAndRequester(t *testing.T) {
	ctx := browserCtx(t)
	f := newFlow(t, "")
	base := serveWeb(t, f)

	if os.Getenv("DESKD_SCREENSHOTS") != "" {
		seedHistory(t, f) // A month of work, for the statistics to show something.
	}
	// People write to the desk.
	for _, r := range requests {
		f.send(msg{from: r.from, name: r.name, subject: r.subject, body: r.body, headers: r.headers})
	}
	printer := requests[1] // Priya's printer, in English.
	eventually(t, func() bool { return len(f.mails(printer.from, "ack", 0)) == 1 })
	var tk *tickets.Ticket
	eventually(t, func() bool {
		list, _ := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
		n := 0
		for _, x := range list {
			if strings.Contains(x.Subject, "Printer on the 3rd floor") {
				tk = x
			}
			if time.Since(x.CreatedAt) < time.Hour {
				n++
			}
		}
		return tk != nil && n == len(requests)
	})

	// Nadia asks for a sign-in link…
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/queue"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "signin", 1000)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#email`), "nadia@corp.example"),
		chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`section.narrow h1`)),
	); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return len(f.mails("nadia@corp.example", "signin", 0)) == 1 })
	link := linkIn(t, f, "nadia@corp.example", "signin", 0, base+"/signin/")
	// …opens it from her mail and signs in.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`#signin`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)),
	); err != nil {
		t.Fatal(err)
	}
	// The queue, all open tickets: she finds the printer's.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/queue?view=open"),
		chromedp.WaitVisible(chromedp.CSS(`table.queue`)),
	); err != nil {
		t.Fatal(err)
	}
	if q := textOf(t, ctx, "table.queue"); !strings.Contains(q, "Printer on the 3rd floor keeps jamming") {
		t.Fatalf("the queue does not show the ticket:\n%s", q)
	}
	shot(t, ctx, "queue", 1280)
	shot(t, ctx, "queue-phone", 390)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`td.subject a[href="/t/%d"]`, tk.ID))),
		chromedp.WaitVisible(chromedp.CSS(`#resolve`)),
	); err != nil {
		t.Fatal(err)
	}
	if h := textOf(t, ctx, "ol.events"); !strings.Contains(h, "The printer next to room 312 jams") {
		t.Fatalf("the history does not show the request:\n%s", h)
	}
	// An internal note first, then the resolution.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#note`), "Roller worn out; spare in the 2nd floor cupboard."),
		chromedp.Click(chromedp.CSS(`form[action$="/note"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		chromedp.SendKeys(chromedp.CSS(`#resolve`), "Replaced the worn roller; the printer feeds paper again."),
		chromedp.Click(chromedp.CSS(`form[action$="/resolve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`span.badge.s-resolved`)),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "ticket", 1280)
	// The requester's mail goes out, with the resolution note and the follow-up link.
	eventually(t, func() bool { return len(f.mails(printer.from, "resolved", tk.ID)) == 1 })
	if body := f.text(f.one(printer.from, "resolved", tk.ID)); !strings.Contains(body, "Replaced the worn roller") ||
		!strings.Contains(body, "Was your problem solved?") {
		t.Fatalf("the resolution mail:\n%s", body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/stats"), chromedp.WaitVisible(chromedp.CSS(`svg.chart`))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "stats", 1280)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/team"), chromedp.WaitVisible(chromedp.CSS(`table.team`))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "team", 1280)
	// The search box finds the ticket by words of its message.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/search"),
		chromedp.SendKeys(chromedp.CSS(`input[type=search]`), "printer room 312"),
		chromedp.Click(chromedp.CSS(`form.searchbar button`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.hits`)),
	); err != nil {
		t.Fatal(err)
	}
	if hits := textOf(t, ctx, "ol.hits"); !strings.Contains(hits, "Printer on the 3rd floor keeps jamming") {
		t.Errorf("search results:\n%s", hits)
	}
	shot(t, ctx, "search", 1000)

	// Priya opens the link of her mail in another browser: the conversation, without the note.
	pctx, cancel := chromedp.NewContext(ctx) // A new tab shares cookies; the requester's page needs none.
	defer cancel()
	page := linkIn(t, f, printer.from, "resolved", tk.ID, base+"/r/")
	if err := chromedp.Do(pctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`ol.events`))); err != nil {
		t.Fatal(err)
	}
	conv := textOf(t, pctx, "main")
	if !strings.Contains(conv, "Replaced the worn roller") || strings.Contains(conv, "Roller worn out") {
		t.Fatalf("the requester's page:\n%s", conv)
	}
	// She answers that it jams again: the ticket reopens and the technician is told.
	if err := chromedp.Do(pctx,
		chromedp.SendKeys(chromedp.CSS(`#text`), "It jammed again this morning, page 2 of every job."),
		chromedp.Click(chromedp.CSS(`form.act button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, pctx, "requester", 1000)
	shot(t, pctx, "requester-phone", 390)
	// The technician had an "update" mail already (the resolution): wait for the one that
	// carries her answer, not for any.
	told := func() bool {
		for _, m := range f.mails(tk.Assignee, "update", tk.ID) {
			if strings.Contains(f.text(m), "It jammed again this morning") {
				return true
			}
		}
		return false
	}
	eventually(t, func() bool { return f.ticket(tk.ID).Status == tickets.StatusOpen && told() })

	// The link of Priya's ticket, altered to reach another, opens nothing.
	tok := strings.TrimPrefix(page, base+"/r/")
	altered := base + "/r/" + tok[:12] + string(rune(tok[12]^2)) + tok[13:]
	if err := chromedp.Do(pctx, chromedp.Navigate(altered), chromedp.WaitVisible(chromedp.CSS(`p.problem`))); err != nil {
		t.Fatal(err)
	}
	if s := textOf(t, pctx, "main"); strings.Contains(s, "Printer") || strings.Contains(s, "excel") {
		t.Errorf("an altered link shows a ticket:\n%s", s)
	}
	// An expired link says so.
	expired := f.dm.desk.Signer.Link(tickets.LinkClaim{Purpose: tickets.LinkPage, TicketID: tk.ID, Recipient: printer.from,
		Expires: time.Now().Add(-time.Minute)})
	if err := chromedp.Do(pctx, chromedp.Navigate(base+"/r/"+expired), chromedp.WaitVisible(chromedp.CSS(`p.problem`))); err != nil {
		t.Fatal(err)
	}
	if s := textOf(t, pctx, "p.problem"); !strings.Contains(s, "expired") && !strings.Contains(s, "expiré") {
		t.Errorf("an expired link: %q", s)
	}
	// A spent sign-in link is refused.
	if err := chromedp.Do(pctx, chromedp.Navigate(link), chromedp.Click(chromedp.CSS(`#signin`)), chromedp.WaitVisible(chromedp.CSS(`p.problem`))); err != nil {
		t.Fatal(err)
	}

	// A page on another site posts a note into the ticket with Nadia's session: refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><form id="f" method="post" action="%s/t/%d/note"><input name="text" value="FORGED"><input name="csrf" value="guess"></form>
<script>document.getElementById("f").submit()</script>`, base, tk.ID)
	}))
	defer evil.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL), chromedp.Sleep(time.Second)); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s/t/%d/note", base, tk.ID); status != want {
		t.Fatalf("the other site's form was not sent: at %s, want %s", status, want)
	}
	for _, e := range f.events(tk.ID, tickets.EventNote) {
		if strings.Contains(e.Text, "FORGED") {
			t.Errorf("a form from another site wrote on the ticket (now at %s)", status)
		}
	}
}

// seedHistory opens, answers, resolves and rates tickets over the last 30 days through the
// desk's operations, as a month of work would have.
func seedHistory(t *testing.T, f *flow) {
	t.Helper()
	subjects := []struct{ subject, text, lang string }{
		{"Wi-Fi drops in meeting room B", "The wifi drops every ten minutes in room B.", "en"},
		{"Mot de passe expiré", "Mon mot de passe a expiré, je ne peux plus me connecter.", "fr"},
		{"Outlook does not start", "Outlook crashes at start since the update.", "en"},
		{"Imprimante hors ligne", "L'imprimante du 2e étage est hors ligne.", "fr"},
		{"VPN très lent", "Le VPN est très lent depuis chez moi.", "fr"},
		{"New laptop screen flickers", "The screen of my new laptop flickers.", "en"},
		{"Accès au dossier partagé", "Je n'ai plus accès au dossier partagé Compta.", "fr"},
		{"Excel macro error", "Excel shows an error in the budget macro.", "en"},
	}
	start := time.Now().AddDate(0, 0, -29)
	for i := 0; i < 90; i++ {
		s := subjects[i%len(subjects)]
		at := start.Add(time.Duration(i) * 29 * 24 * time.Hour / 90)
		var tk *tickets.Ticket
		if err := f.dm.desk.Update(f.ctx, at, func(tx *tickets.Tx) error {
			var err error
			tk, err = tx.Open(tickets.NewTicket{Subject: s.subject, Text: s.text, Language: s.lang,
				Requester: fmt.Sprintf("user%d@corp.example", i%23)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if i%9 == 8 {
			continue // Still open.
		}
		answer := at.Add(time.Duration(10+i%7*25) * time.Minute)
		done := answer.Add(time.Duration(1+i%5*3) * time.Hour)
		for _, step := range []struct {
			at time.Time
			do func(*tickets.Tx, *tickets.Ticket) error
		}{
			{answer, func(tx *tickets.Tx, tk *tickets.Ticket) error {
				return tx.Reply(tk, "Looking into it.", tk.Assignee, "")
			}},
			{done, func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Resolve(tk, "Fixed.", tk.Assignee) }},
			{done.Add(time.Hour), func(tx *tickets.Tx, tk *tickets.Ticket) error {
				if i%3 == 0 {
					return tx.Rate(tk, i%4 != 3, "", tk.Requester)
				}
				return nil
			}},
		} {
			if err := f.dm.desk.Do(f.ctx, tk.ID, step.at, step.do); err != nil {
				t.Fatal(err)
			}
		}
	}
}
