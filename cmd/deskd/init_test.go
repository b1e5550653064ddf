package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// TestInitWritesALoadableConfig: `deskd init DIR` writes the commented sample with the flags'
// values; the file loads and `deskd check` gets past the configuration; a second init does not
// overwrite it, and a wrong flag writes nothing.
func TestInitWritesALoadableConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	code, out, errs := cli(t, "init", dir, "--address", "Help@Acme.example", "--language", "en",
		"--imap", "imap.acme.example:993", "--smtp", "smtp.acme.example:587")
	path := filepath.Join(dir, "deskd.toml")
	if code != 0 || !strings.Contains(out, "wrote "+path) {
		t.Fatalf("init: exit %d %q %q", code, out, errs)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Desk.Desk.Address != "help@acme.example" || cfg.Desk.Desk.Language != "en" || cfg.IMAP.Address != "imap.acme.example:993" ||
		cfg.SMTP.Address != "smtp.acme.example:587" || cfg.Database != filepath.Join(dir, "deskd.db") {
		t.Fatalf("loaded %+v / %+v / %+v", cfg.Desk.Desk, cfg.IMAP, cfg.SMTP)
	}
	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(written), `address = "Help@Acme.example"   # requesters write here`) || !strings.Contains(string(written), "# The team:") {
		t.Fatalf("the comments are gone:\n%s", written)
	}
	// check reads the file and opens the database; the servers do not exist.
	t.Setenv("DESKD_IMAP_PASSWORD", "x")
	t.Setenv("DESKD_SMTP_PASSWORD", "x")
	if _, out, _ := cli(t, "check", "--config", path); !strings.Contains(out, "config "+path+": ok (4 technicians, 2 coordinators, 4 categories)") {
		t.Fatalf("check: %s", out)
	}

	if code, _, errs := cli(t, "init", dir); code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second init: exit %d %q", code, errs)
	}
	if again, _ := os.ReadFile(path); string(again) != string(written) {
		t.Fatal("init overwrote the file")
	}
	other := filepath.Join(t.TempDir(), "bad")
	if code, _, errs := cli(t, "init", other, "--address", "not an address"); code != 1 || !strings.Contains(errs, "desk.address") {
		t.Fatalf("bad address: exit %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(other, "deskd.toml")); err == nil {
		t.Fatal("a wrong flag wrote a file")
	}
}
