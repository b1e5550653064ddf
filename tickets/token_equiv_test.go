package tickets

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// boundConcatenated is bound as it was: the token a string of its own.
func (s *Signer) boundConcatenated(version byte, id int64, recipient string) string {
	var buf [1 + binary.MaxVarintLen64 + 2*tagLen]byte
	b := binary.AppendUvarint(append(buf[:0], version), uint64(id))
	b = s.appendRecipientTag(b, version, id, recipient)
	b = s.appendMAC(b, tagLen, b)
	return tokenEncoding.EncodeToString(b)
}

// TestBounceAddressSameAsConcatenated: BounceAddress and the tokens, built in one buffer, are
// what they were when concatenated, for random IDs, addresses (long ones too, past the stack
// buffer) and keys.
func TestBounceAddressSameAsConcatenated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		const chars = "abcXYZ019.+-_é@ "
		var b strings.Builder
		for range r.IntN(n) {
			b.WriteByte(chars[r.IntN(len(chars))])
		}
		return b.String()
	}
	for i := range 2000 {
		s := NewSigner([]byte(word(40)))
		desk := word(80) + "@" + word(100)
		if i%7 == 0 {
			desk = word(20) // No @.
		}
		id := r.Int64() >> r.IntN(63)
		rcpt := word(60) + "@" + word(30)
		local, domain, _ := strings.Cut(desk, "@")
		want := local + "+" + bouncePrefix + s.boundConcatenated(tokenBounce, id, rcpt) + "@" + domain
		if got := s.BounceAddress(desk, id, rcpt); got != want {
			t.Fatalf("BounceAddress(%q, %d, %q) = %q, want %q", desk, id, rcpt, got, want)
		}
		if got, want := s.TicketToken(id, rcpt), s.boundConcatenated(tokenV2, id, rcpt); got != want {
			t.Fatalf("TicketToken(%d, %q) = %q, want %q", id, rcpt, got, want)
		}
	}
}

// BenchmarkBounceAddress: one copy's envelope sender.
//
//	go test ./tickets -run '^$' -bench BounceAddress -benchmem
func BenchmarkBounceAddress(b *testing.B) {
	s := NewSigner([]byte("a desk secret of some length"))
	b.ReportAllocs()
	for b.Loop() {
		_ = s.BounceAddress("helpdesk@corp.example", 123456, "Celine.Dupre+it@corp.example")
	}
}
