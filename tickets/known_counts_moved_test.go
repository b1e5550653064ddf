package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// countingQuerier counts the queries asked of q.
type countingQuerier struct {
	q querier
	n int
}

func (c *countingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n++
	return c.q.QueryContext(ctx, query, args...)
}

func (c *countingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.n++
	return c.q.QueryRowContext(ctx, query, args...)
}

// TestKnownCountsMovedKept: when a ranking finds search_terms written since the counts kept (the
// last batch's transaction committed meanwhile), it reads its terms anew, once, and keeps them
// at their new stamp: the next rankings read no term they asked for, and their counts are
// still search_terms' own.
func TestKnownCountsMovedKept(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL's reader keeps none.
	d, _ := knownDesk(t, false)
	ctx := context.Background()
	if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
		t.Fatal(err)
	}
	q := &countingQuerier{q: d.Store.Reader()}
	ask := func(what string, queries int, terms ...string) {
		t.Helper()
		q.n = 0
		got, gotN, err := d.known.counts.docFreqs(ctx, q, terms)
		if err != nil {
			t.Fatal(err)
		}
		want, wantN, err := readDocFreqs(ctx, d.Store.Reader(), terms)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || gotN != wantN {
			t.Fatalf("%s: kept %v %d, search_terms %v %d", what, got, gotN, want, wantN)
		}
		if q.n != queries {
			t.Fatalf("%s: %d queries, want %d", what, q.n, queries)
		}
	}
	vpn := []string{"vpn", "809", "erreur", "nothing-has-it"}
	ask("first", 1, vpn...)
	ask("kept", 0, vpn...)
	openTicket(t, d, t0.Add(3*time.Hour), NewTicket{Subject: "VPN erreur 809", Text: "Le VPN encore, imprimante.", Requester: "y@corp.example", Language: "fr"})
	ask("a term not kept, the counts moved", 2, append(vpn, "imprimante")...)
	ask("kept at the new stamp", 0, vpn...)
	ask("another term not kept", 1, "imprimante", "écran")
	if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
		t.Fatal(err)
	}
	ask("kept across the refresh", 0, append(vpn, "imprimante", "écran")...)
}
