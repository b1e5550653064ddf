package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoLeavesItsWebAddress: the deskd.toml the demo leaves names the port its web desk
// listened on, which its output printed, not "127.0.0.1:0": the CLI run on the demo's desk
// builds its mails' links from it (review finding F4).
func TestDemoLeavesItsWebAddress(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errs := cli(t, "demo", "--exit", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	m := regexp.MustCompile(`web desk (http://127\.0\.0\.1:(\d+))`).FindStringSubmatch(out)
	if m == nil || m[2] == "0" {
		t.Fatalf("the demo printed no web desk address:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "deskd.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	web := text[strings.Index(text, "\n[web]"):]
	if !strings.Contains(web, `address = "127.0.0.1:`+m[2]+`"`) || strings.Contains(text, "127.0.0.1:0\"") {
		t.Fatalf("the demo's deskd.toml does not name %s:\n%s", m[1], text)
	}
}
