package mailin

import (
	"strings"
	"testing"
)

// TestMalformedHeaderLines checks that one malformed header line does not
// lose the fields around it.
func TestMalformedHeaderLines(t *testing.T) {
	const rest = "To: desk@example.com\r\nMessage-ID: <m1@example.com>\r\nDate: Mon, 2 Jan 2006 15:04:05 +0100\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer is jammed.\r\n"
	tests := []struct {
		name, raw, subject string
	}{
		{
			"unindented encoded word in a folded subject",
			"From: Anne <anne@example.com>\r\nSubject: =?utf-8?B?SW1wcmltYW50ZSBibG9xdcOpZQ==?=\r\n=?utf-8?B?IGF1IDJlIMOpdGFnZQ==?=\r\n =?utf-8?B?IGRlcHVpcyBoaWVy?=\r\n" + rest,
			"Imprimante bloquée au 2e étage depuis hier",
		},
		{
			"unindented base64 line in a folded DKIM signature",
			"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\r\n\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\tb=AAAAB3NzaC1yc2EAAAADAQABAAABAQ\r\n" +
				"Cp1Ym9uZXMgYmUgbGlrZSBzb21ldGhpbmcgbG9uZyBhbmQgYmFzZTY0\r\n\tZW5jb2RlZCBzdHVmZg==\r\nFrom: Anne <anne@example.com>\r\nSubject: Printer\r\n" + rest,
			"Printer",
		},
		{
			"a line before the header",
			"---- Original email message ----\r\nFrom: Anne <anne@example.com>\r\nSubject: Printer\r\n" + rest,
			"Printer",
		},
		{
			"an indented first field",
			" From: Anne <anne@example.com>\r\nSubject: Printer\r\n" + rest,
			"Printer",
		},
		{
			"a stray line with a colon among the fields",
			"From: Anne <anne@example.com>\r\nSubject: Printer\r\nthis is: not a header\r\n" + rest,
			"Printer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, ParseOptions{})
			if m.From.Email != "anne@example.com" || m.Subject != tt.subject || len(m.To) != 1 || m.MessageID != "m1@example.com" || m.Date.IsZero() {
				t.Errorf("from %q subject %q to %v id %q date %v", m.From.Email, m.Subject, m.To, m.MessageID, m.Date)
			}
			if strings.TrimSpace(m.Text) != "The printer is jammed." {
				t.Errorf("text %q", m.Text)
			}
		})
	}
}

// TestHeaderEndsWithoutBlankLine checks that a body following the header
// without a blank line still ends the header (cpython msg_35).
func TestHeaderEndsWithoutBlankLine(t *testing.T) {
	m := mustParse(t, "From: a@example.com\nSubject: hello\nthe body starts here\nand goes on\n\nand on\nNote: still body\n", ParseOptions{})
	if m.Subject != "hello" || !strings.HasPrefix(m.Text, "the body starts here") || !strings.Contains(m.Text, "Note: still body") {
		t.Errorf("subject %q text %q", m.Subject, m.Text)
	}
}

// TestEncodedNameWithComma checks that a comma inside an RFC 2047 display
// name does not lose the address.
func TestEncodedNameWithComma(t *testing.T) {
	tests := []struct{ header, name string }{
		{"=?utf-8?Q?Dupont,_Jean?= <jean.dupont@example.com>", "Dupont, Jean"},
		{"=?iso-8859-1?Q?Dupr=E9,_C=E9line?= <celine@example.com>", "Dupré, Céline"},
		{"=?utf-8?B?RHVwb250LCBKZWFu?= <jean.dupont@example.com>", "Dupont, Jean"},
		{"\"=?utf-8?Q?Dupont,_Jean?=\" <jean.dupont@example.com>", "Dupont, Jean"},
		{"=?utf-8?Q?Dupont,?= =?utf-8?Q?_Jean?= <jean.dupont@example.com>", "Dupont, Jean"},
	}
	for _, tt := range tests {
		raw := "From: " + tt.header + "\r\nTo: desk@example.com, " + tt.header + "\r\nSubject: x\r\n\r\nbody\r\n"
		m := mustParse(t, raw, ParseOptions{})
		want := strings.ToLower(tt.header[strings.LastIndexByte(tt.header, '<')+1 : len(tt.header)-1])
		if m.From.Email != want || m.From.Name != tt.name {
			t.Errorf("%s: from %+v", tt.header, m.From)
		}
		if len(m.To) != 2 || m.To[1].Email != want || m.To[1].Name != tt.name {
			t.Errorf("%s: to %+v", tt.header, m.To)
		}
	}
}

// TestUTF7 checks UTF-7 subjects (encoded words, and raw in a mail whose
// text part is UTF-7) and bodies.
func TestUTF7(t *testing.T) {
	tests := []struct{ raw, subject, text string }{
		{"From: a@example.com\r\nSubject: =?utf-7?Q?Imprimante_bloqu+AOk-e?=\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nL'imprimante du 2+AOg-me est bloqu+AOk-e.\r\n",
			"Imprimante bloquée", "L'imprimante du 2ème est bloquée."},
		{"From: a@example.com\r\nSubject: =?UTF-7?B?SW1wcmltYW50ZSBibG9xdStBT2stZQ==?=\r\nContent-Type: text/plain; charset=\"UTF-7\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n+ZeVnLIqe-\r\n",
			"Imprimante bloquée", "日本語"},
		{"From: a@example.com\r\nSubject: Die Hasen und die Fr+APY-sche\r\nContent-Type: text/plain; charset=UTF-7\r\n\r\nA+ACo-b 1+-1\r\n",
			"Die Hasen und die Frösche", "A*b 1+1"},
	}
	for _, tt := range tests {
		m := mustParse(t, tt.raw, ParseOptions{})
		if m.Subject != tt.subject || strings.TrimSpace(m.Text) != tt.text {
			t.Errorf("subject %q text %q, want %q %q", m.Subject, m.Text, tt.subject, tt.text)
		}
	}
}

// TestContentTypeOddities checks a media type with a stray character and a
// file name in a non-standard parameter.
func TestContentTypeOddities(t *testing.T) {
	m := mustParse(t, "From: a@example.com\r\nContent-Type: text/plain>\r\n\r\nThe text.\r\n", ParseOptions{})
	if strings.TrimSpace(m.Text) != "The text." || len(m.Attachments) != 0 {
		t.Errorf("text %q attachments %q", m.Text, names(m))
	}
	m = mustParse(t, "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"+
		"--b\r\nContent-Type: application/octet-stream; file=\"SETUP.EXE\"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAA==\r\n--b--\r\n", ParseOptions{})
	if strings.Join(names(m), "|") != "SETUP.EXE" {
		t.Errorf("attachments %q", names(m))
	}
}

// TestOversizedMessageIDDropped: a message ID over 250 characters, or outside RFC 5322's msg-id
// syntax, is not kept: the desk repeats a request's ID in every mail of its ticket.
func TestOversizedMessageIDDropped(t *testing.T) {
	long := strings.Repeat(strings.Repeat("a", 900)+"\r\n ", 3) + "@evil.example"
	for _, c := range []struct {
		header, want string
	}{
		{"<" + long + ">", ""},
		{"<abc@host.example>", "abc@host.example"},
		{"abc@host.example", "abc@host.example"},
		{"<id@[127.0.0.1]>", "id@[127.0.0.1]"},
		{"<no-at-sign>", ""},
	} {
		got := firstMsgID(c.header)
		if c.want == "" && got != "" {
			t.Errorf("%.40q: kept %.40q", c.header, got)
		}
		if c.want != "" && got != c.want {
			t.Errorf("%.40q: %q, want %q", c.header, got, c.want)
		}
	}
	refs := msgIDList("<a@b> <" + long + "> <c@d>")
	if strings.Join(refs, " ") != "a@b c@d" {
		t.Errorf("references %q", refs)
	}
}

// TestQWordEndingInSpace checks that a space encoded at the end of a "Q" word survives when a
// long subject is folded into several words, as Python's email package and many clients fold it:
// only the white space between adjacent words is dropped (RFC 2047 §6.2), "_" is text.
func TestQWordEndingInSpace(t *testing.T) {
	tests := []struct{ subject, want string }{
		{"=?utf-8?q?Probl=C3=A8me_avec_le_?=\r\n =?utf-8?q?r=C3=A9seau_du_3e?=", "Problème avec le réseau du 3e"},
		{"=?utf-8?q?Demande_d=27acc=C3=A8s_:_dossier_?=\r\n =?utf-8?q?partag=C3=A9_Marketing?=", "Demande d'accès : dossier partagé Marketing"},
		{"=?UTF-8?B?UHJvYmzDqG1lIGF2ZWMgbGUg?=\r\n =?UTF-8?B?csOpc2VhdSBkdSAzZQ==?=", "Problème avec le réseau du 3e"},
		{"=?iso-8859-1?Q?caf=E9__?= =?iso-8859-1?Q?cr=E8me?=", "café  crème"},
		{"=?utf-8?q?a=3Db_=3?=", "a=b =3"}, // a "=" without two hex digits is itself
	}
	for _, tt := range tests {
		m := mustParse(t, "From: a@example.com\r\nSubject: "+tt.subject+"\r\n\r\nbody\r\n", ParseOptions{})
		if m.Subject != tt.want {
			t.Errorf("%q: subject %q, want %q", tt.subject, m.Subject, tt.want)
		}
	}
}
