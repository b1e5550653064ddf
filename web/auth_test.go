package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestSignInByMail: a coordinator asks for a link, receives it by mail, opens it (a GET that
// signs nobody in), confirms, and reaches the queue. The link works once.
func TestSignInByMail(t *testing.T) {
	f := newFixture(t)
	b := f.signIn("nadia@corp.example")
	p := b.get("/queue")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Nadia Benali") {
		t.Fatalf("queue after sign-in: %d\n%s", p.status, p.body)
	}
	if lang := p.header.Get("Content-Language"); lang != "fr" {
		t.Errorf("Nadia reads French; the page is %q", lang)
	}
}

// TestSignInSameAnswer: the answer to a request is the same whether the address is staff's or
// not; only staff get a mail.
func TestSignInSameAnswer(t *testing.T) {
	f := newFixture(t)
	answer := func(email string) string {
		b := f.browser()
		p := b.get("/signin")
		p = b.post("/signin", url.Values{"csrf": {csrf(t, p)}, "email": {email}})
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", email, p.status)
		}
		return strings.ReplaceAll(p.body, email, "ADDRESS")
	}
	staff, stranger := answer("bob@corp.example"), answer("mallory@corp.example")
	if staff != stranger {
		t.Errorf("the pages differ:\n%s\n----\n%s", staff, stranger)
	}
	ms := f.mails()
	if len(mailTo(ms, tickets.KindSignIn, "bob@corp.example")) != 1 || len(ms) != 1 {
		t.Errorf("want one sign-in mail, to Bob: %+v", ms)
	}
}

// TestSignInLinkOnceAndExpiry: a spent link, an expired link and an altered link open nothing;
// a GET of the link signs nobody in (mail scanners follow links).
func TestSignInLinkOnceAndExpiry(t *testing.T) {
	f := newFixture(t)
	request := func() string {
		b := f.browser()
		p := b.get("/signin")
		b.post("/signin", url.Values{"csrf": {csrf(t, p)}, "email": {"alice@corp.example"}})
		ms := mailTo(f.mails(), tickets.KindSignIn, "alice@corp.example")
		if len(ms) != 1 {
			t.Fatalf("mails: %+v", ms)
		}
		return f.pathOf(ms[0].Notice.Links.SignIn)
	}
	redeem := func(b *browser, link string) page {
		p := b.get(link)
		if c := p.header.Get("Set-Cookie"); strings.Contains(c, "deskd_session") {
			t.Fatalf("a GET of the link set a session: %s", c)
		}
		return b.post(link, url.Values{"csrf": {csrf(t, p)}})
	}
	link := request()
	if p := redeem(f.browser(), link); p.status != http.StatusSeeOther {
		t.Fatalf("first use: %d", p.status)
	}
	if p := redeem(f.browser(), link); p.status != http.StatusForbidden {
		t.Errorf("second use: %d, want 403", p.status)
	}

	link = request()
	f.advance(tickets.SignInValid + time.Second)
	if p := redeem(f.browser(), link); p.status != http.StatusForbidden {
		t.Errorf("expired link: %d, want 403", p.status)
	}

	link = request()
	tampered := link[:len(link)-3] + "AAA"
	if p := redeem(f.browser(), tampered); p.status != http.StatusForbidden {
		t.Errorf("altered link: %d, want 403", p.status)
	}
	if p := redeem(f.browser(), link); p.status != http.StatusSeeOther {
		t.Errorf("the genuine link after a forgery: %d", p.status)
	}
}

// TestSignInRateLimited: the fourth request for one address in 15 minutes mails nothing, and the
// page says the same.
func TestSignInRateLimited(t *testing.T) {
	f := newFixture(t)
	var bodies []string
	for i := 0; i < 5; i++ {
		b := f.browser()
		p := b.get("/signin")
		p = b.post("/signin", url.Values{"csrf": {csrf(t, p)}, "email": {"bob@corp.example"}})
		bodies = append(bodies, p.body)
	}
	if n := len(mailTo(f.mails(), tickets.KindSignIn, "bob@corp.example")); n != 3 {
		t.Errorf("%d links mailed, want 3", n)
	}
	if bodies[4] != bodies[0] {
		t.Error("a limited request answers another page")
	}
	f.advance(tickets.SignInValid + time.Minute)
	b := f.browser()
	p := b.get("/signin")
	b.post("/signin", url.Values{"csrf": {csrf(t, p)}, "email": {"bob@corp.example"}})
	if n := len(mailTo(f.mails(), tickets.KindSignIn, "bob@corp.example")); n != 1 {
		t.Errorf("after the window: %d links, want 1", n)
	}
	// Per client: ten requests from one address, whatever the addresses asked for.
	for i := 0; i < 12; i++ {
		b := f.browser()
		p := b.get("/signin")
		b.post("/signin", url.Values{"csrf": {csrf(t, p)}, "email": {[]string{"alice@corp.example", "chloe@corp.example", "dev@corp.example", "sam@corp.example"}[i%4]}})
	}
	if n := len(f.mails()); n != 9 {
		t.Errorf("%d links from one client after its earlier request, want 9 (ten in the window)", n)
	}
}

// TestSessionCookieAndFixation: the session cookie is HttpOnly and SameSite=Lax; a cookie the
// browser brought before signing in is replaced by a new secret, and the old one opens nothing.
func TestSessionCookieAndFixation(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	u, _ := url.Parse(f.ts.URL)
	planted := &http.Cookie{Name: "deskd_session", Value: "attacker-chosen-value-0123456789", Path: "/"}
	b.c.Jar.SetCookies(u, []*http.Cookie{planted})
	p := b.get("/signin")
	b.post("/signin", url.Values{"csrf": {csrf(t, p)}, "email": {"nadia@corp.example"}})
	link := f.pathOf(mailTo(f.mails(), tickets.KindSignIn, "nadia@corp.example")[0].Notice.Links.SignIn)
	p = b.get(link)
	p = b.post(link, url.Values{"csrf": {csrf(t, p)}})
	set := p.header.Get("Set-Cookie")
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || strings.Contains(set, planted.Value) {
		t.Errorf("session cookie %q", set)
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("Secure on plain http: %q", set)
	}
	if p := b.get("/queue"); p.status != http.StatusOK {
		t.Fatalf("queue: %d", p.status)
	}
	other := f.browser()
	other.c.Jar.SetCookies(u, []*http.Cookie{planted})
	if p := other.get("/queue"); p.status != http.StatusSeeOther {
		t.Errorf("the planted cookie opens the queue: %d", p.status)
	}
}

// TestSessionSecureOverHTTPS: with an https base_url the cookie is Secure.
func TestSessionSecureOverHTTPS(t *testing.T) {
	f := newFixture(t, [3]string{"web", "base_url", `"https://desk.corp.example"`})
	b := f.browser()
	p := b.get("/signin")
	if set := p.header.Get("Set-Cookie"); !strings.Contains(set, "Secure") {
		t.Errorf("form cookie over https: %q", set)
	}
	if sts := p.header.Get("Strict-Transport-Security"); sts == "" {
		t.Error("no Strict-Transport-Security over https")
	}
}

// TestSessionIdleAndRevoke: a session unused for session_idle ends; `deskd web revoke` ends
// every session of a person.
func TestSessionIdleAndRevoke(t *testing.T) {
	f := newFixture(t)
	b := f.signIn("alice@corp.example")
	f.advance(7 * time.Hour)
	if p := b.get("/queue"); p.status != http.StatusOK {
		t.Fatalf("after 7 h: %d", p.status)
	}
	f.advance(7 * time.Hour) // Used 7 hours ago: still within the 8 hours.
	if p := b.get("/queue"); p.status != http.StatusOK {
		t.Fatalf("7 h after the last use: %d", p.status)
	}
	f.advance(8*time.Hour + time.Minute)
	if p := b.get("/queue"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin" {
		t.Errorf("after 8 h idle: %d %s", p.status, p.header.Get("Location"))
	}
	b = f.signIn("alice@corp.example")
	c := f.signIn("alice@corp.example")
	if n, err := f.store.EndSessions(f.ctx, "alice@corp.example"); err != nil || n != 3 { // The idle one is still recorded.
		t.Fatalf("revoke: %d, %v", n, err)
	}
	for _, x := range []*browser{b, c} {
		if p := x.get("/queue"); p.status != http.StatusSeeOther {
			t.Errorf("after revoke: %d", p.status)
		}
	}
}

// TestCSRF: a form posted without the session's token, with another session's, or from another
// site, changes nothing.
func TestCSRF(t *testing.T) {
	f := newFixture(t)
	tk := f.open(tickets.NewTicket{Subject: "VPN", Text: "the vpn is down", Requester: "celine@corp.example", Language: "fr"})
	f.mails()
	nadia := f.signIn("nadia@corp.example")
	bob := f.signIn("bob@corp.example")
	bobsToken := csrf(t, bob.get("/queue"))
	path := "/t/" + itoa(tk.ID) + "/note"
	for name, form := range map[string]url.Values{
		"no token":              {"text": {"forged"}},
		"another session's one": {"text": {"forged"}, "csrf": {bobsToken}},
	} {
		if p := nadia.post(path, form); p.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, p.status)
		}
	}
	// From another site, even with the right token: the browser says so, and Go refuses it.
	req, _ := http.NewRequest(http.MethodPost, nadia.url(path), strings.NewReader(url.Values{"text": {"forged"}, "csrf": {csrf(t, nadia.get("/queue"))}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := nadia.do(req); p.status != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", p.status)
	}
	// The sign-in form too.
	b := f.browser()
	if p := b.post("/signin", url.Values{"email": {"nadia@corp.example"}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without token: %d", p.status)
	}
	evs, _ := f.store.Events(f.ctx, tk.ID)
	for _, e := range evs {
		if strings.Contains(e.Text, "forged") {
			t.Errorf("a forged form changed the ticket: %+v", e)
		}
	}
	if p := nadia.post(path, url.Values{"text": {"genuine"}, "csrf": {csrf(t, nadia.get("/queue"))}}); p.status != http.StatusSeeOther {
		t.Errorf("genuine note: %d\n%s", p.status, p.body)
	}
}

// TestSignOut ends the session.
func TestSignOut(t *testing.T) {
	f := newFixture(t)
	b := f.signIn("bob@corp.example")
	if p := b.post("/signout", url.Values{"csrf": {csrf(t, b.get("/queue"))}}); p.status != http.StatusOK {
		t.Fatalf("sign out: %d", p.status)
	}
	if p := b.get("/queue"); p.status != http.StatusSeeOther {
		t.Errorf("after sign-out: %d", p.status)
	}
}

// TestClientBehindProxy: with trust_proxy the per-client limit counts the address the proxy
// names (the last of X-Forwarded-For), not the proxy's own; without it, the header is ignored.
func TestClientBehindProxy(t *testing.T) {
	for _, trust := range []bool{false, true} {
		extra := [3]string{"web", "trust_proxy", fmt.Sprint(trust)}
		f := newFixture(t, extra)
		for i := 0; i < 12; i++ {
			b := f.browser()
			p := b.get("/signin")
			req, _ := http.NewRequest(http.MethodPost, b.url("/signin"), strings.NewReader(url.Values{"csrf": {csrf(t, p)},
				"email": {[]string{"alice@corp.example", "bob@corp.example", "chloe@corp.example", "dev@corp.example"}[i%4]}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.7, 198.51.100.%d", i))
			b.do(req)
		}
		n, want := len(f.mails()), 10 // One client: ten requests in the window.
		if trust {
			want = 12 // Twelve clients, three links per address at most: 12.
		}
		if n != want {
			t.Errorf("trust_proxy %v: %d links, want %d", trust, n, want)
		}
	}
}

// TestSessionMaxAge: a session used every few hours still ends session_max_age (7 days) after
// sign-in.
func TestSessionMaxAge(t *testing.T) {
	f := newFixture(t)
	b := f.signIn("alice@corp.example")
	for elapsed := time.Duration(0); elapsed < 7*24*time.Hour-6*time.Hour; elapsed += 6 * time.Hour {
		f.advance(6 * time.Hour)
		if p := b.get("/queue"); p.status != http.StatusOK {
			t.Fatalf("%v after sign-in: %d", elapsed+6*time.Hour, p.status)
		}
	}
	f.advance(6 * time.Hour)
	if p := b.get("/queue"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin" {
		t.Errorf("after 7 days: %d %s", p.status, p.header.Get("Location"))
	}
}
