package mailout

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// TestQuotedPrintableAsMime: writeQP writes what mime/quotedprintable's Writer writes for the
// text with its line ends made CRLF, for texts of every byte, line end and length (long lines,
// spaces and tabs before line ends, "=", CR alone, LF alone, CRLF, bytes above 127), and what it
// writes decodes back to that text. The Writer fed the text as it is drops the LF after a CR and
// a byte it encodes ("\r\xff\n" → "\r\n=FF": its encode leaves the CR pending), so it is fed
// the line ends already made CRLF, where no CR is alone.
func TestQuotedPrintableAsMime(t *testing.T) {
	texts := []string{"", "a", " ", "\t", "=", "\r", "\n", "\r\n", "\n\r", "a \r\nb\t\nc ", strings.Repeat("x", 200),
		strings.Repeat("é", 60), strings.Repeat("a ", 80) + "\n", strings.Repeat("=", 30), "\r\x80\n", "\r\xff\n",
		"ligne\ré\nfin", "\r=\n", "ligne \r\r\n"}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "abc XYZ\t=\r\n.é\x00\x7f~!"
	for k := range 10000 {
		b := make([]byte, rng.IntN(300))
		odd := 4 // Half the texts of short runs, half of long lines with a byte to encode here and there.
		if k%2 == 1 {
			odd = 40
		}
		for i := range b {
			if rng.IntN(odd) == 0 {
				b[i] = byte(rng.IntN(256))
			} else if odd == 4 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte(' ' + rng.IntN(95))
			}
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		crlf := crlfLineEnds(s)
		var want, got bytes.Buffer
		q := quotedprintable.NewWriter(&want)
		if _, err := q.Write([]byte(crlf)); err != nil {
			t.Fatal(err)
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		got.WriteString("head") // Written after what the buffer holds.
		writeQP(&got, s)
		if got.String() != "head"+want.String() {
			t.Fatalf("%q:\n got %q\nwant %q", s, got.String()[4:], want.String())
		}
		decoded, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(got.String()[4:])))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(decoded) != crlf {
			t.Fatalf("%q: decodes to %q", s, decoded)
		}
		for _, line := range strings.Split(got.String()[4:], "\r\n") {
			if len(line) > 76 {
				t.Fatalf("%q: line of %d characters: %q", s, len(line), line)
			}
		}
	}
}

// crlfLineEnds is s with every line end (CRLF, a CR or an LF alone) written CRLF.
func crlfLineEnds(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// TestQPRun: qpRun counts the bytes of a word of eight, from the first, that are printable
// ASCII but "=", or a space, for words of random bytes and of mostly printable ones.
func TestQPRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 400000 {
		var b [8]byte
		for k := range b {
			switch {
			case i%2 == 0:
				b[k] = byte(rng.IntN(256))
			case rng.IntN(16) == 0: // Mostly printable, with a byte to stop at here and there.
				b[k] = "=\t\r\n\x00\x1f\x7f\x80\xff"[rng.IntN(9)]
			default:
				b[k] = byte(' ' + rng.IntN(95))
			}
		}
		x := uint64(0)
		want := 8
		for k := 7; k >= 0; k-- {
			x = x<<8 | uint64(b[k])
			if b[k] < ' ' || b[k] > '~' || b[k] == '=' {
				want = k
			}
		}
		if got := qpRun(x); got != want {
			t.Fatalf("qpRun(%q) = %d, want %d", b[:], got, want)
		}
	}
}

// TestQEncodeAsMime: qEncode writes what mime.QEncoding.Encode("UTF-8", s) writes, for random
// strings over ASCII, controls, the Q encoding's own characters, accented letters, wide
// characters and broken UTF-8, short and long enough to be split into several words.
func TestQEncodeAsMime(t *testing.T) {
	parts := []string{"a", "Z", " ", "\t", "\r", "\n", "=", "?", "_", "~", "!", "\x7f", "é", "ç", "€", "😀", "\xff", "\xc3", "[HD #42] ", "Demande reçue : "}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if got, want := qEncode(s), mime.QEncoding.Encode("UTF-8", s); got != want {
			t.Fatalf("qEncode(%q)\n= %q\nwant %q", s, got, want)
		}
	}
}

// TestHeaderIDAsHeader: headerID writes what header writes of "<id>", for IDs of every length
// around a line's room, with spaces, tabs, controls and characters to encode.
func TestHeaderIDAsHeader(t *testing.T) {
	parts := []string{"a", "Z", "0", ".", "@", "+", "=", "-", "_", " ", "\t", "\r", "é", "\x7f", "dk.aivk3xytrrgl6pvej75yl57tj3hfq"}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 20000 {
		var b strings.Builder
		if i < 80 { // Every length of a plain ID up to past a line.
			b.WriteString(strings.Repeat("x", i))
		}
		for range rng.IntN(30) * min(1, i/80) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		id := b.String()
		for _, key := range []string{"Message-ID", "In-Reply-To"} {
			var got, want bytes.Buffer
			got.WriteString("X: y\r\n")
			want.WriteString("X: y\r\n")
			headerID(&got, key, id)
			header(&want, key, "<"+id+">")
			if got.String() != want.String() {
				t.Fatalf("%s %q:\n got %q\nwant %q", key, id, got.String(), want.String())
			}
		}
	}
}
