package tickets

import (
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// Conversation is the Outlook conversation a ticket's mails belong to ([MS-OXOMSG] section
// 2.2.1.3): Index is the 22-byte header of its conversation index, base64 (a reserved 0x01, five
// bytes of FILETIME, a GUID), Topic its topic. A ticket's mails carry the conversation of the mail
// that opened it, so that Outlook shows the desk's mails in the requester's thread; a ticket
// opened otherwise, or by a mail without one, gets one made from the ticket, the same for all its
// mails.
type Conversation struct {
	Index string `json:"index,omitempty"`
	Topic string `json:"topic,omitempty"`
}

// conversationHeader returns the header of an Outlook Thread-Index value, base64, or "" when v is
// not one: the header and any number of 5-byte response levels.
func conversationHeader(v string) string {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
	if err != nil || len(b) < 22 || (len(b)-22)%5 != 0 || b[0] != 1 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b[:22])
}

// ticketIndex is the conversation index conversation made last, for a ticket and its time.
type ticketIndex struct {
	ticket  int64
	created time.Time
	index   string
}

// conversation returns the conversation of a ticket's mails.
func (t *Tx) conversation(tk *Ticket) (Conversation, error) {
	var c Conversation
	if tk.OriginMessageID != "" {
		if known, ok := t.threads[tk.OriginMessageID]; ok {
			c = known
		} else {
			err := t.queryRow(`SELECT thread_index, thread_topic FROM messages WHERE message_id = ?`, tk.OriginMessageID).Scan(&c.Index, &c.Topic)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return c, err
			}
			t.rememberThread(tk.OriginMessageID, c)
		}
	}
	if m := t.lastIndex; c.Index == "" && m.index != "" && m.ticket == tk.ID && m.created.Equal(tk.CreatedAt) {
		c.Index = m.index // A new ticket's two mails share it: one HMAC, not two.
	}
	if c.Index == "" {
		// The ticket's own: the time it was opened, and a GUID no other desk makes.
		h := make([]byte, 8, 22)
		binary.BigEndian.PutUint64(h, FileTime(tk.CreatedAt))
		h = append([]byte{1}, h[:5]...)
		id := make([]byte, 8)
		binary.BigEndian.PutUint64(id, uint64(tk.ID))
		h = append(h, t.d.Signer.mac([]byte("conversation"), id)[:16]...)
		c.Index = base64.StdEncoding.EncodeToString(h)
		t.lastIndex = ticketIndex{tk.ID, tk.CreatedAt, c.Index}
	}
	if c.Topic == "" {
		c.Topic = tk.Subject
	}
	return c, nil
}

// FileTime is a time as Windows counts it: 100-nanosecond intervals since 1601-01-01 UTC.
func FileTime(at time.Time) uint64 {
	const epoch = 116444736000000000 // 1970-01-01 in FILETIME.
	return uint64(at.UnixNano()/100) + epoch
}

// rememberThread records the conversation a message was recorded with (its row of messages), so
// that each mail the transaction queues about its ticket does not read it again.
func (t *Tx) rememberThread(messageID string, c Conversation) {
	if t.threads == nil {
		t.threads = map[string]Conversation{}
	}
	t.threads[messageID] = c
}
