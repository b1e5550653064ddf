package mailin

import (
	"net/textproto"
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	gotextproto "github.com/emersion/go-message/textproto"
)

// Header is the header of a message or of a MIME part: its fields in header order, each with
// the key and the value that go-message's textproto.Header gives it (the name canonicalised by
// net/textproto.CanonicalMIMEHeaderKey, the value without its line ends and the spaces and tabs
// around them), and the field as readHeader kept it. Mail returns it as a go-message header.
//
// The fields are slices of one string, and a value is a slice of it too unless it was folded:
// building a textproto.Header (AddRaw for each field: the key and the value copied, a field,
// the list and the map grown) was 39 of the 88 allocations of a header pass; this one takes
// three. Callgrind of BenchmarkParseGenerated (1000x less 500x): 328,200 instructions and 151
// allocations a mail before, 306,100 and 99 after.
// TestHeaderMatchesTextproto and FuzzHeaderMatchesTextproto hold it to the textproto.Header.
type Header struct {
	fields []headerField
}

type headerField struct {
	raw   string // The field, folded lines included, with its CRLF.
	key   string // Canonical.
	value string
}

// newHeader is the header of the fields written one after the other in s, each with its CRLF:
// field i has its colon at ends[2*i] and ends at ends[2*i+1]. The name before each colon is
// valid, after trimming spaces and tabs, and not empty.
func newHeader(s string, ends []int) Header {
	h := Header{fields: make([]headerField, len(ends)/2)}
	start := 0
	for i := range h.fields {
		end := ends[2*i+1]
		raw := s[start:end]
		c := ends[2*i] - start
		h.fields[i] = headerField{raw: raw, key: textproto.CanonicalMIMEHeaderKey(trimSpaceTab(raw[:c])), value: fieldValue(raw[c+1:])}
		start = end
	}
	return h
}

// trimSpaceTab is s without the spaces and tabs it begins and ends with.
func trimSpaceTab(s string) string {
	i, n := 0, len(s)
	for i < n && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for n > i && (s[n-1] == ' ' || s[n-1] == '\t') {
		n--
	}
	return s[i:n]
}

// fieldValue is go-message's value of a field whose text after the colon is v: each line
// without a CR at its end and trimmed of spaces and tabs, the lines left non-empty joined by
// one space. A value of one line is a slice of v; the lines are joined only from the second
// non-empty one on.
func fieldValue(v string) string {
	var one string
	var b strings.Builder
	n := 0
	for rest := v; ; {
		line, next, more := strings.Cut(rest, "\n")
		if line = trimSpaceTab(strings.TrimSuffix(line, "\r")); line != "" {
			switch n {
			case 0:
				one = line
			case 1:
				b.Grow(len(v))
				b.WriteString(one)
				fallthrough
			default:
				b.WriteByte(' ')
				b.WriteString(line)
			}
			n++
		}
		if !more {
			break
		}
		rest = next
	}
	if n <= 1 {
		return one
	}
	return b.String()
}

// is reports whether a field's canonical key is CanonicalMIMEHeaderKey(k), without
// canonicalising k: the same up to the case of ASCII letters, when k has only the bytes that
// CanonicalMIMEHeaderKey changes the case around (it returns any other key as it is). The
// canonicalisation of the key of each Get took Get to 6,600 instructions of a generated mail,
// 3,000 without it, and the mail from 304,200 to 298,400 (callgrind of BenchmarkParseGenerated);
// FuzzHeaderMatchesTextproto compares the two.
func (f *headerField) is(k string, valid *int8) bool {
	if f.key == k {
		return true
	}
	if len(f.key) != len(k) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if asciiLower(f.key[i]) != asciiLower(k[i]) {
			return false
		}
	}
	if *valid == 0 {
		*valid = 1
		for i := 0; i < len(k); i++ {
			if !headerKeyByte[k[i]] {
				*valid = -1
				break
			}
		}
	}
	return *valid > 0
}

// headerKeyByte are the bytes of a field name that net/textproto canonicalises (its
// validHeaderFieldByte): letters, digits and the other token characters of RFC 7230.
var headerKeyByte = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

// Get is the first value of the field k, "" if none.
func (h Header) Get(k string) string {
	var valid int8
	for i := range h.fields {
		if h.fields[i].is(k, &valid) {
			return h.fields[i].value
		}
	}
	return ""
}

// Has reports whether the header has the field k.
func (h Header) Has(k string) bool {
	var valid int8
	for i := range h.fields {
		if h.fields[i].is(k, &valid) {
			return true
		}
	}
	return false
}

// Values is every value of the field k, in header order; nil if none.
func (h Header) Values(k string) []string {
	var valid int8
	var out []string
	for i := range h.fields {
		if h.fields[i].is(k, &valid) {
			out = append(out, h.fields[i].value)
		}
	}
	return out
}

// Len is the number of fields.
func (h Header) Len() int { return len(h.fields) }

// Fields iterates over the fields in header order.
func (h Header) Fields() HeaderFields { return HeaderFields{fields: h.fields, i: -1} }

// HeaderFields iterates over a header's fields; its cursor starts before the first.
type HeaderFields struct {
	fields []headerField
	i      int
}

// Next moves to the next field, and reports whether there is one.
func (f *HeaderFields) Next() bool {
	f.i++
	return f.i < len(f.fields)
}

// Key is the canonical name of the current field.
func (f *HeaderFields) Key() string { return f.fields[f.i].key }

// Value is the value of the current field.
func (f *HeaderFields) Value() string { return f.fields[f.i].value }

// Raw is the current field as received, folded lines included, with its CRLF.
func (f *HeaderFields) Raw() string { return f.fields[f.i].raw }

// Mail is the header as go-message reads one, built anew at each call: the same fields,
// keys and values, in the same order.
func (h Header) Mail() gomail.Header {
	var th gotextproto.Header
	for i := len(h.fields) - 1; i >= 0; i-- { // AddRaw puts each field above the others.
		th.AddRaw([]byte(h.fields[i].raw))
	}
	return gomail.Header{Header: message.Header{Header: th}}
}
