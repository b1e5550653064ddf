package templates

import (
	"bytes"
	"math/rand/v2"
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

// TestClockOf: clockOf writes what t.Format("15:04") writes, for every minute of a day in zones
// of whole, half and quarter hours and at random instants.
func TestClockOf(t *testing.T) {
	var locs []*time.Location
	for _, name := range []string{"UTC", "Europe/Paris", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, loc)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC) // Summer time starts in Paris.
	for _, loc := range locs {
		for m := range 2 * 24 * 60 {
			for _, at := range []time.Time{day.Add(time.Duration(m) * time.Minute), time.Unix(rng.Int64N(1<<33)-1<<32, rng.Int64N(1e9))} {
				at = at.In(loc)
				if got, want := clockOf(at), at.Format("15:04"); got != want {
					t.Fatalf("clockOf(%v) = %q, want %q", at, got, want)
				}
			}
		}
	}
}

// TestZoneOfAsWorkedOut: zoneOf says of each time what it worked out for its zone the first
// time, asked in turn of times in several zones and on both sides of a change to summer time
// (so that the zone it keeps from the last time is not the one asked).
func TestZoneOfAsWorkedOut(t *testing.T) {
	var locs []*time.Location
	for _, name := range []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Africa/Algiers", "Etc/GMT+3"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, loc)
	}
	times := []time.Time{time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 9, 0, 0, 0, time.UTC)}
	for _, lang := range load(t, "").Languages() {
		fresh := load(t, "").words[lang] // A catalogue that has worked out no zone yet, for each answer.
		c := load(t, "").words[lang]
		rng := rand.New(rand.NewPCG(7, 8))
		for range 2000 {
			at := times[rng.IntN(len(times))].In(locs[rng.IntN(len(locs))])
			fresh.zones.Clear()
			fresh.lastZone.Store(nil)
			if got, want := c.zoneOf(at), fresh.zoneOf(at); got != want {
				t.Fatalf("%s: zoneOf(%v) = %+v, want %+v", lang, at, got, want)
			}
		}
	}
}
