package tickets

import (
	"fmt"
	"testing"
)

// twinDesk is a known-answers index where tickets 1 and 2 hold the same text (2 the newer twin,
// removed when removeTwin) and tickets 3–79 share only two of its terms.
func twinDesk(removeTwin bool) (*knownIndex, map[string]int, int) {
	var x knownIndex
	x.reset()
	docs := map[int64]string{1: "vpn panne bureau", 2: "vpn panne bureau"}
	x.add(1, "fr", docs[1])
	x.add(2, "fr", docs[2])
	if removeTwin {
		x.remove(2)
		delete(docs, 2)
	}
	for i := int64(3); i < 80; i++ {
		docs[i] = fmt.Sprintf("vpn panne autre%d chose%d truc%d machin%d", i, i, i, i)
		x.add(i, "fr", docs[i])
	}
	df := map[string]int{tokensKey: 0}
	for _, d := range docs {
		tf, dl := termCounts(d)
		df[tokensKey] += dl
		for w := range tf {
			df[w]++
		}
	}
	return &x, df, len(docs)
}

// TestKnownRankTwinExcluded: a ranking for the newer of two identical requests (excluded) keeps the
// older as its best answer — the twin that would dominate it is the excluded ticket — and a
// removed twin dominates nothing (the pruned ranking against the full one).
func TestKnownRankTwinExcluded(t *testing.T) {
	for _, c := range []struct {
		remove  bool
		exclude int64
	}{{false, 2}, {true, 0}} {
		x, df, n := twinDesk(c.remove)
		for _, limit := range []int{1, 3} {
			for _, d := range []searchDialect{dialectFTS4, dialectFTS5} {
				got := x.rank(d, []string{"vpn", "panne"}, "fr", c.exclude, limit, df, n)
				want := x.rankFull(d, []string{"vpn", "panne"}, "fr", c.exclude, limit, df, n)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("remove %v exclude %d limit %d: rank %v, rankFull %v", c.remove, c.exclude, limit, got, want)
				}
			}
		}
	}
}
