package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// loadKnownNewestFirst is knownIndex.load as it was: the newest known tickets read first,
// their documents through the engine's virtual table (or search_pg), kept in a list and added
// from the oldest. TestKnownIndexLoadSameAsNewestFirst compares load with it.
func loadKnownNewestFirst(ctx context.Context, q querier, d searchDialect) (*knownIndex, error) {
	x := &knownIndex{}
	x.reset()
	status := `+t.status`
	join := `CROSS JOIN ` + d.table() + ` s ON s.rowid = t.id`
	if d == dialectPG {
		status, join = `t.status`, `JOIN search_pg s ON s.id = t.id`
	}
	rows, err := q.QueryContext(ctx, `SELECT t.id, CASE WHEN t.kind = 'incident' THEN '`+everyLanguage+`' ELSE t.language END, s.doc
		FROM tickets t `+join+`
		WHERE `+status+` IN (?, ?) AND t.incident = 0 ORDER BY t.id DESC LIMIT `+fmt.Sprint(maxKnownHeld+1),
		string(StatusResolved), string(StatusClosed))
	if err != nil {
		return nil, err
	}
	type doc struct {
		id        int64
		lang, doc string
	}
	var docs []doc
	for rows.Next() {
		var c doc
		if err := rows.Scan(&c.id, &c.lang, &c.doc); err != nil {
			rows.Close()
			return nil, err
		}
		docs = append(docs, c)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	x.whole = len(docs) <= maxKnownHeld
	docs = docs[:min(len(docs), maxKnownHeld)]
	for i := len(docs) - 1; i >= 0; i-- {
		x.add(docs[i].id, docs[i].lang, docs[i].doc)
	}
	x.trim()
	x.loaded = true
	return x, nil
}

// knownIndexDump writes out what a ranking reads of an index: its entries by slot (ticket,
// length, language, twin) and each term's postings, blocks and bounds, by term.
func knownIndexDump(x *knownIndex) string {
	var b strings.Builder
	fmt.Fprintf(&b, "whole %v, %d live\n", x.whole, len(x.byID))
	for i, id := range x.tickets {
		fmt.Fprintf(&b, "%d: #%d dl %d code %d lang %q twin %d\n", i, id, x.dls[i], x.codes[i], x.langs[x.langOf[i]], x.twin[i])
	}
	terms := make([]string, 0, len(x.termID))
	for t := range x.termID {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	for _, t := range terms {
		i := x.termID[t]
		fmt.Fprintf(&b, "%s: %v max %d min %d %v\n", t, x.postings[i], x.maxTF[i], x.minDL[i], x.blocks[i])
	}
	return b.String()
}

// TestKnownIndexLoadSameAsNewestFirst: load, which reads the known tickets oldest first from
// the one held, with their documents from the engine's content table, fills the index as the
// newest-first read through the engine did, on a desk of more known tickets than it holds
// (resolved, closed and open ones, English and French, many documents alike) and on one of
// fewer.
func TestKnownIndexLoadSameAsNewestFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds more than 10,000 tickets")
	}
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			ctx := context.Background()
			same := func(what string) {
				t.Helper()
				var got knownIndex
				if err := got.load(ctx, d.Store.Reader(), d.Store.search); err != nil {
					t.Fatal(err)
				}
				want, err := loadKnownNewestFirst(ctx, d.Store.Reader(), d.Store.search)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := knownIndexDump(&got), knownIndexDump(want); g != w {
					t.Fatalf("%s: load holds\n%.2000s\nwant\n%.2000s", what, g, w)
				}
			}
			docs := syntheticDocs(maxKnownHeld/2, StatusResolved, 5)
			for i := range docs {
				switch i % 7 {
				case 1:
					docs[i].status = StatusOpen
				case 2:
					docs[i].status = StatusClosed
				case 3:
					docs[i].lang = "fr"
				case 4, 5:
					docs[i].subject, docs[i].text = docs[i-3].subject, docs[i-3].text // Alike.
				}
			}
			seedTickets(t, d, docs, t0)
			same("fewer than held")
			seedTickets(t, d, docs, t0)
			seedTickets(t, d, docs[:maxKnownHeld/5], t0)
			same("more than held")
		})
	}
}
