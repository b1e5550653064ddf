package mailin

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets check what must hold for any input: no panic, valid
// UTF-8 out, and no output much longer than the input.

func FuzzVisibleText(f *testing.F) {
	for _, s := range []string{
		"",
		"Hello\n\nOn Mon, 23 Nov 2026 at 10:05, Alice <alice@corp.example> wrote:\n> hi",
		"Merci\n\nDe : Support\nEnvoyé : lundi\nÀ : Céline\nObjet : x\n\nold",
		"> a\nb\n> c\nd",
		"On x <\n\n<\nmailto:a@b.c\n> wrote:\n",
		"---------- Forwarded message ---------\nFrom: a\nDate: b\n\ntext",
		"-- \nsig",
		"\xff\xfe\r\r\n>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := VisibleText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out: %q", out)
		}
		// Invalid bytes become U+FFFD (3 bytes each); a forward gets one
		// blank line.
		if len(out) > 3*len(in)+2 {
			t.Fatalf("output longer than input: %d > %d", len(out), len(in))
		}
		if fwd := VisibleForward(in); !utf8.ValidString(fwd) || len(fwd) > 3*len(in)+2 {
			t.Fatalf("VisibleForward: %d bytes out of %d, valid UTF-8 %v", len(fwd), len(in), utf8.ValidString(fwd))
		}
		if strings.TrimSpace(in) != "" && strings.Trim(in, " \t\r\n\x00\ufeff\u200b") != "" && out == "" {
			if strings.TrimSpace(normalizeText(in)) != "" {
				t.Fatalf("empty output for non-empty input %q", in)
			}
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{
		"",
		"<p>Bonjour&nbsp;!</p><ul><li>a</li></ul>",
		`<div class="gmail_quote">On x wrote:<blockquote>q</blockquote></div>`,
		`<table><tr><td>a</td><td></td><td>b</td></tr></table>`,
		`<a href="http://x">y</a><pre> a
 b</pre><blockquote><blockquote>x</blockquote></blockquote>`,
		"<div id=divRplyFwdMsg>From: a</div>\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, out := range []string{HTMLToText(in), VisibleHTML(in)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out: %q", out)
			}
			// Links may add " (url)" and list items "- ": bounded by twice
			// the input, invalid bytes by three.
			if len(out) > 3*len(in)+16 {
				t.Fatalf("output too long: %d for %d", len(out), len(in))
			}
		}
	})
}
