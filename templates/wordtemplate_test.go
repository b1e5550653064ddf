package templates

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestWordTemplatesKeepTheirOwn: the phrases of a catalogue, and the words of the pages, share
// one namespace, but one that defines or calls a template is parsed alone, as each was before:
// two that define the same block each say their own, and a phrase that calls another does not
// find it (Load then refuses it, as it did).
func TestWordTemplatesKeepTheirOwn(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/words.toml", "[phrase]\n"+
		`no_subject = '{{define "x"}}first{{end}}{{template "x"}}'`+"\n"+
		`closed = '{{define "x"}}second{{end}}{{template "x"}}'`+"\n")
	writeFile(t, dir, "en/web.toml", `app = '{{define "x"}}one {{.n}}{{end}}{{template "x" .}}'`+"\n"+
		`nav_queue = '{{define "x"}}two {{.n}}{{end}}{{template "x" .}}'`+"\n")
	s := load(t, dir)
	if a, b := s.Say("en", tickets.Phrase{Code: tickets.PhraseNoSubject}), s.Say("en", tickets.Phrase{Code: tickets.PhraseClosed}); a != "first" || b != "second" {
		t.Errorf("phrases: %q, %q", a, b)
	}
	p := s.Page("en", nil)
	if a, b := p.Word("app", "n", 1), p.Word("nav_queue", "n", 2); a != "one 1" || b != "two 2" {
		t.Errorf("words of the pages: %q, %q", a, b)
	}
	writeFile(t, dir, "en/words.toml", "[phrase]\n"+`note_required = '{{template "phrase.closed"}}'`+"\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "note_required") {
		t.Fatalf("a phrase calling another: %v", err)
	}
}
