package mailin

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzUntidy: no conversion of HTML is untidy, so that converted may tell an untidy text/plain
// part from the HTML's conversion without making it.
func FuzzUntidy(f *testing.F) {
	for _, s := range []string{
		"<p>Bonjour,</p><p>ça marche&nbsp;</p>", "<pre>a  \n\n\n  b \r\n</pre>", "<ul><li>a<li> </ul>",
		"<blockquote>x<br> <br>&nbsp;<br>y</blockquote>", "<table><tr><td> a </td><td></td></tr></table>",
		"<a href=\"http://x.example/\n a \">lien </a>\u00a0\u2028", "<div>a\u0085</div><div>\u3000b</div>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if c := strings.TrimSpace(HTMLToText(h)); untidy(c) {
			t.Errorf("the conversion of %q is untidy: %q", h, c)
		}
	})
}

// TestUntidy: texts with a line that ends in white space or two blank lines in a row are
// untidy, others not; no HTML body of the corpora converts to an untidy text.
func TestUntidy(t *testing.T) {
	for s, want := range map[string]bool{
		"a\nb": false, "a\n\nb": false, "a \nb": true, "a\n\n\nb": true, "a\n  \nb": true,
		"Merci,\n-- \nJean": true, "a\r\nb": true, "a\u00a0\nb": true, "a b": false, "": false, "a\n": false,
	} {
		if got := untidy(s); got != want {
			t.Errorf("untidy(%q) = %v", s, got)
		}
	}
	root := corporaRoot()
	corpusDir(t, "parse_enmime")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".csv") {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := Parse(raw, ParseOptions{})
		if err != nil || m.HTML == "" {
			return nil
		}
		n++
		if c := strings.TrimSpace(HTMLToText(m.HTML)); untidy(c) {
			t.Errorf("%s: the conversion of the HTML is untidy: %q", p, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d HTML bodies", n)
	if n == 0 {
		t.Error("no HTML body read")
	}
}
