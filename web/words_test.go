package web_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// eventKinds are the kinds of history entries the desk writes: the string constants named
// Event… of the tickets package, read from its source so that a kind added there is checked here.
func eventKinds(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "tickets", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if !strings.HasPrefix(id.Name, "Event") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						k, _ := strconv.Unquote(lit.Value)
						kinds = append(kinds, k)
					}
				}
			}
		}
	}
	return kinds
}

// TestEveryEventKindHasALabel: every kind of history entry the desk writes has its label on
// the staff ticket page, in French and in English.
func TestEveryEventKindHasALabel(t *testing.T) {
	kinds := eventKinds(t)
	for _, must := range []string{tickets.EventMessage, tickets.EventCopied, tickets.EventRating, tickets.EventFailed} {
		if !strings.Contains(" "+strings.Join(kinds, " ")+" ", " "+must+" ") {
			t.Fatalf("the kinds read from tickets (%v) lack %q", kinds, must)
		}
	}
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fr", "en"} {
		p := set.Page(lang, nil)
		if p.Lang != lang {
			t.Fatalf("no page words in %s", lang)
		}
		for _, k := range kinds {
			if w := p.Word("event_" + k); w == "event_"+k || w == "" {
				t.Errorf("%s: no label for the event kind %q (event_%s in %s/web.toml)", lang, k, k, lang)
			}
		}
	}
}

// TestTicketPageSaysNoKey: the ticket page shows no word's key: a mail that copied someone
// outside the organisation has its history line labelled, and ?done= shows only the notices
// of the page's own forms.
func TestTicketPageSaysNoKey(t *testing.T) {
	f := newFixture(t)
	o := f.ingest(&tickets.Incoming{MessageID: "cc@x", From: "celine.dupre@corp.example", FromName: "Céline",
		Cc: []string{"ext.consultant@partner.example"}, Subject: "Imprimante", Text: "L'imprimante ne marche plus.", Language: "fr"})
	f.mails()
	evs, err := f.store.Events(f.ctx, o.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == tickets.EventCopied {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no %q entry: the test sees nothing", tickets.EventCopied)
	}
	b := f.signIn("nadia@corp.example")
	id := itoa(o.TicketID)
	for _, path := range []string{"/t/" + id, "/t/" + id + "?done=" + url.QueryEscape("<b>Paid</b>"), "/t/" + id + "?done=whatever"} {
		p := b.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		for _, bad := range []string{"event_", "done_", "Paid", "whatever", `class="notice"`} {
			if strings.Contains(p.body, bad) {
				t.Errorf("%s shows %q", path, bad)
			}
		}
	}
	if p := b.get("/t/" + id + "?done=note"); !strings.Contains(p.body, `<p class="notice" role="status">`) {
		t.Errorf("?done=note: no notice")
	}
}

// TestQueueSaysWhatItIgnores: a status, view, priority or tier the queue does not know is said (Nadia reads French),
// not silently read as the default; the resolved tickets are pointed to the search.
func TestQueueSaysWhatItIgnores(t *testing.T) {
	f := newFixture(t)
	f.ingest(&tickets.Incoming{MessageID: "q@x", From: "celine.dupre@corp.example", Subject: "VPN", Text: "Le VPN ne marche plus.", Language: "en"})
	f.mails()
	b := f.signIn("nadia@corp.example")
	for _, tt := range []struct{ query, want string }{
		{"status=resolved", "les tickets au statut « résolu » se trouvent par la recherche"},
		{"status=bogus", "Le statut « bogus » n&#39;existe pas"},
		{"view=bogus", "La vue « bogus » n&#39;existe pas : voici « Tous ouverts »"},
		{"priority=bogus", "La priorité « bogus » n&#39;existe pas"},
		{"tier=9", "Le niveau « 9 » n&#39;existe pas"},
		{"view=open&status=open&priority=high&tier=1", ""},
	} {
		p := b.get("/queue?" + tt.query)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", tt.query, p.status)
		}
		got := problemRE.FindString(p.body)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%s: the page says %q; want %q", tt.query, got, tt.want)
		}
		if tt.want != "" && strings.Contains(p.body, "selected>bogus") {
			t.Errorf("%s: the bogus value kept as a filter", tt.query)
		}
	}
}

var problemRE = regexp.MustCompile(`<p class="problem"[^>]*>[^<]*</p>`)
