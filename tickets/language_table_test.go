package tickets

import (
	"math/rand/v2"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// TestLanguageTableAsMap: languageTable holds languageWords' words with their weights, and no
// other: every word of the map, each cut short or grown by a letter, and random words.
func TestLanguageTableAsMap(t *testing.T) {
	var words []string
	for w := range languageWords {
		words = append(words, w, w[:len(w)-1], w+"s", "x"+w)
	}
	r := rand.New(rand.NewPCG(20, 1024))
	alphabet := "abcdeilmnopqrstuy'é"
	for range underrace.Rounds(50000) {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		words = append(words, string(b))
	}
	for _, w := range words {
		got, ok := languageTable.get([]byte(w))
		want, wantOK := languageWords[w]
		if got != want || ok != wantOK {
			t.Fatalf("languageTable.get(%q) = %v, %v; the map has %v, %v", w, got, ok, want, wantOK)
		}
	}
	if len(languageWords)*2 > wordTableSize {
		t.Errorf("%d words in %d slots", len(languageWords), wordTableSize)
	}
}
