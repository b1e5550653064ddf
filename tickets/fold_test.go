package tickets

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// foldByToLower is Fold as it was written before its pass over the bytes: strings.ToLower, then
// each rune looked up among the accents. The reference of TestFoldAsToLower.
func foldByToLower(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestFoldAsToLower: Fold gives what foldByToLower gives, on random strings of ASCII, accented
// capitals and small letters, letters whose lower case is ASCII (the Kelvin sign, the dotted
// capital I) or longer, the apostrophe folded, bytes that are not UTF-8 and cut sequences, and on
// the lines of the package's test data and of the IT corpus.
func TestFoldAsToLower(t *testing.T) {
	pieces := []string{"a", "Z", "m", "Q", " ", ",", "'", "0", "-", "\n", "é", "É", "à", "À", "Œ", "œ", "ß", "ẞ",
		"ç", "Ç", "ÿ", "Ÿ", "ñ", "Ñ", "’", "\u212a", "\u0130", "Ω", "ω", "Ⅻ", "ǅ", "\ufffd", "\xff", "\xc3", "\xe2\x80",
		"日本", "🙂", "Ａ", "ı", "ſ", "\x00", "\x7f"}
	rng := rand.New(rand.NewPCG(20, 14))
	for round := range underrace.Rounds(20_000) {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := Fold(s), foldByToLower(s); got != want {
			t.Fatalf("round %d: Fold(%q) = %q, want %q", round, s, got, want)
		}
	}
	t.Run("testdata", func(t *testing.T) { // French and English requests, with their capitals and accents.
		files, err := filepath.Glob(filepath.Join("testdata", "*"))
		if err != nil || len(files) == 0 {
			t.Fatal(files, err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range underrace.Sample(strings.Split(string(data), "\n")) {
				if got, want := Fold(l), foldByToLower(l); got != want {
					t.Fatalf("%s: Fold(%q) = %q, want %q", name, l, got, want)
				}
			}
		}
	})
	t.Run("corpus", func(t *testing.T) {
		var lines []string
		for _, ex := range loadITCorpus(t) {
			lines = append(lines, strings.Split(ex.text, "\n")...)
		}
		for _, l := range underrace.Sample(lines) {
			if got, want := Fold(l), foldByToLower(l); got != want {
				t.Fatalf("Fold(%q) = %q, want %q", l, got, want)
			}
		}
	})
}
