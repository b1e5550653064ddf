package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// TestReloadWholeOrNothing: a reload (SIGHUP) checks the whole new configuration first — its keys,
// the password file it names, its templates — and changes nothing when any of it is wrong; a good
// one switches the desk, the sender and the schedule over together. database and secret_file
// take effect only at start: the reload names them in the log and keeps them.
func TestReloadWholeOrNothing(t *testing.T) {
	ctx := context.Background()
	path := cliConfig(t)
	dir := filepath.Dir(path)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil)), serving)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	running, err := a.schedule(ctx, cfg) // As serve does.
	if err != nil {
		t.Fatal(err)
	}
	a.cron = running
	running.Start()

	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(pairs ...string) []byte {
		b := bytes.Replace(good, []byte(`name = "Support Informatique"`), []byte(`name = "Service Desk"`), 1)
		for i := 0; i < len(pairs); i += 2 {
			if !bytes.Contains(b, []byte(pairs[i])) {
				t.Fatalf("the test configuration has no %q", pairs[i])
			}
			b = bytes.Replace(b, []byte(pairs[i]), []byte(pairs[i+1]), 1)
		}
		return b
	}
	if err := os.MkdirAll(filepath.Join(dir, "tpl", "fr"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tpl", "fr", "ack.txt"), []byte("Bonjour {{.Ticket.Nope}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtp := `[smtp]
address = "127.0.0.1:1"`
	withPasswordFile := config.SetKey(config.SetKey(string(edit()), "smtp", "username", `"desk"`), "smtp", "password_file", `"nope"`)
	for _, tt := range []struct {
		name string
		file []byte
		want string
	}{
		{"unknown key", append(edit(), "\n[bogus]\nx = 1\n"...), "bogus"},
		{"password file missing", []byte(withPasswordFile), "smtp.password_file"},
		{"broken template", edit(`tag = "HD"`, "tag = \"HD\"\ntemplates = \"tpl\""), "ack.txt"},
	} {
		if err := os.WriteFile(path, tt.file, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := a.Reload(ctx); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("%s: reload error %v, want it to name %q", tt.name, err, tt.want)
		}
		if a.config() != cfg || a.desk.Config() != &cfg.Desk || a.cron != running {
			t.Fatalf("%s: a broken file changed something", tt.name)
		}
	}

	next := edit(smtp, "[smtp]\naddress = \"127.0.0.1:2\"", `digest = "0 8 * * 1-5"`, `digest = "0 9 * * 1-5"`,
		regexp.MustCompile(`(?m)^database = .*$`).FindString(string(good)), `database = "elsewhere.db"`)
	if err := os.WriteFile(path, next, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	now := a.config()
	if a.desk.Config() != &now.Desk || a.desk.Config().Desk.Name != "Service Desk" {
		t.Fatalf("the desk is %q", a.desk.Config().Desk.Name)
	}
	if now.Schedule.Digest != "0 9 * * 1-5" || a.cron == running {
		t.Fatalf("schedule %q, replaced %v", now.Schedule.Digest, a.cron != running)
	}
	if err := a.out.Check(ctx); err == nil || !strings.Contains(err.Error(), "127.0.0.1:2") {
		t.Fatalf("the sender still uses the old server: %v", err)
	}
	if now.Database != cfg.Database || !strings.Contains(logs.String(), "desk.database") {
		t.Fatalf("database %s (was %s); log:\n%s", now.Database, cfg.Database, logs.String())
	}
}
