package config

import (
	"os"
	"strings"
	"testing"
)

// TestSMTPWithoutLoginNeedsNoPassword: a server that takes the desk's mail without login
// (username = "") needs no password, even when password_env names a variable that is not set;
// with a username, the password must be readable.
func TestSMTPWithoutLoginNeedsNoPassword(t *testing.T) {
	os.Unsetenv("DESKD_TEST_UNSET_SMTP_PASSWORD")
	text := SetKey(Sample(), "imap", "password_env", `"DESKD_TEST_UNSET_IMAP_PASSWORD"`)
	text = SetKey(text, "smtp", "password_env", `"DESKD_TEST_UNSET_SMTP_PASSWORD"`)
	withLogin, err := Parse("deskd.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := withLogin.ReadSMTPPassword(); err == nil || !strings.Contains(err.Error(), "smtp.password_env: environment variable DESKD_TEST_UNSET_SMTP_PASSWORD is not set") {
		t.Errorf("smtp with a username and no password: %v", err)
	}
	noLogin, err := Parse("deskd.toml", []byte(SetKey(text, "smtp", "username", `""`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := noLogin.ReadSMTPPassword(); err != nil {
		t.Errorf("smtp without login: %v", err)
	}
	if err := noLogin.ReadIMAPPassword(); err == nil || !strings.Contains(err.Error(), "imap.password_env") {
		t.Errorf("imap without its password: %v", err)
	}
}
