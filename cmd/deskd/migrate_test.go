package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
)

// TestPostgresMigrateDemo: the demo's desk, copied by deskd migrate into an empty PostgreSQL
// database, has every row of every table there, reads the same, and passes deskd check; a second
// copy into the same database is refused.
func TestPostgresMigrateDemo(t *testing.T) {
	url := storetest.Postgres(t)
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--exit", "--dir", dir); code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	path := filepath.Join(dir, "deskd.toml")
	code, out, errs := cli(t, "migrate", "--config", path, "--to", url)
	if code != 0 || !strings.Contains(out, "every count matches") {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errs)
	}
	for _, table := range []string{"tickets", "events", "messages", "outbox", "people", "loads", "ingest_state"} {
		m := regexp.MustCompile(`(?m)^` + table + `\s+(\d+) rows`).FindStringSubmatch(out)
		if m == nil {
			t.Errorf("migrate did not copy %s:\n%s", table, out)
		} else if n, _ := strconv.Atoi(m[1]); n == 0 {
			t.Errorf("migrate copied no row of %s: the demo's desk has some\n%s", table, out)
		}
	}

	ctx := context.Background()
	src, err := tickets.OpenStore(ctx, filepath.Join(dir, "deskd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := tickets.OpenStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for _, q := range []string{
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(id), 0) || ' ' || COALESCE(SUM(LENGTH(subject)), 0) FROM tickets`,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(LENGTH(text)), 0) FROM events`,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(LENGTH(raw)), 0) FROM messages`,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(n), 0) FROM loads`,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(LENGTH(data)), 0) FROM outbox JOIN outbox_data USING (id) WHERE state = 'sent'`,
	} {
		var a, b string
		if err := src.Reader().QueryRow(q).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if err := dst.Reader().QueryRow(q).Scan(&b); err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: SQLite %s, PostgreSQL %s", q, a, b)
		}
	}

	// deskd check on PostgreSQL, with the demo's servers up again.
	w, err := startWorld(desk, "demo")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := config.Local(string(b), w.IMAPAddr, w.Password, w.SMTPAddr)
	text = config.SetKey(text, "desk", "database", strconv.Quote(url))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// A new ticket on PostgreSQL takes the number after the last one copied.
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := tickets.NewDesk(&cfg.Desk, dst, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The copy's full-text index is built from the copied tickets: a search finds what it finds
	// on SQLite.
	sd, err := tickets.NewDesk(&cfg.Desk, src, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	const query = "vpn imprimante printer password mot de passe outlook wifi"
	want, err := sd.Search(ctx, query, tickets.SearchFilter{}, 20)
	if err != nil || len(want) == 0 {
		t.Fatalf("search on SQLite: %v, %v", want, err)
	}
	got, err := d.Search(ctx, query, tickets.SearchFilter{}, 20)
	if err != nil || len(got) != len(want) {
		t.Fatalf("search on the copy: %d found, %d on SQLite (%v)", len(got), len(want), err)
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Fatalf("search on the copy: #%d is ticket %d, %d on SQLite", i, got[i].ID, want[i].ID)
		}
	}
	var last int64
	if err := dst.Reader().QueryRow(`SELECT MAX(id) FROM tickets`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	var tk *tickets.Ticket
	if err := d.Update(ctx, time.Now(), func(tx *tickets.Tx) (err error) {
		tk, err = tx.Open(tickets.NewTicket{Subject: "After the move", Text: "vpn", Requester: "paul@corp.example"})
		return err
	}); err != nil || tk.ID != last+1 {
		t.Fatalf("new ticket %v after %d: %v", tk, last, err)
	}
	code, out, errs = cli(t, "check", "--config", path)
	if code != 0 || !strings.Contains(out, "(postgres, schema ") {
		t.Fatalf("check on the copy: exit %d\n%s%s", code, out, errs)
	}
	// The copy is not done twice.
	if code, out, errs := cli(t, "migrate", "--config", path, "--to", url); code == 0 {
		t.Fatalf("a second migrate into the same database: exit 0\n%s%s", out, errs)
	}
}
