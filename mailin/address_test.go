package mailin

import (
	"encoding/base64"
	"math/rand/v2"
	"net/mail"
	"strings"
	"testing"
)

// FuzzSimpleAddress checks that simpleAddress reads what it accepts as net/mail's ParseList
// does.
func FuzzSimpleAddress(f *testing.F) {
	for _, s := range []string{"a@b.example", "Jean Dupont <jean.dupont@corp.example>", "<a@b>", "Jean  \tDupont <a@b>",
		"Jean <a@ b>", "a.@b", "x <a..b@c>", "=?utf-8?q?Ren=C3=A9e?= <a@b>", "a@b, c@d", "Jean.  Du.pont  <  a@b>",
		"Support Informatique <helpdesk@corp.example>", "a@b <c@d>", "\"Dupont, Jean\" <a@b>", "x<a@b>", "x <a@b> "} {
		f.Add(s)
	}
	for _, s := range []string{"=?utf-8?q?H=C3=A9l=C3=A8ne_Faure?= <helene@corp.example>", "=?iso-8859-1?q?Ren=E9e?=\t<a@b>",
		"=?utf-8?b?UmVuw6ll?= <a@b>", "=?utf-8?q?a?==?utf-8?q?b?= <a@b>", "=?x-unknown?q?a=E9?= <a@b>", "=?utf-8?q?=3D=3F?= <a@b>",
		"=?utf-8?q?a b?= <a@b>", "=?bogus?q?a?= <a@b>", "=?utf-8?z?a?= <a@b>", "=?utf-8?q??= <a@b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		checkSimpleAddress(t, v, simpleAddress)
		checkSimpleAddress(t, v, encodedAddress)
	})
}

// checkSimpleAddress checks that read, simpleAddress or encodedAddress, reads v as ParseList
// does when it reads it at all.
func checkSimpleAddress(t *testing.T, v string, read func(string) (string, string, bool)) {
	t.Helper()
	{
		name, spec, ok := read(v)
		if !ok {
			return
		}
		p := mail.AddressParser{WordDecoder: wordDecoder}
		l, err := p.ParseList(v)
		if err != nil {
			t.Fatalf("simpleAddress(%q) = %q, %q; ParseList: %v", v, name, spec, err)
		}
		if len(l) != 1 || l[0].Name != name || l[0].Address != spec {
			t.Fatalf("simpleAddress(%q) = %q, %q; ParseList: %+v", v, name, spec, l)
		}
	}
}

// TestEncodedAddress is FuzzSimpleAddress's check of encodedAddress over random encoded words:
// Q and B encodings, charsets wordDecoder knows and does not, the bytes of names and of what
// breaks an encoded word.
func TestEncodedAddress(t *testing.T) {
	charsets := []string{"utf-8", "UTF-8", "iso-8859-1", "windows-1252", "iso-8859-15", "x-unknown", "bogus", "us-ascii", "utf-7", ""}
	pieces := []string{"a", "Ren", "=C3=A9", "=E9", "_", "=3D", "=3F", "=20", "=", "?", ".", "-", "=2C", "=22", "=C3", "x", "=?", "?="}
	r := rand.New(rand.NewPCG(7, 8))
	read := 0
	for range 20000 {
		var text strings.Builder
		for range r.IntN(6) {
			text.WriteString(pieces[r.IntN(len(pieces))])
		}
		enc, body := "q", text.String()
		if r.IntN(4) == 0 {
			enc, body = "B", base64.StdEncoding.EncodeToString([]byte(body))
			if r.IntN(5) == 0 {
				body = body[:len(body)/2]
			}
		}
		v := "=?" + charsets[r.IntN(len(charsets))] + "?" + enc + "?" + body + "?=" + []string{" ", "", "\t", "  "}[r.IntN(4)] + "<" + []string{"a@b.example", " a@b", "a..b@c", "a@b "}[r.IntN(4)] + ">"
		checkSimpleAddress(t, v, encodedAddress)
		if _, _, ok := encodedAddress(v); ok {
			read++
		}
	}
	if read < 3000 {
		t.Errorf("encodedAddress read %d of the 20,000 addresses", read)
	}
	if name, spec, ok := encodedAddress("=?utf-8?q?H=C3=A9l=C3=A8ne_Faure?= <helene@corp.example>"); name != "Hélène Faure" || spec != "helene@corp.example" || !ok {
		t.Errorf("encodedAddress = %q, %q, %v", name, spec, ok)
	}
}

func TestSimpleAddress(t *testing.T) {
	for _, tt := range []struct {
		v, name, spec string
		ok            bool
	}{
		{"a@b.example", "", "a@b.example", true},
		{"Jean Dupont <jean.dupont@corp.example>", "Jean Dupont", "jean.dupont@corp.example", true},
		{"Jean  \tDupont <a@b>", "Jean Dupont", "a@b", true},
		{"<  a@b>", "", "a@b", true},
		{"=?utf-8?q?Ren=C3=A9e?= <a@b>", "", "", false},
		{"\"Dupont, Jean\" <a@b>", "", "", false},
		{"a@b, c@d", "", "", false},
		{"Jean <a@b >", "", "", false},
		{"Jean <a..b@c>", "", "", false},
	} {
		name, spec, ok := simpleAddress(tt.v)
		if name != tt.name || spec != tt.spec || ok != tt.ok {
			t.Errorf("simpleAddress(%q) = %q, %q, %v; want %q, %q, %v", tt.v, name, spec, ok, tt.name, tt.spec, tt.ok)
		}
	}
}

// TestParseAddressesBracketed: a From net/mail cannot read is read as mail servers and DMARC
// read it, by the address in angle brackets, not by the first address-like text: otherwise
// "alice@corp.example <eve@corp.example>", signed and passed for eve, would act as alice.
func TestParseAddressesBracketed(t *testing.T) {
	for _, tt := range []struct{ v, email string }{
		{"alice@corp.example <eve@corp.example>", "eve@corp.example"},
		{"alice@corp.example <eve@evil.example>", "eve@evil.example"},
		{"Bob Dunite <bob@extern.example> Bobby Dunite <bobby@extern.example>", "bob@extern.example"},
		{"\"Alice\" alice@corp.example <Eve@Corp.example>", "eve@corp.example"},
		{"alice@corp.example via Eve <eve@corp.example>", "eve@corp.example"},
		{"Eve <eve@corp.example", "eve@corp.example"},
		{"eve@corp.example (Eve)", "eve@corp.example"},
		{"Jean Dupont <jean.dupont@corp.example>", "jean.dupont@corp.example"},
	} {
		got := parseAddresses(tt.v, "")
		if len(got) != 1 || got[0].Email != tt.email {
			t.Errorf("parseAddresses(%q) = %+v, want one address %s", tt.v, got, tt.email)
		}
	}
}

// TestParseFromBracketed: the same through a whole mail's parse, to the sender a ticket sees.
func TestParseFromBracketed(t *testing.T) {
	raw := "From: alice@corp.example <eve@evil.example>\r\nTo: helpdesk@corp.example\r\nSubject: x\r\n" +
		"Message-ID: <a@b.example>\r\n\r\n#resolve done\r\n"
	m, err := Parse([]byte(raw), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in := Incoming(m, "en"); in.From != "eve@evil.example" {
		t.Errorf("From = %q, want eve@evil.example (the bracketed address)", in.From)
	}
}

func TestAmbiguousFrom(t *testing.T) {
	for v, want := range map[string]bool{
		"alice@corp.example <eve@corp.example>":                               true,
		"Bob Dunite <bob@extern.example> Bobby Dunite <bobby@extern.example>": true,
		"alice@corp.example, eve@corp.example":                                true,
		"=?utf-8?q?alice@corp.example?= <eve@corp.example>":                   false, // The grammar's display name.
		"\"alice@corp.example\" <eve@corp.example>":                           false,
		"eve@corp.example (alice@corp.example)":                               false, // A comment.
		"Eve <eve@corp.example>, eve@corp.example":                            false, // The same address twice.
		"Eve <eve@corp.example>":                                              false,
		"eve@corp.example <eve@corp.example>":                                 false,
	} {
		if got := ambiguousFrom(v); got != want {
			t.Errorf("ambiguousFrom(%q) = %v, want %v", v, got, want)
		}
	}
}
