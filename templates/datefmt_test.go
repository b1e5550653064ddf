package templates

import (
	"bytes"
	"testing"
	"time"

	texttemplate "text/template"
)

// TestDatePiecesWriteAsTemplate: a date format read into pieces writes what the template writes,
// every day of a year at several hours, in each language and for formats an operator may write;
// a format with more than text and fields is left to the template.
func TestDatePiecesWriteAsTemplate(t *testing.T) {
	s := load(t, "")
	formats := map[string]bool{ // The format, and whether it is read into pieces.
		"{{.Weekday}} {{.Day}} {{.Month}} à {{.Time}}":            true,
		"{{.Day}}.{{.ShortMonth}} ({{.Weekday}}), {{.Time}} Uhr ": true,
		"{{- .Day }} {{ .Month -}} !":                             true,
		"{{.Day | printf \"%02d\"}} {{.Month}}":                   false,
		"{{if eq .Day 1}}1er{{else}}{{.Day}}{{end}}":              false,
		"{{$d := .Day}}{{$d}}":                                    false,
		"{{.Weekday}}{{/* a comment */}} {{.Time}}":               true,
	}
	for _, lang := range s.Languages() {
		c := s.words[lang]
		all := map[*texttemplate.Template]bool{c.long: true, c.short: true, c.medium: true}
		for f, want := range formats {
			tpl, err := texttemplate.New("date").Option("missingkey=error").Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := datePieces(tpl); ok != want {
				t.Errorf("%q: read into pieces %v, want %v", f, ok, want)
			}
			all[tpl] = true
		}
		for f := range all {
			pieces, ok := datePieces(f)
			if !ok {
				continue
			}
			for day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() == 2026; day = day.AddDate(0, 0, 1) {
				for _, h := range []time.Duration{0, 9*time.Hour + 5*time.Minute, 23*time.Hour + 59*time.Minute} {
					p := c.partsOf(day.Add(h))
					var want bytes.Buffer
					if err := f.Execute(&want, p); err != nil {
						t.Fatal(err)
					}
					if got := appendDate(nil, pieces, p); string(got) != want.String() {
						t.Fatalf("%s %q on %v: %q, the template writes %q", lang, f.Root.String(), day.Add(h), got, want.String())
					}
				}
			}
		}
		if len(c.pieces) != 3 {
			t.Errorf("%s: %d of its three date formats read into pieces", lang, len(c.pieces))
		}
	}
}
