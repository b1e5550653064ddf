package mailout

import (
	"bytes"
	"mime"
	"strings"
	"testing"
)

// TestHeaderLongWordWithinLineLimit: a field whose value holds a word too long for a line of 998
// bytes (a subject pasted as one long token) is written in lines of at most 998 bytes, and reads
// back as the value given; a value whose words fit is written as before, plain.
func TestHeaderLongWordWithinLineLimit(t *testing.T) {
	for _, key := range []string{"Subject", "X-Deskd-Long-Field-Name", "To"} {
		for _, n := range []int{900, 980, 985, 986, 987, 988, 989, 990, 991, 992, 996, 998, 999, 1000, 1500, 5000} {
			word := strings.Repeat("x", n-3) + "=?_"
			for _, v := range []string{word, "Re: [HD #42] " + word, word + " end", "a " + word + " b " + word} {
				var w bytes.Buffer
				header(&w, key, v)
				text := w.String()
				if !strings.HasSuffix(text, "\r\n") {
					t.Fatalf("%s (%d): no CRLF at the end", key, n)
				}
				for i, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
					if len(line) > maxLineLength {
						t.Fatalf("%s, a word of %d: line %d is %d bytes, past %d", key, n, i+1, len(line), maxLineLength)
					}
				}
				got, err := new(mime.WordDecoder).DecodeHeader(strings.ReplaceAll(strings.TrimSuffix(text, "\r\n"), "\r\n", ""))
				if err != nil {
					t.Fatal(err)
				}
				if got != key+": "+v {
					t.Fatalf("%s, a word of %d: reads back as %.80q…, want %.80q…", key, n, got, key+": "+v)
				}
				plain := len(key)+2+len(word) <= maxLineLength
				if encoded := strings.Contains(text, "=?UTF-8?q?"); encoded == plain {
					t.Errorf("%s, a word of %d: encoded %v, want %v", key, n, encoded, !plain)
				}
			}
		}
	}
}
