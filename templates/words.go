package templates

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	texttemplate "text/template"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/deskd/deskd/tickets"
)

// catalogue is one language's words.toml.
type catalogue struct {
	Commands []string `toml:"commands"` // The commands a technician's footer lists.
	Date     struct {
		Days        []string `toml:"days"`         // Sunday first.
		Months      []string `toml:"months"`       // January first.
		ShortMonths []string `toml:"short_months"` // Likewise, for lists.
		Long        string   `toml:"long"`         // A deadline: a template over dateParts.
		Short       string   `toml:"short"`        // A time in a list.
		// Medium is the moment a report is made, said once at its top with the zone in full
		// ("as of 3 Dec 08:36 CET (UTC+1)"); optional, the long format when not set.
		Medium string `toml:"medium"`
		// Zone is how a time's zone is said after it, {{.Zone}} in long and short: a template
		// over zoneParts ("{{.Abbrev}}": "CET"); optional, "{{.Abbrev}}" when not set. It may
		// say {{vowel .City}} to join the city's name as the language does before a vowel
		// (French: "heure d'Alger", not "heure de Alger").
		Zone string `toml:"zone"`
		// Aspirated are the names that begin with an h that is said, not silent (French "h
		// aspiré": Hong Kong): vowel is false for them. Any other h is silent (Helsinki).
		Aspirated []string `toml:"aspirated"`
		// Day is a date without a time (an all-day meeting): a template over dateParts;
		// optional, "{{.Weekday}} {{.Day}} {{.Month}}" when not set.
		Day string `toml:"day"`
	} `toml:"date"`
	// Cities are the names of the zones' cities in the language, by their English name
	// ("Brussels" = "Bruxelles"): a city not in it keeps the zone's own name. Optional.
	Cities map[string]string `toml:"cities"`
	Plural struct {
		Zero string `toml:"zero"` // "one" when 0 takes the singular, "many" when it takes the plural.
	} `toml:"plural"`
	Priority map[string]string `toml:"priority"` // By tickets.Priority name.
	Status   map[string]string `toml:"status"`   // By tickets.Status.
	Event    map[string]string `toml:"event"`    // By event kind.
	Layout   map[string]string `toml:"layout"`   // The layouts' words, {{word "KEY"}}.
	Phrase   map[string]string `toml:"phrase"`   // By tickets.Phrase code: a template over its arguments.
	Category map[string]string `toml:"category"` // The usual categories' names, for a desk that gives no label; optional.

	lang           string
	long, short    *texttemplate.Template
	medium         *texttemplate.Template                 // date.medium, or long.
	day            *texttemplate.Template                 // date.day.
	zone           *texttemplate.Template                 // date.zone; nil says the abbreviation.
	zones          sync.Map                               // zoneKey → zoneParts, worked out once each.
	lastZone       atomic.Pointer[lastZone]               // The zone zoneOf worked out last.
	pieces         map[*texttemplate.Template][]datePiece // The formats made of text and fields alone (datePieces).
	phrases        map[string]*texttemplate.Template      // Every phrase; nil for one without an action, said as it is written.
	zeroIsSingular bool
}

// dateParts are what a date format of the catalogue is written with. Every time a person
// reads is in the desk's zone, and says which: Zone (date.zone), or its pieces.
type dateParts struct {
	Weekday, Month, ShortMonth, Time string
	Day, Year                        int
	Zone, Abbrev, Offset, City       string // zoneParts.
}

// loadCatalogue reads lang/words.toml, the embedded one then its override in over; ref is the
// reference catalogue whose keys it must all have (nil while loading the reference itself).
func loadCatalogue(over fs.FS, lang string, ref *catalogue) (*catalogue, error) {
	c := &catalogue{lang: lang}
	name := lang + "/words.toml"
	srcs := sources(over, name)
	if len(srcs) == 0 {
		return nil, fmt.Errorf("%s is missing", name)
	}
	for _, src := range srcs {
		if err := src.decode(toml.NewDecoder(strings.NewReader(src.text)).DisallowUnknownFields(), c); err != nil {
			return nil, err
		}
	}
	if err := c.check(name, ref); err != nil {
		return nil, err
	}
	return c, nil
}

// decode decodes the source into v with dec (a decoder of src.text); its error names the
// source's file and line.
func (src source) decode(dec *toml.Decoder, v any) error {
	err := dec.Decode(v)
	var derr *toml.DecodeError
	if errors.As(err, &derr) {
		row, _ := derr.Position()
		return fmt.Errorf("%s:%d: %v", src.name, row, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %v", src.name, err)
	}
	return nil
}

// check verifies the catalogue is complete and parses its formats and phrases.
func (c *catalogue) check(name string, ref *catalogue) error {
	d := c.Date
	if len(d.Days) != 7 || len(d.Months) != 12 || len(d.ShortMonths) != 12 {
		return fmt.Errorf("%s: date needs 7 days, 12 months and 12 short_months", name)
	}
	if c.Plural.Zero != "one" && c.Plural.Zero != "many" {
		return fmt.Errorf("%s: plural.zero %q: use \"one\" or \"many\"", name, c.Plural.Zero)
	}
	c.zeroIsSingular = c.Plural.Zero == "one"
	tables := map[string]map[string]string{"priority": c.Priority, "status": c.Status, "event": c.Event, "layout": c.Layout, "phrase": c.Phrase}
	want := map[string][]string{"phrase": slices.Sorted(maps.Keys(tickets.Phrases))}
	if ref != nil {
		for t, m := range map[string]map[string]string{"priority": ref.Priority, "status": ref.Status, "event": ref.Event, "layout": ref.Layout} {
			want[t] = slices.Sorted(maps.Keys(m))
		}
		if len(c.Commands) == 0 {
			return fmt.Errorf("%s: commands is missing", name)
		}
	}
	for t, keys := range want {
		for _, k := range keys {
			if _, ok := tables[t][k]; !ok {
				return fmt.Errorf("%s: %s.%s is missing", name, t, k)
			}
		}
	}
	var err error
	parse := func(key, text string) *texttemplate.Template {
		if err != nil {
			return nil
		}
		var t *texttemplate.Template
		t, err = texttemplate.New(key).Option("missingkey=error").Parse(text)
		if err != nil {
			err = fmt.Errorf("%s: %s: %w", name, key, err)
		}
		return t
	}
	c.long, c.short, c.medium = parse("date.long", d.Long), parse("date.short", d.Short), nil
	if d.Medium != "" {
		c.medium = parse("date.medium", d.Medium)
	} else {
		c.medium = c.long
	}
	if d.Zone != "" && err == nil {
		c.zone, err = texttemplate.New("date.zone").Funcs(c.zoneFuncs()).Option("missingkey=error").Parse(d.Zone)
		if err != nil {
			err = fmt.Errorf("%s: date.zone: %w", name, err)
		}
	}
	if d.Day == "" {
		d.Day = "{{.Weekday}} {{.Day}} {{.Month}}"
	}
	c.day = parse("date.day", d.Day)
	c.pieces = map[*texttemplate.Template][]datePiece{}
	for _, f := range []*texttemplate.Template{c.long, c.short, c.medium} {
		if p, ok := datePieces(f); ok {
			c.pieces[f] = p
		}
	}
	c.phrases = map[string]*texttemplate.Template{}
	funcs := c.phraseFuncs()
	phrases := texttemplate.New(" phrases").Funcs(funcs).Option("missingkey=error")
	for code, text := range c.Phrase {
		if err != nil {
			break
		}
		if !strings.Contains(text, "{{") { // Text alone, which executes to itself (say).
			c.phrases[code] = nil
			continue
		}
		var t *texttemplate.Template
		t, err = wordTemplate(phrases, "phrase."+code, text, func(t *texttemplate.Template) *texttemplate.Template {
			return t.Funcs(funcs).Option("missingkey=error")
		})
		if err != nil {
			err = fmt.Errorf("%s: phrase.%s: %w", name, code, err)
		}
		c.phrases[code] = t
	}
	if err != nil {
		return err
	}
	// Every phrase says its arguments without error; so does every date.
	for code, args := range tickets.Phrases {
		p := tickets.Phrase{Code: code, Args: map[string]string{}}
		for _, a := range args {
			p.Args[a] = "x"
		}
		if _, err := c.say(p); err != nil {
			return fmt.Errorf("%s: phrase.%s: %w", name, code, err)
		}
	}
	if c.zone != nil {
		if err := c.zone.Execute(io.Discard, zoneParts{}); err != nil {
			return fmt.Errorf("%s: date.zone: %w", name, err)
		}
	}
	if _, err := c.date(c.long, time.Now()); err != nil {
		return fmt.Errorf("%s: date.long: %w", name, err)
	}
	if _, err := c.date(c.short, time.Now()); err != nil {
		return fmt.Errorf("%s: date.short: %w", name, err)
	}
	if _, err := c.date(c.medium, time.Now()); err != nil {
		return fmt.Errorf("%s: date.medium: %w", name, err)
	}
	return nil
}

// wordTemplate parses one of a catalogue's small templates (a phrase, a word of the pages) as
// name into ns, whose functions and options it shares: text/template gives every namespace
// copies of its own, which were a third of a catalogue's heap when each phrase had one
// (BenchmarkLoad's retained-B, with the pages' words that need no template left unparsed:
// 2,997,000 → 2,168,000 bytes). A text that could define or call a template ("define", "block",
// "template") is parsed as before, alone in a namespace of its own made with setup, so that no
// text sees another's templates (TestWordTemplatesKeepTheirOwn).
func wordTemplate(ns *texttemplate.Template, name, text string, setup func(*texttemplate.Template) *texttemplate.Template) (*texttemplate.Template, error) {
	if strings.Contains(text, "define") || strings.Contains(text, "block") || strings.Contains(text, "template") {
		return setup(texttemplate.New(name)).Parse(text)
	}
	return ns.New(name).Parse(text)
}

// say words a phrase.
func (c *catalogue) say(p tickets.Phrase) (string, error) {
	t, ok := c.phrases[p.Code]
	if !ok {
		return "", fmt.Errorf("no phrase %q in %s/words.toml", p.Code, c.lang)
	}
	args, err := p.Arguments(c.say)
	if err != nil {
		return "", err
	}
	if t == nil {
		return c.Phrase[p.Code], nil
	}
	var b bytes.Buffer
	if err := t.Execute(&b, args); err != nil {
		return "", err
	}
	return b.String(), nil
}

// phraseFuncs are the functions a phrase says its arguments with: a date stamped by the desk
// (tickets.Stamp, RFC 3339) in the catalogue's long format, in the zone it was written in; a
// status or priority by its name. An argument they do not know (a line written before, an
// older name) comes out as it is.
func (c *catalogue) phraseFuncs() texttemplate.FuncMap {
	label := func(m map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := m[k]; ok {
				return v
			}
			return k
		}
	}
	return texttemplate.FuncMap{
		"date": func(s string) string {
			if d, err := time.Parse(time.DateOnly, s); err == nil {
				// A day without a time (an all-day meeting): in no zone.
				if text, err := c.date(c.day, d); err == nil {
					return text
				}
				return s
			}
			t, ok := parseStamp(s)
			if !ok {
				return s
			}
			if d, err := c.date(c.long, t); err == nil {
				return d
			}
			return s
		},
		"status":   label(c.Status),
		"priority": label(c.Priority),
		// category names one of the usual categories in the language ([category]); a desk's own
		// comes out as it is.
		"category": label(c.Category),
	}
}

// parseStamp reads a phrase's date (tickets' stamp): RFC 3339, followed since zones are named
// by the zone's IANA name in brackets as RFC 9557 writes it ("2026-12-01T14:30:00+01:00[Europe/Paris]"),
// so that the date says "CET" and "Paris", not only "UTC+1". A stamp written before, or with a
// zone this machine does not know, keeps its offset alone.
func parseStamp(s string) (time.Time, bool) {
	stamp, zone, named := strings.Cut(s, "[")
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return time.Time{}, false
	}
	if name, ok := strings.CutSuffix(zone, "]"); named && ok {
		if loc := stampZone(name); loc != nil {
			in := t.In(loc)
			_, want := t.Zone()
			if _, off := in.Zone(); off == want { // The zone's rules as the stamp knew them.
				return in, true
			}
		}
	}
	return t, true
}

// stampZones caches the zones of stamps by name (a desk has one).
var stampZones sync.Map // string → *time.Location, nil for an unknown name.

func stampZone(name string) *time.Location {
	if loc, ok := stampZones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	stampZones.Store(name, loc)
	return loc
}

// date formats t with one of the catalogue's date formats (long or short).
func (c *catalogue) date(f *texttemplate.Template, t time.Time) (string, error) {
	if pieces, ok := c.pieces[f]; ok {
		var buf [80]byte // A date in a few words: written on the stack, copied once.
		return string(appendDate(buf[:0], pieces, c.partsOf(t))), nil
	}
	var b bytes.Buffer
	err := f.Execute(&b, c.partsOf(t))
	return b.String(), err
}

// Say words a phrase of the desk in lang (Fallback when the language has no catalogue). It
// implements tickets.Words. A phrase it cannot say comes out as its code.
func (s *Set) Say(lang string, p tickets.Phrase) string {
	c := s.words[lang]
	if c == nil {
		c = s.words[Fallback]
	}
	text, err := c.say(p)
	if err != nil {
		return p.String()
	}
	return text
}
