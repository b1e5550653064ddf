package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The similarity engine on PostgreSQL: the same index (one document per ticket, the analysed
// terms of search_sql.go), kept in search_pg with PostgreSQL's own full-text means, and ranked
// with the same Okapi BM25 as SQLite's engines, so that a desk finds the same likes and opens the
// same incidents on either store.
//
//   - tsv, a tsvector of the document's distinct terms (array_to_tsvector: the terms are
//     analyze's already, no text search configuration parses them again), under a GIN index:
//     the match, `tsv @@ 'a' | 'b'`, reads the index's postings as FTS reads its own;
//   - tf, a JSON object of each term's count in the document, and len, its number of terms: the
//     inputs of BM25 that a tsvector keeps only up to 256 positions per term and position 16,383;
//   - the score is computed in the query from tf and len, with the inverse document frequencies
//     and the average length from search_terms (docFreqs), as ownScore does. ts_rank and
//     ts_rank_cd are no BM25 (no inverse document frequency): ranked by them, a desk's likes and
//     incidents would differ with its store.
//
// The prior rows of search_sql.go are not stored: they match nothing, and the counts that BM25
// takes of them (priorRows documents of priorLength terms) are added as ownScore adds them.

// dialectPG is the search dialect of a PostgreSQL store.
const dialectPG searchDialect = "tsvector"

// maxLexeme is the longest term a tsvector holds (PostgreSQL's limit is 2,047 bytes); a longer
// one (a long run of letters and digits, an encoded blob) is left out of tsv and is not found.
const maxLexeme = 2000

// pgSearchTable creates the index table and its GIN index.
const pgSearchTable = `CREATE TABLE search_pg (
	id BIGINT PRIMARY KEY,
	doc TEXT COLLATE "C" NOT NULL,
	len BIGINT NOT NULL,
	tf JSONB NOT NULL,
	tsv TSVECTOR NOT NULL
);
CREATE INDEX search_pg_tsv ON search_pg USING GIN (tsv)`

// pgDocArgs are the columns of search_pg for a document of terms: doc, len, tf, and the
// lexemes of tsv (space-separated).
func pgDocArgs(terms []string) (doc string, n int, tf string, lexemes string) {
	counts := map[string]int{}
	var lex []string
	for _, t := range terms {
		if counts[t] == 0 && len(t) <= maxLexeme {
			lex = append(lex, t)
		}
		counts[t]++
	}
	b, _ := json.Marshal(counts) // A map of strings to ints always marshals.
	return strings.Join(terms, " "), len(terms), string(b), strings.Join(lex, " ")
}

// pgIndexDoc writes a ticket's whole document into search_pg.
func pgIndexDoc(ctx context.Context, q execer, id int64, terms []string) error {
	doc, n, tf, lex := pgDocArgs(terms)
	_, err := q.ExecContext(ctx, `INSERT INTO search_pg (id, doc, len, tf, tsv)
		VALUES (?, ?, ?, CAST(? AS JSONB), array_to_tsvector(array_remove(string_to_array(?, ' '), '')))
		ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, len = excluded.len, tf = excluded.tf, tsv = excluded.tsv`,
		id, doc, n, tf, lex)
	if err != nil {
		return fmt.Errorf("index ticket %d: %w", id, err)
	}
	return nil
}

// execer runs a statement: a transaction or a pool.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// tsquery is the tsquery that asks for any of terms (analyze's: letters and digits only), each
// quoted so that no text search configuration reads it again.
func tsquery(terms []string) string {
	q := make([]string, 0, len(terms))
	for _, t := range terms {
		if len(t) <= maxLexeme {
			q = append(q, `'`+strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(t)+`'`)
		}
	}
	return strings.Join(q, " | ")
}

// pgBM25 is the BM25 of the search_pg row s for the terms and weights of the query's arrays
// $terms and $idfs, as ownScore computes it: avg is the average document length.
const pgBM25 = `(SELECT COALESCE(SUM(w.idf * f.tf * (1.2 + 1) / (f.tf + 1.2 * (1 - 0.75 + 0.75 * s.len / CAST(? AS DOUBLE PRECISION)))), 0)
	FROM unnest(string_to_array(?, ' '), CAST(string_to_array(?, ' ') AS DOUBLE PRECISION[])) AS w (term, idf)
	CROSS JOIN LATERAL (SELECT CAST(s.tf ->> w.term AS DOUBLE PRECISION) AS tf) f
	WHERE f.tf IS NOT NULL)`

// pgWeights returns the arguments of pgBM25 for terms: the average document length, the terms
// and their inverse document frequencies, from search_terms.
func pgWeights(ctx context.Context, q querier, terms []string) ([]any, error) {
	terms = distinct(terms, nil)
	df, n, err := docFreqs(ctx, q, terms)
	if err != nil {
		return nil, err
	}
	avg := float64(df[tokensKey]+priorRows*priorLength) / float64(max(1, n))
	idfs := make([]string, len(terms))
	for i, t := range terms {
		idfs[i] = strconv.FormatFloat(bm25IDF(float64(n), float64(df[t])), 'g', -1, 64)
	}
	return []any{avg, strings.Join(terms, " "), strings.Join(idfs, " ")}, nil
}

// pgRankTickets is rankTickets on PostgreSQL.
func pgRankTickets(ctx context.Context, q querier, terms []string, f SearchFilter, limit int) ([]rankedTicket, error) {
	match := tsquery(terms)
	if match == "" {
		return nil, nil
	}
	w, err := pgWeights(ctx, q, terms)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	where, args := f.where()
	rows, err := q.QueryContext(ctx, `SELECT s.id, `+pgBM25+` AS score FROM search_pg s JOIN tickets t ON t.id = s.id
		WHERE s.tsv @@ CAST(? AS TSQUERY) AND `+where+` ORDER BY score DESC, s.id DESC LIMIT ?`,
		append(append(append(w, match), args...), limit)...)
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
	return out, rows.Err()
}

// pgScoreOf is scoreOf on PostgreSQL.
func pgScoreOf(ctx context.Context, q querier, terms []string, id int64) (float64, error) {
	w, err := pgWeights(ctx, q, terms)
	if err != nil {
		return 0, fmt.Errorf("score ticket %d: %w", id, err)
	}
	var score float64
	err = q.QueryRowContext(ctx, `SELECT `+pgBM25+` FROM search_pg s WHERE s.id = ?`, append(w, id)...).Scan(&score)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("score ticket %d: %w", id, err)
	}
	return score, nil
}
