package mailout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"

	"github.com/wneessen/go-mail"

	"github.com/deskd/deskd/oauth"
)

// How the sender logs in: the values of [smtp] auth.
const (
	AuthPassword    = "password"    // The password, with the best mechanism the server offers.
	AuthXOAuth2     = "xoauth2"     // AUTH XOAUTH2 with an OAuth2 access token (Microsoft 365, Gmail).
	AuthOAuthBearer = "oauthbearer" // AUTH OAUTHBEARER (RFC 7628) with an OAuth2 access token.
)

// TokenSource gives the OAuth2 access tokens that auth xoauth2 and oauthbearer log in with;
// *oauth.Source is one.
type TokenSource interface {
	// Token returns a valid access token; an *oauth.AuthError when only a person can help.
	Token(ctx context.Context) (string, error)
	// Refused says the server refused this token: the next Token gets a new one.
	Refused(token string)
	// Username is the account signed in, used when [smtp] username is empty.
	Username() string
}

// OAuth reports whether the settings log in with an OAuth2 access token.
func (c Config) OAuth() bool { return c.Auth == AuthXOAuth2 || c.Auth == AuthOAuthBearer }

// tokenBox holds a TokenSource in an atomic.Pointer.
type tokenBox struct{ src TokenSource }

// SetTokens gives the sender the token source of auth xoauth2 and oauthbearer, at start and at
// each reload; nil for none. A drain in progress finishes with the one it started with.
func (s *Sender) SetTokens(src TokenSource) { s.tokens.Store(&tokenBox{src}) }

// Tokens returns the token source in use; nil for none.
func (s *Sender) Tokens() TokenSource {
	if b := s.tokens.Load(); b != nil {
		return b.src
	}
	return nil
}

// dialOAuth connects and logs in with an access token, and once more with a new one if the
// server refuses the first: a token revoked before its expiry is replaced at once. go-mail
// logs in with one mechanism per client, so each attempt is a client and a connection of its
// own; a refused attempt's connection is closed here (go-mail leaves it open).
func (s *Sender) dialOAuth(ctx context.Context, cfg Config) (*client, error) {
	src := s.Tokens()
	if src == nil {
		return nil, fmt.Errorf("auth %q needs an [oauth2] section", cfg.Auth)
	}
	user := cfg.Username
	host, port, err := splitAddress(cfg.Address)
	if err != nil {
		return nil, err
	}
	var result *client
	var refusal string
	err = oauth.Authenticate(ctx, src, smtpRefused, func(token string) error {
		if user == "" { // Known once there is a token: a missing login is said first.
			user = src.Username()
		}
		if user == "" {
			return errors.New("no username: set smtp.username or oauth2.username")
		}
		sc, err := oauth.NewBearerClient(strings.ToUpper(cfg.Auth), user, token, host, port)
		if err != nil {
			return err
		}
		var conn net.Conn
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := &net.Dialer{}
			var err error
			if cfg.Security == "tls" { // go-mail dials TLS itself only without a dial function.
				conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig(cfg, host)}).DialContext(ctx, network, addr)
			} else {
				conn, err = d.DialContext(ctx, network, addr)
			}
			return conn, err
		}
		c, err := s.newClient(cfg, mail.WithSMTPAuthCustom(oauth.SMTPAuth(sc)), mail.WithDialContextFunc(dial))
		if err != nil {
			return err
		}
		session, err := c.DialToSMTPClientWithContext(ctx)
		if err != nil {
			if conn != nil {
				_ = conn.Close() // Already failed; its Close error says nothing more.
			}
			refusal = sc.Refusal()
			return err
		}
		result = dialed(c, session, s.timeout)
		return nil
	})
	what := cfg.Auth + " login"
	if user != "" {
		what += " as " + user
	}
	switch {
	case err == nil:
		return result, nil
	case refusal != "":
		return nil, fmt.Errorf("%s: token refused (%s): %w", what, refusal, err)
	default:
		return nil, fmt.Errorf("%s: %w", what, err)
	}
}

// smtpRefused says whether a login error is the server's permanent refusal (535): the token
// was refused.
func smtpRefused(err error) bool {
	var e *textproto.Error
	return errors.As(err, &e) && e.Code >= 500
}

// waitsForPerson reports whether an error is a login that only a person can mend (run deskd
// oauth login). The token source has logged it once; the mail waits in the outbox, its
// attempts not counted, for as long as it takes.
func waitsForPerson(err error) bool { return errors.As(err, new(*oauth.AuthError)) }

// errWaiting ends a drain whose login waits for a person: the mails claimed are released.
type errWaiting struct{ err error }

func (e errWaiting) Error() string { return e.err.Error() }
func (e errWaiting) Unwrap() error { return e.err }
