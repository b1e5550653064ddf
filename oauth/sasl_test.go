package oauth_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
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

// fakeTokens hands out numbered tokens; Refused makes the next one new.
type fakeTokens struct {
	n       int
	refused []string
}

func (f *fakeTokens) Token(context.Context) (string, error) { return "t" + strconv.Itoa(f.n), nil }
func (f *fakeTokens) Refused(tok string) {
	f.refused = append(f.refused, tok)
	f.n++
}

// TestAuthenticate: a refusal is retried once with a new token; another error is not retried.
func TestAuthenticate(t *testing.T) {
	refusal := errors.New("NO AUTHENTICATE failed")
	isRefusal := func(err error) bool { return errors.Is(err, refusal) }
	for _, tc := range []struct {
		name    string
		results []error // What auth returns, attempt by attempt.
		tokens  []string
		err     error
	}{
		{"accepted", []error{nil}, []string{"t0"}, nil},
		{"refused then accepted", []error{refusal, nil}, []string{"t0", "t1"}, nil},
		{"refused twice", []error{refusal, refusal}, []string{"t0", "t1"}, refusal},
		{"network error", []error{io.ErrUnexpectedEOF}, []string{"t0"}, io.ErrUnexpectedEOF},
	} {
		f := &fakeTokens{}
		var used []string
		err := oauth.Authenticate(context.Background(), f, isRefusal, func(tok string) error {
			used = append(used, tok)
			return tc.results[len(used)-1]
		})
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) || !slices.Equal(used, tc.tokens) {
			t.Errorf("%s: err %v, tokens %q; want %v, %q", tc.name, err, used, tc.err, tc.tokens)
		}
	}
}
