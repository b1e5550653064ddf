package mailout

import (
	"encoding/base64"
	"encoding/binary"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestThreadIndex: a mail's response level counts the time since the conversation began, in
// units of 2^18 FILETIME ticks (about 26 ms) under 1.7 years, then in units of 2^23 (0.8 s).
func TestThreadIndex(t *testing.T) {
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	h := make([]byte, 8)
	binary.BigEndian.PutUint64(h, tickets.FileTime(start))
	header := append(append([]byte{1}, h[:5]...), make([]byte, 16)...)
	enc := base64.StdEncoding.EncodeToString(header)
	base := binary.BigEndian.Uint64(append(append([]byte{}, header[1:6]...), 0, 0, 0))
	for _, c := range []struct {
		after time.Duration
		code  uint64
		shift uint
	}{{3 * time.Hour, 0, 18}, {24 * 700 * time.Hour, 1, 23}} {
		now := start.Add(c.after)
		b, err := base64.StdEncoding.DecodeString(threadIndex(enc, now, 0x13))
		if err != nil || len(b) != 27 || string(b[:22]) != string(header) {
			t.Fatalf("%v: %x, %v", c.after, b, err)
		}
		level := binary.BigEndian.Uint64(append(make([]byte, 3), b[22:]...))
		if level>>39 != c.code || level&0xF0 != 0x30 {
			t.Errorf("%v: level %x", c.after, level)
		}
		delta := (level >> 8 & (1<<31 - 1)) << c.shift
		if want := tickets.FileTime(now) - base; delta > want || want-delta >= 1<<c.shift {
			t.Errorf("%v: delta %d, want %d", c.after, delta, want)
		}
	}
	if threadIndex("not base64!", start, 0) != "" || threadIndex(base64.StdEncoding.EncodeToString([]byte("short")), start, 0) != "" {
		t.Error("a malformed header gave a Thread-Index")
	}
}
