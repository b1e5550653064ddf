package templates

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// tidyByLines is tidy as it was first written, line by line: the reference TestTidy holds the
// one-pass tidy to.
func tidyByLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		if l != "-- " {
			l = strings.TrimRight(l, " \t")
		}
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

// TestTidy: tidy writes what tidyByLines does, for texts made of every piece that matters.
func TestTidy(t *testing.T) {
	pieces := []string{"\n", "\n", "a", " ", "\t", "-- ", "--", "\r", "é", "x y"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := tidy([]byte(s)), tidyByLines(s); got != want {
			t.Fatalf("tidy(%q) = %q, want %q", s, got, want)
		}
	}
}
