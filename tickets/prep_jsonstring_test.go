package tickets

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestJSONSafe8SameAsBytes checks the word-at-a-time test of appendJSONString against jsonSafe
// byte by byte: every byte value at every place of a word of otherwise safe bytes, and random
// words mixing the bytes next to the limits.
func TestJSONSafe8SameAsBytes(t *testing.T) {
	bytesSafe := func(w uint64) bool {
		for k := 0; k < 8; k++ {
			c := byte(w >> (8 * k))
			if c >= 0x80 || !jsonSafe[c] {
				return false
			}
		}
		return true
	}
	for _, fill := range []byte{'a', ' ', '!', '~', 0x7f, '%', '=', '?', '[', ']'} {
		for k := 0; k < 8; k++ {
			for c := 0; c < 256; c++ {
				var w uint64
				for j := 0; j < 8; j++ {
					b := fill
					if j == k {
						b = byte(c)
					}
					w |= uint64(b) << (8 * j)
				}
				if got, want := jsonSafe8(w), bytesSafe(w); got != want {
					t.Fatalf("jsonSafe8(%#016x) = %v, want %v", w, got, want)
				}
			}
		}
	}
	near := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '\\', '<', '>', '&', '!', '#', '%', ';', '=', '?', '[', ']', 0x7e, 0x7f, 0x80, 0x81, 0xc3, 0xff, 'a'}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500_000 {
		var w uint64
		for j := 0; j < 8; j++ {
			b := byte('a')
			if r.IntN(3) == 0 {
				b = near[r.IntN(len(near))]
			}
			w |= uint64(b) << (8 * j)
		}
		if got, want := jsonSafe8(w), bytesSafe(w); got != want {
			t.Fatalf("jsonSafe8(%#016x) = %v, want %v", w, got, want)
		}
	}
}

// TestJSONStringRandomSameAsMarshal compares appendJSONString with json.Marshal on random
// strings of every length up to 40, mostly text that needs no escaping with the odd byte that
// does at any place (the word-at-a-time pass stops at it), accented and invalid UTF-8 included.
func TestJSONStringRandomSameAsMarshal(t *testing.T) {
	pieces := []string{"a", "b", "z", " ", "0", "é", "à", "œ", "€", "\u2028", "\u2029", "\xff", "\xc3", "\"", "\\",
		"<", ">", "&", "\n", "\t", "\r", "\x00", "\x1f", "\x7f", "imprimante", "Bonjour,", "🙂"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		var b strings.Builder
		n := r.IntN(41)
		for b.Len() < n {
			if r.IntN(4) == 0 {
				b.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				b.WriteByte(byte('a' + r.IntN(26)))
			}
		}
		s := b.String()
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("x"), s); string(got[1:]) != string(want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got[1:], want)
		}
	}
}
