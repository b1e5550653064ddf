package mailout

import (
	"bytes"
	"math"
	"math/rand/v2"
	netmail "net/mail"
	"regexp"
	"strconv"
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

// foldString is fold as it was before it took bytes too.
func foldString(w *bytes.Buffer, key, value string) {
	start := w.Len()
	room := maxHeaderLength - 2 - len(key) - 2
	w.WriteString(key)
	w.WriteString(": ")
	for {
		word, rest, more := strings.Cut(value, " ")
		if room-len(word) <= 1 {
			if b := w.Bytes(); w.Len() > start && b[len(b)-1] == ' ' {
				w.Truncate(w.Len() - 1)
			}
			w.WriteString("\r\n ")
			room = maxHeaderLength - 3
		}
		w.WriteString(word)
		room -= len(word)
		if !more {
			break
		}
		w.WriteByte(' ')
		room--
		value = rest
	}
	w.WriteString("\r\n")
}

// TestHeaderAsFoldOfQEncode holds header, which folds the encoded bytes, and fold of a string to
// what header wrote before (fold of qEncode's string, foldString), for random values: ASCII, with
// controls, not ASCII, long.
func TestHeaderAsFoldOfQEncode(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 25))
	pieces := []string{"Re:", "[#123]", "Imprimante", "en", "panne", "é", "ça", "  ", "\t", "=?", "_", "日本語", "\x01", "\xff",
		"a-rather-long-word-without-any-space-in-it-at-all-really-not-one", " "}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			if r.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		key := []string{"Subject", "Thread-Topic", "X"}[r.IntN(3)]
		v := b.String()
		var got, plain, want bytes.Buffer
		header(&got, key, v)
		fold(&plain, key, v)
		foldString(&want, key, qEncode(v))
		if got.String() != want.String() {
			t.Fatalf("header(%q, %q):\n%q\nbefore:\n%q", key, v, got.String(), want.String())
		}
		want.Reset()
		foldString(&want, key, v)
		if plain.String() != want.String() {
			t.Fatalf("fold(%q, %q):\n%q\nbefore:\n%q", key, v, plain.String(), want.String())
		}
	}
}

// TestHeaderTicketIDAsHeader: the ticket's field as header wrote its number.
func TestHeaderTicketIDAsHeader(t *testing.T) {
	for _, id := range []int64{1, 9, 10, 99, 100, 123456, -1, 1 << 40, math.MaxInt64, math.MinInt64} {
		var got, want bytes.Buffer
		headerTicketID(&got, id)
		header(&want, headerTicket, strconv.FormatInt(id, 10))
		if got.String() != want.String() {
			t.Errorf("%d: %q, header %q", id, got.String(), want.String())
		}
	}
}

// TestAddrMemoBare: the envelope's and Reply-To's addresses, now without angle brackets, are what
// net/mail writes in them, for plain desk addresses and others.
func TestAddrMemoBare(t *testing.T) {
	tried := 0
	for _, desk := range []string{"helpdesk@corp.example", `"help desk"@corp.example`, "helpdesk@[192.0.2.1]", "Help.Desk@Corp.Example"} {
		c := newAddrMemo(desk)
		local, domain, _ := strings.Cut(desk, "@")
		addrs := []string{desk, local + "+tok-2x@" + domain}
		if !c.plain { // A plain desk's plus-addresses carry a token of [a-z2-7-] alone.
			addrs = append(addrs, `"a b"+x@`+domain)
		}
		for _, addr := range addrs {
			a, err := netmail.ParseAddress(addr)
			got, gerr := c.plus(addr)
			if (err == nil) != (gerr == nil) || err == nil && "<"+got+">" != a.String() {
				t.Errorf("desk %q: plus(%q) = %q, %v; net/mail %v, %v", desk, addr, got, gerr, a, err)
			}
			tried++
		}
		f, err := c.fromAddress("Support")
		a, perr := netmail.ParseAddress(`"Support" <` + desk + `>`)
		if (err == nil) != (perr == nil) || err == nil && "<"+f.bare+">" != (&netmail.Address{Address: a.Address}).String() {
			t.Errorf("desk %q: from %+v, %v; net/mail %v, %v", desk, f, err, a, perr)
		}
	}
	if tried == 0 {
		t.Fatal("nothing tried")
	}
}

// TestFoldAtTheLineLength holds fold to what it wrote before (foldString) for values about as
// long as the line: one word, two, and ending with a space, of every length around it, where fold
// writes the value at once or folds it.
func TestFoldAtTheLineLength(t *testing.T) {
	for _, key := range []string{"Subject", "X", "Thread-Topic"} {
		for n := range maxHeaderLength + 4 {
			a := strings.Repeat("a", n)
			for _, v := range []string{a, "b " + a, a + " ", a + " c", " " + a} {
				var got, want bytes.Buffer
				fold(&got, key, v)
				foldString(&want, key, v)
				if got.String() != want.String() {
					t.Fatalf("fold(%q, %q):\n%q\nbefore:\n%q", key, v, got.String(), want.String())
				}
			}
		}
	}
}
