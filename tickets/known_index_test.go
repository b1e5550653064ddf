package tickets

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// similarIDs returns the ids of Similar's answers to ticket id.
func similarIDs(t *testing.T, d *Desk, id int64) []int64 {
	t.Helper()
	ms, err := d.Similar(context.Background(), id, 5)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestKnownIndexFollowsTheDesk: the known answers' index, loaded once, follows the desk through
// its events: a ticket reopened is no longer an answer; resolved again, it is one again.
func TestKnownIndexFollowsTheDesk(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d, ids := knownDesk(t, fts4)
			q := openTicket(t, d, t0.Add(2*time.Hour), NewTicket{Subject: "VPN erreur 809", Text: "Le VPN ne se connecte plus, erreur 809.",
				Requester: "q@corp.example", Language: "fr"})
			if got := similarIDs(t, d, q.ID); !slices.Contains(got, ids[0]) {
				t.Fatalf("similar to #%d: %v", q.ID, got)
			}
			at := t0.Add(3 * time.Hour)
			if err := d.Do(context.Background(), ids[0], at, func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "alice@corp.example") }); err != nil {
				t.Fatal(err)
			}
			if got := similarIDs(t, d, q.ID); slices.Contains(got, ids[0]) {
				t.Fatalf("#%d reopened, still similar to #%d: %v", ids[0], q.ID, got)
			}
			resolveTicket(t, d, at.Add(time.Minute), ids[0], "note again")
			if got := similarIDs(t, d, q.ID); !slices.Contains(got, ids[0]) {
				t.Fatalf("#%d resolved again, not similar to #%d: %v", ids[0], q.ID, got)
			}
		})
	}
}

// TestKnownIndexFindsOldRareAnswers: on a desk of more known tickets than the index holds, an
// old answer the index left out is still found by a rare term it shares with the request.
func TestKnownIndexFindsOldRareAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds more than 10,000 tickets")
	}
	d := newSearchDesk(t, false)
	old := seedTickets(t, d, []seedDoc{{subject: "Quuxbrowser error 4711", text: "Quuxbrowser stops with error 4711 at start.",
		lang: "en", status: StatusResolved}}, t0)[0]
	seedTickets(t, d, syntheticDocs(maxKnownHeld+50, StatusResolved, 3), t0)
	q := seedTickets(t, d, []seedDoc{{subject: "Quuxbrowser 4711", text: "Error 4711 again in Quuxbrowser.", lang: "en", status: StatusOpen}}, t0)[0]
	got := similarIDs(t, d, q)
	if _, held := d.known.byID[old]; held || d.known.whole {
		t.Fatalf("the index holds the oldest of %d known tickets", maxKnownHeld+51)
	}
	if len(got) == 0 || got[0] != old {
		t.Fatalf("similar to #%d: %v, want #%d first", q, got, old)
	}
}

// TestKnownIndexScoresAsDocuments: the index keeps postings, not documents; a ranking's scores
// are still those of the documents (searchDialect.score), for terms met twice in a document or
// in the query too, after tickets are replaced, removed and the index compacted; a ticket whose
// document changes only in its order of words keeps its entry, one whose counts change does not.
func TestKnownIndexScoresAsDocuments(t *testing.T) {
	docs := map[int64]string{}
	langs := map[int64]string{}
	var x knownIndex
	x.reset()
	put := func(id int64, lang, doc string) {
		docs[id], langs[id] = doc, lang
		x.add(id, lang, doc)
	}
	words := []string{"vpn", "erreur", "809", "imprim", "bourr", "outlook", "mot", "pass", "wifi", "lent"}
	for id := int64(1); id <= 3*maxKnownHeld/4; id++ {
		var doc []string
		for k := int64(0); k < 3+id%7; k++ {
			doc = append(doc, words[(id*7+k*k*3)%int64(len(words))])
		}
		lang := []string{"fr", "en", "de", everyLanguage}[id%4]
		put(id, lang, strings.Join(doc, " ")+" "+doc[0])
	}
	check := func(when string) {
		t.Helper()
		df := map[string]int{tokensKey: 0}
		for _, doc := range docs {
			tf, dl := termCounts(doc)
			df[tokensKey] += dl
			for w := range tf {
				df[w]++
			}
		}
		for _, d := range []searchDialect{dialectFTS4, dialectFTS5} {
			for _, lang := range []string{"fr", "de", ""} {
				terms := []string{"vpn", "809", "vpn", "wifi", "absent"}
				got := x.rank(d, terms, lang, 0, 10, df, len(docs))
				if len(got) == 0 && lang == "" {
					t.Fatalf("%s: nothing ranked", when)
				}
				for _, r := range got {
					if _, live := docs[r.id]; !live {
						t.Fatalf("%s: #%d ranked, no longer held", when, r.id)
					}
					if l := langs[r.id]; lang != "" && l != lang && l != everyLanguage {
						t.Fatalf("%s: #%d of %q ranked for %q", when, r.id, l, lang)
					}
					if want := d.score(docs[r.id], terms, df, len(docs)); r.score != want {
						t.Fatalf("%s, %v, %q: #%d scored %v, its document %v", when, d, lang, r.id, r.score, want)
					}
				}
			}
		}
	}
	check("loaded")
	slot := x.byID[5]
	if !x.holds(slot, langs[5], docs[5]) {
		t.Fatal("#5 does not hold its own document")
	}
	reordered := strings.Fields(docs[5])
	reordered[0], reordered[len(reordered)-1] = reordered[len(reordered)-1], reordered[0]
	slices.Reverse(reordered)
	if !x.holds(slot, langs[5], strings.Join(reordered, "  ")) {
		t.Fatal("#5 does not hold its words in another order")
	}
	if x.holds(slot, langs[5], docs[5]+" vpn") || x.holds(slot, "xx", docs[5]) {
		t.Fatal("#5 holds another document")
	}
	// Replaced and removed tickets, until the index compacts.
	for id := int64(1); id <= int64(len(docs)); id += 3 {
		put(id, "fr", "vpn vpn 809 wifi lent")
		x.remove(id + 1)
		delete(docs, id+1)
	}
	for id := int64(maxKnownHeld); len(x.tickets) <= 2*maxKnownHeld; id++ {
		put(id, "en", "wifi lent vpn")
	}
	check("replaced")
	x.compact()
	if len(x.tickets) != len(x.byID) || len(x.byID) > maxKnownHeld {
		t.Fatalf("compacted: %d slots, %d live", len(x.tickets), len(x.byID))
	}
	for id := range docs {
		if _, held := x.byID[id]; !held {
			delete(docs, id) // Left out, the oldest.
		}
	}
	for id, slot := range x.byID {
		if x.tickets[slot] != id || !x.holds(slot, langs[id], docs[id]) {
			t.Fatalf("compacted: #%d's entry does not hold its document", id)
		}
	}
	check("compacted")
}

// termCounts, the tests' reference for knownIndex.termsOf, returns the terms of doc (separated by spaces, as the engines' documents are) with
// their frequencies, and their number: the document's length.
func termCounts(doc string) (map[string]int32, int) {
	tf := map[string]int32{}
	dl := 0
	for rest := doc; rest != ""; {
		word := rest
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			word, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if word != "" {
			tf[word]++
			dl++
		}
	}
	return tf, dl
}
