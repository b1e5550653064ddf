package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskd/deskd/oauth"
)

// microsoft365 is the sample desk set up for Microsoft 365, as the README shows.
func microsoft365() string {
	s := testConfigTOML
	for _, kv := range [][3]string{
		{"imap", "auth", `"xoauth2"`}, {"imap", "password", `""`},
		{"smtp", "auth", `"xoauth2"`},
		{"oauth2", "provider", `"microsoft"`},
		{"oauth2", "client_id", `"11111111-1111-1111-1111-111111111111"`},
		{"oauth2", "username", `"helpdesk@corp.example"`},
	} {
		s = SetKey(s, kv[0], kv[1], kv[2])
	}
	return s
}

// TestOAuth2Section: [oauth2] is read with its defaults, relative paths taken from the file's
// folder and the token file put beside the database; auth = "xoauth2" without it, a bad key in
// it, or an [oauth2] nothing uses, are said with the key and its line.
func TestOAuth2Section(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Parse(filepath.Join(dir, "deskd.toml"), []byte(SetKey(microsoft365(), "desk", "database", `"data/deskd.db"`)))
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.OAuth2
	if o == nil || o.Provider != oauth.Microsoft || o.Flow != oauth.FlowDevice || o.Tenant != "organizations" ||
		o.TokenFile != filepath.Join(dir, "data", oauth.DefaultTokenFile) || !slices.Contains(o.Scopes, "https://outlook.office.com/IMAP.AccessAsUser.All") {
		t.Fatalf("[oauth2] read as %+v", o)
	}
	if cfg.IMAP.Auth != "xoauth2" || cfg.SMTP.Auth != "xoauth2" || len(cfg.Warnings) != 0 {
		t.Fatalf("imap.auth %q, smtp.auth %q, warnings %q", cfg.IMAP.Auth, cfg.SMTP.Auth, cfg.Warnings)
	}
	rel, err := Parse(filepath.Join(dir, "deskd.toml"), []byte(SetKey(microsoft365(), "oauth2", "token_file", `"state/tokens.json"`)))
	if err != nil || rel.OAuth2.TokenFile != filepath.Join(dir, "state", "tokens.json") {
		t.Fatalf("relative token_file: %+v, %v", rel.OAuth2, err)
	}

	plain, err := Parse("deskd.toml", []byte(testConfigTOML))
	if err != nil || plain.OAuth2 != nil || plain.IMAP.Auth != "password" || plain.SMTP.Auth != "password" {
		t.Fatalf("a file without [oauth2]: %+v, imap.auth %q, smtp.auth %q, %v", plain.OAuth2, plain.IMAP.Auth, plain.SMTP.Auth, err)
	}
	unused, err := Parse("deskd.toml", []byte(SetKey(SetKey(microsoft365(), "imap", "auth", `"password"`), "smtp", "auth", `"password"`)))
	if err != nil || len(unused.Warnings) != 1 || !strings.Contains(unused.Warnings[0], "[oauth2] is set, but") {
		t.Fatalf("an unused [oauth2]: warnings %q, %v", unused.Warnings, err)
	}

	for _, tt := range []struct {
		name, text, want, line string // line: the text of the line the error names.
	}{
		{"auth without [oauth2]", SetKey(testConfigTOML, "smtp", "auth", `"oauthbearer"`),
			`smtp.auth "oauthbearer" needs an [oauth2] section`, `auth = "oauthbearer"`},
		{"unknown auth", SetKey(microsoft365(), "imap", "auth", `"kerberos"`),
			`imap.auth "kerberos": use password, xoauth2 or oauthbearer`, `auth = "kerberos"`},
		{"unknown provider", SetKey(microsoft365(), "oauth2", "provider", `"yahoo"`),
			`oauth2.provider "yahoo": use "microsoft", "google" or "custom"`, `provider = "yahoo"`},
		{"google with the device flow", SetKey(SetKey(microsoft365(), "oauth2", "provider", `"google"`), "oauth2", "flow", `"device"`),
			`Google does not allow its mail scope in the device flow`, `flow = "device"`},
		{"unknown key", SetKey(microsoft365(), "oauth2", "secret", `"x"`), `unknown key "oauth2.secret"`, `secret = "x"`},
		{"missing secret file", SetKey(microsoft365(), "oauth2", "client_secret_file", `"nowhere/secret"`),
			`oauth2.client_secret_file: stat`, `client_secret_file = "nowhere/secret"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("deskd.toml", []byte(tt.text))
			ce, ok := err.(*Error)
			if !ok || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a *Error with %q", err, tt.want)
			}
			lines := strings.Split(tt.text, "\n")
			if ce.Line < 1 || !strings.Contains(lines[ce.Line-1], tt.line) {
				t.Fatalf("error at line %d, want the line %q", ce.Line, tt.line)
			}
		})
	}
}
