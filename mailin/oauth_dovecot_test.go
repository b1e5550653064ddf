package mailin

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// countingTokens is a token source that counts the tokens handed out and the refusals.
type countingTokens struct {
	TokenSource
	mu              sync.Mutex
	tokens, refused int
}

func (c *countingTokens) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	c.tokens++
	c.mu.Unlock()
	return c.TokenSource.Token(ctx)
}

func (c *countingTokens) Refused(token string) {
	c.mu.Lock()
	c.refused++
	c.mu.Unlock()
	c.TokenSource.Refused(token)
}

func (c *countingTokens) counts() (tokens, refused int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokens, c.refused
}

// syncBuffer is a log output the test reads while the ingester writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDovecotOAuth2Ingester logs the ingester in to a Dovecot whose oauth2 passdb asks the test
// identity provider about each token, with XOAUTH2 and OAUTHBEARER: a token the server refuses
// before its expiry is replaced on the same connection; a revoked login makes Run wait for the
// next poll, quietly (the token source said it once), instead of backing off as after a crash;
// a new login lets it in without a restart. Skipped only without Dovecot or root.
func TestDovecotOAuth2Ingester(t *testing.T) {
	const user = "helpdesk@corp.example"
	idp := oauthtest.Start(t)
	idp.AddClient("deskd-test", "", "")
	dc := oauthtest.StartDovecot(t, idp, user)
	cfg := &oauth.Config{
		Provider: oauth.Custom, ClientID: "deskd-test", Scopes: []string{"mail", "offline_access", "openid"},
		TokenEndpoint: idp.URL + "/token", DeviceAuthorizationEndpoint: idp.URL + "/device",
	}
	cfg.SetDefaults(t.TempDir(), "")
	oauthtest.DeviceLogin(t, idp, cfg, user)
	var srcLog syncBuffer
	src, err := oauth.NewSource(cfg, oauth.Options{Now: idp.Now, Log: slog.New(slog.NewTextHandler(&srcLog, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	for _, auth := range []string{AuthXOAuth2, AuthOAuthBearer} {
		tokens := &countingTokens{TokenSource: src}
		d := newDesk(t, dc.Addr, "", 10)
		d.settings.IMAP.Auth, d.settings.IMAP.Username, d.settings.IMAP.Password = auth, "", ""
		d.settings.Tokens = tokens
		if err := d.ingester().Check(ctx); err != nil {
			t.Fatalf("%s: Check: %v\n%s", auth, err, dc.Log())
		}
		if n, r := tokens.counts(); n != 1 || r != 0 {
			t.Errorf("%s: Check took %d tokens, %d refused; want 1 and none", auth, n, r)
		}
		tok, err := src.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		idp.RevokeAccess(tok)
		if err := d.ingester().Check(ctx); err != nil {
			t.Fatalf("%s: Check with a refused token: %v\n%s", auth, err, dc.Log())
		}
		if n, r := tokens.counts(); n != 3 || r != 1 {
			t.Errorf("%s: after a refused token %d tokens, %d refused; want 3 and 1", auth, n, r)
		}
		if !strings.Contains(dc.Log(), "method="+strings.ToUpper(auth)) {
			t.Errorf("Dovecot logged no login with %s", strings.ToUpper(auth))
		}
	}

	// The login is revoked: Run waits for each poll, and logs nothing of it above debug.
	idp.RevokeUser(user)
	tokens := &countingTokens{TokenSource: src}
	d := newDesk(t, dc.Addr, "", 10)
	d.settings.IMAP.Auth, d.settings.IMAP.Username, d.settings.IMAP.Password = AuthXOAuth2, "", ""
	d.settings.IMAP.PollInterval.Duration = 300 * time.Millisecond
	d.settings.Tokens = tokens
	var runLog syncBuffer
	g := NewIngester(d.Desk, d.settings, slog.New(slog.NewTextHandler(&runLog, nil)))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	// It asks again at each poll (3 asks come within 10 s however loaded the machine), and no
	// more often than its interval allows: bounds from the time that actually passed, not a
	// fixed sleep, which a machine loaded by -race made flaky.
	start := time.Now()
	for n, _ := tokens.counts(); n < 3; n, _ = tokens.counts() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("Run asked for a token %d times in 10 s with a poll interval of 0.3 s; want it to look at each poll", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if n, _ := tokens.counts(); n > int(elapsed/(300*time.Millisecond))+2 {
		t.Errorf("Run asked for a token %d times in %v with a poll interval of 0.3 s; want at most one a poll", n, elapsed)
	}
	if strings.Contains(runLog.String(), "level=WARN") || strings.Contains(runLog.String(), "level=ERROR") {
		t.Errorf("Run logged the revoked login as a failure:\n%s", runLog.String())
	}
	if n := strings.Count(srcLog.String(), "oauth2 needs a person"); n != 1 {
		t.Errorf("the token source logged the revoked login %d times, want once:\n%s", n, srcLog.String())
	}
	var ae *oauth.AuthError
	if err := g.Check(context.Background()); !errors.As(err, &ae) || !strings.Contains(err.Error(), "run deskd oauth login") {
		t.Errorf("Check with the login revoked: %v; want an *oauth.AuthError naming the fix", err)
	}

	// A new login: the running ingester gets in at its next poll.
	oauthtest.DeviceLogin(t, idp, cfg, user)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(runLog.String(), "imap connected") {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not connect within 10 s of the new login:\n%s", runLog.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
