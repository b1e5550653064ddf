package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
	"github.com/deskd/deskd/web"
)

// deskFixture is the sample desk with its web desk on a test server, and a clock the test moves.
type deskFixture struct {
	t     *testing.T
	ctx   context.Context
	desk  *tickets.Desk
	store *tickets.Store
	srv   *web.Server
	ts    *httptest.Server
	cfg   *config.File

	mu  sync.Mutex
	now time.Time
}

func newFixture(t *testing.T, extra ...[3]string) *deskFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	text := config.Local(config.Sample(), "127.0.0.1:1", "pw", "127.0.0.1:1")
	for _, kv := range extra {
		text = config.SetKey(text, kv[0], kv[1], kv[2])
	}
	cfg, err := config.Parse(filepath.Join(dir, "deskd.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	store, err := tickets.OpenStore(ctx, storetest.Database(t)) // SQLite, or PostgreSQL when the suite runs on it.
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	desk, err := tickets.NewDesk(&cfg.Desk, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	desk.SetWords(tpl)
	f := &deskFixture{t: t, ctx: ctx, desk: desk, store: store, cfg: cfg, now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	f.srv, err = web.New(cfg.Web, web.Options{Desk: desk, Store: store, Signer: desk.Signer, Words: tpl, Now: f.clock, Search: desk,
		Probes: []web.Probe{{Name: "database", Check: func(ctx context.Context) error { return store.Writable(ctx, f.clock()) }}}})
	if err != nil {
		t.Fatal(err)
	}
	f.ts = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

func (f *deskFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *deskFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// open opens a ticket as a requester's mail would.
func (f *deskFixture) open(req tickets.NewTicket) *tickets.Ticket {
	f.t.Helper()
	var tk *tickets.Ticket
	if err := f.desk.Update(f.ctx, f.clock(), func(tx *tickets.Tx) error {
		var err error
		tk, err = tx.Open(req)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return tk
}

// mails claims the outbox's due mails, as the sender does, and gives each its links for its
// first recipient, as the sender renders them.
func (f *deskFixture) mails() []tickets.OutboxMail {
	f.t.Helper()
	ms, err := f.store.DueMail(f.ctx, "", f.clock().Add(time.Hour), 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range ms {
		ms[i].Notice.Links = f.srv.Links(ms[i], ms[i].To[0], f.clock())
		if err := f.store.MarkSent(f.ctx, ms[i].ID, f.clock()); err != nil {
			f.t.Fatal(err)
		}
	}
	return ms
}

// mailTo returns the mails of a kind to an address among ms.
func mailTo(ms []tickets.OutboxMail, kind, to string) []tickets.OutboxMail {
	var out []tickets.OutboxMail
	for _, m := range ms {
		if m.Kind == kind && m.To[0] == to {
			out = append(out, m)
		}
	}
	return out
}

// browser is a client with its own cookies, as a person's browser.
type browser struct {
	t *testing.T
	f *deskFixture
	c *http.Client
}

func (f *deskFixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is an answer: its status, headers and body.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if req.Method == http.MethodPost && req.Header.Get("Sec-Fetch-Site") == "" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header, string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url(path), nil)
	return b.do(req)
}

// post sends a form; with follow it follows the redirect that answers it.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.f.ts.URL + path
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of a page.
func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form token in the page:\n%s", p.body)
	}
	return m[1]
}

// pathOf is the path of a link of the web desk.
func (f *deskFixture) pathOf(link string) string {
	return strings.TrimPrefix(link, f.srv.BaseURL())
}

// signIn signs a staff member in through the mailed link and returns their browser.
func (f *deskFixture) signIn(email string) *browser {
	f.t.Helper()
	b := f.browser()
	p := b.get("/signin")
	p = b.post("/signin", url.Values{"csrf": {csrf(f.t, p)}, "email": {email}})
	if p.status != http.StatusOK {
		f.t.Fatalf("sign-in request: %d\n%s", p.status, p.body)
	}
	ms := mailTo(f.mails(), tickets.KindSignIn, email)
	if len(ms) != 1 || ms[0].Notice.Links.SignIn == "" {
		f.t.Fatalf("no sign-in link mailed to %s: %+v", email, ms)
	}
	link := f.pathOf(ms[0].Notice.Links.SignIn)
	p = b.get(link)
	p = b.post(link, url.Values{"csrf": {csrf(f.t, p)}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/queue" {
		f.t.Fatalf("sign in: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	return b
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
