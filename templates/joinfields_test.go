package templates

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestJoinFields: joinFields is strings.Join(strings.Fields(s), " "), for texts of ASCII and
// Unicode spaces, controls, letters and invalid UTF-8 in every order.
func TestJoinFields(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	parts := []string{"a", "é", " ", "  ", "\t", "\n", "\r", "\v", "\f", "\x00", "\x1c", "\u0085", "\u00a0", "\u2028", "\u3000",
		"\xff", "\xc3", "€", "[HD #42]", ":"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if got, want := joinFields([]byte(s)), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("joinFields(%q) = %q, want %q", s, got, want)
		}
	}
}
