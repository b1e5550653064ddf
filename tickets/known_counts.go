package tickets

import (
	"context"
	"fmt"
	"sync"
)

// knownCounts keeps the term counts the known answers' rankings read (docFreqs, through the
// index's reader), as search_terms held them at one moment, its stamp: the documents, their
// terms and the index's name in kv. Every change of a count adds a document or terms to the
// totals (countTerms: a term is counted with the terms it adds; a reindex empties the counts and
// names the index again), and counts never go down: two reads of the same stamp saw the same
// counts. refresh, before each batch, reads the stamp and empties the counts when it changed; a
// ranking asks search_terms only for the terms not kept, with the stamp, and when that changed
// too (another process wrote), reads all its terms anew and keeps them at the new stamp. So a
// ranking's counts are one moment's, as docFreqs' one query gave them, at the latest the batch's
// refresh. The requests of a batch share most of their words: docFreqs' query cost a new
// request 115 thousand instructions on the empty desk, 127 on 10,000 seeded tickets; kept, a
// new request costs 982k -> 932k instructions on the empty desk, 1,201k -> 1,155k on 10,000
// tickets (BenchmarkNewRequestsDeskSize under callgrind, 2x less 1x: each batch reads its
// stamp, and the terms its first requests meet).
type knownCounts struct {
	mu    sync.Mutex
	stamp knownStamp
	df    map[string]int // By term, 0 for a term no document has; nil until a stamp is read.
}

// knownStamp is what tells one state of search_terms from another.
type knownStamp struct {
	docs, tokens int
	index        string
}

// maxKnownCounts bounds the terms kept: past it, they are read anew.
const maxKnownCounts = 50_000

// check reads the stamp, and empties the counts when it changed.
func (c *knownCounts) check(ctx context.Context, q querier) error {
	st, err := readStamp(ctx, q)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.df == nil || st != c.stamp || len(c.df) > maxKnownCounts {
		c.stamp, c.df = st, map[string]int{}
	}
	return nil
}

// forget empties the counts until the next check.
func (c *knownCounts) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.df = nil
}

// readStamp reads search_terms' stamp.
func readStamp(ctx context.Context, q querier) (knownStamp, error) {
	var st knownStamp
	rows, err := q.QueryContext(ctx, `SELECT term, df, '' FROM search_terms WHERE term IN (?, ?)
		UNION ALL SELECT 'kv', 0, value FROM kv WHERE key = ?`, "", tokensKey, kvSearchIndex)
	if err != nil {
		return st, fmt.Errorf("term counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var term, value string
		var n int
		if err := rows.Scan(&term, &n, &value); err != nil {
			return st, fmt.Errorf("term counts: %w", err)
		}
		switch term {
		case "":
			st.docs = n
		case tokensKey:
			st.tokens = n
		default:
			st.index = value
		}
	}
	return st, rows.Err()
}

// docFreqs is the package's docFreqs from the counts kept, and search_terms for the others.
func (c *knownCounts) docFreqs(ctx context.Context, q querier, terms []string) (map[string]int, int, error) {
	df := make(map[string]int, len(terms)+2)
	var missing []string
	c.mu.Lock()
	kept, stamp := c.df != nil, c.stamp
	for _, t := range terms {
		if n, ok := c.df[t]; ok {
			if n != 0 {
				df[t] = n
			}
		} else {
			missing = append(missing, t)
		}
	}
	c.mu.Unlock()
	if !kept {
		return readDocFreqs(ctx, q, terms)
	}
	if len(missing) == 0 {
		df[""], df[tokensKey] = stamp.docs, stamp.tokens
		return df, stamp.docs + priorRows, nil
	}
	read, n, err := readDocFreqs(ctx, q, missing)
	if err != nil {
		return nil, 0, err
	}
	if read[""] != stamp.docs || read[tokensKey] != stamp.tokens {
		// Written since: all anew, kept at the new counts once refresh reads their stamp.
		c.forget()
		return readDocFreqs(ctx, q, terms)
	}
	c.mu.Lock()
	if c.df != nil && c.stamp == stamp {
		for _, t := range missing {
			c.df[t] = read[t]
		}
	}
	c.mu.Unlock()
	for t, v := range read {
		df[t] = v
	}
	return df, n, nil
}
