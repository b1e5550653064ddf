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

// TestSharedBlockCallsTheKindsOwn: the kinds' compiled templates share the lists of the blocks
// they have in common, but not a block that calls one a kind redefines: common.txt's "outer"
// calls "inner", which the acknowledgement redefines for itself.
func TestSharedBlockCallsTheKindsOwn(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/common.txt", `{{define "outer"}}[{{template "inner" .}}]{{end}}{{define "inner"}}common{{end}}`)
	writeFile(t, dir, "en/ack.txt", `{{define "inner"}}ack{{end}}{{template "outer" .}}`)
	writeFile(t, dir, "en/assigned.txt", `{{template "outer" .}}`)
	writeFile(t, dir, "en/resolved.txt", `{{define "inner"}}ack{{end}}{{template "outer" .}}`)
	s := load(t, dir)
	for kind, want := range map[string]string{tickets.KindAck: "[ack]\n", tickets.KindAssigned: "[common]\n", tickets.KindResolved: "[ack]\n"} {
		if s.kind("en/"+kind).fast == nil {
			t.Fatalf("en/%s: not run by the evaluator", kind)
		}
		if _, text, _, err := s.Render(kind, "en", Samples(kind, "en")[0]); err != nil || text != want {
			t.Errorf("en/%s: %q, %v; want %q", kind, text, err, want)
		}
	}
}
