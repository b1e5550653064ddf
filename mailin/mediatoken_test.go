package mailin

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// mediaTokenMap is mediaToken as contentTypeHint wrote it before.
func mediaTokenMap(t string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f && !strings.ContainsRune(`()<>@,;:\"[]?=`, r) {
			return r
		}
		return -1
	}, t)
}

// TestMediaTokenSameAsMap: mediaToken returns what strings.Map with the token test did, on
// every byte alone, media types, and random strings of media type pieces, tspecials, spaces,
// controls, characters past ASCII and invalid UTF-8.
func TestMediaTokenSameAsMap(t *testing.T) {
	var texts []string
	for c := range 256 {
		texts = append(texts, string([]byte{byte(c)}), "text/"+string([]byte{byte(c)})+"plain")
	}
	pieces := []string{"text", "/", "plain", "html", "multipart", "mixed", "application/pdf", "x-", ".", "+", "-",
		"(", ")", "<", ">", "@", ",", ";", ":", `\`, `"`, "[", "]", "?", "=", " ", "\t", "\x7f", "\x00", "é", "\xff", "\u00a0"}
	r := rand.New(rand.NewPCG(13, 14))
	for range underrace.Rounds(100000) {
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	changed := 0
	for _, s := range texts {
		want := mediaTokenMap(s)
		if got := mediaToken(s); got != want {
			t.Errorf("mediaToken(%q) = %q, strings.Map %q", s, got, want)
		}
		if want != s {
			changed++
		}
	}
	if changed < 1000 || changed > len(texts)-1000 {
		t.Errorf("%d of %d texts lose a character: the test does not try both ways", changed, len(texts))
	}
}
