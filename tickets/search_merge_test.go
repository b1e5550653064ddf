package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestReindexMergesSegments reindexes a desk whose reindex writes many segments (4 tickets a
// batch): it ends with one segment in each full-text table. On FTS5 the merge runs in steps
// (a page each here); one interrupted goes on at the next open from FTS5's record of it. The
// searches find the same tickets, scored alike, as on the index the desk's own transactions
// wrote, in the middle of the merge and after it.
func TestReindexMergesSegments(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("PostgreSQL's indexes have no segments")
	}
	defer func(n, p int) { reindexBatch, mergeStepPages, reindexCommitted = n, p, nil }(reindexBatch, mergeStepPages)
	reindexBatch, mergeStepPages = 4, 1
	ctx := context.Background()
	words := []string{"imprimante", "toner", "vpn", "tunnel", "wifi", "badge", "écran", "clavier", "licence", "outlook"}
	queries := []string{"imprimante toner", "vpn", "wifi badge", "E117", "écran clavier licence", "T15", "outlook PC-42"}
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			s := d.Store
			for i := range 120 {
				lang := []string{"fr", "en"}[i%2]
				at := t0.Add(time.Duration(i) * time.Minute)
				tk := openTicket(t, d, at, NewTicket{Subject: fmt.Sprintf("%s %d bloqué", words[i%len(words)], i),
					Text:      fmt.Sprintf("Le poste PC-%d affiche l'erreur E%d, %s et %s, depuis ce matin (réf. R%d).", i, 100+i, words[(i*3)%len(words)], words[(i*7)%len(words)], 1000+i),
					Requester: "anne@corp.example", Language: lang})
				if i%3 == 0 {
					if err := d.Do(ctx, tk.ID, at.Add(time.Second), func(tx *Tx, tk *Ticket) error {
						return tx.Reply(tk, fmt.Sprintf("Remplacez le toner T%d du %s.", i, words[(i*5)%len(words)]), "alice@corp.example", "")
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
			searches := func() []string {
				t.Helper()
				var out []string
				for _, q := range queries {
					res, err := d.Search(ctx, q, SearchFilter{}, 20)
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range res {
						out = append(out, fmt.Sprintf("%s: %+v", q, m))
					}
				}
				return out
			}
			written := searches()
			if len(written) < len(queries) {
				t.Fatalf("the searches found %d tickets", len(written))
			}
			segments := func() (int, int) {
				t.Helper()
				n, err := s.search.segments(ctx, s.w, s.search.table())
				if err != nil {
					t.Fatal(err)
				}
				staff, err := s.search.segments(ctx, s.w, s.search.staffTable())
				if err != nil {
					t.Fatal(err)
				}
				return n, staff
			}
			if n, staff := segments(); n < 2 || staff < 2 {
				t.Fatalf("the desk's own transactions wrote %d and %d segments", n, staff)
			}

			if _, err := s.w.Exec(`DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
				t.Fatal(err)
			}
			want := searchIndexValue(s.search)
			stopped, cancel := context.WithCancel(ctx)
			defer cancel()
			merging := 0
			reindexCommitted = func() {
				if kvValue(t, s, kvSearchReindex) == want+" merge" {
					if merging++; merging == 1 {
						cancel()
					}
				}
			}
			err := s.ensureSearchIndex(stopped)
			reindexCommitted = nil
			if s.search == dialectFTS4 {
				// One 'optimize': the merge is the reindex's last step.
				if err != nil || merging != 0 {
					t.Fatalf("reindex: %v, %d steps of merge committed", err, merging)
				}
			} else {
				if !errors.Is(err, context.Canceled) || merging != 1 {
					t.Fatalf("reindex stopped in the merge: %v, %d steps of merge committed", err, merging)
				}
				if v := kvValue(t, s, kvSearchIndex); v != "" {
					t.Errorf("search_index %q while merging", v)
				}
				if n, _ := segments(); n < 2 {
					t.Errorf("the merge stopped after a step of a page holds %d segment", n)
				}
				if got := searches(); !slices.Equal(got, written) {
					t.Errorf("searches in the middle of the merge:\n%v\nbefore the reindex:\n%v", got, written)
				}
				if err := s.ensureSearchIndex(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if v := kvValue(t, s, kvSearchIndex); v != want {
				t.Errorf("search_index %q, want %q", v, want)
			}
			if v := kvValue(t, s, kvSearchReindex); v != "" {
				t.Errorf("search_reindex %q left after the reindex", v)
			}
			if n, staff := segments(); n != 1 || staff != 1 {
				t.Errorf("after the reindex: %d and %d segments, want one a table", n, staff)
			}
			if got := searches(); !slices.Equal(got, written) {
				t.Errorf("searches after the merge:\n%v\nbefore the reindex:\n%v", got, written)
			}
		})
	}
}
