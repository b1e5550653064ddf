package oauthtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is an SMTP server on 127.0.0.1 that takes mail only after an XOAUTH2 or
// OAUTHBEARER login whose token the IdP says is active for that user. A refused token gets
// what Gmail and Dovecot send: a JSON challenge, then, after the client's answer, 535.
type SMTPServer struct {
	Addr string

	idp *IdP

	mu    sync.Mutex
	mails []Mail
	auths []Auth
}

// Mail is one mail the server took.
type Mail struct {
	User string // Who logged in.
	From string
	To   []string
	Data []byte
}

// Auth is one login attempt.
type Auth struct {
	Mech string
	User string
	OK   bool
}

// StartSMTP runs an SMTPServer until the test ends.
func StartSMTP(tb testing.TB, idp *IdP) *SMTPServer {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &SMTPServer{Addr: l.Addr().String(), idp: idp}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "oauth.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return s
}

// Mails returns the mails taken so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mails)
}

// Auths returns the login attempts so far.
func (s *SMTPServer) Auths() []Auth {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auths)
}

type smtpSession struct {
	s    *SMTPServer
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string { return []string{"XOAUTH2", "OAUTHBEARER"} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, token string) bool {
		u, _, ok := ss.s.idp.Active(token)
		ok = ok && strings.EqualFold(u, user)
		ss.s.mu.Lock()
		ss.s.auths = append(ss.s.auths, Auth{Mech: mech, User: user, OK: ok})
		ss.s.mu.Unlock()
		if ok {
			ss.user = user
		}
		return ok
	}
	switch mech {
	case "XOAUTH2", "OAUTHBEARER":
		return &BearerServer{Mech: mech, Check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, Mail{User: ss.user, From: ss.from, To: ss.to, Data: b})
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }

// ErrRefused is what BearerServer ends a refused login with: SMTP 535 5.7.8.
var ErrRefused = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication unsuccessful"}

// BearerServer is the server side of XOAUTH2 or OAUTHBEARER (RFC 7628 section 3.2.2) for
// go-smtp and go-imap servers. (go-sasl has no XOAUTH2 server, and its OAUTHBEARER server
// panics on an empty answer to its error challenge.)
type BearerServer struct {
	Mech  string                        // "XOAUTH2" or "OAUTHBEARER".
	Check func(user, token string) bool // Whether the token is good for the user.

	failed bool
	done   bool
}

// Next implements sasl.Server.
func (b *BearerServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch {
	case b.done:
		return nil, true, sasl.ErrUnexpectedClientResponse
	case b.failed:
		// The client's answer to the error challenge: empty for XOAUTH2, %x01 for OAUTHBEARER.
		b.done = true
		return nil, true, ErrRefused
	case response == nil:
		return []byte{}, false, nil // Ask for the initial response.
	}
	user, token, perr := ParseBearer(b.Mech, response)
	if perr != nil {
		b.done = true
		return nil, true, &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: perr.Error()}
	}
	if b.Check(user, token) {
		b.done = true
		return nil, true, nil
	}
	b.failed = true
	status := "401"
	if b.Mech == "OAUTHBEARER" {
		status = "invalid_token"
	}
	j, _ := json.Marshal(map[string]string{"status": status, "schemes": "bearer", "scope": "mail"})
	return j, false, nil
}

// ParseBearer reads the user and the token from an XOAUTH2 or OAUTHBEARER initial response.
func ParseBearer(mech string, resp []byte) (user, token string, err error) {
	kv := resp
	if mech == "OAUTHBEARER" {
		// gs2-header: "n,a=user," then the key-value pairs.
		parts := bytes.SplitN(resp, []byte(","), 3)
		if len(parts) != 3 || string(parts[0]) != "n" {
			return "", "", errors.New("bad gs2 header")
		}
		if a, ok := strings.CutPrefix(string(parts[1]), "a="); ok {
			user = strings.NewReplacer("=2C", ",", "=3D", "=").Replace(a)
		}
		kv = parts[2]
	}
	for _, f := range bytes.Split(kv, []byte{1}) {
		k, v, ok := strings.Cut(string(f), "=")
		if !ok {
			continue
		}
		switch k {
		case "user":
			user = v
		case "auth":
			t, ok := strings.CutPrefix(v, "Bearer ")
			if !ok {
				return "", "", errors.New("auth is not a bearer token")
			}
			token = t
		}
	}
	if token == "" {
		return "", "", errors.New("no token")
	}
	return user, token, nil
}
