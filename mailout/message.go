package mailout

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"mime"
	netmail "net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/deskd/deskd/tickets"
)

// A copy's bytes are written here, straight into the buffer that goes on the wire, in the form
// go-mail's writer gives them (the same fields in the same order, folded and encoded alike, the
// same MIME structure): TestMessageAsGoMail holds the two to the same bytes. go-mail builds a
// Msg of maps and parts, then writes it through mime/multipart and a dot-writer, about 260
// allocations and 67 µs a mail on this machine; writing the bytes directly takes a tenth of
// that (BenchmarkSMTPExchange, build-go-mail against build). go-mail still dials, starts TLS
// and logs in (dial).

// envelope is a copy's envelope: the addresses MAIL FROM: and RCPT TO: take, without their angle
// brackets (transact writes them).
type envelope struct{ from, rcpt string }

// Header names deskd sets beyond go-mail's own.
const (
	headerAutoSubmitted = "Auto-Submitted"
	headerTicket        = "X-Deskd-Ticket"
	headerKind          = "X-Deskd-Kind"
	headerThreadIndex   = "Thread-Index"
	headerThreadTopic   = "Thread-Topic"
)

// build writes one recipient's copy of a mail into w and returns its envelope: To and Cc show
// everyone it went to, the envelope names only rcpt, and the Message-ID, the threading fields,
// Reply-To and the envelope sender carry rcpt's tokens.
func (d *drain) build(w *bytes.Buffer, m tickets.OutboxMail, r rendered, to, cc []string, rcpt string) (envelope, error) {
	desk := d.desk
	if d.addrs == nil || d.addrs.desk != desk.Address {
		d.addrs = newAddrMemo(desk.Address)
	}
	from, err := d.addrs.fromAddress(oneLineOf(fromName(d.tpl, r.lang, desk, m)))
	if err != nil {
		return envelope{}, fmt.Errorf("from: %w", err)
	}
	// The envelope recipient goes through net/mail's address parser, which refuses what the
	// server must not see; a plain dot-atom address, as nearly all are, it would take and write
	// as it is (tickets.PlainAddress).
	env := envelope{from: from.bare}
	if tickets.PlainAddress(rcpt) {
		env.rcpt = rcpt
	} else {
		to1, err := netmail.ParseAddress(rcpt)
		if err != nil {
			return envelope{}, fmt.Errorf("recipient: %w", err)
		}
		env.rcpt = bare(*to1)
	}
	if m.ID != 0 && desk.PlusAddress && !d.plainEnvelope.Load() {
		// VERP: a bounce of this copy comes back to an address only it carries.
		a, err := d.addrs.plus(d.signer.BounceAddress(desk.Address, m.ID, rcpt))
		if err != nil {
			return envelope{}, fmt.Errorf("envelope from: %w", err)
		}
		env.from = a
	}
	tokens := d.signer.Copy(m.TicketID, rcpt) // One ticket token for Reply-To and the Message-IDs.
	var replyTo string
	if m.TicketID != 0 && desk.PlusAddress {
		a, err := d.addrs.plus(tokens.PlusAddress(desk.Address))
		if err != nil {
			return envelope{}, fmt.Errorf("reply-to: %w", err)
		}
		replyTo = a
	}
	copyID := tokens.ID

	// The generated fields, in go-mail's order (sorted by name).
	auto := "auto-generated" // RFC 3834 section 5: an acknowledgement is a reply made automatically.
	if m.Kind == tickets.KindAck {
		auto = "auto-replied"
	}
	header(w, headerAutoSubmitted, auto)
	header(w, "Content-Language", r.lang)
	if d.dated != d.now || d.date == "" { // One Date for every copy of the drain.
		d.dated, d.date = d.now, d.now.Format(time.RFC1123Z)
	}
	header(w, "Date", d.date)
	// RFC 5322 section 3.6.4: In-Reply-To names the parent, References the thread up to it; the
	// desk's earlier mails by the copies this recipient had.
	if m.InReplyTo != "" {
		headerID(w, "In-Reply-To", copyID(m.InReplyTo))
	}
	header(w, "MIME-Version", "1.0")
	headerID(w, "Message-ID", copyID(m.MessageID))
	if len(m.References) > 0 {
		ids := d.refIDs[:0]
		for _, id := range m.References {
			ids = append(ids, copyID(id))
		}
		writeReferences(w, ids)
		clear(ids)
		d.refIDs = ids[:0]
	}
	header(w, "Subject", r.subject)
	// Outlook threads by its own headers too: every mail of a ticket carries the conversation of
	// the mail that opened it (or the ticket's own), so the desk's mails show in the requester's
	// thread.
	if c := m.Notice.Conversation; c.Index != "" {
		if v := threadIndex(c.Index, d.now, m.ID); v != "" {
			header(w, headerThreadIndex, v)
		}
		if c.Topic != "" {
			header(w, headerThreadTopic, oneLineOf(c.Topic))
		}
	}
	header(w, "X-Auto-Response-Suppress", "All") // Exchange: no out-of-office replies. No Precedence: it hurts delivery to people.
	header(w, headerKind, m.Kind)
	if m.TicketID != 0 {
		headerTicketID(w, m.TicketID)
	}
	// Written as they are (folded by addressList), then From and Reply-To.
	w.WriteString("To: ")
	writeAddressList(w, len("To: "), to, m.Notice.Names)
	w.WriteString("\r\n")
	if len(cc) > 0 {
		w.WriteString("Cc: ")
		writeAddressList(w, len("Cc: "), cc, m.Notice.Names)
		w.WriteString("\r\n")
	}
	fold(w, "From", from.named)
	if replyTo != "" && d.addrs.plain {
		headerID(w, "Reply-To", replyTo) // fold of "<replyTo>": a plain plus-address has no space to fold at, nothing to encode.
	} else if replyTo != "" {
		fold(w, "Reply-To", "<"+replyTo+">")
	}

	var altBuf, mixedBuf [60]byte
	alt := boundary(&altBuf)
	if len(r.files) == 0 {
		w.WriteString("Content-Type: multipart/alternative;\r\n boundary=")
		w.Write(alt)
		w.WriteString("\r\n\r\n")
		d.alternatives(w, alt, r)
		return env, nil
	}
	mixed := boundary(&mixedBuf)
	w.WriteString("Content-Type: multipart/mixed;\r\n boundary=")
	w.Write(mixed)
	w.WriteString("\r\n\r\n--")
	w.Write(mixed)
	w.WriteString("\r\nContent-Type: multipart/alternative;\r\n boundary=")
	w.Write(alt)
	w.WriteString("\r\n\r\n")
	d.alternatives(w, alt, r)
	for i, f := range r.files {
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		name := mime.QEncoding.Encode("UTF-8", sanitizeFilename(f.Name))
		w.WriteString("\r\n--")
		w.Write(mixed)
		w.WriteString("\r\n")
		w.WriteString(`Content-Disposition: attachment; filename="` + name + "\"\r\n")
		w.WriteString("Content-Transfer-Encoding: base64\r\n")
		w.WriteString("Content-Type: " + ct + `; name="` + name + "\"\r\n\r\n")
		r.shared.once(w, i+2, func() { writeBase64(w, f.Data) })
	}
	w.WriteString("\r\n--")
	w.Write(mixed)
	w.WriteString("--\r\n")
	return env, nil
}

// addrMemo keeps what build parsed of the desk's own addresses, for one worker's drain: the From
// of each name the desk writes under, and whether the desk address is written as it is, so that
// a plus-address of it (its local part and "+" and a token of [a-z2-7-]) is too. net/mail's
// parser took 28 allocations a copy for these four addresses, every one the same but the
// token; the recipient's own address is still parsed each time.
type addrMemo struct {
	desk  string              // The desk address.
	plain bool                // desk parses to itself and writes as "<desk>".
	from  map[string]fromAddr // By the name written.
}

// fromAddr is a From address as build writes it: with its name, and bare for the envelope
// (without angle brackets).
type fromAddr struct{ named, bare string }

func newAddrMemo(desk string) *addrMemo {
	a, err := netmail.ParseAddress(desk)
	plain := err == nil && a.Name == "" && a.Address == desk && a.String() == "<"+desk+">" &&
		strings.Count(desk, "@") == 1 && !strings.ContainsAny(desk, "\"\\ ")
	return &addrMemo{desk: desk, plain: plain, from: map[string]fromAddr{}}
}

// fromAddress returns the From of the desk under a name.
func (c *addrMemo) fromAddress(name string) (fromAddr, error) {
	if f, ok := c.from[name]; ok {
		return f, nil
	}
	a, err := netmail.ParseAddress(fmt.Sprintf(`"%s" <%s>`, name, c.desk))
	if err != nil {
		return fromAddr{}, err
	}
	f := fromAddr{named: a.String(), bare: bare(*a)}
	if len(c.from) < 64 { // A few names a desk: its own, and "ACTOR via DESK" for each technician.
		c.from[name] = f
	}
	return f, nil
}

// plus returns a plus-address of the desk as net/mail writes it, without the angle brackets it
// writes around it (an allocation fewer for each of a copy's envelope sender and Reply-To).
func (c *addrMemo) plus(addr string) (string, error) {
	if c.plain {
		return addr, nil
	}
	a, err := netmail.ParseAddress(addr)
	if err != nil {
		return "", err
	}
	return bare(*a), nil
}

// alternatives writes the text and HTML parts of a multipart/alternative body and its end.
func (d *drain) alternatives(w *bytes.Buffer, b []byte, r rendered) {
	w.WriteString("--")
	w.Write(b)
	w.WriteString("\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n")
	d.wire.part(w, r.shared, 0, r.text)
	w.WriteString("\r\n--")
	w.Write(b)
	w.WriteString("\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n")
	d.wire.part(w, r.shared, 1, r.html)
	w.WriteString("\r\n--")
	w.Write(b)
	w.WriteString("--\r\n")
}

// wireParts has build write a copy's quoted-printable parts as the DATA command sends them, for
// send: dot-stuffed as writeQP encodes them, and noted in spans, so that transact stuffs only the
// rest of the message (dotStuffSpans) instead of reading every line of the parts again. A part
// begins a line (after its header's blank line) and ends before the CRLF of the next boundary.
// Off (messageSize, the tests of build's bytes), the parts are written as they are. The copies
// that share their encoded parts (encoded) are all sent, so all written alike.
type wireParts struct {
	on    bool
	spans [][2]int // Where the parts of the copy being built are in its buffer.
}

// part writes part i of a copy, s in quoted-printable, as build writes it: stuffed and noted in
// spans when wp is on.
func (wp *wireParts) part(w *bytes.Buffer, shared *encoded, i int, s string) {
	if !wp.on {
		shared.once(w, i, func() { writeQP(w, s) })
		return
	}
	start := w.Len()
	shared.once(w, i, func() { appendQP(w, s, true) })
	wp.spans = append(wp.spans, [2]int{start, w.Len()})
}

// encoded keeps the encoded parts of a mail that goes to several recipients, for its other
// copies: the quoted-printable text and HTML and the base64 files are the same in every copy
// whose words are (relink gives a copy with words of its own none), only the header, the
// boundaries and the envelope differ. The first copy encodes them, the others copy its bytes.
type encoded struct {
	parts [][]byte // By part: the text, the HTML, then each file.
}

// once writes part i as write writes it into w, or the bytes it wrote for an earlier copy. A
// nil encoded (a mail to one recipient, a copy with words of its own) writes each time and keeps
// nothing.
func (e *encoded) once(w *bytes.Buffer, i int, write func()) {
	if e == nil {
		write()
		return
	}
	if i < len(e.parts) && e.parts[i] != nil {
		w.Write(e.parts[i])
		return
	}
	start := w.Len()
	write()
	for len(e.parts) <= i {
		e.parts = append(e.parts, nil)
	}
	e.parts[i] = bytes.Clone(w.Bytes()[start:])
}

// writeQP writes s in quoted-printable (RFC 2045 section 6.7), byte for byte as
// mime/quotedprintable's Writer writes s with its line ends made CRLF (TestQuotedPrintableAsMime):
// lines of at most 76 characters with soft line breaks, CRLF line ends (a CR or an LF alone ends
// a line too), a space or tab before a line end encoded. The Writer fed s as it is would lose
// the LF of "\r\xff\n" (go1.26: its encode leaves the CR pending, so the LF is taken for the
// CR's own); here the LF ends a line of its own, and the text decodes back.
// Written here into the message's buffer at once: the Writer copied s into a []byte first and
// wrote line by line through its own buffer, 4% of a send pass's CPU. The bytes written as they
// are go in runs, not one by one: 60% fewer instructions than a byte at a time
// (BenchmarkCopyBytes). A run is found eight bytes at a time, up to the first byte to stop at
// (qpRun), not a word at a time then byte by byte: writeQP's own instructions for a new ticket's
// two mails 95,300 → 90,100 a pass. Storing each word whole into the output instead of copying
// runs with append was tried and took more (122,000: a line's room checked every eight bytes).
func writeQP(w *bytes.Buffer, s string) { appendQP(w, s, false) }

// appendQP is writeQP, and with stuff its lines as the DATA command sends them (RFC 5321 section
// 4.5.2): a dot that begins a line, after a line end or a soft line break, doubled (not counted in
// the line's 76 characters: the doubled dot is taken off again by the server). Only a byte written
// as it is can be a dot; writeQP then dotStuff writes the same lines (TestAppendQPStuffed). The
// dot is looked for where a line begins (after a line end or a soft break, rare against the runs
// of bytes), not at every run: a test at every run took 3,400 more instructions a pass of
// BenchmarkCopyBytesWire (93,500 against 89,000 for appendQP itself).
func appendQP(w *bytes.Buffer, s string, stuff bool) {
	const hex = "0123456789ABCDEF"
	w.Grow(3*len(s) + len(s)/8 + 8) // Every byte encoded, and a soft break every 24 of them (a stuffed dot takes one's room).
	out := w.AvailableBuffer()
	n := 0      // Characters on the current line.
	cr := false // The last line end was a CR: an LF right after it ends no other line.
	encode := func(c byte) {
		if 75-n < 3 {
			out = append(out, "=\r\n"...)
			n = 0
		}
		out = append(out, '=', hex[c>>4], hex[c&15])
		n += 3
	}
	blank := func() { // A line may not end in a space or a tab.
		if n > 0 {
			if c := out[len(out)-1]; c == ' ' || c == '\t' {
				out = out[:len(out)-1]
				n--
				encode(c)
			}
		}
	}
	if stuff && len(s) > 0 && s[0] == '.' { // A dot that begins the first line.
		out = append(out, '.')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if qpLiteral[c] {
			j := i + 1
			for j+8 <= len(s) { // Eight bytes at a time, up to the first not to write as it is.
				w := s[j : j+8]
				x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
					uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
				k := qpRun(x)
				j += k
				if k < 8 {
					break
				}
			}
			if j+8 > len(s) { // The last bytes one at a time.
				for j < len(s) && qpLiteral[s[j]] {
					j++
				}
			}
			for i < j { // s[i:j] as it is, a soft break wherever a line is full.
				if n == 75 {
					out = append(out, "=\r\n"...)
					n = 0
					if stuff && s[i] == '.' { // A dot that begins the line after a soft break.
						out = append(out, '.')
					}
				}
				k := min(j, i+75-n)
				out = append(out, s[i:k]...)
				n += k - i
				i = k
			}
			cr = false
			continue
		}
		i++
		switch {
		case c == '\n' || c == '\r':
			if cr && c == '\n' {
				cr = false
				continue
			}
			if c == '\r' {
				cr = true
			}
			blank()
			out = append(out, '\r', '\n')
			n = 0
			if stuff { // A dot that begins the next line (after the LF of a CRLF, which ends no other).
				next := i
				if c == '\r' && next < len(s) && s[next] == '\n' {
					next++
				}
				if next < len(s) && s[next] == '.' {
					out = append(out, '.')
				}
			}
		default:
			encode(c)
			cr = false // A CR, then a byte encoded, then an LF: the LF ends a line of its own.
		}
	}
	blank()
	w.Write(out)
}

// qpRun is how many of the eight bytes of x, from the first (the lowest), quoted-printable
// writes as they are: printable ASCII but "=", or a space; a tab ends the run too, though it is
// written as it is (it starts the next). The tests for a byte below, above or equal to a value
// are "Determine if a word has a byte less than n" and its kin of Bit Twiddling Hacks: each may
// flag a byte after the first it flags, never one before, so the lowest flag of the three is the
// first byte to stop at (TestQPRun).
func qpRun(x uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - ones*' ') &^ x & highs        // A byte < ' '.
	above := ((x + ones*(127-'~')) | x) & highs // A byte > '~'.
	eq := x ^ (ones * '=')
	equal := (eq - ones) &^ eq & highs // A byte == '='.
	return bits.TrailingZeros64(below|above|equal) >> 3
}

// qpLiteral tells the bytes quoted-printable writes as they are: printable ASCII but "=", space
// and tab.
var qpLiteral = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c >= '!' && c <= '~' && c != '=' || c == ' ' || c == '\t'
	}
	return t
}()

// writeBase64 writes data in base64, in lines of 76 characters, each ended by CRLF.
func writeBase64(w *bytes.Buffer, data []byte) {
	n := base64.StdEncoding.EncodedLen(len(data))
	enc := make([]byte, n)
	base64.StdEncoding.Encode(enc, data)
	for len(enc) > 0 {
		l := min(76, len(enc))
		w.Write(enc[:l])
		w.WriteString("\r\n")
		enc = enc[l:]
	}
}

// newBoundary, when a test sets it, makes the boundaries of a copy's parts instead of boundary:
// it gives go-mail's and build's one.
var newBoundary func() string

// boundary writes a multipart boundary into h and returns it: 30 random bytes in hex, as
// mime/multipart makes them. Into the caller's array rather than a new string: an allocation
// fewer for each boundary of a copy.
func boundary(h *[60]byte) []byte {
	if newBoundary != nil {
		return []byte(newBoundary())
	}
	var b [32]byte
	for i := 0; i < len(b); i += 8 {
		u := rand.Uint64() // ChaCha8: unguessable, so a part cannot be made to end early.
		for j := range 8 {
			b[i+j] = byte(u >> (8 * j))
		}
	}
	hex.Encode(h[:], b[:30])
	return h[:]
}

// bare is an address as the envelope takes it: without its name, as net/mail writes it in
// angle brackets, without these.
func bare(a netmail.Address) string {
	a.Name = ""
	s := a.String() // "<" + address + ">" for an address without a name.
	return s[1 : len(s)-1]
}

// maxHeaderLength is the line length header folds under, as go-mail folds.
const maxHeaderLength = 76

// header writes a header field, its value encoded (RFC 2047 Q encoding, only when it is not
// printable ASCII) and folded, as go-mail's Msg.SetGenHeader does. The encoded value is made in
// an array on the stack, not as a string (qEncode): an allocation fewer for a subject that is not
// ASCII, in every copy.
func header(w *bytes.Buffer, key, value string) {
	if plainValue(value) && !overlongWord(key, value) {
		fold(w, key, value)
		return
	}
	var buf [512]byte
	fold(w, key, appendQEncode(buf[:0], value))
}

// writeReferences writes the References field of the message IDs ids (without their angle
// brackets), as header writes "References" with the IDs in brackets, joined by spaces and capped
// by capReferences (TestWriteReferencesAsHeader). IDs of printable ASCII without spaces, as
// nearly all are, are neither encoded nor folded within: the field is written from them as it
// is, without the bracketed copies, their list and the joined string (three allocations of a
// copy that answers a mail).
func writeReferences(w *bytes.Buffer, ids []string) {
	total := -1 // The joined value's length.
	for _, id := range ids {
		for i := 0; i < len(id); i++ {
			if c := id[i]; c <= ' ' || c > '~' {
				refs := make([]string, len(ids))
				for i, id := range ids {
					refs[i] = "<" + id + ">"
				}
				header(w, "References", strings.Join(capReferences(refs, maxReferences), " "))
				return
			}
		}
		total += len(id) + 3
	}
	first, from := 1, 1 // capReferences keeps ids[:first] and ids[from:].
	if total <= maxReferences || len(ids) < 2 {
		first, from = len(ids), len(ids)
	} else {
		used := len(ids[0]) + 2
		from = len(ids)
		for from > 1 && used+1+len(ids[from-1])+2 <= maxReferences {
			used += 1 + len(ids[from-1]) + 2
			from--
		}
	}
	// fold's way, each "<id>" a word.
	const key = "References"
	room := maxHeaderLength - 2 - len(key) - 2
	w.WriteString(key)
	w.WriteString(": ")
	last := len(ids) - 1
	for i := 0; i <= last; i++ {
		if i == first && from > first {
			i = from
		}
		id := ids[i]
		if room-(len(id)+2) <= 1 {
			if b := w.Bytes(); b[len(b)-1] == ' ' {
				w.Truncate(w.Len() - 1)
			}
			w.WriteString("\r\n ")
			room = maxHeaderLength - 3
		}
		w.WriteByte('<')
		w.WriteString(id)
		w.WriteByte('>')
		room -= len(id) + 2
		if i < last {
			w.WriteByte(' ')
			room--
		}
	}
	w.WriteString("\r\n")
}

// headerTicketID writes the X-Deskd-Ticket field, as header writes the ticket's number
// (TestHeaderTicketIDAsHeader): a number is never encoded nor folded after this name, and is
// written from an array on the stack instead of a string.
func headerTicketID(w *bytes.Buffer, id int64) {
	var num [20]byte
	w.WriteString(headerTicket + ": ")
	w.Write(strconv.AppendInt(num[:0], id, 10))
	w.WriteString("\r\n")
}

// headerID writes a header field whose value is one message ID, "<id>", as header writes it
// (TestHeaderIDAsHeader), without making the string of it: an allocation fewer for each of a
// copy's Message-ID and In-Reply-To.
func headerID(w *bytes.Buffer, key, id string) {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' { // Encoded or folded at a space: header's way.
			header(w, key, "<"+id+">")
			return
		}
	}
	w.WriteString(key)
	if maxHeaderLength-2-len(key)-2-len(id)-2 <= 1 { // fold puts a word that does not fit on a line of its own.
		w.WriteString(":\r\n <")
	} else {
		w.WriteString(": <")
	}
	w.WriteString(id)
	w.WriteString(">\r\n")
}

// qEncode is mime.QEncoding.Encode("UTF-8", s), byte for byte (TestQEncodeAsMime): s as it is
// when it is printable ASCII (tabs too), else encoded words of at most 75 characters, a
// character never split between two. mime's encoder writes a character at a time through a
// strings.Builder: the header values of a copy took 8,500 instructions there, 3,800 here, and
// build 88,500 → 83,700 (BenchmarkSMTPExchange/build under callgrind, --toggle-collect on build).
func qEncode(s string) string {
	if plainValue(s) {
		return s
	}
	return string(appendQEncode(nil, s))
}

// plainValue reports whether qEncode writes s as it is: printable ASCII, tabs too.
func plainValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' || c > '~') && c != '\t' {
			return false
		}
	}
	return true
}

// maxLineLength is RFC 5322's limit on a line of a message, without its CRLF.
const maxLineLength = 998

// overlongWord tells whether a word of value (a run without a space, which fold never cuts) is
// too long for a line of its own, past RFC 5322's 998 bytes: a subject of one 1,000-letter word.
// Such a value is written Q-encoded, in encoded words of 75 bytes at most, which fold can fold
// and a reader joins back.
func overlongWord(key, value string) bool {
	limit := maxLineLength - len(key) - len(": ") // The first line holds the key too.
	if len(value) <= limit {
		return false
	}
	n := 0
	for i := 0; i < len(value); i++ {
		if value[i] == ' ' {
			n = 0
		} else if n++; n > limit {
			return true
		}
	}
	return false
}

// appendQEncode appends the encoded words of s, qEncode's for a value that is not plainValue, to
// dst.
func appendQEncode(dst []byte, s string) []byte {
	const (
		open, split, closing = "=?UTF-8?q?", "?= =?UTF-8?q?", "?="
		room                 = 75 - len(open) - len(closing) // mime's maxContentLen.
		hex                  = "0123456789ABCDEF"
	)
	out := slices.Grow(dst, len(open)+3*len(s)+len(closing)+len(s)/20*len(split))
	out = append(out, open...)
	n := 0 // Encoded characters in the current word.
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c <= '~' && c != '=' && c != '?' && c != '_' {
			if n+1 > room {
				out = append(out, split...)
				n = 0
			}
			if c == ' ' {
				c = '_'
			}
			out = append(out, c)
			n++
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		if n+3*size > room {
			out = append(out, split...)
			n = 0
		}
		for _, b := range []byte(s[i : i+size]) { // Controls, "=", "?", "_" and every byte of a non-ASCII character.
			out = append(out, '=', hex[b>>4], hex[b&15])
		}
		n += 3 * size
		i += size
	}
	return append(out, closing...)
}

// fold writes a header field folded at spaces under maxHeaderLength (RFC 5322 section 2.2.3), as
// go-mail's writer folds. The value is a string, or the bytes header encoded.
func fold[T string | []byte](w *bytes.Buffer, key string, value T) {
	start := w.Len()
	room := maxHeaderLength - 2 - len(key) - 2
	w.WriteString(key)
	w.WriteString(": ")
	if room-len(value) > 1 {
		// A word is folded before when the room left at its end is 1 or less; the last word ends
		// the value, so none is: the value as it is (most of a copy's fields, without the walk
		// from space to space). TestHeaderAsFoldOfQEncode holds it to the walk.
		w.Grow(len(value) + 2)
		w.Write(append(w.AvailableBuffer(), value...))
		w.WriteString("\r\n")
		return
	}
	for {
		i := 0
		for i < len(value) && value[i] != ' ' {
			i++
		}
		word := value[:i]
		if room-len(word) <= 1 {
			// go-mail folds before a word that does not fit, the first one too, and drops the
			// space the line would end with.
			if b := w.Bytes(); w.Len() > start && b[len(b)-1] == ' ' {
				w.Truncate(w.Len() - 1)
			}
			w.WriteString("\r\n ")
			room = maxHeaderLength - 3
		}
		w.Grow(len(word))
		w.Write(append(w.AvailableBuffer(), word...)) // A string or bytes, copied once into w.
		room -= len(word)
		if i == len(value) {
			break
		}
		w.WriteByte(' ')
		room--
		value = value[i+1:]
	}
	w.WriteString("\r\n")
}

// sanitizeFilename replaces the characters a file name may not carry in a MIME parameter, as
// go-mail does.
func sanitizeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 32, r == '"', r == '/', r == ':', r == '<', r == '>', r == '?', r == '\\', r == '|', r == 127:
			return '_'
		}
		return r
	}, s)
}

// oneLineOf is tickets.OneLine(s, 0): s on one line, without controls and with single spaces.
// A string already so (nearly every subject and name) is returned as it is, without OneLine's
// three passes and two allocations (TestOneLineOf).
func oneLineOf(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == 0x7f || c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
				return tickets.OneLine(s, 0)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r <= 0x9f || r == '\ufeff' || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return tickets.OneLine(s, 0)
		}
		i += size
	}
	return s
}
