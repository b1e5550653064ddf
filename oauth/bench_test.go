package oauth_test

import (
	"context"
	"testing"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// BenchmarkTokenFresh measures Token when the access token on file is fresh: what each IMAP
// connection and each SMTP delivery pays (the token file is read at every call, so that a new
// login or another process's refresh is seen at once).
func BenchmarkTokenFresh(b *testing.B) {
	idp := oauthtest.Start(b)
	idp.AddClient(testClient, "", "")
	cfg := benchLogin(b, idp)
	src, err := oauth.NewSource(cfg, oauth.Options{Now: idp.Now})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if n := idp.Count(oauthtest.GrantRefreshToken); n != 0 {
		b.Fatalf("%d refreshes while the token was fresh", n)
	}
}

// benchLogin signs in through the device flow for a benchmark.
func benchLogin(b *testing.B, idp *oauthtest.IdP) *oauth.Config {
	cfg := &oauth.Config{
		Provider:                    oauth.Custom,
		ClientID:                    testClient,
		Scopes:                      []string{"mail", "offline_access", "openid"},
		TokenEndpoint:               idp.URL + "/token",
		DeviceAuthorizationEndpoint: idp.URL + "/device",
	}
	cfg.SetDefaults(b.TempDir(), "/nonexistent")
	pr := newApprover(idp, mailbox)
	if _, err := oauth.Login(context.Background(), cfg, oauth.Options{Now: idp.Now}, pr, nil); err != nil {
		b.Fatal(err)
	}
	return cfg
}

// approver is a writer that approves the device login as soon as the code is printed.
type approver struct {
	idp  *oauthtest.IdP
	user string
	seen []byte
	done bool
}

func newApprover(idp *oauthtest.IdP, user string) *approver { return &approver{idp: idp, user: user} }

func (a *approver) Write(p []byte) (int, error) {
	a.seen = append(a.seen, p...)
	if m := userCodeRE.FindSubmatch(a.seen); m != nil && !a.done {
		a.done = true
		if err := a.idp.Approve(string(m[1]), a.user); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
