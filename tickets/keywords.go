package tickets

import (
	"slices"
	"strings"
	"sync/atomic"
)

// keywordTable is a configuration's category keywords ready for matching: each folded and
// stemmed once (terms), and indexed by its first term, so that a request's words are looked up
// once each instead of every keyword being matched at every word (countSeq), each behind a lock
// of a shared cache. It is never changed once made: any number of requests read it at once.
// On the sample configuration (24 keywords), 12,250 + ~6,000 instructions a request in rulesOf
// and its cache lookups before, ~2,000 after (BenchmarkPrepareRequest under callgrind).
type keywordTable struct {
	cats     []Category         // What it was made of (keywordsOf compares).
	keywords []keywordTerms     // Every category's, in order; an entry's terms may be empty.
	from     []int              // Category i's are keywords[from[i]:from[i+1]].
	byFirst  map[string][]int32 // Indexes in keywords of those with this first term, ascending.
}

// keywordTerms is a configured keyword and its terms.
type keywordTerms struct {
	text  string
	terms []string
}

// keywordTables holds the table of the categories last matched: a desk has one configuration at
// a time (a reload makes another, which replaces it).
var keywordTables atomic.Pointer[keywordTable]

// keywordsOf returns the table of cats, made now when the one held is of other categories.
func keywordsOf(cats []Category) *keywordTable {
	if t := keywordTables.Load(); t != nil && t.of(cats) {
		return t
	}
	t := &keywordTable{cats: slices.Clone(cats), from: make([]int, 0, len(cats)+1), byFirst: map[string][]int32{}}
	for i := range t.cats {
		t.cats[i].Keywords = slices.Clone(cats[i].Keywords)
	}
	for _, c := range cats {
		t.from = append(t.from, len(t.keywords))
		for _, k := range c.Keywords {
			kw := terms(k)
			for i := range kw {
				kw[i] = strings.Clone(kw[i])
			}
			if len(kw) > 0 {
				t.byFirst[kw[0]] = append(t.byFirst[kw[0]], int32(len(t.keywords)))
			}
			t.keywords = append(t.keywords, keywordTerms{text: k, terms: kw})
		}
	}
	t.from = append(t.from, len(t.keywords))
	keywordTables.Store(t)
	return t
}

// of reports whether the table was made of these categories' names and keywords.
func (t *keywordTable) of(cats []Category) bool {
	if len(t.cats) != len(cats) {
		return false
	}
	for i, c := range cats {
		if c.Name != t.cats[i].Name || !slices.Equal(c.Keywords, t.cats[i].Keywords) {
			return false
		}
	}
	return true
}

// rulesOf is classifyByRules of the subject's and the text's terms: every category scored by
// its keywords found, those in the subject twice, best first (of equal scores, the one with the
// longest keyword found first); categories without a hit left out.
func rulesOf(cats []Category, subj, body []string) []ruleScore {
	t := keywordsOf(cats)
	var countBuf [64]int
	counts := countBuf[:0]
	if len(t.keywords) > len(countBuf) {
		counts = make([]int, len(t.keywords))
	} else {
		counts = countBuf[:len(t.keywords)]
	}
	// Occurrences of each keyword's terms in a run of words, counted weight times.
	count := func(ws []string, weight int) {
		for i, w := range ws {
			for _, k := range t.byFirst[w] {
				if kw := t.keywords[k].terms; i+len(kw) <= len(ws) && slices.Equal(ws[i:i+len(kw)], kw) {
					counts[k] += weight
				}
			}
		}
	}
	count(subj, 2)
	count(body, 1)

	var out []ruleScore
	var hitBuf [8][]string
	hitTerms := hitBuf[:0] // The terms of rs.hits.
	for ci, c := range cats {
		rs := ruleScore{category: c.Name}
		hitTerms = hitTerms[:0]
		for k := t.from[ci]; k < t.from[ci+1]; k++ {
			kw, n := t.keywords[k].terms, counts[k]
			if n == 0 || slices.ContainsFunc(hitTerms, func(h []string) bool { return slices.Equal(h, kw) }) {
				continue // Two spellings of one keyword ("receipt", "receipts") count once.
			}
			rs.score += n
			rs.longest = max(rs.longest, len(kw))
			rs.hits = append(rs.hits, t.keywords[k].text)
			hitTerms = append(hitTerms, kw)
		}
		if rs.score > 0 {
			out = append(out, rs)
		}
	}
	slices.SortStableFunc(out, func(a, b ruleScore) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return b.longest - a.longest
	})
	return out
}
