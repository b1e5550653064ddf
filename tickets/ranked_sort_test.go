package tickets

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestSortRankedSameAsSliceStable: sortRanked (slices.SortStableFunc) orders ranked tickets as
// sort.SliceStable with the same order did, on random lists of tied scores and ids, repeated
// tickets included.
func TestSortRankedSameAsSliceStable(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 7))
	for n := range 3000 {
		l := make([]rankedTicket, r.IntN(60))
		for i := range l {
			l[i] = rankedTicket{id: int64(r.IntN(1 + n%40)), score: float64(r.IntN(1+n%7)) / 3}
		}
		want := slices.Clone(l)
		sort.SliceStable(want, func(i, j int) bool {
			if want[i].score != want[j].score {
				return want[i].score > want[j].score
			}
			return want[i].id > want[j].id
		})
		got := slices.Clone(l)
		sortRanked(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%v:\ngot  %v\nwant %v", l, got, want)
		}
	}
}

// TestRarestTermsNone: rarestTerms, which answers nil at once when no term is within the bound,
// gives what sorting the terms by count does, on random terms and counts.
func TestRarestTermsNone(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 8))
	none := 0
	for range 3000 {
		df := map[string]int{}
		var terms []string
		for range r.IntN(8) {
			w := fmt.Sprintf("t%d", r.IntN(10))
			terms = append(terms, w)
			df[w] = r.IntN(60)
		}
		bound := r.IntN(50)
		byRarity := append([]string(nil), terms...)
		sort.SliceStable(byRarity, func(i, j int) bool { return df[byRarity[i]] < df[byRarity[j]] })
		var want []string
		postings := 0
		for _, w := range byRarity {
			if postings+df[w] > bound {
				break
			}
			postings += df[w]
			want = append(want, w)
		}
		got := rarestTerms(terms, df, bound)
		if !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("%q %v bound %d: %q, want %q", terms, df, bound, got, want)
		}
		if want == nil {
			none++
		}
	}
	if none < 300 {
		t.Fatalf("only %d of 3000 with no term within the bound", none)
	}
}
