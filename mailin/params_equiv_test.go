package mailin

import (
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// parseParamsMapReference is parseParamsHint as it was written when its parameters were a map.
func parseParamsMapReference(v, hint string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "", nil
	}
	var buf [8]string // A field has a few parameters: its pieces stay off the heap.
	parts := appendUnquoted(buf[:0], v, ';')
	params := make(map[string]string, len(parts)-1)
	value := ""
	if len(parts) > 0 {
		first := strings.TrimSpace(parts[0])
		// "text/plain charset=x" without a semicolon.
		if i := strings.IndexAny(first, " \t"); i >= 0 {
			parts = append([]string{first[:i], first[i:]}, parts[1:]...)
			first = first[:i]
		}
		value = mediaValue(first)
	}
	type piece struct {
		n       int
		encoded bool
		val     string
	}
	var cont map[string][]piece // RFC 2231 continuations, seldom there.
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		i := strings.IndexByte(p, '=')
		if i <= 0 {
			continue
		}
		name := strings.ToLower(strings.TrimSpace(p[:i]))
		val := unquote(strings.TrimSpace(p[i+1:]))
		if j := strings.IndexByte(name, '*'); j >= 0 {
			base, suffix := name[:j], name[j+1:]
			encoded := strings.HasSuffix(name, "*")
			suffix = strings.TrimSuffix(suffix, "*")
			n := 0
			if suffix != "" {
				var err error
				n, err = strconv.Atoi(suffix)
				if err != nil || n < 0 || n > 1000 {
					continue
				}
			}
			if cont == nil {
				cont = map[string][]piece{}
			}
			cont[base] = append(cont[base], piece{n, encoded, val})
			continue
		}
		if _, ok := params[name]; !ok {
			params[name] = val
		}
	}
	for base, ps := range cont {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		var raw []byte
		cs := ""
		for k, p := range ps {
			val := p.val
			if p.encoded {
				if k == 0 {
					if f := strings.SplitN(val, "'", 3); len(f) == 3 {
						cs, val = f[0], f[2]
					}
				}
				if u, err := url.PathUnescape(val); err == nil {
					val = u
				} else {
					val = percentDecodeLenient(val)
				}
			}
			raw = append(raw, val...)
		}
		s, _ := decodeCharsetHint(raw, cs, hint)
		// RFC 2231 values win over plain ones.
		params[base] = s
	}
	for k, v := range params {
		if strings.Contains(v, "=?") || !isPlainText(v) {
			params[k] = decodeHeader(v, hint)
		}
	}
	return value, params
}

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
	`attachment; filename*0*=utf-8''%C3%A9t; filename*1=%C3%A9.txt; filename="plain.txt"`,
	`text/plain; a=1; b=2; c=3; d=4; e=5; f=6; a=7; C=8; e*=utf-8''x; g="=?utf-8?q?caf=C3=A9?="`,
	"text/plain; name=caf\xe9.txt; NAME*=iso-8859-1''caf%E9; name*2=x; name*1=y; z*1000=w",
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
	for _, hint := range []string{"", "iso-8859-1", "windows-1251"} {
		v, params := parseParamsHint(s, hint)
		got := map[string]string{}
		for i := range params.n {
			p := params.at(i)
			if _, ok := got[p.name]; ok {
				t.Fatalf("parseParamsHint(%q, %q): parameter %q twice", s, hint, p.name)
			}
			got[p.name] = p.value
			if params.get(p.name) != p.value {
				t.Fatalf("parseParamsHint(%q, %q): get(%q) = %q, not %q", s, hint, p.name, params.get(p.name), p.value)
			}
		}
		wv, want := parseParamsMapReference(s, hint)
		if want == nil {
			want = map[string]string{}
		}
		if v != wv || !maps.Equal(got, want) {
			t.Fatalf("parseParamsHint(%q, %q) = %q %q; with a map %q %q", s, hint, v, got, wv, want)
		}
	}
}
