package mailin

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// headerSeeds are headers of the shapes readHeader keeps: folded, with CR or LF line ends,
// names in any case and with spaces before the colon, empty, repeated and odd values.
var headerSeeds = []string{
	"From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\n",
	"message-id: <x@y>\nMIME-VERSION: 1.0\nx-ms-exchange-inbox-rules-loop: a@b\n\n",
	"Subject: one\r\n two\r\n\tthree  \r\nSubject: again\r\n\r\n",
	"Subject:\r\nTo:   \r\n  \r\nX-Empty:\r\n \r\n\r\n",
	"Received: from a\r\n\tby b; Mon, 1 Jan 2026\r\nReceived: x\r\nReceived : y\r\n\r\n",
	"Content-Type: text/plain;\n charset=\"utf-8\"\nContent-ID: <1@x>\nContent-Disposition: inline\n\n",
	"Subject: a\rb\r\n c\r\r\nX-Foo_Bar: 1\r\nx-foo_bar: 2\r\n\r\n",
	"DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\n\tdef\r\nFrom: x\r\n\r\n",
	"From ab@c Mon Jan  1 00:00:00 2026\nFrom: a@b\nBad line\nTo: c@d\n\n",
	"X-1: \xc3\xa9t\xc3\xa9\r\nX-2: caf\xe9\r\n\r\n",
}

// FuzzHeaderMatchesTextproto holds Header to the go-message textproto.Header that Mail builds
// from the same fields (the one Parse built before, field by field with AddRaw).
func FuzzHeaderMatchesTextproto(f *testing.F) {
	for _, s := range headerSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkHeaderMatches(t, s) })
}

// TestHeaderMatchesTextproto is FuzzHeaderMatchesTextproto over random headers made of pieces
// of the seeds' kinds.
func TestHeaderMatchesTextproto(t *testing.T) {
	for _, s := range headerSeeds {
		checkHeaderMatches(t, s)
	}
	names := []string{"From", "from", "TO", "Cc", "Subject", "Message-ID", "message-id", "X-Foo", "x-foo", "Received", "Received ", " Content-Type", "X-A_b", "MIME-Version", "Dkim-Signature", "x(y", "X(Y", "x y", "X\xe9", "x\xc9"}
	values := []string{"", " ", "a", " a@b.example ", "\t=?utf-8?q?x?=", "one\r\n two", "one\n\ttwo\n three", "x\r\n \r\n y", "a\rb", "caf\xe9", "  \r\n  "}
	ends := []string{"\r\n", "\n"}
	r := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(names[r.IntN(len(names))] + ":" + values[r.IntN(len(values))] + ends[r.IntN(2)])
		}
		b.WriteString(ends[r.IntN(2)])
		checkHeaderMatches(t, b.String())
	}
}

func checkHeaderMatches(t *testing.T, s string) {
	t.Helper()
	h, _, _ := readHeader([]byte(s))
	th := h.Mail()
	var keys, want, got []string
	for fs := th.Fields(); fs.Next(); {
		raw, _ := fs.Raw()
		keys = append(keys, fs.Key())
		want = append(want, fs.Key()+"\x00"+fs.Value()+"\x00"+string(raw))
	}
	for fs := h.Fields(); fs.Next(); {
		got = append(got, fs.Key()+"\x00"+fs.Value()+"\x00"+fs.Raw())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("header %q: fields\n%q\ngo-message's\n%q", s, got, want)
	}
	if h.Len() != th.Len() {
		t.Fatalf("header %q: Len %d, go-message's %d", s, h.Len(), th.Len())
	}
	for _, k := range append(keys, "Subject", "subject", "X-Absent", "CONTENT-TYPE") {
		for _, k := range []string{k, strings.ToLower(k), strings.ToUpper(k), k + " ", "(" + k, strings.ToLower(k) + "\xe9", strings.ReplaceAll(k, "-", " ")} {
			if h.Get(k) != th.Get(k) || h.Has(k) != th.Has(k) || !slices.Equal(h.Values(k), th.Values(k)) {
				t.Fatalf("header %q, key %q: Get %q Has %v Values %q; go-message's %q %v %q", s, k,
					h.Get(k), h.Has(k), h.Values(k), th.Get(k), th.Has(k), th.Values(k))
			}
		}
	}
}
