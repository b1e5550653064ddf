package tickets

import (
	"context"
	"fmt"
	"strings"
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
	df    map[string]*knownCount // By term, 0 for a term no document has; nil until a stamp is read.
	gen   uint32                 // Counts the checks.
	asked []string               // The terms a ranking asked for since the last check (refill).
}

// knownCount is a term's count kept, and the last check before a ranking asked for it.
type knownCount struct {
	df  int
	gen uint32
}

// knownStamp is what tells one state of search_terms from another.
type knownStamp struct {
	docs, tokens int
	index        string
}

// maxKnownCounts bounds the terms kept: past it, they are read anew.
const maxKnownCounts = 50_000

// maxKnownRefill bounds the terms check reads again with the stamp.
const maxKnownRefill = 4_000

// check reads the stamp, and when it changed keeps the counts of the terms asked for since the
// last check, read again with it in one statement (one moment's counts, as docFreqs' one query
// gives them): the next batch's requests ask for most of the words of the last one's. Each
// batch's transaction changes the stamp (it counts its new tickets' terms), and the rankings of
// a batch read again the terms of its first requests, a query each (about 23 a batch of 50 on
// the bench's desks); one query of them all instead. BenchmarkNewRequestsDeskSize (callgrind,
// 2x less 1x), a new request at 0 / 10,000 / 100,000 tickets: 704.2k / 813.9k / 828.0k → 692.1k /
// 801.9k / 819.4k instructions, about the same on every desk.
func (c *knownCounts) check(ctx context.Context, q querier) error {
	c.mu.Lock()
	var again []string
	if c.df != nil && len(c.df) <= maxKnownCounts && len(c.asked) <= maxKnownRefill {
		again = c.asked
	}
	c.asked = nil
	c.gen++
	c.mu.Unlock()
	st, read, err := readCounts(ctx, q, again)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.df != nil && st == c.stamp && len(c.df) <= maxKnownCounts {
		return nil
	}
	c.stamp, c.df = st, make(map[string]*knownCount, len(again))
	for _, t := range again {
		c.df[t] = &knownCount{df: read[t]}
	}
	return nil
}

// paddedLen is the length an IN list of n values is padded to: a power of two, at least 8, so
// that its statements are a few, each prepared once (knownIndex.reader).
func paddedLen(n int) int {
	size := 8
	for size < n {
		size *= 2
	}
	return size
}

// readCounts reads search_terms' stamp and the counts of terms, in one statement: the rows found,
// as readDocFreqs returns them (a term no document has is not among them, nor "" and tokensKey
// on a desk that never counted any), and the stamp they are of.
func readCounts(ctx context.Context, q querier, terms []string) (knownStamp, map[string]int, error) {
	var st knownStamp
	// As many terms as a power of two (at least 8), the rest "" again: the statement is one of a
	// few, prepared once (knownIndex.reader), where one of every length was prepared anew, a
	// fifth of check's cost (about 300 thousand instructions a batch, BenchmarkNewRequestsDeskSize
	// under callgrind). An IN list matches a row once, however often it names its term.
	size := paddedLen(len(terms))
	args := make([]any, 0, size+3)
	args = append(args, "", tokensKey)
	for _, t := range terms {
		args = append(args, t)
	}
	for range size - len(terms) {
		args = append(args, "")
	}
	args = append(args, kvSearchIndex)
	rows, err := q.QueryContext(ctx, `SELECT term, df, 0 FROM search_terms WHERE term IN (?, ?`+strings.Repeat(", ?", size)+`)
		UNION ALL SELECT value, 0, 1 FROM kv WHERE key = ?`, args...)
	if err != nil {
		return st, nil, fmt.Errorf("term counts: %w", err)
	}
	defer rows.Close()
	read := make(map[string]int, len(terms)+2)
	for rows.Next() {
		var term string
		var n int
		var kv bool
		if err := rows.Scan(&term, &n, &kv); err != nil {
			return st, nil, fmt.Errorf("term counts: %w", err)
		}
		switch {
		case kv:
			st.index = term
			continue
		case term == "":
			st.docs = n
		case term == tokensKey:
			st.tokens = n
		}
		read[term] = n
	}
	return st, read, rows.Err()
}

// docFreqs is the package's docFreqs from the counts kept, and search_terms for the others.
func (c *knownCounts) docFreqs(ctx context.Context, q querier, terms []string) (map[string]int, int, error) {
	df := make(map[string]int, len(terms)+2)
	var missing []string
	c.mu.Lock()
	kept, stamp := c.df != nil, c.stamp
	for _, t := range terms {
		if e := c.df[t]; e != nil {
			if e.gen != c.gen {
				e.gen = c.gen
				c.asked = append(c.asked, t)
			}
			if e.df != 0 {
				df[t] = e.df
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
		// Written since: all anew, one moment's counts, and kept at that moment (moved).
		return c.moved(ctx, q, terms, stamp)
	}
	c.mu.Lock()
	if c.df != nil && c.stamp == stamp {
		for _, t := range missing {
			if c.df[t] == nil { // Not read meanwhile by another ranking.
				c.df[t] = &knownCount{df: read[t], gen: c.gen}
				c.asked = append(c.asked, t)
			}
		}
	}
	c.mu.Unlock()
	for t, v := range read {
		df[t] = v
	}
	return df, n, nil
}

// moved is docFreqs when a ranking found search_terms written since the stamp kept (was):
// terms are read anew, with their stamp, and when that is newer than the one kept (the same
// index, more documents or terms: counts never go down), their counts are kept at it in place
// of the others, for the next rankings. With the ingest pipelined, a batch's rankings run while
// the last batch's transaction commits: the first ranking to meet a term not kept then finds a
// new stamp. The counts were forgotten instead, and every later ranking of the batch read all
// its terms (and the next batch's check read none again): on a desk of 10,000 tickets, 247
// reads of search_terms for 1,786 requests. A ranking's counts are still one moment's, at
// the latest its batch's refresh: those of its one query, or those kept at one stamp.
func (c *knownCounts) moved(ctx context.Context, q querier, terms []string, was knownStamp) (map[string]int, int, error) {
	st, df, err := readCounts(ctx, q, terms)
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.df == nil || c.stamp != was:
		// Forgotten, or moved by another ranking meanwhile: left as it is.
	case st.index == was.index && (st.docs > was.docs || st.docs == was.docs && st.tokens > was.tokens):
		c.stamp, c.df = st, make(map[string]*knownCount, len(terms))
		for _, t := range terms {
			if c.df[t] == nil {
				c.df[t] = &knownCount{df: df[t], gen: c.gen}
				c.asked = append(c.asked, t)
			}
		}
	default:
		c.df, c.asked = nil, nil // Reindexed: read anew from the next check.
	}
	return df, df[""] + priorRows, nil
}
