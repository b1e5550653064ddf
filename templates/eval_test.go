package templates

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	texttemplate "text/template"
	tparse "text/template/parse"

	"github.com/deskd/deskd/tickets"
)

// TestEvaluatorMatchesEngine: the evaluator runs every embedded template, in every language, and
// writes for every sample what text/template and html/template write (Load keeps it only then).
func TestEvaluatorMatchesEngine(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range s.Languages() {
		for _, kind := range tickets.MailKinds {
			key := lang + "/" + kind
			if s.kind(key).fast != nil {
				continue
			}
			tt, ht, err := s.kind(key).engine.get(s)
			if err != nil {
				t.Fatal(err)
			}
			_, err = compileKind(tt, ht, s.words[lang], nil)
			t.Errorf("%s: not run by the evaluator (compile: %v)", key, err)
		}
	}
}

// TestEscapersAsHTMLTemplate: in each context the mails' HTML puts a value in (text, a quoted
// attribute, a URL, its query, a mailto: address, a title), the evaluator writes what html/template
// writes, for strings of every byte and for HTML.
func TestEscapersAsHTMLTemplate(t *testing.T) {
	src := `<title>{{.Subject}}</title><p>{{.Subject}} {{.DeskName}}</p><a title="{{.Subject}}" href="{{.Subject}}">x</a>` +
		`<a href="mailto:{{.Subject}}">{{word .Tag}}</a><a href="/s?q={{.Subject}}">{{word .Tag}}</a><a href='{{.DeskName}}'>y</a>`
	c := &catalogue{lang: "en", Layout: map[string]string{"": ""}}
	ht, err := htmltemplate.New("t").Funcs(htmlFuncs(c)).Option("missingkey=error").Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var engine bytes.Buffer
	if err := ht.Execute(&engine, &View{}); err != nil { // Escapes the tree.
		t.Fatal(err)
	}
	trees := map[string]*tparse.Tree{}
	for _, x := range ht.Templates() {
		trees[x.Name()] = x.Tree
	}
	p, err := compile("t", trees, htmlFuncs(c))
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"", "plain", `<b>"a" & 'b'</b> + c`, "\x00nul", "javascript:alert(1)", "HTTPS://x.example/a b?c=d&e=%41%zz%4",
		"mailto:a@b.example", "a/b:c", "héllo wörld ✓", "100%", "%", "%4", "a%41b", "[x]!#$*+,;=?@~-._"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[i] = " \"&'+<>%:/?#=@![]\x00aZ9-._~é"[rng.IntN(27)]
			}
		}
		values = append(values, string(b))
	}
	for _, s := range values {
		c.Layout[s] = s // word gives it as HTML.
		v := &View{Subject: s, Notice: tickets.Notice{DeskName: s, Tag: s}}
		var want, got bytes.Buffer
		if err := ht.Execute(&want, v); err != nil {
			t.Fatal(err)
		}
		if err := p.execute(&got, v); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got.String() != want.String() {
			t.Fatalf("%q:\n got %s\nwant %s", s, got.String(), want.String())
		}
	}
}

// TestEvaluatorLeavesTheRestToTheEngine: an override the evaluator does not run (a builtin it
// does not have) renders with text/template, as written; one it runs but that fails on a mail's
// data (a missing map key) reports text/template's error, not the evaluator's.
func TestEvaluatorLeavesTheRestToTheEngine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "fr/ack.txt", `{{printf "n°%05d" .Ticket.ID}} {{with .Questions}}{{index . 0}}{{end}}`+"\n")
	writeFile(t, dir, "en/ack.txt", `{{with .Digest}}{{.Totals.Nope}}{{end}}{{.Subject}}`+"\n")
	s := load(t, dir)
	if s.kind("fr/ack").fast != nil {
		t.Fatal("the evaluator took a template with printf and index")
	}
	n := Samples(tickets.KindAck, "fr")[0]
	if _, text, _, err := s.Render(tickets.KindAck, "fr", n); err != nil || text != "n°00042 Which building and room are you in?\n" {
		t.Fatalf("fr: %q, %v", text, err)
	}
	if s.kind("en/ack").fast == nil {
		t.Fatal("the evaluator does not run en/ack")
	}
	n.Digest = &tickets.Digest{}
	_, _, _, err := s.Render(tickets.KindAck, "en", n)
	if err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("en with a digest: %v", err)
	}
}

// TestEvaluatorReadsNamesOnEveryType: a compiled name remembers where it led on the last type it
// was read on; read on another type (View's Subject, then its ticket's, at another index path),
// from several goroutines at once, it still reads what text/template reads.
func TestEvaluatorReadsNamesOnEveryType(t *testing.T) {
	src := `{{define "s"}}{{.Subject}}{{end}}{{template "s" .}} {{template "s" .Ticket}} {{template "s" .}} {{.Ticket.ID}}` +
		`{{range $i, $x := .Linked}} {{template "s" $x}} {{template "s" $}}{{end}}`
	tt, err := texttemplate.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	trees := map[string]*tparse.Tree{}
	for _, x := range tt.Templates() {
		trees[x.Name()] = x.Tree
	}
	p, err := compile("t", trees, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				v := &View{Subject: fmt.Sprintf("view %d.%d", g, i), Notice: tickets.Notice{Ticket: tickets.TicketInfo{ID: int64(i), Subject: "ticket"},
					Linked: []tickets.TicketInfo{{Subject: "linked 1"}, {Subject: "linked 2"}}}}
				var want, got bytes.Buffer
				if err := tt.Execute(&want, v); err != nil {
					t.Error(err)
					return
				}
				if err := p.execute(&got, v); err != nil || got.String() != want.String() {
					t.Errorf("got %q (%v), want %q", got.String(), err, want.String())
					return
				}
			}
		}()
	}
	wg.Wait()
}
