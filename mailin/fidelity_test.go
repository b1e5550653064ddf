package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// pdfLike returns a deterministic PDF-like payload of about n bytes: text
// lines ended by CRLF, binary streams with NUL, lone CR and lone LF bytes,
// and every byte value.
func pdfLike(n int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n")
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%d 0 obj\r\n<< /Length %d /Filter /FlateDecode >>\r\nstream\r\n", i+1, 64)
		for j := 0; j < 64; j++ {
			b.WriteByte(byte(i*31 + j*7))
		}
		b.WriteString("\x00\r\n\n\r \t\r\n")
		b.WriteString("endstream\r\nendobj\r\n")
	}
	b.WriteString("trailer\r\n<< /Root 1 0 R >>\r\n%%EOF\r\n")
	return b.Bytes()
}

// textCRLF returns a text payload whose only line ends are CRLF, with 8-bit
// bytes and NUL when eightBit, and trailing spaces on some lines.
func textCRLF(lines int, eightBit bool) []byte {
	var b bytes.Buffer
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "line %03d: the quick brown fox jumps over the lazy dog", i)
		if eightBit {
			b.WriteString(" \xe9t\xe9 \x00\xff\x80")
		}
		if i%5 == 0 {
			b.WriteString("   ")
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

func encodeQP(t *testing.T, data []byte, binary bool) string {
	t.Helper()
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	w.Binary = binary
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// uuencodeBlock encodes data the traditional way (begin/end), as uuencode(1).
func uuencodeBlock(name string, data []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "begin 644 %s\r\n", name)
	enc := func(c byte) byte {
		if c == 0 {
			return '`'
		}
		return c + ' '
	}
	for i := 0; i < len(data); i += 45 {
		chunk := data[i:min(i+45, len(data))]
		b.WriteByte(enc(byte(len(chunk))))
		for j := 0; j < len(chunk); j += 3 {
			var g [3]byte
			copy(g[:], chunk[j:])
			b.WriteByte(enc(g[0] >> 2))
			b.WriteByte(enc((g[0]<<4 | g[1]>>4) & 63))
			b.WriteByte(enc((g[1]<<2 | g[2]>>6) & 63))
			b.WriteByte(enc(g[2] & 63))
		}
		b.WriteString("\r\n")
	}
	b.WriteString("`\r\nend\r\n")
	return b.String()
}

// mailWithPart builds a multipart/mixed mail with a text part and one file.
func mailWithPart(ct, cte, body string) string {
	return "From: Anne <anne@example.com>\r\nTo: desk@example.com\r\nSubject: file\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n" +
		"--=_b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n" +
		"--=_b\r\nContent-Type: " + ct + "\r\nContent-Disposition: attachment; filename=\"file.bin\"\r\n" +
		"Content-Transfer-Encoding: " + cte + "\r\n\r\n" + body + "\r\n--=_b--\r\n"
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x (%d bytes)", s[:8], len(b))
}

// TestAttachmentBytesExact checks that every attached file comes out
// identical to what the sender attached, for every transfer encoding, in a
// CRLF mail (as IMAP serves it) and, where the encoding allows, in the same
// mail stored with LF line ends.
func TestAttachmentBytesExact(t *testing.T) {
	pdf := pdfLike(20000)
	text7 := textCRLF(300, false)
	text8 := textCRLF(300, true)
	tests := []struct {
		name    string
		payload []byte
		ct, cte string
		body    string
		lf      bool // also exact when the whole mail has LF line ends
	}{
		{"base64 pdf", pdf, "application/pdf", "base64", wrap76(base64.StdEncoding.EncodeToString(pdf)), true},
		{"quoted-printable binary pdf", pdf, "application/pdf", "quoted-printable", encodeQP(t, pdf, true), true},
		{"quoted-printable text-mode pdf", text8, "application/pdf", "quoted-printable", encodeQP(t, text8, false), false},
		{"7bit text", text7, "text/plain; charset=us-ascii", "7bit", string(text7), false},
		{"8bit text", text8, "application/octet-stream", "8bit", string(text8), false},
		{"binary pdf", pdf, "application/pdf", "binary", string(pdf), false},
		{"x-uuencode", pdf, "application/pdf", "x-uuencode", uuencodeBlock("file.bin", pdf), true},
		{"uuencode", pdf, "application/octet-stream", "uuencode", uuencodeBlock("file.bin", pdf), true},
		{"x-uue", pdf, "application/octet-stream", "x-uue", uuencodeBlock("file.bin", pdf), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.cte == "base64" || strings.Contains(tt.cte, "uu") {
				body = strings.TrimSuffix(body, "\r\n") // the encoding's own last line end
			}
			raws := map[string]string{"crlf": mailWithPart(tt.ct, tt.cte, body)}
			if tt.lf {
				raws["lf"] = strings.ReplaceAll(raws["crlf"], "\r\n", "\n")
			}
			for form, raw := range raws {
				m := mustParse(t, raw, ParseOptions{})
				if len(m.Attachments) != 1 {
					t.Fatalf("%s: %d attachments %q, problems %q", form, len(m.Attachments), names(m), m.Problems)
				}
				a := m.Attachments[0]
				if !bytes.Equal(a.Data, tt.payload) {
					t.Errorf("%s: got %s, want %s", form, sum(a.Data), sum(tt.payload))
				}
				if a.Name != "file.bin" || a.Size != int64(len(tt.payload)) {
					t.Errorf("%s: name %q size %d", form, a.Name, a.Size)
				}
				if strings.TrimSpace(m.Text) != "See the file." {
					t.Errorf("%s: text %q", form, m.Text)
				}
			}
		})
	}
}

// TestUuencodedInBody checks a uuencoded file pasted into a plain body, in
// a CRLF mail.
func TestUuencodedInBody(t *testing.T) {
	pdf := pdfLike(3000)
	raw := "From: a@example.com\r\nSubject: uu\r\n\r\nHere it is:\r\n\r\n" + uuencodeBlock("report.pdf", pdf) + "\r\nBye\r\n"
	m := mustParse(t, raw, ParseOptions{})
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "report.pdf" || !bytes.Equal(m.Attachments[0].Data, pdf) {
		t.Fatalf("attachments %q", names(m))
	}
	if strings.Contains(m.Text, "begin 644") || !strings.Contains(m.Text, "Bye") || strings.Contains(m.Text, "\r") {
		t.Errorf("text %q", m.Text)
	}
}

// TestUuencodePart checks parts whose Content-Transfer-Encoding is
// uuencode: with or without a begin line, typed text/plain or a file type,
// named by the header or only by the begin line.
func TestUuencodePart(t *testing.T) {
	pdf := pdfLike(2000)
	block := uuencodeBlock("from-begin.pdf", pdf)
	var bare strings.Builder // the encoded lines alone, without begin and end
	for _, l := range strings.Split(block, "\r\n") {
		if !strings.HasPrefix(l, "begin ") && l != "end" && l != "" {
			bare.WriteString(l + "\r\n")
		}
	}
	tests := []struct {
		name, header, body, want string
	}{
		{"text/plain with a name", "Content-Type: text/plain; name=\"notes.pdf\"\r\nContent-Transfer-Encoding: x-uuencode\r\n", block, "notes.pdf"},
		{"text/plain without a name", "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n", block, "from-begin.pdf"},
		{"octet-stream without a name", "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: uuencode\r\n", block, "from-begin.pdf"},
		{"no begin line", "Content-Type: application/pdf; name=bare.pdf\r\nContent-Transfer-Encoding: x-uue\r\n", bare.String(), "bare.pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@example.com\r\nSubject: uu\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: text/plain\r\n\r\nThe file.\r\n--b\r\n" + tt.header + "\r\n" + tt.body + "--b--\r\n"
			m := mustParse(t, raw, ParseOptions{})
			if len(m.Attachments) != 1 || m.Attachments[0].Name != tt.want || !bytes.Equal(m.Attachments[0].Data, pdf) {
				var got []string
				for _, a := range m.Attachments {
					got = append(got, a.Name+" "+sum(a.Data))
				}
				t.Fatalf("attachments %q, want %s %s; text %q", got, tt.want, sum(pdf), m.Text)
			}
			if strings.TrimSpace(m.Text) != "The file." {
				t.Errorf("text %q", m.Text)
			}
		})
	}
}

// hostileMails are inputs built to make the parser slow or big.
func hostileMails() map[string]string {
	big8bit := strings.Repeat("\xc0\xe9\xa4\xb3 \xd2\xbb\xb8\xf6 ", 400000) // 4.4 MB of 8-bit bytes, no charset
	return map[string]string{
		"8-bit body without charset": "From: a@example.com\r\nSubject: x\r\n\r\n" + big8bit,
		"8-bit subject":              "From: a@example.com\r\nSubject: " + big8bit[:200000] + "\r\n\r\nbody\r\n",
		"many stray header lines":    strings.Repeat("From: a@example.com\r\nstray line\r\n", 50000) + "\r\nbody\r\n",
		"many continuation lines":    "Subject: x\r\n" + strings.Repeat(" =?utf-8?b?w6k=?=\r\n", 100000) + "\r\nbody\r\n",
		"many parts":                 "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\nContent-Type: image/png\r\n\r\nx\r\n", 50000) + "--b--\r\n",
		"deep nesting":               strings.Repeat("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n", 5000) + "\r\nx\r\n",
		"long quoted-printable line": "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("=E9=", 1000000) + "\r\n",
		"many uuencode begins":       "Subject: uu\r\n\r\n" + strings.Repeat("begin 644 a.bin\r\n", 100000),
		"many cid images":            "Content-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<img src=\"cid:x\">", 100000) + "\r\n" + strings.Repeat("--b\r\nContent-Type: image/png\r\nContent-ID: <x>\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 1000) + "--b--\r\n",
	}
}

// TestHostileMails checks that hostile inputs parse into valid, bounded
// output; their speed is measured by BenchmarkParsePathological.
func TestHostileMails(t *testing.T) {
	for name, raw := range hostileMails() {
		m, err := Parse([]byte(raw), ParseOptions{MaxAttachment: 1 << 20})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !validUTF8(m) || len(m.Text) > 3*len(raw)+64 {
			t.Errorf("%s: %d bytes of text out of %d", name, len(m.Text), len(raw))
		}
		for _, p := range m.Problems {
			if strings.HasPrefix(p, "parser panic") {
				t.Errorf("%s: %s", name, p)
			}
		}
	}
}

// BenchmarkParsePathological reports the time Parse takes on each hostile
// input (go test ./mailin -run '^$' -bench ParsePathological -benchtime 1x).
func BenchmarkParsePathological(b *testing.B) {
	for name, raw := range hostileMails() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := Parse([]byte(raw), ParseOptions{MaxAttachment: 1 << 20}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
