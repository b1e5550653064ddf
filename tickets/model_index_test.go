package tickets

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/deskd/deskd/internal/underrace"
)

// The package's tests read a model's counts in maps (Model.counts, Model.vocab), as it kept them
// before its counts by feature.
func init() { keepCountMaps = true }

// sameJudgement reports how m's judgement of feats differs from the reference's, "" when it is
// the same: the same best category, the same reason to abstain, the same scores to the bit.
func sameJudgement(m *Model, r *refModel, feats []string) string {
	best, scores, abstain := m.judge(feats)
	rBest, rScores, rAbstain := r.judge(feats)
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	if best != rBest || abstain != rAbstain || (scores == nil) != (rScores == nil) || !maps.EqualFunc(scores, rScores, same) {
		return fmt.Sprintf("%q: %q %v abstaining %q, want %q %v abstaining %q", strings.Join(feats, " "),
			best, scores, abstain, rBest, rScores, rAbstain)
	}
	return ""
}

// sameCounts reports how m's totals differ from the reference's, "" when they are the same.
func sameCounts(m *Model, r *refModel) string {
	nonZero := func(m map[string]int) map[string]int {
		return maps.Collect(func(yield func(string, int) bool) {
			for k, v := range m {
				if v != 0 && !yield(k, v) {
					return
				}
			}
		})
	}
	switch {
	case m.total != r.total || !maps.Equal(m.docs, r.docs):
		return fmt.Sprintf("examples %d %v, want %d %v", m.total, m.docs, r.total, r.docs)
	case !maps.Equal(m.sizes, r.sizes) || !maps.Equal(nonZero(m.fsizes), nonZero(r.fsizes)):
		return fmt.Sprintf("sizes %v %v, want %v %v", m.sizes, m.fsizes, r.sizes, r.fsizes)
	case m.nFeatures != len(r.vocab) || m.nFrequent != r.nFrequent:
		return fmt.Sprintf("%d features, %d frequent, want %d, %d", m.nFeatures, m.nFrequent, len(r.vocab), r.nFrequent)
	}
	counts := map[string]map[string]int{}
	err := m.eachCount(func(f, cat string, n int) error {
		if counts[cat] == nil {
			counts[cat] = map[string]int{}
		}
		counts[cat][f] = n
		return nil
	})
	if err != nil {
		return err.Error()
	}
	for cat := range r.counts {
		if !maps.Equal(counts[cat], nonZero(r.counts[cat])) {
			return "counts of " + cat + " differ"
		}
	}
	return ""
}

// rebuilt is the model readModel reads from a store holding r's counts.
func rebuilt(r *refModel) *Model {
	m := NewModel()
	for _, cat := range slices.Sorted(maps.Keys(r.docs)) {
		m.docs[cat], m.total = r.docs[cat], m.total+r.docs[cat]
		m.addCategory(cat)
		if m.counts != nil {
			m.counts[cat] = map[string]int{}
		}
	}
	for cat, c := range r.counts {
		for f, n := range c {
			if num, ok := m.numOf[cat]; ok && n > 0 {
				m.set(num, cat, f, n)
			}
		}
	}
	m.finish()
	return m
}

// refRead is the reference model readModel read, before the counts by feature, from a store
// holding r's counts: examples taken back from a category not known, and counts of categories
// gone, are not in the store.
func refRead(r *refModel) *refModel {
	n := newRefModel()
	for cat, c := range r.docs {
		n.docs[cat], n.total = c, n.total+c
		n.counts[cat] = map[string]int{}
	}
	for cat, c := range r.counts {
		for f, k := range c {
			if n.counts[cat] != nil && k > 0 {
				n.counts[cat][f] = k
				n.vocab[f] += k
				n.sizes[cat] += k
			}
		}
	}
	for _, k := range n.vocab {
		if k >= 2 {
			n.nFrequent++
		}
	}
	for cat, c := range n.counts {
		for f, k := range c {
			if n.vocab[f] >= 2 {
				n.fsizes[cat] += k
			}
		}
	}
	return n
}

// randomText is a request of a few words drawn from a small vocabulary, so that features are
// shared between categories and cross the frequent threshold both ways; a line break makes a
// subject.
func randomText(rng *rand.Rand) string {
	vocab := []string{"imprimante", "imprimantes", "toner", "vpn", "wifi", "wi-fi", "réseau", "compte",
		"verrouillé", "password", "mot", "passe", "écran", "laptop", "laptops", "batteries", "outlook",
		"excel", "crash", "lent", "le", "the", "depuis", "bonjour", "404", "serveur", "badge", "porte",
		"cassé", "bloqué", "licence", "install", "docking", "station", "café", "journaux", "x"}
	n := rng.IntN(12)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString([]string{" ", " ", " ", ". ", "\n", ", "}[rng.IntN(6)])
		}
		b.WriteString(vocab[rng.IntN(len(vocab))])
	}
	return b.String()
}

// TestModelAsReference holds the model's counts by feature to the maps by category it kept
// before (refModel): random sequences of examples learned and taken back (some never learned,
// some of categories not known), models copied as a lesson copies them and read again as
// readModel reads them, judged on random texts.
func TestModelAsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 14))
	cats := []string{"hardware", "network", "accounts", "software", "other"}
	for round := range underrace.Rounds(60) {
		m, r := NewModel(), newRefModel()
		// Some rounds pass frequentFrom examples, where features seen once leave the vocabulary.
		steps := 40 + rng.IntN(200)
		if round%4 == 3 {
			steps = frequentFrom + 300
		}
		type example struct{ cat, text string }
		var learned []example
		check := func(step int) {
			t.Helper()
			if d := sameCounts(m, r); d != "" {
				t.Fatalf("round %d step %d: %s", round, step, d)
			}
			for range 8 {
				if d := sameJudgement(m, r, Features(randomText(rng))); d != "" {
					t.Fatalf("round %d step %d: %s", round, step, d)
				}
			}
		}
		for step := range steps {
			switch p := rng.IntN(100); {
			case p < 70:
				ex := example{cats[rng.IntN(len(cats))], randomText(rng)}
				if rng.IntN(40) == 0 {
					ex.cat = fmt.Sprintf("rare%d", rng.IntN(3))
				}
				learned = append(learned, ex)
				m.Add(ex.cat, ex.text)
				r.add(ex.cat, Features(ex.text), 1)
			case p < 88 && len(learned) > 0:
				i := rng.IntN(len(learned))
				ex := learned[i]
				learned = slices.Delete(learned, i, i+1)
				m.remove(ex.cat, ex.text)
				r.add(ex.cat, Features(ex.text), -1)
			case p < 92:
				// Taken back without having been learned, from a category known or not.
				cat := cats[rng.IntN(len(cats))]
				if rng.IntN(3) == 0 {
					cat = "never"
				}
				text := randomText(rng)
				m.remove(cat, text)
				r.add(cat, Features(text), -1)
			case p < 98:
				// A lesson's copy: the copy changes, the original (still read) does not.
				was, wasRef := m, r.clone()
				m, r = m.clone(), r.clone()
				for range 1 + rng.IntN(4) {
					ex := example{cats[rng.IntN(len(cats))], randomText(rng)}
					learned = append(learned, ex)
					m.Add(ex.cat, ex.text)
					r.add(ex.cat, Features(ex.text), 1)
				}
				if d := sameCounts(was, wasRef); d != "" {
					t.Fatalf("round %d step %d: the original changed with its copy: %s", round, step, d)
				}
				for range 4 {
					if d := sameJudgement(was, wasRef, Features(randomText(rng))); d != "" {
						t.Fatalf("round %d step %d: the original changed with its copy: %s", round, step, d)
					}
				}
			default:
				r = refRead(r)
				m = rebuilt(r)
			}
			if step%25 == 0 {
				check(step)
			}
		}
		check(steps)
	}
}

// TestModelAsReferenceCorpus holds the model trained on the IT corpus, then taught lessons on
// copies as the desk teaches them, to the reference, judging the corpus's test set.
func TestModelAsReferenceCorpus(t *testing.T) {
	train, test := splitCorpus(loadITCorpus(t))
	train, test = underrace.Sample(train), underrace.Sample(test)
	keepCountMaps = false // Its copies would copy the maps at every lesson.
	m, r := NewModel(), newRefModel()
	keepCountMaps = true
	for _, ex := range train {
		m.Add(ex.label, ex.text)
		r.add(ex.label, Features(ex.text), 1)
	}
	if d := sameCounts(m, r); d != "" {
		t.Fatal(d)
	}
	judge := func(what string) {
		t.Helper()
		for _, ex := range test {
			if d := sameJudgement(m, r, Features(ex.text)); d != "" {
				t.Fatalf("%s: %s", what, d)
			}
		}
	}
	judge("trained")
	if d := sameJudgement(rebuilt(r), refRead(r), Features(test[0].text)); d != "" {
		t.Fatalf("read again: %s", d)
	}
	// Lessons: examples of the test set learned, then corrected to another category, each on a
	// copy of the model as Desk.teach makes it (the reference, read by nobody, learns in place).
	labels := slices.Sorted(maps.Keys(r.docs))
	for i, ex := range test[:min(len(test), 200)] {
		feats := Features(ex.text)
		m = m.clone()
		m.add(ex.label, feats, 1)
		r.add(ex.label, feats, 1)
		if i%3 == 0 {
			other := labels[i%len(labels)]
			m = m.clone()
			m.add(ex.label, feats, -1)
			r.add(ex.label, feats, -1)
			m.add(other, feats, 1)
			r.add(other, feats, 1)
		}
	}
	if d := sameCounts(m, r); d != "" {
		t.Fatal(d)
	}
	judge("taught")
}

// TestModelIndexKeysOwnTheirBytes: no feature kept in the counts by feature is a slice of a
// text learned (see TestModelKeysOwnTheirBytes).
func TestModelIndexKeysOwnTheirBytes(t *testing.T) {
	m := NewModel()
	var texts []string
	for i := range 50 {
		text := fmt.Sprintf("Imprimante bloquée, bourrage papier au %d étage ", i) + strings.Repeat("toner vide ", 20)
		texts = append(texts, text)
		m.Add("hardware", text)
		if i%10 == 9 {
			m.remove("hardware", texts[i-5])
		}
	}
	inside := func(key string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(key)))
		for _, s := range texts {
			lo := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			if p >= lo && p < lo+uintptr(len(s)) {
				return true
			}
		}
		return false
	}
	n := 0
	for _, sh := range m.shards {
		if sh == nil {
			continue
		}
		for k, i := range sh.index {
			n++
			if inside(k) || inside(sh.feats[i].key) {
				t.Fatalf("feature %q is a slice of a learned text", k)
			}
		}
	}
	if n == 0 || n != m.nFeatures {
		t.Fatalf("%d features in the shards, %d counted", n, m.nFeatures)
	}
}
