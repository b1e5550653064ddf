package mailout

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
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// countingBox is a memOutbox that counts the retries (attempts) and the releases (no attempt).
type countingBox struct {
	*memOutbox
	mu                sync.Mutex
	retries, releases int
}

func (b *countingBox) Retry(ctx context.Context, id int64, now, next time.Time, errText string) error {
	b.mu.Lock()
	b.retries++
	b.mu.Unlock()
	return b.memOutbox.Retry(ctx, id, now, next, errText)
}

func (b *countingBox) Release(ctx context.Context, ids []int64, at time.Time) error {
	b.mu.Lock()
	b.releases += len(ids)
	b.mu.Unlock()
	return b.memOutbox.Release(ctx, ids, at)
}

// lockedLog is a slog output the test reads.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestOAuthSend sends the outbox to an SMTP server that takes only OAuth2 tokens the identity
// provider says are active: XOAUTH2 and OAUTHBEARER log in; a token refused before its expiry is
// replaced in the same drain; a revoked login keeps the mail queued, its attempts not counted,
// without asking the provider again at each drain, until a new login sends it.
func TestOAuthSend(t *testing.T) {
	const user = "helpdesk@corp.example"
	idp := oauthtest.Start(t)
	idp.AddClient("deskd-test", "", "")
	srv := oauthtest.StartSMTP(t, idp)
	cfg := &oauth.Config{
		Provider: oauth.Custom, ClientID: "deskd-test", Scopes: []string{"mail", "offline_access", "openid"},
		TokenEndpoint: idp.URL + "/token", DeviceAuthorizationEndpoint: idp.URL + "/device",
	}
	cfg.SetDefaults(t.TempDir(), "")
	oauthtest.DeviceLogin(t, idp, cfg, user)
	var logs lockedLog
	src, err := oauth.NewSource(cfg, oauth.Options{Now: idp.Now, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}

	ack := templates.Samples(tickets.KindAck, "fr")[0]
	desk := tickets.DefaultConfig().Desk
	desk.Name, desk.Address = "Support Informatique", user
	sender := func(auth string, n int) (*Sender, *countingBox) {
		var mails []tickets.OutboxMail
		for i := range n {
			mails = append(mails, tickets.OutboxMail{Kind: tickets.KindAck, To: []string{"celine@corp.example"}, Language: "fr",
				Notice: ack, MessageID: "dk.oauth." + auth + "." + string(rune('a'+i)) + "." + t.Name(), CreatedAt: t0})
		}
		box := &countingBox{memOutbox: newMemOutbox(mails...)}
		smtp := DefaultConfig()
		smtp.Address, smtp.Auth = srv.Addr, auth // No username: the account signed in.
		s, err := New(smtp, desk, box, tickets.NewSigner([]byte("0123456789abcdef0123456789abcdef")), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.SetTokens(src)
		return s, box
	}
	lastAuths := func(n int) []oauthtest.Auth {
		a := srv.Auths()
		return a[max(0, len(a)-n):]
	}

	for _, auth := range []string{AuthXOAuth2, AuthOAuthBearer} {
		mech := strings.ToUpper(auth)
		s, _ := sender(auth, 1)
		if err := s.Check(context.Background()); err != nil {
			t.Fatalf("%s: Check: %v", auth, err)
		}
		if n, err := s.Drain(context.Background(), t0); err != nil || n != 1 {
			t.Fatalf("%s: sent %d, %v; want 1", auth, n, err)
		}
		if a := lastAuths(1); a[0] != (oauthtest.Auth{Mech: mech, User: user, OK: true}) {
			t.Errorf("%s: login %+v, want %s as %s accepted", auth, a[0], mech, user)
		}
		if m := srv.Mails(); m[len(m)-1].User != user {
			t.Errorf("%s: mail sent by %q, want %s", auth, m[len(m)-1].User, user)
		}

		// The server refuses the token before its expiry: the drain gets a new one and sends.
		tok, err := src.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		idp.RevokeAccess(tok)
		s, _ = sender(auth, 1)
		if n, err := s.Drain(context.Background(), t0); err != nil || n != 1 {
			t.Fatalf("%s with a refused token: sent %d, %v; want 1", auth, n, err)
		}
		if a := lastAuths(2); a[0].OK || !a[1].OK {
			t.Errorf("%s with a refused token: logins %+v, want a refusal then a success", auth, a)
		}
	}

	// The login is revoked: nothing is sent, nothing is lost, no attempt is counted.
	idp.RevokeUser(user)
	s, box := sender(AuthXOAuth2, 2)
	var refreshes int
	for i := range 3 {
		n, err := s.Drain(context.Background(), t0)
		if n != 0 || !errors.Is(err, oauth.ErrLoginRequired) || !strings.Contains(err.Error(), "run deskd oauth login") {
			t.Fatalf("drain %d after revocation: sent %d, %v; want 0 and an error saying to run deskd oauth login", i, n, err)
		}
		if i == 0 {
			refreshes = idp.Count(oauthtest.GrantRefreshToken)
		} else if c := idp.Count(oauthtest.GrantRefreshToken); c != refreshes {
			t.Errorf("drain %d after revocation asked the provider again (%d refreshes, then %d)", i, refreshes, c)
		}
	}
	if box.retries != 0 || box.releases != 6 || box.state[1] != tickets.OutboxPending || box.state[2] != tickets.OutboxPending {
		t.Errorf("after 3 drains: %d retries, %d releases, states %v; want 0, 6 and both pending", box.retries, box.releases, box.state)
	}
	if n := strings.Count(logs.String(), "oauth2 needs a person"); n != 1 {
		t.Errorf("the revoked login logged %d times, want once:\n%s", n, logs.String())
	}
	err = s.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "run deskd oauth login") {
		t.Errorf("Check after revocation: %v; want the fix named", err)
	}

	// A new login, and the same sender sends what waited.
	oauthtest.DeviceLogin(t, idp, cfg, user)
	if n, err := s.Drain(context.Background(), t0); err != nil || n != 2 {
		t.Fatalf("after a new login: sent %d, %v; want 2", n, err)
	}
}

// TestOAuthNotSignedIn: before any login, with no username anywhere, the drain says to run
// deskd oauth login (not to set a username) and the mail waits, its attempt not counted.
func TestOAuthNotSignedIn(t *testing.T) {
	cfg := &oauth.Config{Provider: oauth.Custom, ClientID: "deskd-test", Scopes: []string{"mail"},
		TokenEndpoint: "http://127.0.0.1:1/token", DeviceAuthorizationEndpoint: "http://127.0.0.1:1/device"}
	cfg.SetDefaults(t.TempDir(), "")
	src, err := oauth.NewSource(cfg, oauth.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	box := &countingBox{memOutbox: newMemOutbox(tickets.OutboxMail{Kind: tickets.KindAck, To: []string{"celine@corp.example"},
		Language: "fr", Notice: templates.Samples(tickets.KindAck, "fr")[0], MessageID: "dk.nologin", CreatedAt: t0})}
	smtp := DefaultConfig()
	smtp.Address, smtp.Auth = "127.0.0.1:1", AuthXOAuth2
	desk := tickets.DefaultConfig().Desk
	desk.Name, desk.Address = "Support Informatique", "helpdesk@corp.example"
	s, err := New(smtp, desk, box, tickets.NewSigner([]byte("0123456789abcdef0123456789abcdef")), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetTokens(src)
	n, err := s.Drain(context.Background(), t0)
	if n != 0 || !errors.Is(err, oauth.ErrLoginRequired) || strings.Contains(err.Error(), "username") {
		t.Fatalf("drain before any login: sent %d, %v; want the login asked for", n, err)
	}
	if box.retries != 0 || box.releases != 1 {
		t.Errorf("%d retries, %d releases; want 0 and 1", box.retries, box.releases)
	}
}
