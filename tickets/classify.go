package tickets

import (
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Model is a multinomial naive Bayes classifier over words and bigrams, French and English
// stopwords removed, with Laplace (add-one) smoothing and log-probabilities. Once trained on
// enough examples (frequentFrom), features seen only once in training are left out of the
// vocabulary: with bigrams most features are such one-offs, and add-one smoothing over them
// flattens every category's distribution.
//
// Its counts are kept by feature (featCounts): judge looks each feature of a text up once and
// finds there its count in every category, with the logarithm it adds. The features are spread
// over nShards shards, and a copy (clone, at every lesson) shares them: it copies a shard when
// it first changes one of its features, and a feature's counts when it first changes them.
//
// A Model being read is never changed: the desk builds a new one and swaps the pointer, so any
// number of goroutines may call Predict on one while it is in use.
type Model struct {
	docs      map[string]int   // Training examples by category.
	total     int              // Training examples.
	sizes     map[string]int   // Sum of feature counts by category.
	fsizes    map[string]int   // Sum of the counts of frequent features by category.
	nFeatures int              // Features counted.
	nFrequent int              // Features counted at least twice.
	cats      []string         // The categories by number; "" for a number whose category left.
	numOf     map[string]int32 // The number of each category of docs.
	byName    []int32          // The numbers of the categories of docs, in the order of their names.
	shards    []*featShard     // The counts by feature, a feature in shard shardOf(feature); nil for none.
	gen       uint32           // What this model made (modelGens): the shards and counts it may change.

	// The counts by category and by feature, in maps, as the model kept them before its counts
	// by feature: kept only with keepCountMaps, for the package's tests, which read them.
	counts map[string]map[string]int
	vocab  map[string]int
}

// keepCountMaps makes NewModel's models keep Model.counts and Model.vocab: set by the package's
// tests only.
var keepCountMaps bool

// nShards is how many shards a model's features are spread over: a lesson's hundred-odd
// features copy about as many shards, each 1/nShards of the vocabulary (some 90 features of
// the IT corpus's 358,401), and a copy of the model copies nShards pointers.
const nShards = 4096

// shardSeed is the hash of shardOf.
var shardSeed = maphash.MakeSeed()

// shardOf is the shard of a feature.
func shardOf(f string) int { return int(maphash.String(shardSeed, f) & (nShards - 1)) }

// modelGens numbers the models made (NewModel, clone).
var modelGens atomic.Uint32

// featShard holds the counts of the features of a shard.
type featShard struct {
	gen   uint32           // The model that made it, the only one that changes it.
	index map[string]int32 // Where each feature's counts are in feats.
	feats []featCounts
}

// featCounts is a feature's counts.
type featCounts struct {
	key   string     // The feature, the model's own copy, the key of featShard.index.
	gen   uint32     // The model that made by, the only one that changes it.
	total int32      // Its counts all categories together, those of categories since gone included.
	by    []catCount // Its count in each category it was counted in (those gone included).
}

// catCount is a feature's count in a category.
type catCount struct {
	cat int32   // The category's number (Model.cats).
	n   int32   // The count, at least 1.
	log float64 // math.Log(n + 1), what the feature adds to the category's likelihood.
}

// frequentFrom is the number of training examples from which features seen once are ignored.
const frequentFrom = 1000

// NewModel returns an empty model.
func NewModel() *Model {
	m := &Model{docs: map[string]int{}, sizes: map[string]int{}, fsizes: map[string]int{},
		numOf: map[string]int32{}, shards: make([]*featShard, nShards), gen: modelGens.Add(1)}
	if keepCountMaps {
		m.counts, m.vocab = map[string]map[string]int{}, map[string]int{}
	}
	return m
}

// Add records one training example. It must not be called while others may call Predict.
func (m *Model) Add(category string, text string) { m.add(category, Features(text), 1) }

// remove takes back an example added before.
func (m *Model) remove(category, text string) { m.add(category, Features(text), -1) }

func (m *Model) add(category string, feats []string, sign int) {
	if category == "" {
		return
	}
	num, known := m.numOf[category]
	if !known && sign > 0 {
		num, known = m.addCategory(category), true
	}
	if m.counts != nil && m.counts[category] == nil {
		m.counts[category] = map[string]int{}
	}
	m.docs[category] += sign
	m.total += sign
	if known { // A category not known has no count to take back.
		for _, f := range feats {
			m.count(num, category, f, sign)
		}
	}
	if m.docs[category] <= 0 {
		delete(m.docs, category)
		delete(m.sizes, category)
		delete(m.fsizes, category)
		if known {
			m.cats[num] = ""
			delete(m.numOf, category)
			m.sortCategories()
		}
		if m.counts != nil {
			delete(m.counts, category)
		}
	}
}

// addCategory numbers a new category.
func (m *Model) addCategory(category string) int32 {
	num := int32(len(m.cats))
	m.cats = append(m.cats, category)
	m.numOf[category] = num
	m.sortCategories()
	return num
}

// sortCategories lists the numbers of the categories by their names (byName).
func (m *Model) sortCategories() {
	m.byName = m.byName[:0]
	for _, num := range m.numOf {
		m.byName = append(m.byName, num)
	}
	slices.SortFunc(m.byName, func(a, b int32) int { return strings.Compare(m.cats[a], m.cats[b]) })
}

// count adds sign to the count of feature f in category num (named category).
func (m *Model) count(num int32, category, f string, sign int) {
	s := shardOf(f)
	e := m.shards[s].lookup(f)
	at, cf := -1, 0
	if e != nil {
		for i, c := range e.by {
			if c.cat == num {
				at, cf = i, int(c.n)
				break
			}
		}
	}
	if sign < 0 && cf == 0 {
		return // Not learned: nothing to take back.
	}
	totBefore := 0
	if e != nil {
		totBefore = int(e.total)
	}
	totAfter := totBefore + sign
	wasFrequent, isFrequent := totBefore >= 2, totAfter >= 2
	if wasFrequent && !isFrequent {
		for _, c := range e.by {
			if cat := m.cats[c.cat]; cat != "" {
				m.fsizes[cat] -= int(c.n)
			}
		}
		m.nFrequent--
	}
	e = m.own(s, f)
	if cf += sign; cf <= 0 {
		e.by = slices.Delete(e.by, at, at+1)
	} else if at >= 0 {
		e.by[at] = catCount{cat: num, n: int32(cf), log: math.Log(float64(cf + 1))}
	} else {
		e.by = append(e.by, catCount{cat: num, n: int32(cf), log: math.Log(float64(cf + 1))})
	}
	e.total = int32(totAfter)
	m.sizes[category] += sign
	switch {
	case wasFrequent && isFrequent:
		m.fsizes[category] += sign
	case isFrequent:
		for _, c := range e.by {
			if cat := m.cats[c.cat]; cat != "" {
				m.fsizes[cat] += int(c.n)
			}
		}
		m.nFrequent++
	}
	if totAfter <= 0 {
		m.shards[s].drop(f)
		m.nFeatures--
	}
	if m.counts != nil {
		// Assigning to a string key Go already holds stores the new string as the key: a copy.
		c, k := m.counts[category], strings.Clone(f)
		if n := c[f] + sign; n <= 0 {
			delete(c, f)
		} else {
			c[k] = n
		}
		if n := m.vocab[f] + sign; n <= 0 {
			delete(m.vocab, f)
		} else {
			m.vocab[k] = n
		}
	}
}

// lookup returns the counts of feature f, nil if it has none.
func (sh *featShard) lookup(f string) *featCounts {
	if sh == nil {
		return nil
	}
	if i, ok := sh.index[f]; ok {
		return &sh.feats[i]
	}
	return nil
}

// own returns the counts of feature f in shard s that the model may change: copied first, with
// their shard, if another model shares them; new if f has none.
func (m *Model) own(s int, f string) *featCounts {
	sh := m.shards[s]
	switch {
	case sh == nil:
		sh = &featShard{gen: m.gen, index: map[string]int32{}}
		m.shards[s] = sh
	case sh.gen != m.gen:
		sh = &featShard{gen: m.gen, index: maps.Clone(sh.index), feats: slices.Clone(sh.feats)}
		m.shards[s] = sh
	}
	i, ok := sh.index[f]
	if !ok {
		// A feature sliced from the text it came from (foldedWords) would keep that whole text
		// alive in the model: the key is a copy. Training on 2,000 texts of 10 KB kept 24.6 MB
		// alive without the copy, 2.7 MB with it.
		k := strings.Clone(f)
		i = int32(len(sh.feats))
		sh.feats = append(sh.feats, featCounts{key: k, gen: m.gen})
		sh.index[k] = i
		m.nFeatures++
	}
	e := &sh.feats[i]
	if e.gen != m.gen {
		e.by, e.gen = slices.Clone(e.by), m.gen
	}
	return e
}

// drop deletes the counts of feature f, all zero, from a shard the model owns.
func (sh *featShard) drop(f string) {
	i := sh.index[f]
	last := int32(len(sh.feats) - 1)
	if i != last {
		sh.feats[i] = sh.feats[last]
		sh.index[sh.feats[i].key] = i
	}
	sh.feats[last] = featCounts{}
	sh.feats = sh.feats[:last]
	delete(sh.index, f)
}

// set records, on a model being built (readModel), count n of feature f in category num (named
// category); n is positive and f has no count in that category yet. fsizes and nFrequent are
// left to finish.
func (m *Model) set(num int32, category, f string, n int) {
	e := m.own(shardOf(f), f)
	e.by = append(e.by, catCount{cat: num, n: int32(n), log: math.Log(float64(n + 1))})
	e.total += int32(n)
	m.sizes[category] += n
	if m.counts != nil {
		k := strings.Clone(f)
		m.counts[category][k] = n
		m.vocab[k] += n
	}
}

// finish sets fsizes and nFrequent from the counts of a model built by set, and gives back the
// room its shards grew into.
func (m *Model) finish() {
	for _, sh := range m.shards {
		if sh == nil {
			continue
		}
		if cap(sh.feats) > len(sh.feats) {
			sh.feats = slices.Clone(sh.feats)
		}
		for _, e := range sh.feats {
			if e.total < 2 {
				continue
			}
			m.nFrequent++
			for _, c := range e.by {
				if cat := m.cats[c.cat]; cat != "" {
					m.fsizes[cat] += int(c.n)
				}
			}
		}
	}
}

// eachCount calls fn with every feature's count in every category, until fn fails.
func (m *Model) eachCount(fn func(f, category string, n int) error) error {
	for _, sh := range m.shards {
		if sh == nil {
			continue
		}
		for _, e := range sh.feats {
			for _, c := range e.by {
				if cat := m.cats[c.cat]; cat != "" {
					if err := fn(e.key, cat, int(c.n)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// Examples is the number of training examples.
func (m *Model) Examples() int { return m.total }

// clone returns a copy, to change while readers use the original. It shares the original's
// counts by feature: the copy copies what it changes (own).
func (m *Model) clone() *Model {
	n := &Model{docs: maps.Clone(m.docs), total: m.total, sizes: maps.Clone(m.sizes), fsizes: maps.Clone(m.fsizes),
		nFeatures: m.nFeatures, nFrequent: m.nFrequent, cats: slices.Clone(m.cats), numOf: maps.Clone(m.numOf),
		byName: slices.Clone(m.byName), shards: slices.Clone(m.shards), gen: modelGens.Add(1)}
	if m.counts != nil {
		n.counts, n.vocab = make(map[string]map[string]int, len(m.counts)), maps.Clone(m.vocab)
		for cat, c := range m.counts {
			n.counts[cat] = maps.Clone(c)
		}
	}
	return n
}

// Predict returns the most probable category of a text and the posterior probability of every
// category it knows (summing to 1). It returns "" and no scores when the model is empty or
// abstains (see judge): the text has no word the model has seen, or too little evidence.
func (m *Model) Predict(text string) (string, map[string]float64) {
	best, scores, abstain := m.judge(Features(text))
	if abstain != "" {
		return "", nil
	}
	return best, scores
}

// minSupport is how many times, all together, the words of a request must have been seen in
// training in the category the model gives it: below, the model abstains. A model trained on a
// handful of tickets otherwise answers with near certainty from one word seen once ("bureau"
// in a network ticket makes "Souris cassée, bureau 112" a network request at 74%).
const minSupport = 2

// Why the model abstains (judge).
const (
	abstainNoModel   = "not trained yet"
	abstainUnknown   = "no word of the request seen in training"
	abstainSupport   = "too little evidence"
	abstainPriorOnly = "the evidence alone points elsewhere"
)

// judge is Predict with the reason the model abstains, "" when it answers. It abstains when:
//   - it has no example, or the text no feature it has seen (abstainUnknown);
//   - the features of the text were seen fewer than minSupport times in training in the best
//     category (abstainSupport);
//   - the category is the best only thanks to the priors: taken alone, the words of the text
//     favour another one (abstainPriorOnly). The priors then speak for the desk's most common
//     category, not for this request.
//
// The scores are returned in every case the model knows a word of the text, for `ticket explain`.
func (m *Model) judge(feats []string) (best string, scores map[string]float64, abstain string) {
	if m == nil || m.total <= 0 || len(m.docs) == 0 {
		return "", nil, abstainNoModel
	}
	minCount, v, sizes := 1, m.nFeatures, m.sizes
	if m.total >= frequentFrom {
		minCount, v, sizes = 2, m.nFrequent, m.fsizes
	}
	var knownBuf [128]*featCounts
	known := knownBuf[:0]
	for _, f := range feats {
		if e := m.shards[shardOf(f)].lookup(f); e != nil && int(e.total) >= minCount {
			known = append(known, e)
		}
	}
	if len(known) == 0 {
		return "", nil, abstainUnknown
	}
	// The likelihood and the log-probability of each category, by number.
	var llBuf, logpBuf [16]float64
	ll, logp := llBuf[:], logpBuf[:]
	if len(m.cats) > len(llBuf) {
		ll, logp = make([]float64, len(m.cats)), make([]float64, len(m.cats))
	}
	// log P(cat) + Σ log((count(f, cat) + 1) / (size(cat) + V)): Laplace adds one per feature of
	// the vocabulary. log(0 + 1) is 0, so only the features seen in cat add a logarithm, feature
	// after feature in the text's order.
	for _, num := range m.byName {
		ll[num] = -float64(len(known)) * math.Log(float64(sizes[m.cats[num]]+v))
	}
	for _, e := range known {
		for _, c := range e.by {
			ll[c.cat] += c.log // A category gone adds to a number no longer read.
		}
	}
	bestLP, bestNum := math.Inf(-1), int32(-1)
	byWords, byWordsLP := "", math.Inf(-1) // The best on the likelihood alone, without the prior.
	for _, num := range m.byName {
		cat := m.cats[num]
		lp := math.Log(float64(m.docs[cat])/float64(m.total)) + ll[num]
		logp[num] = lp
		if lp > bestLP || lp == bestLP && cat < best {
			best, bestLP, bestNum = cat, lp, num
		}
		if ll[num] > byWordsLP || ll[num] == byWordsLP && cat < byWords {
			byWords, byWordsLP = cat, ll[num]
		}
	}
	// Posterior by the log-sum-exp trick, summed in the order of the categories' names.
	var sum float64
	for _, num := range m.byName {
		sum += math.Exp(logp[num] - bestLP)
	}
	scores = make(map[string]float64, len(m.byName))
	for _, num := range m.byName {
		scores[m.cats[num]] = math.Exp(logp[num]-bestLP) / sum
	}
	support := 0
	for _, e := range known {
		for _, c := range e.by {
			if c.cat == bestNum {
				support += int(c.n)
			}
		}
	}
	switch {
	case support < minSupport:
		return best, scores, abstainSupport
	case byWords != best:
		return best, scores, abstainPriorOnly
	}
	return best, scores, ""
}

// Features turns a text into the model's features: folded, stemmed words that are not stopwords,
// and the bigrams of consecutive such words within a sentence ("mot_passe"). The text is a
// request's subject and text (trainingText): its first line is read as the subject, the rest
// as the request's text, without its signature and disclaimers (requestBody), as triage reads it.
func Features(text string) []string {
	subject, rest, _ := strings.Cut(text, "\n")
	w := splitRequest(subject, rest, false)
	return w.features(false)
}

// features is Features(subject + "\n" + text) of a request's words.
//
// With oneBuffer, the bigrams are written one after the other into one buffer, made a string
// once, and sliced: a string each ("prev_w") was 8 of a request's 57 allocations. Only for
// features that are not kept: a map assignment to a key it holds already stores the new string
// as its key (Go's maps do), so that the model's counts (Model.add) would each keep a whole
// buffer.
func (r *requestWords) features(oneBuffer bool) []string {
	if len(r.ws) == 0 {
		return nil
	}
	out := make([]string, 0, 2*len(r.ws)) // A word and a bigram at most, for each word.
	var bufArr [512]byte
	buf := bufArr[:0] // The bigrams, one after the other (string(buf) copies them out).
	type span struct{ at, start, end int }
	var spanArr [64]span
	spans := spanArr[:0] // Where each bigram goes in out, and where it is in buf.
	for _, c := range r.clauses {
		prev := ""
		for j, w := range c.ws {
			if len(w) < 2 || stopwords[w] || isNumber(w) || stopPhrase(w) {
				continue
			}
			// A stem that is the word (most are) was looked up already.
			if st := c.st[j]; st != w {
				if w = st; stopwords[w] {
					continue
				}
			}
			out = append(out, w)
			if prev != "" && !oneBuffer {
				out = append(out, prev+"_"+w)
			} else if prev != "" {
				start := len(buf)
				buf = append(append(append(buf, prev...), '_'), w...)
				spans = append(spans, span{len(out), start, len(buf)})
				out = append(out, "")
			}
			prev = w
		}
	}
	if len(spans) > 0 {
		all := string(buf)
		for _, s := range spans {
			out[s.at] = all[s.start:s.end]
		}
	}
	if len(out) == 0 {
		return nil // As Features was.
	}
	return out
}

// stopPhrase reports a hyphenated word made of stopwords only: "pouvez-vous", "est-ce", "peux-tu".
func stopPhrase(w string) bool {
	if !strings.Contains(w, "-") {
		return false
	}
	for p := range strings.SplitSeq(w, "-") {
		if !stopwords[p] {
			return false
		}
	}
	return true
}

// foldedWords splits text into folded words (see Fold): runs of letters and digits, joined by
// inner hyphens ("wi-fi"), cut at apostrophes ("l'imprimante": "l", "imprimante"). It is
// words followed by splitElision, without a regular expression: it runs on every training text.
//
// A word the text already spells folded (lower-case ASCII letters, digits, inner hyphens) is a
// slice of text; the others are slices of one string that holds them all, folded. A word string
// each was half of a mail's allocations in triage. A caller that keeps a word beyond the text
// (a map of the model) copies it (strings.Clone).
func foldedWords(text string) []string {
	// Room for a word every four bytes: out grew twice in most clauses at one every six.
	return appendFoldedWords(make([]string, 0, len(text)/4+2), text)
}

// appendFoldedWords appends foldedWords(text) to out.
func appendFoldedWords(out []string, text string) []string {
	out, _ = appendFoldedWordsCut(out, nil, text, false)
	return out
}

// appendFoldedWordsCut is appendFoldedWords, and when clauses is set, appends to cuts len(out) at
// every clause break (isClauseBreak): the words of splitClauses(text), clause by clause, in one
// pass.
func appendFoldedWordsCut(out []string, cuts []int, text string, clauses bool) ([]string, []int) {
	// The folded bytes and their spans start on the stack (string(folded) copies them out).
	var foldedBuf [256]byte
	folded := foldedBuf[:0] // The words that are not slices of text, one after the other.
	type span struct{ at, start, end int }
	var spanBuf [32]span
	spans := spanBuf[:0] // Where in out and in folded they go.
	start := -1          // Where the current word starts in text, -1 between words.
	verbatim := true     // The current word is text[start:i] as it is.
	mark := 0            // Where the current word starts in folded, when it is not verbatim.
	flush := func(end int) {
		if start < 0 {
			return
		}
		if verbatim {
			out = append(out, text[start:end])
		} else if len(folded) > mark {
			spans = append(spans, span{len(out), mark, len(folded)})
			out = append(out, "")
		}
		start, verbatim = -1, true
	}
	// begin starts a word at i if none is under way.
	begin := func(i int) {
		if start < 0 {
			start, verbatim, mark = i, true, len(folded)
		}
	}
	// fold turns the word under way into a folded copy, the text so far being folded already.
	fold := func(i int) {
		if verbatim {
			verbatim = false
			mark = len(folded)
			folded = append(folded, text[start:i]...)
		}
	}
	for i, r := range text {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			begin(i)
			if !verbatim {
				folded = append(folded, byte(r))
			}
		case r >= 'A' && r <= 'Z':
			begin(i)
			fold(i)
			folded = append(folded, byte(r+'a'-'A'))
		case r == '-':
			if next, _ := utf8.DecodeRuneInString(text[i+1:]); start >= 0 && isWordRune(next) {
				if !verbatim {
					folded = append(folded, '-')
				}
			} else {
				flush(i)
			}
		case r < utf8.RuneSelf || !isWordRune(r):
			flush(i)
			if clauses && isClauseBreak(r) {
				cuts = append(cuts, len(out))
			}
		default:
			begin(i)
			fold(i)
			r = unicode.ToLower(r)
			if f, ok := accentFold[r]; ok && f != "'" {
				folded = append(folded, f...)
			} else {
				folded = utf8.AppendRune(folded, r)
			}
		}
	}
	flush(len(text))
	if len(spans) > 0 {
		all := string(folded)
		for _, s := range spans {
			out[s.at] = all[s.start:s.end]
		}
	}
	return out, cuts
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// terms is foldedWords, stemmed.
func terms(text string) []string {
	ws := foldedWords(text)
	for i, w := range ws {
		ws[i] = stem(w)
	}
	return ws
}

// stem reduces a folded word's plural to its singular, in French and English, without trying to
// be a full stemmer: "printers" → "printer", "journaux" → "journal", "batteries" → "battery".
func stem(w string) string {
	n := len(w)
	switch {
	case n <= 3:
		return w
	case strings.HasSuffix(w, "ies") && n > 4:
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "eaux"):
		return w[:n-1]
	case strings.HasSuffix(w, "aux") && n > 4:
		return w[:n-3] + "al"
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:n-1]
	}
	return w
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// grammarStopwords are the folded French and English words that say nothing about a request's
// subject: grammar words, greetings and courtesy. The similarity engine's stopwords start from
// them (searchStopwords).
var grammarStopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a about above after again against all also am an and any are aren as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don down during each
few for from further had hadn has hasn have haven having he her here hers herself him himself his how
i if in into is isn it its itself just let me more most my myself no nor not now of off on once only
or other our ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was wasn we were
weren what when where which while who whom why will with won would you your yours yourself
yourselves ll re ve im hi hello dear thanks thank please regards kind best cheers ok get got
au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur leurs lui
ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
tes toi ton tu un une vos votre vous c d j l m n s t y ete etre avoir ai as avons avez ont suis es
est sommes etes sont etais etait etions etiez etaient fais fait faire peux peut pouvez pourriez
merci bonjour bonsoir cordialement salut madame monsieur svp plait sil si tres bien aussi ca cela ceci
tout tous toute toutes deja encore comme alors donc car ni non oui plus moins
`) {
		m[w] = true
	}
	return m
}()

// stopwords are the classifier's: the grammar words, and when it started ("depuis ce matin",
// "since Monday"), which a model trained on few tickets takes for a category's words. The
// similarity engine keeps its own list: these words cost known answers and incident linking
// recall (407 -> 401 of 500, linking recall 1.000 -> 0.968 on the labelled week).
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for w := range grammarStopwords {
		m[w] = true
	}
	for _, w := range strings.Fields(`
avez vais va veux voudrais pourrait pouvoir toujours
depuis hier aujourd hui demain matin midi soir soiree semaine jour journee avant apres
lundi mardi mercredi jeudi vendredi samedi dimanche
since ago today yesterday tomorrow morning afternoon evening tonight week day still always
monday tuesday wednesday thursday friday saturday sunday
`) {
		m[w] = true
	}
	return m
}()

// trainingText is what the model learns from a ticket: its subject and first message.
func trainingText(subject, first string) string { return subject + "\n" + first }

// ruleScore is how well a category's keywords match a request.
type ruleScore struct {
	category string
	score    int      // Keyword occurrences; those in the subject count twice.
	hits     []string // The keywords found, as configured.
	// longest is the most terms of a keyword found: "mot de passe" (2) says more than
	// "outlook" (1), and breaks a tie of scores ("Oubli du mot de passe Outlook").
	longest int
}

// classifyByRules scores every category by its keywords found in the subject and text, folded,
// stemmed and on word boundaries, best first; categories without a hit are left out.
func classifyByRules(cats []Category, subject, text string) []ruleScore {
	return rulesOf(cats, terms(subject), terms(text))
}
