package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// What staff wrote on a ticket — their answers, resolution notes and internal notes (events
// reply and note not written by the desk itself, whose own notes stay out: no cost on ingest) — is
// searched by the desk's search box, which only staff use: a past answer is the best place to
// find how a problem was fixed. It is kept out of the similarity index (search_sql.go), whose
// documents are what requesters wrote, so that incidents and known answers compare requests
// with requests. It has an index of its own, of analyze's terms, one row per ticket: in
// search_staff_fts5 or search_staff_fts4 on SQLite, search_staff_tsvector on PostgreSQL. A ticket
// is found there when its staff text has every word of the query; what it says is never shown
// (the search shows a resolved ticket's public resolution note, as before).

// staffTable is the dialect's table of staff text.
func (d searchDialect) staffTable() string { return "search_staff_" + string(d) }

// staffCreateSQL creates the dialect's table of staff text.
func (d searchDialect) staffCreateSQL() string {
	switch d {
	case dialectFTS5:
		return `CREATE VIRTUAL TABLE search_staff_fts5 USING fts5(doc, tokenize = 'unicode61')`
	case dialectFTS4:
		return `CREATE VIRTUAL TABLE search_staff_fts4 USING fts4(doc, tokenize=unicode61)`
	}
	return `CREATE TABLE search_staff_tsvector (id BIGINT PRIMARY KEY, tsv TSVECTOR NOT NULL);
		CREATE INDEX search_staff_tsvector_tsv ON search_staff_tsvector USING GIN (tsv)`
}

// createStaffIndex creates the store's table of staff text, empty, when the search index is
// rebuilt (ensureSearchIndex); staffBatch fills it.
func (s *Store) createStaffIndex(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS `+s.search.staffTable()); err != nil {
		return fmt.Errorf("staff index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.search.staffCreateSQL()); err != nil {
		return fmt.Errorf("staff index: %w", err)
	}
	return nil
}

// staffBatch indexes what staff wrote in the next events after event after, limit events at
// most, and returns the last event it read (0 when none was left) and how many it read. The
// events are read in the order of their ids, from after: the kind, concatenated to an empty
// string, keeps the planner off the index of kinds, which read and sorted every answer of the
// desk for each batch (SQLite: 1,000 events a second at 1,000,000 tickets).
func (s *Store) staffBatch(ctx context.Context, tx *sql.Tx, after int64, limit int) (int64, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.ticket_id, t.language, e.text FROM events e JOIN tickets t ON t.id = e.ticket_id
		WHERE e.id > ? AND (e.kind || '') IN (?, ?) AND e.actor <> ? ORDER BY e.id LIMIT ?`, after, EventReply, EventNote, ActorDesk, limit)
	if err != nil {
		return 0, 0, fmt.Errorf("staff index: %w", err)
	}
	docs := map[int64][]string{}
	var ids []int64
	last, n := int64(0), 0
	for rows.Next() {
		n++
		var id int64
		var lang, text string
		if err := rows.Scan(&last, &id, &lang, &text); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("staff index: %w", err)
		}
		if _, ok := docs[id]; !ok {
			ids = append(ids, id)
		}
		docs[id] = append(docs[id], analyze(text, lang)...)
	}
	if err := rows.Close(); err != nil {
		return 0, 0, fmt.Errorf("staff index: %w", err)
	}
	for _, id := range ids {
		if err := appendStaffDoc(ctx, tx, s.search, id, docs[id]); err != nil {
			return 0, 0, err
		}
	}
	return last, n, nil
}

// indexStaff adds what staff wrote on a ticket to its staff document.
func (t *Tx) indexStaff(tk *Ticket, text string) error {
	t.flushFor(t.d.Store.search.staffTable())
	return appendStaffDoc(context.Background(), t.tx, t.d.Store.search, tk.ID, analyze(text, tk.Language))
}

// appendStaffDoc adds terms to the end of ticket id's staff document, creating it.
func appendStaffDoc(ctx context.Context, q execer, dia searchDialect, id int64, terms []string) error {
	if len(terms) == 0 {
		return nil
	}
	if dia == dialectPG {
		var lex []string
		for _, t := range distinct(terms, nil) {
			if len(t) <= maxLexeme {
				lex = append(lex, t)
			}
		}
		_, err := q.ExecContext(ctx, `INSERT INTO search_staff_tsvector (id, tsv)
			VALUES (?, array_to_tsvector(array_remove(string_to_array(?, ' '), '')))
			ON CONFLICT (id) DO UPDATE SET tsv = search_staff_tsvector.tsv || excluded.tsv`, id, strings.Join(lex, " "))
		if err != nil {
			return fmt.Errorf("staff index of ticket %d: %w", id, err)
		}
		return nil
	}
	doc := strings.Join(terms, " ")
	res, err := q.ExecContext(ctx, `UPDATE `+dia.staffTable()+` SET doc = doc || ' ' || ? WHERE rowid = ?`, doc, id)
	if err != nil {
		return fmt.Errorf("staff index of ticket %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO `+dia.staffTable()+` (rowid, doc) VALUES (?, ?)`, id, doc); err != nil {
		return fmt.Errorf("staff index of ticket %d: %w", id, err)
	}
	return nil
}

// staffMatches returns the newest tickets, at most limit, whose staff text has every one of
// terms.
func staffMatches(ctx context.Context, q querier, dia searchDialect, terms []string, limit int) ([]int64, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	var query string
	var arg string
	if dia == dialectPG {
		query = `SELECT id FROM search_staff_tsvector WHERE tsv @@ CAST(? AS tsquery) ORDER BY id DESC LIMIT ?`
		arg = strings.ReplaceAll(tsquery(terms), " | ", " & ")
	} else {
		query = `SELECT rowid FROM ` + dia.staffTable() + ` WHERE ` + dia.staffTable() + ` MATCH ? ORDER BY rowid DESC LIMIT ?`
		arg = matchAll(terms)
	}
	rows, err := q.QueryContext(ctx, query, arg, limit)
	if err != nil {
		return nil, fmt.Errorf("search staff text: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// withStaffMatches adds to found, after it, the tickets whose staff text has every word of the
// query and that pass the filter's statuses and category, at most limit in all. Staff text is
// analysed in its ticket's language, and a query of a word or two says little of its own: the
// query is read in French and in English.
func withStaffMatches(ctx context.Context, q querier, dia searchDialect, query string, f SearchFilter, found []Match, limit int) ([]Match, error) {
	if len(found) >= limit {
		return found, nil
	}
	var ids []int64
	var asked [][]string
	for _, lang := range []string{"fr", "en"} {
		terms := distinct(analyze(query, lang), nil)
		if slices.ContainsFunc(asked, func(a []string) bool { return slices.Equal(a, terms) }) {
			continue
		}
		asked = append(asked, terms)
		more, err := staffMatches(ctx, q, dia, terms, limit)
		if err != nil {
			return nil, err
		}
		for _, id := range more {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) }) // The newest first.
	var more []rankedTicket
	for _, id := range ids {
		if !slices.ContainsFunc(found, func(m Match) bool { return m.ID == id }) {
			more = append(more, rankedTicket{id: id})
		}
	}
	ms, err := matches(ctx, q, more, 0)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if len(found) >= limit {
			break
		}
		if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, Status(m.Status)) || f.Category != "" && m.Category != f.Category {
			continue
		}
		found = append(found, m)
	}
	return found, nil
}
