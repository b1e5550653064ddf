package mailin

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// TestToValidUTF8SameAsStrings: toValidUTF8 returns what strings.ToValidUTF8 does, with both
// replacements mailin uses, on the corpora's files (when present), whole and cut at random
// bytes, and on random byte strings, valid and not.
func TestToValidUTF8SameAsStrings(t *testing.T) {
	var texts []string
	r := rand.New(rand.NewPCG(11, 12))
	if root := corporaRoot(); root != "" {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
					texts = append(texts, string(b))
					if len(b) > 1 {
						texts = append(texts, string(b[r.IntN(len(b)):]))
					}
				}
			}
			return nil
		})
	}
	pieces := []string{"a", "é", "€", "𝄞", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", " ", "\n"}
	for range underrace.Rounds(100000) {
		var b strings.Builder
		for range r.IntN(40) {
			if r.IntN(3) == 0 {
				b.WriteByte(byte(r.Uint32()))
			} else {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
		}
		texts = append(texts, b.String())
	}
	invalid := 0
	for _, s := range texts {
		for _, rep := range []string{"\uFFFD", ""} {
			if got, want := toValidUTF8(s, rep), strings.ToValidUTF8(s, rep); got != want {
				t.Errorf("toValidUTF8(%q, %q) = %q, strings.ToValidUTF8 %q", s, rep, got, want)
			}
		}
		if strings.ToValidUTF8(s, "") != s {
			invalid++
		}
	}
	if invalid < 1000 || invalid > len(texts)-1000 {
		t.Errorf("%d of %d texts are invalid: the test does not try both", invalid, len(texts))
	}
}
