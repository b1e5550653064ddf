package mailin

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/htmlindex"
)

// normalizeNewlines returns b with CRLF and lone CR line ends turned into LF.
// It is for decoded text only: the MIME structure is read with either line
// end, and encoded bodies are decoded from the bytes as received, so that
// files come out exactly as they were sent.
func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' {
			if i+1 < len(b) && b[i+1] == '\n' {
				continue
			}
			c = '\n'
		}
		out = append(out, c)
	}
	return out
}

// normalizeNewlinesString is normalizeNewlines for a string, which it returns as it is when it
// has no CR.
func normalizeNewlinesString(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return lfString(s)
}

// lfBytes returns text with CRLF and lone CR line ends made "\n", in one copy: the runs
// between CRs are copied whole (a byte at a time, the copy took 5.5k instructions of a generated
// mail's ingest).
func lfBytes(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			sb.Write(b)
			return sb.String()
		}
		sb.Write(b[:i])
		if i+1 >= len(b) || b[i+1] != '\n' {
			sb.WriteByte('\n') // A lone CR; a CRLF's LF goes with the next run.
		}
		b = b[i+1:]
	}
}

// lfString is lfBytes of a string.
func lfString(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for {
		i := strings.IndexByte(s, '\r')
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		sb.WriteString(s[:i])
		if i+1 >= len(s) || s[i+1] != '\n' {
			sb.WriteByte('\n')
		}
		s = s[i+1:]
	}
}

// decodeText is decodeCharsetHint for a body text, with its line ends made "\n": in one copy
// when it is UTF-8 as declared (a text of 24 MB is copied once, not twice).
func decodeText(b []byte, label, hint string) (string, string) {
	switch strings.ToLower(strings.Trim(label, "\" '")) {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		if utf8.Valid(b) && bytes.IndexByte(b, '\x1b') < 0 {
			return lfBytes(b), ""
		}
	}
	s, p := decodeCharsetHint(b, label, hint)
	return normalizeNewlinesString(s), p
}

// isHeaderLine reports whether line looks like "Key: value".
func isHeaderLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	key := bytes.TrimRight(line[:i], " \t")
	if len(key) == 0 {
		return false
	}
	for _, c := range key {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// knownFields are the names of fields that mail software writes (lower
// case; knownFieldPrefixes for families), so that a header can be
// recognised after a malformed line without taking a body line such as
// "Note: …" for a field.
var knownFields = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "date": true, "message-id": true,
	"in-reply-to": true, "references": true, "reply-to": true, "sender": true, "return-path": true, "received": true,
	"mime-version": true, "dkim-signature": true, "domainkey-signature": true, "authentication-results": true,
	"received-spf": true, "importance": true, "priority": true, "user-agent": true, "organization": true,
	"delivered-to": true, "precedence": true, "auto-submitted": true, "disposition-notification-to": true,
	"errors-to": true, "comments": true, "keywords": true, "accept-language": true, "envelope-to": true,
	"feedback-id": true, "thread-topic": true, "thread-index": true,
}

var knownFieldPrefixes = []string{"content-", "x-", "arc-", "list-", "resent-"}

// isKnownField reports whether line is a field whose name mail software
// writes.
func isKnownField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 64 {
		return false
	}
	name := strings.ToLower(string(bytes.TrimRight(line[:i], " \t")))
	if knownFields[name] {
		return true
	}
	for _, p := range knownFieldPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) && !strings.ContainsAny(name, " \t") {
			return true
		}
	}
	return false
}

// headerLookahead is how many lines after a malformed header line are
// searched for a field that proves the header goes on.
const headerLookahead = 8

// Limits on one header block (a message's or a part's), against mail built to exhaust the
// parser (a million fields took 537 MB). Real mail has a few dozen fields; a long Received chain
// stays under maxSameField (mail servers stop a loop at about 100 hops, RFC 5321 section
// 6.3), and its longest field, a large Cc list, under maxFieldBytes (2,000 addresses).
const (
	maxHeaderFields = 1000     // fields kept; past it, or past maxHeaderBytes, only the first maxVitalCopies of each knownFields name
	maxHeaderBytes  = 1 << 20  // bytes of fields kept
	maxSameField    = 100      // copies of one field name kept
	maxVitalCopies  = 2        // copies of a known field kept past the limits: enough to see that it repeats
	maxFieldBytes   = 64 << 10 // one field with its folded lines; the rest of it is dropped
	maxProblems     = 100      // defects recorded for one message
)

// headerFields collects the fields of a header block within the limits above.
type headerFields struct {
	fields   [][]byte       // each a complete field, continuation lines included
	few      []nameCount    // fields seen, by lower-case name: the first maxFewNames names
	names    []byte         // the names of few, one after the other
	count    map[string]int // fields seen, by lower-case name: the names after those of few
	size     int            // bytes kept
	dropping bool           // the current field is dropped, and so are its continuation lines
	dropped  int            // fields dropped
	cut      int            // fields cut at maxFieldBytes
}

// add starts a field with its first line.
func (c *headerFields) add(line []byte) {
	var buf [64]byte
	name := bytes.TrimRight(line[:max(bytes.IndexByte(line, ':'), 0)], " \t")
	if len(name) > len(buf) {
		name = name[:len(buf)]
	}
	for i, ch := range name {
		buf[i] = asciiLower(ch)
	}
	name = buf[:len(name)]
	full := len(c.fields) >= maxHeaderFields || c.size >= maxHeaderBytes
	n := 0
	if !full || knownFields[string(name)] { // Past the limits only known names are counted: the map stays small.
		n = c.counted(name)
	}
	if n == 0 || n > maxSameField || (full && n > maxVitalCopies) {
		c.dropping = true
		c.dropped++
		return
	}
	c.dropping = false
	if len(line) > maxFieldBytes {
		line = line[:maxFieldBytes]
		c.cut++
	}
	// The line itself, capped so that a continuation folded into it (fold) is appended to a
	// copy and not over the bytes after it, which are the message's.
	if c.fields == nil {
		c.fields = make([][]byte, 0, 16) // Most headers, at once: growing the list took 5 allocations a mail.
	}
	c.fields = append(c.fields, line[:len(line):len(line)])
	c.size += len(line)
}

// counted counts one more field of a lower-case name, and returns how many were seen. The first
// names are counted in a short list, in one buffer (a header has some 10 to 30 field names), and
// the others in a map: a map and a string for each name were a tenth of a header's allocations.
func (c *headerFields) counted(name []byte) int {
	for i := range c.few {
		if f := &c.few[i]; string(c.names[f.start:f.end]) == string(name) {
			f.n++
			return int(f.n)
		}
	}
	if len(c.few) < maxFewNames {
		if c.few == nil {
			l := new(nameList) // one allocation for both
			c.few, c.names = l.few[:0], l.names[:0]
		}
		c.few = append(c.few, nameCount{start: uint16(len(c.names)), end: uint16(len(c.names) + len(name)), n: 1})
		c.names = append(c.names, name...)
		return 1
	}
	if c.count == nil {
		c.count = make(map[string]int)
	}
	n := c.count[string(name)] + 1
	c.count[string(name)] = n
	return n
}

// maxFewNames is how many field names headerFields counts in its list before its map.
const maxFewNames = 32

// nameCount is a field name, names[start:end] of its headerFields, and its count. The names of
// few take at most maxFewNames times the 64 bytes add keeps of a name; a count is at most the
// lines of a header (2^31 of them would be a header of 4 GB). A nameList of ints was 1,280 bytes, a fifth of a generated mail's
// allocation in parsing.
type nameCount struct {
	start, end uint16
	n          int32
}

// nameList holds the first names headerFields counts, and their counts.
type nameList struct {
	few   [maxFewNames]nameCount
	names [512]byte
}

// fold appends a continuation line to the current field, after sep.
func (c *headerFields) fold(sep string, line []byte) {
	if c.dropping || len(c.fields) == 0 {
		return
	}
	f := c.fields[len(c.fields)-1]
	if len(f) >= maxFieldBytes {
		return
	}
	if len(f)+len(sep)+len(line) > maxFieldBytes {
		c.cut++
		line = line[:max(maxFieldBytes-len(f)-len(sep), 0)]
	}
	c.fields[len(c.fields)-1] = append(append(f, sep...), line...)
	c.size += len(sep) + len(line)
}

// readHeader splits b (CRLF or LF line ends) into a header and a body, the
// body as it is in b. It is lenient: an mbox "From " line is skipped, and a
// malformed line (a line before the first field, an unindented continuation,
// a stray line) does not end the header when a known field follows it
// within a few lines: an unindented line without a colon right after a
// field is folded into it, any other is dropped. A header not ended by a
// blank line ends at the first line after which no field follows. Fields
// past the limits above are dropped (the raw message keeps them).
func readHeader(b []byte) (Header, []byte, []string) {
	var problems []string
	problem := func(p string) {
		if len(problems) < maxProblems && !slices.Contains(problems, p) {
			problems = append(problems, p)
		}
	}
	var c headerFields
	rest := b
	first := true
	// nextLine splits off the first line of r, without its line end.
	nextLine := func(r []byte) (line, next []byte) {
		line = r
		if i := bytes.IndexByte(r, '\n'); i >= 0 {
			line, next = r[:i], r[i+1:]
		}
		return bytes.TrimSuffix(line, []byte("\r")), next
	}
	// fieldFollows reports whether a known field starts one of the next
	// lines of r, before a blank line.
	fieldFollows := func(r []byte) bool {
		for n := 0; n < headerLookahead && len(r) > 0; n++ {
			var l []byte
			l, r = nextLine(r)
			if len(l) == 0 {
				return false
			}
			if isKnownField(l) {
				return true
			}
		}
		return false
	}
	lastWasField := false // the previous line was a field or its continuation
	for len(rest) > 0 {
		line, next := nextLine(rest)
		if len(line) == 0 {
			rest = next
			break
		}
		if first && bytes.HasPrefix(line, []byte("From ")) {
			rest = next
			first = false
			continue
		}
		first = false
		if line[0] == ' ' || line[0] == '\t' {
			switch {
			case len(c.fields) > 0 || c.dropping:
				c.fold("\r\n", line)
			case isKnownField(bytes.TrimLeft(line, " \t")):
				problem("indented first header field")
				c.add(bytes.TrimLeft(line, " \t"))
				lastWasField = true
			}
			rest = next
			continue
		}
		if !isHeaderLine(line) {
			if !fieldFollows(next) {
				if len(c.fields) > 0 {
					problem("header not ended by a blank line")
				}
				break
			}
			if (len(c.fields) > 0 || c.dropping) && lastWasField && bytes.IndexByte(line, ':') < 0 {
				// An unindented continuation: fold it back.
				problem("unindented header continuation folded")
				c.fold("\r\n ", line)
			} else {
				problem("malformed header line dropped")
				lastWasField = false
			}
			rest = next
			continue
		}
		c.add(line)
		lastWasField = true
		rest = next
	}
	if c.dropped > 0 {
		problems = append(problems, fmt.Sprintf("header: %d fields dropped (more than %d fields, %d bytes, or %d of one name)",
			c.dropped, maxHeaderFields, maxHeaderBytes, maxSameField))
	}
	if c.cut > 0 {
		problems = append(problems, fmt.Sprintf("header: %d fields cut at %d bytes", c.cut, maxFieldBytes))
	}
	h, err := c.header()
	if err != nil {
		problems = append(problems, fmt.Sprintf("read header: %v", err))
	}
	return h, rest, problems
}

// header is the fields as textproto.ReadHeader reads them, each with its line end, and its
// error: up to the first whose name ReadHeader refuses, and without those that have no name,
// which ReadHeader skips.
func (c *headerFields) header() (Header, error) {
	var b strings.Builder
	b.Grow(c.size + 2*len(c.fields))
	ends := make([]int, 0, 2*len(c.fields)) // of each field, where its colon is and where it ends
	var err error
	for _, f := range c.fields {
		i := bytes.IndexByte(f, ':')
		if i < 0 {
			err = fmt.Errorf("message: malformed MIME header line: %v", string(f)+"\r\n")
			break
		}
		key := bytes.Trim(f[:i], " \t")
		if j := slices.IndexFunc(key, func(b byte) bool { return b < 33 || b > 126 }); j >= 0 {
			err = fmt.Errorf("message: malformed MIME header key: %v", string(key))
			break
		}
		if len(key) == 0 {
			continue // ReadHeader skips a field without a name.
		}
		ends = append(ends, b.Len()+i)
		b.Write(f)
		b.WriteString("\r\n")
		ends = append(ends, b.Len())
	}
	return newHeader(b.String(), ends), err
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// charsetReader decodes r from the charset label. Labels of the WHATWG encoding standard are
// read as browsers read them (golang.org/x/text's htmlindex): "iso-8859-1" is windows-1252, so
// the curly quotes, dashes and euro sign of a mail Outlook labels iso-8859-1 come out right
// instead of as C1 control characters.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	if enc := lookupCharset(label); enc != nil {
		return enc(r), nil
	}
	if e, err := htmlindex.Get(strings.Trim(label, "\" '")); err == nil {
		if name, _ := htmlindex.Name(e); name != "replacement" {
			return e.NewDecoder().Reader(r), nil
		}
	}
	return charset.Reader(label, r)
}

// lookupCharset handles labels the charset package does not know.
func lookupCharset(label string) func(io.Reader) io.Reader {
	switch strings.ToLower(strings.Trim(label, "\" ")) {
	case "utf-7", "unicode-1-1-utf-7", "csunicode11utf7":
		return func(r io.Reader) io.Reader {
			b, _ := io.ReadAll(r)
			return strings.NewReader(decodeUTF7(b))
		}
	case "x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "ansi", "8bit":
		return func(r io.Reader) io.Reader {
			b, _ := io.ReadAll(r)
			return strings.NewReader(fallbackText(b))
		}
	}
	return nil
}

// fallbackText returns b, text in no declared charset, as UTF-8 (see
// decode8bit).
func fallbackText(b []byte) string {
	return decode8bit(b, "")
}

// decodeCharset converts b from the named charset to valid UTF-8. An empty or
// unknown charset falls back to decode8bit; an unknown one is reported as a
// problem.
func decodeCharset(b []byte, label string) (string, string) {
	return decodeCharsetHint(b, label, "")
}

// decodeCharsetHint is decodeCharset for a message whose text part declares
// the charset hint: text declared US-ASCII or UTF-8, or not declared, that
// is not valid UTF-8 is read in the hint's charset if it can be.
func decodeCharsetHint(b []byte, label, hint string) (string, string) {
	label = strings.ToLower(strings.Trim(label, "\" '"))
	switch label {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		if !utf8.Valid(b) && label != "" && label != "us-ascii" && label != "ascii" {
			hint = "" // declared UTF-8: a wrong declaration, not another charset
		}
		if utf8.Valid(b) && bytes.IndexByte(b, '\x1b') < 0 { // isPlainText, without a copy
			return string(b), ""
		}
		return decode8bit(b, hint), ""
	}
	if lookupCharset(label) == nil {
		// A charset of the WHATWG standard, as charsetReader reads it, in one pass over b: its
		// reader took two buffers of 4 kB and io.ReadAll's (BenchmarkParseCases/latin1-qp: 33,100
		// → 15,800 B/op, 171 → 163 allocations; its instructions moved within the noise). A
		// decoder whose output does not depend on how its input is cut writes the same text;
		// on an error the reader's partial text is kept, as before.
		if e, err := htmlindex.Get(label); err == nil {
			if name, _ := htmlindex.Name(e); name != "replacement" {
				if out, err := e.NewDecoder().Bytes(b); err == nil {
					return toValidUTF8(string(out), "\uFFFD"), ""
				}
			}
		}
	}
	r, err := charsetReader(label, bytes.NewReader(b))
	if err != nil {
		return decode8bit(b, hint), fmt.Sprintf("unknown charset %q", label)
	}
	out, err := io.ReadAll(r)
	if err != nil && len(out) == 0 {
		return decode8bit(b, hint), fmt.Sprintf("decode charset %q: %v", label, err)
	}
	return toValidUTF8(string(out), "\uFFFD"), ""
}

// encodedWords yields the matches of `=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=` in s, as
// regexp's FindAllStringSubmatchIndex(s, -1) gives them, one at a time,
// found without the expression (TestEncodedWordsAsRegexp): from a "=?", the charset runs to the
// first "?" and may hold no white space, and the text to the next "?", so that a start either
// has one match or none. The expression took 4.7k instructions of a generated mail's parse
// (callgrind of BenchmarkParseGenerated).
func encodedWords(s string) func(yield func(m [8]int) bool) {
	return func(yield func(m [8]int) bool) {
		for i := 0; i+1 < len(s); {
			k := strings.Index(s[i:], "=?")
			if k < 0 {
				return
			}
			start := i + k
			if m, ok := encodedWordAt(s, start); ok {
				if !yield(m) {
					return
				}
				i = m[1]
				continue
			}
			i = start + 1
		}
	}
}

// encodedWordAt is the match of encodedWords' expression that starts at s[start:], a "=?"; ok false when
// none does.
func encodedWordAt(s string, start int) (m [8]int, ok bool) {
	cs := start + 2
	j := cs
	for j < len(s) && s[j] != '?' && !isRegexpSpace(s[j]) {
		j++
	}
	if j == cs || j+2 >= len(s) || s[j] != '?' || !strings.ContainsRune("bBqQ", rune(s[j+1])) || s[j+2] != '?' {
		return m, false
	}
	text := j + 3
	end := strings.IndexByte(s[text:], '?')
	if end < 0 || text+end+1 >= len(s) || s[text+end+1] != '=' {
		return m, false
	}
	end += text
	return [8]int{start, end + 2, cs, j, j + 1, j + 2, text, end}, true
}

// isRegexpSpace reports whether c is in an expression's \s: ASCII white space, \v not included.
func isRegexpSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// decodeHeaderText decodes RFC 2047 encoded words and returns valid UTF-8.
// It is lenient where mime.WordDecoder is strict: words glued to text or
// inside quotes, raw 8-bit bytes inside words, unknown charsets, and
// multi-byte characters split across adjacent words all decode. Raw 8-bit
// text outside words is read by decode8bit.
func decodeHeaderText(s string) string {
	return decodeHeader(s, "")
}

var utf7ShiftRe = lazyCompile(`\+[A-Za-z0-9/][A-Za-z0-9+/]+-`)

// decodeHeader is decodeHeaderText for a message whose text part declares
// the charset hint, in which raw 8-bit header text is read (and raw UTF-7,
// when the hint is UTF-7).
func decodeHeader(s, hint string) string {
	if !strings.Contains(s, "=?") {
		if isUTF7Label(strings.ToLower(hint)) && utf7ShiftRe.MatchString(s) {
			return decodeUTF7([]byte(s))
		}
		if isPlainText(s) {
			return s
		}
		return decode8bit([]byte(s), hint)
	}
	fallbackText := func(b []byte) string { return decode8bit(b, hint) }
	var b strings.Builder
	var pending []byte // bytes of adjacent words in the same charset
	pendingCS := ""
	flush := func() {
		if pending != nil {
			t, _ := decodeCharset(pending, pendingCS)
			b.WriteString(t)
			pending, pendingCS = nil, ""
		}
	}
	last := 0
	for m := range encodedWords(s) {
		between := s[last:m[0]]
		cs := strings.ToLower(s[m[2]:m[3]])
		if i := strings.IndexByte(cs, '*'); i >= 0 { // RFC 2231 language suffix
			cs = cs[:i]
		}
		data := decodeWordBytes(s[m[4]:m[5]], s[m[6]:m[7]])
		if strings.TrimSpace(between) != "" || last == 0 {
			flush()
			b.WriteString(fallbackText([]byte(between)))
		} else if pending == nil || cs != pendingCS {
			flush()
		}
		if pending == nil {
			pendingCS = cs
			pending = []byte{}
		}
		pending = append(pending, data...)
		last = m[1]
	}
	flush()
	b.WriteString(fallbackText([]byte(s[last:])))
	return toValidUTF8(b.String(), "\uFFFD")
}

func decodeWordBytes(enc, text string) []byte {
	switch strings.ToLower(enc) {
	case "b":
		return decodeBase64([]byte(text))
	case "q":
		return decodeQWord(text)
	}
	return []byte(text)
}

// decodeQWord decodes the text of a "Q" encoded word (RFC 2047 §4.2): "_" is a space, "=XX" a
// byte, anything else itself. Not decodeQP: a body's quoted-printable drops the spaces that end
// a line, and a word that ends in "_" ends in a space a folded subject needs ("le_?=" then
// "=?utf-8?q?r=C3=A9seau?=" is "le réseau"). A "=" not followed by two hex digits is kept.
func decodeQWord(text string) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// parseParams parses a header value with parameters, such as Content-Type or
// Content-Disposition. It accepts what mime.ParseMediaType refuses (missing
// quotes, stray semicolons, RFC 2231 values in any charset, RFC 2047 encoded
// words in quoted values). The value and parameter names are lower-case.
func parseParams(v string) (string, mediaParams) {
	return parseParamsHint(v, "")
}

// mediaType is the value parseParams(v) returns, without its parameters: what the verdict and
// the charset scan read of most fields. Splitting the parameters into a map for a value whose
// parameters they do not read, and the pieces of every split on the heap (appendUnquoted), were
// 9,600 instructions and 13 allocations of a generated mail's 410,200 and 196 (callgrind of
// BenchmarkParseGenerated).
func mediaType(v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	first := v
	if i := indexUnquoted(v, ';'); i >= 0 {
		first = v[:i]
	}
	first = strings.TrimSpace(first)
	if i := strings.IndexAny(first, " \t"); i >= 0 {
		first = first[:i]
	}
	return mediaValue(first)
}

// mediaValue is a field's value as parseParams returns it, from the first of its pieces
// trimmed and cut at a space.
func mediaValue(first string) string {
	return strings.ToLower(toValidUTF8(first, ""))
}

// parseParamsHint is parseParams for a message whose text part declares the
// charset hint, in which raw 8-bit values are read.
func parseParamsHint(v, hint string) (string, mediaParams) {
	var params mediaParams
	if strings.TrimSpace(v) == "" {
		return "", params // No field (most parts have no Content-Disposition): nothing to split.
	}
	var buf [8]string // A field has a few parameters: its pieces stay off the heap.
	parts := appendUnquoted(buf[:0], v, ';')
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
		if _, ok := params.lookup(name); !ok {
			params.add(name, val)
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
		params.set(base, s)
	}
	for i := range params.n {
		if p := params.at(i); strings.Contains(p.value, "=?") || !isPlainText(p.value) {
			p.value = decodeHeader(p.value, hint)
		}
	}
	return value, params
}

// mediaParams are the parameters of a field such as Content-Type, by lower-case name, as
// parseParams reads them. A field has a few: they are held in the value itself, and past
// len(inline) in more. A map was two allocations a field (its header and its group), five
// fields a generated mail.
type mediaParams struct {
	n      int
	inline [4]mediaParam
	more   []mediaParam
}

type mediaParam struct{ name, value string }

// get is the value of the parameter name, "" if none.
func (p *mediaParams) get(name string) string {
	v, _ := p.lookup(name)
	return v
}

// lookup is the value of the parameter name, and whether there is one.
func (p *mediaParams) lookup(name string) (string, bool) {
	for i := range p.n {
		if q := p.at(i); q.name == name {
			return q.value, true
		}
	}
	return "", false
}

// at is the i-th parameter, in the order first set.
func (p *mediaParams) at(i int) *mediaParam {
	if i < len(p.inline) {
		return &p.inline[i]
	}
	return &p.more[i-len(p.inline)]
}

// add appends a parameter the value does not have.
func (p *mediaParams) add(name, value string) {
	if p.n < len(p.inline) {
		p.inline[p.n] = mediaParam{name, value}
	} else {
		p.more = append(p.more, mediaParam{name, value})
	}
	p.n++
}

// set sets the value of the parameter name, added if the value does not have it.
func (p *mediaParams) set(name, value string) {
	for i := range p.n {
		if q := p.at(i); q.name == name {
			q.value = value
			return
		}
	}
	p.add(name, value)
}

func percentDecodeLenient(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

var encodedWordStartRe = lazyCompile(`^=\?[^?\s]+\?[bBqQ]\?[^?]*\?=`)

// splitUnquoted splits s at sep outside double quotes and RFC 2047 encoded
// words.
func splitUnquoted(s string, sep byte) []string {
	n := 1 // At most one piece more than the separators: the slice is allocated once.
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			n++
		}
	}
	return appendUnquoted(make([]string, 0, n), s, sep)
}

// appendUnquoted appends the pieces of splitUnquoted(s, sep) to out: a caller that keeps them
// to itself can split into an array of its own, which does not go to the heap.
func appendUnquoted(out []string, s string, sep byte) []string {
	for {
		i := indexUnquoted(s, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+1:]
	}
}

// indexUnquoted returns the index of the first sep in s outside double quotes and RFC 2047
// encoded words, -1 if there is none. Outside quotes nothing carries over a separator, so the
// next piece is read from just after it alike.
func indexUnquoted(s string, sep byte) int {
	inQuote, esc := false, false
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
			return i
		}
	}
	return -1
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		end := strings.LastIndexByte(s, '"')
		if end <= 0 {
			end = len(s)
		}
		inner := s[1:end]
		if !strings.Contains(inner, "\\") {
			return inner
		}
		var b strings.Builder
		for i := 0; i < len(inner); i++ {
			if inner[i] == '\\' && i+1 < len(inner) {
				i++
			}
			b.WriteByte(inner[i])
		}
		return b.String()
	}
	if len(s) >= 1 && s[0] == '"' {
		return s[1:]
	}
	return s
}

// decodeBase64 decodes base64 leniently: characters outside the alphabet are
// skipped, padding is optional, and "=" ends a chunk so that concatenated
// base64 blocks decode too.
func decodeBase64(b []byte) []byte {
	out := make([]byte, 0, len(b)*3/4+3)
	// A well-formed body (base64 lines, padded at the end only) decodes to the same bytes with
	// the standard decoder, which skips the line ends itself and refuses anything else: a mail
	// with a 20 kB attachment took 1,124,000 instructions, 914,000 so (callgrind of
	// BenchmarkParseCases/attachment, this and scanPartFields' first-byte test).
	if n, err := base64.StdEncoding.Decode(out[:cap(out)], b); err == nil {
		return out[:n]
	}
	var buf [1024]byte // The chunk of base64 characters being gathered, a multiple of 4 when full.
	chunk := buf[:0]
	flush := func() {
		if len(chunk)%4 == 1 {
			chunk = chunk[:len(chunk)-1]
		}
		m := base64.RawStdEncoding.DecodedLen(len(chunk))
		out = slices.Grow(out, m)
		n, _ := base64.RawStdEncoding.Decode(out[len(out):len(out)+m], chunk)
		out = out[:len(out)+n]
		chunk = chunk[:0]
	}
	for i := 0; i < len(b); {
		c := b[i]
		if !base64Char[c] {
			if c == '=' && len(chunk) > 0 {
				flush()
			}
			i++
			continue
		}
		// A run of base64 characters (a line of the part), gathered at once: byte by byte it
		// took 9,400 more of a generated mail's 400,600 instructions (callgrind of
		// BenchmarkParseGenerated).
		j := i + 1
		for j < len(b) && base64Char[b[j]] {
			j++
		}
		for i < j {
			n := copy(buf[len(chunk):], b[i:j])
			chunk = buf[:len(chunk)+n]
			i += n
			if len(chunk) == len(buf) {
				flush()
			}
		}
	}
	flush()
	return out
}

// base64Char tells the characters of the base64 alphabet.
var base64Char = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = true
	}
	return t
}()

// looksBase64 reports whether b is made only of base64 lines.
func looksBase64(b []byte) bool {
	lines := 0
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		for _, c := range line {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
				return false
			}
		}
		lines++
	}
	return lines > 0
}

// decodeQP decodes quoted-printable leniently: bad escapes are kept as they
// are. It is kept rather than mime/quotedprintable, which agrees with it on
// well-formed input but stops at "=" followed by a lone CR or at the end of
// the input, losing the rest of the part (on 200,000 random short inputs
// the two differ on 7%, always there or at a trailing CR). Line ends are kept as received (CRLF or LF), and white space at the
// end of a line is transport padding, deleted (RFC 2045 section 6.7, rule 3).
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == ' ' || c == '\t' {
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j < len(b) && b[j] != '\n' && !(b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n') {
				out = append(out, b[i:j]...)
			}
			i = j - 1
			continue
		}
		if c != '=' {
			out = append(out, c)
			continue
		}
		// Soft line break, possibly with trailing spaces.
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && b[j] == '\n' {
			i = j
			continue
		}
		if j+1 < len(b) && b[j] == '\r' && b[j+1] == '\n' {
			i = j + 1
			continue
		}
		if j >= len(b) {
			i = j
			continue
		}
		if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// decodeUTF7 decodes RFC 2152 UTF-7.
func decodeUTF7(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(b) && (b[j] >= 'A' && b[j] <= 'Z' || b[j] >= 'a' && b[j] <= 'z' || b[j] >= '0' && b[j] <= '9' || b[j] == '+' || b[j] == '/') {
			j++
		}
		if j == i+1 {
			if j < len(b) && b[j] == '-' {
				sb.WriteByte('+')
				i = j
			} else {
				sb.WriteByte('+')
			}
			continue
		}
		raw := decodeBase64(b[i+1 : j])
		var units []uint16
		for k := 0; k+1 < len(raw); k += 2 {
			units = append(units, uint16(raw[k])<<8|uint16(raw[k+1]))
		}
		sb.WriteString(string(utf16Decode(units)))
		if j < len(b) && b[j] == '-' {
			j++
		}
		i = j - 1
	}
	return toValidUTF8(sb.String(), "\uFFFD")
}

func utf16Decode(u []uint16) []rune {
	out := make([]rune, 0, len(u))
	for i := 0; i < len(u); i++ {
		r := rune(u[i])
		if r >= 0xD800 && r < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000 {
			r = (r-0xD800)<<10 | (rune(u[i+1]) - 0xDC00) + 0x10000
			i++
		} else if r >= 0xD800 && r < 0xE000 {
			r = unicode.ReplacementChar
		}
		out = append(out, r)
	}
	return out
}

// cleanFilename makes a decoded file name safe: no directories, no control
// characters, valid UTF-8.
func cleanFilename(s string) string {
	s = toValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "\\", "/")
	s = path.Base(strings.TrimSpace(s))
	s = strings.TrimSpace(s)
	if s == "." || s == "/" || s == ".." {
		return ""
	}
	return s
}
