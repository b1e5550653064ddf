package templates

import (
	"bytes"
	"strings"
	"testing"
	texttemplate "text/template"

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

// TestPhrasesSayAsTheirTemplates: every phrase of every language, those without an action said
// as written and the others executed in the catalogue's namespace, says what its text parsed
// and executed alone says, as each phrase was before.
func TestPhrasesSayAsTheirTemplates(t *testing.T) {
	s := load(t, "")
	plain := 0
	for _, lang := range s.Languages() {
		c := s.words[lang]
		for code, names := range tickets.Phrases {
			p := samplePhrase(code, names)
			args, err := p.Arguments(c.say)
			if err != nil {
				t.Fatal(err)
			}
			alone, err := texttemplate.New("phrase." + code).Funcs(c.phraseFuncs()).Option("missingkey=error").Parse(c.Phrase[code])
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := alone.Execute(&want, args); err != nil {
				t.Fatal(err)
			}
			if got, err := c.say(p); err != nil || got != want.String() {
				t.Errorf("%s %s: %q, %v; alone %q", lang, code, got, err, want.String())
			}
			if c.phrases[code] == nil {
				plain++
			}
		}
	}
	if plain == 0 {
		t.Error("every phrase has a template")
	}
}
