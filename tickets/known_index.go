package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
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
// scored again on all the query's terms from their postings (as from their documents), when the
// walk stopped short of some postings (rank).
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
	twin    []int32  // A newer entry of the same language and document, with a higher id; -1 for none.
	langs   []string // The languages met (the language detector's few codes, and everyLanguage).

	termID   map[string]int32 // Each term's place in postings.
	postings [][]knownPosting // Each term's postings, by slot.
	maxTF    []int32          // Each term's highest frequency in its postings (knownBound).
	minDL    []int32          // The length of the shortest document among each term's postings.
	blocks   [][]knownBlock   // Each term's postings by knownBlockSize, from the oldest (skip).

	// What termsOf works with: by term, 1 + its place among the terms of the document being
	// read (0 when not met); and the terms of the last document read.
	mark    []int32
	scratch []knownDocTerm

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // The read pool's statements of the rankings (reader).

	rowsMu  sync.Mutex
	rows    map[int64]knownRow // The answers' rows read since their tickets' last events (answerRows).
	rowsGen int64              // Counts the refreshes that dropped rows: a row read across one is not kept.

	counts knownCounts // The term counts of its rankings (docFreqs).
}

// forgetRows drops the rows answerRows kept of tickets ids; all of them when ids is nil.
func (x *knownIndex) forgetRows(ids []int64) {
	x.rowsMu.Lock()
	defer x.rowsMu.Unlock()
	x.rowsGen++
	if ids == nil {
		x.rows = nil
	}
	for _, id := range ids {
		delete(x.rows, id)
	}
}

// maxKnownStmts bounds the statements reader keeps: one per length of docFreqs' list of terms
// and of knownAnswerRows' list of tickets, refresh's query of events and its lists of 8 to 512
// ids; past it, a query is prepared each time.
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

// refresh brings the index up to date with the desk: loaded at the first call, then the tickets
// of the events written since the last.
//
// todo: on PostgreSQL an event id is taken before its transaction commits, so an event committed
// after a later one was read is missed; the ticket is then not found until its next event (a
// ticket that is no longer known is still left out by the answers' query, knownAnswerRows).
func (x *knownIndex) refresh(ctx context.Context, q querier, d searchDialect) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	cq := q // Through statements prepared once, on SQLite (preparedReader).
	if db, ok := q.(*sql.DB); ok {
		cq = x.reader(db, d)
	}
	if d != dialectPG { // Its rankings' counts, kept on SQLite (preparedReader).
		if err := x.counts.check(ctx, cq); err != nil {
			return err
		}
	}
	if !x.loaded {
		return x.load(ctx, q, d)
	}
	var list string
	last := x.event
	if err := cq.QueryRowContext(ctx, refreshEventsQuery(d), x.event).Scan(&list, &last); err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	last = max(last, x.event)
	touched, err := refreshTickets(list)
	if err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) > 0 {
		x.forgetRows(ids)
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		// As many ids as a power of two (at least 8), the rest the last again: the statement is
		// one of a few, prepared once (cq), where one of every length was prepared anew, most of
		// the read's cost (about 5 thousand instructions a mail, BenchmarkIngestDeskSize).
		size := paddedLen(len(chunk))
		args := make([]any, size)
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		found := map[int64]bool{}
		err := x.read(ctx, cq, d, `t.id IN (?`+strings.Repeat(", ?", size-1)+`)`, "", args, func(id int64, lang, doc string) {
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

// refreshEventsQuery is refresh's query of the events written since an event: their tickets'
// ids, one for each event, separated by commas, and the newest event's id (0 for none), in one
// row. A batch of new requests writes about four events a ticket, and each row the driver reads
// costs more than SQLite's walk of the events: an event a row cost BenchmarkIngestDeskSize
// about 10 thousand instructions a mail (a row a ticket, GROUP BY ticket_id, 3 thousand less:
// SQLite's sorter costs about as much as the rows it saves).
func refreshEventsQuery(d searchDialect) string {
	if d == dialectPG {
		return `SELECT COALESCE(string_agg(CAST(ticket_id AS TEXT), ','), ''), COALESCE(MAX(id), 0) FROM events WHERE id > ?`
	}
	return `SELECT COALESCE(group_concat(ticket_id), ''), COALESCE(MAX(id), 0) FROM events WHERE id > ?`
}

// refreshTickets is the set of the tickets of refreshEventsQuery's list.
func refreshTickets(list string) (map[int64]bool, error) {
	touched := map[int64]bool{}
	for list != "" {
		var id string
		id, list, _ = strings.Cut(list, ",")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, err
		}
		touched[n] = true
	}
	return touched, nil
}

// load fills the index with the newest known tickets.
//
// They are read oldest first, each added as it comes: the oldest held is found first, by a walk
// of the tickets alone (no document read), and no list of the documents is kept. Reading the
// newest first and adding them backwards held every document in a list; with the documents'
// terms looked up once each (termsOf) and read from the engine's content table (knownDocs),
// BenchmarkKnownIndexLoad on the desk of 10,000 seeded tickets (callgrind, 3x less 1x):
// 218.2 M → 134.1 M instructions a load (the SQL reads 78 → 55 M, the maps 74 → 23 M).
func (x *knownIndex) load(ctx context.Context, q querier, d searchDialect) error {
	x.reset()
	x.forgetRows(nil)
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&x.event); err != nil {
		return fmt.Errorf("known answers: events: %w", err)
	}
	// The newest known ticket not held: those after it are.
	var floor int64
	err := q.QueryRowContext(ctx, `SELECT t.id FROM tickets t WHERE `+d.knownStatus()+` IN (?, ?) AND t.incident = 0
		ORDER BY t.id DESC LIMIT 1 OFFSET `+fmt.Sprint(maxKnownHeld), string(StatusResolved), string(StatusClosed)).Scan(&floor)
	switch {
	case err == sql.ErrNoRows:
		x.whole = true
	case err != nil:
		return fmt.Errorf("known answers: tickets: %w", err)
	}
	err = x.read(ctx, q, d, "t.id > ?", ` ORDER BY t.id`, []any{floor}, func(id int64, lang, doc string) {
		x.add(id, lang, doc)
	})
	if err != nil {
		return err
	}
	x.compact() // More than maxKnownHeld when some became known between the two reads.
	x.trim()
	x.loaded = true
	return nil
}

// read calls f with the known tickets among those cond selects, and their documents.
func (x *knownIndex) read(ctx context.Context, q querier, d searchDialect, cond, order string, args []any, f func(id int64, lang, doc string)) error {
	// The walk goes by the tickets' ids (newest first when loading), not by the index of their
	// status: on SQLite the unary + keeps it off that index.
	doc, join := d.knownDocs()
	rows, err := q.QueryContext(ctx, `SELECT t.id, CASE WHEN t.kind = 'incident' THEN '`+everyLanguage+`' ELSE t.language END, `+doc+`
		FROM tickets t `+join+`
		WHERE `+cond+` AND `+d.knownStatus()+` IN (?, ?) AND t.incident = 0`+order,
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

// knownStatus is the tickets' status column as the known answers' reads name it: on SQLite the
// unary + keeps the walk by the tickets' ids off the index of their status.
func (d searchDialect) knownStatus() string {
	if d == dialectPG {
		return `t.status`
	}
	return `+t.status`
}

// knownDocs is the column of the tickets' documents and the join that reads it, from tickets t.
// On SQLite the engine's content table is read as a table: through the virtual table, each row's
// document costs the engine a statement of its own (FTS4 and FTS5 keep the documents so, in
// search_fts4_content's c0doc and search_fts5_content's c0, by rowid), about 1.5 k instructions
// a ticket more at 10,000 seeded tickets.
func (d searchDialect) knownDocs() (column, join string) {
	switch d {
	case dialectPG:
		return `s.doc`, `JOIN search_pg s ON s.id = t.id`
	case dialectFTS4:
		return `s.c0doc`, `CROSS JOIN ` + d.table() + `_content s ON s.docid = t.id`
	}
	return `s.c0`, `CROSS JOIN ` + d.table() + `_content s ON s.id = t.id`
}

// reset empties the index.
func (x *knownIndex) reset() {
	x.byID, x.termID = map[int64]int32{}, map[string]int32{}
	x.mark, x.scratch = nil, nil
	x.tickets, x.dls, x.codes, x.langOf, x.langs, x.postings = nil, nil, nil, nil, nil, nil
	x.twin = nil
	x.maxTF, x.minDL, x.blocks = nil, nil, nil
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
	terms, dl, ok := x.termsOf(doc, false)
	return ok && x.hasTerms(slot, terms, dl)
}

// knownDocTerm is a term of a document, by its place in the index (termID), and its frequency.
type knownDocTerm struct {
	term, tf int32
}

// termsOf returns the terms of doc (separated by spaces, as the engines' documents are) by their
// place in the index, each once with its frequency, in the order first met, and their number:
// the document's length. A term the index has not is given a place (with no postings) when
// create is true; otherwise ok is false. The terms are valid until the next call. Looking each
// word up once in termID, not counting it in a map of its own and looking that map's terms up
// after (termCounts, then sameAs, hasTerms and add each did), is most of what load saves.
func (x *knownIndex) termsOf(doc string, create bool) (terms []knownDocTerm, dl int32, ok bool) {
	terms = x.scratch[:0]
	ok = true
	for rest := doc; rest != ""; {
		word := rest
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			word, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if word == "" {
			continue
		}
		id, found := x.termID[word]
		if !found {
			if !create {
				ok = false
				break
			}
			id = x.newTerm(word)
		}
		if int(id) >= len(x.mark) {
			x.mark = append(x.mark, make([]int32, int(id)+1-len(x.mark)+len(x.mark)/4)...)
		}
		if k := x.mark[id]; k > 0 {
			terms[k-1].tf++
		} else {
			terms = append(terms, knownDocTerm{term: id, tf: 1})
			x.mark[id] = int32(len(terms))
		}
		dl++
	}
	for _, t := range terms {
		x.mark[t.term] = 0
	}
	x.scratch = terms
	if !ok {
		return nil, 0, false
	}
	return terms, dl, true
}

// newTerm gives term t a place in the index, with no postings.
func (x *knownIndex) newTerm(t string) int32 {
	i := int32(len(x.postings))
	x.termID[strings.Clone(t)] = i
	x.postings = append(x.postings, nil)
	x.maxTF, x.minDL = append(x.maxTF, 0), append(x.minDL, math.MaxInt32)
	x.blocks = append(x.blocks, nil)
	return i
}

// hasTerms reports whether the entry at slot has the terms (termsOf), each as often, and length dl.
func (x *knownIndex) hasTerms(slot int32, terms []knownDocTerm, dl int32) bool {
	if dl != x.dls[slot] {
		return false
	}
	// Each of the terms as often in the entry, and the same length: the entry has no other.
	for _, t := range terms {
		if tfOf(x.postings[t.term], slot) != t.tf {
			return false
		}
	}
	return true
}

// knownTwinScan bounds the postings sameAs looks at.
const knownTwinScan = 64

// sameAs returns the newest live entry of language lang (in langs) whose document has the terms
// tf, each as often, and length dl; -1 when there is none among the newest knownTwinScan
// postings of the rarest of the terms.
func (x *knownIndex) sameAs(terms []knownDocTerm, dl int32, lang uint16) int32 {
	var rarest []knownPosting
	var rarestTF int32
	for _, t := range terms {
		ps := x.postings[t.term]
		if len(ps) == 0 {
			return -1 // A term no entry has.
		}
		if rarest == nil || len(ps) < len(rarest) {
			rarest, rarestTF = ps, t.tf
		}
	}
	for k := len(rarest) - 1; k >= max(0, len(rarest)-knownTwinScan); k-- {
		p := rarest[k]
		if p.tf == rarestTF && x.codes[p.slot] != 0 && x.dls[p.slot] == dl && x.langOf[p.slot] == lang && x.hasTerms(p.slot, terms, dl) {
			return p.slot
		}
	}
	return -1
}

// add makes doc the live document of ticket id, the newest of the index.
func (x *knownIndex) add(id int64, lang, doc string) {
	x.remove(id)
	terms, dl, _ := x.termsOf(doc, true)
	slot := int32(len(x.tickets))
	li := x.language(lang)
	if older := x.sameAs(terms, dl, li); older >= 0 && x.tickets[older] < id {
		x.twin[older] = slot
	}
	for _, t := range terms {
		i, n := t.term, t.tf
		x.postings[i] = append(x.postings[i], knownPosting{slot: slot, tf: n})
		x.maxTF[i], x.minDL[i] = max(x.maxTF[i], n), min(x.minDL[i], int32(dl))
		x.blocks[i] = addToBlocks(x.blocks[i], len(x.postings[i])-1, n, int32(dl), id)
	}
	x.byID[id] = slot
	x.tickets = append(x.tickets, id)
	x.dls = append(x.dls, int32(dl))
	x.codes = append(x.codes, langCode(lang))
	x.langOf = append(x.langOf, li)
	x.twin = append(x.twin, -1)
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
	twin := make([]int32, next)
	for i, tw := range x.twin {
		if s := moved[i]; s >= 0 {
			twin[s] = -1
			if tw >= 0 {
				twin[s] = moved[tw]
			}
		}
	}
	x.twin = twin
	termID, postings := make(map[string]int32, len(x.termID)), make([][]knownPosting, 0, len(x.postings))
	maxTF, minDL := make([]int32, 0, len(x.postings)), make([]int32, 0, len(x.postings))
	blocks := make([][]knownBlock, 0, len(x.postings))
	for t, i := range x.termID {
		ps := x.postings[i][:0]
		most, least := int32(0), int32(math.MaxInt32)
		for _, p := range x.postings[i] {
			if s := moved[p.slot]; s >= 0 {
				ps = append(ps, knownPosting{slot: s, tf: p.tf})
				most, least = max(most, p.tf), min(least, x.dls[s])
			}
		}
		if len(ps) > 0 {
			termID[t] = int32(len(postings))
			postings = append(postings, ps)
			maxTF, minDL = append(maxTF, most), append(minDL, least)
			blocks = append(blocks, x.blocksOf(ps))
		}
	}
	x.termID, x.postings, x.maxTF, x.minDL, x.blocks = termID, postings, maxTF, minDL, blocks
	x.trim()
}

// trim lets go of the room the postings grew into.
func (x *knownIndex) trim() {
	for i, ps := range x.postings {
		if cap(ps) > len(ps) {
			x.postings[i] = make([]knownPosting, len(ps))
			copy(x.postings[i], ps)
		}
		if bs := x.blocks[i]; cap(bs) > len(bs) {
			x.blocks[i] = slices.Clone(bs)
		}
	}
	x.postings, x.maxTF, x.minDL = slices.Clip(x.postings), slices.Clip(x.maxTF), slices.Clip(x.minDL)
	x.blocks = slices.Clip(x.blocks)
}

// knownBlockSize is how many postings of a term a knownBlock sums up.
const knownBlockSize = 64

// knownBlock is what skip needs to know of knownBlockSize postings of a term to pass over them
// at once: their highest frequency, the length of their shortest document and the highest
// ticket id among their entries (dead ones too).
type knownBlock struct {
	maxTF, minDL int32
	maxID        int64
}

// addToBlocks takes the posting at i (the newest) of a term, of frequency tf in an entry of
// length dl for ticket id, into the term's blocks bs.
func addToBlocks(bs []knownBlock, i int, tf, dl int32, id int64) []knownBlock {
	if i%knownBlockSize == 0 {
		return append(bs, knownBlock{maxTF: tf, minDL: dl, maxID: id})
	}
	b := &bs[len(bs)-1]
	b.maxTF, b.minDL, b.maxID = max(b.maxTF, tf), min(b.minDL, dl), max(b.maxID, id)
	return bs
}

// blocksOf returns the blocks of postings ps, sized exactly.
func (x *knownIndex) blocksOf(ps []knownPosting) []knownBlock {
	bs := make([]knownBlock, 0, (len(ps)+knownBlockSize-1)/knownBlockSize)
	for i, p := range ps {
		bs = addToBlocks(bs, i, p.tf, x.dls[p.slot], x.tickets[p.slot])
	}
	return bs
}

// rank returns up to limit held tickets that match any of terms, of language lang ("" for all)
// and other than exclude, best first, scored as the engines score them (searchDialect.score)
// with the counts df and n. The postings of the rarest terms are walked first, the newest of
// each first, at most maxKnownWalk in all: each ticket met gets its BM25 for the terms walked,
// and the best knownRescored are scored on all of terms from their postings.
//
// When the walk reaches every posting of each of terms (each term once), the walk's score of a
// ticket is its score on all of terms: added in the query's order, as rescore adds it, it is the
// same to the last bit, and the best limit by it are the best limit of all, which the walk then
// keeps alone (a higher threshold sooner, fewer tickets looked up and put among the best). On the
// bench's desks most requests are so (their three terms in 250 to 2,000 postings each):
// BenchmarkKnownRank under callgrind, 175.1 → 86.2 thousand instructions a ranking (2000x less
// 1000x); TestKnownRankPruned compares with rankFull, which keeps knownRescored.
//
// The walk does not score every posting it may walk: the best knownRescored by the walked terms
// are found by MaxScore (Turtle and Flood, 1995), the same as by scoring all (TestKnownRankPruned
// compares them with rankFull, the walk as it was). Each term has a bound on what it adds to a
// ticket's score (knownBound); once the knownRescored-th best score so far is above what the
// terms of the smallest bounds could add together, a ticket that has only those terms can no
// longer be among the best: they are no longer walked, only looked up in (seek) for the tickets
// the other terms meet (best), nor for a ticket that cannot beat the best however much of them it
// holds (bound: most of the benchmarks' tickets, of the very text of the best). No accumulator
// by slot either: a ranking allocates only what it returns. BenchmarkKnownRank under callgrind:
// 249 thousand instructions a ranking (271 without bound, 257 without knownMemo), against 413
// with every posting scored; BenchmarkKnownAnswersDeskSize at 10,000 tickets, 415 thousand a
// request against 560 (489 without knownMemo).
//
// Nor for a ticket whose twin (an entry of the same document, newer, with a higher id) is not
// among the best (dominated), nor, when one term is walked, for a block of postings whose bound
// cannot reach the threshold (blockOut); and a ticket among the best whose twin is too takes
// its rescored score. BenchmarkKnownAnswersDeskSize at 10,000 tickets, the known answers of one
// request: 208 → 133 thousand instructions (250x less 50x, callgrind); the index's first load
// costs some 45 million more (sameAs). A new request, the whole ingest (BenchmarkNewRequestsDeskSize,
// 2x less 1x): 836k / 1,027k instructions at 0 / 10,000 tickets before (+23 %), 834k / 944k /
// 956k at 0 / 10,000 / 100,000 after (+13 %, +15 %).
func (x *knownIndex) rank(d searchDialect, terms []string, lang string, exclude int64, limit int, df map[string]int, n int) []rankedTicket {
	if len(terms) == 0 || limit <= 0 {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	r := knownRankings.Get().(*knownRanking)
	defer func() {
		clear(r.terms) // Not to keep postings that compact dropped.
		for _, c := range r.top {
			r.inTop[c.slot] = false
		}
		knownRankings.Put(r)
	}()
	r.reset(len(terms))
	if len(r.inTop) < len(x.tickets) {
		r.inTop = make([]bool, len(x.tickets)+len(x.tickets)/4)
	}
	avg := d.avgLength(df, n)
	// The terms' postings, and the terms by rarity; of each, the newest postings the walk reaches.
	for i, t := range terms {
		r.byRarity[i], r.dfs[i] = i, df[t]
		r.terms[i] = knownTerm{idf: bm25IDF(float64(n), float64(r.dfs[i])), first: slices.Index(terms[:i], t) < 0, kept: knownKept{block: -1}}
		if id, ok := x.termID[t]; ok {
			r.terms[i].all, r.terms[i].maxTF, r.terms[i].blocks = x.postings[id], x.maxTF[id], x.blocks[id]
			r.terms[i].bound = knownBound(r.terms[i].idf, x.maxTF[id], x.minDL[id], avg)
		}
	}
	slices.SortStableFunc(r.byRarity, func(i, j int) int { return cmp.Compare(r.dfs[i], r.dfs[j]) })
	walk := maxKnownWalk
	whole := true // Every term once, and all its postings walked.
	for _, j := range r.byRarity {
		t := &r.terms[j]
		w := min(len(t.all), walk)
		walk -= w
		t.walked, t.off = t.all[len(t.all)-w:], len(t.all)-w
		t.at = len(t.walked) - 1
		whole = whole && t.first && w == len(t.all)
	}
	// The walk's score of a ticket is then rescore's, to the last bit, when it adds the terms'
	// parts in the query's order: the best limit by it are the best limit of all.
	keep := max(limit, knownRescored)
	r.sumOrder = r.byRarity
	if whole {
		keep = limit
		r.sumOrder = r.inOrder[:len(terms)]
		for i := range r.sumOrder {
			r.sumOrder[i] = i
		}
	}
	// The languages a ticket may be of.
	r.langOK = r.langOK[:0]
	for _, l := range x.langs {
		r.langOK = append(r.langOK, lang == "" || l == lang || l == everyLanguage)
	}
	top := x.best(r, lang, exclude, keep, avg)
	out := make([]rankedTicket, len(top))
	for i, c := range top {
		out[i] = rankedTicket{id: c.id, score: -1}
		// A twin's score is its own (the same terms, as often, and length): the best of a
		// request are often many tickets of the same text.
		if tw := x.twin[c.slot]; tw >= 0 {
			for k := range i {
				if top[k].slot == tw {
					out[i].score = out[k].score
					break
				}
			}
		}
		if out[i].score < 0 {
			out[i].score = x.rescore(c.slot, r.terms, avg)
		}
	}
	sortRanked(out)
	return out[:min(len(out), limit)]
}

// knownRanking is what a ranking works with, kept for the next (knownRankings): a ranking
// allocates only the tickets it returns.
type knownRanking struct {
	terms    []knownTerm
	byRarity []int         // The terms, rarest first.
	dfs      []int         // By term: its count of documents.
	inOrder  []int         // The terms in the query's order.
	sumOrder []int         // The order the walk adds the terms' parts of a score in: byRarity or inOrder.
	byBound  []int         // The terms but the rarest, smallest bound first (best).
	bounds   []float64     // bounds[i]: the sum of the bounds of a run's first i terms.
	langOK   []bool        // By language of the index: a ticket of it is ranked.
	top      []knownSlot   // The best so far.
	inTop    []bool        // By slot: among top.
	memo     [16]knownMemo // Bounds of one run, by length (knownSearch.run).
}

var knownRankings = sync.Pool{New: func() any { return new(knownRanking) }}

// reset makes r ready for a ranking of m terms.
func (r *knownRanking) reset(m int) {
	r.terms = slices.Grow(r.terms[:0], m)[:m]
	r.byRarity = slices.Grow(r.byRarity[:0], m)[:m]
	r.dfs = slices.Grow(r.dfs[:0], m)[:m]
	r.inOrder = slices.Grow(r.inOrder[:0], m)[:m]
	r.byBound = slices.Grow(r.byBound[:0], m)
	r.top = r.top[:0]
}

// knownTerm is a query term in a ranking.
type knownTerm struct {
	all    []knownPosting // Its postings.
	walked []knownPosting // The newest of them, which the walk reaches.
	blocks []knownBlock   // Its blocks (of all).
	off    int            // The place in all of walked[0].
	kept   knownKept      // The block of walked that skip last found it could not pass over.
	at     int            // The next of walked, from the newest down; -1 past the oldest.
	idf    float64
	maxTF  int32   // Its highest frequency in its postings.
	bound  float64 // At least what it adds to any ticket's score (knownBound).
	pos    int     // Its place in the order of the run (knownSearch.run); -1 when not in it.
	met    bool    // The ticket being scored has it, and score says what it adds.
	first  bool    // Not met before among the terms (rescore counts a term once).
	score  float64 // What it adds to the ticket being scored; 0 when it is not in it.
}

// knownSlot is a ticket among the best of a ranking, by its slot.
type knownSlot struct {
	id    int64
	slot  int32
	score float64
}

// knownSlack is how much more than its bound a score may seem to be from rounding: a bound and
// a score are sums of the same few terms (at most maxQueryTerms, each of a few operations whose
// relative rounding is 2⁻⁵³), in other orders; 1e-9 is millions of times what they can differ by.
// A ticket is left out only when its bound with this slack is below the threshold.
const knownSlack = 1e-9

// bm25Term is what a term of inverse document frequency idf adds to the BM25 of a document of
// dl terms that holds it tf times, for an average length avg: the one expression the walk and
// rescore compute, so that their scores are the same to the last bit.
func bm25Term(idf, tf float64, dl int32, avg float64) float64 {
	return idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(dl)/avg))
}

// knownBound is the most a term of inverse document frequency idf adds to a ticket's score when
// none of its postings has more than maxTF of it nor is of a document shorter than minDL: BM25's
// term grows with the frequency and shrinks with the length.
func knownBound(idf float64, maxTF, minDL int32, avg float64) float64 {
	return bm25Term(idf, float64(maxTF), minDL, avg)
}

// best returns the keep best tickets by the walked postings of r's terms (the score the walk
// gives them, ties to the highest id), in no particular order. It goes twice over the tickets,
// by MaxScore: first those of the rarest term (whose walk is the shortest, and whose tickets are
// the likeliest to be the best), with the others looked up in; then, with the best of those to
// beat from the start, the tickets of the other terms that the rarest does not have.
func (x *knownIndex) best(r *knownRanking, lang string, exclude int64, keep int, avg float64) []knownSlot {
	code := langCode(lang)
	if lang == "" {
		code = 0xff
	}
	s := knownSearch{x: x, r: r, code: code, exclude: exclude, keep: keep, avg: avg}
	rarest := -1
	for _, j := range r.byRarity {
		if len(r.terms[j].walked) > 0 {
			rarest = j
			break
		}
	}
	if rarest < 0 {
		return nil
	}
	// The terms by bound, the rarest last: it alone is walked.
	order := r.byBound[:0]
	for j := range r.terms {
		if j != rarest {
			order = append(order, j)
		}
	}
	sort.Slice(order, func(i, j int) bool { return r.terms[order[i]].bound < r.terms[order[j]].bound })
	s.run(append(order, rarest), len(order), len(order), -1)
	// The others' tickets, but the rarest's.
	for j := range r.terms {
		r.terms[j].at = len(r.terms[j].walked) - 1
	}
	s.run(order, 0, len(order), rarest)
	return r.top
}

// knownSearch is a run of best.
type knownSearch struct {
	x         *knownIndex
	r         *knownRanking
	code      uint8 // A ticket's code shares a bit with it (langCode).
	exclude   int64
	keep      int
	avg       float64
	threshold float64 // The keep-th best score so far; 0 until keep tickets are met.
}

// beaten reports whether a ticket whose score is at most bound cannot be among the best.
func (s *knownSearch) beaten(bound float64) bool {
	return bound*(1+knownSlack) < s.threshold
}

// run is MaxScore over the tickets that the terms order (of r.terms, the smallest bound first)
// walk to, but those that term not (-1 for none) walks to, the newest first. The terms
// order[:lookup] are only looked up in: lookup is at least from, and grows with the threshold
// up to most while together they cannot lift a ticket to it.
func (s *knownSearch) run(order []int, from, most, not int) {
	x, r := s.x, s.r
	r.bounds = append(r.bounds[:0], 0)
	for j := range r.terms {
		r.terms[j].pos = -1
	}
	for i, j := range order {
		r.bounds = append(r.bounds, r.bounds[i]+r.terms[j].bound)
		r.terms[j].pos = i
	}
	lookup := from
	for lookup < most && s.beaten(r.bounds[lookup+1]) {
		lookup++
	}
	clear(r.memo[:])
	for {
		if lookup > 0 && lookup == len(order)-1 && len(r.top) == s.keep {
			s.skip(&r.terms[order[lookup]], lookup)
		}
		// The next ticket: the newest that a walked term meets.
		slot := int32(-1)
		for _, j := range order[lookup:] {
			if t := &r.terms[j]; t.at >= 0 && t.walked[t.at].slot > slot {
				slot = t.walked[t.at].slot
			}
		}
		if slot < 0 {
			return
		}
		id := x.tickets[slot]
		ok := x.codes[slot]&s.code != 0 && id != s.exclude && r.langOK[x.langOf[slot]]
		if ok && len(r.top) == s.keep && s.dominated(slot) {
			ok = false
		}
		if ok && not >= 0 {
			ok = r.terms[not].seek(slot) == 0
		}
		// One term walked: a ticket's bound is that of the last of the same frequency
		// of it and length.
		var memo *knownMemo
		if ok && lookup > 0 && lookup == len(order)-1 && len(r.top) == s.keep {
			t := &r.terms[order[lookup]]
			k := knownMemo{tf: t.walked[t.at].tf, dl: x.dls[slot], lookup: int32(lookup)}
			if memo = &r.memo[uint32(k.dl)%uint32(len(r.memo))]; memo.tf == k.tf && memo.dl == k.dl && memo.lookup == k.lookup {
				if !s.enters(id, memo.ub) {
					t.at--
					continue
				}
				memo = nil
			} else {
				*memo = k
			}
		}
		score := 0.0
		for _, j := range order[lookup:] {
			t := &r.terms[j]
			if t.at >= 0 && t.walked[t.at].slot == slot {
				if ok {
					t.score = bm25Term(t.idf, float64(t.walked[t.at].tf), x.dls[slot], s.avg)
					t.met = true
					score += t.score
				}
				t.at--
			}
		}
		if !ok {
			continue
		}
		// The other terms, the largest bound first, while the ticket may still reach threshold.
		in := !s.beaten(score + r.bounds[lookup])
		if in && lookup > 0 && len(r.top) == s.keep {
			ub := s.bound(x.dls[slot], lookup)
			if memo != nil {
				memo.ub = ub
			}
			in = s.enters(id, ub)
		} else if memo != nil {
			memo.tf = 0 // Not bounded.
		}
		for i := lookup - 1; i >= 0 && in; i-- {
			t := &r.terms[order[i]]
			if tf := t.seek(slot); tf > 0 {
				t.score = bm25Term(t.idf, float64(tf), x.dls[slot], s.avg)
				t.met = true
				score += t.score
			}
			in = !s.beaten(score + r.bounds[i])
		}
		if in {
			// The walk's score: the terms' in sumOrder.
			score = 0
			for _, j := range r.sumOrder {
				score += r.terms[j].score
			}
			if s.add(knownSlot{id: id, slot: slot, score: score}) {
				for lookup < most && s.beaten(r.bounds[lookup+1]) {
					lookup++
				}
			}
		}
		for j := range r.terms {
			r.terms[j].score, r.terms[j].met = 0, false
		}
	}
}

// skip moves the walk of t, the one term walked (order[lookup] of run, with the best as many as
// kept), past the postings that run would pass over without a change but to t.at: tickets of
// another language or excluded, and those whose bound a memo gives (knownMemo) that cannot
// enter. It stops at the first other, which run then takes as it did: the tickets it passes
// are what a ranking meets most (76 % of them at 10,000 seeded tickets), and run costs each
// about 115 instructions to pass over, this loop about 25. It does not look the ticket up in
// the term run leaves out (not): that one is only left out by it, and a seek skipped costs
// nothing to the later ones (seek only goes down, from wherever it is).
func (s *knownSearch) skip(t *knownTerm, lookup int) {
	x, r := s.x, s.r
	for ; t.at >= 0; t.at-- {
		if b := (t.at + t.off) / knownBlockSize; b != t.kept.block || t.kept.threshold != s.threshold || t.kept.last != r.top[s.keep-1].id || t.kept.lookup != lookup {
			if s.blockOut(t, &t.blocks[b], lookup) {
				t.at = max(b*knownBlockSize-t.off, 0) // Below the block, once the loop steps down.
				continue
			}
			t.kept = knownKept{block: b, lookup: lookup, threshold: s.threshold, last: r.top[s.keep-1].id}
		}
		p := t.walked[t.at]
		if x.codes[p.slot]&s.code == 0 || !r.langOK[x.langOf[p.slot]] {
			continue
		}
		id := x.tickets[p.slot]
		if id == s.exclude || s.dominated(p.slot) {
			continue
		}
		dl := x.dls[p.slot]
		if m := &r.memo[uint32(dl)%uint32(len(r.memo))]; m.tf == p.tf && m.dl == dl && m.lookup == int32(lookup) && !s.enters(id, m.ub) {
			continue
		}
		return
	}
}

// knownKept is a block that skip could not pass over, and the state it found so in: the terms
// looked up, the threshold and the last of the best.
type knownKept struct {
	block, lookup int
	threshold     float64
	last          int64
}

// blockOut reports whether none of the tickets of block b of t, the one term walked (skip), can
// enter: the most any of them may score is bound's sum with the block's highest frequency of t
// and its shortest length, each part at least the ticket's own (BM25's term grows with the
// frequency and shrinks with the length), so at least its bound to the last bit; and the newest
// of them is older than the last of the best when that sum only equals the threshold. On the
// bench's desks most of a term's postings are tickets of the very text of the best.
func (s *knownSearch) blockOut(t *knownTerm, b *knownBlock, lookup int) bool {
	r := s.r
	ub := 0.0
	for _, j := range r.sumOrder {
		u := &r.terms[j]
		switch {
		case u == t:
			ub += bm25Term(u.idf, float64(b.maxTF), b.minDL, s.avg)
		case u.pos >= 0 && u.pos < lookup:
			ub += bm25Term(u.idf, float64(u.maxTF), b.minDL, s.avg)
		}
	}
	return ub < s.threshold || (ub == s.threshold && b.maxID <= r.top[s.keep-1].id)
}

// Whether a ticket may still be among the best once its terms order[:lookup] of the run (not
// looked up yet) are, when the best are as many as kept: bound, then enters.
//
// bound is the most the walk's score of the ticket of dl terms, whose walked terms met are
// scored, may be: the sum, in the order of the walk's score (sumOrder), of what the
// terms met add and what the others could add to a ticket of its length (knownBound at dl, with
// their highest frequency); a term walked that did not meet it adds nothing. Each part is at
// least the part of the walk's score (the same expression, with a frequency at most the highest
// and the same length; 0 for a term it has not), and rounding keeps the order of two sums of
// parts in the same order: the bound is at least the score to the last bit, without knownSlack.
// So a ticket whose bound is below the threshold, or equal to it with an older id than the
// last of the best (which wins a tie, better), cannot enter. On a desk like the benchmark's a
// request has many tickets of the very same text as the best: on 10,000 seeded tickets
// (BenchmarkKnownAnswersDeskSize), 79 % of the tickets a ranking meets are left so without
// looking the other terms up (65 % score exactly the threshold).
func (s *knownSearch) bound(dl int32, lookup int) float64 {
	r := s.r
	ub := 0.0
	for _, j := range r.sumOrder {
		t := &r.terms[j]
		switch {
		case t.met:
			ub += t.score
		case t.pos >= 0 && t.pos < lookup:
			ub += bm25Term(t.idf, float64(t.maxTF), dl, s.avg)
		}
	}
	return ub
}

// dominated reports, with the best as many as kept, whether the entry at slot cannot be among
// them because its twin (knownIndex.twin), live and not excluded, is not: the walk met the twin
// before it (its postings are newer, of the same terms), and its walk's score is at least the
// entry's (the same parts, or 0 where the entry's posting is past the walk) with a higher id, so
// the entry is not better than the twin, which is not better than the last of the best (it was
// passed over or put out: the best only get better). On the bench's desks most of the tickets
// a ranking meets are of the very text of the best; a twin of one of the best is looked at.
func (s *knownSearch) dominated(slot int32) bool {
	x := s.x
	tw := x.twin[slot]
	if tw < 0 || x.codes[tw] == 0 || x.tickets[tw] == s.exclude {
		return false
	}
	return !s.r.inTop[tw]
}

// enters reports whether the ticket id whose bound is ub may enter.
func (s *knownSearch) enters(id int64, ub float64) bool {
	return ub > s.threshold || (ub == s.threshold && id > s.r.top[s.keep-1].id)
}

// knownMemo is a ticket's bound when one term is walked, by what it depends on then:
// the frequency of that term in the ticket, its length, and the terms looked up (lookup); tf 0
// for none.
type knownMemo struct {
	tf, dl, lookup int32
	ub             float64
}

// add puts c among the best when it is one, and reports whether the threshold rose.
func (s *knownSearch) add(c knownSlot) bool {
	top := s.r.top
	if len(top) == s.keep && !c.better(top[s.keep-1]) {
		return false
	}
	i := sort.Search(len(top), func(i int) bool { return c.better(top[i]) })
	top = slices.Insert(top, i, c)
	s.r.inTop[c.slot] = true
	if len(top) > s.keep {
		s.r.inTop[top[s.keep].slot] = false
		top = top[:s.keep]
	}
	s.r.top = top
	if len(top) < s.keep || top[s.keep-1].score == s.threshold {
		return false
	}
	s.threshold = top[s.keep-1].score
	return true
}

// better orders the tickets of a ranking: the higher score first, the newest among equals.
func (c knownSlot) better(o knownSlot) bool {
	return c.score > o.score || (c.score == o.score && c.id > o.id)
}

// seek moves t's walk down to slot, and returns the term's frequency there; 0 when it is not
// there (or not walked). The walk only goes down: a gallop, then a binary search.
func (t *knownTerm) seek(slot int32) int32 {
	ps := t.walked
	if t.at < 0 {
		return 0
	}
	if ps[t.at].slot > slot {
		// Gallop down to lo, at or below slot (-1 for below all), then halve (lo, hi].
		hi, step := t.at, 1
		lo := hi - step
		for lo >= 0 && ps[lo].slot > slot {
			hi, step = lo, 2*step
			lo = hi - step
		}
		lo = max(lo, -1)
		for hi-lo > 1 {
			if mid := int(uint(lo+hi) >> 1); ps[mid].slot > slot {
				hi = mid
			} else {
				lo = mid
			}
		}
		t.at = lo
		if lo < 0 {
			return 0
		}
	}
	if ps[t.at].slot < slot {
		return 0
	}
	t.at--
	return ps[t.at+1].tf
}

// rescore is searchDialect.score (termsScoreAvg) of the entry at slot, from its postings: terms
// are the query's, in its order, and avg is d.avgLength.
func (x *knownIndex) rescore(slot int32, terms []knownTerm, avg float64) float64 {
	dl := x.dls[slot]
	score := 0.0
	for _, t := range terms {
		if !t.first {
			continue // termsScoreAvg counts a word for the first of terms it is.
		}
		if f := tfOf(t.all, slot); f != 0 {
			score += bm25Term(t.idf, float64(f), dl, avg)
		}
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
