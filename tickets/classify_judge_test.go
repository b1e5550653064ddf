package tickets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// judgeByMaps is judge as it was written before its counts by feature (modelIndex): each
// feature looked up in every category's counts. The reference of TestJudgeAsByMaps.
func judgeByMaps(m *Model, feats []string) (best string, scores map[string]float64, abstain string) {
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

// sameJudgement compares judge's answer with judgeByMaps'. The scores' normalising sum took the
// categories in the map's order, which Go varies from run to run, so the reference itself may
// differ from one call to the next in the last bits: the scores are compared within 1e-12
// (relative), all else exactly.
func sameJudgement(t *testing.T, what string, m *Model, feats []string) {
	t.Helper()
	best, scores, abstain := m.judge(feats)
	wantBest, wantScores, wantAbstain := judgeByMaps(m, feats)
	if best != wantBest || abstain != wantAbstain || len(scores) != len(wantScores) || (scores == nil) != (wantScores == nil) {
		t.Fatalf("%s: %q %v (abstains %q), want %q %v (abstains %q)", what, best, scores, abstain, wantBest, wantScores, wantAbstain)
	}
	for cat, want := range wantScores {
		got, ok := scores[cat]
		if !ok || math.Abs(got-want) > 1e-12*math.Max(math.Abs(want), math.SmallestNonzeroFloat64) {
			t.Fatalf("%s: score of %q %v, want %v (all: %v, want %v)", what, cat, got, want, scores, wantScores)
		}
	}
}

// TestJudgeAsByMaps: judge, from its counts by feature, answers as judgeByMaps does, on random
// models (a few categories and a small vocabulary, so that equal scores and every abstention
// occur; below and above frequentFrom examples), after examples added and taken back between the
// judgements, and on the IT corpus' model with its test texts.
func TestJudgeAsByMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 13))
	word := func(vocab int) string { return fmt.Sprintf("w%d", rng.IntN(vocab)) }
	text := func(vocab, n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(word(vocab))
			b.WriteByte(' ')
		}
		return b.String()
	}
	for round := range underrace.Rounds(60) {
		m := NewModel()
		cats := 1 + rng.IntN(5)
		vocab := 3 + rng.IntN(40)
		examples := rng.IntN(30)
		if round%4 == 3 {
			examples = frequentFrom + rng.IntN(200)
		}
		type example struct{ cat, text string }
		var added []example
		for i := range examples {
			ex := example{fmt.Sprintf("c%d", rng.IntN(cats)), text(vocab, 1+rng.IntN(8))}
			m.Add(ex.cat, ex.text)
			added = append(added, ex)
			if i%97 == 0 || examples < 100 && i%7 == 0 {
				sameJudgement(t, fmt.Sprintf("round %d, %d examples", round, i+1), m, Features(text(vocab+5, 1+rng.IntN(6))))
			}
		}
		for i := range 20 {
			sameJudgement(t, fmt.Sprintf("round %d, text %d", round, i), m, Features(text(vocab+5, rng.IntN(10))))
		}
		// Taken back (a recategorised ticket, teach): the counts by feature follow.
		for i := 0; i < len(added) && i < 40; i++ {
			ex := added[rng.IntN(len(added))]
			m.remove(ex.cat, ex.text)
			m.Add(fmt.Sprintf("c%d", rng.IntN(cats+1)), ex.text)
			sameJudgement(t, fmt.Sprintf("round %d, moved %d", round, i), m, Features(text(vocab+5, 1+rng.IntN(6))))
		}
		n := m.clone()
		n.Add("c0", text(vocab, 3))
		sameJudgement(t, fmt.Sprintf("round %d, clone", round), n, Features(text(vocab, 4)))
		sameJudgement(t, fmt.Sprintf("round %d, original", round), m, Features(text(vocab, 4)))
	}
	sameJudgement(t, "no model", NewModel(), Features("vpn"))

	t.Run("corpus", func(t *testing.T) {
		train, test := splitCorpus(loadITCorpus(t))
		m := NewModel()
		for _, ex := range train {
			m.Add(ex.label, ex.text)
		}
		for i, ex := range underrace.Sample(test) {
			sameJudgement(t, fmt.Sprintf("corpus text %d", i), m, Features(ex.text))
		}
	})
}
