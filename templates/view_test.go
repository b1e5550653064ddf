package templates

import (
	"bytes"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestFlatViewReadsAsView: every template, text and HTML, of every kind and language writes the
// same bytes from the flat copy Render gives it as from the View itself, for every sample.
func TestFlatViewReadsAsView(t *testing.T) {
	if flat() == nil {
		t.Fatal("View is not flattened: Render pays for a breadth-first field search on every use")
	}
	s := load(t, "")
	for _, lang := range s.Languages() {
		for _, kind := range tickets.MailKinds {
			key := lang + "/" + kind
			tt, ht, err := s.kind(key).engine.get(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range Samples(kind, lang) {
				v := View{Notice: localize(n, s.loc, s.words[lang].Category), Lang: lang, Subject: CleanSubject(n.Ticket.Subject, n.Tag), Ref: Ref(n.Tag, n.Ticket.ID)}
				for name, run := range map[string]func(*bytes.Buffer, any) error{
					"subject": func(b *bytes.Buffer, x any) error { return tt.ExecuteTemplate(b, "subject", x) },
					"text":    func(b *bytes.Buffer, x any) error { return tt.Execute(b, x) },
					"html":    func(b *bytes.Buffer, x any) error { return ht.Execute(b, x) },
				} {
					var want, got bytes.Buffer
					if err := run(&want, v); err != nil {
						t.Fatalf("%s %s: %v", key, name, err)
					}
					if err := run(&got, dot(v)); err != nil {
						t.Fatalf("%s %s, flat: %v", key, name, err)
					}
					if got.String() != want.String() {
						t.Errorf("%s %s: the flat view writes\n%s\nthe View\n%s", key, name, got.String(), want.String())
					}
				}
			}
		}
	}
}

// TestFlatViewOverride: an override that names the notice itself ({{.Notice.Text}}) reads it, and
// one that names a field nobody has fails at Load naming View, not the flat copy.
func TestFlatViewOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/reply.txt", "{{.Notice.Text}}|{{.Text}}|{{.Lang}}\n")
	s := load(t, dir)
	n := Samples(tickets.KindReply, "en")[0]
	if _, text, _, err := s.Render(tickets.KindReply, "en", n); err != nil || text != n.Text+"|"+n.Text+"|en\n" {
		t.Errorf("override: %q, %v", text, err)
	}
	writeFile(t, dir, "en/reply.txt", "{{.Nope}}\n")
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "templates.View") || strings.Contains(err.Error(), "struct {") {
		t.Fatalf("Load: %v; want an error naming templates.View", err)
	}
}
