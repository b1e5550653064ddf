package tickets

import (
	"encoding/json"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The outbox's JSON read back, by hand: the sender claims every mail through scanOutbox, which
// read a row's recipients, copies, delivered list and notice with json.Unmarshal, four
// reflection walks and an allocation a string. readNotice and readStrings read what appendNotice
// and appendJSONStrings write (and what json.Marshal wrote before them), and give what
// json.Unmarshal gives: what they do not fully understand — a key they do not know or that comes
// twice, null, a number that is not a plain integer, an escape of a surrogate, invalid UTF-8,
// the History and Digest of a notice, a syntax error — they leave to json.Unmarshal, on a fresh
// value, which then gives its own result and its own error. TestReadNoticeSameAsUnmarshal and
// FuzzReadOutboxJSON hold them to json.Unmarshal. The strings they return are parts of the
// text read (no copy).
//
// Measured by callgrind (the benchmarks' comments give the commands), a row of a new request's
// acknowledgement or assignment notice: BenchmarkScanOutbox 136.9k instructions with
// json.Unmarshal, 29.8k by hand; a DueMail of 200 such rows (BenchmarkDueMail) 36.0M → 14.4M.

// readNotice sets *n, a zero Notice, to json.Unmarshal's notice of s, and returns its error.
func readNotice(s string, n *Notice) error {
	r := jsonReader{s: s}
	if r.notice(n) && r.end() {
		return nil
	}
	*n = Notice{}
	return json.Unmarshal([]byte(s), n)
}

// readStrings sets *l, nil, to json.Unmarshal's list of strings of s, and returns its error.
func readStrings(s string, l *[]string) error {
	r := jsonReader{s: s}
	r.space()
	if r.literal("null") && r.end() {
		return nil
	}
	r.i = 0
	if v, ok := r.strings(); ok && r.end() {
		*l = v
		return nil
	}
	*l = nil
	return json.Unmarshal([]byte(s), l)
}

// jsonReader reads JSON values from s at i; each method reports false for what it does not
// read as json.Unmarshal would, and then where i is left does not matter.
type jsonReader struct {
	s string
	i int
}

// space skips JSON's white space.
func (r *jsonReader) space() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (r *jsonReader) end() bool {
	r.space()
	return r.i == len(r.s)
}

// next skips white space and takes the byte c if it comes next.
func (r *jsonReader) next(c byte) bool {
	r.space()
	if r.i < len(r.s) && r.s[r.i] == c {
		r.i++
		return true
	}
	return false
}

// literal takes the word w (true, false, null) if it comes next.
func (r *jsonReader) literal(w string) bool {
	if len(r.s)-r.i >= len(w) && r.s[r.i:r.i+len(w)] == w {
		r.i += len(w)
		return true
	}
	return false
}

// str reads a string, unescaped as json.Unmarshal does. A string without escapes is a part of s.
func (r *jsonReader) str() (string, bool) {
	if !r.next('"') {
		return "", false
	}
	start := r.i
	end, ascii := plainRun(r.s, start)
	r.i = end
	switch {
	case end == len(r.s):
		return "", false
	case r.s[end] == '\\':
		return r.unescape(start)
	case r.s[end] != '"':
		return "", false // A control character.
	}
	r.i++
	v := r.s[start:end]
	return v, ascii || utf8.ValidString(v)
}

// plainRun returns where the bytes a string holds as they are end in s from i: at a quote, a
// backslash, a control character or the end; and whether they are all ASCII. A loop on local
// variables and a table: the string's bytes are most of a notice's (the text of the request).
func plainRun(s string, i int) (int, bool) {
	ascii := true
	for i < len(s) {
		c := s[i]
		if jsonPlain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		ascii = false
		i++
	}
	return i, ascii
}

// jsonPlain says which bytes a JSON string holds as they are: ASCII but control characters, the
// quote and the backslash.
var jsonPlain = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unescape reads the rest of a string that has an escape at i, from its start.
func (r *jsonReader) unescape(start int) (string, bool) {
	b := make([]byte, 0, r.i-start+16)
	b = append(b, r.s[start:r.i]...)
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch {
		case c == '"':
			r.i++
			return string(b), utf8.Valid(b)
		case c < ' ':
			return "", false
		case c != '\\':
			b = append(b, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.s) {
			return "", false
		}
		switch e := r.s[r.i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if r.i+6 > len(r.s) {
				return "", false
			}
			var x rune
			for _, h := range []byte(r.s[r.i+2 : r.i+6]) {
				switch {
				case '0' <= h && h <= '9':
					x = x<<4 | rune(h-'0')
				case 'a' <= h && h <= 'f':
					x = x<<4 | rune(h-'a'+10)
				case 'A' <= h && h <= 'F':
					x = x<<4 | rune(h-'A'+10)
				default:
					return "", false
				}
			}
			if utf16.IsSurrogate(x) {
				return "", false // Pairs, and the lone ones json.Unmarshal replaces: left to it.
			}
			b = utf8.AppendRune(b, x)
			r.i += 4
		default:
			return "", false
		}
		r.i += 2
	}
	return "", false
}

// integer reads a number that is a whole int64 of at most 18 digits (no fraction, exponent or
// overflow to think of: such a number is left to json.Unmarshal).
func (r *jsonReader) integer() (int64, bool) {
	r.space()
	neg := r.i < len(r.s) && r.s[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var v int64
	for r.i < len(r.s) && '0' <= r.s[r.i] && r.s[r.i] <= '9' {
		v = v*10 + int64(r.s[r.i]-'0')
		r.i++
	}
	digits := r.i - start
	if digits == 0 || digits > 18 || digits > 1 && r.s[start] == '0' {
		return 0, false
	}
	if r.i < len(r.s) && (r.s[r.i] == '.' || r.s[r.i] == 'e' || r.s[r.i] == 'E') {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// intValue reads an integer that fits an int.
func (r *jsonReader) intValue() (int, bool) {
	v, ok := r.integer()
	return int(v), ok && int64(int(v)) == v
}

// boolean reads true or false.
func (r *jsonReader) boolean() (bool, bool) {
	r.space()
	if r.literal("true") {
		return true, true
	}
	return false, r.literal("false")
}

// time reads a time as time.Time's UnmarshalJSON does: the string's bytes as they are, RFC 3339.
func (r *jsonReader) time() (time.Time, bool) {
	var t time.Time
	if !r.next('"') {
		return t, false
	}
	start := r.i
	end, _ := plainRun(r.s, start)
	if end == len(r.s) || r.s[end] != '"' {
		return t, false
	}
	raw := r.s[start:end]
	r.i = end + 1
	if raw == "0001-01-01T00:00:00Z" { // The zero time, as json.Marshal writes it: most of a notice's.
		return t, true
	}
	return t, t.UnmarshalText([]byte(raw)) == nil
}

// array reads an array, each element by elem, which reports false for one it cannot read.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.next('[') {
		return false
	}
	if r.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if r.next(']') {
			return true
		}
		if !r.next(',') {
			return false
		}
	}
}

// strings reads an array of strings.
func (r *jsonReader) strings() ([]string, bool) {
	l := []string{}
	ok := r.array(func() bool {
		v, ok := r.str()
		l = append(l, v)
		return ok
	})
	if !ok {
		return nil, false
	}
	return l, true
}

// object reads an object, each member's value by field, which is given the key and reports
// false for a key it does not know or has had already. A key with an escape, a control
// character or invalid UTF-8 is not read.
func (r *jsonReader) object(field func(key string) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	for {
		if !r.next('"') {
			return false
		}
		start := r.i
		end, ascii := plainRun(r.s, start)
		if end == len(r.s) || r.s[end] != '"' {
			return false
		}
		key := r.s[start:end]
		r.i = end + 1
		if !ascii && !utf8.ValidString(key) {
			return false
		}
		if !r.next(':') || !field(key) {
			return false
		}
		if r.next('}') {
			return true
		}
		if !r.next(',') {
			return false
		}
	}
}

// firstKey reports whether bit is new in seen, and adds it.
func firstKey(seen *uint64, bit int) bool {
	if *seen&(1<<bit) != 0 {
		return false
	}
	*seen |= 1 << bit
	return true
}

// notice reads a Notice into n, zero.
func (r *jsonReader) notice(n *Notice) bool {
	var seen uint64
	return r.object(func(key string) bool {
		ok := true
		switch key {
		case "desk_name":
			n.DeskName, ok = r.str()
			return ok && firstKey(&seen, 0)
		case "desk_address":
			n.DeskAddress, ok = r.str()
			return ok && firstKey(&seen, 1)
		case "tag":
			n.Tag, ok = r.str()
			return ok && firstKey(&seen, 2)
		case "recipient":
			n.Recipient, ok = r.str()
			return ok && firstKey(&seen, 3)
		case "recipient_name":
			n.RecipientName, ok = r.str()
			return ok && firstKey(&seen, 4)
		case "audience":
			n.Audience, ok = r.str()
			return ok && firstKey(&seen, 5)
		case "ticket":
			return r.ticketInfo(&n.Ticket) && firstKey(&seen, 6)
		case "actor":
			n.Actor, ok = r.str()
			return ok && firstKey(&seen, 7)
		case "actor_name":
			n.ActorName, ok = r.str()
			return ok && firstKey(&seen, 8)
		case "signature":
			n.Signature, ok = r.str()
			return ok && firstKey(&seen, 9)
		case "event":
			n.Event, ok = r.str()
			return ok && firstKey(&seen, 10)
		case "text":
			n.Text, ok = r.str()
			return ok && firstKey(&seen, 11)
		case "note":
			n.Note, ok = r.str()
			return ok && firstKey(&seen, 12)
		case "reason":
			n.Reason, ok = r.str()
			return ok && firstKey(&seen, 13)
		case "questions":
			n.Questions, ok = r.strings()
			return ok && firstKey(&seen, 14)
		case "problems":
			n.Problems, ok = r.strings()
			return ok && firstKey(&seen, 15)
		case "command":
			n.Command, ok = r.str()
			return ok && firstKey(&seen, 16)
		case "kept":
			n.Kept, ok = r.boolean()
			return ok && firstKey(&seen, 17)
		case "direct":
			n.Direct, ok = r.boolean()
			return ok && firstKey(&seen, 18)
		case "source":
			n.Source, ok = r.str()
			return ok && firstKey(&seen, 19)
		case "all_attachments":
			n.AllAttachments, ok = r.boolean()
			return ok && firstKey(&seen, 20)
		case "deadline":
			n.Deadline, ok = r.str()
			return ok && firstKey(&seen, 21)
		case "due":
			n.Due, ok = r.time()
			return ok && firstKey(&seen, 22)
		case "top_tier":
			n.TopTier, ok = r.boolean()
			return ok && firstKey(&seen, 23)
		case "stayed":
			n.Stayed, ok = r.boolean()
			return ok && firstKey(&seen, 24)
		case "unchanged":
			n.Unchanged, ok = r.boolean()
			return ok && firstKey(&seen, 25)
		case "incident":
			n.Incident = new(TicketInfo)
			return r.ticketInfo(n.Incident) && firstKey(&seen, 26)
		case "linked":
			n.Linked, ok = r.ticketInfos()
			return ok && firstKey(&seen, 27)
		case "size":
			n.Size, ok = r.intValue()
			return ok && firstKey(&seen, 28)
		case "similar":
			n.Similar, ok = r.knownAnswers()
			return ok && firstKey(&seen, 29)
		case "escalations":
			n.Escalations, ok = r.ticketInfos()
			return ok && firstKey(&seen, 30)
		case "escalations_total":
			n.EscalationsTotal, ok = r.intValue()
			return ok && firstKey(&seen, 31)
		case "names":
			n.Names, ok = r.stringMap()
			return ok && firstKey(&seen, 32)
		case "sign_in":
			n.SignIn, ok = r.str()
			return ok && firstKey(&seen, 33)
		case "written_by":
			n.WrittenBy, ok = r.str()
			return ok && firstKey(&seen, 34)
		case "conversation":
			return r.conversation(&n.Conversation) && firstKey(&seen, 35)
		}
		return false // history, digest, and keys json.Unmarshal matches by case folding or ignores.
	})
}

// ticketInfo reads a TicketInfo into t, zero.
func (r *jsonReader) ticketInfo(t *TicketInfo) bool {
	var seen uint64
	return r.object(func(key string) bool {
		ok := true
		switch key {
		case "id":
			t.ID, ok = r.integer()
			return ok && firstKey(&seen, 0)
		case "subject":
			t.Subject, ok = r.str()
			return ok && firstKey(&seen, 1)
		case "requester":
			t.Requester, ok = r.str()
			return ok && firstKey(&seen, 2)
		case "requester_name":
			t.RequesterName, ok = r.str()
			return ok && firstKey(&seen, 3)
		case "status":
			t.Status, ok = r.str()
			return ok && firstKey(&seen, 4)
		case "priority":
			t.Priority, ok = r.str()
			return ok && firstKey(&seen, 5)
		case "category":
			t.Category, ok = r.str()
			return ok && firstKey(&seen, 6)
		case "category_label":
			t.CategoryLabel, ok = r.str()
			return ok && firstKey(&seen, 7)
		case "assignee":
			t.Assignee, ok = r.str()
			return ok && firstKey(&seen, 8)
		case "assignee_name":
			t.AssigneeName, ok = r.str()
			return ok && firstKey(&seen, 9)
		case "tier":
			t.Tier, ok = r.intValue()
			return ok && firstKey(&seen, 10)
		case "escalations":
			t.Escalations, ok = r.intValue()
			return ok && firstKey(&seen, 11)
		case "created_at":
			t.CreatedAt, ok = r.time()
			return ok && firstKey(&seen, 12)
		case "first_response_at":
			t.FirstResponseAt, ok = r.time()
			return ok && firstKey(&seen, 13)
		case "first_response_due":
			t.FirstResponseDue, ok = r.time()
			return ok && firstKey(&seen, 14)
		case "resolve_due":
			t.ResolveDue, ok = r.time()
			return ok && firstKey(&seen, 15)
		case "next_due":
			t.NextDue, ok = r.time()
			return ok && firstKey(&seen, 16)
		case "kind":
			t.Kind, ok = r.str()
			return ok && firstKey(&seen, 17)
		case "incident":
			t.Incident, ok = r.integer()
			return ok && firstKey(&seen, 18)
		case "size":
			t.Size, ok = r.intValue()
			return ok && firstKey(&seen, 19)
		case "no_specialist":
			t.NoSpecialist, ok = r.boolean()
			return ok && firstKey(&seen, 20)
		}
		return false
	})
}

// ticketInfos reads an array of TicketInfo.
func (r *jsonReader) ticketInfos() ([]TicketInfo, bool) {
	l := []TicketInfo{}
	ok := r.array(func() bool {
		l = append(l, TicketInfo{})
		return r.ticketInfo(&l[len(l)-1])
	})
	if !ok {
		return nil, false
	}
	return l, true
}

// knownAnswers reads an array of KnownAnswer.
func (r *jsonReader) knownAnswers() ([]KnownAnswer, bool) {
	l := []KnownAnswer{}
	ok := r.array(func() bool {
		l = append(l, KnownAnswer{})
		return r.knownAnswer(&l[len(l)-1])
	})
	if !ok {
		return nil, false
	}
	return l, true
}

// knownAnswer reads a KnownAnswer into k, zero.
func (r *jsonReader) knownAnswer(k *KnownAnswer) bool {
	var seen uint64
	return r.object(func(key string) bool {
		ok := true
		switch key {
		case "id":
			k.ID, ok = r.integer()
			return ok && firstKey(&seen, 0)
		case "subject":
			k.Subject, ok = r.str()
			return ok && firstKey(&seen, 1)
		case "note":
			k.Note, ok = r.str()
			return ok && firstKey(&seen, 2)
		case "similarity":
			k.Similarity, ok = r.intValue()
			return ok && firstKey(&seen, 3)
		case "resolved_at":
			k.ResolvedAt, ok = r.time()
			return ok && firstKey(&seen, 4)
		case "requests":
			k.Requests, ok = r.intValue()
			return ok && firstKey(&seen, 5)
		}
		return false
	})
}

// stringMap reads an object of strings. A key that comes twice is left to json.Unmarshal.
func (r *jsonReader) stringMap() (map[string]string, bool) {
	m := map[string]string{}
	ok := r.object(func(key string) bool {
		if _, dup := m[key]; dup {
			return false
		}
		v, ok := r.str()
		m[key] = v
		return ok
	})
	return m, ok
}

// conversation reads a Conversation into c, zero.
func (r *jsonReader) conversation(c *Conversation) bool {
	var seen uint64
	return r.object(func(key string) bool {
		ok := true
		switch key {
		case "index":
			c.Index, ok = r.str()
			return ok && firstKey(&seen, 0)
		case "topic":
			c.Topic, ok = r.str()
			return ok && firstKey(&seen, 1)
		}
		return false
	})
}
