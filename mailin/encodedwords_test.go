package mailin

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// encodedWordRe is what encodedWords finds by hand.
var encodedWordRe = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=`)

// TestEncodedWordsAsRegexp: encodedWords finds what encodedWordRe finds, on random texts of
// the characters that make and break encoded words, on header values of the corpora and on
// samples.
func TestEncodedWordsAsRegexp(t *testing.T) {
	texts := []string{"", "=?", "=?utf-8?q?caf=C3=A9?=", "=?utf-8?B?w6k=?= =?utf-8?b?w6k=?=", "a=?x?q??=b",
		"=?utf 8?q?x?=", "=?utf-8?x?y?=", "=??q?x?=", "=?=?utf-8?q?a?=", "=?a?q?b?c?=", "=?a?q?b", "=?a?q?b?",
		"=?a?Q?\n?=", "=?\xff\xfe?b?\xe9?=", "Re: =?ISO-8859-1?Q?Imprimante_bloqu=E9e?= suite",
		"=?utf-8?q?a?==?utf-8?q?b?=", "==?a?q?b?=?="}
	r := rand.New(rand.NewPCG(20, 47))
	alphabet := []string{"=", "?", "=?", "?=", "q", "B", "b", "x", "utf-8", " ", "\t", "\n", "\v", "é", "\xff", "_", "*"}
	for range underrace.Rounds(100000) {
		var b strings.Builder
		for range r.IntN(24) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	texts = append(texts, corpusHeaderValues(t)...)
	for _, s := range texts {
		want := encodedWordRe.FindAllStringSubmatchIndex(s, -1)
		var got [][]int
		for m := range encodedWords(s) {
			got = append(got, slices.Clone(m[:]))
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("encodedWords(%q) = %v, the expression finds %v", s, got, want)
		}
	}
}

// corpusHeaderValues are the lines of the corpora's mails that hold a "=?", with the lines that
// fold under them; none without the corpora.
func corpusHeaderValues(t *testing.T) []string {
	root := corporaRoot()
	var out []string
	for _, dir := range []string{"bounce_sisimai", "parse_enmime", "parse_cpython_email", "parse_stalwart_mailparser", "autoreply_zammad_cases"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 1<<20 {
				return nil
			}
			lines := strings.Split(string(b), "\n")
			for i, l := range lines {
				if strings.Contains(l, "=?") {
					j := i + 1
					for j < len(lines) && strings.HasPrefix(lines[j], " ") || j < len(lines) && strings.HasPrefix(lines[j], "\t") {
						j++
					}
					out = append(out, strings.Join(lines[i:j], "\n"))
				}
			}
			return nil
		})
	}
	t.Logf("%d lines of the corpora", len(out))
	return underrace.Sample(out)
}
