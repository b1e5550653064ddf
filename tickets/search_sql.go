package tickets

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// The SQL of the similarity engine, all of it: the full-text index of the tickets, how it is
// created, filled and kept up to date, and the ranking query. On PostgreSQL, the index and the
// ranking query are search_pg.go's (a tsvector under a GIN index, the same BM25); the counts of
// search_terms are the same.
//
// One index row per ticket, its rowid the ticket's id, one column: the analysed terms of the
// ticket's subject (subjectWeight times) and of its public messages (analyze). It is ranked with
// Okapi BM25 (k1 = 1.2, b = 0.75). SQLite offers it in two ways, and the store takes the first
// its build has:
//
//   - FTS5 and its bm25() function, when go-sqlite3 is built with the sqlite_fts5 tag (CI runs
//     the tests so);
//   - FTS4, always compiled in, with the same BM25 computed by deskd_bm25, a Go function the
//     store registers on its connections, from matchinfo(…, 'pcnalx') (the FTS5 formula: the
//     only difference is FTS4's average document length, a whole number).
//
// The two live in tables of their own (search_fts5, search_fts4); kv 'search_index' names the one
// kept up to date (and the analyser's version: a new one reindexes the desk when it opens). A binary of the other kind rebuilds its own from the tickets when it opens the
// store (one transaction), so run one kind of deskd on a database, or expect a rebuild at each
// switch. A binary without FTS5 cannot drop an FTS5 table: it leaves it, and an FTS5 binary
// rebuilds it later.

// searchDialect is how the store ranks: "fts5" or "fts4", or "tsvector" on PostgreSQL.
type searchDialect string

// Search dialects.
const (
	dialectFTS5 searchDialect = "fts5"
	dialectFTS4 searchDialect = "fts4"
)

// kvSearchIndex is the kv key naming the dialect whose table is up to date, and the analyser's
// version it holds the terms of (searchIndexValue).
const kvSearchIndex = "search_index"

// analyzerVersion changes when analyze's terms do: a desk indexed by another version is
// reindexed when the store opens it, as when it changes dialect. 2: a word whose stem is a
// stopword is kept ("Teams"), "team" is no stopword; staff text indexed (search_staff.go).
const analyzerVersion = "2"

// searchIndexValue is kv search_index's value for an index of dialect d by this analyser.
func searchIndexValue(d searchDialect) string { return string(d) + " " + analyzerVersion }

// driverName is go-sqlite3 with deskd_bm25 registered on every connection; writerDriverName is
// the same for the writer's connection, which also keeps its temporary files in memory.
const (
	driverName       = "sqlite3_deskd"
	writerDriverName = "sqlite3_deskd_writer"
)

var registerDriver sync.Once

// deskdDriver registers the store's SQLite drivers once and returns the name of the readers' or
// the writer's.
//
// The writer's temporary files are in memory (temp_store): above all the statement journal,
// which SQLite keeps for a statement that writes several b-trees and may fail halfway (an INSERT
// or UPDATE of tickets, with its indexes and triggers) and spills to a file of its own past
// 64 KiB, a file created, written and deleted by each such statement. A new ticket costs 0.3
// CPU-ms less so (BenchmarkIngestDeskSize). The readers, whose sorts may be large, keep the
// default.
func deskdDriver(writer bool) string {
	registerDriver.Do(func() {
		bm25 := func(c *sqlite3.SQLiteConn) error { return c.RegisterFunc("deskd_bm25", bm25MatchInfo, true) }
		sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: bm25})
		sql.Register(writerDriverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			if err := connExec(c, `PRAGMA temp_store = MEMORY`); err != nil {
				return err
			}
			return bm25(c)
		}})
	})
	if writer {
		return writerDriverName
	}
	return driverName
}

// BM25 parameters, those of FTS5's bm25().
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// bm25MatchInfo is BM25 from FTS4's matchinfo(t, 'pcnalx') of a one-column table: phrases p,
// columns c, rows n, average tokens a, tokens of this row l, then for each phrase the hits in
// this row, in all rows, and the rows with a hit. It is FTS5's bm25() (fts5_aux.c) without the
// minus sign: higher is better.
func bm25MatchInfo(info []byte) float64 {
	u := func(i int) float64 {
		if 4*i+4 > len(info) {
			return 0
		}
		return float64(binary.NativeEndian.Uint32(info[4*i:]))
	}
	p, c := int(u(0)), int(u(1))
	if c != 1 {
		return 0
	}
	n, avg, dl := u(2), u(3), u(4)
	if avg <= 0 {
		avg = 1
	}
	score := 0.0
	for i := range p {
		tf, hits := u(5+3*i), u(5+3*i+2)
		if tf == 0 {
			continue
		}
		score += bm25IDF(n, hits) * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*dl/avg))
	}
	return score
}

// bm25IDF is FTS5's inverse document frequency of a term found in hits of n rows.
func bm25IDF(n, hits float64) float64 {
	idf := math.Log((n - hits + 0.5) / (hits + 0.5))
	if idf <= 0 {
		idf = 1e-6
	}
	return idf
}

// fts5Available reports whether this build of SQLite has FTS5.
func fts5Available(ctx context.Context, db *sql.DB) bool {
	var on int
	err := db.QueryRowContext(ctx, `SELECT sqlite_compileoption_used('ENABLE_FTS5')`).Scan(&on)
	return err == nil && on == 1
}

// table is the dialect's index table.
func (d searchDialect) table() string { return "search_" + string(d) }

// createSQL creates the dialect's index table.
func (d searchDialect) createSQL() string {
	if d == dialectFTS5 {
		return `CREATE VIRTUAL TABLE search_fts5 USING fts5(doc, tokenize = 'unicode61')`
	}
	return `CREATE VIRTUAL TABLE search_fts4 USING fts4(doc, tokenize=unicode61)`
}

// rank is the dialect's BM25 of the current row, higher is better.
func (d searchDialect) rank() string {
	if d == dialectFTS5 {
		return `-bm25(search_fts5)`
	}
	return `deskd_bm25(matchinfo(search_fts4, 'pcnalx'))`
}

// matchQuery is the MATCH expression that asks for any of terms (which analyze made: letters and
// digits only).
func matchQuery(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, "") + `"`
	}
	return strings.Join(q, " OR ")
}

// matchAll is the MATCH expression that asks for all of terms (FTS5 and FTS4 both read terms
// side by side as AND).
func matchAll(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, "") + `"`
	}
	return strings.Join(q, " ")
}

// BM25's inverse document frequency, as FTS5 computes it, is log((N - n + 0.5) / (n + 0.5)),
// clamped to nearly 0 for a term in more than half of the N rows. On a new desk, with a dozen
// tickets, an outage's every word is in half of them: three VPN requests would score 0 against
// each other. The index therefore holds priorRows rows that no query matches (negative rowids,
// one reserved term, priorLength times): a prior of neutral documents, which keeps N large enough
// on a small desk (a term in all of 3 tickets weighs log(50.5/3.5) = 2.7) and is lost in the
// count of a large one. Both dialects hold them, so both rank alike.
const (
	priorRows   = 50
	priorLength = 30
	priorTerm   = "deskdprior"
)

// ensureSearchIndex makes the index of the store's dialect exist and be up to date: created and
// filled from the tickets when the database has none yet, had the other dialect's, or an older
// analyser's; with it, the index of staff text (search_staff.go). It fills them reindexBatch
// tickets (then events) a transaction, each of which moves a cursor in kv (kvSearchReindex) with
// the documents it wrote: the memory it takes and the log it writes are those of a batch, not of
// the desk, and a reindex interrupted (deskd stopped, crashed, the machine restarted) goes on at
// the next open from its last committed batch instead of starting again. kv search_index names
// the index once the last batch is in. It says how far it is to the logger of ctx (WithLog),
// every reindexLogEvery.
func (s *Store) ensureSearchIndex(ctx context.Context) error {
	want := searchIndexValue(s.search)
	var at reindexCursor
	done := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		have, cursor, err := searchIndexState(ctx, tx, want)
		if err != nil {
			return err
		}
		if cursor != nil {
			at = *cursor
			return nil
		}
		if have == want {
			done = true
			return nil
		}
		return s.startReindex(ctx, tx, want)
	})
	if err != nil || done {
		return err
	}
	log := logFrom(ctx)
	var total, before int64
	if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN id <= ? THEN 1 END) FROM tickets`, at.after).Scan(&total, &before); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if at.staff || at.merge {
		before = total
	}
	start := time.Now()
	if at.after > 0 || at.staff || at.merge {
		log.Info("search index: reindexing resumed", "index", want, "tickets", total, "done", before, "staff_text", at.staff, "merging", at.merge)
	} else {
		log.Info("search index: reindexing", "index", want, "tickets", total)
	}
	indexed, events, told := before, int64(0), start
	for {
		var b reindexStep
		if err := s.write(ctx, func(tx *sql.Tx) error {
			var err error
			b, err = s.backfillSearch(ctx, tx, want)
			return err
		}); err != nil {
			return err
		}
		indexed += int64(b.tickets)
		events += int64(b.events)
		if b.done {
			break
		}
		if reindexCommitted != nil {
			reindexCommitted()
		}
		if time.Since(told) >= reindexLogEvery {
			told = time.Now()
			log.Info("search index: reindexing", "index", want, "tickets", total, "done", indexed, "staff_events", events)
		}
	}
	log.Info("search index: reindexed", "index", want, "tickets", indexed, "took", time.Since(start).Round(time.Second))
	return nil
}

// kvSearchReindex is the kv key of a reindex under way: the index it builds (searchIndexValue)
// and its cursor, reindexCursor's String.
const kvSearchReindex = "search_reindex"

// reindexBatch is how many tickets (then events, for the staff text) a transaction of the
// reindex indexes: 2,000 take tens of milliseconds of CPU and a few MB of log.
var reindexBatch = 2000

// reindexLogEvery is how often the reindex logs how far it is.
const reindexLogEvery = 10 * time.Second

// reindexCommitted, when set (tests), is called after each batch of the reindex has committed,
// but the last.
var reindexCommitted func()

// reindexCursor is where a reindex is: the last ticket indexed, or, once all are, the last event
// of the staff text, or, once that is all in too, the merge of the full-text tables
// (mergeSearchStep).
type reindexCursor struct {
	staff bool
	merge bool
	after int64
}

func (c reindexCursor) String() string {
	if c.merge {
		return "merge"
	}
	if c.staff {
		return "staff " + strconv.FormatInt(c.after, 10)
	}
	return strconv.FormatInt(c.after, 10)
}

// searchIndexState reads kv: the index the store has (search_index), and where a reindex to want
// under way is, nil when none is.
func searchIndexState(ctx context.Context, tx *sql.Tx, want string) (have string, at *reindexCursor, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM kv WHERE key IN (?, ?)`, kvSearchIndex, kvSearchReindex)
	if err != nil {
		return "", nil, fmt.Errorf("search index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return "", nil, fmt.Errorf("search index: %w", err)
		}
		if key == kvSearchIndex {
			have = value
			continue
		}
		rest, ok := strings.CutPrefix(value, want+" ")
		if !ok {
			continue // Another binary's (FTS4, FTS5): this one starts its own.
		}
		var c reindexCursor
		if rest == "merge" {
			c.merge = true
			at = &c
			continue
		}
		rest, c.staff = strings.CutPrefix(rest, "staff ")
		if c.after, err = strconv.ParseInt(rest, 10, 64); err == nil {
			at = &c
		}
	}
	return have, at, rows.Err()
}

// startReindex empties the index tables, or creates them, and sets the reindex's cursor before the
// first ticket.
func (s *Store) startReindex(ctx context.Context, tx *sql.Tx, want string) error {
	if s.search == dialectPG {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS search_pg; `+pgSearchTable); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS search_fts4`); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if s.search == dialectFTS5 {
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS search_fts5`); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	if s.search != dialectPG {
		if _, err := tx.ExecContext(ctx, s.search.createSQL()); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	terms := s.dialect.pick(`CREATE TABLE IF NOT EXISTS search_terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID`,
		`CREATE TABLE IF NOT EXISTS search_terms (term TEXT COLLATE "C" PRIMARY KEY, df BIGINT NOT NULL)`)
	if _, err := tx.ExecContext(ctx, terms+`; DELETE FROM search_terms`); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	prior := strings.TrimSpace(strings.Repeat(priorTerm+" ", priorLength))
	for i := 1; i <= priorRows && s.search != dialectPG; i++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.search.table()+` (rowid, doc) VALUES (?, ?)`, -i, prior); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	if err := s.createStaffIndex(ctx, tx); err != nil { // search_staff.go
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return setReindexCursor(ctx, tx, want, reindexCursor{})
}

// setReindexCursor records where the reindex to want is.
func setReindexCursor(ctx context.Context, tx *sql.Tx, want string, at reindexCursor) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO kv (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kvSearchReindex, want+" "+at.String())
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// reindexStep is what a batch of the reindex did.
type reindexStep struct {
	tickets, events int  // Indexed.
	done            bool // Nothing is left: the index is named in kv (or another deskd on the same PostgreSQL database finished it).
}

// backfillSearch runs the next batch of the reindex to want, in tx: it indexes the next
// reindexBatch tickets and counts their terms into search_terms, or, once all tickets are, the
// staff text of the next reindexBatch events (staffBatch); it moves the cursor past them; and
// once nothing is left, it names the index in kv and drops the cursor.
func (s *Store) backfillSearch(ctx context.Context, tx *sql.Tx, want string) (reindexStep, error) {
	_, at, err := searchIndexState(ctx, tx, want)
	if err != nil || at == nil {
		return reindexStep{done: true}, err
	}
	if at.staff {
		last, n, err := s.staffBatch(ctx, tx, at.after, reindexBatch) // search_staff.go
		if err != nil {
			return reindexStep{}, err
		}
		if last != 0 {
			return reindexStep{events: n}, setReindexCursor(ctx, tx, want, reindexCursor{staff: true, after: last})
		}
		at.merge = true // On to the merge.
	}
	if at.merge {
		merged, err := s.mergeSearchStep(ctx, tx)
		if err != nil {
			return reindexStep{}, err
		}
		if !merged {
			return reindexStep{}, setReindexCursor(ctx, tx, want, reindexCursor{merge: true})
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kv WHERE key = ?`, kvSearchReindex); err != nil {
			return reindexStep{}, fmt.Errorf("search index: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO kv (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kvSearchIndex, want)
		if err != nil {
			return reindexStep{}, fmt.Errorf("search index: %w", err)
		}
		return reindexStep{done: true}, nil
	}
	type doc struct {
		id            int64
		subject, lang string
		messages      string
	}
	rows, err := tx.QueryContext(ctx, `SELECT t.id, t.subject, t.language, COALESCE((SELECT group_concat(e.text, char(10))
		FROM events e WHERE e.ticket_id = t.id AND e.kind = 'message' AND e.public != 0), '')
		FROM tickets t WHERE t.id > ? ORDER BY t.id LIMIT ?`, at.after, reindexBatch)
	if err != nil {
		return reindexStep{}, fmt.Errorf("index tickets: %w", err)
	}
	var docs []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.id, &d.subject, &d.lang, &d.messages); err != nil {
			rows.Close()
			return reindexStep{}, fmt.Errorf("index tickets: %w", err)
		}
		docs = append(docs, d)
	}
	if err := rows.Close(); err != nil {
		return reindexStep{}, fmt.Errorf("index tickets: %w", err)
	}
	if len(docs) == 0 { // On to the staff text.
		return reindexStep{}, setReindexCursor(ctx, tx, want, reindexCursor{staff: true})
	}
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	learnt, err := learntTermsOf(ctx, tx, ids) // What resolved incidents took in from their requests.
	if err != nil {
		return reindexStep{}, err
	}
	df := map[string]int{}
	for _, d := range docs {
		terms := append(append(subjectTerms(d.subject, d.lang), analyze(d.messages, d.lang)...), learnt[d.id]...)
		df[""]++ // The documents.
		df[tokensKey] += len(terms)
		for _, t := range distinct(terms, nil) {
			df[t]++
		}
		if s.search == dialectPG {
			if err := pgIndexDoc(ctx, tx, d.id, terms); err != nil {
				return reindexStep{}, err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+s.search.table()+` (rowid, doc) VALUES (?, ?)`,
			d.id, strings.Join(terms, " ")); err != nil {
			return reindexStep{}, fmt.Errorf("index ticket %d: %w", d.id, err)
		}
	}
	b, err := json.Marshal(df)
	if err != nil {
		return reindexStep{}, fmt.Errorf("index terms: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.dialect.pick(countTermsSQL, countTermsPG), string(b)); err != nil {
		return reindexStep{}, fmt.Errorf("index terms: %w", err)
	}
	return reindexStep{tickets: len(docs)}, setReindexCursor(ctx, tx, want, reindexCursor{after: docs[len(docs)-1].id})
}

// mergeStepPages is how many pages of its index FTS5 writes at most in a step of the merge that
// ends a reindex (mergeSearchStep): FTS5's leaves hold about 4 kB, so 1,000 of them are a few MB
// of log, as a batch of the reindex writes.
var mergeStepPages = 1000

// mergeSearchStep merges the segments of the full-text tables a reindex wrote into one segment a
// table, or goes on doing so, and reports whether each table holds one segment now. A reindex
// writes a segment a batch, all of them at the lowest level, where the segments of new mail come
// next: the first ingest that filled that level (automerge, FTS5's crisis merge, FTS4's 16
// segments) merged the whole index again, in one of its transactions — 35 thousand instructions
// a mail more for 1,000 new requests on a desk of 10,000 tickets (BenchmarkIngestDeskSize), and on
// a large desk a commit of seconds. Merged into one segment, the desk's index is at a level of its
// own, and new mail's segments merge among themselves until they are as large.
//
// FTS5 merges in steps of mergeStepPages ('merge' with a negative budget: every segment taken in,
// as 'optimize' does); each step is a transaction of the reindex, and one interrupted goes on from
// FTS5's own record of the merge. FTS4 has no such budget: its 'optimize' merges all at once.
// PostgreSQL's indexes need nothing.
func (s *Store) mergeSearchStep(ctx context.Context, tx *sql.Tx) (bool, error) {
	if s.search == dialectPG {
		return true, nil
	}
	merged := true
	for _, t := range []string{s.search.table(), s.search.staffTable()} {
		n, err := s.search.segments(ctx, tx, t)
		if err != nil {
			return false, err
		}
		if n <= 1 {
			continue
		}
		if s.search == dialectFTS4 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`) VALUES ('optimize')`); err != nil {
				return false, fmt.Errorf("search index: merge %s: %w", t, err)
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`, rank) VALUES ('merge', ?)`, -mergeStepPages); err != nil {
			return false, fmt.Errorf("search index: merge %s: %w", t, err)
		}
		if n, err = s.search.segments(ctx, tx, t); err != nil {
			return false, err
		}
		merged = merged && n <= 1
	}
	return merged, nil
}

// segments counts the segments of the dialect's full-text table t: the segments an FTS5 table's
// b-tree index names (each has at least its first leaf's entry), the rows of FTS4's segdir.
func (d searchDialect) segments(ctx context.Context, q querier, t string) (int, error) {
	query := `SELECT COUNT(*) FROM (SELECT DISTINCT segid FROM ` + t + `_idx)`
	if d == dialectFTS4 {
		query = `SELECT COUNT(*) FROM ` + t + `_segdir`
	}
	var n int
	if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return 0, fmt.Errorf("search index: segments of %s: %w", t, err)
	}
	return n, nil
}

// learntTermsOf returns the terms the documents of the incidents among ids took in
// (learnIncident), by incident.
func learntTermsOf(ctx context.Context, q querier, ids []int64) (map[int64][]string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = learntKey(id)
	}
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM kv WHERE key IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("incidents' terms: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return nil, fmt.Errorf("incidents' terms: %w", err)
		}
		if id, err := strconv.ParseInt(strings.TrimPrefix(key, learntPrefix), 10, 64); err == nil {
			out[id] = strings.Fields(value)
		}
	}
	return out, rows.Err()
}

// logKey is the context key of WithLog's logger.
type logKey struct{}

// WithLog returns ctx carrying log, which OpenStore tells of what it does that takes long: the
// reindex of the desk when the analyser's version changed (ensureSearchIndex).
func WithLog(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, log)
}

// logFrom is the logger of ctx (WithLog), or one that writes nothing.
func logFrom(ctx context.Context) *slog.Logger {
	if log, ok := ctx.Value(logKey{}).(*slog.Logger); ok && log != nil {
		return log
	}
	return slog.New(slog.DiscardHandler)
}

// subjectTerms are a subject's terms, subjectWeight times.
func subjectTerms(subject, lang string) []string {
	one := analyze(subject, lang)
	var out []string
	for range subjectWeight {
		out = append(out, one...)
	}
	return out
}

// indexTicket adds a new ticket's subject to the index, in the transaction that creates it.
func (t *Tx) indexTicket(tk *Ticket) error {
	terms := subjectTerms(tk.Subject, tk.Language)
	if err := t.insertDoc(tk.ID, terms); err != nil {
		return err
	}
	return t.countTerms(len(terms), append([]string{""}, distinct(terms, nil)...))
}

// insertDoc indexes a new ticket's search document, terms, and remembers it for the transaction;
// the caller counts its terms.
func (t *Tx) insertDoc(id int64, terms []string) error {
	if t.d.Store.search == dialectPG {
		if err := pgIndexDoc(context.Background(), t.tx, id, terms); err != nil {
			return fmt.Errorf("index ticket %d: %w", id, err)
		}
	} else {
		// Written with the transaction's other documents, last (pendingRows.docs).
		p := &t.pending
		if p.docAt == nil {
			p.docAt = map[int64]int{}
		}
		p.docAt[id] = len(p.docs)
		p.docs = append(p.docs, []any{id, strings.Join(terms, " ")})
	}
	t.rememberDoc(id, terms)
	return nil
}

// tokensKey is the row of search_terms that counts the terms of all documents (a term never has
// a "#").
const tokensKey = "#tokens"

// indexMessage adds a public message's text to its ticket's document, without its signature and
// disclaimers (requestTerms).
func (t *Tx) indexMessage(tk *Ticket, text string) error {
	return t.appendDoc(tk.ID, requestTerms(text, tk.Language))
}

// appendDoc adds terms to the end of ticket id's search document, and counts them. Neither
// waits for the rows of the transaction to be written: the document is read as the transaction
// holds it (pendingDoc), SQLite's is written with the documents (pendingRows.appends) and the
// counts with those of the new tickets (pendingRows.terms).
func (t *Tx) appendDoc(id int64, terms []string) error {
	if len(terms) == 0 {
		return nil
	}
	before, known := t.docs[id]
	if !known {
		var err error
		if before, err = t.pendingDoc(id); err != nil {
			return err
		}
	}
	after := append(before[:len(before):len(before)], terms...)
	p := &t.pending
	if t.d.Store.search == dialectPG {
		if err := pgIndexDoc(context.Background(), t.tx, id, after); err != nil {
			return err
		}
	} else if i, ok := p.docAt[id]; ok { // A ticket of this transaction: its row waits.
		p.docs[i][1] = p.docs[i][1].(string) + " " + strings.Join(terms, " ")
	} else {
		if p.appends == nil {
			p.appends = map[int64]string{}
		}
		if old, ok := p.appends[id]; ok {
			p.appends[id] = old + " " + strings.Join(terms, " ")
		} else {
			p.appends[id] = strings.Join(terms, " ")
		}
	}
	t.rememberDoc(id, after)
	p.countTerms(0, len(terms), distinct(terms, before))
	return nil
}

// pendingDoc reads the indexed terms of ticket id as the transaction wrote them, without writing
// what waits: the document written, then what waits of it (pendingRows.docs, appends).
func (t *Tx) pendingDoc(id int64) ([]string, error) {
	dia := t.d.Store.search
	if dia == dialectPG { // Written at once (pgIndexDoc).
		return searchDoc(context.Background(), t.tx, dia, id)
	}
	p := &t.pending
	if i, ok := p.docAt[id]; ok {
		return strings.Fields(p.docs[i][1].(string)), nil
	}
	var doc string
	switch err := t.lookup(`SELECT doc FROM `+dia.table()+` WHERE rowid = ?`, id).Scan(&doc); {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, fmt.Errorf("search document %d: %w", id, err)
	}
	if more, ok := p.appends[id]; ok {
		doc += " " + more
	}
	return strings.Fields(doc), nil
}

// rememberDoc records the indexed terms of a ticket as this transaction wrote them, so that the
// next message indexed reads them from memory instead of from the index.
func (t *Tx) rememberDoc(id int64, terms []string) {
	if t.docs == nil {
		t.docs = map[int64][]string{}
	}
	if len(t.docs) >= maxRemembered {
		clear(t.docs)
	}
	t.docs[id] = terms
}

// countTerms adds tokens to the terms of all documents (tokensKey) and one document to the
// document frequency of each of terms (the term "" counts the documents): one statement, the
// counts as a JSON object, instead of one upsert per term.
func (t *Tx) countTerms(tokens int, terms []string) error {
	counts := make(map[string]int, len(terms)+1)
	counts[tokensKey] = tokens
	for _, term := range terms {
		counts[term]++
	}
	b, err := json.Marshal(counts)
	if err != nil {
		return fmt.Errorf("count terms: %w", err)
	}
	if _, err := t.exec(t.d.Store.dialect.pick(countTermsSQL, countTermsPG), string(b)); err != nil {
		return fmt.Errorf("count terms: %w", err)
	}
	return nil
}

// The upsert of countTerms. SQLite needs the WHERE to tell the upsert from a join's ON.
const (
	countTermsSQL = `INSERT INTO search_terms (term, df) SELECT key, value FROM json_each(?) WHERE true
		ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df`
	countTermsPG = `INSERT INTO search_terms (term, df) SELECT key, CAST(value AS BIGINT) FROM json_each_text(CAST(? AS JSON))
		ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df`
)

// distinct returns the terms once each, in order, leaving out those of old.
func distinct(terms, old []string) []string {
	seen := map[string]bool{}
	for _, o := range old {
		seen[o] = true
	}
	var out []string
	for _, term := range terms {
		if !seen[term] {
			seen[term] = true
			out = append(out, term)
		}
	}
	return out
}

// docFreqs returns how many documents hold each term, and how many documents there are (the
// prior rows included, as BM25 counts them); df[tokensKey] counts the terms of all documents.
// search_terms keeps the counts: the engines' own vocabularies do not show a transaction's
// writes before it commits.
func docFreqs(ctx context.Context, q querier, terms []string) (map[string]int, int, error) {
	if len(terms) == 0 {
		return nil, 0, nil
	}
	if p, ok := q.(preparedReader); ok { // The known answers' rankings: their counts are kept (knownCounts).
		return p.x.counts.docFreqs(ctx, q, terms)
	}
	return readDocFreqs(ctx, q, terms)
}

// readDocFreqs is docFreqs read from search_terms.
func readDocFreqs(ctx context.Context, q querier, terms []string) (map[string]int, int, error) {
	args := make([]any, 0, len(terms)+2)
	args = append(args, "", tokensKey)
	for _, t := range terms {
		args = append(args, t)
	}
	rows, err := q.QueryContext(ctx, `SELECT term, df FROM search_terms WHERE term IN (?, ?`+strings.Repeat(", ?", len(terms))+`)`, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("term counts: %w", err)
	}
	defer rows.Close()
	df := map[string]int{}
	for rows.Next() {
		var term string
		var n int
		if err := rows.Scan(&term, &n); err != nil {
			return nil, 0, fmt.Errorf("term counts: %w", err)
		}
		df[term] = n
	}
	return df, df[""] + priorRows, rows.Err()
}

// countPending takes in the counts of docFreqs (df, and n, which it returns) pending, a document
// not indexed yet, as the transaction that indexes it will count it: a request's known answers
// are computed before that transaction, and measured as they would be within it.
func countPending(df map[string]int, n int, pending []string) int {
	if len(pending) == 0 || df == nil {
		return n
	}
	df[""]++
	df[tokensKey] += len(pending)
	for _, t := range distinct(pending, nil) {
		df[t]++
	}
	return n + 1
}

// searchDoc returns the indexed terms of a ticket, nil when it has none.
func searchDoc(ctx context.Context, q querier, d searchDialect, id int64) ([]string, error) {
	var doc string
	query := `SELECT doc FROM ` + d.table() + ` WHERE rowid = ?`
	if d == dialectPG {
		query = `SELECT doc FROM search_pg WHERE id = ?`
	}
	err := q.QueryRowContext(ctx, query, id).Scan(&doc)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("search document %d: %w", id, err)
	}
	return strings.Fields(doc), nil
}

// SearchFilter narrows a search: the zero value takes every ticket.
type SearchFilter struct {
	Statuses []Status // Any of these; none for all.
	Category string   // "" for all.
	Language string   // "" for all.
	Kind     string   // KindIncident or KindRequest; "" for both.
	Since    time.Time
	Linked   bool  // Only tickets linked to an incident.
	Unlinked bool  // Only tickets not linked to an incident.
	Exclude  int64 // A ticket to leave out (the one whose likes are sought).
	Incident int64 // Only the tickets linked to this incident.

	// allWords: the query is a search box's; past the candidate bound, the newest tickets with
	// every word are candidates too.
	allWords bool
}

// where is the filter as SQL over the tickets table t, with its arguments.
func (f SearchFilter) where() (string, []any) {
	var conds []string
	var args []any
	if len(f.Statuses) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
		conds = append(conds, `t.status IN (`+ph+`)`)
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if f.Category != "" {
		conds, args = append(conds, `t.category = ?`), append(args, f.Category)
	}
	if f.Language != "" {
		conds, args = append(conds, `t.language = ?`), append(args, f.Language)
	}
	if f.Kind != "" {
		conds, args = append(conds, `t.kind = ?`), append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, `t.created_at >= ?`), append(args, f.Since.Unix())
	}
	if f.Linked {
		conds = append(conds, `t.incident != 0`)
	}
	if f.Unlinked {
		conds = append(conds, `t.incident = 0`)
	}
	if f.Incident != 0 {
		conds, args = append(conds, `t.incident = ? AND t.incident != 0`), append(args, f.Incident)
	}
	if f.Exclude != 0 {
		conds, args = append(conds, `t.id != ?`), append(args, f.Exclude)
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// ownScore is a document's BM25 for its own terms, computed as the engines compute it (FTS5's
// bm25(), which deskd_bm25 repeats for FTS4), from the counts of search_terms: the score a
// ticket with the very same text gets, without asking the engine to read every term's postings.
func ownScore(doc, terms []string, df map[string]int, n int) float64 {
	tf := map[string]int{}
	for _, t := range doc {
		tf[t]++
	}
	avg := float64(df[tokensKey]+priorRows*priorLength) / float64(max(1, n))
	dl := float64(len(doc))
	score := 0.0
	for _, t := range terms {
		f := float64(tf[t])
		if f == 0 {
			continue
		}
		score += bm25IDF(float64(n), float64(df[t])) * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*dl/avg))
	}
	return score
}

// termsScore is ownScore of an indexed document (its terms separated by spaces) for terms, read
// without splitting the document: only the terms' counts and the document's length are needed.
func termsScore(doc string, terms []string, df map[string]int, n int) float64 {
	return termsScoreAvg(doc, terms, df, n, float64(df[tokensKey]+priorRows*priorLength)/float64(max(1, n)))
}

// score is termsScore as the dialect's engine computes it: FTS4's matchinfo gives the average
// document length rounded to a whole number ((tokens + rows/2) / rows, fts3_snippet.c).
func (d searchDialect) score(doc string, terms []string, df map[string]int, n int) float64 {
	if d == dialectFTS4 {
		tokens, rows := df[tokensKey]+priorRows*priorLength, max(1, n)
		return termsScoreAvg(doc, terms, df, n, float64((tokens+rows/2)/rows))
	}
	return termsScore(doc, terms, df, n)
}

// termsScoreAvg is termsScore for an average document length avg.
func termsScoreAvg(doc string, terms []string, df map[string]int, n int, avg float64) float64 {
	tf := make([]int, len(terms))
	dl := 0
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
		dl++
		for i, t := range terms {
			if t == word {
				tf[i]++
				break
			}
		}
	}
	if avg <= 0 {
		avg = 1
	}
	score := 0.0
	for i, t := range terms {
		f := float64(tf[i])
		if f == 0 {
			continue
		}
		score += bm25IDF(float64(n), float64(df[t])) * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(dl)/avg))
	}
	return score
}

// rankedTicket is one ticket a query found, with its BM25 score.
type rankedTicket struct {
	id    int64
	score float64
}

// rankTickets returns up to limit tickets that match any of terms and pass the filter, best
// first. A score is the ticket's BM25 for the terms.
//
// The engines score every ticket that matches, so on a large desk, where a query's terms are in
// tens of thousands of tickets, the query's cost would grow with the desk. When the terms are in
// more than maxPostings tickets together (pickTerms keeps a query within it but for its
// minQueryTerms most telling terms), only candidates are scored (rankCandidates).
func rankTickets(ctx context.Context, q querier, d searchDialect, terms []string, f SearchFilter, limit int) ([]rankedTicket, error) {
	return rankPending(ctx, q, d, terms, f, limit, nil)
}

// rankPending is rankTickets with the counts taking in pending, a document not indexed yet
// (countPending). The engines' own scores (FTS5's bm25(), deskd_bm25, PostgreSQL's) count the
// index as it is: they differ from the transaction's by one document in the counts.
func rankPending(ctx context.Context, q querier, d searchDialect, terms []string, f SearchFilter, limit int, pending []string) ([]rankedTicket, error) {
	if len(terms) == 0 || limit <= 0 {
		return nil, nil
	}
	if d == dialectPG {
		out, err := pgRankTickets(ctx, q, terms, f, limit)
		if err != nil || pending == nil {
			return out, err
		}
		df, n, err := docFreqs(ctx, q, terms)
		if err != nil {
			return nil, err
		}
		return rescore(ctx, q, d, out, terms, df, countPending(df, n, pending))
	}
	df, n, err := docFreqs(ctx, q, terms)
	if err != nil {
		return nil, err
	}
	n = countPending(df, n, pending)
	postings := 0
	for _, t := range terms {
		postings += df[t]
	}
	if postings > maxPostings {
		return rankCandidates(ctx, q, d, terms, f, limit, df, n, pending)
	}
	where, args := f.where()
	tbl := d.table()
	// CROSS JOIN keeps the full-text match the outer loop: SQLite would otherwise walk the
	// tickets by an index of the filter and run the match once for each.
	rows, err := q.QueryContext(ctx, `SELECT s.rowid, `+d.rank()+` AS score FROM `+tbl+` s CROSS JOIN tickets t ON t.id = s.rowid
		WHERE `+tbl+` MATCH ? AND `+where+` ORDER BY score DESC, s.rowid DESC LIMIT ?`,
		append(append([]any{matchQuery(terms)}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []rankedTicket
	for rows.Next() {
		var r rankedTicket
		if err := rows.Scan(&r.id, &r.score); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil || pending == nil {
		return out, err
	}
	return rescore(ctx, q, d, out, terms, df, n)
}

// rescore scores the tickets an engine ranked again with the counts df and n, which take in a
// pending document that the engine's own do not: as the engine in the transaction that indexes
// it would have scored them (termsScore; FTS4's average length is a whole number, there only).
func rescore(ctx context.Context, q querier, d searchDialect, ranked []rankedTicket, terms []string, df map[string]int, n int) ([]rankedTicket, error) {
	query := `SELECT doc FROM ` + d.table() + ` WHERE rowid = ?`
	if d == dialectPG {
		query = `SELECT doc FROM search_pg WHERE id = ?`
	}
	for i, r := range ranked {
		var doc string
		if err := q.QueryRowContext(ctx, query, r.id).Scan(&doc); err != nil {
			return nil, fmt.Errorf("search document %d: %w", r.id, err)
		}
		ranked[i].score = d.score(doc, terms, df, n)
	}
	sortRanked(ranked)
	return ranked, nil
}

// sortRanked orders ranked tickets best first, the newest first among equals, as the engines do.
func sortRanked(ranked []rankedTicket) {
	slices.SortStableFunc(ranked, func(a, b rankedTicket) int {
		switch {
		case a.score > b.score || a.score == b.score && a.id > b.id:
			return -1
		case b.score > a.score || a.score == b.score && b.id > a.id:
			return 1
		}
		return 0
	})
}

// The bounds of a ranking over candidates. The query's rarest terms (as many of its terms,
// rarest first, as are in at most maxCandidates tickets together) carry most of its BM25 weight:
// the engine ranks their tickets for them alone, and the best rareCandidates are candidates. So
// are the newestCandidates newest tickets that have any of the query's terms. On the labelled IT
// tickets (TestKnownAnswersCorpus, FTS5) the known answers keep their score with these bounds
// (407 of 500; 402 with candidates from at most 400 rare postings and the 400 newest).
// BenchmarkIngestDeskSize measures what the bound saves: a new request's known answers no longer
// score every resolved ticket that shares a word with it.
const (
	maxCandidates    = 2000
	rareCandidates   = 100
	newestCandidates = 200
)

// rarestTerms returns terms from the rarest up, as many as hold at most bound postings together
// (df counts the documents of each term).
func rarestTerms(terms []string, df map[string]int, bound int) []string {
	if !slices.ContainsFunc(terms, func(t string) bool { return df[t] <= bound }) {
		return nil // Not even the rarest.
	}
	byRarity := append([]string(nil), terms...)
	sort.SliceStable(byRarity, func(i, j int) bool { return df[byRarity[i]] < df[byRarity[j]] })
	var rare []string
	postings := 0
	for _, t := range byRarity {
		if postings+df[t] > bound {
			break
		}
		postings += df[t]
		rare = append(rare, t)
	}
	return rare
}

// rankCandidates is rankTickets over candidates only, scored from their documents and the counts
// of search_terms, as the engines score them (termsScore). The newest are found by a walk of the
// index, newest first, that stops at the bound and reads their documents on the way.
func rankCandidates(ctx context.Context, q querier, d searchDialect, terms []string, f SearchFilter, limit int, df map[string]int, n int, pending []string) ([]rankedTicket, error) {
	rare := rarestTerms(terms, df, maxCandidates)
	where, args := f.where()
	tbl := d.table()
	docs := map[int64]string{}
	newest := func(match string, limit int) error {
		rows, err := q.QueryContext(ctx, `SELECT s.rowid, s.doc FROM `+tbl+` s CROSS JOIN tickets t ON t.id = s.rowid
			WHERE `+tbl+` MATCH ? AND `+where+` ORDER BY s.rowid DESC LIMIT ?`,
			append(append([]any{match}, args...), limit)...)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var doc string
			if err := rows.Scan(&id, &doc); err != nil {
				return fmt.Errorf("search: %w", err)
			}
			docs[id] = doc
		}
		return rows.Err()
	}
	if len(rare) > 0 {
		// The engine scores the tickets for the rare terms alone (within maxPostings: no
		// recursion), without reading their documents; the best of them are candidates.
		best, err := rankPending(ctx, q, d, rare, f, rareCandidates, pending)
		if err != nil {
			return nil, err
		}
		for _, r := range best {
			var doc string
			if err := q.QueryRowContext(ctx, `SELECT doc FROM `+tbl+` WHERE rowid = ?`, r.id).Scan(&doc); err != nil {
				return nil, fmt.Errorf("search document %d: %w", r.id, err)
			}
			docs[r.id] = doc
		}
	}
	if len(rare) < len(terms) {
		if err := newest(matchQuery(terms), newestCandidates); err != nil {
			return nil, err
		}
		// The newest that have every term: in a search box's few common words, a ticket with
		// all of them is what is sought, however many newer tickets have one.
		if f.allWords && len(terms) > 1 {
			if err := newest(matchAll(terms), newestCandidates); err != nil {
				return nil, err
			}
		}
	}
	out := make([]rankedTicket, 0, len(docs))
	for id, doc := range docs {
		out = append(out, rankedTicket{id: id, score: d.score(doc, terms, df, n)})
	}
	sortRanked(out)
	return out[:min(len(out), limit)], nil
}

// scoreOf returns one ticket's BM25 for terms (0 when it matches none).
func scoreOf(ctx context.Context, q querier, d searchDialect, terms []string, id int64) (float64, error) {
	if len(terms) == 0 {
		return 0, nil
	}
	if d == dialectPG {
		return pgScoreOf(ctx, q, terms, id)
	}
	tbl := d.table()
	var score float64
	err := q.QueryRowContext(ctx, `SELECT `+d.rank()+` FROM `+tbl+` WHERE `+tbl+` MATCH ? AND rowid = ?`,
		matchQuery(terms), id).Scan(&score)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("score ticket %d: %w", id, err)
	}
	return score, nil
}
