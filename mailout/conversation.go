package mailout

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/deskd/deskd/tickets"
)

// threadIndex is the Thread-Index of a mail of a conversation sent at now: the conversation's
// header and one response level ([MS-OXOMSG] section 2.2.1.3): a code bit, 31 bits of the time
// since the header's, 4 bits that tell apart mails made at once (low bits of the outbox row), a
// 4-bit count. "" when the header is not one.
func threadIndex(header string, now time.Time, row int64) string {
	b, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(b) != 22 {
		return ""
	}
	start := binary.BigEndian.Uint64(append(append([]byte{}, b[1:6]...), 0, 0, 0)) // The header's 40 bits, shifted.
	var diff uint64
	if ft := tickets.FileTime(now); ft > start {
		diff = ft - start
	}
	var level uint64
	switch {
	case diff < 1<<49:
		level = diff >> 18
	case diff < 1<<54:
		level = 1<<31 | diff>>23
	default:
		level = 1<<32 - 1
	}
	level = level<<8 | uint64(row&0xF)<<4
	child := make([]byte, 8)
	binary.BigEndian.PutUint64(child, level)
	return base64.StdEncoding.EncodeToString(append(b, child[3:]...))
}
