package mailout

import (
	"bytes"
	"math/rand/v2"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
)

// randomID is a message ID (without brackets) for the writers' tests: mostly a desk's or a mail
// program's, sometimes long, with a space, a control or a non-ASCII character.
func randomID(r *rand.Rand) string {
	const plain = "abcdefghijklmnopqrstuvwxyz0123456789.-_+=$@"
	var b strings.Builder
	n := r.IntN(40)
	if r.IntN(8) == 0 {
		n = 60 + r.IntN(120)
	}
	for range n {
		b.WriteByte(plain[r.IntN(len(plain))])
	}
	switch r.IntN(30) {
	case 0:
		b.WriteString(" x")
	case 1:
		b.WriteString("é")
	case 2:
		b.WriteByte('\t')
	case 3:
		b.WriteString("\r\n")
	}
	return b.String()
}

// TestWriteReferencesAsHeader holds writeReferences to the field build wrote before it: the IDs
// in brackets, capped by capReferences, joined by spaces and written by header.
func TestWriteReferencesAsHeader(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 21))
	capped, folded := 0, 0
	for range 20000 {
		ids := make([]string, 1+r.IntN(4))
		if r.IntN(5) == 0 {
			ids = make([]string, 5+r.IntN(40))
		}
		for i := range ids {
			ids[i] = randomID(r)
		}
		refs := make([]string, len(ids))
		for i, id := range ids {
			refs[i] = "<" + id + ">"
		}
		var want, got bytes.Buffer
		want.WriteString("X: y\r\n")
		got.WriteString("X: y\r\n")
		header(&want, "References", strings.Join(capReferences(refs, maxReferences), " "))
		writeReferences(&got, ids)
		if got.String() != want.String() {
			t.Fatalf("writeReferences(%q):\n%q\nheader:\n%q", ids, got.String(), want.String())
		}
		if len(capReferences(refs, maxReferences)) < len(refs) {
			capped++
		}
		if strings.Count(want.String(), "\r\n") > 2 {
			folded++
		}
	}
	if capped == 0 || folded == 0 {
		t.Errorf("the cases never capped (%d) or folded (%d) a field", capped, folded)
	}
}

// addressListString is addressList as it was written before writeAddressList: a strings.Builder
// of the items.
func addressListString(head int, addrs []string, names map[string]string) string {
	var b strings.Builder
	n := head
	for i, a := range addrs {
		item := "<" + a + ">"
		if name := oneLineOf(names[a]); name != "" && !strings.Contains(name, "@") {
			item = (&netmail.Address{Name: name, Address: a}).String()
		}
		if i > 0 {
			b.WriteString(",")
			n++
			if n+1+len(item) > 78 {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteString(" ")
			n++
		}
		b.WriteString(item)
		n += len(item)
	}
	return b.String()
}

// TestWriteAddressListAsAddressList holds writeAddressList to the value addressList built as a
// string before it, for random lists with and without names.
func TestWriteAddressListAsAddressList(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 23))
	nameWords := []string{"Marie", "Dupont,", "François", "Lefèvre", "a\r\nX: y", "b@c.example", "", "Ω", "  spaced  ", "Jean-Luc"}
	for range 20000 {
		addrs := make([]string, 1+r.IntN(6))
		names := map[string]string{}
		for i := range addrs {
			addrs[i] = randomID(r)
			if !strings.Contains(addrs[i], "@") {
				addrs[i] += "@corp.example"
			}
			if r.IntN(2) == 0 {
				var name []string
				for range 1 + r.IntN(3) {
					name = append(name, nameWords[r.IntN(len(nameWords))])
				}
				names[addrs[i]] = strings.Join(name, " ")
			}
		}
		head := len("To: ")
		if r.IntN(2) == 0 {
			head = len("Cc: ")
		}
		var got bytes.Buffer
		writeAddressList(&got, head, addrs, names)
		if want := addressListString(head, addrs, names); got.String() != want {
			t.Fatalf("writeAddressList(%q, %q):\n%q\nbefore:\n%q", addrs, names, got.String(), want)
		}
	}
}

// TestBoundaryForm: a boundary is 60 lower-case hex digits, as mime/multipart's, and another each
// time; a test's newBoundary replaces it.
func TestBoundaryForm(t *testing.T) {
	var a, b [60]byte
	x, y := boundary(&a), boundary(&b)
	if !regexp.MustCompile(`^[0-9a-f]{60}$`).Match(x) || !regexp.MustCompile(`^[0-9a-f]{60}$`).Match(y) || bytes.Equal(x, y) {
		t.Errorf("boundaries %q, %q", x, y)
	}
	was := newBoundary
	newBoundary = func() string { return "fixed" }
	defer func() { newBoundary = was }()
	if got := boundary(&a); string(got) != "fixed" {
		t.Errorf("with newBoundary: %q", got)
	}
}
