package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// TestConfigBeforeOrAfterCommand: --config is accepted before the command's name as after it.
func TestConfigBeforeOrAfterCommand(t *testing.T) {
	path := cliConfig(t)
	seed(t, path)
	t.Setenv("DESKD_CONFIG", filepath.Join(t.TempDir(), "absent.toml")) // Only --config can find the file.
	for _, args := range [][]string{
		{"--config", path, "ticket", "list"},
		{"--config=" + path, "ticket", "list"},
		{"-v", "--config", path, "ticket", "list"},
		{"ticket", "list", "--config", path},
	} {
		code, out, stderr := cli(t, args...)
		if code != 0 || !strings.Contains(out, "Le VPN ne se connecte plus") {
			t.Errorf("deskd %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, stderr)
		}
	}
	if code, out, _ := cli(t, "--config", path, "ticket", "show", "1", "--json"); code != 0 || !strings.Contains(out, `"id": 1`) {
		t.Errorf("--config before ticket show 1 --json: exit %d\n%s", code, out)
	}
	if code, _, stderr := cli(t, "--config", path); code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no command") {
		t.Errorf("--config and no command: exit %d, want 2 and one line on stderr (%q)", code, stderr)
	}
	if code, _, stderr := cli(t, "--bogus", "ticket", "list"); code != 2 || !strings.Contains(stderr, `unknown command "--bogus"`) {
		t.Errorf("an unknown flag before the command: exit %d, %q", code, stderr)
	}
}

// TestTicketShowInDeskTimeZone: `ticket show` prints times in the desk's zone, naming it, whatever
// the machine's zone.
func TestTicketShowInDeskTimeZone(t *testing.T) {
	path := cliConfig(t) // The sample desk: Europe/Paris.
	seed(t, path)
	_, js, _ := cli(t, "ticket", "show", "1", "--json", "--config", path)
	var tk tickets.TicketJSON
	if err := json.Unmarshal([]byte(js), &tk); err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	created := tk.CreatedAt.In(paris).Format("2006-01-02 15:04 MST")
	code, out, _ := cli(t, "ticket", "show", "1", "--config", path)
	if code != 0 || !strings.Contains(out, "created "+created) {
		t.Fatalf("ticket show: exit %d, want \"created %s\" in\n%s", code, created, out)
	}
	if !strings.Contains(out, "  "+created+" message") {
		t.Errorf("the history's times are not in the desk's zone (%s):\n%s", created, out)
	}
	if z := created[len(created)-4:]; z != " CET" && !strings.HasSuffix(created, "CEST") {
		t.Errorf("zone shown as %q, want CET or CEST", created)
	}
}

// TestCoordinatorActionsNeedNoIMAPPassword: a coordinator's action queues mail and tries to send
// it; an IMAP password that cannot be read does not stop it, an SMTP password that cannot be read
// leaves the mail queued. serve and poll, which read the inbox, refuse to start without it.
func TestCoordinatorActionsNeedNoIMAPPassword(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deskd.toml")
	text := config.Local(config.Sample(), "127.0.0.1:1", "", "127.0.0.1:1")
	text = config.SetKey(text, "imap", "password", `""`)
	text = config.SetKey(text, "imap", "password_file", `"/nonexistent/imap.password"`)
	text = config.SetKey(text, "smtp", "username", `"helpdesk"`)
	text = config.SetKey(text, "smtp", "password_env", `"DESKD_TEST_NO_SUCH_VARIABLE"`)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("DESKD_TEST_NO_SUCH_VARIABLE")
	seed(t, path)
	for _, args := range [][]string{
		{"ticket", "note", "1", "called the user"},
		{"ticket", "assign", "1", "chloe@corp.example"},
		{"ticket", "resolve", "1", "--note", "Profil VPN réinstallé."},
		{"ticket", "reopen", "1"},
		{"ticket", "open", "--from", "paul@corp.example", "--subject", "Imprimante", "Bourrage papier."},
	} {
		code, out, stderr := cli(t, append(args, "--config", path)...)
		if code != 0 {
			t.Errorf("deskd %s: exit %d, want 0; stderr %q", strings.Join(args, " "), code, stderr)
			continue
		}
		if args[1] == "reopen" { // It mails nobody.
			continue
		}
		if strings.Contains(out, "imap") || !strings.Contains(out, "mail queued; not sent now (") || !strings.Contains(out, "smtp.password_env") {
			t.Errorf("deskd %s: want the mail queued because of smtp.password_env, nothing about IMAP; got %q", strings.Join(args, " "), out)
		}
	}
	if code, out, _ := cli(t, "run", "digest", "--config", path); code != 0 || !strings.Contains(out, "digest: done; mail queued") {
		t.Errorf("run digest: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"serve"}, {"poll", "--once"}} {
		code, _, stderr := cli(t, append(args, "--config", path)...)
		if code != 1 || !strings.Contains(stderr, "imap.password_file") {
			t.Errorf("deskd %s with an unreadable IMAP password: exit %d, want 1 naming imap.password_file; stderr %q", args[0], code, stderr)
		}
	}
}

// TestVersionAndCounts: the version line has no stray space; counts agree with their number.
func TestVersionAndCounts(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "deskd ") || strings.Contains(out, " ,") || strings.Contains(out, "  ") || strings.Contains(out, "( ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	path := cliConfig(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	one := strings.Replace(string(b), "[[coordinator]]\nname = \"Sam Taylor\"\nemail = \"sam@corp.example\"\nlanguage = \"en\"\n", "", 1)
	if one == string(b) {
		t.Fatal("the sample's second coordinator is not where the test expects it")
	}
	if err := os.WriteFile(path, []byte(one), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ = cli(t, "check", "--config", path)
	if !strings.Contains(out, "(4 technicians, 1 coordinator, 4 categories)") {
		t.Errorf("check: %q", out)
	}
}
