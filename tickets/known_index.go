package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// The known answers' own index: the postings of the desk's newest resolved and closed tickets not
// linked to an incident (the tickets a known answer can be: an incident among them, which stands
// for its requests, incident_terms.go), in memory, with each one's length and language. A new
// request's known answers are ranked from it with bounded work, whatever the size of the desk:
// the engine's match walks every ticket that has one of the request's terms, open ones and those
// of other languages too, and reads their documents (BenchmarkKnownAnswersDeskSize: 3.7 CPU-ms a
// request on 10,000 seeded tickets, 2.0 on 100,000, against 0.18 on an empty desk; from this
// index, about 0.2 on both).
//
// The index follows the desk through its events: every change of a ticket's status, incident or
// public text writes one, in the same transaction. Before a batch is ranked (and before Similar),
// refresh reads the events written since the last refresh and reloads the tickets they are of;
// this costs one query when nothing happened. On a desk of several instances (PostgreSQL), the
// others' changes arrive the same way.

// maxKnownHeld bounds the tickets the index holds: the newest, in the order they became known.
// The labelled corpus of TestKnownAnswersCorpus is 10,000 resolved tickets: it is held whole.
// About 1 MB of heap for 10,000 tickets of the benchmark's length (BenchmarkKnownAnswersDeskSize's
// index-MB), 2.2 MB for the 10,000 of the labelled corpus (a larger vocabulary).
const maxKnownHeld = 10_000

// maxKnownWalk bounds the postings one ranking walks (the rarest of the query's terms first,
// the newest postings of each first): the engine's bound (maxPostings) over the index.
const maxKnownWalk = maxPostings

// knownRescored is how many of the best tickets, by the terms whose postings were walked, are
// scored again on all the query's terms from their postings (as from their documents).
const knownRescored = 32

// knownIndex holds the known tickets' postings, and of each ticket what a ranking reads: its
// id, length and language, in arrays by slot (its place in the order the entries came). The
// documents themselves are not kept: a ticket is scored again from its postings (rescore). The
// zero value is empty and loads itself at its first refresh.
type knownIndex struct {
	mu     sync.RWMutex
	loaded bool
	whole  bool            // It holds every known ticket of the desk (none left out).
	event  int64           // The last event read.
	byID   map[int64]int32 // The live entries' slots.

	// By slot, dead entries too, in the order they came.
	tickets []int64  // The ticket.
	dls     []int32  // Its document's terms.
	codes   []uint8  // Its language, by langCode; 0 for a dead entry.
	langOf  []uint16 // Its language, in langs.
	langs   []string // The languages met (the language detector's few codes, and everyLanguage).

	termID   map[string]int32 // Each term's place in postings.
	postings [][]knownPosting // Each term's postings, by slot.

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // The read pool's statements of the rankings (reader).
}

// maxKnownStmts bounds the statements reader keeps: one per length of docFreqs' list of terms
// and of knownAnswerRows' list of tickets.
const maxKnownStmts = 128

// reader is the read pool db as a querier whose queries run through statements prepared once
// (SQLite): the rankings ask the same few queries for every request, and preparing one costs
// about what running it does. On PostgreSQL, db itself.
func (x *knownIndex) reader(db *sql.DB, d searchDialect) querier {
	if d == dialectPG {
		return db
	}
	return preparedReader{db, x}
}

// preparedReader is knownIndex.reader's querier.
type preparedReader struct {
	db *sql.DB
	x  *knownIndex
}

// stmt returns the statement of query, prepared once; nil when there are too many.
func (p preparedReader) stmt(ctx context.Context, query string) *sql.Stmt {
	p.x.stmtMu.Lock()
	defer p.x.stmtMu.Unlock()
	if st := p.x.stmts[query]; st != nil {
		return st
	}
	if len(p.x.stmts) >= maxKnownStmts {
		return nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // The query runs unprepared, and says what is wrong.
	}
	if p.x.stmts == nil {
		p.x.stmts = map[string]*sql.Stmt{}
	}
	p.x.stmts[query] = st
	return st
}

func (p preparedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p preparedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// knownPosting is a term's occurrences in an entry: the entry's slot and the term's
// frequency in it. An entry is never changed: a ticket whose document changes gets a new one,
// and the old one dies.
type knownPosting struct {
	slot, tf int32
}

// langCode is a short code of a ticket's language for the postings, a bit each: 1 and 2 for
// French and English, 4 for any other (a ranking for one of those checks the entry's own), all
// three for every language (an incident). A posting is of a ranking's language when their codes
// share a bit.
func langCode(lang string) uint8 {
	switch lang {
	case "fr":
		return 1
	case "en":
		return 2
	case everyLanguage:
		return 1 | 2 | 4
	}
	return 4
}

// everyLanguage is the language the index gives an incident: its document holds the words of
// its requests, in their languages, and it answers them all; a ranking in any language takes it
// among its own language's tickets.
const everyLanguage = "*"

// scores are the rankings' accumulators, by slot, zero between uses.
var scores = sync.Pool{New: func() any { return new([]float64) }}

// refresh brings the index up to date with the desk: loaded at the first call, then the tickets
// of the events written since the last.
//
// todo: on PostgreSQL an event id is taken before its transaction commits, so an event committed
// after a later one was read is missed; the ticket is then not found until its next event (a
// ticket that is no longer known is still left out by the answers' query, knownAnswerRows).
func (x *knownIndex) refresh(ctx context.Context, q querier, d searchDialect) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.loaded {
		return x.load(ctx, q, d)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, ticket_id FROM events WHERE id > ? ORDER BY id`, x.event)
	if err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	touched := map[int64]bool{}
	last := x.event
	for rows.Next() {
		var id, ticket int64
		if err := rows.Scan(&id, &ticket); err != nil {
			rows.Close()
			return fmt.Errorf("known answers: events: %w", err)
		}
		touched[ticket], last = true, id
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		found := map[int64]bool{}
		err := x.read(ctx, q, d, `t.id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, "", args, func(id int64, lang, doc string) {
			found[id] = true
			if slot, ok := x.byID[id]; ok && x.holds(slot, lang, doc) {
				return
			}
			x.add(id, lang, doc)
		})
		if err != nil {
			return err
		}
		for _, id := range chunk {
			if !found[id] {
				x.remove(id)
			}
		}
	}
	x.event = last
	x.compact()
	return nil
}

// load fills the index with the newest known tickets.
func (x *knownIndex) load(ctx context.Context, q querier, d searchDialect) error {
	x.reset()
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&x.event); err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	type doc struct {
		id        int64
		lang, doc string
	}
	var docs []doc
	err := x.read(ctx, q, d, "1 = 1", ` ORDER BY t.id DESC LIMIT `+fmt.Sprint(maxKnownHeld+1), nil, func(id int64, lang, d string) {
		docs = append(docs, doc{id, lang, d})
	})
	if err != nil {
		return err
	}
	x.whole = len(docs) <= maxKnownHeld
	docs = docs[:min(len(docs), maxKnownHeld)]
	for i := len(docs) - 1; i >= 0; i-- {
		x.add(docs[i].id, docs[i].lang, docs[i].doc)
		docs[i] = doc{}
	}
	x.trim()
	x.loaded = true
	return nil
}

// read calls f with the known tickets among those cond selects, and their documents.
func (x *knownIndex) read(ctx context.Context, q querier, d searchDialect, cond, order string, args []any, f func(id int64, lang, doc string)) error {
	// The walk goes by the tickets' ids (newest first when loading), not by the index of their
	// status: on SQLite the unary + keeps it off that index.
	status := `+t.status`
	join := `CROSS JOIN ` + d.table() + ` s ON s.rowid = t.id`
	if d == dialectPG {
		status, join = `t.status`, `JOIN search_pg s ON s.id = t.id`
	}
	rows, err := q.QueryContext(ctx, `SELECT t.id, CASE WHEN t.kind = 'incident' THEN '`+everyLanguage+`' ELSE t.language END, s.doc
		FROM tickets t `+join+`
		WHERE `+cond+` AND `+status+` IN (?, ?) AND t.incident = 0`+order,
		append(args, string(StatusResolved), string(StatusClosed))...)
	if err != nil {
		return fmt.Errorf("known answers: tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var lang, doc string
		if err := rows.Scan(&id, &lang, &doc); err != nil {
			return fmt.Errorf("known answers: tickets: %w", err)
		}
		f(id, lang, doc)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("known answers: tickets: %w", err)
	}
	return nil
}

// reset empties the index.
func (x *knownIndex) reset() {
	x.byID, x.termID = map[int64]int32{}, map[string]int32{}
	x.tickets, x.dls, x.codes, x.langOf, x.langs, x.postings = nil, nil, nil, nil, nil, nil
}

// termCounts returns the terms of doc (separated by spaces, as the engines' documents are) with
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

// tfOf returns the frequency of the term of postings ps in the entry at slot; 0 when it has none.
func tfOf(ps []knownPosting, slot int32) int32 {
	lo, hi := 0, len(ps)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ps[m].slot < slot {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(ps) && ps[lo].slot == slot {
		return ps[lo].tf
	}
	return 0
}

// postingsOf returns term t's postings.
func (x *knownIndex) postingsOf(t string) []knownPosting {
	if i, ok := x.termID[t]; ok {
		return x.postings[i]
	}
	return nil
}

// language returns lang's place in langs, added when new.
func (x *knownIndex) language(lang string) uint16 {
	for i, l := range x.langs {
		if l == lang {
			return uint16(i)
		}
	}
	x.langs = append(x.langs, strings.Clone(lang))
	return uint16(len(x.langs) - 1)
}

// holds reports whether the entry at slot is of language lang and has the terms of doc, each as
// often: all that the index reads of a document.
func (x *knownIndex) holds(slot int32, lang, doc string) bool {
	if x.langs[x.langOf[slot]] != lang {
		return false
	}
	tf, dl := termCounts(doc)
	if int32(dl) != x.dls[slot] {
		return false
	}
	// Each of doc's terms as often in the entry, and the same length: the entry has no other.
	for t, n := range tf {
		if tfOf(x.postingsOf(t), slot) != n {
			return false
		}
	}
	return true
}

// add makes doc the live document of ticket id, the newest of the index.
func (x *knownIndex) add(id int64, lang, doc string) {
	x.remove(id)
	tf, dl := termCounts(doc)
	slot := int32(len(x.tickets))
	for t, n := range tf {
		i, ok := x.termID[t]
		if !ok {
			// A term of its own: t would hold the whole document.
			i = int32(len(x.postings))
			x.termID[strings.Clone(t)] = i
			x.postings = append(x.postings, nil)
		}
		x.postings[i] = append(x.postings[i], knownPosting{slot: slot, tf: n})
	}
	x.byID[id] = slot
	x.tickets = append(x.tickets, id)
	x.dls = append(x.dls, int32(dl))
	x.codes = append(x.codes, langCode(lang))
	x.langOf = append(x.langOf, x.language(lang))
}

// remove drops ticket id's entry: its postings stay until compact.
func (x *knownIndex) remove(id int64) {
	if slot, ok := x.byID[id]; ok {
		x.codes[slot] = 0
		delete(x.byID, id)
	}
}

// compact keeps the newest maxKnownHeld entries and drops the dead ones' postings, once they
// are as many as the live.
func (x *knownIndex) compact() {
	if len(x.byID) <= maxKnownHeld && len(x.tickets) <= 2*max(len(x.byID), maxKnownHeld/4) {
		return
	}
	// The entries kept move down, in their order: moved gives each slot's new one, -1 when
	// it is dropped.
	moved := make([]int32, len(x.tickets))
	held := 0
	for i := len(x.tickets) - 1; i >= 0; i-- {
		moved[i] = -1
		if x.codes[i] != 0 && held < maxKnownHeld {
			moved[i] = 0
			held++
		}
	}
	if held < len(x.byID) {
		x.whole = false
	}
	next := int32(0)
	for i, id := range x.tickets {
		if moved[i] < 0 {
			if x.codes[i] != 0 {
				delete(x.byID, id)
			}
			continue
		}
		moved[i] = next
		x.byID[id] = next
		x.tickets[next], x.dls[next], x.codes[next], x.langOf[next] = id, x.dls[i], x.codes[i], x.langOf[i]
		next++
	}
	x.tickets, x.dls = slices.Clone(x.tickets[:next]), slices.Clone(x.dls[:next])
	x.codes, x.langOf = slices.Clone(x.codes[:next]), slices.Clone(x.langOf[:next])
	termID, postings := make(map[string]int32, len(x.termID)), make([][]knownPosting, 0, len(x.postings))
	for t, i := range x.termID {
		ps := x.postings[i][:0]
		for _, p := range x.postings[i] {
			if s := moved[p.slot]; s >= 0 {
				ps = append(ps, knownPosting{slot: s, tf: p.tf})
			}
		}
		if len(ps) > 0 {
			termID[t] = int32(len(postings))
			postings = append(postings, ps)
		}
	}
	x.termID, x.postings = termID, postings
	x.trim()
}

// trim lets go of the room the postings grew into.
func (x *knownIndex) trim() {
	for i, ps := range x.postings {
		if cap(ps) > len(ps) {
			x.postings[i] = make([]knownPosting, len(ps))
			copy(x.postings[i], ps)
		}
	}
	x.postings = slices.Clip(x.postings)
}

// rank returns up to limit held tickets that match any of terms, of language lang ("" for all)
// and other than exclude, best first, scored as the engines score them (searchDialect.score)
// with the counts df and n. The postings of the rarest terms are walked first, the newest of
// each first, at most maxKnownWalk in all: each ticket met gets its BM25 for the terms walked,
// and the best knownRescored are scored on all of terms from their postings.
func (x *knownIndex) rank(d searchDialect, terms []string, lang string, exclude int64, limit int, df map[string]int, n int) []rankedTicket {
	if len(terms) == 0 || limit <= 0 {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// The terms' postings, and the terms by rarity.
	lists := make([][]knownPosting, len(terms))
	byRarity := make([]int, len(terms))
	for i, t := range terms {
		lists[i], byRarity[i] = x.postingsOf(t), i
	}
	sort.SliceStable(byRarity, func(i, j int) bool { return df[terms[byRarity[i]]] < df[terms[byRarity[j]]] })
	avg := d.avgLength(df, n)
	buf := scores.Get().(*[]float64)
	if len(*buf) < len(x.tickets) {
		*buf = make([]float64, len(x.tickets)+len(x.tickets)/4)
	}
	score := *buf
	var met []int32
	defer func() {
		for _, slot := range met {
			score[slot] = 0
		}
		scores.Put(buf)
	}()
	// A posting is walked when its entry's code shares a bit with the ranking's: any live
	// entry's for every language, none of a dead one's.
	code := langCode(lang)
	if lang == "" {
		code = 0xff
	}
	codes, dls := x.codes, x.dls
	walk := maxKnownWalk
	for _, j := range byRarity {
		ps := lists[j]
		idf := bm25IDF(float64(n), float64(df[terms[j]]))
		for i := len(ps) - 1; i >= 0 && walk > 0; i-- {
			walk--
			p := ps[i]
			if codes[p.slot]&code == 0 {
				continue
			}
			if score[p.slot] == 0 {
				met = append(met, p.slot)
			}
			tf := float64(p.tf)
			score[p.slot] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(dls[p.slot])/avg))
		}
	}
	// The best knownRescored by their walked terms, kept in a small sorted slice: ties go to
	// the newest, as the engines order them.
	keep := max(limit, knownRescored)
	better := func(a, b rankedTicket) bool { return a.score > b.score || (a.score == b.score && a.id > b.id) }
	top := make([]rankedTicket, 0, keep+1)
	slots := make(map[int64]int32, keep+1)
	for _, slot := range met {
		id := x.tickets[slot]
		if x.codes[slot] == 0 || id == exclude {
			continue
		}
		if l := x.langs[x.langOf[slot]]; lang != "" && l != lang && l != everyLanguage {
			continue
		}
		r := rankedTicket{id: id, score: score[slot]}
		if len(top) == keep && !better(r, top[keep-1]) {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return better(r, top[i]) })
		top = append(top, rankedTicket{})
		copy(top[i+1:], top[i:])
		top[i] = r
		if len(top) > keep {
			delete(slots, top[keep].id)
			top = top[:keep]
		}
		slots[id] = slot
	}
	out := top
	for i, r := range out {
		out[i].score = x.rescore(slots[r.id], terms, lists, df, n, avg)
	}
	sortRanked(out)
	return out[:min(len(out), limit)]
}

// rescore is searchDialect.score (termsScoreAvg) of the entry at slot, from its postings: lists
// holds the postings of terms, in their order, and avg is d.avgLength.
func (x *knownIndex) rescore(slot int32, terms []string, lists [][]knownPosting, df map[string]int, n int, avg float64) float64 {
	dl := x.dls[slot]
	score := 0.0
	for i, t := range terms {
		if slices.Index(terms[:i], t) >= 0 {
			continue // termsScoreAvg counts a word for the first of terms it is.
		}
		f := float64(tfOf(lists[i], slot))
		if f == 0 {
			continue
		}
		score += bm25IDF(float64(n), float64(df[t])) * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(dl)/avg))
	}
	return score
}

// maxKnownRare bounds the postings of the rare terms that rankDesk asks the engine for, over the
// whole desk. The engine's query is most of the cost of a ranking then: on 100,000 resolved
// tickets (BenchmarkSimilar) 0.35 ms with 30, 0.8 ms with 100.
const maxKnownRare = 30

// rankDesk is rank over the whole desk: when the index does not hold every known ticket, the
// tickets of the query's rarest terms (as many, rarest first, as are in at most maxKnownRare
// tickets together) are asked of the engine too, so that an old answer that shares a rare term
// (an error code, a program's name) is still found, and scored from their documents as rank
// scores.
func (x *knownIndex) rankDesk(ctx context.Context, q querier, d searchDialect, terms []string, lang string, exclude int64, limit int, df map[string]int, n int) ([]rankedTicket, error) {
	out := x.rank(d, terms, lang, exclude, limit, df, n)
	x.mu.RLock()
	whole := x.whole
	x.mu.RUnlock()
	if whole {
		return out, nil
	}
	rare := rarestTerms(terms, df, maxKnownRare)
	if len(rare) == 0 {
		return out, nil
	}
	// todo: the engine's filter takes an incident of another language only when the ranking is
	// for every language (knownRanked's second), where the index takes it for any.
	f := SearchFilter{Statuses: []Status{StatusResolved, StatusClosed}, Unlinked: true, Exclude: exclude, Language: lang}
	old, err := rankPending(ctx, q, d, rare, f, limit, nil)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, r := range out {
		seen[r.id] = true
	}
	for _, r := range old {
		if seen[r.id] {
			continue
		}
		doc, err := searchDoc(ctx, q, d, r.id)
		if err != nil {
			return nil, err
		}
		out = append(out, rankedTicket{id: r.id, score: d.score(strings.Join(doc, " "), terms, df, n)})
	}
	sortRanked(out)
	return out[:min(len(out), limit)], nil
}

// avgLength is the average document length the dialect's engine scores with: FTS4's matchinfo
// gives it rounded to a whole number (searchDialect.score).
func (d searchDialect) avgLength(df map[string]int, n int) float64 {
	tokens, rows := df[tokensKey]+priorRows*priorLength, max(1, n)
	avg := float64(tokens) / float64(rows)
	if d == dialectFTS4 {
		avg = float64((tokens + rows/2) / rows)
	}
	if avg <= 0 {
		avg = 1
	}
	return avg
}
