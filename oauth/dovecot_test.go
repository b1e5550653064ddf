package oauth_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// imapRefused says whether an error is the IMAP server's NO (to AUTHENTICATE).
func imapRefused(err error) bool {
	var e *imap.Error
	return errors.As(err, &e)
}

// imapSession is one IMAP connection logged in with a bearer token, and what the exchange
// showed.
type imapSession struct {
	c         *imapclient.Client
	attempts  int      // AUTHENTICATE commands sent.
	refusals  []string // The JSON errors the server sent.
	lastToken string
}

// imapLogin dials the server and logs in with the mechanism and a token from src, retrying
// once with a new token if the server refuses the first, as deskd's IMAP reader will.
func imapLogin(ctx context.Context, addr, mech string, src *oauth.Source) (*imapSession, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, err
	}
	s := &imapSession{c: c}
	err = oauth.Authenticate(ctx, src, imapRefused, func(token string) error {
		s.attempts++
		s.lastToken = token
		sc, err := oauth.NewBearerClient(mech, src.Username(), token, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		err = c.Authenticate(sc)
		if r := sc.Refusal(); r != "" {
			s.refusals = append(s.refusals, r)
		}
		return err
	})
	if err != nil {
		_ = c.Close()
		return s, err
	}
	return s, nil
}

// TestDovecotOAuth2 logs in to a real Dovecot whose oauth2 passdb asks the test IdP about each
// token, with XOAUTH2 and with OAUTHBEARER: a session outlives its token's expiry, the next
// connection gets a refreshed token (and the rotated refresh token is on disk), a token the
// server refuses before its expiry is replaced at once, and a revoked login is an error that
// names its fix, logged once however often deskd reconnects.
func TestDovecotOAuth2(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	idp.SetLifetimes(10*time.Minute, time.Hour)
	dc := oauthtest.StartDovecot(t, idp, mailbox)
	ctx := context.Background()

	for _, mech := range []string{oauth.MechXOAuth2, oauth.MechOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			cfg := customConfig(t, idp, oauth.FlowDevice)
			deviceLogin(t, idp, cfg, mailbox)
			var logs logBuffer
			src, err := oauth.NewSource(cfg, options(idp, &logs))
			if err != nil {
				t.Fatal(err)
			}
			refreshes := idp.Count(oauthtest.GrantRefreshToken)

			// The token from the login opens a session.
			s, err := imapLogin(ctx, dc.Addr, mech, src)
			if err != nil {
				t.Fatalf("login: %v\n%s", err, dc.Log())
			}
			if s.attempts != 1 || idp.Count(oauthtest.GrantRefreshToken) != refreshes {
				t.Errorf("first login: %d AUTHENTICATE, %d refreshes; want 1 and none (the login's token is fresh)",
					s.attempts, idp.Count(oauthtest.GrantRefreshToken)-refreshes)
			}
			if _, err := s.c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatalf("select: %v", err)
			}
			first := s.lastToken

			// The token expires mid-session: the session goes on (IMAP checks at login only).
			idp.Advance(11 * time.Minute)
			if _, _, ok := idp.Active(first); ok {
				t.Fatal("the IdP still says the first token is active after its lifetime")
			}
			if err := s.c.Noop().Wait(); err != nil {
				t.Errorf("NOOP after the token expired mid-session: %v", err)
			}
			if _, err := s.c.Select("INBOX", nil).Wait(); err != nil {
				t.Errorf("SELECT after the token expired mid-session: %v", err)
			}
			_ = s.c.Close()

			// The next connection gets a refreshed token; the rotated refresh token is on disk.
			before, err := os.ReadFile(cfg.TokenFile)
			if err != nil {
				t.Fatal(err)
			}
			s, err = imapLogin(ctx, dc.Addr, mech, src)
			if err != nil {
				t.Fatalf("login after expiry: %v\n%s", err, dc.Log())
			}
			_ = s.c.Close()
			if n := idp.Count(oauthtest.GrantRefreshToken) - refreshes; n != 1 || s.attempts != 1 || s.lastToken == first {
				t.Errorf("login after expiry: %d refreshes, %d AUTHENTICATE, same token %v; want 1, 1, false", n, s.attempts, s.lastToken == first)
			}
			after, err := os.ReadFile(cfg.TokenFile)
			if err != nil {
				t.Fatal(err)
			}
			if refreshTokenOf(t, before) == refreshTokenOf(t, after) {
				t.Error("the refresh token on disk did not change, but the IdP rotates it at each refresh")
			}
			st, err := oauth.ReadStatus(cfg)
			if err != nil || st.Rotations != 1 {
				t.Errorf("status after one refresh: %+v, %v; want 1 rotation", st, err)
			}

			// A token the server refuses before its expiry (revoked by the IdP) is replaced
			// at once: the login is tried again with a refreshed token.
			idp.RevokeAccess(s.lastToken)
			refused := s.lastToken
			s, err = imapLogin(ctx, dc.Addr, mech, src)
			if err != nil {
				t.Fatalf("login with a refused token: %v\n%s", err, dc.Log())
			}
			_ = s.c.Close()
			if s.attempts != 2 || s.lastToken == refused {
				t.Errorf("login with a refused token: %d AUTHENTICATE, new token %v; want 2 and a new one", s.attempts, s.lastToken != refused)
			}
			if len(s.refusals) != 1 || !strings.Contains(s.refusals[0], `"status"`) {
				t.Errorf("Dovecot's refusals %q, want one JSON error challenge", s.refusals)
			}
			t.Logf("%s refusal from Dovecot: %s", mech, strings.Join(s.refusals, " "))

			// The login is revoked: a clear error, logged once, however often deskd tries.
			idp.RevokeUser(mailbox)
			idp.Advance(11 * time.Minute)
			var lastErr error
			for range 3 {
				_, lastErr = imapLogin(ctx, dc.Addr, mech, src)
			}
			var ae *oauth.AuthError
			if !errors.As(lastErr, &ae) || !errors.Is(lastErr, oauth.ErrLoginRequired) || !strings.Contains(lastErr.Error(), "run deskd oauth login") {
				t.Fatalf("login after revocation: %v; want an *oauth.AuthError that says to run deskd oauth login", lastErr)
			}
			t.Logf("after revocation: %v", lastErr)
			if n := countLines(logs.String(), "oauth2 needs a person"); n != 1 {
				t.Errorf("%d log lines about the revoked login after 3 attempts, want 1:\n%s", n, logs.String())
			}

			// A new login cures it without restarting anything.
			deviceLogin(t, idp, cfg, mailbox)
			s, err = imapLogin(ctx, dc.Addr, mech, src)
			if err != nil {
				t.Fatalf("login after a new sign-in: %v", err)
			}
			_ = s.c.Close()
			if !strings.Contains(logs.String(), "oauth2 tokens flow again") {
				t.Errorf("no log line saying tokens flow again:\n%s", logs.String())
			}
		})
	}
	if n := strings.Count(dc.Log(), "Login: user=<"+mailbox+">"); n < 8 {
		t.Errorf("Dovecot logged %d logins of %s, want at least 8", n, mailbox)
	}
	t.Logf("Dovecot asked the IdP about %d tokens", idp.Introspections())
}

func refreshTokenOf(t *testing.T, file []byte) string {
	t.Helper()
	i := strings.Index(string(file), `"refresh_token": "`)
	if i < 0 {
		t.Fatalf("no refresh token in the token file:\n%s", file)
	}
	rest := string(file)[i+len(`"refresh_token": "`):]
	return rest[:strings.IndexByte(rest, '"')]
}
