package tickets

import (
	"net/mail"
	"strings"
	"testing"
)

// sendableByParser is Sendable without its fast path: net/mail alone.
func sendableByParser(addr string) bool {
	if addr == "" || len(addr) > 254 {
		return false
	}
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Name == "" && strings.EqualFold(a.Address, addr)
}

// TestSendableSameAsParser holds Sendable to net/mail over random texts made of address parts,
// every special, dot, space, quote and invalid UTF-8 included: the fast path takes only what the
// parser takes.
func TestSendableSameAsParser(t *testing.T) {
	parts := []string{"a", "Z", "0", ".", "..", "@", "@", "@corp.example", "x", "-", "_", "+", "!#$%&'*/=?^`{|}~",
		"(", ")", "<", ">", "[", "]", ":", ";", "\\", ",", "\"", " ", "\t", "\r\n", "é", "\xff", "\x00", "\x7f", "[1.2.3.4]", "(c)"}
	texts := randomTexts(11, 12, parts, 200000, 8)
	atoms := randomTexts(13, 14, []string{"a", "0", ".", "-", "_", "+", "'", "~"}, 40000, 6)
	for i := 0; i < len(atoms); i += 2 {
		texts = append(texts, atoms[i]+"@"+atoms[i+1])
	}
	fast := 0
	for _, addr := range texts {
		if got, want := Sendable(addr), sendableByParser(addr); got != want {
			t.Fatalf("Sendable(%q) = %v, net/mail %v", addr, got, want)
		}
		if PlainAddress(addr) {
			fast++
		}
	}
	if fast < 5000 {
		t.Errorf("only %d addresses took the fast path", fast)
	}
	for _, addr := range []string{"alice@corp.example", "a.b@c.d", "a+tag@x", "a@b", "a@b.", ".a@b", "a..b@c", "a@b..c", "a@@b",
		strings.Repeat("a", 250) + "@b.c", strings.Repeat("a", 249) + "@b.c"} {
		if got, want := Sendable(addr), sendableByParser(addr); got != want {
			t.Errorf("Sendable(%q) = %v, net/mail %v", addr, got, want)
		}
	}
}

// BenchmarkSendable checks a plain recipient, by Sendable and by net/mail alone.
func BenchmarkSendable(b *testing.B) {
	for name, f := range map[string]func(string) bool{"sendable": Sendable, "parser": sendableByParser} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if !f("alice.martin+desk@corp.example") {
					b.Fatal("not sendable")
				}
			}
		})
	}
}
