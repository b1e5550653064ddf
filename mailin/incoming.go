package mailin

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/deskd/deskd/tickets"
)

// DeskOptions returns the parse options for a desk: its attachment limit, its addresses, and its
// own Message-IDs (signer's), so that our mail coming back is judged a loop.
func DeskOptions(desk tickets.DeskConfig, signer *tickets.Signer) ParseOptions {
	return ParseOptions{
		MaxAttachment:  int64(desk.MaxAttachment),
		DeskAddresses:  append([]string{desk.Address}, desk.Addresses...),
		IsOwnMessageID: signer.IsOwnMessageID,
	}
}

// Incoming converts a parsed message into what the desk needs: the visible new text (quoted
// history and signature removed; the full original stays in Raw), the requester's language, the
// verdict and the threading keys.
//
// The visible text is read from the first tickets.MaxText bytes of the body and is at most that
// long; a longer body text goes with the files as message.txt, so that the ticket keeps it all.
func Incoming(m *Message, defaultLanguage string) *tickets.Incoming {
	if readHook != nil {
		readHook("incoming", m)
	}
	in := &tickets.Incoming{
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		From: m.From.Email, FromName: m.From.Name, Subject: m.Subject, Date: m.Date,
		HeaderPriority: m.Priority, AuthResults: m.AuthResults, Verdict: m.Verdict,
		VerdictReason: m.VerdictReason, FailedRecipients: m.FailedRecipients, FailedStatus: m.FailedStatus,
		ReturnedIDs: m.ReturnedIDs, Raw: m.Raw, ThreadIndex: m.ThreadIndex, ThreadTopic: m.ThreadTopic,
		OmittedFiles: m.OmittedFiles, Meeting: m.Meeting, AmbiguousFrom: m.FromAmbiguous,
	}
	var delivered [len(deliveryFields)][]string
	in.Repeated, delivered = headerLists(m)
	for _, vs := range delivered {
		for _, v := range vs {
			for _, a := range parseAddressList(v) {
				in.DeliveredTo = append(in.DeliveredTo, a.Email)
			}
		}
	}
	for _, r := range m.ReplyTo {
		if r.Email != "" && r.Email != m.From.Email {
			in.ReplyTo, in.ReplyToName = r.Email, r.Name
			break
		}
	}
	for _, a := range m.To {
		in.To = append(in.To, a.Email)
	}
	for _, a := range m.Cc {
		in.Cc = append(in.Cc, a.Email)
	}
	in.Names = displayNames(m)
	r := newReading(m)
	in.Text, in.Signature = r.visible()
	if IsForwardSubject(m.Subject) {
		in.Forwarded, _ = r.visibleForward()
	} else if h, ok := r.visibleForward(); ok && h != in.Text {
		in.History = h
	}
	in.Language, in.Request = tickets.DetectLanguageText(m.Language, m.Subject, in.Text, defaultLanguage)
	for _, a := range m.Attachments {
		if a.Decorative {
			continue // Tracking pixels and repeated signature logos.
		}
		in.Attachments = append(in.Attachments, tickets.IncomingAttachment{
			Name: a.Name, ContentType: a.ContentType, Size: a.Size, Data: a.Data, Omitted: a.Omitted,
		})
	}
	if len(m.Text) > tickets.MaxText {
		in.Attachments = append(in.Attachments, tickets.IncomingAttachment{
			Name: FullTextName, ContentType: "text/plain; charset=utf-8", Size: int64(len(m.Text)), Data: []byte(m.Text),
		})
	}
	return in
}

// FullTextName is the file that keeps a body text longer than tickets.MaxText.
const FullTextName = "message.txt"

// textHead returns the beginning of a text, at most n bytes, cut at a line end when one is
// near.
func textHead(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = head(s, n)
	if i := strings.LastIndexByte(s, '\n'); i >= n-4096 && i > 0 {
		s = s[:i]
	}
	return s
}

// reading is what Incoming reads of a message more than once: whether its text is the
// conversion of its HTML (itself a conversion), the HTML's text, and its texts cut into lines
// and classified.
type reading struct {
	m        *Message
	conv     int8 // converted(): 0 not known yet, 1 no, 2 yes.
	html     string
	htmlDone bool
	views    [4]textView // The views made, the first nviews of them: a mail makes one to three.
	nviews   int
}

// textView is a lineView and the text it was made of.
type textView struct {
	text string
	view *lineView
}

func newReading(m *Message) *reading { return &reading{m: m} }

// converted reports whether the text of the message is our conversion of its HTML (there was
// no text/plain part, or it says the same), in which case the HTML tree strips quotes better.
// The conversion it makes to tell is the HTML's text (htmlText), kept.
func (r *reading) converted() bool {
	if r.conv == 0 {
		m := r.m
		r.conv = 1
		if m.textFromHTML {
			r.conv = 2
		} else if m.HTML != "" && len(m.HTML) <= htmlChunk && !untidy(strings.TrimSpace(m.Text)) {
			r.html, r.htmlDone = HTMLToText(m.HTML), true // = htmlText(m): the HTML is one chunk
			if strings.TrimSpace(m.Text) == strings.TrimSpace(r.html) {
				r.conv = 2
			}
		}
	}
	return r.conv == 2
}

// untidy reports whether a text has a line that ends in white space, or two blank lines in a
// row: what no conversion of HTML has, as tidy writes each of its chunks (and convertHTML joins
// them with one blank line). Such a text/plain part is not the HTML's conversion, which need
// not be made to tell (converted): a plain text signed below "-- " is one, and converting its
// HTML took a tenth of the CPU of a generated mail's ingest.
func untidy(s string) bool {
	blank := false
	for len(s) > 0 {
		line := s
		i := strings.IndexByte(s, '\n')
		if i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if line == "" {
			if blank {
				return true
			}
			blank = true
			continue
		}
		blank = false
		if i >= 0 {
			if r, _ := utf8.DecodeLastRuneInString(line); unicode.IsSpace(r) {
				return true
			}
		}
	}
	return false
}

// htmlText is htmlText(m), made once.
func (r *reading) htmlText() string {
	if !r.htmlDone {
		r.html, r.htmlDone = htmlText(r.m), true
	}
	return r.html
}

// view returns the lines of text, classified once.
func (r *reading) view(text string) *lineView {
	for _, tv := range r.views[:r.nviews] {
		if tv.text == text {
			return tv.view
		}
	}
	v := newLineView(text)
	if r.nviews < len(r.views) { // Held in the reading: two slices grown were two allocations a mail.
		r.views[r.nviews] = textView{text, v}
		r.nviews++
	}
	return v
}

// visible returns the new text of a mail: from the plain-text part when there is one, else
// from the HTML with its quoted parts removed in the tree; the whole text when stripping would
// leave nothing (but a mail app's signature alone is no text). It returns the signature block
// below a "-- " delimiter too (see visibleParts).
//
// The visible text is read from the first tickets.MaxText bytes of the text (the HTML's first
// htmlChunk) and is at most that long.
func (r *reading) visible() (text, signature string) {
	m := r.m
	switch {
	case strings.TrimSpace(m.Text) != "" && !r.converted():
		text, signature = r.view(textHead(m.Text, tickets.MaxText)).visibleParts()
	case m.HTML != "":
		text = m.visibleHTML
		if text == "" {
			text = VisibleHTML(m.HTML)
		}
		if htmlSigDelimRe.MatchString(textHead(m.HTML, htmlChunk)) {
			_, signature = r.view(textHead(r.htmlText(), tickets.MaxText)).visibleParts()
		}
	}
	head := r.view(textHead(m.Text, tickets.MaxText))
	if head.onlyHistory() {
		// Stripping keeps a text that is all quoted (VisibleText): here it is a reply that says
		// nothing new.
		return "", signature
	}
	if strings.TrimSpace(text) == "" {
		text = tidy(trimSignature(head.lines))
	}
	return textHead(text, tickets.MaxText), signature
}

// htmlText is the text of a message's HTML: the message's own text when it is that conversion,
// else the conversion of the HTML's first htmlChunk.
func htmlText(m *Message) string {
	if m.textFromHTML {
		return m.Text
	}
	return HTMLToText(textHead(m.HTML, htmlChunk))
}

// visibleForward returns the text of a forwarded mail, or of a reply chain, as a new request:
// the sender's words and the forwarded message or quoted history (see VisibleForward), and
// whether there was one. It reads the first tickets.MaxText bytes of the text and returns at
// most that.
func (r *reading) visibleForward() (string, bool) {
	text := r.m.Text
	if strings.TrimSpace(text) == "" || r.converted() {
		text = r.htmlText()
	}
	text, ok := r.view(textHead(text, tickets.MaxText)).withHistory()
	return textHead(text, tickets.MaxText), ok
}

// htmlSigDelimRe finds a "-- " signature delimiter in HTML (Gmail's gmail_signature_prefix,
// Thunderbird's moz-signature), so that a mail without one is not rendered twice.
var htmlSigDelimRe = lazyCompile(`--(?:\s|&nbsp;|&#160;|\x{a0})*(?:<br|</span>|</div>|</p>|\n)`)

// singleFields are the header fields a message has at most once (RFC 5322 section 3.6) that
// identify, thread or date it. DKIM verifies the last copy of a field it signs while readers
// show the first (RFC 6376 section 5.4.2): a signed mail with one of them prepended is replayed
// or forged, and deskd reads the first.
var singleFields = [...]string{"From", "Sender", "Subject", "Message-Id", "In-Reply-To", "References", "Date"}

// deliveryFields are the fields that name the address a mail was delivered to, in the order
// Incoming reads them.
var deliveryFields = [...]string{"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"}

// headerLists returns, in one pass over the message's header fields, the single fields that
// occur more than once (in the order of singleFields), and the values of each of the
// deliveryFields, in header order: what Header.Values of each name returns. Values of the 11
// names canonicalised each name and looked it up: this pass takes a generated mail from 415,900
// instructions and 199 allocations to 410,200 and 196 (callgrind of BenchmarkParseGenerated).
func headerLists(m *Message) (repeated []string, delivered [len(deliveryFields)][]string) {
	var seen [len(singleFields)]int
	for fs := m.Header.Fields(); fs.Next(); {
		k := fs.Key() // canonical, as Values looks it up
		if i := slices.Index(singleFields[:], k); i >= 0 {
			seen[i]++
		} else if i := slices.Index(deliveryFields[:], k); i >= 0 {
			delivered[i] = append(delivered[i], fs.Value())
		}
	}
	for i, n := range seen {
		if n > 1 {
			repeated = append(repeated, singleFields[i])
		}
	}
	return repeated, delivered
}

// displayNames are the display names the mail gives its sender and recipients, by address.
func displayNames(m *Message) map[string]string {
	out := map[string]string{}
	for _, list := range [][]Address{{m.From}, m.ReplyTo, m.To, m.Cc} {
		for _, a := range list {
			if a.Email != "" && a.Name != "" && out[a.Email] == "" {
				out[a.Email] = a.Name
			}
		}
	}
	return out
}
