package templates

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// variedStrings are strings of the bytes that matter to escapers and to line handling, and
// random ones.
func variedStrings() []string {
	out := []string{"", " ", "\n", "\n\n", " \n ", "a", "a\n", "a \nb  \n\n", "\n\na", "x\r\ny", "<b>\"a\" & 'b'</b> + c",
		"\x00", "héllo ✓", "  lead", "trail  ", "> quoted\n>> twice\n"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[i] = " \n\"&'+<>\x00aZé"[rng.IntN(12)]
			}
		}
		out = append(out, string(b))
	}
	return out
}

// TestEscapeHTMLTo: written into a buffer, a string is escaped as escapeHTML escapes it.
func TestEscapeHTMLTo(t *testing.T) {
	for _, s := range variedStrings() {
		for _, amp := range []bool{true, false} {
			var w bytes.Buffer
			w.WriteString("before|")
			escapeHTMLTo(&w, s, amp)
			if want := "before|" + escapeHTML(s, amp); w.String() != want {
				t.Fatalf("%q (amp %v): got %q, want %q", s, amp, w.String(), want)
			}
		}
	}
}

// TestQuoteAsSplitJoin: quote writes what it wrote when it split the lines, prefixed and trimmed
// each, and joined them.
func TestQuoteAsSplitJoin(t *testing.T) {
	was := func(s string) string {
		ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
		for i, l := range ls {
			ls[i] = strings.TrimRight("> "+l, " ")
		}
		return strings.Join(ls, "\n")
	}
	for _, s := range variedStrings() {
		if got, want := quote(s), was(s); got != want {
			t.Fatalf("%q: got %q, want %q", s, got, want)
		}
	}
}
