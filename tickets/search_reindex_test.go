package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReindexResumes interrupts the reindex of a desk (a new analyser's) after some of its
// batches, in the tickets and in the staff text, and runs it again, as the next open does: it goes
// on from its cursor, and the index, the term counts and the staff text it ends with are those of
// a reindex done at once.
func TestReindexResumes(t *testing.T) {
	defer func(n int) { reindexBatch, reindexCommitted = n, nil }(reindexBatch)
	reindexBatch = 4
	ctx := context.Background()
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			s := d.Store
			var ids []int64
			for i := range 23 {
				lang := []string{"fr", "en"}[i%2]
				at := t0.Add(time.Duration(i) * time.Minute)
				tk := openTicket(t, d, at, NewTicket{Subject: fmt.Sprintf("Imprimante %d bloquée", i),
					Text: fmt.Sprintf("Le poste PC-%d affiche l'erreur E%d depuis ce matin.", i, 100+i), Requester: "anne@corp.example", Language: lang})
				ids = append(ids, tk.ID)
				if i%5 == 0 {
					if err := d.Do(ctx, tk.ID, at.Add(time.Second), func(tx *Tx, tk *Ticket) error {
						return tx.Reply(tk, fmt.Sprintf("Remplacez le toner T%d.", i), "alice@corp.example", "")
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// An incident's document took in its requests' terms: the reindex keeps them.
			if _, err := s.w.Exec(`INSERT INTO kv (key, value) VALUES (?, ?)`, learntKey(ids[9]), "vpn vpn tunnel"); err != nil {
				t.Fatal(err)
			}
			want := searchIndexValue(s.search)
			// reindex runs the reindex, a new one from the start unless stopAfter is -1, stopping
			// it after stopAfter batches (0: never); it returns the batches it ran but the last.
			reindex := func(ctx context.Context, stopAfter int) (batches int, err error) {
				t.Helper()
				if stopAfter >= 0 { // A reindex from the start: the analyser changed.
					if _, err := s.w.Exec(`DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
						t.Fatal(err)
					}
				}
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				reindexCommitted = func() {
					if batches++; batches == stopAfter {
						cancel()
					}
				}
				return batches, s.ensureSearchIndex(ctx)
			}
			// 23 tickets, 4 a batch: 6 batches, one that finds no ticket left, 2 of the staff
			// text's 5 answers, then the last (not counted).
			n, err := reindex(ctx, 0)
			if err != nil || n != 9 {
				t.Fatalf("reindex at once: %d batches, %v", n, err)
			}
			fresh := indexSnapshot(t, s)
			learnt := fmt.Sprintf("doc %d: ", ids[9])
			if i := slices.IndexFunc(fresh, func(row string) bool { return strings.HasPrefix(row, learnt) }); i < 0 || !strings.HasSuffix(fresh[i], " vpn vpn tunnel") {
				t.Errorf("the incident's learnt terms are not in its document:\n%v", fresh)
			}
			for _, stop := range []int{2, 8} {
				// Interrupted (the process stopped), the desk is not reindexed, and knows
				// where the reindex stopped.
				if _, err := reindex(ctx, stop); !errors.Is(err, context.Canceled) {
					t.Fatalf("reindex stopped after %d batches: %v", stop, err)
				}
				if v := kvValue(t, s, kvSearchIndex); v != "" {
					t.Errorf("search_index %q while reindexing", v)
				}
				cursor := fmt.Sprintf("%s %d", want, ids[7])
				if stop == 8 {
					cursor = want + " staff " // Past the tickets, in the answers.
				}
				if v := kvValue(t, s, kvSearchReindex); !strings.HasPrefix(v, cursor) || v == want+" staff 0" {
					t.Errorf("stopped after %d batches: search_reindex %q, want %q", stop, v, cursor)
				}
				// Run again, as the next open does, it runs the batches left only.
				n, err := reindex(ctx, -1)
				if err != nil || n != 9-stop {
					t.Fatalf("resumed reindex: %d batches, %v; want %d", n, err, 9-stop)
				}
				if got := indexSnapshot(t, s); !slices.Equal(got, fresh) {
					t.Errorf("resumed index:\n%v\nthe fresh one:\n%v", got, fresh)
				}
				if v := kvValue(t, s, kvSearchIndex); v != want {
					t.Errorf("search_index %q, want %q", v, want)
				}
				if v := kvValue(t, s, kvSearchReindex); v != "" {
					t.Errorf("search_reindex %q left after the reindex", v)
				}
			}
			// Up to date, opening it again indexes nothing.
			if n, err := reindex(ctx, -1); err != nil || n != 0 {
				t.Errorf("reindex of an indexed desk: %d batches, %v", n, err)
			}
			res, err := d.Search(ctx, "E117", SearchFilter{}, 5)
			if err != nil || len(res) == 0 || res[0].ID != ids[17] {
				t.Errorf("search E117 after the reindex: %+v, %v", res, err)
			}
			res, err = d.Search(ctx, "T15", SearchFilter{}, 5)
			if err != nil || len(res) == 0 || res[0].ID != ids[15] {
				t.Errorf("search of an answer's word after the reindex: %+v, %v", res, err)
			}
		})
	}
}

// indexSnapshot lists the search documents, the staff text and the term counts of s, in order.
func indexSnapshot(t *testing.T, s *Store) []string {
	t.Helper()
	query := `SELECT rowid, doc FROM ` + s.search.table() + ` ORDER BY rowid`
	if s.search == dialectPG {
		query = `SELECT id, doc FROM search_pg ORDER BY id`
	}
	var out []string
	rows, err := s.w.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("doc %d: %s", id, doc))
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	staff := `SELECT rowid, doc FROM ` + s.search.staffTable() + ` ORDER BY rowid`
	if s.search == dialectPG {
		staff = `SELECT id, CAST(tsv AS TEXT) FROM search_staff_tsvector ORDER BY id`
	}
	rows, err = s.w.Query(staff)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("staff %d: %s", id, doc))
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err = s.w.Query(`SELECT term, df FROM search_terms ORDER BY term`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var term string
		var df int
		if err := rows.Scan(&term, &df); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("term %q: %d", term, df))
	}
	return out
}

// kvValue is kv's value for key, "" when it has none.
func kvValue(t *testing.T, s *Store, key string) string {
	t.Helper()
	var v string
	if err := s.w.QueryRow(`SELECT COALESCE(MAX(value), '') FROM kv WHERE key = ?`, key).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
