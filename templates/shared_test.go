package templates

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestKindRedefinesACommonBlockForItselfOnly: the kinds' text templates share the blocks of
// common.txt, parsed once per language; a kind's file that redefines one of them (here an
// override of en/ack.txt redefining the greeting) changes that kind's mails only.
func TestKindRedefinesACommonBlockForItselfOnly(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/ack.txt", `{{define "greeting"}}Howdy {{.RecipientName}},{{end}}`)
	s := load(t, dir)
	_, ack, _, err := s.Render(tickets.KindAck, "en", Samples(tickets.KindAck, "en")[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ack, "Howdy Céline Dupré,") || !strings.Contains(ack, "We have received your request") {
		t.Errorf("ack with its own greeting and the embedded body:\n%s", ack)
	}
	for _, kind := range []string{tickets.KindAssigned, tickets.KindResolved} {
		_, text, _, err := s.Render(kind, "en", Samples(kind, "en")[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, "Howdy") || !strings.Contains(text, "Hello") {
			t.Errorf("%s took the ack's greeting:\n%s", kind, text)
		}
	}
}
