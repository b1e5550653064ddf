package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSampleLoads: the sample configuration loads as it is, and once pointed at local servers.
func TestSampleLoads(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Parse(filepath.Join(dir, "deskd.toml"), []byte(Sample()))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Desk.Technicians) != 4 || len(cfg.Desk.Categories) != 4 || cfg.IMAP.Security != "tls" || cfg.Database != filepath.Join(dir, "deskd.db") {
		t.Fatalf("loaded %+v", cfg)
	}
	if len(cfg.Warnings) != 0 {
		t.Fatalf("warnings %q", cfg.Warnings)
	}
	local, err := Parse("deskd.toml", []byte(Local(Sample(), "127.0.0.1:1143", "pw", "127.0.0.1:1025")))
	if err != nil {
		t.Fatal(err)
	}
	if err := local.ReadPasswords(); err != nil || local.IMAP.Password != "pw" || local.IMAP.Address != "127.0.0.1:1143" ||
		local.SMTP.Username != "" || local.SMTP.Security != "none" {
		t.Fatalf("local: %+v %+v %v", local.IMAP, local.SMTP, err)
	}
}

func TestSetKey(t *testing.T) {
	text := "[desk]\nname = \"A\"   # the name\n# tag = \"HD\"\n\n[imap]\naddress = \"x\"\n"
	for _, tt := range []struct{ table, key, value, want string }{
		{"desk", "name", `"B"`, "name = \"B\"   # the name\n"},
		{"desk", "tag", `"T"`, "[desk]\ntag = \"T\"\nname"},
		{"imap", "address", `"y"`, "[imap]\naddress = \"y\"\n"},
		{"smtp", "address", `"z"`, "\n\n[smtp]\naddress = \"z\"\n"},
	} {
		got := SetKey(text, tt.table, tt.key, tt.value)
		if !strings.Contains(got, tt.want) {
			t.Errorf("SetKey(%s.%s):\n%s", tt.table, tt.key, got)
		}
	}
}
