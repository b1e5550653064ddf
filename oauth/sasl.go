package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"
)

// SASL mechanism names.
const (
	MechXOAuth2     = "XOAUTH2"     // Google's and Microsoft's.
	MechOAuthBearer = "OAUTHBEARER" // RFC 7628.
)

// BearerClient is a SASL client that sends an OAuth 2.0 bearer token: XOAUTH2 or OAUTHBEARER.
// It implements go-sasl's sasl.Client, which go-imap v2's Client.Authenticate takes; SMTPAuth
// adapts it to go-mail.
//
// A server that refuses the token sends a JSON challenge ({"status":"401",…}, or
// {"status":"invalid_token",…} for OAUTHBEARER) and waits for the client's answer before it
// says NO or 535: the client answers as the mechanism wants (empty for XOAUTH2, %x01 for
// OAUTHBEARER, RFC 7628 section 3.2.3) so the server can end the exchange cleanly, and keeps
// the challenge for Refusal. (go-sasl's OAUTHBEARER client returns an error there instead, which
// leaves the IMAP server waiting on a half-finished AUTHENTICATE.)
type BearerClient struct {
	mech      string
	ir        []byte
	dummy     []byte // The answer to an error challenge.
	challenge []byte
}

// XOAuth2 returns an XOAUTH2 client (the format Google and Microsoft document:
// "user=" U ^A "auth=Bearer " T ^A ^A).
func XOAuth2(username, token string) *BearerClient {
	return &BearerClient{
		mech:  MechXOAuth2,
		ir:    []byte("user=" + username + "\x01auth=Bearer " + token + "\x01\x01"),
		dummy: []byte{},
	}
}

// OAuthBearer returns an OAUTHBEARER client (RFC 7628 section 3.1); host and port are those of
// the server, as the RFC asks (port 0 leaves it out).
func OAuthBearer(username, token, host string, port int) *BearerClient {
	ir := "n,"
	if username != "" {
		ir += "a=" + saslname(username)
	}
	ir += ","
	if host != "" {
		ir += "\x01host=" + host
	}
	if port != 0 {
		ir += "\x01port=" + strconv.Itoa(port)
	}
	ir += "\x01auth=Bearer " + token + "\x01\x01"
	return &BearerClient{mech: MechOAuthBearer, ir: []byte(ir), dummy: []byte{0x01}}
}

// saslname escapes "," and "=" in an authzid (RFC 5801 section 4).
func saslname(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',':
			b = append(b, "=2C"...)
		case '=':
			b = append(b, "=3D"...)
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// NewBearerClient returns the client of a mechanism: MechXOAuth2 or MechOAuthBearer.
func NewBearerClient(mech, username, token, host string, port int) (*BearerClient, error) {
	switch mech {
	case MechXOAuth2:
		return XOAuth2(username, token), nil
	case MechOAuthBearer:
		return OAuthBearer(username, token, host, port), nil
	}
	return nil, fmt.Errorf("unknown SASL mechanism %q", mech)
}

var _ sasl.Client = (*BearerClient)(nil)

// Start implements sasl.Client: the token goes in the initial response.
func (c *BearerClient) Start() (mech string, ir []byte, err error) {
	return c.mech, c.ir, nil
}

// Next implements sasl.Client. The only challenge these mechanisms know is the server's error.
func (c *BearerClient) Next(challenge []byte) ([]byte, error) {
	if c.challenge != nil {
		return nil, errors.New("sasl: unexpected second challenge from the server")
	}
	c.challenge = append([]byte{}, challenge...)
	return c.dummy, nil
}

// Refusal is the JSON error the server sent, if it sent one: Gmail and Dovecot do, with the
// status and the scope they want; Outlook says only "AUTHENTICATE failed".
func (c *BearerClient) Refusal() string { return string(c.challenge) }

// Mechanism is the SASL mechanism name.
func (c *BearerClient) Mechanism() string { return c.mech }

// SMTPAuth adapts a BearerClient to go-mail (mail.WithSMTPAuthCustom). go-mail has XOAUTH2
// built in (mail.SMTPAuthXOAUTH2, the token as password) but no OAUTHBEARER, and its XOAUTH2
// keeps no trace of the server's JSON refusal. Like go-mail's PLAIN, it refuses to send the
// token over an unencrypted connection, except to localhost.
func SMTPAuth(c *BearerClient) smtp.Auth { return smtpAuth{c} }

type smtpAuth struct{ c *BearerClient }

func (a smtpAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLoopback(server.Name) {
		return "", nil, fmt.Errorf("refusing to send an OAuth2 token unencrypted to %s", server.Name)
	}
	return a.c.Start()
}

func (a smtpAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.c.Next(fromServer)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Tokens is what Authenticate needs of a token source; *Source has it.
type Tokens interface {
	Token(ctx context.Context) (string, error)
	Refused(token string)
}

// Authenticate runs auth with an access token from src. When auth fails and refused says the
// server refused the token (an IMAP NO, an SMTP 535), the token is reported refused and auth
// runs once more with a new one: a token revoked or cut short is cured at once rather than at
// its expiry. An error getting a token is returned as is (see Source.Token).
func Authenticate(ctx context.Context, src Tokens, refused func(error) bool, auth func(token string) error) error {
	tok, err := src.Token(ctx)
	if err != nil {
		return err
	}
	err = auth(tok)
	if err == nil || !refused(err) {
		return err
	}
	src.Refused(tok)
	tok2, terr := src.Token(ctx)
	if terr != nil {
		return errors.Join(err, terr)
	}
	return auth(tok2)
}
