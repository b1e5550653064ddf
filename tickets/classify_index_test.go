package tickets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// judgeMaps is Model.judge as it was before modelIndex: each feature looked up in the vocabulary
// and in each category's map. TestJudgeSameAsMaps compares judge with it.
func (m *Model) judgeMaps(feats []string) (best string, scores map[string]float64, abstain string) {
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
	byWords, byWordsLP := "", math.Inf(-1)
	for cat, n := range m.docs {
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
	var sum float64
	for _, lp := range logp {
		sum += math.Exp(lp - bestLP)
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

// TestJudgeSameAsMaps: judge, from the counts by feature (modelIndex), gives the category, the
// reason to abstain and the scores (to 1e-12: the maps' sum of the posteriors goes in their
// random order) of judgeMaps, on random models of 1 to 20 categories below and past
// frequentFrom, taught and untaught between two judgements (the index is built anew), and on
// random requests with features seen once, often, never and twice in the request.
func TestJudgeSameAsMaps(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 6))
	feature := func(vocab int) string { return fmt.Sprintf("f%d", int(float64(vocab)*r.Float64()*r.Float64())) }
	compared, answered, abstained := 0, 0, 0
	for model := range 40 {
		m := NewModel()
		cats, vocab := 1+r.IntN(20), 50+r.IntN(3000)
		examples := []int{30, 400, 1500, 2500}[model%4]
		var taught []struct {
			cat   string
			feats []string
		}
		teach := func(n int) {
			for range n {
				cat := fmt.Sprintf("c%d", int(float64(cats)*r.Float64()*r.Float64()))
				var feats []string
				for range 1 + r.IntN(30) {
					feats = append(feats, feature(vocab))
				}
				m.add(cat, feats, 1)
				taught = append(taught, struct {
					cat   string
					feats []string
				}{cat, feats})
			}
		}
		teach(examples)
		for round := range 3 {
			for range 50 {
				var feats []string
				for range r.IntN(40) {
					switch k := r.IntN(10); {
					case k < 7:
						feats = append(feats, feature(vocab))
					case k < 8 && len(feats) > 0:
						feats = append(feats, feats[r.IntN(len(feats))])
					default:
						feats = append(feats, fmt.Sprintf("unseen%d", r.IntN(9)))
					}
				}
				best, scores, abstain := m.judge(feats)
				wantBest, wantScores, wantAbstain := m.judgeMaps(feats)
				compared++
				if best != wantBest || abstain != wantAbstain || len(scores) != len(wantScores) {
					t.Fatalf("model %d round %d %q: %q %q %d scores, want %q %q %d", model, round, feats,
						best, abstain, len(scores), wantBest, wantAbstain, len(wantScores))
				}
				for cat, p := range wantScores {
					if q, ok := scores[cat]; !ok || math.Abs(q-p) > 1e-12 {
						t.Fatalf("model %d round %d %q: %s scores %v, want %v", model, round, feats, cat, q, p)
					}
				}
				if abstain == "" {
					answered++
				} else {
					abstained++
				}
			}
			// Taught more, and some taken back: the index is built anew.
			teach(1 + r.IntN(200))
			for range r.IntN(20) {
				l := taught[r.IntN(len(taught))]
				m.add(l.cat, l.feats, -1)
			}
		}
	}
	if answered < compared/4 || abstained < compared/10 {
		t.Fatalf("%d judgements: %d answered, %d abstained: want both", compared, answered, abstained)
	}
	t.Logf("%d judgements: %d answered, %d abstained", compared, answered, abstained)
}
