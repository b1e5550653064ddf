package tickets

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLinkOneSpelling: a link verifies as the desk wrote it, and no other spelling of the same
// bytes does (the last character's unused bits, a line break): a link's posts and votes are
// counted by its text.
func TestLinkOneSpelling(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for _, rcpt := range []string{"eve@corp.example", "jean.dupont@corp.example", "a@b.example"} {
		tok := s.Link(LinkClaim{Purpose: 1, TicketID: 42, Recipient: rcpt, Expires: now.Add(time.Hour)})
		if c, err := s.VerifyLink(tok, now); err != nil || c.TicketID != 42 || c.Recipient != rcpt {
			t.Fatalf("VerifyLink(%s) = %+v, %v", tok, c, err)
		}
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, tok[len(tok)-1])
		others := []string{tok[:10] + "\n" + tok[10:], tok + "\r\n"}
		if unused := map[int]int{2: 4, 3: 2}[len(tok)%4]; unused > 0 { // Bits of the last character no byte uses.
			for v := 1; v < 1<<unused; v++ {
				others = append(others, tok[:len(tok)-1]+string(alphabet[last^v]))
			}
		}
		for _, o := range others {
			if _, err := s.VerifyLink(o, now); !errors.Is(err, ErrBadLink) {
				t.Errorf("VerifyLink(%q), another spelling of %s: %v, want ErrBadLink", o, tok, err)
			}
		}
	}
}
