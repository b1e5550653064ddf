package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// TestReloadTokenSource: a reload that leaves [oauth2] as it was keeps the token source (which
// remembers what it has logged), one that changes it gives the ingester and the sender a new
// one together, and one that removes it while auth still wants it is refused whole.
func TestReloadTokenSource(t *testing.T) {
	ctx := context.Background()
	path := cliConfig(t)
	plain, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	withOAuth := func(clientID string) []byte {
		s := string(plain)
		for _, kv := range [][3]string{
			{"imap", "auth", `"xoauth2"`}, {"smtp", "auth", `"xoauth2"`},
			{"oauth2", "provider", `"microsoft"`}, {"oauth2", "client_id", `"` + clientID + `"`},
		} {
			s = config.SetKey(s, kv[0], kv[1], kv[2])
		}
		return []byte(s)
	}
	if err := os.WriteFile(path, withOAuth("app-1"), 0o600); err != nil {
		t.Fatal(err)
	}
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
	first := a.tokens
	if first == nil || a.in.Settings().Tokens != first || a.out.Tokens() != first {
		t.Fatalf("newApp: tokens %v, ingester's %v, sender's %v; want one source shared", first, a.in.Settings().Tokens, a.out.Tokens())
	}

	// Another key changes: the same source.
	if err := os.WriteFile(path, bytes.Replace(withOAuth("app-1"), []byte(`tag = "HD"`), []byte(`tag = "IT"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if a.tokens != first || a.in.Settings().Tokens != first || a.out.Tokens() != first {
		t.Error("a reload with [oauth2] unchanged replaced the token source")
	}

	// [oauth2] changes: a new source for both.
	if err := os.WriteFile(path, withOAuth("app-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	second := a.tokens
	if second == first || a.in.Settings().Tokens != second || a.out.Tokens() != second {
		t.Error("a reload with another client_id kept the old token source, or gave the parts different ones")
	}

	// [oauth2] removed while auth wants it: refused, nothing changes.
	noSection := config.SetKey(config.SetKey(string(plain), "imap", "auth", `"xoauth2"`), "smtp", "auth", `"xoauth2"`)
	if err := os.WriteFile(path, []byte(noSection), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(ctx); err == nil || !strings.Contains(err.Error(), "needs an [oauth2] section") {
		t.Fatalf("reload without [oauth2]: %v", err)
	}
	if a.tokens != second || a.out.Tokens() != second {
		t.Error("a refused reload changed the token source")
	}
}
