package tickets

import "strings"

// sameMessageID is the SQL condition that a row of messages is the mail of a Message-ID, given
// two arguments: the ID as received, then its lower-case form. A Message-ID's local part is
// case-sensitive (RFC 5322 section 3.6.4), so an ID matches itself only; but the messages
// recorded before IDs kept their case were folded to lower case, and those match the lower-case
// form.
const sameMessageID = `(message_id = ? OR (message_id = ? AND id <= COALESCE((SELECT CAST(value AS INTEGER) FROM kv WHERE key = 'message_ids_folded_until'), 0)))`

// foldedMessage reports whether a mail was recorded, folded to lower case, before IDs kept their
// case: it is a duplicate even though its ID as received is not in messages.
func (t *Tx) foldedMessage(id string) (bool, error) {
	lower := strings.ToLower(id)
	if lower == id {
		return false, nil // The ID itself is the one to look for.
	}
	var n int
	// The rows that wait (pendingRows.messages) are newer than any this may find.
	err := t.lookup(`SELECT COUNT(*) FROM messages WHERE message_id = ?
		AND id <= COALESCE((SELECT CAST(value AS INTEGER) FROM kv WHERE key = 'message_ids_folded_until'), 0)`, lower).Scan(&n)
	return n > 0, err
}
