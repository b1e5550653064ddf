package tickets

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// dialects are the ranking engines the tests run on: FTS4 always, and the build's default (FTS5
// with the sqlite_fts5 tag, as CI builds; FTS4 again without it); on PostgreSQL, its own.
func dialects(t *testing.T) map[string]bool {
	t.Helper()
	if storetest.OnPostgres() {
		return map[string]bool{"tsvector": false}
	}
	return map[string]bool{"fts4": true, "default": false}
}

// searchDatabase is a fresh database for a search test: a SQLite file, or a PostgreSQL schema
// when the suite runs on PostgreSQL.
func searchDatabase(t testing.TB) string {
	t.Helper()
	if storetest.OnPostgres() {
		return storetest.Database(t)
	}
	return filepath.Join(t.TempDir(), "deskd.db")
}

// newSearchDesk opens the test desk on a fresh database, ranking with FTS4 when fts4 is set.
func newSearchDesk(t testing.TB, fts4 bool) *Desk {
	t.Helper()
	cfg := parseTestConfig(t, testConfigTOML)
	store, err := openStore(context.Background(), searchDatabase(t), fts4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	d, err := NewDesk(cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.SetWords(catalogueWords(t))
	return d
}

func TestAnalyzeMeetsAcrossLanguages(t *testing.T) {
	cases := []struct {
		fr, en string
		shared []string
	}{
		{"L'imprimante du 3e étage fait des bourrages", "The printer on the 3rd floor keeps jamming", []string{"printer", "3", "floor", "jam"}},
		{"Outlook ne se synchronise plus", "Outlook does not sync anymore", []string{"outlook", "sync"}},
		{"Le wi-fi du bâtiment B est coupé", "Wi-Fi down in building B", []string{"wifi", "building", "down"}},
		{"Mot de passe bloqué", "Password locked", []string{"password", "locked"}},
	}
	for _, c := range cases {
		fr, en := analyze(c.fr, "fr"), analyze(c.en, "en")
		for _, w := range c.shared {
			if !slices.Contains(fr, w) || !slices.Contains(en, w) {
				t.Errorf("%q %v and %q %v do not share %q", c.fr, fr, c.en, en, w)
			}
		}
	}
	if got := analyze("Bonjour, merci de votre aide depuis ce matin", "fr"); len(got) != 0 {
		t.Errorf("stopwords left: %v", got)
	}
}

func TestBM25MatchInfo(t *testing.T) {
	// One phrase, one column: 10 rows, average 8 tokens, this row 4 tokens, the term twice here,
	// in 2 rows in all.
	info := make([]byte, 0, 4*8)
	for _, v := range []uint32{1, 1, 10, 8, 4, 2, 5, 2} {
		info = append(info, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	idf := math.Log((10 - 2 + 0.5) / (2 + 0.5))
	want := idf * 2 * 2.2 / (2 + 1.2*(1-0.75+0.75*4.0/8))
	if got := bm25MatchInfo(info); math.Abs(got-want) > 1e-9 {
		t.Fatalf("bm25 %v, want %v", got, want)
	}
	if got := bm25MatchInfo(info[:8]); got != 0 {
		t.Fatalf("short matchinfo scored %v", got)
	}
}

// resolveTicket resolves a ticket with a note.
func resolveTicket(t testing.TB, d *Desk, at time.Time, id int64, note string) {
	t.Helper()
	if err := d.Do(context.Background(), id, at, func(tx *Tx, tk *Ticket) error {
		return tx.Resolve(tk, note, "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSimilarFindsKnownAnswers: on both engines, a new VPN request finds the resolved VPN
// tickets first, in its own language first, with their notes; the explanation adds up.
func TestSimilarFindsKnownAnswers(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			if fts4 && d.Store.SearchDialect() != "fts4" {
				t.Fatalf("dialect %s", d.Store.SearchDialect())
			}
			d, ids := knownDeskOf(t, d)
			tk := openTicket(t, d, t0.Add(2*time.Hour), NewTicket{Subject: "Le VPN ne se connecte plus",
				Text: "Bonjour, depuis ce matin le VPN ne se connecte plus (erreur 809).", Requester: "f@corp.example", Language: "fr"})
			got, err := d.Similar(context.Background(), tk.ID, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 || got[0].ID != ids[0] || got[0].Note != "note VPN erreur 809" {
				t.Fatalf("similar: %+v", got)
			}
			for _, m := range got {
				if m.Similarity <= 0 || m.Similarity > 1 || m.ID == ids[3] || m.ID == tk.ID {
					t.Fatalf("similar: %+v", got)
				}
			}
			if !slices.ContainsFunc(got, func(m Match) bool { return m.ID == ids[1] }) {
				t.Fatalf("the English VPN ticket is not among %+v", got)
			}
			ex, err := d.ExplainSimilarity(context.Background(), tk.ID, got[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(ex.Score-got[0].Score) > 1e-6 || ex.Terms[0].Score <= 0 || math.Abs(ex.Similarity-got[0].Similarity) > 1e-6 {
				t.Fatalf("explanation %+v of %+v", ex, got[0])
			}
			// The search box: either language finds both VPN tickets.
			for _, q := range []string{"erreur 809", "error 809"} {
				res, err := d.Search(context.Background(), q, SearchFilter{}, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(res) < 3 || !slices.ContainsFunc(res, func(m Match) bool { return m.ID == ids[1] }) {
					t.Fatalf("search %q: %+v", q, res)
				}
			}
		})
	}
}

// TestSearchIndexFollowsTheTicket: a later message is found; a rolled-back one is not.
func TestSearchIndexFollowsTheTicket(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			tk := openTicket(t, d, t0, NewTicket{Subject: "Question", Text: "Bonjour", Requester: "a@corp.example", Language: "fr"})
			if err := d.Do(context.Background(), tk.ID, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
				return tx.Message(tk, "Le lecteur réseau Z: a disparu", "a@corp.example", "")
			}); err != nil {
				t.Fatal(err)
			}
			_ = d.Do(context.Background(), tk.ID, t0.Add(2*time.Minute), func(tx *Tx, tk *Ticket) error {
				if err := tx.Message(tk, "kangourou", "a@corp.example", ""); err != nil {
					return err
				}
				return context.Canceled // Rolled back.
			})
			for q, want := range map[string]int{"lecteur réseau disparu": 1, "kangourou": 0} {
				res, err := d.Search(context.Background(), q, SearchFilter{}, 5)
				if err != nil {
					t.Fatal(err)
				}
				if len(res) != want {
					t.Fatalf("search %q: %+v", q, res)
				}
			}
		})
	}
}

// TestSearchIndexRebuilt: a database indexed by one engine is reindexed by the other when a
// store of that kind opens it; an existing desk without index gets one.
func TestSearchIndexRebuilt(t *testing.T) {
	ctx := context.Background()
	path := searchDatabase(t)
	s, err := openStore(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := parseTestConfig(t, testConfigTOML)
	d, err := NewDesk(cfg, s, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tk := openTicket(t, d, t0, NewTicket{Subject: "Imprimante bloquée", Text: "Bourrage papier", Requester: "a@corp.example", Language: "fr"})
	// An index lost (a desk from before the index): the next open rebuilds it.
	if _, err := s.w.Exec(`DELETE FROM kv WHERE key = 'search_index'`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, fts4 := range []bool{false, true} {
		s, err := openStore(ctx, path, fts4)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDesk(cfg, s, []byte("0123456789abcdef0123456789abcdef"), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := d.Search(ctx, "printer jammed paper", SearchFilter{}, 5)
		if err != nil || len(res) != 1 || res[0].ID != tk.ID {
			t.Fatalf("%s: search %+v, %v", s.SearchDialect(), res, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMatchQueryQuotesTerms(t *testing.T) {
	if got := matchQuery([]string{"vpn", `a"b`}); got != `"vpn" OR "ab"` || strings.Count(got, `"`) != 4 {
		t.Fatalf("%q", got)
	}
}

// TestSearchFindsAllWordsOnABigDesk: past the candidate bound, two common words are searched
// among their newest tickets; an older ticket with both words still comes first, ahead of the
// many newer ones that have only one (it was not even a candidate when only the newest with any
// word were).
func TestSearchFindsAllWordsOnABigDesk(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			both := seedTickets(t, d, []seedDoc{{subject: "printer jam", text: "the printer has a paper jam again",
				lang: "en", status: StatusResolved}}, t0)
			var docs []seedDoc
			for i := range maxCandidates + 100 {
				docs = append(docs,
					seedDoc{subject: fmt.Sprintf("printer w%d", i), text: fmt.Sprintf("the printer on floor w%d", i%97), lang: "en", status: StatusOpen},
					seedDoc{subject: fmt.Sprintf("jam w%d", i), text: fmt.Sprintf("a jam in room w%d", i%89), lang: "en", status: StatusOpen})
			}
			seedTickets(t, d, docs, t0.Add(time.Hour))
			res, err := d.Search(context.Background(), "printer jam", SearchFilter{}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) == 0 || res[0].ID != both[0] {
				t.Fatalf("search: first %+v, want ticket %d", res[:min(1, len(res))], both[0])
			}
		})
	}
}
