package oauth_test

import (
	"testing"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// TestBearerClients: the initial responses as Google, Microsoft and RFC 7628 write them, the
// answer to an error challenge, and a round trip through the test server's parser.
func TestBearerClients(t *testing.T) {
	for _, tc := range []struct {
		c     *oauth.BearerClient
		mech  string
		ir    string
		dummy string
	}{
		{oauth.XOAuth2("helpdesk@corp.example", "ya29.tok"), "XOAUTH2",
			"user=helpdesk@corp.example\x01auth=Bearer ya29.tok\x01\x01", ""},
		// RFC 7628 section 4.1's example, with our token.
		{oauth.OAuthBearer("user@example.com", "vF9dft4qmT", "server.example.com", 143), "OAUTHBEARER",
			"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmT\x01\x01", "\x01"},
		{oauth.OAuthBearer("a,b=c@example.com", "t", "", 0), "OAUTHBEARER",
			"n,a=a=2Cb=3Dc@example.com,\x01auth=Bearer t\x01\x01", "\x01"},
	} {
		mech, ir, err := tc.c.Start()
		if err != nil || mech != tc.mech || string(ir) != tc.ir {
			t.Errorf("Start: %q %q %v; want %q %q", mech, ir, err, tc.mech, tc.ir)
		}
		user, token, err := oauthtest.ParseBearer(mech, ir)
		if err != nil || token == "" || user == "" {
			t.Errorf("%s: the test server reads user %q token %q: %v", mech, user, token, err)
		}
		challenge := `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`
		resp, err := tc.c.Next([]byte(challenge))
		if err != nil || string(resp) != tc.dummy {
			t.Errorf("%s: answer to the error challenge %q, %v; want %q", mech, resp, err, tc.dummy)
		}
		if tc.c.Refusal() != challenge {
			t.Errorf("%s: Refusal %q", mech, tc.c.Refusal())
		}
		if _, err := tc.c.Next([]byte("again")); err == nil {
			t.Errorf("%s: a second challenge was answered", mech)
		}
	}
	if _, err := oauth.NewBearerClient("PLAIN", "u", "t", "", 0); err == nil {
		t.Error("NewBearerClient took PLAIN")
	}
}
