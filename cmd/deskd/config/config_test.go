package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestContractExampleLoads(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Parse(filepath.Join(dir, "deskd.toml"), []byte(testConfigTOML))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != filepath.Join(dir, "deskd.db") {
		t.Errorf("database path %q not resolved against the config's directory", cfg.Database)
	}
	if got := cfg.Desk.SLA["urgent"].Resolve.Time; got != 4*time.Hour {
		t.Errorf("urgent resolve = %v", got)
	}
	if got := cfg.Desk.SLA["normal"].FirstResponse.Time; got != 4*time.Hour {
		t.Errorf("normal first response default = %v", got)
	}
	if cfg.Desk.Escalation.MaxTier != 3 {
		t.Errorf("max tier = %d, want 3 from the team", cfg.Desk.Escalation.MaxTier)
	}
	if te, _ := cfg.Desk.Technician("ALICE@corp.example"); te.Language != "fr" {
		t.Errorf("technician language default = %q", te.Language)
	}
}

func TestConfigErrors(t *testing.T) {
	base := testConfigTOML
	tests := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"unknown key", func(s string) string {
			return strings.Replace(s, "tag = \"HD\"", "tag = \"HD\"\ncolour = \"blue\"", 1)
		}, fmt.Sprintf(`deskd.toml:%d: unknown key "desk.colour"`, 1+strings.Count(testConfigTOML[:strings.Index(testConfigTOML, "tag = ")], "\n")+1)},
		{"unknown key in technician", func(s string) string {
			return strings.Replace(s, "tier = 2", "tier = 2\nskillz = []", 1)
		}, `unknown key "technician.skillz"`},
		{"technician without skills", func(s string) string {
			return strings.Replace(s, `skills = ["accounts", "software"]`, `skills = []`, 1)
		}, `technician "Bob Smith" has no skills`},
		{"sla does not parse", func(s string) string {
			return strings.Replace(s, `resolve = "4h"`, `resolve = "four hours"`, 1)
		}, `invalid duration "four hours"`},
		{"category twice", func(s string) string {
			return strings.Replace(s, `name = "software"`, `name = "network"`, 1)
		}, `category "network" is defined twice`},
		{"bad language", func(s string) string {
			return strings.Replace(s, `language = "fr"`, `language = "de"`, 1)
		}, `desk.language "de": use "en" or "fr"`},
		{"bad security", func(s string) string {
			return strings.Replace(s, `security = "none"`, `security = "ssl"`, 1)
		}, `imap.security "ssl": use none, starttls or tls`},
		{"bad timezone", func(s string) string {
			return strings.Replace(s, `timezone = "Europe/Paris"`, `timezone = "Mars/Olympus"`, 1)
		}, `unknown time zone`},
		{"first response longer than resolve", func(s string) string {
			return strings.Replace(s, `first_response = "30m"`, `first_response = "5h"`, 1)
		}, `sla.urgent: first_response 5h0m0s is longer than resolve 4h0m0s`},
		{"two passwords", func(s string) string {
			return strings.Replace(s, `password_env = ""`, `password_env = "X"`, 1)
		}, `imap: set only one of password, password_env, password_file`},
		{"missing address", func(s string) string {
			return strings.Replace(s, `address = "helpdesk@corp.example"`, ``, 1)
		}, `desk.address is required`},
		{"bad tier", func(s string) string { return strings.Replace(s, "tier = 3", "tier = 4", 1) },
			`technician "Dev Patel": tier 4: use 1, 2 or 3`},
		{"not toml", func(s string) string { return s + "\n[[[" }, `deskd.toml:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("deskd.toml", []byte(tt.edit(base)))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestConfigErrorLine(t *testing.T) {
	s := strings.Replace(testConfigTOML, `skills = ["accounts", "software"]`, `skills = []`, 1)
	_, err := Parse("deskd.toml", []byte(s))
	ce, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T %v, want *Error", err, err)
	}
	lines := strings.Split(s, "\n")
	if ce.Line < 1 || !strings.Contains(lines[ce.Line-1], "skills = []") {
		t.Fatalf("line %d, want the line of Bob's skills", ce.Line)
	}
}

func TestPasswordSources(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "pw")
	if err := os.WriteFile(pf, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DESKD_TEST_PW", "from-env")
	for _, tt := range []struct{ plain, env, file, want string }{
		{"plain", "", "", "plain"}, {"", "DESKD_TEST_PW", "", "from-env"}, {"", "", pf, "from-file"},
	} {
		got, err := Password(tt.plain, tt.env, tt.file)
		if err != nil || got != tt.want {
			t.Errorf("Password(%q,%q,%q) = %q, %v", tt.plain, tt.env, tt.file, got, err)
		}
	}
	if _, err := Password("", "DESKD_TEST_UNSET_VAR", ""); err == nil || !strings.Contains(err.Error(), "DESKD_TEST_UNSET_VAR is not set") {
		t.Errorf("unset env: %v", err)
	}
}

func TestSecretFileCreated0600(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deskd.secret")
	k1, err := LoadSecret(p)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadSecret(p)
	if err != nil || string(k1) != string(k2) || len(k1) != 32 {
		t.Errorf("secret not stable: %x vs %x (%v)", k1, k2, err)
	}
}

func TestSkillWithoutCategoryIsAWarning(t *testing.T) {
	cfg, err := Parse("deskd.toml", []byte(strings.Replace(testConfigTOML, `skills = ["network", "software", "accounts", "hardware"]`, `skills = ["network", "printers"]`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != `technician "Dev Patel": skill "printers" is not a category` {
		t.Fatalf("warnings %q", cfg.Warnings)
	}
}

// contractExample is the configuration example of CONTRACT.md, verbatim: it must load as written.
const contractExample = `[desk]
name = "Support Informatique"
address = "helpdesk@corp.example"   # requesters write here; replies come back here
tag = "HD"                          # subject tag: [HD #42]
database = "deskd.db"
language = "fr"                     # default language of outgoing mail: "fr" or "en"
timezone = "Europe/Paris"
secret_file = "deskd.secret"        # HMAC key for reply tokens; created (0600) if missing

[imap]
address = "127.0.0.1:1143"
security = "none"                   # none | starttls | tls
username = "helpdesk"
password = "secret"                 # or password_env = "NAME", or password_file = "PATH"
mailbox = "INBOX"
done_mailbox = ""                   # "": flag \Seen after processing; else MOVE there
poll_interval = "1m"

[smtp]
address = "127.0.0.1:1025"
security = "none"                   # none | starttls | tls
username = ""
password = ""

[[technician]]
name = "Alice Martin"
email = "alice@corp.example"
skills = ["network", "hardware"]
tier = 1                            # 1 first line, 2 specialist, 3 expert

[[coordinator]]
name = "Nadia Benali"
email = "nadia@corp.example"

[[category]]
name = "network"
keywords = ["vpn", "wifi", "wi-fi", "réseau", "network", "internet"]
ask = ["Which building and room are you in?"]   # questions the acknowledgement asks

[sla.urgent]
first_response = "30m"
resolve = "4h"
# likewise [sla.high], [sla.normal], [sla.low]

[schedule]
escalation = "@every 1m"
digest = "0 8 * * 1-5"
`

func TestContractExampleLoadsAsWritten(t *testing.T) {
	examples := map[string]string{"copy in this test": contractExample}
	// The contract itself, when it is beside the repository.
	contract := os.Getenv("DESKD_CONTRACT")
	if contract == "" {
		contract = filepath.Join("..", "..", "..", "..", "shared", "CONTRACT.md")
	}
	if b, err := os.ReadFile(contract); err == nil {
		s := string(b)
		if i := strings.Index(s, "```toml\n"); i >= 0 {
			s = s[i+len("```toml\n"):]
			if j := strings.Index(s, "```"); j >= 0 {
				examples[contract] = s[:j]
			}
		}
	}
	for name, ex := range examples {
		cfg, err := Parse(filepath.Join(t.TempDir(), "deskd.toml"), []byte(ex))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Desk.Desk.Address != "helpdesk@corp.example" || len(cfg.Desk.Technicians) != 1 || cfg.Desk.SLA["urgent"].FirstResponse.Time != 30*time.Minute {
			t.Fatalf("%s: loaded %+v", name, cfg.Desk.Desk)
		}
	}
	if len(examples) < 2 {
		t.Log("CONTRACT.md not found beside the repository: checked the copy only")
	}
}

// testConfigTOML is the sample desk on local servers.
var testConfigTOML = Local(Sample(), "127.0.0.1:1143", "secret", "127.0.0.1:1025")

// TestLanguagesAreTheTemplates: a language key may name any language the templates have — the
// built-in ones, and a folder with a words.toml in the templates directory.
func TestLanguagesAreTheTemplates(t *testing.T) {
	german := strings.Replace(testConfigTOML, `language = "fr"`, `language = "de"`, 1)
	if _, err := Parse("deskd.toml", []byte(german)); err == nil || !strings.Contains(err.Error(), `desk.language "de": use "en" or "fr"`) {
		t.Fatalf("German without its templates: %v", err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "templates", "testdata", "third-language"))
	if err != nil {
		t.Fatal(err)
	}
	withDir := strings.Replace(german, `tag = "HD"`, "tag = \"HD\"\ntemplates = "+fmt.Sprintf("%q", dir), 1)
	cfg, err := Parse("deskd.toml", []byte(withDir))
	if err != nil {
		t.Fatal(err)
	}
	if te, _ := cfg.Desk.Technician("alice@corp.example"); cfg.Desk.Desk.Language != "de" || te.Language != "de" {
		t.Fatalf("desk %q, Alice %q", cfg.Desk.Desk.Language, te.Language)
	}
}
