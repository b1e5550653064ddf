package tickets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// testConfigTOML is the contract's example, extended with a small team.
const testConfigTOML = `
[desk]
name = "Support Informatique"
address = "helpdesk@corp.example"
tag = "HD"
database = "deskd.db"
language = "fr"
timezone = "Europe/Paris"
secret_file = "deskd.secret"

[imap]
address = "127.0.0.1:1143"
security = "none"
username = "helpdesk"
password = "secret"
mailbox = "INBOX"
done_mailbox = ""
poll_interval = "1m"

[smtp]
address = "127.0.0.1:1025"
security = "none"
username = ""
password = ""

[[technician]]
name = "Alice Martin"
email = "alice@corp.example"
skills = ["network", "hardware"]
tier = 1

[[technician]]
name = "Bob Smith"
email = "bob@corp.example"
skills = ["accounts", "software", "hardware"]
tier = 1
language = "en"

[[technician]]
name = "Chloé Dubois"
email = "chloe@corp.example"
skills = ["network", "hardware", "accounts", "software"]
tier = 2

[[technician]]
name = "Dev Patel"
email = "dev@corp.example"
skills = ["network", "software"]
tier = 3
language = "en"

[[coordinator]]
name = "Nadia Benali"
email = "nadia@corp.example"

[[category]]
name = "network"
keywords = ["vpn", "wifi", "wi-fi", "réseau", "network", "internet"]
ask = ["Which building and room are you in?"]

[[category]]
name = "hardware"
keywords = ["printer", "imprimante", "screen", "écran", "laptop", "keyboard", "clavier"]

[[category]]
name = "accounts"
keywords = ["password", "mot de passe", "login", "account", "compte"]

[[category]]
name = "software"
keywords = ["excel", "outlook", "install", "installer", "logiciel", "software"]

[sla.urgent]
first_response = "30m"
resolve = "4h"

[calendar]
always = true

[schedule]
escalation = "@every 1m"
digest = "0 8 * * 1-5"
`

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
	store, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "deskd.db"))
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
			Phrase map[string]string `toml:"phrase"`
		}
		if err := toml.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		for code, text := range c.Phrase {
			w[lang+"/"+code] = template.Must(template.New(code).Option("missingkey=error").Parse(text))
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
	if t == nil || t.Execute(&b, p.Args) != nil {
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
