package mailin

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/deskd/deskd/tickets"
)

// The limits against hostile mail (parse.go, decode.go, html.go, rtf.go): each test checks that
// the limit applies and that nothing of the mail is lost for it (the raw message is kept, a long
// text goes whole into message.txt, omitted files are counted). BenchmarkHostile in cmd/deskd
// measures what the limits are for.

func parseKept(t *testing.T, raw string) *Message {
	t.Helper()
	m, err := Parse([]byte(raw), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Raw) != raw {
		t.Fatal("the raw message is not kept as received")
	}
	return m
}

func TestHeaderLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: First <first@corp.example>\r\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "X-Junk-%d: %d\r\n", i, i)
	}
	for i := range 150 {
		fmt.Fprintf(&b, "Received: from hop%d\r\n", i)
	}
	// Past the limits, the fields deskd reads: a second From (a repeat must stay visible) and a
	// third, a Subject and a Message-ID.
	b.WriteString("From: Second <second@corp.example>\r\nFrom: Third <third@corp.example>\r\n")
	b.WriteString("Subject: still read\r\nMessage-ID: <limits@corp.example>\r\n")
	b.WriteString("Cc: " + strings.Repeat("someone@corp.example, ", 10_000) + "last@corp.example\r\n")
	b.WriteString("\r\nBody.\r\n")
	m := parseKept(t, b.String())

	n := 0
	for f := m.Header.Fields(); f.Next(); {
		n++
	}
	if n > maxHeaderFields+len(knownFields)*maxVitalCopies {
		t.Errorf("%d header fields kept, want at most %d and the known ones", n, maxHeaderFields)
	}
	if got := len(m.Header.Values("Received")); got > maxSameField {
		t.Errorf("%d Received fields kept, want at most %d", got, maxSameField)
	}
	if got := m.Header.Values("From"); len(got) != maxVitalCopies {
		t.Errorf("From fields kept: %q, want the first %d (a repeat is seen)", got, maxVitalCopies)
	}
	if m.From.Email != "first@corp.example" || m.Subject != "still read" || m.MessageID != "limits@corp.example" {
		t.Errorf("from %q, subject %q, message-id %q: known fields past the limit must be read", m.From.Email, m.Subject, m.MessageID)
	}
	if cc := m.Header.Get("Cc"); len(cc) > maxFieldBytes {
		t.Errorf("Cc of %d bytes kept, want at most %d", len(cc), maxFieldBytes)
	}
	if strings.TrimSpace(m.Text) != "Body." {
		t.Errorf("text %q: the header's end was lost", m.Text)
	}
	if !hasProblem(m, "fields dropped") || !hasProblem(m, "cut at") {
		t.Errorf("problems %q do not say what was dropped", m.Problems)
	}
}

func hasProblem(m *Message, s string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

func TestSubjectLimit(t *testing.T) {
	raw := "From: a@corp.example\r\nSubject: Help" + strings.Repeat("\r\n =?utf-8?q?=C3=A9t=C3=A9?=", 100_000) + "\r\n\r\nBody.\r\n"
	m := parseKept(t, raw)
	if len(m.Subject) > maxSubjectBytes || !utf8.ValidString(m.Subject) {
		t.Fatalf("subject of %d bytes (valid UTF-8: %v), want at most %d", len(m.Subject), utf8.ValidString(m.Subject), maxSubjectBytes)
	}
	if !strings.HasPrefix(m.Subject, "Help étéétéété") {
		t.Errorf("subject %.40q…: its start must be decoded", m.Subject)
	}
}

func TestFilesPerMail(t *testing.T) {
	t.Run("uuencoded", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("From: a@corp.example\r\nSubject: logs\r\n\r\nHere are the logs.\r\n")
		for i := range maxFiles + 50 {
			fmt.Fprintf(&b, "begin 644 f%d.txt\r\n#86)C\r\n`\r\nend\r\n", i)
		}
		b.WriteString("Thanks.\r\n")
		m := parseKept(t, b.String())
		if len(m.Attachments) != maxFiles || m.OmittedFiles != 50 {
			t.Fatalf("%d files kept and %d omitted, want %d and 50", len(m.Attachments), m.OmittedFiles, maxFiles)
		}
		if a := m.Attachments[0]; a.Name != "f0.txt" || string(a.Data) != "abc" {
			t.Errorf("first file %q %q", a.Name, a.Data)
		}
		if strings.Contains(m.Text, "begin") || !strings.Contains(m.Text, "Here are the logs.") || !strings.Contains(m.Text, "Thanks.") {
			t.Errorf("text %q: the omitted blocks must leave the text too", m.Text)
		}
	})
	t.Run("MIME parts", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("From: a@corp.example\r\nSubject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nMany files.\r\n")
		for i := range maxFiles + 30 {
			fmt.Fprintf(&b, "--b\r\nContent-Type: application/pdf; name=\"f%d.pdf\"\r\n\r\n%%PDF %d\r\n", i, i)
		}
		b.WriteString("--b--\r\n")
		m := parseKept(t, b.String())
		if len(m.Attachments) != maxFiles || m.OmittedFiles != 30 {
			t.Fatalf("%d files kept and %d omitted, want %d and 30", len(m.Attachments), m.OmittedFiles, maxFiles)
		}
		in := Incoming(m, "en")
		if in.OmittedFiles != 30 || len(in.Attachments) != maxFiles {
			t.Errorf("incoming: %d files, %d omitted", len(in.Attachments), in.OmittedFiles)
		}
	})
}

func TestPartsPastTheLimitAreNotRead(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@corp.example\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range 3 * maxParts {
		b.WriteString("--b\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	parts, _ := splitMultipart([]byte(b.String()[strings.Index(b.String(), "\r\n\r\n")+4:]), "b")
	if len(parts) > maxParts+1 {
		t.Errorf("%d parts split, want at most %d", len(parts), maxParts+1)
	}
	m := parseKept(t, b.String())
	if !hasProblem(m, "rest ignored") {
		t.Errorf("problems %q", m.Problems)
	}
}

func TestGuessBoundary(t *testing.T) {
	var b strings.Builder
	for i := range 150 {
		fmt.Fprintf(&b, "--decoy%d\n", i) // each seen once: no delimiter
	}
	b.WriteString("--real\nContent-Type: text/plain\n\nhello\n--real--\n")
	if got := guessBoundary([]byte(b.String())); got != "real" {
		t.Errorf("guessed %q, want real", got)
	}
	if got := guessBoundary([]byte("--a\n\nx\n--ab--\n")); got != "" {
		t.Errorf("guessed %q from lines that only share a prefix", got)
	}
}

func TestBeginLine(t *testing.T) {
	re := regexp.MustCompile(`^begin(?:-base64)? +[0-7]{3,4} +(.+?)\s*$`)
	for _, l := range []string{
		"begin 644 file.txt", "begin-base64 644 a b.png  ", "begin 0644 x", "begin 64 x", "begin 888 x",
		"begin 644", "begin 644 ", "begin  644  name", "beginning 644 x", "begin-base64644 x", "begin 644\tx",
		"begin 644 x\t", "begin 12345 x", "begin", "", "begin 644 ~!@#",
	} {
		m := re.FindStringSubmatch(l)
		name, b64, ok := beginLine(l)
		if ok != (m != nil) || ok && (name != m[1] || b64 != strings.HasPrefix(l, "begin-base64")) {
			t.Errorf("beginLine(%q) = %q, %v, %v; the expression says %q", l, name, b64, ok, m)
		}
	}
}

func TestLongTextGoesWholeToMessageTxt(t *testing.T) {
	line := "The printer on the second floor prints blank pages again since this morning.\n"
	body := "Hello,\n\n" + strings.Repeat(line, 2*tickets.MaxText/len(line)) + "The end.\n"
	m := parseKept(t, "From: a@corp.example\r\nSubject: long\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+body)
	in := Incoming(m, "en")
	if len(in.Text) > tickets.MaxText || !strings.HasPrefix(in.Text, "Hello,") {
		t.Errorf("visible text of %d bytes starting %.20q, want at most %d from the start", len(in.Text), in.Text, tickets.MaxText)
	}
	var full *tickets.IncomingAttachment
	for i, a := range in.Attachments {
		if a.Name == FullTextName {
			full = &in.Attachments[i]
		}
	}
	if full == nil {
		t.Fatalf("no %s among %d files", FullTextName, len(in.Attachments))
	}
	if string(full.Data) != strings.TrimRight(body, "\n") || full.Size != int64(len(full.Data)) || !strings.HasPrefix(full.ContentType, "text/plain") {
		t.Errorf("%s: %d bytes of %s, want the whole text (%d bytes)", full.Name, len(full.Data), full.ContentType, len(body))
	}

	short := parseKept(t, "From: a@corp.example\r\nSubject: short\r\n\r\nJust this.\r\n")
	if in := Incoming(short, "en"); len(in.Attachments) != 0 || in.Text != "Just this." {
		t.Errorf("a short mail: text %q, %d files", in.Text, len(in.Attachments))
	}
}

func TestLongHTML(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><body><p>FIRST words</p>")
	for i := 0; b.Len() < 2*maxHTMLText; i++ {
		fmt.Fprintf(&b, "<p>paragraph %d of a very long report</p>\n", i)
		if i == 40_000 {
			b.WriteString("<p>MIDDLE marker</p>")
		}
	}
	b.WriteString("<p>LAST words</p></body></html>")
	text := HTMLToText(b.String())
	if !strings.HasPrefix(text, "FIRST words") || !strings.Contains(text, "MIDDLE marker") {
		t.Errorf("text starts %.30q; the marker at %d KB: %v", text, 40_000*45>>10, strings.Contains(text, "MIDDLE marker"))
	}
	if strings.Contains(text, "LAST words") || len(text) > maxHTMLText {
		t.Errorf("%d bytes of text from %d of HTML, want what the first %d give", len(text), b.Len(), maxHTMLText)
	}
	for _, l := range strings.Split(text, "\n") {
		if l != "" && !strings.HasPrefix(l, "paragraph ") && !strings.Contains(l, "words") && !strings.Contains(l, "marker") {
			t.Fatalf("line %q: the cuts between chunks must fall between tags", l)
		}
	}

	// A tag larger than a chunk: the rest of it is not read as text.
	giant := "<p" + strings.Repeat(" a=x", htmlChunk) + ">Hello</p><p>world</p>"
	if got := HTMLToText(giant); got != "world" && got != "Hello\n\nworld" {
		t.Errorf("a giant tag gives %.60q", got)
	}
}

func TestQuoteDetectionPeeks(t *testing.T) {
	// Outlook's divider, nested: each one's test reads the start of its text only.
	var b strings.Builder
	b.WriteString("<html><body><p>New answer.</p>")
	for range 200 {
		b.WriteString(`<div style="border-top:solid #E1E1E1 1.0pt"><p>` + strings.Repeat("quoted words ", 300) + "</p>")
	}
	b.WriteString(`<div style="border:none;border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> Alice</p><p>old text</p></div>`)
	b.WriteString("</body></html>")
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var div *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if div == nil && n.Type == html.ElementNode && n.Data == "div" {
			div = n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if got := peek(div); len(got) > peekText || !strings.HasPrefix(got, "quoted words") {
		t.Errorf("peek of the outer divider: %d bytes, want at most %d", len(got), peekText)
	}
	// Text past peekNodes nodes is not reached.
	empty, err := html.Parse(strings.NewReader("<div>" + strings.Repeat("<span></span>", peekNodes) + "From: x</div>"))
	if err != nil {
		t.Fatal(err)
	}
	if got, all := peek(empty), renderLimited(empty, 0); got != "" || all != "From: x" {
		t.Errorf("peek %q, whole text %q", got, all)
	}
	if got := VisibleHTML(b.String()); !strings.HasPrefix(got, "New answer.") || strings.Contains(got, "old text") {
		t.Errorf("visible %.60q…: the divider that starts a header block still cuts", got)
	}
}

func TestNestedQuotesDoNotAmplify(t *testing.T) {
	s := strings.Repeat("<blockquote>", 400) + strings.Repeat("x<br>", 200_000)
	if got := HTMLToText(s); len(got) > maxHTMLText {
		t.Errorf("%d bytes of HTML gave %d bytes of text, want at most %d", len(s), len(got), maxHTMLText)
	}
	if got := VisibleHTML(s); len(got) > tickets.MaxText {
		t.Errorf("visible text of %d bytes, want at most %d", len(got), tickets.MaxText)
	}
}

func TestRTFTextLimit(t *testing.T) {
	rtf := "{\\rtf1\\ansi " + strings.Repeat("help me please!! ", 3*maxRTFText/17) + "\\par END}"
	text, _ := rtfToText([]byte(rtf))
	if len(text) > maxRTFText || !strings.HasPrefix(text, "help me please!!") || strings.Contains(text, "END") {
		t.Errorf("%d bytes of text, want at most %d from the start", len(text), maxRTFText)
	}
}
