package tickets

import (
	"maps"
	"math"
	"slices"
	"strings"
)

// refModel is Model as it was before its counts were kept by feature (featShard): counts by
// category in maps, each feature looked up once a category at every judgement. It is the
// reference the index is held to (model_index_test.go). One change: judge sums the posterior's
// terms in the categories' order by name, where it summed them in Go's map order, which varies
// from one call to the next and can move a score's last bit.
type refModel struct {
	docs      map[string]int            // Training examples by category.
	total     int                       // Training examples.
	counts    map[string]map[string]int // Feature counts by category.
	sizes     map[string]int            // Sum of feature counts by category.
	fsizes    map[string]int            // Sum of the counts of frequent features by category.
	vocab     map[string]int            // Feature counts, all categories together.
	nFrequent int                       // Features counted at least twice.
}

// newRefModel returns an empty model.
func newRefModel() *refModel {
	return &refModel{docs: map[string]int{}, counts: map[string]map[string]int{},
		sizes: map[string]int{}, fsizes: map[string]int{}, vocab: map[string]int{}}
}

func (m *refModel) add(category string, feats []string, sign int) {
	if category == "" {
		return
	}
	c := m.counts[category]
	if c == nil {
		c = map[string]int{}
		m.counts[category] = c
	}
	m.docs[category] += sign
	m.total += sign
	for _, f := range feats {
		cf := c[f]
		if sign < 0 && cf == 0 {
			continue // Not learned: nothing to take back.
		}
		totBefore := m.vocab[f]
		totAfter := totBefore + sign
		// Assigning to a string key Go already holds stores the new string as the key, so a
		// feature sliced from the text it came from (foldedWords) would keep that whole text
		// alive in the model, one text for each key it last counted: every key is a copy.
		// Training on 2,000 texts of 10 KB kept 24.6 MB alive without the copy, 2.7 MB with it;
		// the copies double training's allocations (1.79 M -> 3.58 M a training on the IT
		// corpus, BenchmarkTrain), fewer than unique.Make's interning (5.3 M).
		f = strings.Clone(f)
		wasFrequent, isFrequent := totBefore >= 2, totAfter >= 2
		if wasFrequent && !isFrequent {
			for cat, cc := range m.counts {
				m.fsizes[cat] -= cc[f]
			}
			m.nFrequent--
		}
		if cf += sign; cf <= 0 {
			delete(c, f)
		} else {
			c[f] = cf
		}
		if totAfter <= 0 {
			delete(m.vocab, f)
		} else {
			m.vocab[f] = totAfter
		}
		m.sizes[category] += sign
		switch {
		case wasFrequent && isFrequent:
			m.fsizes[category] += sign
		case isFrequent:
			for cat, cc := range m.counts {
				m.fsizes[cat] += cc[f]
			}
			m.nFrequent++
		}
	}
	if m.docs[category] <= 0 {
		delete(m.docs, category)
		delete(m.counts, category)
		delete(m.sizes, category)
		delete(m.fsizes, category)
	}
}

// clone returns a deep copy, to change while readers use the original.
func (m *refModel) clone() *refModel {
	n := &refModel{docs: maps.Clone(m.docs), total: m.total, counts: make(map[string]map[string]int, len(m.counts)),
		sizes: maps.Clone(m.sizes), fsizes: maps.Clone(m.fsizes), vocab: maps.Clone(m.vocab), nFrequent: m.nFrequent}
	for cat, c := range m.counts {
		n.counts[cat] = maps.Clone(c)
	}
	return n
}

// judge is Predict with the reason the model abstains, "" when it answers. It abstains when:
//   - it has no example, or the text no feature it has seen (abstainUnknown);
//   - the features of the text were seen fewer than minSupport times in training in the best
//     category (abstainSupport);
//   - the category is the best only thanks to the priors: taken alone, the words of the text
//     favour another one (abstainPriorOnly). The priors then speak for the desk's most common
//     category, not for this request.
//
// The scores are returned in every case the model knows a word of the text, for `ticket explain`.
func (m *refModel) judge(feats []string) (best string, scores map[string]float64, abstain string) {
	if m == nil || m.total <= 0 || len(m.docs) == 0 {
		return "", nil, abstainNoModel
	}
	minCount, v, sizes := 1, len(m.vocab), m.sizes
	if m.total >= frequentFrom {
		minCount, v, sizes = 2, m.nFrequent, m.fsizes
	}
	known := feats[:0:0]
	for _, f := range feats {
		if m.vocab[f] >= minCount {
			known = append(known, f)
		}
	}
	if len(known) == 0 {
		return "", nil, abstainUnknown
	}
	logp := make(map[string]float64, len(m.docs))
	bestLP := math.Inf(-1)
	byWords, byWordsLP := "", math.Inf(-1) // The best on the likelihood alone, without the prior.
	for cat, n := range m.docs {
		// log P(cat) + Σ log((count(f, cat) + 1) / (size(cat) + V)): Laplace adds one per feature
		// of the vocabulary. log(0 + 1) is 0, so only the features seen in cat need a logarithm.
		ll := -float64(len(known)) * math.Log(float64(sizes[cat]+v))
		c := m.counts[cat]
		for _, f := range known {
			if k := c[f]; k > 0 {
				ll += math.Log(float64(k + 1))
			}
		}
		lp := math.Log(float64(n)/float64(m.total)) + ll
		logp[cat] = lp
		if lp > bestLP || lp == bestLP && cat < best {
			best, bestLP = cat, lp
		}
		if ll > byWordsLP || ll == byWordsLP && cat < byWords {
			byWords, byWordsLP = cat, ll
		}
	}
	// Posterior by the log-sum-exp trick.
	var sum float64
	for _, cat := range slices.Sorted(maps.Keys(logp)) {
		sum += math.Exp(logp[cat] - bestLP)
	}
	scores = make(map[string]float64, len(logp))
	for cat, lp := range logp {
		scores[cat] = math.Exp(lp-bestLP) / sum
	}
	support := 0
	for _, f := range known {
		support += m.counts[best][f]
	}
	switch {
	case support < minSupport:
		return best, scores, abstainSupport
	case byWords != best:
		return best, scores, abstainPriorOnly
	}
	return best, scores, ""
}
