package templates

import (
	"strings"
	"testing"
	tparse "text/template/parse"

	"github.com/deskd/deskd/tickets"
)

// TestFoldedWords: with the layouts' words folded into the templates, every sample of every
// kind, in every language, renders to the bytes the templates write without folding; and words
// were folded, in text and in HTML.
func TestFoldedWords(t *testing.T) {
	{
		folded, err := loadSet("", true, true)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := loadSet("", false, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range folded.Languages() {
			for _, kind := range tickets.MailKinds {
				for i, n := range Samples(kind, lang) {
					s1, t1, h1, err1 := folded.render(kind, lang, n, engine)
					s2, t2, h2, err2 := plain.render(kind, lang, n, engine)
					if err1 != nil || err2 != nil {
						t.Fatalf("%s/%s %d: %v, %v", lang, kind, i, err1, err2)
					}
					if s1 != s2 || t1 != t2 || h1 != h2 {
						t.Fatalf("%s/%s %d: folded templates render otherwise:\n%s\n%s\n---\n%s\n%s", lang, kind, i, t1, h1, t2, h2)
					}
				}
			}
		}
	}
	s, err := loadSet("", true, true)
	if err != nil {
		t.Fatal(err)
	}
	count := func(root *tparse.ListNode) int { return strings.Count(root.String(), "word ") }
	tt, ht := s.kind("fr/assigned").engine.text, s.kind("fr/assigned").engine.html
	p, err := loadSet("", false, true)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := count(tt.Lookup("summary").Tree.Root), count(p.kind("fr/assigned").engine.text.Lookup("summary").Tree.Root); a >= b {
		t.Fatalf("text summary: %d word actions folded, %d before", a, b)
	}
	if a, b := count(ht.Lookup("summary").Tree.Root), count(p.kind("fr/assigned").engine.html.Lookup("summary").Tree.Root); a >= b {
		t.Fatalf("HTML summary: %d word actions left, %d before", a, b)
	}
}
