package mailin

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"slices"
	"testing"
)

// decodeBase64Reference is decodeBase64 as it was written before it gathered runs of base64
// characters: byte by byte.
func decodeBase64Reference(b []byte) []byte {
	out := make([]byte, 0, len(b)*3/4+3)
	var buf [1024]byte // The chunk of base64 characters being gathered, a multiple of 4 when full.
	chunk := buf[:0]
	flush := func() {
		if len(chunk)%4 == 1 {
			chunk = chunk[:len(chunk)-1]
		}
		m := base64.RawStdEncoding.DecodedLen(len(chunk))
		out = slices.Grow(out, m)
		n, _ := base64.RawStdEncoding.Decode(out[len(out):len(out)+m], chunk)
		out = out[:len(out)+n]
		chunk = chunk[:0]
	}
	for _, c := range b {
		if base64Char[c] {
			chunk = append(chunk, c)
			if len(chunk) == len(buf) {
				flush()
			}
		} else if c == '=' && len(chunk) > 0 {
			flush()
		}
	}
	flush()
	return out
}

var base64Seeds = []string{
	"", "=", "QUJD", "QUJDRA==", "QUJDRA=\nRUY=", "QU\r\nJD\r\nRA", "Q", "QUJDR", "!!QUJD??RA==x",
	"QUJD=RA==", "====QUJD", "QUJDRA==QUJDRA==", " Q U J D ", "-_QUJD-_",
}

// TestBase64AsBefore: decodeBase64, gathering runs at once, decodes what it decoded byte by
// byte: the seeds, and random base64 with line ends, padding and stray bytes, across the
// 1,024-byte chunk.
func TestBase64AsBefore(t *testing.T) {
	for _, s := range base64Seeds {
		checkBase64(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		data := make([]byte, r.IntN(4000))
		for i := range data {
			data[i] = byte(r.UintN(256))
		}
		enc := []byte(base64.StdEncoding.EncodeToString(data))
		var b bytes.Buffer
		for len(enc) > 0 {
			n := min(len(enc), 1+r.IntN(120))
			b.Write(enc[:n])
			switch r.IntN(6) {
			case 0:
				b.WriteString("\r\n")
			case 1:
				b.WriteByte("=!* \t"[r.IntN(5)])
			default:
				b.WriteByte('\n')
			}
			enc = enc[n:]
		}
		checkBase64(t, b.Bytes())
	}
}

func FuzzBase64(f *testing.F) {
	for _, s := range base64Seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkBase64(t, b) })
}

func checkBase64(t *testing.T, b []byte) {
	if got, want := decodeBase64(b), decodeBase64Reference(b); !slices.Equal(got, want) {
		t.Fatalf("decodeBase64(%q) = %q, before %q", b, got, want)
	}
}
