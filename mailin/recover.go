package mailin

import (
	"fmt"
	"runtime/debug"

	"github.com/deskd/deskd/tickets"
)

// readHook, when a test sets it, is called with each mail as Parse and Incoming begin ("parse",
// with the raw mail only; "incoming", with the parsed mail): a test makes it panic to play a bug
// in the reading of one mail.
var readHook func(stage string, m *Message)

// panicked is a panic recovered while one mail was read: its value and where it happened.
type panicked struct {
	stage string // "parse" or "incoming"
	value string
	stack string
}

func recovered(stage string, r any) *panicked {
	return &panicked{stage: stage, value: fmt.Sprint(r), stack: string(debug.Stack())}
}

// rawMessage is what is kept of a mail whose reading panicked: what m had learnt of its header
// (m may be nil), and its raw bytes as its text. It carries no Authentication-Results: a mail
// not read is not authenticated by its domain.
func rawMessage(raw []byte, m *Message) *Message {
	out := &Message{Raw: raw}
	if m != nil {
		out.MessageID, out.DerivedID, out.InReplyTo, out.References = m.MessageID, m.DerivedID, m.InReplyTo, m.References
		out.From, out.To, out.Cc, out.Subject, out.Date = m.From, m.To, m.Cc, m.Subject, m.Date
		out.Verdict, out.VerdictReason, out.Header = m.Verdict, m.VerdictReason, m.Header
		out.Problems = m.Problems
	}
	out.Text = toValidUTF8(string(raw), "\uFFFD")
	if out.MessageID == "" {
		out.MessageID, out.DerivedID = derivedID(raw), true
	}
	if out.Verdict == "" {
		out.Verdict, out.VerdictReason = VerdictPerson, "no machine evidence"
	}
	return out
}

// readIncoming converts a parsed mail for the desk. A panic in the parser (recovered by Parse)
// or in the conversion is a bug, not bad input: the ingest goes on, the mail is kept with its
// raw bytes as its text (a ticket still opens, as for any bad input), and the panic is logged
// once, with its stack. ok is false only when even that fallback panicked: the mail is then
// quarantined, kept as received.
func (g *Ingester) readIncoming(f *fetched, lang string) (in *tickets.Incoming, ok bool) {
	m, p := f.full, f.full.panic
	if p != nil && f.head != nil && f.head.panic == nil {
		m = rawMessage(m.Raw, f.head) // The header alone was read: what it says is kept.
	}
	in, q := safeIncoming(m, lang)
	if q != nil {
		p = q
		in, q = safeIncoming(rawMessage(m.Raw, m), lang)
	}
	if q != nil {
		g.log.Error("a bug in reading a mail, even as raw text: quarantined", "uid", f.uid, "message_id", m.MessageID,
			"stage", p.stage, "panic", p.value, "stack", p.stack)
		return nil, false
	}
	if p != nil {
		g.log.Error("a bug in reading a mail: kept as its raw text", "uid", f.uid, "message_id", in.MessageID,
			"stage", p.stage, "panic", p.value, "stack", p.stack)
	}
	return in, true
}

// safeIncoming is Incoming, with a panic recovered.
func safeIncoming(m *Message, lang string) (in *tickets.Incoming, p *panicked) {
	defer func() {
		if r := recover(); r != nil {
			in, p = nil, recovered("incoming", r)
		}
	}()
	return Incoming(m, lang), nil
}
