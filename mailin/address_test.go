package mailin

import (
	"net/mail"
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
	f.Fuzz(func(t *testing.T, v string) {
		name, spec, ok := simpleAddress(v)
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
	})
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
