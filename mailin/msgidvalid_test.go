package mailin

import (
	"fmt"
	"strings"
	"testing"
)

// msgIDCases are message IDs of every form msgIDSyntax tells apart.
var msgIDCases = []string{
	"CAF1234567.abcdef@mail.client.example", "a@b", "\"quoted local\"@x.example", "a.b+c=d@[192.0.2.1]",
	"a@[IPv6:2001:db8::1]", "a@[]", "a@[x y]", "a@[x\\y]", "a@[x[y]", "a@[", "a@]", "a@[x]y", "@x", "a@", "a",
	"a@b@c", "a b@c", "a@b c", "a@\"b\"", "é@x", "a@é", "a@[é]", "a@[\xff]", "\xff@x", "a\n@b", "a@b\n", "a@[b\n]",
	"a@b.example.", "{|}~@!#$%&'*+/=?^_`.-", "",
}

// TestMsgIDValid: msgIDValid says what msgIDSyntax says.
func TestMsgIDValid(t *testing.T) {
	valid := 0
	for _, id := range msgIDCases {
		got, want := msgIDValid(id), msgIDSyntax.MatchString(id)
		if got != want {
			t.Errorf("msgIDValid(%q) = %v, msgIDSyntax %v", id, got, want)
		}
		if want {
			valid++
		}
	}
	if valid < 6 {
		t.Errorf("%d valid IDs of %d: the cases no longer test both sides", valid, len(msgIDCases))
	}
}

// FuzzMsgIDValid: msgIDValid says what msgIDSyntax says.
func FuzzMsgIDValid(f *testing.F) {
	for _, id := range msgIDCases {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := msgIDValid(id), msgIDSyntax.MatchString(id); got != want {
			t.Errorf("msgIDValid(%q) = %v, msgIDSyntax %v", id, got, want)
		}
	})
}

// escapeCases are address lists with Q-encoded words, with and without what must be escaped.
var escapeCases = []string{
	"=?utf-8?Q?Dupont,_Jean?= <jean@x.example>", "=?utf-8?q?Marie_Dupont?= <m@x>", "a@b, c@d",
	"=?iso-8859-1?Q?a:b?= <x@y>, =?utf-8?b?QUI=?= <z@y>, =?utf-8?q?(c)?= <w@y>", "=?=?utf-8?q?x,y?=",
	"=? utf-8?q?a,b?=", "=?utf-8?Q?a,b", "=?utf-8?Q?a,b?", "=?utf-8?x?a,b?=", "=?utf-8?q??=", "=?utf-8?q?a?b,c?=",
	"x =?u?q?<@>[];:\"\\?= y =?u?Q?é,è?= z", "=?\xff?q?a,\xfe?=", "",
}

// TestEscapeEncodedWords: escapeEncodedWords escapes what the expression's replacement escapes.
func TestEscapeEncodedWords(t *testing.T) {
	for _, v := range escapeCases {
		if got, want := escapeEncodedWords(v), escapeByExpression(v); got != want {
			t.Errorf("escapeEncodedWords(%q) = %q, the expression %q", v, got, want)
		}
	}
	if got := escapeEncodedWords(escapeCases[0]); got != "=?utf-8?Q?Dupont=2C_Jean?= <jean@x.example>" {
		t.Errorf("escapeEncodedWords(%q) = %q", escapeCases[0], got)
	}
}

// FuzzEscapeEncodedWords: escapeEncodedWords escapes what the expression's replacement escapes.
func FuzzEscapeEncodedWords(f *testing.F) {
	for _, v := range escapeCases {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := escapeEncodedWords(v), escapeByExpression(v); got != want {
			t.Errorf("escapeEncodedWords(%q) = %q, the expression %q", v, got, want)
		}
	})
}

// escapeByExpression is escapeEncodedWords as it was written with qWordRe.
func escapeByExpression(v string) string {
	return qWordRe.ReplaceAllStringFunc(v, func(w string) string {
		i := strings.Index(w[2:], "?") + 2 // the ? after the charset
		head, text := w[:i+3], w[i+3:len(w)-2]
		var b strings.Builder
		for j := 0; j < len(text); j++ {
			if c := text[j]; strings.IndexByte(",;:\"()<>@[]\\", c) >= 0 {
				fmt.Fprintf(&b, "=%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
		return head + b.String() + "?="
	})
}
