package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// TestCheckCreatesNothing: deskd check on a configuration whose database (and its folder) and
// secret file do not exist says so, and what serve would create, and creates none of them; a
// database whose secret file is gone fails the check (serve would make a new secret); a secret
// without its database (a mistyped path) is pointed out.
func TestCheckCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deskd.toml")
	text := config.SetKey(config.Local(config.Sample(), "127.0.0.1:1", "x", "127.0.0.1:1"), "desk", "database", `"nodir/desk.db"`)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	db, secret := filepath.Join(dir, "nodir", "desk.db"), filepath.Join(dir, "deskd.secret")
	_, out, _ := cli(t, "check", "--config", path)
	for _, want := range []string{"database " + db + ": does not exist (deskd serve would create it, and its folder " + filepath.Dir(db) + "): a new, empty desk",
		"secret file " + secret + ": does not exist (deskd serve would create it)", "imap:", "smtp:"} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, ": ok (sqlite") {
		t.Errorf("a missing database called ok:\n%s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("check created files: %v", entries)
	}

	// The desk made by serve (here: a command that opens it), then its secret lost.
	seed(t, path)
	_, out, _ = cli(t, "check", "--config", path)
	if !strings.Contains(out, "database "+db+": ok (sqlite, schema ") {
		t.Errorf("check on the desk:\n%s", out)
	}
	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli(t, "check", "--config", path)
	if code != 1 || !strings.Contains(out, "secret file "+secret+": does not exist, but the database does") {
		t.Errorf("check without the secret: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(secret); err == nil {
		t.Error("check created the secret file")
	}

	// The secret back, the database's path mistyped.
	seed(t, path)
	typo := strings.Replace(text, `"nodir/desk.db"`, `"nodir/desk-typo.db"`, 1)
	if err := os.WriteFile(path, []byte(typo), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ = cli(t, "check", "--config", path)
	if !strings.Contains(out, "does not exist (deskd serve would create it): a new, empty desk") ||
		!strings.Contains(out, "warning: the secret file "+secret+" exists but the database does not") {
		t.Errorf("check with a mistyped database:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "nodir", "desk-typo.db")); err == nil {
		t.Error("check created the mistyped database")
	}
}
