package mailin

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// TestLazyRegexpsSameAsMustCompile: every expression the package compiles at first use
// compiles (a bad one no longer stops the program at start-up, so this test does), and answers
// as regexp.MustCompile of the same expression does on samples and random texts.
func TestLazyRegexpsSameAsMustCompile(t *testing.T) {
	if len(lazyRegexps) < 34 || len(anchoredRegexps) < 24 {
		t.Fatalf("%d lazy and %d anchored expressions: the lists are not filled", len(lazyRegexps), len(anchoredRegexps))
	}
	texts := strings.Split(anchoredSamples, "\n")
	texts = append(texts, "", "Undeliverable: hello", "=?utf-8?B?SGVsbG8=?= <a@b.example>",
		"<img src=\"cid:part1@x\">", "I am out of the office until Monday.", "-- \nBob")
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aAbeiknorstuwy @.<>:=?-_\"'()[]\n\t 0123456789éçſK\u00a0")
	for range 300 {
		var b strings.Builder
		for range r.IntN(60) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	texts = underrace.Sample(texts)
	for _, l := range lazyRegexps {
		want := regexp.MustCompile(l.String())
		if l.Regexp().String() != want.String() {
			t.Errorf("lazy %q compiled as %q", l.String(), l.Regexp().String())
		}
		for _, s := range texts {
			if got, want := l.FindAllStringSubmatchIndex(s, -1), want.FindAllStringSubmatchIndex(s, -1); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%q on %q: %v, MustCompile %v", l.String(), s, got, want)
			}
		}
	}
	for _, a := range anchoredRegexps {
		want := regexp.MustCompile(a.String())
		for _, s := range texts {
			if got, want := a.MatchString(s), want.MatchString(s); got != want {
				t.Errorf("anchored %q on %q: %v, MustCompile %v", a.String(), s, got, want)
			}
			if got, want := a.FindStringSubmatch(s), want.FindStringSubmatch(s); !slices.Equal(got, want) {
				t.Errorf("anchored %q on %q: %q, MustCompile %q", a.String(), s, got, want)
			}
		}
	}
}
