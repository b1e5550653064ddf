package tickets

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The outbox's JSON of a notice, written by hand: the writer queues two mails a new request, and
// encoding/json's reflection, its validation of each time's MarshalJSON and its allocations were
// 15 % of the writer's instructions (BenchmarkIngestWriter). appendNotice writes the bytes
// json.Marshal writes, to the byte (TestNoticeJSONSameAsMarshal fills every field of a Notice,
// strings with HTML, control characters, invalid UTF-8 and U+2028 included, and compares); the
// parts a new request's mails do not carry (History, Digest) are json.Marshal's own.

// noticeJSON is json.Marshal(n), its error included: a notice appendNotice cannot write (a time
// RFC 3339 cannot hold, a part json.Marshal refuses) is left to json.Marshal, for its error.
func noticeJSON(b []byte, n *Notice) ([]byte, error) {
	if out, err := appendNotice(b, n); err == nil {
		return out, nil
	}
	c := *n // A copy for json.Marshal, which keeps what it is given: n itself stays off the heap.
	data, err := json.Marshal(&c)
	return append(b, data...), err
}

// appendNotice appends n's JSON, as json.Marshal writes it, to b.
func appendNotice(b []byte, n *Notice) ([]byte, error) {
	var err error
	b = append(b, `{"desk_name":`...)
	b = appendJSONString(b, n.DeskName)
	b = append(b, `,"desk_address":`...)
	b = appendJSONString(b, n.DeskAddress)
	b = append(b, `,"tag":`...)
	b = appendJSONString(b, n.Tag)
	b = append(b, `,"recipient":`...)
	b = appendJSONString(b, n.Recipient)
	b = append(b, `,"recipient_name":`...)
	b = appendJSONString(b, n.RecipientName)
	b = append(b, `,"audience":`...)
	b = appendJSONString(b, n.Audience)
	b = append(b, `,"ticket":`...)
	if b, err = appendTicketInfo(b, &n.Ticket); err != nil {
		return nil, err
	}
	b = appendOmitString(b, `,"actor":`, n.Actor)
	b = appendOmitString(b, `,"actor_name":`, n.ActorName)
	b = appendOmitString(b, `,"signature":`, n.Signature)
	b = appendOmitString(b, `,"event":`, n.Event)
	b = appendOmitString(b, `,"text":`, n.Text)
	b = appendOmitString(b, `,"note":`, n.Note)
	b = appendOmitString(b, `,"reason":`, n.Reason)
	b = appendOmitStrings(b, `,"questions":`, n.Questions)
	b = appendOmitStrings(b, `,"problems":`, n.Problems)
	b = appendOmitString(b, `,"command":`, n.Command)
	b = appendOmitTrue(b, `,"kept":true`, n.Kept)
	b = appendOmitTrue(b, `,"direct":true`, n.Direct)
	if len(n.History) > 0 {
		if b, err = appendMarshal(b, `,"history":`, n.History); err != nil {
			return nil, err
		}
	}
	if n.Digest != nil {
		if b, err = appendMarshal(b, `,"digest":`, n.Digest); err != nil {
			return nil, err
		}
	}
	b = appendOmitString(b, `,"source":`, n.Source)
	b = appendOmitTrue(b, `,"all_attachments":true`, n.AllAttachments)
	b = appendOmitString(b, `,"deadline":`, n.Deadline)
	b = append(b, `,"due":`...)
	if b, err = appendJSONTime(b, n.Due); err != nil {
		return nil, err
	}
	b = appendOmitTrue(b, `,"top_tier":true`, n.TopTier)
	b = appendOmitTrue(b, `,"stayed":true`, n.Stayed)
	b = appendOmitTrue(b, `,"unchanged":true`, n.Unchanged)
	if n.Incident != nil {
		b = append(b, `,"incident":`...)
		if b, err = appendTicketInfo(b, n.Incident); err != nil {
			return nil, err
		}
	}
	if b, err = appendOmitInfos(b, `,"linked":`, n.Linked); err != nil {
		return nil, err
	}
	b = appendOmitInt(b, `,"size":`, int64(n.Size))
	if len(n.Similar) > 0 {
		b = append(b, `,"similar":`...)
		if b, err = appendKnownAnswers(b, n.Similar); err != nil {
			return nil, err
		}
	}
	if b, err = appendOmitInfos(b, `,"escalations":`, n.Escalations); err != nil {
		return nil, err
	}
	b = appendOmitInt(b, `,"escalations_total":`, int64(n.EscalationsTotal))
	if len(n.Names) > 0 {
		b = append(b, `,"names":`...)
		b, _ = appendJSONObject(b, n.Names, appendJSONStringValue)
	}
	b = appendOmitString(b, `,"sign_in":`, n.SignIn)
	b = appendOmitString(b, `,"written_by":`, n.WrittenBy)
	if n.Conversation != (Conversation{}) {
		b = append(b, `,"conversation":{`...)
		c := n.Conversation
		if c.Index != "" {
			b = append(b, `"index":`...)
			b = appendJSONString(b, c.Index)
		}
		if c.Topic != "" {
			if c.Index != "" {
				b = append(b, ',')
			}
			b = append(b, `"topic":`...)
			b = appendJSONString(b, c.Topic)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendTicketInfo appends a TicketInfo's JSON.
func appendTicketInfo(b []byte, t *TicketInfo) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, t.ID, 10)
	b = append(b, `,"subject":`...)
	b = appendJSONString(b, t.Subject)
	b = append(b, `,"requester":`...)
	b = appendJSONString(b, t.Requester)
	b = append(b, `,"requester_name":`...)
	b = appendJSONString(b, t.RequesterName)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, t.Status)
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, t.Priority)
	b = append(b, `,"category":`...)
	b = appendJSONString(b, t.Category)
	b = append(b, `,"category_label":`...)
	b = appendJSONString(b, t.CategoryLabel)
	b = append(b, `,"assignee":`...)
	b = appendJSONString(b, t.Assignee)
	b = append(b, `,"assignee_name":`...)
	b = appendJSONString(b, t.AssigneeName)
	b = append(b, `,"tier":`...)
	b = strconv.AppendInt(b, int64(t.Tier), 10)
	b = append(b, `,"escalations":`...)
	b = strconv.AppendInt(b, int64(t.Escalations), 10)
	for _, f := range [...]struct {
		key string
		t   *time.Time
	}{{`,"created_at":`, &t.CreatedAt}, {`,"first_response_at":`, &t.FirstResponseAt},
		{`,"first_response_due":`, &t.FirstResponseDue}, {`,"resolve_due":`, &t.ResolveDue}, {`,"next_due":`, &t.NextDue}} {
		b = append(b, f.key...)
		if b, err = appendJSONTime(b, *f.t); err != nil {
			return nil, err
		}
	}
	b = appendOmitString(b, `,"kind":`, t.Kind)
	b = appendOmitInt(b, `,"incident":`, t.Incident)
	b = appendOmitInt(b, `,"size":`, int64(t.Size))
	b = appendOmitTrue(b, `,"no_specialist":true`, t.NoSpecialist)
	return append(b, '}'), nil
}

// appendOmitInfos appends a list of TicketInfo under key, nothing when it is empty (omitempty).
func appendOmitInfos(b []byte, key string, l []TicketInfo) ([]byte, error) {
	if len(l) == 0 {
		return b, nil
	}
	b = append(b, key...)
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendTicketInfo(b, &l[i]); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendMarshal appends key and json.Marshal's JSON of v.
func appendMarshal(b []byte, key string, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(append(b, key...), data...), nil
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it, and its error. The desk's
// times (fromUnix: UTC, whole seconds) are written digit by digit: AppendText's general RFC 3339
// cost about 700 instructions a time, a dozen times a new request's notice and explanation.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if t.Location() == time.UTC && t.Nanosecond() == 0 {
		if year, month, day := t.Date(); year >= 0 && year <= 9999 {
			hour, minute, sec := t.Clock()
			m := int(month)
			return append(b, '"', byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10),
				'-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10),
				'T', byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10),
				':', byte('0'+sec/10), byte('0'+sec%10), 'Z', '"'), nil
		}
	}
	b = append(b, '"')
	b, err := t.AppendText(b) // MarshalJSON's RFC 3339 and checks, without its allocation.
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// appendOmitString appends key and s unless s is empty (omitempty).
func appendOmitString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

// appendOmitStrings appends key and l unless l is empty (omitempty).
func appendOmitStrings(b []byte, key string, l []string) []byte {
	if len(l) == 0 {
		return b
	}
	return appendJSONStrings(append(b, key...), l)
}

// appendJSONStrings appends l as a JSON array, "null" when nil, as json.Marshal does.
func appendJSONStrings(b []byte, l []string) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendOmitTrue appends field (its key and true) when v.
func appendOmitTrue(b []byte, field string, v bool) []byte {
	if !v {
		return b
	}
	return append(b, field...)
}

// appendOmitInt appends key and v unless v is 0 (omitempty).
func appendOmitInt(b []byte, key string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, key...), v, 10)
}

// appendJSONString appends s as a JSON string the way encoding/json does with its HTML escaping
// (json.Marshal's): <, > and & as \u003c…, control characters, U+2028 and U+2029 escaped, an
// invalid UTF-8 byte as \ufffd. Written after encoding/json's appendString (Go's BSD licence).
//
// Runs of eight bytes that need no escaping are passed over a word at a time (jsonSafe8): byte by
// byte, the loop took 14 instructions a byte, appendJSONString 31k instructions of a new
// request's 786k at a desk of 100,000 tickets (callgrind, BenchmarkNewRequestsDeskSize).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && jsonSafe8(uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// jsonSafe8 reports whether the eight bytes of w are all ASCII bytes jsonSafe holds: none is at
// or above 0x80, below 0x20, nor one of " \ < > &. Each test is the "has a byte below n" of
// Bit Twiddling Hacks (a byte of w - n·0x01…01 has its top bit set): exact on whether any byte is,
// once no byte has its top bit set, though not on which.
func jsonSafe8(w uint64) bool {
	const ones, tops = 0x0101010101010101, 0x8080808080808080
	if w&tops != 0 {
		return false
	}
	// A byte below 0x20, or equal to one of the five (zero once xored with it).
	// (Go's | and - bind alike, left to right: each difference is in parentheses.)
	bad := (w - 0x20*ones) | ((w ^ '"'*ones) - ones) | ((w ^ '\\'*ones) - ones) |
		((w ^ '<'*ones) - ones) | ((w ^ '>'*ones) - ones) | ((w ^ '&'*ones) - ones)
	return bad&tops == 0
}

// jsonSafe says which ASCII bytes encoding/json writes as they are with HTML escaping on.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// explanationJSON is json.Marshal(ex), written by hand (a new ticket's explain column, in the
// writer) as appendNotice is; what it cannot write (a score that is not a number) is left to
// json.Marshal, for its error. TestExplanationJSONSameAsMarshal pins the bytes.
func explanationJSON(ex *Explanation) ([]byte, error) {
	if b, err := appendExplanation(make([]byte, 0, 512), ex); err == nil {
		return b, nil
	}
	return json.Marshal(ex)
}

// appendJSONObject appends m as a JSON object, its keys sorted as encoding/json sorts a map's,
// each value by value; an error of value ends it.
func appendJSONObject[V any](b []byte, m map[string]V, value func([]byte, V) ([]byte, error)) ([]byte, error) {
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = value(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONStringValue is appendJSONString as an appendJSONObject value.
func appendJSONStringValue(b []byte, s string) ([]byte, error) { return appendJSONString(b, s), nil }

// appendExplanation appends ex's JSON, as json.Marshal writes it, to b.
func appendExplanation(b []byte, ex *Explanation) ([]byte, error) {
	var err error
	b = append(b, `{"category":`...)
	b = appendJSONString(b, ex.Category)
	b = append(b, `,"category_reason":`...)
	b = appendJSONStrings(b, ex.CategoryReason)
	if len(ex.CategoryWhy) > 0 {
		b = append(b, `,"category_why":`...)
		b = appendPhrases(b, ex.CategoryWhy)
	}
	if len(ex.Scores) > 0 {
		b = append(b, `,"scores":`...)
		if b, err = appendJSONObject(b, ex.Scores, appendJSONFloat); err != nil {
			return nil, err
		}
	}
	b = append(b, `,"priority":`...)
	b = appendJSONString(b, ex.Priority)
	b = append(b, `,"priority_reason":`...)
	b = appendJSONStrings(b, ex.PriorityReason)
	b = append(b, `,"assignee":`...)
	b = appendJSONString(b, ex.Assignee)
	b = append(b, `,"assign_reason":`...)
	b = appendJSONStrings(b, ex.AssignReason)
	b = appendOmitInt(b, `,"incident":`, ex.Incident)
	b = appendOmitStrings(b, `,"incident_reason":`, ex.IncidentReason)
	if len(ex.Similar) > 0 {
		b = append(b, `,"similar":`...)
		if b, err = appendKnownAnswers(b, ex.Similar); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendKnownAnswers appends a list of KnownAnswer.
func appendKnownAnswers(b []byte, l []KnownAnswer) ([]byte, error) {
	var err error
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		k := &l[i]
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, k.ID, 10)
		b = append(b, `,"subject":`...)
		b = appendJSONString(b, k.Subject)
		b = append(b, `,"note":`...)
		b = appendJSONString(b, k.Note)
		b = append(b, `,"similarity":`...)
		b = strconv.AppendInt(b, int64(k.Similarity), 10)
		b = append(b, `,"resolved_at":`...)
		if b, err = appendJSONTime(b, k.ResolvedAt); err != nil {
			return nil, err
		}
		b = appendOmitInt(b, `,"requests":`, int64(k.Requests))
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendPhrases appends a list of phrases, "null" when nil.
func appendPhrases(b []byte, l []Phrase) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPhrase(b, &l[i])
	}
	return append(b, ']')
}

// appendPhrase appends a phrase's JSON, as json.Marshal writes it.
func appendPhrase(b []byte, p *Phrase) []byte {
	b = append(b, `{"code":`...)
	b = appendJSONString(b, p.Code)
	if len(p.Args) > 0 {
		b = append(b, `,"args":`...)
		b, _ = appendJSONObject(b, p.Args, appendJSONStringValue)
	}
	if len(p.Parts) > 0 {
		b = append(b, `,"parts":`...)
		b, _ = appendJSONObject(b, p.Parts, func(b []byte, part Phrase) ([]byte, error) { return appendPhrase(b, &part), nil })
	}
	if len(p.List) > 0 {
		b = append(b, `,"list":`...)
		b = appendPhrases(b, p.List)
	}
	return append(b, '}')
}

// appendJSONFloat appends f as encoding/json writes a float64 (ES6's number to string).
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errors.New("unsupported value")
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-09 is written e-9.
		b = b[:n-1]
	}
	return b, nil
}
