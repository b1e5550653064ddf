package templates

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	texttemplate "text/template"
	tparse "text/template/parse"
	"time"
	"unsafe"

	"github.com/deskd/deskd/internal/underrace"
	"github.com/deskd/deskd/tickets"
)

// sameAsTextTemplate compiles src for the evaluator (with funcs) and runs it and text/template on
// every view: where text/template writes, the evaluator writes the same bytes; where it fails,
// the evaluator fails too (Render then leaves the mail to text/template).
func sameAsTextTemplate(t *testing.T, src string, funcs map[string]any, views []*View) {
	t.Helper()
	tt, err := texttemplate.New("t").Funcs(funcs).Option("missingkey=error").Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	trees := map[string]*tparse.Tree{}
	for _, x := range tt.Templates() {
		trees[x.Name()] = x.Tree
	}
	p, err := compile("t", trees, funcs)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range views {
		var want, got bytes.Buffer
		werr := tt.Execute(&want, v)
		gerr := p.execute(&got, v)
		switch {
		case werr != nil && gerr == nil:
			t.Errorf("%s, view %d: text/template fails (%v), the evaluator writes %q", src, i, werr, got.String())
		case werr == nil && (gerr != nil || got.String() != want.String()):
			t.Errorf("%s, view %d:\n got %q (%v)\nwant %q", src, i, got.String(), gerr, want.String())
		}
	}
}

// variedViews are views with empty and full strings, nil and set pointers, zero and set times,
// nil, empty and full maps and slices.
func variedViews() []*View {
	at := time.Date(2026, 11, 26, 11, 0, 0, 0, time.FixedZone("CET", 3600))
	full := tickets.TicketInfo{ID: 42, Subject: "Imprimante <HS> & \"bloquée\"", Requester: "a@corp", RequesterName: "Lefèvre, Marc",
		Priority: "high", Status: "open", Kind: "incident", Category: "network", CategoryLabel: "réseau", Tier: 2,
		Assignee: "t@corp", AssigneeName: "Tech", FirstResponseDue: at, ResolveDue: at.Add(48 * time.Hour)}
	return []*View{
		{},
		{Subject: "s", Ref: "[HD #42]", Lang: "fr", Notice: tickets.Notice{DeskName: "Desk", Tag: "HD", Ticket: full, Due: at,
			Incident: &full, Linked: []tickets.TicketInfo{full, {}}, Names: map[string]string{"b@corp": "B", "a@corp": "A"},
			Digest: &tickets.Digest{}, Questions: []string{"q1", ""}, Size: 3, Kept: true}},
		{Notice: tickets.Notice{Incident: &tickets.TicketInfo{}, Linked: []tickets.TicketInfo{}, Names: map[string]string{},
			Questions: []string{}}},
	}
}

// TestFieldChainsAsTextTemplate: chains of fields read on the view, on its nested structs, through
// nil and set pointers, in ranges and withs, print what text/template prints.
func TestFieldChainsAsTextTemplate(t *testing.T) {
	for _, src := range []string{
		`{{.Subject}}|{{.Ref}}|{{.Ticket.ID}}|{{.Ticket.Subject}}|{{.Notice.Ticket.Subject}}|{{.Ticket.Tier}}|{{.Size}}|{{.Kept}}`,
		`{{.Ticket.FirstResponseDue}}|{{.Due}}|{{.Ticket.ResolveDue.IsZero}}|{{.Ticket.FirstResponseAt.IsZero}}`,
		`{{.Names}}|{{.Questions}}|{{.Linked}}`,
		`{{.Incident.Subject}}`,
		`{{.Incident.ID}} {{.Digest.Open}}`,
		`{{with .Incident}}{{.Subject}}/{{.AssigneeName}}/{{.ID}}{{else}}none{{end}}`,
		`{{range $i, $t := .Linked}}{{$i}}:{{$t.Subject}}:{{.ID}}:{{$.Ticket.Requester}};{{else}}empty{{end}}`,
		`{{range $k, $v := .Names}}{{$k}}={{$v}};{{end}}{{range .Questions}}[{{.}}]{{end}}`,
		`{{if .Ticket.Subject}}yes{{else}}no{{end}} {{if .Ticket.ID}}id{{end}} {{if eq .Ticket.Kind "incident"}}inc{{end}} {{if .Incident}}i{{end}}`,
		`{{with .Ticket}}{{.Subject}} {{.Category}} {{with .FirstResponseDue}}{{.Year}}{{end}}{{end}}`,
		// One name read on pointers of two types (the view, the incident), and on a struct.
		`{{define "s"}}{{.Subject}}{{end}}{{template "s" .}}|{{with .Incident}}{{template "s" .}}|{{.ID}}{{end}}|{{template "s" .}}|{{template "s" .Ticket}}|{{template "s" .Incident}}`,
		`{{define "d"}}{{.Open}}{{end}}{{with .Digest}}{{template "d" .}}{{end}}`,
	} {
		sameAsTextTemplate(t, src, nil, variedViews())
	}
}

// TestFieldPathAt: a chain of exported fields is read at its offset as reflect reads it field by
// field; one through an unexported embedded struct is not read that way.
func TestFieldPathAt(t *testing.T) {
	type inner struct{ X string }
	type outer struct {
		N int
		inner
		A struct {
			S string
			B struct {
				C int64
				T time.Time
			}
		}
	}
	o := outer{N: 1, inner: inner{X: "x"}}
	o.A.S, o.A.B.C, o.A.B.T = "s", 7, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := reflect.ValueOf(&o).Elem()
	for _, c := range []struct {
		names  []string
		direct bool
	}{{[]string{"N"}, true}, {[]string{"A", "S"}, true}, {[]string{"A", "B", "C"}, true}, {[]string{"A", "B", "T"}, true},
		{[]string{"A", "B"}, true}, {[]string{"X"}, false}} {
		p := newNames(c.names).from(r.Type(), true)
		if !p.ok || p.direct != c.direct {
			t.Fatalf("%v: ok %v, direct %v", c.names, p.ok, p.direct)
		}
		want := r.FieldByIndex(p.index)
		if !p.direct {
			continue
		}
		got := p.at(r.Addr().UnsafePointer())
		if got.Type() != want.Type() || !got.CanAddr() || got.UnsafeAddr() != want.UnsafeAddr() || !got.Equal(want) {
			t.Errorf("%v: got %v (%v), want %v (%v)", c.names, got, got.Type(), want, want.Type())
		}
		// As at read it with reflect.NewAt: the same value with the same rights.
		ref := reflect.NewAt(p.final, unsafe.Add(r.Addr().UnsafePointer(), p.offset)).Elem()
		if got.Kind() != ref.Kind() || got.CanSet() != ref.CanSet() || got.CanInterface() != ref.CanInterface() ||
			got.CanAddr() != ref.CanAddr() || got.UnsafeAddr() != ref.UnsafeAddr() || got.Interface() != ref.Interface() {
			t.Errorf("%v: got %v, reflect.NewAt gives %v", c.names, got, ref)
		}
	}
}

// TestFromPointerRemembered: fromPointer gives, for pointers of several types read one after the
// other by the same names (the remembered path kept or replaced), the path the names lead to from
// the type pointed to, found afresh.
func TestFromPointerRemembered(t *testing.T) {
	type a struct {
		N       int
		Subject string
	}
	type b struct {
		Subject string
		N       int64
	}
	type c struct {
		x       int
		Subject string
		N       string
	}
	view, incident := &View{Subject: "v"}, &tickets.TicketInfo{Subject: "i"}
	ptrs := []any{&a{N: 1, Subject: "a"}, &b{Subject: "b", N: 2}, &c{x: 3, Subject: "c", N: "n"}, view, incident}
	r := rand.New(rand.NewPCG(5, 6))
	for _, idents := range [][]string{{"Subject"}, {"N"}} {
		n := newNames(idents)
		for range underrace.Rounds(2000) {
			x := ptrs[r.IntN(len(ptrs))]
			pt := reflect.TypeOf(x)
			p, want := n.fromPointer(pt), newNames(idents).from(pt.Elem(), true)
			if p.t != pt || p.ok != want.ok || p.direct != want.direct || p.offset != want.offset ||
				p.final != want.final || !slices.Equal(p.index, want.index) {
				t.Fatalf("%v on %T: %+v, afresh %+v", idents, x, p, want)
			}
			if p.direct {
				got, want := p.at(reflect.ValueOf(x).UnsafePointer()), reflect.ValueOf(x).Elem().FieldByIndex(p.index)
				if got.Interface() != want.Interface() {
					t.Fatalf("%v on %T: read %v, want %v", idents, x, got, want)
				}
			}
		}
	}
}
