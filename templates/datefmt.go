package templates

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	tparse "text/template/parse"
	"time"
	"unicode"

	texttemplate "text/template"
)

// A date format of words.toml ("{{.Weekday}} {{.Day}} {{.Month}} à {{.Time}}") is a template
// over dateParts, and a mail says two or three dates: executing the template is half the cost of
// a date. A format made only of text and plain fields ({{.Day}}) is therefore read once into its
// pieces and written from them, the same bytes text/template writes; any other format (a
// condition, a function) is executed as the template it is.

// datePiece is a piece of a date format: text as it is, or one field of dateParts.
type datePiece struct {
	text  string
	field string // "" for text.
}

// datePieces returns the pieces of a date format; false when it is more than text and fields.
func datePieces(t *texttemplate.Template) ([]datePiece, bool) {
	if t == nil || t.Tree == nil || t.Tree.Root == nil || len(t.Templates()) != 1 {
		return nil, false
	}
	var out []datePiece
	for _, n := range t.Tree.Root.Nodes {
		switch n := n.(type) {
		case *tparse.TextNode:
			out = append(out, datePiece{text: string(n.Text)})
		case *tparse.ActionNode:
			p := n.Pipe
			if p == nil || p.IsAssign || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return nil, false
			}
			f, ok := p.Cmds[0].Args[0].(*tparse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil, false
			}
			switch f.Ident[0] {
			case "Weekday", "Month", "ShortMonth", "Time", "Day", "Year", "Zone", "Abbrev", "Offset", "City":
				out = append(out, datePiece{field: f.Ident[0]})
			default:
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return out, true
}

// appendDate appends t's parts by the pieces of a format to dst.
func appendDate(dst []byte, pieces []datePiece, p dateParts) []byte {
	for _, x := range pieces {
		switch x.field {
		case "":
			dst = append(dst, x.text...)
		case "Weekday":
			dst = append(dst, p.Weekday...)
		case "Month":
			dst = append(dst, p.Month...)
		case "ShortMonth":
			dst = append(dst, p.ShortMonth...)
		case "Time":
			dst = append(dst, p.Time...)
		case "Day":
			dst = strconv.AppendInt(dst, int64(p.Day), 10)
		case "Year":
			dst = strconv.AppendInt(dst, int64(p.Year), 10)
		case "Zone":
			dst = append(dst, p.Zone...)
		case "Abbrev":
			dst = append(dst, p.Abbrev...)
		case "Offset":
			dst = append(dst, p.Offset...)
		case "City":
			dst = append(dst, p.City...)
		}
	}
	return dst
}

// partsOf are a time's dateParts in the catalogue's words, its zone that of t's location.
func (c *catalogue) partsOf(t time.Time) dateParts {
	z := c.zoneOf(t)
	year, month, day := t.Date() // Worked out once, not once for each.
	return dateParts{Weekday: c.Date.Days[t.Weekday()], Day: day, Month: c.Date.Months[month-1],
		ShortMonth: c.Date.ShortMonths[month-1], Time: clockOf(t), Year: year,
		Zone: z.Zone, Abbrev: z.Abbrev, Offset: z.Offset, City: z.City}
}

// clockOf is t.Format("15:04") (TestClockOf), cut out of clocks, the day's 1,440 of them written
// once: Format parsed its layout and allocated the five bytes, 750 instructions a date, now 90.
func clockOf(t time.Time) string {
	h, m, _ := t.Clock()
	i := 5 * (60*h + m)
	return clocks[i : i+5]
}

// clocks are "00:00" to "23:59", one after another.
var clocks = func() string {
	b := make([]byte, 0, 5*24*60)
	for h := range 24 {
		for m := range 60 {
			b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10))
		}
	}
	return string(b)
}()

// zoneParts are what the catalogue's zone format (date.zone) is written with.
type zoneParts struct {
	City   string // "Paris" for Europe/Paris, "New York" for America/New_York; "" for UTC.
	Abbrev string // "CET", "CEST", "EST"; the offset when the zone has no abbreviation of letters.
	Offset string // "UTC+1", "UTC-5", "UTC+5:30", "UTC".
	Zone   string // The zone as the language says it after a time (date.zone).
}

// zoneKey is what a zone's words depend on: its location's name and, at one instant, its
// abbreviation and offset (which change with summer time).
type zoneKey struct {
	loc, abbrev string
	offset      int
}

// lastZone is the zone zoneOf worked out last, by the location it was asked for.
type lastZone struct {
	loc    *time.Location
	abbrev string
	offset int
	parts  zoneParts
}

// zoneOf is the zone of t in the catalogue's words, worked out once per zone and offset. The
// last one is kept by its location, as a desk's dates are nearly all in its own zone: its
// location, abbreviation and offset compared take fewer instructions than hashing them for
// zones (a date's zone 690 → 124 instructions, BenchmarkRender).
func (c *catalogue) zoneOf(t time.Time) zoneParts {
	abbrev, offset := t.Zone()
	loc := t.Location()
	if l := c.lastZone.Load(); l != nil && l.loc == loc && l.offset == offset && l.abbrev == abbrev {
		return l.parts
	}
	k := zoneKey{loc.String(), abbrev, offset}
	if z, ok := c.zones.Load(k); ok {
		c.lastZone.Store(&lastZone{loc, abbrev, offset, z.(zoneParts)})
		return z.(zoneParts)
	}
	z := zoneParts{City: cityOf(k.loc), Offset: UTCOffset(offset), Abbrev: abbrev}
	if name, ok := c.Cities[z.City]; ok {
		z.City = name
	}
	if !hasLetter(abbrev) { // "+03", "-0330", "": Go's name for a zone without an abbreviation.
		z.Abbrev = z.Offset
	}
	z.Zone = z.Abbrev
	if c.zone != nil {
		var b bytes.Buffer
		if c.zone.Execute(&b, z) == nil {
			z.Zone = b.String()
		}
	}
	c.zones.Store(k, z)
	c.lastZone.Store(&lastZone{loc, abbrev, offset, z})
	return z
}

// cityOf is the city of an IANA zone name as people write it: "America/New_York" is "New
// York"; "" for UTC, Local and a zone that names no city (Etc/GMT+3, a fixed offset).
func cityOf(name string) string {
	area, city, ok := strings.Cut(name, "/")
	if !ok || area == "Etc" {
		return ""
	}
	if i := strings.LastIndexByte(city, '/'); i >= 0 { // America/Argentina/Buenos_Aires.
		city = city[i+1:]
	}
	return strings.ReplaceAll(city, "_", " ")
}

// UTCOffset is an offset from UTC as every language reads it: "UTC+1", "UTC-3:30", "UTC".
func UTCOffset(seconds int) string {
	if seconds == 0 {
		return "UTC"
	}
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	h, m := seconds/3600, seconds%3600/60
	if m == 0 {
		return "UTC" + sign + strconv.Itoa(h)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// zoneFuncs are the functions the zone format (date.zone) may use.
func (c *catalogue) zoneFuncs() texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"vowel":      c.vowel,
		"hasPrefix":  strings.HasPrefix,
		"trimPrefix": strings.TrimPrefix,
	}
}

// vowel reports whether a name is said beginning with a vowel, so that a language eliding
// before one (French "de" + "Alger" is "d'Alger") can say so by rule, for any city: a vowel
// letter, accented or not (Abidjan, Athènes, Écija, Oslo); a y before a consonant (Ypres; before
// a vowel it is a consonant: Yangon); an h before a vowel, silent as an h is unless the
// catalogue lists the name as aspirated (Helsinki, Honolulu; not Hong Kong).
func (c *catalogue) vowel(name string) bool {
	rs := []rune(strings.ToLower(name))
	if len(rs) == 0 {
		return false
	}
	switch first := baseLetter(rs[0]); {
	case strings.ContainsRune("aeiouæœ", first):
		return true
	case first == 'y':
		return len(rs) > 1 && unicode.IsLetter(rs[1]) && !strings.ContainsRune("aeiouy", baseLetter(rs[1]))
	case first == 'h':
		if len(rs) < 2 || !strings.ContainsRune("aeiouy", baseLetter(rs[1])) {
			return false
		}
		for _, a := range c.Date.Aspirated {
			if strings.EqualFold(a, name) {
				return false
			}
		}
		return true
	}
	return false
}

// baseLetter is a lower-case letter without its accent: 'é' is 'e'.
func baseLetter(r rune) rune {
	for base, accented := range accents {
		if strings.ContainsRune(accented, r) {
			return base
		}
	}
	return r
}

// accents are the accented forms of the vowels (and y) of the Latin alphabet's languages.
var accents = map[rune]string{
	'a': "àáâãäåāăą",
	'e': "èéêëēĕėęě",
	'i': "ìíîïĩīĭįı",
	'o': "òóôõöøōŏő",
	'u': "ùúûüũūŭůűų",
	'y': "ýÿŷ",
}
