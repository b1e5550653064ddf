package mailin

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// lfStringByByte is the byte-at-a-time lfString that lfBytes and lfString replaced, kept as
// their reference.
func lfStringByByte[T string | []byte](b T) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' {
			if i+1 < len(b) && b[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// TestLFAsByByte: lfBytes and lfString give what the byte-at-a-time copy gave, on random texts
// of CRs, LFs and other bytes (runs of each, at either end) and on the corpora's bodies.
func TestLFAsByByte(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 3))
	texts := []string{"", "\r", "\n", "\r\n", "\r\r", "\n\r", "a\r", "\ra", "a\r\nb\rc\n"}
	for range underrace.Rounds(50000) {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = "\r\n\r\nab\x00é"[r.IntN(9)]
		}
		texts = append(texts, string(b))
	}
	texts = append(texts, underrace.Sample(corpusBodies(t))...)
	for _, s := range texts {
		want := lfStringByByte(s)
		if got := lfString(s); got != want {
			t.Fatalf("lfString(%q) = %q, want %q", s, got, want)
		}
		if got := lfBytes([]byte(s)); got != want {
			t.Fatalf("lfBytes(%q) = %q, want %q", s, got, want)
		}
	}
}
