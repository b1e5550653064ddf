package tickets

import (
	"context"
	"slices"
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

// TestSearchFindsWhatStaffWrote: the search box finds a ticket by what staff wrote on it — an
// answer, a resolution note, an internal note — after the tickets whose requesters wrote the
// words, within the filter; what an internal note says is never in a result. The similarity index
// (incidents, known answers) holds requesters' text only.
func TestSearchFindsWhatStaffWrote(t *testing.T) {
	ctx := context.Background()
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			outlook := openTicket(t, d, t0, NewTicket{Subject: "Outlook ne démarre plus", Text: "Il reste sur l'écran de chargement.",
				Requester: "anne@corp.example", Language: "fr"})
			ricoh := openTicket(t, d, t0.Add(time.Minute), NewTicket{Subject: "Printer shows SC542", Text: "The Ricoh on the 3rd floor stopped.",
				Requester: "tom@corp.example", Language: "en"})
			asked := openTicket(t, d, t0.Add(2*time.Minute), NewTicket{Subject: "Pilote d'imprimante", Text: "Quel pilote installer pour la Ricoh ?",
				Requester: "paul@corp.example", Language: "fr"})
			at := t0.Add(time.Hour)
			step := func(id int64, f func(tx *Tx, tk *Ticket) error) {
				t.Helper()
				at = at.Add(time.Minute)
				if err := d.Do(ctx, id, at, f); err != nil {
					t.Fatal(err)
				}
			}
			step(outlook.ID, func(tx *Tx, tk *Ticket) error {
				return tx.Reply(tk, "J'ai recréé votre profil de messagerie : relancez Outlook.", "alice@corp.example", "")
			})
			step(outlook.ID, func(tx *Tx, tk *Ticket) error {
				return tx.Note(tk, "Mot de passe du compte de service : kangourou42", "alice@corp.example")
			})
			step(ricoh.ID, func(tx *Tx, tk *Ticket) error {
				return tx.Resolve(tk, "Replaced the fuser unit; the pilote driver reinstalled.", "bob@corp.example")
			})
			search := func(q string, f SearchFilter) []Match {
				t.Helper()
				res, err := d.Search(ctx, q, f, 10)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			ids := func(ms []Match) []int64 {
				var out []int64
				for _, m := range ms {
					out = append(out, m.ID)
				}
				return out
			}
			if got := ids(search("profil", SearchFilter{})); !slices.Equal(got, []int64{outlook.ID}) {
				t.Errorf("search in a staff answer: %v, want [%d]", got, outlook.ID)
			}
			res := search("kangourou42", SearchFilter{})
			if !slices.Equal(ids(res), []int64{outlook.ID}) {
				t.Errorf("search in an internal note: %v", ids(res))
			}
			for _, m := range res {
				if strings.Contains(m.Note, "kangourou") || strings.Contains(m.Subject, "kangourou") {
					t.Errorf("an internal note in a result: %+v", m)
				}
			}
			// The requester who wrote "pilote" first, then the ticket whose resolution says it.
			if got := ids(search("pilote", SearchFilter{})); !slices.Equal(got, []int64{asked.ID, ricoh.ID}) {
				t.Errorf("search pilote: %v, want [%d %d]", got, asked.ID, ricoh.ID)
			}
			if got := ids(search("fuser", SearchFilter{Statuses: []Status{StatusOpen, StatusNew}})); len(got) != 0 {
				t.Errorf("a resolved ticket among open ones: %v", got)
			}
			if got := ids(search("fuser", SearchFilter{Statuses: []Status{StatusResolved}})); !slices.Equal(got, []int64{ricoh.ID}) {
				t.Errorf("search fuser among resolved: %v", got)
			}
			// Rebuilt (a desk of an older analyser, or another engine's), it finds the same.
			if _, err := d.Store.w.Exec(`DELETE FROM kv WHERE key = 'search_index'`); err != nil {
				t.Fatal(err)
			}
			if err := d.Store.ensureSearchIndex(ctx); err != nil {
				t.Fatal(err)
			}
			if got := ids(search("kangourou42", SearchFilter{})); !slices.Equal(got, []int64{outlook.ID}) {
				t.Errorf("search in an internal note after a rebuild: %v", got)
			}
			// The similarity index (incidents, known answers) holds what requesters wrote only.
			doc, err := searchDoc(ctx, d.Store.Reader(), d.Store.search, ricoh.ID)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(doc, "fuser") {
				t.Errorf("staff words in the similarity index: %v", doc)
			}
		})
	}
}
