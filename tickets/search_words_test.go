package tickets

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestSearchFindsProductNames: a product whose name, stemmed, is a stopword or one of the words
// every request says ("Teams" → "team", "Notes" → "not" in French) is still indexed and found,
// in either engine and either language, by its name in any inflection.
func TestSearchFindsProductNames(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			teamsEN := openTicket(t, d, t0, NewTicket{Subject: "Teams crashes when I open it", Text: "It closes at once.",
				Requester: "sarah@corp.example", Language: "en"})
			teamsFR := openTicket(t, d, t0.Add(time.Minute), NewTicket{Subject: "Teams plante au démarrage", Text: "Il se ferme tout de suite.",
				Requester: "marc@corp.example", Language: "fr"})
			notes := openTicket(t, d, t0.Add(2*time.Minute), NewTicket{Subject: "Lotus Notes ne s'ouvre plus", Text: "Depuis la mise à jour.",
				Requester: "anne@corp.example", Language: "fr"})
			openTicket(t, d, t0.Add(3*time.Minute), NewTicket{Subject: "Imprimante en panne", Text: "Bourrage papier.",
				Requester: "paul@corp.example", Language: "fr"})
			for q, want := range map[string][]int64{"Teams": {teamsEN.ID, teamsFR.ID}, "team": {teamsEN.ID, teamsFR.ID},
				"teams": {teamsEN.ID, teamsFR.ID}, "Notes": {notes.ID}} {
				res, err := d.Search(context.Background(), q, SearchFilter{}, 10)
				if err != nil {
					t.Fatal(err)
				}
				got := map[int64]bool{}
				for _, m := range res {
					got[m.ID] = true
				}
				if len(res) != len(want) {
					t.Errorf("search %q: %d results %+v, want %v", q, len(res), res, want)
				}
				for _, id := range want {
					if !got[id] {
						t.Errorf("search %q: ticket %d not found (%+v)", q, id, res)
					}
				}
			}
		})
	}
}

// TestSearchIndexOfAnOlderAnalyser: a desk indexed by an older analyser (kv search_index without
// this version) is reindexed when its store opens, so that its old tickets are found by the new
// terms.
func TestSearchIndexOfAnOlderAnalyser(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("the documents are rewritten with SQLite's tables")
	}
	ctx := context.Background()
	for _, fts4 := range []bool{false, true} {
		path := searchDatabase(t)
		s, err := openStore(ctx, path, fts4)
		if err != nil {
			t.Fatal(err)
		}
		cfg := parseTestConfig(t, testConfigTOML)
		d, err := NewDesk(cfg, s, []byte("0123456789abcdef0123456789abcdef"), nil)
		if err != nil {
			t.Fatal(err)
		}
		tk := openTicket(t, d, t0, NewTicket{Subject: "Teams crashes", Text: "at once", Requester: "a@corp.example", Language: "en"})
		// As the previous analyser wrote it: no "team".
		if _, err := s.w.Exec(`UPDATE `+s.search.table()+` SET doc = 'crash crash' WHERE rowid = ?`, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.Exec(`UPDATE kv SET value = ? WHERE key = 'search_index'`, string(s.search)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = openStore(ctx, path, fts4)
		if err != nil {
			t.Fatal(err)
		}
		d, err = NewDesk(cfg, s, []byte("0123456789abcdef0123456789abcdef"), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := d.Search(ctx, "Teams", SearchFilter{}, 5)
		if err != nil || len(res) != 1 || res[0].ID != tk.ID {
			t.Errorf("%s: search %+v, %v", s.SearchDialect(), res, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSearchFindsTicketByNumber: a query that is a ticket's reference ("12", "#12", "HD #12",
// "[HD #12]") or holds its subject tag lists that ticket first, even when its number is in no
// text and other tickets' texts hold the digits; another desk's tag or a number with no ticket
// leaves the search to the words.
func TestSearchFindsTicketByNumber(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			tag := d.Config().Desk.Tag
			var ids []int64
			for i := range 3 {
				tk := openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), NewTicket{Subject: "Boîte aux lettres pleine",
					Text: "Appelez-moi au 06 12 34 56 78 ou au 3", Requester: "helene@corp.example", Language: "fr"})
				ids = append(ids, tk.ID)
			}
			want := ids[1]
			n := strconv.FormatInt(want, 10)
			for _, q := range []string{n, "#" + n, tag + " #" + n, "[" + tag + " #" + n + "]", " [" + strings.ToLower(tag) + "#" + n + "] ",
				"RE: [" + tag + " #" + n + "] Boîte aux lettres pleine"} {
				res, err := d.Search(context.Background(), q, SearchFilter{Statuses: []Status{StatusClosed}}, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(res) == 0 || res[0].ID != want {
					t.Errorf("search %q: %+v, want ticket %d first", q, res, want)
				}
			}
			for _, q := range []string{"[OTHER #" + n + "]", "999"} {
				if got := TicketRef(q, tag); q == "999" && got != 999 || q != "999" && got != 0 {
					t.Errorf("TicketRef(%q) = %d", q, got)
				}
				res, err := d.Search(context.Background(), q, SearchFilter{}, 10)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range res {
					if m.ID == want || m.ID == 999 {
						t.Errorf("search %q: %+v", q, res)
					}
				}
			}
		})
	}
}
