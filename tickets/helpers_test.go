package tickets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/deskd/deskd/tickets/storetest"
)

// testConfigTOML is the sample desk of cmd/deskd/config (what `deskd init` writes and the demo
// runs on), changed where these tests need it: Bob also repairs hardware (two technicians share a
// skill on tier 1), the expert knows only network and software (so that an escalation can find
// nobody), Nadia coordinates alone, high priority has the default SLA, and categories are named by
// their names (no label_fr, label_en). The desk's keys are read from it; the other rooms' are
// left to them.
var testConfigTOML = func() string {
	b, err := os.ReadFile(filepath.Join("..", "cmd", "deskd", "config", "sample.toml"))
	if err != nil {
		panic(err)
	}
	s := string(b)
	for _, edit := range [][2]string{
		{`skills = ["accounts", "software"]`, `skills = ["accounts", "software", "hardware"]`},
		{`skills = ["network", "software", "accounts", "hardware"]`, `skills = ["network", "software"]`},
		{"[[coordinator]]\nname = \"Sam Taylor\"\nemail = \"sam@corp.example\"\nlanguage = \"en\"\n", ""},
		{"[sla.high]\nfirst_response = \"1h\"", "[sla.high]\nfirst_response = \"2h\""},
	} {
		if !strings.Contains(s, edit[0]) {
			panic("the sample configuration has no " + edit[0])
		}
		s = strings.Replace(s, edit[0], edit[1], 1)
	}
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "label_fr = ") && !strings.HasPrefix(l, "label_en = ") {
			lines = append(lines, l)
		}
	}
	// The tests open many requests alike: incidents are detected only where a test asks for it
	// (incidentConfigTOML).
	return strings.Join(lines, "\n") + "\n[incidents]\ndetect = false\n"
}()

// newTestDesk opens a desk on a fresh database in a temporary directory.
func newTestDesk(t testing.TB) *Desk { return deskFromTOML(t, testConfigTOML) }

// parseTestConfig decodes the desk's part of a configuration file as cmd/deskd/config does (over
// the defaults, completed and validated); the other rooms' keys are left to them.
func parseTestConfig(t testing.TB, data string) *Config {
	t.Helper()
	cfg := DefaultConfig()
	if err := toml.Unmarshal([]byte(data), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Complete()
	if err := cfg.Validate([]string{"en", "fr"}); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

// deskFromTOML opens a desk configured by data on a fresh database in a temporary directory.
func deskFromTOML(t testing.TB, data string) *Desk {
	t.Helper()
	cfg := parseTestConfig(t, data)
	store, err := OpenStore(context.Background(), storetest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	d, err := NewDesk(cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.SetWords(catalogueWords(t))
	return d
}

// catalogueWords says phrases with the words of the templates' catalogues
// (../templates/LANG/words.toml), as the templates package does: the package cannot be imported
// here (it imports tickets), but its words can be read.
func catalogueWords(t testing.TB) Words {
	t.Helper()
	w := testWords{}
	for _, lang := range []string{"en", "fr"} {
		b, err := os.ReadFile(filepath.Join("..", "templates", lang, "words.toml"))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Phrase   map[string]string `toml:"phrase"`
			Status   map[string]string `toml:"status"`
			Priority map[string]string `toml:"priority"`
			Category map[string]string `toml:"category"`
			Cities   map[string]string `toml:"cities"`
			Date     struct {
				Days, Months, ShortMonths []string
				Long, Zone                string
			} `toml:"date"`
		}
		if err := toml.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		label := func(m map[string]string) func(string) string {
			return func(k string) string {
				if v, ok := m[k]; ok {
					return v
				}
				return k
			}
		}
		long := template.Must(template.New("long").Parse(c.Date.Long))
		zone := template.Must(template.New("zone").Funcs(template.FuncMap{ // The templates' zone functions, in short.
			"hasPrefix": strings.HasPrefix, "trimPrefix": strings.TrimPrefix,
			"vowel": func(s string) bool { return s != "" && strings.ContainsAny(s[:1], "AEIOUaeiou") },
		}).Parse(c.Date.Zone))
		funcs := template.FuncMap{"status": label(c.Status), "priority": label(c.Priority), "category": label(c.Category), "date": func(s string) string {
			stamp, name, _ := strings.Cut(s, "[")
			tm, err := time.Parse(time.RFC3339, stamp)
			if err != nil {
				return s
			}
			city := ""
			if loc, err := time.LoadLocation(strings.TrimSuffix(name, "]")); err == nil && name != "" {
				tm = tm.In(loc)
				if _, c, ok := strings.Cut(loc.String(), "/"); ok {
					city = strings.ReplaceAll(c, "_", " ")
				}
			}
			if v, ok := c.Cities[city]; ok {
				city = v
			}
			abbrev, off := tm.Zone()
			offset := "UTC"
			if off != 0 {
				offset = fmt.Sprintf("UTC%+d", off/3600) // The tests' zones are whole hours.
			}
			if abbrev == "" || abbrev[0] == '+' || abbrev[0] == '-' {
				abbrev = offset
			}
			parts := map[string]any{"City": city, "Abbrev": abbrev, "Offset": offset}
			var z strings.Builder
			_ = zone.Execute(&z, parts)
			var b strings.Builder
			_ = long.Execute(&b, map[string]any{"Weekday": c.Date.Days[tm.Weekday()], "Day": tm.Day(),
				"Month": c.Date.Months[tm.Month()-1], "Time": tm.Format("15:04"), "Zone": z.String()})
			return b.String()
		}}
		for code, text := range c.Phrase {
			w[lang+"/"+code] = template.Must(template.New(code).Funcs(funcs).Option("missingkey=error").Parse(text))
		}
	}
	return w
}

// testWords are phrase templates by "lang/code".
type testWords map[string]*template.Template

func (w testWords) Say(lang string, p Phrase) string {
	t := w[lang+"/"+p.Code]
	if t == nil {
		t = w["en/"+p.Code]
	}
	var b strings.Builder
	args, err := p.Arguments(func(q Phrase) (string, error) { return w.Say(lang, q), nil })
	if t == nil || err != nil || t.Execute(&b, args) != nil {
		return p.String()
	}
	return b.String()
}

// t0 is the fixed clock of the tests: a Thursday morning in Paris.
var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// openTicket opens a ticket from a requester at time at.
func openTicket(t testing.TB, d *Desk, at time.Time, req NewTicket) *Ticket {
	t.Helper()
	var tk *Ticket
	err := d.Update(context.Background(), at, func(tx *Tx) error {
		var err error
		tk, err = tx.Open(req)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// outbox lists the queued mails' kinds and recipients, in order.
func outbox(t testing.TB, d *Desk) []string {
	t.Helper()
	rows, err := d.Store.Reader().Query(`SELECT kind, recipients FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, r string
		if err := rows.Scan(&k, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+" "+r)
	}
	return out
}

// randomTexts returns n texts, each of up to maxParts-1 of parts drawn at random (from a generator
// seeded with seed1, seed2): the inputs the tests that hold a fast path to its slow twin share.
func randomTexts(seed1, seed2 uint64, parts []string, n, maxParts int) []string {
	r := rand.New(rand.NewPCG(seed1, seed2))
	texts := make([]string, n)
	for i := range texts {
		var b strings.Builder
		for range r.IntN(maxParts) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		texts[i] = b.String()
	}
	return texts
}

// trustingDesk is a test desk that trusts the Authentication-Results its MX, mx.corp.example,
// writes (security.trusted_authserv_id).
func trustingDesk(t *testing.T) *Desk {
	t.Helper()
	d := newTestDesk(t)
	cfg := *d.Config()
	cfg.Security.TrustedAuthservID = "mx.corp.example"
	if err := d.SetConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	return d
}

// foldedSoFar makes the mails d has recorded so far mails recorded folded to lower case, as
// deskd recorded Message-IDs before they kept their case (the upgrade's cut-off).
func foldedSoFar(t *testing.T, d *Desk) {
	t.Helper()
	if _, err := d.Store.w.ExecContext(context.Background(), `UPDATE kv SET value = (SELECT MAX(id) FROM messages) WHERE key = 'message_ids_folded_until'`); err != nil {
		t.Fatal(err)
	}
}
