package mailin

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func encode(t *testing.T, enc encoding.Encoding, s string) string {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustParse(t *testing.T, raw string, opt ParseOptions) *Message {
	t.Helper()
	m, err := Parse([]byte(raw), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !validUTF8(m) {
		t.Fatalf("invalid UTF-8 in %+v", m)
	}
	return m
}

func names(m *Message) []string {
	var out []string
	for _, a := range m.Attachments {
		out = append(out, a.Name)
	}
	return out
}

// fixtures are small messages for the unit tests, the fuzz seed corpus and
// the benchmark.
func fixtures(t *testing.T) map[string]string {
	return map[string]string{
		"simple": "From: \"Céline Dupré\" <Celine.Dupre@Corp.Example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: =?utf-8?q?Imprimante_bloqu=C3=A9e?=\r\nMessage-ID: <ABC@Mail.Example>\r\n" +
			"In-Reply-To: <x1@corp.example>\r\nReferences: <x0@corp.example>\r\n <x1@corp.example>\r\n" +
			"Date: Mon, 2 Jan 2006 15:04:05 +0100\r\nContent-Language: fr-FR, en\r\nX-Priority: 1 (Highest)\r\n\r\n" +
			"Bonjour, l'imprimante est bloquée.\r\n",
		"broken-boundary": "From: a@example.com\nSubject: broken\nContent-Type: multipart/mixed; boundary=\"wrong\"\n\n" +
			"--real\nContent-Type: text/plain\n\nthe text\n--real\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n",
		"no-closing-boundary": "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: image/png; name=x.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n",
		"missing-cte":         "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nhello\n--b\nContent-Type: application/octet-stream; name=data.bin\n\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\nISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BB\n--b--\n",
		"wrong-cte":           "From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nThis is not base64 at all, just text.\n",
		"nested-rfc822": "From: a@example.com\nSubject: outer\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee the forwarded mail\n--b\nContent-Type: message/rfc822\n\n" +
			"From: c@example.com\nSubject: Inner subject\nMessage-ID: <inner@example.com>\n\ninner text\n--b--\n",
		"uuencode": "From: a@example.com\nSubject: uu\n\nHere is the file:\n\nbegin 644 hello.txt\n%:&5L;&\\`\n`\nend\n\nbye\n",
		"smime-signed": "From: a@example.com\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=s\n\n--s\n" +
			"Content-Type: multipart/mixed; boundary=i\n\n--i\nContent-Type: text/plain\n\nsigned text\n--i\nContent-Type: image/png; name=shot.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--i--\n" +
			"--s\nContent-Type: application/pkcs7-signature; name=smime.p7s\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQEx\n--s--\n",
		"rfc2231": "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: application/pdf\n" +
			"Content-Disposition: attachment;\n filename*0*=iso-8859-1''Re%E7u%20de;\n filename*1*=%20r%E9paration;\n filename*2=\".pdf\"\n\n%PDF\n--b--\n",
		"rfc2047-name":    "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b\nContent-Type: application/pdf; name=\"=?UTF-8?B?w6l0w6kucGRm?=\"\nContent-Disposition: attachment; filename=\"..\\\\..\\\\evil\\\\=?UTF-8?B?w6l0w6kucGRm?=\"\n\n%PDF\n--b--\n",
		"windows-1250":    "From: a@example.com\nSubject: =?windows-1250?q?" + qEncode(encode(t, charmap.Windows1250, "Příliš žluťoučký")) + "?=\nContent-Type: text/plain; charset=windows-1250\nContent-Transfer-Encoding: 8bit\n\n" + encode(t, charmap.Windows1250, "Příliš žluťoučký kůň") + "\n",
		"windows-1252":    "From: a@example.com\nSubject: caf\xe9 raw 8-bit\nContent-Type: text/plain; charset=windows-1252\n\n" + encode(t, charmap.Windows1252, "Ça coûte 5 € l'unité") + "\n",
		"iso-2022-jp":     "From: a@example.com\nContent-Type: text/plain; charset=iso-2022-jp\nContent-Transfer-Encoding: 7bit\n\n" + encode(t, japanese.ISO2022JP, "こんにちは世界") + "\n",
		"gb2312":          "From: a@example.com\nContent-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: 8bit\n\n" + encode(t, simplifiedchinese.GBK, "你好世界") + "\n",
		"unknown-charset": "From: a@example.com\nSubject: =?x-klingon?q?caf=E9?=\nContent-Type: text/plain; charset=x-klingon\n\ncaf\xe9\n",
		"no-content-type": "From: a@example.com\nSubject: plain\n\njust text, no MIME at all\n",
		"html-only":       "From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n<html><head><style>p{}</style></head><body><p>Hello <b>there</b></p><div>second</div></body></html>\n",
		"no-message-id":   "From: a@example.com\nSubject: x\n\nbody\n",
		"garbage":         "\x00\xff\xfe not a mail at all \n\n\n--\n",
	}
}

func qEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c < 128 && c != '=' && c != '?' && c != '_':
			b.WriteByte(c)
		default:
			b.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

func TestParseHeaders(t *testing.T) {
	m := mustParse(t, fixtures(t)["simple"], ParseOptions{})
	if m.From.Email != "celine.dupre@corp.example" || m.From.Name != "Céline Dupré" {
		t.Errorf("from %+v", m.From)
	}
	if m.Subject != "Imprimante bloquée" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.MessageID != "ABC@Mail.Example" || m.DerivedID { // As received: the local part is case-sensitive.
		t.Errorf("message-id %q %v", m.MessageID, m.DerivedID)
	}
	if strings.Join(m.References, " ") != "x0@corp.example x1@corp.example" || strings.Join(m.InReplyTo, " ") != "x1@corp.example" {
		t.Errorf("threading %v %v", m.References, m.InReplyTo)
	}
	if m.Date.IsZero() || m.Language != "fr-fr" || m.Priority != 1 {
		t.Errorf("date %v language %q priority %d", m.Date, m.Language, m.Priority)
	}
	if !strings.Contains(m.Text, "bloquée") || m.Verdict != VerdictPerson {
		t.Errorf("text %q verdict %s", m.Text, m.Verdict)
	}
}

func TestParseMIME(t *testing.T) {
	fx := fixtures(t)
	tests := []struct {
		name        string
		text        string   // substring of Text
		notText     string   // must not be in Text
		attachments []string // names, in order
		problem     string   // substring of one Problem
	}{
		{name: "broken-boundary", text: "the text", attachments: []string{"a.pdf"}, problem: "boundary"},
		{name: "no-closing-boundary", text: "hello", attachments: []string{"x.png"}, problem: "closing boundary"},
		{name: "missing-cte", text: "hello", attachments: []string{"data.bin"}, problem: "looks like base64"},
		{name: "wrong-cte", text: "This is not base64 at all", problem: "not base64"},
		{name: "nested-rfc822", text: "see the forwarded mail", notText: "inner text", attachments: []string{"Inner subject.eml"}},
		{name: "uuencode", text: "Here is the file:", notText: "begin 644", attachments: []string{"hello.txt"}},
		{name: "smime-signed", text: "signed text", attachments: []string{"shot.png", "smime.p7s"}},
		{name: "rfc2231", attachments: []string{"Reçu de réparation.pdf"}},
		{name: "rfc2047-name", attachments: []string{"été.pdf"}},
		{name: "windows-1250", text: "Příliš žluťoučký kůň"},
		{name: "windows-1252", text: "Ça coûte 5 € l'unité"},
		{name: "iso-2022-jp", text: "こんにちは世界"},
		{name: "gb2312", text: "你好世界"},
		{name: "unknown-charset", text: "café", problem: "unknown charset"},
		{name: "no-content-type", text: "just text, no MIME at all"},
		{name: "html-only", text: "Hello there\n\nsecond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, fx[tt.name], ParseOptions{})
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("text %q does not contain %q", m.Text, tt.text)
			}
			if tt.notText != "" && strings.Contains(m.Text, tt.notText) {
				t.Errorf("text %q contains %q", m.Text, tt.notText)
			}
			if got := strings.Join(names(m), "|"); got != strings.Join(tt.attachments, "|") {
				t.Errorf("attachments %q, want %q", got, strings.Join(tt.attachments, "|"))
			}
			if tt.problem != "" && !strings.Contains(strings.Join(m.Problems, "\n"), tt.problem) {
				t.Errorf("problems %q lack %q", m.Problems, tt.problem)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	fx := fixtures(t)
	m := mustParse(t, fx["windows-1250"], ParseOptions{})
	if m.Subject != "Příliš žluťoučký" {
		t.Errorf("windows-1250 subject %q", m.Subject)
	}
	m = mustParse(t, fx["windows-1252"], ParseOptions{})
	if m.Subject != "café raw 8-bit" {
		t.Errorf("raw 8-bit subject %q", m.Subject)
	}
	m = mustParse(t, fx["unknown-charset"], ParseOptions{})
	if m.Subject != "café" {
		t.Errorf("unknown charset subject %q", m.Subject)
	}
	m = mustParse(t, fx["uuencode"], ParseOptions{})
	if len(m.Attachments) != 1 || string(m.Attachments[0].Data) != "hello" || m.Attachments[0].ContentType != "text/plain" {
		t.Errorf("uuencoded %+v", m.Attachments)
	}
	m = mustParse(t, fx["nested-rfc822"], ParseOptions{})
	if m.Attachments[0].ContentType != "message/rfc822" || !bytes.Contains(m.Attachments[0].Data, []byte("inner text")) {
		t.Errorf("attached message %+v", m.Attachments[0])
	}
	m = mustParse(t, fx["no-message-id"], ParseOptions{})
	m2 := mustParse(t, fx["no-message-id"], ParseOptions{})
	if !m.DerivedID || !strings.HasSuffix(m.MessageID, "@deskd.invalid") || m.MessageID != m2.MessageID {
		t.Errorf("derived id %q %v", m.MessageID, m.DerivedID)
	}
	m = mustParse(t, fx["missing-cte"], ParseOptions{MaxAttachment: 10})
	if a := m.Attachments[0]; !a.Omitted || a.Data != nil || a.Size != 66 {
		t.Errorf("omitted attachment %+v", a)
	}
	m = mustParse(t, fx["garbage"], ParseOptions{})
	if m.Raw == nil {
		t.Errorf("raw not kept")
	}
	if _, err := Parse(nil, ParseOptions{}); err == nil {
		t.Errorf("empty input: no error")
	}
}

// tnefBlob builds a small TNEF blob with one attachment whose long name is
// in the MAPI properties and whose 8.3 title differs.
func tnefBlob(longName string, data []byte) []byte {
	var b bytes.Buffer
	le := func(v any) {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			panic(err)
		}
	}
	attr := func(level byte, id uint32, data []byte) {
		b.WriteByte(level)
		le(id)
		le(uint32(len(data)))
		b.Write(data)
		var sum uint16
		for _, c := range data {
			sum += uint16(c)
		}
		le(sum)
	}
	le(uint32(tnefSignature))
	le(uint16(1))
	attr(1, 0x00089006, []byte{0, 0, 1, 0})
	attr(1, 0x0002800C, []byte("the body\x00"))
	attr(2, 0x00069002, make([]byte, 14))
	attr(2, 0x00018010, []byte("LONGNA~1.TXT\x00"))
	attr(2, 0x0006800F, data)
	var props bytes.Buffer
	pl := func(v any) {
		if err := binary.Write(&props, binary.LittleEndian, v); err != nil {
			panic(err)
		}
	}
	pl(uint32(2))
	pl(uint32(0x0003<<0 | 0x0E21<<16)) // PR_ATTACH_NUM, PT_LONG
	pl(uint32(7))
	pl(uint32(ptString8) | uint32(prAttachLongName)<<16)
	pl(uint32(1))
	name := append([]byte(longName), 0)
	pl(uint32(len(name)))
	props.Write(name)
	for props.Len()%4 != 0 {
		props.WriteByte(0)
	}
	attr(2, 0x00069005, props.Bytes())
	return b.Bytes()
}

func TestTNEF(t *testing.T) {
	blob := tnefBlob("long file name.txt", []byte("content"))
	tn, err := DecodeTNEF(blob)
	if err != nil {
		t.Fatal(err)
	}
	if len(tn.Attachments) != 1 || tn.Attachments[0].Name != "long file name.txt" || string(tn.Attachments[0].Data) != "content" || tn.Text != "the body" {
		t.Fatalf("decoded %+v", tn)
	}
	m := mustParse(t, string(tnefMail(blob)), ParseOptions{})
	if got := strings.Join(names(m), "|"); got != "long file name.txt" {
		t.Errorf("attachments %q", got)
	}
	// Every truncation must be read without panic; one inside the
	// attachment's properties must be reported.
	for i := 0; i < len(blob); i++ {
		if _, err := DecodeTNEF(blob[:i]); err == nil && i == len(blob)-5 {
			t.Errorf("truncated at %d: no error", i)
		}
	}
	if _, err := DecodeTNEF([]byte("not tnef")); err != ErrNotTNEF {
		t.Errorf("not tnef: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fixtures(&testing.T{}) {
		f.Add([]byte(s))
	}
	f.Add(tnefMail(tnefBlob("a.txt", []byte("x"))))
	f.Add([]byte("---- Original email message ----\r\nFrom: \xd5\xc5\xce\xb0 <a@example.com>\r\nSubject: =?utf-8?Q?Dupont,_Jean?=\r\n=?utf-8?B?w6k=?=\r\n" +
		"Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:x\">\r\n" +
		"--r\r\nContent-Type: image/png\r\nContent-ID: <x>\r\n\r\n\x89PNG\r\n--r\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n#86)C\r\n`\r\nend\r\n--r--\r\n"))
	f.Add([]byte("Subject: \x1b$B%W%j%s%?!<\x1b(B\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nA+ACo-b\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, ParseOptions{MaxAttachment: 1 << 16})
		if err != nil {
			return
		}
		for _, p := range m.Problems {
			if strings.HasPrefix(p, "parser panic") {
				t.Fatal(p)
			}
		}
		if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) {
			t.Fatal("invalid UTF-8")
		}
		hv := valuesOf(m.Header)
		for _, k := range valueFields {
			if hv.Get(k) != m.Header.Get(k) || hv.Has(k) != m.Header.Has(k) {
				t.Fatalf("headerValues %s: %q %v, header %q %v", k, hv.Get(k), hv.Has(k), m.Header.Get(k), m.Header.Has(k))
			}
		}
		for _, a := range m.Attachments {
			if !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\") {
				t.Fatalf("bad name %q", a.Name)
			}
		}
		if _, err := DecodeTNEF(raw); err != nil && err != ErrNotTNEF {
			return
		}
	})
}

// BenchmarkParse parses a typical 20 KB mail: a multipart/alternative body
// and a 12 KB PNG attachment.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("From: \"Céline Dupré\" <celine.dupre@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: =?utf-8?q?VPN_ne_marche_plus?=\r\n" +
		"Message-ID: <bench@corp.example>\r\nDate: Mon, 2 Jan 2006 15:04:05 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n" +
		"--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	for i := 0; i < 40; i++ {
		sb.WriteString("Bonjour, le VPN ne se connecte plus depuis ce matin, erreur 809 =C3=A0 chaque essai.\r\n")
	}
	sb.WriteString("--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>")
	for i := 0; i < 40; i++ {
		sb.WriteString("<p>Bonjour, le VPN ne se connecte plus depuis ce matin, erreur 809.</p>\r\n")
	}
	sb.WriteString("</body></html>\r\n--a--\r\n--m\r\nContent-Type: image/png; name=capture.png\r\nContent-Disposition: attachment; filename=capture.png\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	png := make([]byte, 9000)
	for i := range png {
		png[i] = byte(i * 7)
	}
	enc := base64Std(png)
	for len(enc) > 76 {
		sb.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	sb.WriteString(enc + "\r\n--m--\r\n")
	raw := []byte(sb.String())
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseLeavesInputAlone: Parse never writes into the mail it reads, which the desk keeps as
// Raw. A delivery report with LF line ends had the "\n-" of the boundary after its last block
// overwritten with "\n\n".
func TestParseLeavesInputAlone(t *testing.T) {
	raw := []byte("From: MAILER-DAEMON@mx.example\nTo: alice@corp.example\nSubject: Undelivered Mail Returned to Sender\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n\n" +
		"--B1\nContent-Type: text/plain\n\nYour mail could not be delivered.\n\n" +
		"--B1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n" +
		"Final-Recipient: rfc822; bob@corp.example\nAction: failed\nStatus: 5.1.1\n\n" +
		"--B1--\n")
	orig := bytes.Clone(raw)
	m, err := Parse(raw, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, orig) {
		t.Errorf("Parse changed its input:\n%s", raw)
	}
	if !slices.Equal(m.FailedRecipients, []string{"bob@corp.example"}) {
		t.Errorf("failed recipients %q, want bob@corp.example", m.FailedRecipients)
	}
}

// TestBracketed: bracketed finds what `<([^<>]*)>` finds.
func TestBracketed(t *testing.T) {
	re := regexp.MustCompile(`<([^<>]*)>`)
	texts := []string{"", "<>", "<a>", "<a@b> <c@d>", "x <a<b> c>", "<<a>>", "<a", "a>", ">a<b>", "<a> <", "<a>>b<c>",
		"<a@b>,<c@d>\r\n <e@f>", "no ids", "<é@ü>", "< a @ b >"}
	r := rand.New(rand.NewPCG(8, 9))
	for range 5000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteByte("<>a@ ,"[r.IntN(6)])
		}
		texts = append(texts, b.String())
	}
	for _, s := range texts {
		var want []string
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			want = append(want, m[1])
		}
		if got := bracketed(s); !slices.Equal(got, want) {
			t.Errorf("bracketed(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestDedupeOwn: dedupeOwn gives what dedupe gives (nil, empty or not) on random lists of up to
// 12 strings, empty ones and repeats included.
func TestDedupeOwn(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	words := []string{"", "a@x", "b@x", "c@x", "A@x", "d@y"}
	for range 20000 {
		var l []string
		if r.IntN(10) > 0 {
			l = make([]string, r.IntN(13))
		}
		for i := range l {
			l[i] = words[r.IntN(len(words))]
		}
		want := dedupe(slices.Clone(l))
		got := dedupeOwn(slices.Clone(l))
		if !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("dedupeOwn(%q) = %q (nil %v), dedupe %q (nil %v)", l, got, got == nil, want, want == nil)
		}
	}
}
