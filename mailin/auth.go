package mailin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/oauth"
)

// How the ingester logs in: the values of [imap] auth.
const (
	AuthPassword    = "password"    // LOGIN with username and password.
	AuthXOAuth2     = "xoauth2"     // AUTHENTICATE XOAUTH2 with an OAuth2 access token (Microsoft 365, Gmail).
	AuthOAuthBearer = "oauthbearer" // AUTHENTICATE OAUTHBEARER (RFC 7628) with an OAuth2 access token.
)

// TokenSource gives the OAuth2 access tokens that auth xoauth2 and oauthbearer log in with;
// *oauth.Source is one.
type TokenSource interface {
	// Token returns a valid access token; an *oauth.AuthError when only a person can help.
	Token(ctx context.Context) (string, error)
	// Refused says the server refused this token: the next Token gets a new one.
	Refused(token string)
	// Username is the account signed in, used when [imap] username is empty.
	Username() string
}

// Settings returns the settings in use.
func (g *Ingester) Settings() Settings { return *g.settings() }

// OAuth reports whether the settings log in with an OAuth2 access token.
func (c Config) OAuth() bool { return c.Auth == AuthXOAuth2 || c.Auth == AuthOAuthBearer }

// login logs in as the settings say: LOGIN with the password, or AUTHENTICATE with a token from
// tokens, tried once more with a new token if the server refuses the first (on the same
// connection: a refused AUTHENTICATE leaves it in the not-authenticated state).
func login(ctx context.Context, c *imapclient.Client, cfg Config, tokens TokenSource) error {
	if !cfg.OAuth() {
		if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
			return fmt.Errorf("imap login as %s: %w", cfg.Username, err)
		}
		return nil
	}
	if tokens == nil {
		return fmt.Errorf("imap auth %q needs an [oauth2] section", cfg.Auth)
	}
	user := cfg.Username
	host, port := hostPort(cfg.Address)
	var refusal string
	err := oauth.Authenticate(ctx, tokens, imapRefused, func(token string) error {
		if user == "" { // Known once there is a token: a missing login is said first.
			user = tokens.Username()
		}
		if user == "" {
			return errors.New("no username: set imap.username or oauth2.username")
		}
		sc, err := oauth.NewBearerClient(strings.ToUpper(cfg.Auth), user, token, host, port)
		if err != nil {
			return err
		}
		err = c.Authenticate(sc)
		refusal = sc.Refusal()
		return err
	})
	what := "imap " + cfg.Auth + " login"
	if user != "" {
		what += " as " + user
	}
	switch {
	case err == nil:
		return nil
	case refusal != "":
		// The server's JSON says why; go-imap's answer to it ("=") ends some exchanges with a BAD.
		return fmt.Errorf("%s: token refused (%s): %w", what, refusal, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

// imapRefused says whether a login error is the server's NO: the token was refused.
func imapRefused(err error) bool { return errors.As(err, new(*imap.Error)) }

// waitsForPerson reports whether an error is a login that only a person can mend (run deskd
// oauth login): the token source has logged it once; trying again before the next poll helps
// nobody.
func waitsForPerson(err error) bool { return errors.As(err, new(*oauth.AuthError)) }

func hostPort(addr string) (string, int) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	port, _ := strconv.Atoi(p)
	return h, port
}
