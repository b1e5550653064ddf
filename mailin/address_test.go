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
