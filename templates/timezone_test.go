package templates

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestTimesSayTheirZone renders every sample of every mail kind in French and English for desks
// in Paris (in winter and in summer: the zone changes its name and offset on 25 October 2026) and
// in New York: every time a mail shows says, on its line, which zone it is in.
func TestTimesSayTheirZone(t *testing.T) {
	s := load(t, "")
	for _, c := range []struct {
		zone   string
		base   time.Time
		en, fr string // What the English and the French lines of a time carry.
	}{
		{"Europe/Paris", time.Date(2026, 11, 30, 2, 11, 0, 0, time.UTC), "CET", "UTC+1"},
		{"Europe/Paris", time.Date(2026, 7, 1, 2, 11, 0, 0, time.UTC), "CEST", "UTC+2"},
		{"America/New_York", time.Date(2026, 11, 30, 2, 11, 0, 0, time.UTC), "EST", "UTC-5"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Skip(err)
		}
		zs := s.In(loc)
		shown := 0
		for _, lang := range []string{"fr", "en"} {
			want := map[string]string{"fr": c.fr, "en": c.en}[lang]
			for _, kind := range tickets.MailKinds {
				for i, n := range Samples(kind, lang) {
					var times []time.Time
					stamp(reflect.ValueOf(&n).Elem(), c.base, &times)
					_, text, html, err := zs.Render(kind, lang, n)
					if err != nil {
						t.Fatal(err)
					}
					for _, tm := range times {
						local := tm.In(loc).Format("15:04")
						for _, line := range strings.Split(text, "\n") {
							if strings.Contains(line, local) {
								shown++
								if !strings.Contains(line, want) {
									t.Errorf("%s %s/%s-%d: %s without %s: %q", c.zone, lang, kind, i+1, local, want, line)
								}
							}
						}
						if strings.Contains(html, local) && !strings.Contains(html, strings.ReplaceAll(want, "+", "&#43;")) {
							t.Errorf("%s %s/%s-%d: the HTML shows %s without %s", c.zone, lang, kind, i+1, local, want)
						}
					}
				}
			}
		}
		if shown < 40 {
			t.Fatalf("%s: only %d times shown: the samples no longer show their times", c.zone, shown)
		}
	}
}

// TestZoneWords: a time's zone in each language, at both sides of a change to summer time, for
// zones with and without an abbreviation of letters, half-hour offsets and UTC.
func TestZoneWords(t *testing.T) {
	s := load(t, "")
	for _, c := range []struct {
		zone   string
		at     time.Time // In UTC.
		en, fr string
	}{
		// Paris leaves summer time at 03:00 on 25 October 2026 (01:00 UTC).
		{"Europe/Paris", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "Sunday 25 October at 02:30 CEST (UTC+2)", "dimanche 25 octobre à 02:30 (heure de Paris, UTC+2)"},
		{"Europe/Paris", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "Sunday 25 October at 02:30 CET (UTC+1)", "dimanche 25 octobre à 02:30 (heure de Paris, UTC+1)"},
		// New York enters summer time on 8 March 2026.
		{"America/New_York", time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC), "Sunday 8 March at 01:00 EST (UTC-5)", "dimanche 8 mars à 01:00 (heure de New York, UTC-5)"},
		{"America/New_York", time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), "Sunday 8 March at 03:00 EDT (UTC-4)", "dimanche 8 mars à 03:00 (heure de New York, UTC-4)"},
		{"Asia/Kolkata", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), "Tuesday 1 December at 14:30 IST (UTC+5:30)", "mardi 1 décembre à 14:30 (heure de Kolkata, UTC+5:30)"},
		{"America/Sao_Paulo", time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC), "Tuesday 1 December at 14:30 UTC-3", "mardi 1 décembre à 14:30 (heure de São Paulo, UTC-3)"},
		{"Europe/London", time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC), "Tuesday 1 December at 14:30 GMT (UTC)", "mardi 1 décembre à 14:30 (heure de Londres, UTC)"},
		{"Europe/Brussels", time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC), "Tuesday 1 December at 14:30 CET (UTC+1)", "mardi 1 décembre à 14:30 (heure de Bruxelles, UTC+1)"},
		{"UTC", time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC), "Tuesday 1 December at 14:30 UTC", "mardi 1 décembre à 14:30 (UTC)"},
		{"Etc/GMT+3", time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC), "Tuesday 1 December at 14:30 UTC-3", "mardi 1 décembre à 14:30 (UTC-3)"},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		tm := c.at.In(loc)
		for lang, want := range map[string]string{"en": c.en, "fr": c.fr} {
			cat := s.words[lang]
			if got, err := cat.date(cat.long, tm); err != nil || got != want {
				t.Errorf("%s %s: %q (%v), want %q", c.zone, lang, got, err, want)
			}
			// The web desk's pages say the same.
			p := s.Page(lang, loc)
			if got := fmt.Sprint(p.Funcs()["when"].(func(time.Time) string)(c.at)); got != want {
				t.Errorf("page %s %s: %q, want %q", c.zone, lang, got, want)
			}
		}
		if got, want := s.Page("fr", loc).Short(c.at), tm.Format("15:04"); !strings.Contains(got, want) || !strings.Contains(got, "UTC") {
			t.Errorf("page short %s: %q", c.zone, got)
		}
	}
}

// TestFrenchZoneJoinsCity: French joins a city's name to "heure" as it is said, by rule and for
// any city: d' before a vowel or a silent h, de before a consonant or an aspirated h, du for a
// name in Le, des for one in Les ("heure de Alger" was written once).
func TestFrenchZoneJoinsCity(t *testing.T) {
	s := load(t, "")
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for zone, want := range map[string]string{
		"Africa/Algiers":      "heure d'Alger,",
		"Africa/Abidjan":      "heure d'Abidjan,",
		"Europe/Amsterdam":    "heure d'Amsterdam,",
		"Europe/Athens":       "heure d'Athènes,",
		"Europe/Istanbul":     "heure d'Istanbul,",
		"Europe/Oslo":         "heure d'Oslo,",
		"Asia/Yerevan":        "heure d'Erevan,",
		"Europe/Helsinki":     "heure d'Helsinki,",
		"America/Halifax":     "heure d'Halifax,",
		"Pacific/Honolulu":    "heure d'Honolulu,",
		"Asia/Hong_Kong":      "heure de Hong Kong,",
		"Asia/Ho_Chi_Minh":    "heure de Hô Chi Minh-Ville,",
		"Asia/Yangon":         "heure de Yangon,",
		"Europe/Paris":        "heure de Paris,",
		"America/Havana":      "heure de La Havane,",
		"Indian/Reunion":      "heure de La Réunion,",
		"Africa/Cairo":        "heure du Caire,",
		"Atlantic/Azores":     "heure des Açores,",
		"America/Montevideo":  "heure de Montevideo,",
		"Indian/Mauritius":    "heure de Maurice,",
		"America/El_Salvador": "heure du Salvador,",
		"Asia/Tehran":         "heure de Téhéran,",
	} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		fr := s.words["fr"]
		got, err := fr.date(fr.long, at.In(loc))
		if err != nil || !strings.Contains(got, "("+want) {
			t.Errorf("%s: %q (%v), want %q", zone, got, err, want)
		}
		if got := s.Page("fr", loc).Funcs()["when"].(func(time.Time) string)(at); !strings.Contains(got, want) {
			t.Errorf("page %s: %q, want %q", zone, got, want)
		}
	}
}

// TestVowel: the rule French elision follows, on names no list holds.
func TestVowel(t *testing.T) {
	fr := load(t, "").words["fr"]
	for name, want := range map[string]bool{
		"Alger": true, "Écija": true, "Île-Rousse": true, "Oulan-Bator": true, "Œiras": true, "Ushuaïa": true,
		"Ypres": true, "Yangon": false, "Yaoundé": false,
		"Helsinki": true, "Hébron": true, "Hong Kong": false, "hong kong": false, "Hvar": false,
		"Paris": false, "La Réunion": false, "": false, "7e": false,
	} {
		if got := fr.vowel(name); got != want {
			t.Errorf("vowel(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestDigestAsOf: the digest says when it was made as a report says it, with its zone in full:
// "as of 3 Dec 08:36 CET (UTC+1)", « au 3 déc. à 08:36 (heure de Paris, UTC+1) » (it said
// "on 3 Dec 08:36 CET", with no offset).
func TestDigestAsOf(t *testing.T) {
	s := load(t, "")
	at := time.Date(2026, 12, 3, 7, 36, 0, 0, time.UTC)
	for lang, want := range map[string]string{
		"en": "7 open tickets as of 3 Dec 08:36 CET (UTC+1).",
		"fr": "7 tickets ouverts au 3 déc. à 08:36 (heure de Paris, UTC+1).",
	} {
		n := Samples(tickets.KindDigest, lang)[0]
		d := *n.Digest
		d.Now = at
		n.Digest = &d
		_, text, html, err := s.Render(tickets.KindDigest, lang, n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s text, want %q:\n%s", lang, want, text)
		}
		if h := strings.ReplaceAll(strings.ReplaceAll(want, "+", "&#43;"), "7 ", "<b>7</b> "); !strings.Contains(html, h) {
			t.Errorf("%s HTML, want %q:\n%s", lang, h, html)
		}
	}
}
