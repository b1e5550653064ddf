package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	_ "github.com/emersion/go-message/charset" // decode non-UTF-8 charsets

	"github.com/deskd/deskd/tickets"
)

// Address is a mailbox; Email is lower-case.
type Address struct {
	Name  string // Display name, RFC 2047 decoded.
	Email string // Lower-case addr-spec.
}

// Attachment is a file found in a message: a MIME part, a uuencoded block in
// a text body, a file inside a TNEF winmail.dat, or an attached message.
type Attachment struct {
	Name        string // Decoded filename (RFC 2231 / RFC 2047), "" if none; never a path.
	ContentType string // Lower-case media type, e.g. "image/png".
	Size        int64  // Decoded size in bytes.
	Data        []byte // Nil when Omitted.
	Omitted     bool   // Larger than ParseOptions.MaxAttachment.
	Inline      bool   // Content-Disposition inline, or a part of multipart/related.
	ContentID   string // Content-ID without <>, "" if none; HTML refers to it as cid:.
	Decorative  bool   // Not a file of the ticket: an inline image too small to matter or repeated (see tinyImage), a signature logo, a detached S/MIME or OpenPGP signature.
}

// Verdict says who or what wrote a message: the desk's tickets.Verdict, named here for short.
type Verdict = tickets.Verdict

// Verdicts, from the most to the least specific; see tickets.Verdict.
const (
	VerdictPerson    = tickets.VerdictPerson
	VerdictAutoReply = tickets.VerdictAutoReply
	VerdictBounce    = tickets.VerdictBounce
	VerdictFeedback  = tickets.VerdictFeedback
	VerdictBulk      = tickets.VerdictBulk
	VerdictLoop      = tickets.VerdictLoop
)

// ParseOptions tunes Parse.
type ParseOptions struct {
	MaxAttachment int64    // Attachments larger than this keep their metadata but not their data; 0: no limit.
	DeskAddresses []string // The desk's own addresses (lower-case), for loop detection.

	// IsOwnMessageID reports whether a Message-ID (without <>)
	// was issued by the desk; a mail carrying such a Message-ID is a loop.
	// Nil: Message-IDs are not checked.
	IsOwnMessageID func(id string) bool
}

// Decorative inline images are images under tinyImage bytes (tracking
// pixels, spacers), images up to smallImage bytes that occur more than
// once in the message (signature logos, repeated down a thread), and images
// under signatureImage bytes that the HTML shows in the sender's signature
// (signatureImages: after the sign-off, before the quoted history), which come
// again with each of the sender's replies. A pasted screenshot is larger, or
// above the sign-off; whether an image has a name plays no part.
const (
	tinyImage      = 1 << 10
	smallImage     = 16 << 10
	signatureImage = 20 << 10
)

// Message is a parsed incoming mail.
type Message struct {
	MessageID        string    // As received, without <>; derived from the content when absent (see DerivedID).
	DerivedID        bool      // MessageID was absent and is "<sha256 of raw>@deskd.invalid".
	InReplyTo        []string  // As received, without <>.
	References       []string  // As received, without <>, in header order.
	ThreadIndex      string    // Outlook's Thread-Index (base64), "" if none.
	ThreadTopic      string    // Outlook's Thread-Topic, decoded, "" if none.
	From             Address   // First address of From (Sender when From is missing).
	FromAmbiguous    bool      // From names more than one address (ambiguousFrom).
	ReplyTo          []Address // Reply-To addresses.
	To, Cc           []Address // Recipients.
	Subject          string    // RFC 2047 decoded, valid UTF-8.
	Date             time.Time // Zero if absent or unparseable.
	Text             string    // Best body text: text/plain, else HTML as text, else the TNEF body; "[image: name]" where an inline image was.
	HTML             string    // The text/html body if any, UTF-8; "[image: name]" follows the <img> of an inline image.
	Language         string    // First Content-Language tag, lower-case, "" if none.
	Priority         int       // 1 (highest) to 5 (lowest) from X-Priority, Importance or Priority; 0 if absent.
	AuthResults      []string  // Raw Authentication-Results header values.
	Attachments      []Attachment
	OmittedFiles     int               // Files past maxFiles: not decoded, not kept (the raw message has them).
	Verdict          Verdict           // Who wrote it.
	VerdictReason    string            // Short human reason, e.g. "Auto-Submitted: auto-replied".
	Meeting          *tickets.Meeting  // The mail's own calendar part (calendar.go), nil when none.
	FailedRecipients []string          // Bounces: lower-case addresses that failed.
	FailedStatus     map[string]string // Bounces: the DSN Status of a failed recipient ("5.1.1"), when the report gives one.
	ReturnedIDs      []string          // Bounces and auto-replies: Message-IDs of the original message, without <>.
	Header           Header            // The top-level header, for anything else (Mail gives it as go-message reads one).
	Problems         []string          // Defects recovered from (bad charset, broken boundary, …).
	Raw              []byte            // The message as received.

	textFromHTML bool        // Text is HTMLToText(HTML): the message had no text of its own.
	panic        *panicked   // Parse panicked: a bug, logged by the ingester (see readIncoming).
	visibleHTML  string      // VisibleHTML(HTML), when found with Text; "" if not known.
	hdr          *headerPass // What was read of the header, for parseWhole; nil when it had no blank line.
}

// ErrEmpty is returned by Parse for input with nothing to read.
var ErrEmpty = errors.New("empty message")

// Limits against hostile input (see also the header's, in decode.go).
const (
	maxDepth = 20   // nesting of multiparts and attached messages
	maxParts = 2000 // MIME parts in one message
	// maxFiles is the number of files kept from one message (MIME parts, uuencoded blocks,
	// files in a winmail.dat): a mail of 200,000 tiny uuencoded files took 6 s and 713 MB
	// and every file went on to the technician. The rest are counted in OmittedFiles.
	maxFiles = 100
	// maxSubjectBytes cuts a decoded subject at the length of a mail line (RFC 5322 section
	// 2.1.1), and maxSubjectRaw is how much of the raw field is decoded: ample for that in
	// any encoding, and a bound on the encoded words to decode (a subject of a million
	// took 2.4 s).
	maxSubjectBytes = 998
	maxSubjectRaw   = 16 << 10
)

// Parse reads a raw RFC 5322 message. It never panics and recovers from
// broken MIME as well as it can, recording what it recovered from in
// Problems; it returns an error only when there is nothing at all to read.
func Parse(raw []byte, opt ParseOptions) (m *Message, err error) {
	return parse(raw, nil, opt)
}

// parseWhole is Parse of a whole mail whose header alone head is (Parse of IMAP's
// BODY.PEEK[HEADER]): the header's fields, and what they say, are taken from head where they
// are sure to read the same (the mail begins with that header, blank line included, and its
// charset hint is the same), rather than read a second time. head may be nil.
func parseWhole(raw []byte, head *Message, opt ParseOptions) (*Message, error) {
	return parse(raw, head, opt)
}

// headerPass is what Parse read of a message's header, for parseWhole to take over.
type headerPass struct {
	fields   Header
	values   *headerValues // valuesOf(fields).
	problems []string      // readHeader's.
	size     int           // Bytes of the raw message the header took, up to and with its blank line.
	hint     string        // The charset hint its fields were decoded with.
	read     headerRead
}

func parse(raw []byte, head *Message, opt ParseOptions) (m *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			// A bug, not bad input: keep the mail readable rather than losing it.
			p := recovered("parse", r)
			m = rawMessage(raw, m)
			m.Problems = append(m.Problems, "parser panic: "+p.value)
			m.panic = p
			err = nil
		}
	}()
	if readHook != nil {
		readHook("parse", &Message{Raw: raw})
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	src := raw
	if bytes.IndexByte(raw, '\n') < 0 {
		src = normalizeNewlines(raw) // old Mac line ends: CR only
	}
	var hp *headerPass // The header pass's, when raw begins with the header it read.
	if head != nil && head.hdr != nil && head.panic == nil && len(raw) >= head.hdr.size &&
		bytes.Equal(raw[:head.hdr.size], head.Raw[:head.hdr.size]) {
		hp = head.hdr
	}
	var th Header
	var body []byte
	var problems []string
	if hp != nil {
		th, body, problems = hp.fields, src[hp.size:], slices.Clone(hp.problems)
	} else {
		th, body, problems = readHeader(src)
	}
	m = &Message{Raw: raw, Header: th, Problems: problems}
	h := m.Header
	var hv *headerValues
	if hp != nil {
		hv = hp.values
	} else {
		hv = valuesOf(th)
	}

	hint, rawNames := scanPartFields(src)
	if hint == "" {
		hint = headerCharset(append([]string{hv.Get("Subject"), hv.Get("From"), hv.Get("Sender"), hv.Get("Reply-To"),
			strings.Join(hv.to, " "), strings.Join(hv.cc, " ")}, rawNames...))
	}
	var read *headerRead
	if hp != nil && hp.hint == hint && !head.DerivedID {
		// The same fields with the same hint: the same values.
		m.MessageID, m.ThreadIndex, m.ThreadTopic = head.MessageID, head.ThreadIndex, head.ThreadTopic
		m.InReplyTo, m.References = head.InReplyTo, head.References
		m.From, m.FromAmbiguous, m.ReplyTo, m.To, m.Cc = head.From, head.FromAmbiguous, head.ReplyTo, head.To, head.Cc
		m.Subject, m.Date, m.Language, m.Priority, m.AuthResults = head.Subject, head.Date, head.Language, head.Priority, head.AuthResults
		r := hp.read
		read = &r
	} else {
		read = m.readFields(raw, hint, hv)
	}
	if n := len(src) - len(body); len(src) == len(raw) && (bytes.HasSuffix(src[:n], []byte("\n\n")) || bytes.HasSuffix(src[:n], []byte("\n\r\n"))) {
		// The header ended with its blank line: a whole mail that begins with it has the same
		// header (readHeader looks no further than that line).
		m.hdr = &headerPass{fields: th, values: hv, problems: problems[:len(problems):len(problems)], size: n, hint: hint, read: *read}
	}

	w := &walker{opt: opt, m: m, hint: hint}
	w.walk(th, body, 0, "")
	w.finish()

	m.Verdict, m.VerdictReason = judge(h, opt, &w.facts, read)
	if hp == nil {
		hv.frozen = true // A whole mail parsed after this header pass reads hv, and writes nothing.
	}
	m.Meeting = ownMeeting(&w.facts, hv, m.From.Email, m.Subject)
	m.FailedRecipients = dedupe(append(m.FailedRecipients, w.facts.failed...))
	m.FailedStatus = w.facts.failedStatus
	m.ReturnedIDs = dedupe(w.facts.returnedIDs)
	if (m.Verdict == VerdictBounce || m.Verdict == VerdictAutoReply || m.Verdict == VerdictFeedback) && len(m.ReturnedIDs) == 0 {
		m.ReturnedIDs = dedupe(append(append([]string(nil), m.InReplyTo...), m.References...))
	}
	if m.Verdict == VerdictBounce {
		for _, v := range h.Values("X-Failed-Recipients") {
			for _, a := range parseAddressList(v) {
				m.FailedRecipients = append(m.FailedRecipients, a.Email)
			}
		}
		m.FailedRecipients = dedupe(m.FailedRecipients)
	} else {
		m.FailedRecipients, m.FailedStatus = nil, nil
	}
	return m, nil
}

// readFields reads what the header's fields say into m, decoding them with the charset hint,
// and returns what the verdict needs of them.
func (m *Message) readFields(raw []byte, hint string, hv *headerValues) *headerRead {
	m.MessageID = firstMsgID(hv.Get("Message-Id"))
	if m.MessageID == "" {
		m.MessageID, m.DerivedID = derivedID(raw), true
	}
	m.ThreadIndex = strings.TrimSpace(hv.Get("Thread-Index"))
	m.ThreadTopic = strings.TrimSpace(decodeHeaderText(hv.Get("Thread-Topic")))
	m.InReplyTo = msgIDList(hv.Get("In-Reply-To"))
	m.References = msgIDList(strings.Join(hv.references, " "))
	read := &headerRead{messageID: m.MessageID, messageIDOK: true, values: hv}
	if m.DerivedID {
		read.messageID = ""
	}
	fromField := hv.Get("From")
	from := parseAddresses(fromField, hint)
	read.from, read.fromOK = from, hintless(fromField, hint)
	if len(from) > 0 {
		m.From = from[0]
		m.FromAmbiguous = ambiguousFrom(fromField)
	} else if sender := parseAddresses(hv.Get("Sender"), hint); len(sender) > 0 {
		m.From = sender[0]
	}
	m.ReplyTo = parseAddresses(hv.Get("Reply-To"), hint)
	m.To = parseAddresses(strings.Join(hv.to, ", "), hint)
	m.Cc = parseAddresses(strings.Join(hv.cc, ", "), hint)
	subject := hv.Get("Subject")
	m.Subject = decodeSubject(subject, hint)
	read.subject, read.subjectOK = m.Subject, len(subject) <= maxSubjectRaw && hintless(subject, hint)
	m.Date = parseDate(hv.Get("Date"))
	m.Language = firstLanguage(hv.Get("Content-Language"))
	m.Priority = priority(hv)
	m.AuthResults = slices.Clip(hv.authResults) // an append makes a copy
	return read
}

// decodeSubject decodes a Subject field within maxSubjectRaw and maxSubjectBytes.
func decodeSubject(v, hint string) string {
	if len(v) > maxSubjectRaw {
		v = v[:maxSubjectRaw]
		if i := strings.LastIndexAny(v, " \t"); i > 0 {
			v = v[:i] // not in the middle of an encoded word
		}
	}
	return head(decodeHeader(v, hint), maxSubjectBytes)
}

func derivedID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:16]) + "@deskd.invalid"
}

// bracketed returns what msgIDRe, `<([^<>]*)>`, finds in v, each without its brackets: the
// text between a "<" and the next ">" with no "<" between them, left to right.
func bracketed(v string) []string {
	var out []string
	for i := 0; ; {
		p := strings.IndexByte(v[i:], '<')
		if p < 0 {
			return out
		}
		p += i
		q := strings.IndexAny(v[p+1:], "<>")
		if q < 0 {
			return out
		}
		q += p + 1
		if v[q] == '<' {
			i = q // a "<" before any ">": the match can only start there
			continue
		}
		out = append(out, v[p+1:q])
		i = q + 1
	}
}

// msgIDSyntax is RFC 5322's msg-id without its brackets: id-left "@" id-right, each a
// dot-atom-text (obsolete forms with quoted strings too), or a domain literal on the right.
var msgIDSyntax = lazyCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\"-]+@([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|\\[[^\\[\\]\\\\\\s]*\\])$")

// maxMsgID is the longest message ID kept: RFC 5322 lines stop at 998 characters, and the
// desk repeats a request's ID in the References of every mail of its ticket.
const maxMsgID = 250

// validMsgID reports whether a message ID (without <>) is one the desk keeps.
func validMsgID(id string) bool { return len(id) <= maxMsgID && msgIDValid(id) }

// msgIDValid is msgIDSyntax.MatchString(id), read byte by byte: the expression's automaton took
// 8,000 instructions an ID, a fortieth of a mail's parsing (TestMsgIDValid, FuzzMsgIDValid).
func msgIDValid(id string) bool {
	at := strings.IndexByte(id, '@')
	if at <= 0 {
		return false
	}
	for i := 0; i < at; i++ {
		if !msgIDAtext[id[i]] {
			return false
		}
	}
	domain := id[at+1:]
	if len(domain) >= 2 && domain[0] == '[' && domain[len(domain)-1] == ']' {
		return strings.IndexAny(domain[1:len(domain)-1], "[]\\\t\n\f\r ") < 0
	}
	if domain == "" {
		return false
	}
	for i := 0; i < len(domain); i++ {
		if c := domain[i]; c == '"' || !msgIDAtext[c] {
			return false
		}
	}
	return true
}

// msgIDAtext are the bytes of msgIDSyntax's local part: the domain's, and '"'.
var msgIDAtext = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.\"-") {
		t[c] = true
	}
	return t
}()

// msgIDList returns the message IDs in a References or In-Reply-To value, as
// written (the local part is case-sensitive, RFC 5322 section 3.6.4) and without
// <>. IDs without brackets are taken word by word.
func msgIDList(v string) []string {
	v = decodeHeaderText(v)
	var out []string
	if ms := bracketed(v); len(ms) > 0 {
		for _, mm := range ms {
			id := mm
			if strings.IndexFunc(mm, func(r rune) bool { return r >= utf8.RuneSelf || asciiSpace(byte(r)) }) >= 0 {
				id = strings.Join(strings.Fields(mm), "") // Fields' slice: an allocation an ID
			}
			if validMsgID(id) {
				out = append(out, id)
			}
		}
		return dedupeOwn(out)
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		if validMsgID(f) {
			out = append(out, f)
		}
	}
	return dedupeOwn(out)
}

// asciiSpace reports whether c is white space as unicode.IsSpace reads an ASCII byte.
func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func firstMsgID(v string) string {
	if l := msgIDList(v); len(l) > 0 {
		return l[0]
	}
	if s := strings.Trim(strings.TrimSpace(v), "<>"); s != "" && validMsgID(s) {
		return s
	}
	return ""
}

// dedupe is l without its empty strings and its repeats, in order, in a new slice.
func dedupe(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	if len(l) <= 8 { // Most lists: the map was an allocation or more, for one or two IDs.
		out := l[:0:0]
		for i, s := range l {
			if s != "" && !slices.Contains(l[:i], s) {
				out = append(out, s)
			}
		}
		return out
	}
	seen := map[string]bool{}
	out := l[:0:0]
	for _, s := range l {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// dedupeOwn is dedupe(l) for a list l that its caller drops: up to 8 strings, written over l's
// own (one allocation a list less; TestDedupeOwn).
func dedupeOwn(l []string) []string {
	if len(l) == 0 || len(l) > 8 {
		return dedupe(l)
	}
	out := l[:0]
	for _, s := range l {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return slices.Clip(out)
}

var emailRe = lazyCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+`)

// parseAddressList parses an address header leniently: when the standard
// parser gives up, each comma-separated item is tried alone, and then bare
// addresses are picked out of the text.
func parseAddressList(v string) []Address {
	return parseAddresses(v, "")
}

// ambiguousFrom reports whether a From field names more than one address: two authors
// ("a@corp.example, b@corp.example"), or, unreadable by the standard's grammar, an address in
// the display name ("alice@corp.example <eve@corp.example>") or two bracketed ones. Mail servers,
// DKIM and DMARC checks and mail clients may each take another of them for the sender, so such
// a mail proves no one's identity. A comment ("eve@corp.example (alice@corp.example)") is the
// grammar's and names one address.
func ambiguousFrom(v string) bool {
	if strings.Count(v, "@") < 2 {
		return false
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if l, err := p.ParseList(v); err == nil {
		for _, a := range l[1:] {
			if !strings.EqualFold(a.Address, l[0].Address) {
				return true
			}
		}
		return false
	}
	first := ""
	for _, f := range emailRe.FindAllString(v, -1) {
		if strings.Contains(f, "=?") {
			continue // In an encoded word: a display name, as every server reads it.
		}
		switch f = strings.Trim(f, "'`."); {
		case first == "":
			first = f
		case !strings.EqualFold(f, first):
			return true
		}
	}
	return false
}

// parseAddresses is parseAddressList for a message whose text part declares
// the charset hint, in which raw 8-bit names are read.
func parseAddresses(v, hint string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if !isPlainText(v) {
		v = decode8bit([]byte(v), hint)
	} else if isUTF7Label(strings.ToLower(hint)) && utf7ShiftRe.MatchString(v) && !strings.Contains(v, "=?") {
		v = decodeUTF7([]byte(v))
	}
	v = escapeEncodedWords(v)
	if name, spec, ok := simpleAddress(v); ok {
		return []Address{convertAddr(name, spec)}
	}
	if name, spec, ok := encodedAddress(v); ok {
		return []Address{convertAddr(name, spec)}
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if l, err := p.ParseList(v); err == nil {
		return convertAddrs(l)
	}
	var out []Address
	for _, item := range splitUnquoted(v, ',') {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if a, err := p.Parse(item); err == nil {
			out = append(out, convertAddrs([]*mail.Address{a})...)
			continue
		}
		email := emailRe.FindString(item)
		if i := strings.IndexByte(item, '<'); i >= 0 {
			// "alice@corp.example <eve@corp.example>": the address is the (first) bracketed one,
			// as mail servers, DKIM/DMARC checks and mail clients read it; taking the first
			// address-like text would let eve's own server vouch for a mail deskd reads as
			// alice's. Such a From is ambiguousFrom, too.
			in := item[i+1:]
			if j := strings.IndexByte(in, '>'); j >= 0 {
				in = in[:j]
			}
			if in := emailRe.FindString(in); in != "" {
				email = in
			}
		}
		if email == "" {
			// No domain: "Name <moderator>" is a local address, a bare
			// "Whomever" is a name.
			if i, j := strings.IndexByte(item, '<'), strings.LastIndexByte(item, '>'); i >= 0 && j > i+1 {
				out = append(out, Address{Name: decodeHeaderText(strings.Trim(strings.TrimSpace(item[:i]), `"`)), Email: strings.ToLower(strings.TrimSpace(item[i+1 : j]))})
			} else if w := strings.Trim(item, `"`); w != "" && !strings.ContainsAny(w, "<>") {
				out = append(out, Address{Name: decodeHeaderText(w)})
			}
			continue
		}
		name := item
		if i := strings.IndexByte(name, '<'); i >= 0 {
			name = name[:i]
		} else {
			name = strings.Replace(name, email, "", 1)
		}
		name = strings.Trim(strings.TrimSpace(name), `"'`)
		out = append(out, Address{Name: decodeHeaderText(name), Email: strings.ToLower(strings.Trim(email, "'`."))})
	}
	return out
}

// scanPartFields reads the Content-Type and Content-Disposition fields of
// a raw message (the first 200 of them, folded lines included), before the
// walk, for what decides how raw 8-bit header text is read: the charset the
// message declares for its text, that in which its mailer most likely wrote
// such bytes (the first charset of a text part other than US-ASCII and
// UTF-8), and the raw 8-bit file names, for detection when none is declared.
func scanPartFields(raw []byte) (charset string, names []string) {
	found := 0
	for off := 0; off < len(raw) && found < 200; {
		line := raw[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		off += len(line)
		if len(line) == 0 || line[0]|0x20 != 'c' { // Most lines, at once: a base64 body's too.
			continue
		}
		var name string
		switch {
		case hasPrefixFold(line, "content-type:"):
			name = "content-type:"
		case hasPrefixFold(line, "content-disposition:"):
			name = "content-disposition:"
		default:
			continue
		}
		field := line[len(name):]
		for off < len(raw) && (raw[off] == ' ' || raw[off] == '\t') { // folded lines
			next := raw[off:]
			if i := bytes.IndexByte(next, '\n'); i >= 0 {
				next = next[:i+1]
			}
			field = append(append([]byte(nil), field...), next...)
			off += len(next)
		}
		found++
		value := withoutLineEnds(field)
		if len(names) < 50 && has8bit([]byte(value)) {
			for _, m := range fileNameRe.FindAllStringSubmatch(value, 10) {
				names = append(names, strings.Trim(m[1]+m[2], `"`))
			}
		}
		if charset != "" || name != "content-type:" {
			continue
		}
		if t := mediaType(value); t != "text/plain" && t != "text/html" {
			continue
		}
		_, params := parseParams(value)
		switch cs := strings.ToLower(strings.TrimSpace(params.get("charset"))); cs {
		case "", "us-ascii", "ascii", "utf-8", "utf8":
		default:
			charset = cs
		}
	}
	return charset, names
}

// withoutLineEnds is b without its CR and LF bytes, as a string: one copy.
func withoutLineEnds(b []byte) string {
	var s strings.Builder
	s.Grow(len(b))
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			s.Write(b)
			break
		}
		s.Write(b[:i])
		b = b[i+1:]
	}
	return s.String()
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

var qWordRe = lazyCompile(`=\?[^?\s]+\?[qQ]\?[^?]*\?=`)

// escapeEncodedWords hex-escapes the characters that RFC 2047 section 5(3)
// forbids in a Q-encoded word of a phrase but that mailers write anyway
// ("=?utf-8?Q?Dupont,_Jean?="), so that the address parser does not split
// the display name at them.
func escapeEncodedWords(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	// What qWordRe finds, read byte by byte (TestEscapeEncodedWords, FuzzEscapeEncodedWords):
	// the expression's replacement took 3,700 instructions an address list, where most
	// Q-encoded words have nothing to escape and v is returned as it is.
	var b strings.Builder
	done := 0 // v[:done] is in b
	for p := 0; ; {
		k := strings.Index(v[p:], "=?")
		if k < 0 {
			break
		}
		start := p + k
		end, text := qWordAt(v, start)
		if end < 0 {
			p = start + 1
			continue
		}
		if strings.IndexAny(v[text:end-2], ",;:\"()<>@[]\\") >= 0 {
			b.WriteString(v[done:text])
			for j := text; j < end-2; j++ {
				if c := v[j]; strings.IndexByte(",;:\"()<>@[]\\", c) >= 0 {
					b.WriteByte('=')
					b.WriteByte("0123456789ABCDEF"[c>>4])
					b.WriteByte("0123456789ABCDEF"[c&15])
				} else {
					b.WriteByte(c)
				}
			}
			done = end - 2
		}
		p = end
	}
	if done == 0 {
		return v
	}
	b.WriteString(v[done:])
	return b.String()
}

// qWordAt is qWordRe's match at v[start:], which begins with "=?": its end and the start of its
// encoded text, or -1 when there is none.
func qWordAt(v string, start int) (end, text int) {
	i := start + 2
	cs := i
	for i < len(v) && v[i] != '?' && strings.IndexByte(" \t\n\f\r", v[i]) < 0 { // [^?\s]+
		i++
	}
	if i == cs || i+2 >= len(v) || v[i] != '?' || v[i+1] != 'q' && v[i+1] != 'Q' || v[i+2] != '?' {
		return -1, -1
	}
	text = i + 3
	q := strings.IndexByte(v[text:], '?') // [^?]*
	if q < 0 || text+q+1 >= len(v) || v[text+q+1] != '=' {
		return -1, -1
	}
	return text + q + 2, text
}

func convertAddrs(l []*mail.Address) []Address {
	out := make([]Address, 0, len(l))
	for _, a := range l {
		out = append(out, convertAddr(a.Name, a.Address))
	}
	return out
}

func convertAddr(name, addr string) Address {
	return Address{
		Name:  toValidUTF8(decodeHeaderText(name), "\uFFFD"),
		Email: toValidUTF8(strings.ToLower(addr), "\uFFFD"),
	}
}

// simpleAddress reads the one address of the forms nearly every mail has, "a@b.example" and
// "Jean Dupont <a@b.example>", in printable ASCII without quotes, comments, encoded words nor
// more addresses, as net/mail's ParseList reads it: the name's words joined by single spaces,
// and the addr-spec. ok is false for any other value, which is left to ParseList. ParseList
// tries an addr-spec first and fails on "Jean" with an error, for an address and its three
// copies: a fifth of a header's allocations (FuzzSimpleAddress compares the two).
func simpleAddress(v string) (name, spec string, ok bool) {
	lt := strings.IndexByte(v, '<')
	if lt < 0 {
		if !tickets.PlainAddress(v) {
			return "", "", false
		}
		return "", v, true
	}
	if !strings.HasSuffix(v, ">") || lt > len(v)-3 {
		return "", "", false
	}
	phrase := v[:lt]
	if strings.IndexByte(phrase, '@') >= 0 || strings.Contains(phrase, "=?") { // "=?": perhaps an encoded word
		return "", "", false
	}
	spec = strings.TrimLeft(v[lt+1:len(v)-1], " \t") // ParseList skips white space after "<", not before ">".
	if !tickets.PlainAddress(spec) {
		return "", "", false
	}
	words := 0
	for i := 0; i < len(phrase); i++ {
		c := phrase[i]
		if c == ' ' || c == '\t' {
			continue
		}
		if !atext(c, true) {
			return "", "", false
		}
		if i == 0 || phrase[i-1] == ' ' || phrase[i-1] == '\t' {
			words++
		}
	}
	if words > 1 || strings.IndexByte(phrase, '\t') >= 0 || strings.Contains(phrase, "  ") {
		phrase = strings.Join(strings.Fields(phrase), " ")
	} else {
		phrase = strings.Trim(phrase, " ")
	}
	return phrase, spec, true
}

// encodedAddress reads the one address of the form a mailer writes for a name with accents,
// "=?utf-8?q?Ren=C3=A9e_Dupont?= <a@b.example>": a display name of one encoded word of printable
// ASCII, that wordDecoder decodes, and a dot-atom addr-spec, as net/mail's ParseList reads it.
// ok is false for any other value, which is left to ParseList. ParseList tries an addr-spec
// first and fails with an error, and copies the name and the address: with the From of 318 of
// the 500 generated mails so written, parseAddresses took 24,800 instructions a mail, and 11,000
// with this; the mail 298,400 and 89 allocations, and 293,300 and 79 (callgrind of
// BenchmarkParseGenerated). FuzzSimpleAddress and TestEncodedAddress compare the two.
func encodedAddress(v string) (name, spec string, ok bool) {
	lt := strings.IndexByte(v, '<')
	if lt < 0 || !strings.HasSuffix(v, ">") || lt > len(v)-3 {
		return "", "", false
	}
	word := strings.TrimRight(v[:lt], " \t")
	if len(word) < 8 || !strings.HasPrefix(word, "=?") || !strings.HasSuffix(word, "?=") {
		return "", "", false
	}
	for i := 0; i < len(word); i++ {
		if !atext(word[i], true) {
			return "", "", false
		}
	}
	spec = strings.TrimLeft(v[lt+1:len(v)-1], " \t")
	if !tickets.PlainAddress(spec) {
		return "", "", false
	}
	name, err := wordDecoder.Decode(word)
	if err != nil || name == "" { // ParseList: "missing word in phrase"
		return "", "", false
	}
	return name, spec, true
}

// atext reports whether c is a printable ASCII character of an atom (RFC 5322 section 3.2.3),
// a dot included when dot is, as net/mail reads one.
func atext(c byte, dot bool) bool {
	switch c {
	case '.':
		return dot
	case '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '"':
		return false
	}
	return c >= '!' && c <= '~'
}

var commentRe = lazyCompile(`\([^()]*\)`)

func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, ok := quickDate(v); ok {
		return t
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	v = strings.Join(strings.Fields(commentRe.ReplaceAllString(v, " ")), " ")
	for _, layout := range []string{
		"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST",
		"Mon, 2 Jan 2006 15:04 -0700", "Mon, 2 Jan 06 15:04:05 -0700", "Mon Jan 2 15:04:05 2006",
		"Mon Jan 2 15:04:05 MST 2006", time.RFC3339, "2006-01-02 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05",
		"Mon, 02 Jan 2006 15:04:05 -0700 MST",
	} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// rfc5322Date is the form nearly every mailer writes a date in, the first of net/mail's
// layouts with a day name.
const rfc5322Date = "Mon, 2 Jan 2006 15:04:05 -0700"

// quickDate is mail.ParseDate(v) for a trimmed date of the form rfc5322Date, found without
// the 24 layouts net/mail tries before that one (each failure an error with copies of its
// strings: a fifth of the allocations of a header). For such a date net/mail takes the whole
// field (its first "+" or "-" starts the last five characters, there is no CR nor comment)
// and its layouts without a day name cannot read it; ok is false for any other.
func quickDate(v string) (t time.Time, ok bool) {
	if len(v) < 5 || strings.IndexAny(v, "+-") != len(v)-5 || strings.ContainsAny(v, "\r\n(") {
		return time.Time{}, false
	}
	t, err := time.Parse(rfc5322Date, v)
	return t, err == nil
}

func firstLanguage(v string) string {
	v, _, _ = strings.Cut(v, ",")
	v, _, _ = strings.Cut(strings.TrimSpace(v), ";")
	v = strings.ToLower(strings.TrimSpace(v))
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return ""
		}
	}
	return v
}

// priority reads X-Priority ("1 (Highest)"), Importance (RFC 2156) and
// Priority (RFC 2156) into 1..5.
func priority(h *headerValues) int {
	if v := strings.TrimSpace(h.Get("X-Priority")); v != "" && v[0] >= '1' && v[0] <= '5' {
		return int(v[0] - '0')
	}
	for _, k := range []string{"Importance", "X-Msmail-Priority"} {
		switch strings.ToLower(strings.TrimSpace(h.Get(k))) {
		case "high", "highest":
			return 1
		case "normal", "medium":
			return 3
		case "low", "lowest":
			return 5
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Priority"))) {
	case "urgent":
		return 1
	case "normal":
		return 3
	case "non-urgent":
		return 5
	}
	return 0
}

// contentTypeHint returns the media type and parameters of a part. A missing or
// unparseable type is text/plain (RFC 2045 section 5.2), or message/rfc822
// inside multipart/digest.
func contentTypeHint(h Header, parent, hint string) (string, mediaParams) {
	v := h.Get("Content-Type")
	t, params := parseParamsHint(v, hint)
	// Characters a media type cannot hold ("text/plain>") are dropped
	// (RFC 2045 section 5.1: token characters only).
	t = mediaToken(t)
	if t == "" || !strings.Contains(t, "/") {
		if parent == "multipart/digest" {
			t = "message/rfc822"
		} else {
			t = "text/plain"
		}
	}
	t = strings.TrimSpace(t)
	return t, params
}

// mediaToken returns t without the characters a media type cannot hold: RFC 2045's token
// characters are kept, the others dropped. A type that holds none to drop (nearly all) is
// returned after one pass over its bytes: strings.Map with strings.ContainsRune for each
// character was 2,000 of a generated mail's 261,000 instructions (BenchmarkParseGenerated).
func mediaToken(t string) string {
	for i := 0; i < len(t); i++ {
		if !tokenByte(t[i]) {
			return strings.Map(func(r rune) rune {
				if r < utf8.RuneSelf && tokenByte(byte(r)) {
					return r
				}
				return -1
			}, t)
		}
	}
	return t
}

// tokenByte reports whether c is a token character of RFC 2045 section 5.1: ASCII, neither a
// control, nor a space, nor a tspecial.
func tokenByte(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '[', ']', '?', '=':
		return false
	}
	return true
}
