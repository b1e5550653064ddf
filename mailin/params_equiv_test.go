package mailin

import (
	"slices"
	"testing"
)

// splitUnquotedReference is splitUnquoted as it was written before it was made of
// indexUnquoted: one loop over s.
func splitUnquotedReference(s string, sep byte) []string {
	var out []string
	inQuote, esc := false, false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' && !inQuote && i+1 < len(s) && s[i+1] == '?' {
			if m := encodedWordStartRe.FindStringIndex(s[i:]); m != nil {
				i += m[1] - 1
				continue
			}
		}
		switch {
		case esc:
			esc = false
		case c == '\\' && inQuote:
			esc = true
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var paramSeeds = []string{
	"", " ", "text/plain", "TEXT/Plain; Charset=UTF-8", "text/plain charset=x", " text/html ;",
	`multipart/report; report-type="delivery-status"; boundary="a;b"`, `a; b="x\"; y"; c=d`,
	`attachment; filename="=?utf-8?q?a;b?="; size=3`, `=?utf-8?b?O2E=?=; x=y`, `"a;b"`,
	`text/plain;;;`, "image/png;\tname=a.png", `x; "unterminated; y=z`, `a\;b; c`, "\xff\xfe/x; y=\xff",
	`multipart/mixed; boundary==?x?q?;?=; z`, "a,b,\"c,d\",=?x?q?,?=,e",
}

// TestUnquotedSplitsAsBefore: splitUnquoted, now made of indexUnquoted, splits as the single loop
// did, and mediaType is the value parseParams returns.
func TestUnquotedSplitsAsBefore(t *testing.T) {
	for _, s := range paramSeeds {
		checkParamsEquivalent(t, s)
	}
	raws, _ := generatedMail()
	for _, raw := range raws {
		m, err := Parse(raw, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"Content-Type", "Content-Disposition", "To", "Cc", "From"} {
			for _, v := range m.Header.Values(k) {
				checkParamsEquivalent(t, v)
			}
		}
	}
}

func FuzzUnquoted(f *testing.F) {
	for _, s := range paramSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParamsEquivalent)
}

func checkParamsEquivalent(t *testing.T, s string) {
	for _, sep := range []byte{';', ','} {
		if got, want := splitUnquoted(s, sep), splitUnquotedReference(s, sep); !slices.Equal(got, want) {
			t.Fatalf("splitUnquoted(%q, %q) = %q, before %q", s, sep, got, want)
		}
	}
	if got, want := mediaType(s), func() string { v, _ := parseParams(s); return v }(); got != want {
		t.Fatalf("mediaType(%q) = %q, parseParams %q", s, got, want)
	}
}
