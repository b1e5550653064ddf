package web_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/web"
)

// The web desk on a big desk: benchmarks of the pages people wait for, on 100,000 tickets opened
// through the desk's own operations over 90 days (a third resolved, a few pending), with the
// team of the sample desk. The desk is built once per run of the benchmarks, in a temporary
// folder, or kept in DESKD_BENCH_DIR for the next runs: building it takes minutes (run with
// -timeout 0).

var (
	bigOnce sync.Once
	bigDir  string // Removed by TestMain.
	keptDir string // DESKD_BENCH_DIR.
	bigErr  error
)

// bigDeskSize is the number of tickets of the benchmarks' desk; DESKD_BENCH_TICKETS changes it.
func bigDeskSize() int {
	n := 100_000
	if v := os.Getenv("DESKD_BENCH_TICKETS"); v != "" {
		fmt.Sscan(v, &n)
	}
	return n
}

var words = strings.Fields(`vpn wifi printer screen laptop password account outlook excel word teams
	certificate gateway proxy badge phone headset driver update crash slow freeze blue error login mailbox
	calendar share folder disk backup license install keyboard mouse dock monitor network cable port
	imprimante écran portable compte messagerie réseau lent bloqué erreur connexion mot passe`)

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	return strings.Join(w, " ")
}

// bigDesk returns the path of the configuration of a desk with bigDeskSize tickets. With
// DESKD_BENCH_DIR=DIR the desk is kept in DIR and used again by the next runs.
func bigDesk(b *testing.B) string {
	bigOnce.Do(func() {
		if dir := os.Getenv("DESKD_BENCH_DIR"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "deskd.toml")); err == nil {
				keptDir = dir
				return
			}
			if bigErr = os.MkdirAll(dir, 0o755); bigErr == nil {
				bigErr = seedBigDesk(dir, bigDeskSize())
				keptDir = dir
			}
			return
		}
		bigDir, bigErr = os.MkdirTemp("", "deskd-web-bench-")
		if bigErr != nil {
			return
		}
		bigErr = seedBigDesk(bigDir, bigDeskSize())
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	if keptDir != "" {
		return filepath.Join(keptDir, "deskd.toml")
	}
	return filepath.Join(bigDir, "deskd.toml")
}

func seedBigDesk(dir string, n int) error {
	ctx := context.Background()
	text := config.Local(config.Sample(), "127.0.0.1:1", "pw", "127.0.0.1:1")
	// Random words make every request alike: incident detection would link them all, and the
	// similarity search of each new request would make the desk take hours to build. The pages
	// measured here do not depend on it.
	text = config.SetKey(text, "incidents", "detect", "false")
	text = config.SetKey(text, "incidents", "known_answers", "0")
	path := filepath.Join(dir, "deskd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	store, err := tickets.OpenStore(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer store.Close()
	desk, err := tickets.NewDesk(&cfg.Desk, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now().Add(-90 * 24 * time.Hour)
	const batch = 1000
	for done := 0; done < n; done += batch {
		at := start.Add(time.Duration(done) * 90 * 24 * time.Hour / time.Duration(n))
		err := desk.Update(ctx, at, func(tx *tickets.Tx) error {
			for i := 0; i < batch && done+i < n; i++ {
				tk, err := tx.Open(tickets.NewTicket{Subject: sentence(r, 4), Text: sentence(r, 30),
					Requester: fmt.Sprintf("user%d@corp.example", r.IntN(500)), Language: []string{"fr", "en"}[r.IntN(2)]})
				if err != nil {
					return err
				}
				switch x := r.IntN(100); {
				case x < 30:
					if err := tx.Resolve(tk, "done: "+sentence(r, 5), tk.Assignee); err != nil {
						return err
					}
				case x < 35:
					if err := tx.Pending(tk, tk.Assignee); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// benchServer is the web desk over the big desk, with the cookie of a technician signed in.
func benchServer(b *testing.B) (*httptest.Server, *http.Client, *tickets.Store) {
	ctx := context.Background()
	cfg, err := config.Load(bigDesk(b))
	if err != nil {
		b.Fatal(err)
	}
	store, err := tickets.OpenStore(ctx, cfg.Database)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = store.Close() })
	desk, err := tickets.NewDesk(&cfg.Desk, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := web.New(cfg.Web, web.Options{Desk: desk, Store: store, Signer: desk.Signer, Words: tpl, Search: desk})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	var nonce string
	if err := desk.Update(ctx, time.Now(), func(tx *tickets.Tx) error {
		nonce, err = tx.IssueSignIn("alice@corp.example")
		return err
	}); err != nil {
		b.Fatal(err)
	}
	secret, _, err := desk.SignIn(ctx, desk.Signer.SignInToken(nonce, "alice@corp.example"), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	jar := &cookieJar{c: &http.Cookie{Name: "deskd_session", Value: secret}}
	return ts, &http.Client{Jar: jar}, store
}

type cookieJar struct{ c *http.Cookie }

func (j *cookieJar) SetCookies(*url.URL, []*http.Cookie) {}
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie     { return []*http.Cookie{j.c} }

func getOK(b *testing.B, c *http.Client, u string) {
	resp, err := c.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", u, resp.StatusCode)
	}
}

// BenchmarkQueuePage renders a page of the queue (50 tickets, the counts of every view) over
// HTTP, as a browser asks for it: the first page of each view, and a page deep in "all open".
func BenchmarkQueuePage(b *testing.B) {
	ts, c, store := benchServer(b)
	deep := ""
	{
		// The cursor of a page in the middle of the queue.
		q := tickets.QueueQuery{View: tickets.ViewOpen, Priority: -1, Limit: 500}
		for i := 0; i < 60; i++ {
			p, err := store.Queue(context.Background(), q)
			if err != nil {
				b.Fatal(err)
			}
			q.After = p.Next
		}
		deep = q.After.String()
	}
	for _, v := range []string{"mine", "unassigned", "open", "breach", "pending", "open&after=" + deep, "open&category=network&priority=high"} {
		b.Run(strings.SplitN(v, "&", 2)[0]+map[bool]string{true: "-page600", false: ""}[strings.Contains(v, "after")]+
			map[bool]string{true: "-filtered", false: ""}[strings.Contains(v, "category")], func(b *testing.B) {
			u := ts.URL + "/queue?view=" + v
			for b.Loop() {
				getOK(b, c, u)
			}
		})
	}
}

// BenchmarkSearchPage renders the search page over HTTP: the full-text engine's 50 best tickets
// for a query, in French and in English, alone and with filters.
func BenchmarkSearchPage(b *testing.B) {
	ts, c, _ := benchServer(b)
	for name, q := range map[string]string{
		"fr":              "q=imprimante+bloqué",
		"en":              "q=vpn+certificate+error",
		"three-words":     "q=password+account+login",
		"status-filtered": "q=printer+screen&status=open",
		"category":        "q=outlook+crash&category=software",
	} {
		b.Run(name, func(b *testing.B) {
			u := ts.URL + "/search?" + q
			for b.Loop() {
				getOK(b, c, u)
			}
		})
	}
}
