package tickets

import (
	"crypto/sha256"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The same request sent twice: a phone's mail app resending after a time-out, a double click
// on Send. Each copy has its own Message-ID, so the once-only rule by Message-ID does not see
// it, and each would open a ticket with its acknowledgement, its assignment notice and its
// SLA. A new request from the same sender, with the same subject and the same text as one that
// opened a ticket within repeatWindow, is recorded on that ticket instead (a line says so), and
// nothing is sent. The desk remembers the last requests it opened in memory only: after a
// restart a repeat opens a ticket, as before.

// repeatWindow is how long after a request its exact repeat is taken for a repeat.
const repeatWindow = 10 * time.Minute

// maxRecentRequests bounds the requests remembered: at a thousand new requests a minute, ten minutes.
const maxRecentRequests = 10000

type recentRequest struct {
	ticket int64
	at     time.Time
}

// recentRequests are the requests opened lately, by requestKey.
type recentRequests struct {
	mu    sync.Mutex
	byKey map[[16]byte]recentRequest
	order [][16]byte // Keys, oldest first, to forget them.
}

// requestKey identifies a request's words: its sender's mailbox, subject and text, the last two
// with their spaces and case folded.
func requestKey(from, subject, text string) [16]byte {
	// One buffer hashed at once: strings.ToLower, Fields and Join made seven copies of the two
	// texts (TestRequestKeyAsJoinedFields holds the bytes equal).
	b := make([]byte, 0, len(from)+len(subject)+len(text)+2)
	b = append(b, Mailbox(from)...)
	b = append(b, 0)
	b = appendLowerFields(b, subject)
	b = append(b, 0)
	b = appendLowerFields(b, text)
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}

// appendLowerFields appends strings.Join(strings.Fields(strings.ToLower(s)), " ") to b.
func appendLowerFields(b []byte, s string) []byte {
	start, space := len(b), false
	for _, c := range s { // An invalid byte is utf8.RuneError, as strings.ToLower writes it.
		if c < utf8.RuneSelf {
			switch {
			case c == ' ' || '\t' <= c && c <= '\r':
				space = true
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
		} else if c = unicode.ToLower(c); unicode.IsSpace(c) {
			space = true
			continue
		}
		if space && len(b) > start {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, c)
	}
	return b
}

// lookup returns the ticket a request of this key opened within repeatWindow before now, 0 if none.
func (r *recentRequests) lookup(k [16]byte, now time.Time) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.byKey[k]; ok && now.Sub(e.at) < repeatWindow && !now.Before(e.at) {
		return e.ticket
	}
	return 0
}

// remember records that a request of this key opened ticket id at now.
func (r *recentRequests) remember(k [16]byte, id int64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey == nil {
		r.byKey = map[[16]byte]recentRequest{}
	}
	if _, ok := r.byKey[k]; !ok {
		r.order = append(r.order, k)
	}
	r.byKey[k] = recentRequest{id, now}
	for len(r.order) > maxRecentRequests {
		delete(r.byKey, r.order[0])
		r.order = r.order[1:]
	}
}

// repeatOf returns the open ticket a new request repeats (same sender, subject and text, within
// repeatWindow), nil if none. The memory may name a ticket whose transaction rolled back, or that
// changed since: the ticket is read, and must still be that request's and active.
func (t *Tx) repeatOf(in *Incoming, requester, subject, text string) (*Ticket, [16]byte, error) {
	k := requestKey(in.From, subject, text)
	id := t.d.recent.lookup(k, t.Now)
	if id == 0 {
		return nil, k, nil
	}
	tk, err := t.ticketIfExists(id)
	if err != nil || tk == nil || tk.Requester != requester || !tk.Status.Active() {
		return nil, k, err
	}
	return tk, k, nil
}
