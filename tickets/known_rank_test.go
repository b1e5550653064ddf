package tickets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/internal/underrace"
)

// rankFull is knownIndex.rank as it was before MaxScore: every posting the walk reaches is
// scored, in accumulators by slot, and the best knownRescored of all the tickets met are scored
// again on all the terms. TestKnownRankPruned compares rank with it.
func (x *knownIndex) rankFull(d searchDialect, terms []string, lang string, exclude int64, limit int, df map[string]int, n int) []rankedTicket {
	if len(terms) == 0 || limit <= 0 {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	lists := make([][]knownPosting, len(terms))
	byRarity := make([]int, len(terms))
	for i, t := range terms {
		lists[i], byRarity[i] = x.postingsOf(t), i
	}
	sort.SliceStable(byRarity, func(i, j int) bool { return df[terms[byRarity[i]]] < df[terms[byRarity[j]]] })
	avg := d.avgLength(df, n)
	score := make([]float64, len(x.tickets))
	var met []int32
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
		slot, dl, s := slots[r.id], x.dls[slots[r.id]], 0.0
		for k, t := range terms {
			if slices.Index(terms[:k], t) >= 0 {
				continue
			}
			f := float64(tfOf(lists[k], slot))
			if f == 0 {
				continue
			}
			s += bm25IDF(float64(n), float64(df[t])) * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(dl)/avg))
		}
		out[i].score = s
	}
	sortRanked(out)
	return out[:min(len(out), limit)]
}

// rankDocs are the documents of a generated desk, by ticket id, each with its language.
type rankDocs struct {
	doc  map[int64]string
	lang map[int64]string
}

// fill adds docs to x as tickets 1, 2, …, of the languages langs in turn, then replaces (a
// ticket resolved again: an older id in a newer slot) and removes some, as the desk's events
// do, compacting as refresh does.
func (rd *rankDocs) fill(x *knownIndex, r *rand.Rand, docs []string, langs []string) {
	x.reset()
	rd.doc, rd.lang = map[int64]string{}, map[int64]string{}
	put := func(id int64, lang, doc string) {
		rd.doc[id], rd.lang[id] = doc, lang
		x.add(id, lang, doc)
	}
	for i, doc := range docs {
		put(int64(i+1), langs[i%len(langs)], doc)
		if i%97 == 96 {
			x.compact()
		}
	}
	for range len(docs) / 5 {
		id := int64(1 + r.IntN(len(docs)))
		if r.IntN(3) == 0 {
			x.remove(id)
			delete(rd.doc, id)
			continue
		}
		put(id, langs[r.IntN(len(langs))], docs[r.IntN(len(docs))])
	}
	x.compact()
}

// counts returns the document frequencies of the held documents' terms and their number, as
// search_terms counts them, on a desk scale times as large (every term in scale times as many
// documents, and a few more or fewer): a desk holds more tickets than the index.
func (rd *rankDocs) counts(r *rand.Rand, scale int) (map[string]int, int) {
	df := map[string]int{tokensKey: 0}
	for _, doc := range rd.doc {
		tf, dl := termCounts(doc)
		df[tokensKey] += scale * dl
		for w := range tf {
			df[w] += scale
		}
	}
	if scale > 1 {
		for w, c := range df {
			if w != tokensKey {
				df[w] = c + r.IntN(scale)
			}
		}
	}
	return df, scale*len(rd.doc) + priorRows
}

// rankQueries compares rank with rankFull on queries of the words of vocab, in every language
// and with one held ticket excluded or none, on the counts of rd at several desk scales.
func rankQueries(t *testing.T, x *knownIndex, rd *rankDocs, r *rand.Rand, queries [][]string) {
	t.Helper()
	ids := make([]int64, 0, len(rd.doc))
	for id := range rd.doc {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	compared, ranked := 0, 0
	for _, scale := range []int{1, 10} {
		df, n := rd.counts(r, scale)
		for qi, terms := range queries {
			for _, d := range []searchDialect{dialectFTS4, dialectFTS5} {
				lang := []string{"fr", "en", "de", ""}[qi%4]
				exclude := int64(0)
				if qi%3 == 0 && len(ids) > 0 {
					exclude = ids[r.IntN(len(ids))]
				}
				limit := []int{1, 3, 5, 10, 40}[qi%5]
				got := x.rank(d, terms, lang, exclude, limit, df, n)
				want := x.rankFull(d, terms, lang, exclude, limit, df, n)
				compared++
				if len(want) > 0 {
					ranked++
				}
				if len(got) != len(want) {
					t.Fatalf("%v %q lang %q limit %d exclude #%d (scale %d): %d ranked, want %d\ngot  %v\nwant %v",
						d, terms, lang, limit, exclude, scale, len(got), len(want), got, want)
				}
				for i := range want {
					if got[i].id != want[i].id || math.Float64bits(got[i].score) != math.Float64bits(want[i].score) {
						t.Fatalf("%v %q lang %q limit %d exclude #%d (scale %d): #%d is %v, want %v\ngot  %v\nwant %v",
							d, terms, lang, limit, exclude, scale, i+1, got[i], want[i], got, want)
					}
				}
			}
		}
	}
	if ranked < compared/2 {
		t.Fatalf("only %d of %d rankings found tickets", ranked, compared)
	}
	t.Logf("%d rankings compared, %d found tickets", compared, ranked)
}

// rankQuery draws a query from the words of docs: a few of a document's own (as a request like
// it would ask), and others drawn anywhere, a word twice or one that no document has.
func rankQuery(r *rand.Rand, docs []string) []string {
	var terms []string
	own := strings.Fields(docs[r.IntN(len(docs))])
	for range 1 + r.IntN(maxQueryTerms) {
		switch k := r.IntN(10); {
		case k < 6:
			terms = append(terms, own[r.IntN(len(own))])
		case k < 8:
			other := strings.Fields(docs[r.IntN(len(docs))])
			terms = append(terms, other[r.IntN(len(other))])
		case k < 9 && len(terms) > 0:
			terms = append(terms, terms[r.IntN(len(terms))])
		default:
			terms = append(terms, fmt.Sprintf("absent%d", r.IntN(5)))
		}
	}
	return terms
}

// TestKnownRankPruned: the MaxScore ranking of the known answers' index returns the very
// tickets, in the same order and with the same scores to the last bit, as scoring every posting
// the walk reaches (rankFull), on generated desks: words of Zipf-like frequencies and documents
// of many lengths, the bench's requests (many tickets alike, scores tied), and the labelled IT
// tickets when the corpora are there; tickets of several languages, replaced and removed.
func TestKnownRankPruned(t *testing.T) {
	langs := []string{"fr", "en", "fr", "de", everyLanguage, "en"}
	t.Run("zipf", func(t *testing.T) {
		r := rand.New(rand.NewPCG(20, 1))
		word := func() string {
			return fmt.Sprintf("w%d", int(3000*r.Float64()*r.Float64()*r.Float64()))
		}
		docs := make([]string, maxKnownHeld+maxKnownHeld/4)
		for i := range docs {
			var ws []string
			for range 2 + r.IntN(60) {
				w := word()
				for range 1 + r.IntN(3)*r.IntN(2) {
					ws = append(ws, w)
				}
			}
			docs[i] = strings.Join(ws, " ")
		}
		var x knownIndex
		var rd rankDocs
		rd.fill(&x, r, docs, langs)
		queries := make([][]string, underrace.Rounds(400))
		for i := range queries {
			queries[i] = rankQuery(r, docs)
		}
		rankQueries(t, &x, &rd, r, queries)
	})
	t.Run("bench", func(t *testing.T) {
		r := rand.New(rand.NewPCG(20, 2))
		var docs []string
		var queries [][]string
		for i := int64(1); i <= maxKnownHeld; i++ {
			lang := []string{"fr", "en"}[i%2]
			subject, body, _ := bench.Topic(i, lang)
			docs = append(docs, strings.Join(append(subjectTerms(subject, lang), analyze(body, lang)...), " "))
			if i%25 == 0 {
				p := bench.Requester("k", i)
				subject, body, _ := bench.Topic(i*31+7, p.Language)
				queries = append(queries, append(subjectTerms(subject, p.Language), analyze("Bonjour,\n\n"+body, p.Language)...))
			}
		}
		var x knownIndex
		var rd rankDocs
		rd.fill(&x, r, docs, []string{"fr", "en", "fr", "en", everyLanguage})
		// As knownRanked asks: the telling terms of each request, on the counts.
		queries = underrace.Sample(queries)
		df, n := rd.counts(r, 10)
		for i, q := range queries {
			queries[i] = pickTerms(q, df, n)
		}
		rankQueries(t, &x, &rd, r, queries)
	})
	t.Run("corpus", func(t *testing.T) {
		examples := loadITCorpus(t)
		r := rand.New(rand.NewPCG(20, 3))
		var docs []string
		for _, e := range examples[:min(len(examples), maxKnownHeld)] {
			if doc := analyze(e.text, "en"); len(doc) > 0 {
				docs = append(docs, strings.Join(doc, " "))
			}
		}
		var x knownIndex
		var rd rankDocs
		rd.fill(&x, r, docs, langs)
		df, n := rd.counts(r, 1)
		queries := make([][]string, underrace.Rounds(300))
		for i := range queries {
			q := examples[len(examples)-1-i]
			queries[i] = pickTerms(analyze(q.text, "en"), df, n)
		}
		rankQueries(t, &x, &rd, r, queries)
	})
}

// TestKnownRankWholeWalk: when the walk reaches every posting of the query's terms, rank keeps
// only the best limit (not knownRescored) and returns what rankFull returns, the very tickets in
// the same order with the same scores to the last bit: on small desks of few words, short
// documents and frequencies of 1 to 3, where many tickets tie or nearly tie, and on desks large
// enough that the walk stops short for some queries.
func TestKnownRankWholeWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 5))
	whole, cut := 0, 0
	for desk := range underrace.Rounds(24) {
		vocab := 5 + r.IntN(40)
		docs := make([]string, 50+r.IntN([]int{400, 6000}[desk%2]))
		for i := range docs {
			var ws []string
			for range 1 + r.IntN(8) {
				w := fmt.Sprintf("w%d", int(float64(vocab)*r.Float64()*r.Float64()))
				for range 1 + r.IntN(3)*r.IntN(2) {
					ws = append(ws, w)
				}
			}
			docs[i] = strings.Join(ws, " ")
		}
		var x knownIndex
		var rd rankDocs
		rd.fill(&x, r, docs, []string{"fr", "en", "fr", everyLanguage})
		queries := make([][]string, 60)
		for i := range queries {
			seen := map[string]bool{}
			for range 1 + r.IntN(6) {
				w := fmt.Sprintf("w%d", r.IntN(vocab+2))
				if !seen[w] {
					seen[w] = true
					queries[i] = append(queries[i], w)
				}
			}
			postings := 0
			for _, w := range queries[i] {
				postings += len(x.postingsOf(w))
			}
			if postings <= maxKnownWalk {
				whole++
			} else {
				cut++
			}
		}
		rankQueries(t, &x, &rd, r, queries)
	}
	if whole < underrace.Rounds(500) || cut < underrace.Rounds(100) {
		t.Fatalf("%d queries walked whole, %d cut short: want both", whole, cut)
	}
	t.Logf("%d queries walked whole, %d cut short", whole, cut)
}
