package templates

import (
	"bytes"
	"strings"
)

// The escapers html/template puts at the end of an action's pipeline (by the context the action
// is in: HTML text, an attribute, a URL), for the evaluator (eval.go). Each writes what
// html/template's own writes for a string or for HTML, which TestEscapersAsHTMLTemplate checks
// against html/template on many strings; a template that needs another escaper is left to
// html/template.
var escapers = map[string]func(s string, t htmlType) (string, error){
	// HTML text: HTML as it is, anything else escaped.
	"_html_template_htmlescaper": func(s string, t htmlType) (string, error) {
		if t == trustedHTML {
			return s, nil
		}
		return escapeHTML(s, true), nil
	},
	// A quoted attribute's value: HTML would lose its tags first (left to html/template).
	"_html_template_attrescaper": func(s string, t htmlType) (string, error) {
		if t == trustedHTML {
			return "", errFallback
		}
		return escapeHTML(s, true), nil
	},
	// The text of a <title> or <textarea>: HTML keeps its entities.
	"_html_template_rcdataescaper": func(s string, t htmlType) (string, error) {
		return escapeHTML(s, t != trustedHTML), nil
	},
	// The start of a URL: a scheme other than http, https and mailto is refused.
	"_html_template_urlfilter": func(s string, _ htmlType) (string, error) {
		if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
			!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
			return "#ZgotmplZ", nil
		}
		return s, nil
	},
	// A URL, normalized: what may not stand in one is percent-encoded, an escape already there kept.
	"_html_template_urlnormalizer": func(s string, _ htmlType) (string, error) { return escapeURL(s, true), nil },
	// A part of a URL (a query value): the URL's own delimiters encoded too.
	"_html_template_urlescaper": func(s string, _ htmlType) (string, error) { return escapeURL(s, false), nil },
}

// escapersTo are the escapers of escapers that end most actions, writing into the output what
// they return rather than a string to be copied there: an escaped value is not built apart (two
// allocations of a new ticket's assignment notice).
var escapersTo = map[string]func(w *bytes.Buffer, s string, t htmlType) error{
	"_html_template_htmlescaper": func(w *bytes.Buffer, s string, t htmlType) error {
		if t == trustedHTML {
			w.WriteString(s)
			return nil
		}
		escapeHTMLTo(w, s, true)
		return nil
	},
	"_html_template_attrescaper": func(w *bytes.Buffer, s string, t htmlType) error {
		if t == trustedHTML {
			return errFallback
		}
		escapeHTMLTo(w, s, true)
		return nil
	},
	"_html_template_rcdataescaper": func(w *bytes.Buffer, s string, t htmlType) error {
		escapeHTMLTo(w, s, t != trustedHTML)
		return nil
	},
}

// htmlSpecial tells the bytes escapeHTML replaces. A table, not strings.IndexAny: IndexAny builds
// its set of bytes again at every call, and a mail escapes some thirty short values (2% of a new
// ticket's two copies' instructions, BenchmarkCopyBytes).
var htmlSpecial = func() (t [256]bool) {
	for _, c := range []byte("\x00\"&'+<>") {
		t[c] = true
	}
	return t
}()

// escapeHTML replaces the characters that mean something in HTML by references, and NUL by
// U+FFFD; amp: "&" too (not in HTML, whose references stay).
func escapeHTML(s string, amp bool) string {
	i := 0
	for i < len(s) && !htmlSpecial[s[i]] {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for _, c := range []byte(s[i:]) {
		switch c {
		case 0:
			b.WriteString("\uFFFD")
		case '"':
			b.WriteString("&#34;")
		case '&':
			if amp {
				b.WriteString("&amp;")
			} else {
				b.WriteByte(c)
			}
		case '\'':
			b.WriteString("&#39;")
		case '+':
			b.WriteString("&#43;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// escapeHTMLTo writes escapeHTML(s, amp) into w, the runs between the bytes it replaces at once
// (TestEscapeHTMLTo). The runs are found four bytes at a time in a table of the bytes to replace
// (with "&" or without): a byte cost nine instructions one by one, with amp tested at each.
func escapeHTMLTo(w *bytes.Buffer, s string, amp bool) {
	w.Grow(len(s))
	tab := &htmlSpecial
	if !amp {
		tab = &htmlSpecialNoAmp
	}
	start, i := 0, 0
	for {
		for len(s)-i >= 4 {
			q := s[i : i+4] // One bounds check for the four.
			if tab[q[0]] || tab[q[1]] || tab[q[2]] || tab[q[3]] {
				break
			}
			i += 4
		}
		for i < len(s) && !tab[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		w.WriteString(s[start:i])
		switch s[i] {
		case 0:
			w.WriteString("\uFFFD")
		case '"':
			w.WriteString("&#34;")
		case '&':
			w.WriteString("&amp;")
		case '\'':
			w.WriteString("&#39;")
		case '+':
			w.WriteString("&#43;")
		case '<':
			w.WriteString("&lt;")
		case '>':
			w.WriteString("&gt;")
		}
		i++
		start = i
	}
	w.WriteString(s[start:])
}

// htmlSpecialNoAmp is htmlSpecial without "&" (escapeHTML's amp false).
var htmlSpecialNoAmp = func() (t [256]bool) {
	t = htmlSpecial
	t['&'] = false
	return t
}()

// escapeURL percent-encodes every byte of s but the unreserved characters of RFC 3986 (letters,
// digits, "-._~"); norm: the reserved ones stay too, and "%" when it starts an escape.
func escapeURL(s string, norm bool) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			continue
		case norm && strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0:
			continue
		case norm && c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
