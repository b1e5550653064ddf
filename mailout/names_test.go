package mailout

import (
	"math/rand/v2"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestAddressListNames: the To and Cc headers name their recipients as their mail named them,
// quoted when the name holds a comma ("Dupont, Marie" stays one address), an encoded word when
// it is not ASCII; no name that is an address or holds a line break is written.
func TestAddressListNames(t *testing.T) {
	addrs := []string{"m.dupont@corp.example", "francois.lefevre@corp.example", "r@corp.example", "evil@corp.example",
		"colleague.with.a.rather.long.address@corp.example"}
	names := map[string]string{
		"m.dupont@corp.example":                             "Dupont, Marie",
		"francois.lefevre@corp.example":                     "Lefèvre, François",
		"r@corp.example":                                    "other@corp.example",
		"evil@corp.example":                                 "Evil\r\nX-Injected: yes",
		"colleague.with.a.rather.long.address@corp.example": "Girard, Sophie",
	}
	v := addressList(len("To: "), addrs, names)
	if !strings.HasPrefix(v, `"Dupont, Marie" <m.dupont@corp.example>,`+"\r\n =?utf-8?") {
		t.Errorf("header %q", v)
	}
	for _, line := range strings.Split("To: "+v, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
		if strings.HasPrefix(line, "X-Injected") {
			t.Errorf("a name wrote a header: %q", v)
		}
	}
	h, err := netmail.ReadMessage(strings.NewReader("To: " + v + "\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := h.Header.AddressList("To")
	if err != nil || len(list) != len(addrs) {
		t.Fatalf("%q: %v, %v", v, list, err)
	}
	for i, want := range []string{"Dupont, Marie", "Lefèvre, François", "", "Evil X-Injected: yes", "Girard, Sophie"} {
		if list[i].Address != addrs[i] || list[i].Name != want {
			t.Errorf("address %d: %q <%s>, want %q <%s>", i, list[i].Name, list[i].Address, want, addrs[i])
		}
	}
}

// TestOneLineOf: oneLineOf is tickets.OneLine(s, 0), for strings of spaces, controls, line
// separators, bidi marks, invalid UTF-8 and letters in every order.
func TestOneLineOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	parts := []string{"a", "é", " ", "  ", "\t", "\n", "\r", "\x00", "\x7f", "\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff",
		"\u200e", "\u202e", "\u2066", "\u3000", "\xff", "\xc3", "€", "Z", "[HD #42]", ":"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if got, want := oneLineOf(s), tickets.OneLine(s, 0); got != want {
			t.Fatalf("oneLineOf(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestPlainAddressAsNetMail: every address tickets.PlainAddress takes, net/mail parses to itself and
// writes as "<address>", the way build writes the envelope recipient without parsing it; and
// the plain addresses of a desk are taken. Random strings over the characters that matter
// (atext, dots, "@", quotes, spaces, brackets, a non-ASCII letter) try the edges.
func TestPlainAddressAsNetMail(t *testing.T) {
	for _, a := range []string{"r@corp.example", "celine.dupre@corp.example", "a+tag@x.y", "o'brien@corp.example",
		"x_y-z@sub-domain.example", "#!$%&'*+-/=?^_`{|}~@example"} {
		if !tickets.PlainAddress(a) {
			t.Errorf("%q is not taken as plain", a)
		}
	}
	const chars = "aaaaaaaabbbbbbbb....@@\"\\ ()<>[],;:+-_'é\r\n\t"
	runes := []rune(chars)
	rng := rand.New(rand.NewPCG(1, 2))
	plain := 0
	for range 200000 {
		var b strings.Builder
		for range 1 + rng.IntN(9) {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		a := b.String()
		if !tickets.PlainAddress(a) {
			continue
		}
		plain++
		p, err := netmail.ParseAddress(a)
		if err != nil || p.Name != "" || p.Address != a || bare(*p) != a {
			t.Fatalf("PlainAddress(%q) but net/mail gives %v, %v", a, p, err)
		}
	}
	if plain < 1000 {
		t.Fatalf("only %d random plain addresses: the test tries too few", plain)
	}
}
