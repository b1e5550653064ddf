package tickets

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestPostgresSearchRanksAsSQLite: the same desk on SQLite and on PostgreSQL finds the same
// tickets in the same order for searches and likes; with FTS5 (CI's build), with the same BM25
// scores too (FTS4's average document length is a whole number, so its scores differ a little).
func TestPostgresSearchRanksAsSQLite(t *testing.T) {
	ctx := context.Background()
	cfg := parseTestConfig(t, testConfigTOML)
	open := func(database string) *Desk {
		s, err := OpenStore(ctx, database)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		d, err := NewDesk(cfg, s, []byte("0123456789abcdef0123456789abcdef"), nil)
		if err != nil {
			t.Fatal(err)
		}
		d.SetWords(catalogueWords(t))
		return d
	}
	lite, pg := open(filepath.Join(t.TempDir(), "deskd.db")), open(storetest.Postgres(t))
	if pg.Store.SearchDialect() != "tsvector" {
		t.Fatalf("PostgreSQL ranks with %s", pg.Store.SearchDialect())
	}
	subjects := []string{"VPN error 809", "VPN slow in the afternoon", "Printer jammed on floor 2", "Excel crashes on large files",
		"Outlook does not sync", "Printer out of toner", "Password locked after holidays", "VPN drops every hour", "Wi-Fi down in building B"}
	texts := []string{"The VPN will not connect: error 809 since this morning.", "Paper jam again, the printer blinks.",
		"Outlook keeps asking for my password and does not sync.", "The Wi-Fi and the VPN are both down here."}
	var ids []int64
	for i := range 40 {
		req := NewTicket{Subject: subjects[i%len(subjects)], Text: texts[i%len(texts)] + fmt.Sprintf(" Case %d.", i),
			Requester: fmt.Sprintf("u%d@corp.example", i%7), Language: "en"}
		at := t0.Add(time.Duration(i) * time.Minute)
		a, b := openTicket(t, lite, at, req), openTicket(t, pg, at, req)
		if a.ID != b.ID {
			t.Fatalf("ticket %d on SQLite, %d on PostgreSQL", a.ID, b.ID)
		}
		ids = append(ids, a.ID)
		if i%3 == 0 {
			resolveTicket(t, lite, at.Add(time.Hour), a.ID, "restarted it")
			resolveTicket(t, pg, at.Add(time.Hour), b.ID, "restarted it")
		}
	}
	same := func(what string, x, y []Match) {
		t.Helper()
		if len(x) == 0 || len(x) != len(y) {
			t.Fatalf("%s: %d on SQLite, %d on PostgreSQL", what, len(x), len(y))
		}
		for i := range x {
			if x[i].ID != y[i].ID {
				t.Fatalf("%s: #%d is %d on SQLite, %d on PostgreSQL", what, i, x[i].ID, y[i].ID)
			}
			if lite.Store.SearchDialect() == "fts5" && math.Abs(x[i].Score-y[i].Score) > 1e-9*math.Abs(x[i].Score) {
				t.Fatalf("%s: ticket %d scores %v on FTS5, %v on PostgreSQL", what, x[i].ID, x[i].Score, y[i].Score)
			}
		}
	}
	for _, q := range []string{"vpn error", "printer paper jam", "outlook password", "wifi building"} {
		x, err := lite.Search(ctx, q, SearchFilter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		y, err := pg.Search(ctx, q, SearchFilter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		same("search "+q, x, y)
	}
	for _, id := range ids[len(ids)-5:] {
		x, err := lite.Similar(ctx, id, 5)
		if err != nil {
			t.Fatal(err)
		}
		y, err := pg.Similar(ctx, id, 5)
		if err != nil {
			t.Fatal(err)
		}
		same(fmt.Sprintf("similar to %d", id), x, y)
	}
}
