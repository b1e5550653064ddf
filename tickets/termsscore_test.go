package tickets

import (
	"math"
	"strings"
	"testing"
)

// TestTermsScoreIsOwnScore checks that the candidates' scores, read from the stored document, are
// the BM25 that ownScore computes from its terms.
func TestTermsScoreIsOwnScore(t *testing.T) {
	df := map[string]int{"": 1000, tokensKey: 40000, "vpn": 30, "timeout": 400, "printer": 90}
	n := 1000 + priorRows
	for _, doc := range []string{"vpn vpn timeout cisco client", "printer", "", "timeout  vpn", "cisco"} {
		terms := []string{"vpn", "timeout", "printer"}
		got, want := termsScore(doc, terms, df, n), ownScore(strings.Fields(doc), terms, df, n)
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%q: termsScore %v, ownScore %v", doc, got, want)
		}
	}
	if termsScore("vpn timeout", []string{"vpn"}, df, n) <= termsScore("vpn timeout", []string{"timeout"}, df, n) {
		t.Error("a rare term weighs no more than a common one")
	}
}
