package oauth_test

import (
	"context"
	"errors"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// smtpRefused says whether go-mail's error is the server's 535 (or another 5xx) to AUTH.
func smtpRefused(err error) bool {
	var e *textproto.Error
	return errors.As(err, &e) && e.Code >= 500
}

// sendOne sends one mail through addr, logged in with the mechanism and a token from src,
// retrying once with a new token if the server refuses the first.
func sendOne(t *testing.T, addr, mech string, src *oauth.Source, subject string) (attempts int, err error) {
	t.Helper()
	host, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(mailbox); err != nil {
		t.Fatal(err)
	}
	if err := m.To("celine.dupre@corp.example"); err != nil {
		t.Fatal(err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, "Bonjour.\n")
	m.SetMessageIDWithValue(subject + "@corp.example")
	err = oauth.Authenticate(context.Background(), src, smtpRefused, func(token string) error {
		attempts++
		sc, err := oauth.NewBearerClient(mech, src.Username(), token, host, port)
		if err != nil {
			return err
		}
		c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithSMTPAuthCustom(oauth.SMTPAuth(sc)))
		if err != nil {
			return err
		}
		return c.DialAndSendWithContext(context.Background(), m)
	})
	return attempts, err
}

// TestSMTPBearer sends with go-mail over XOAUTH2 and OAUTHBEARER to a server that checks each
// token with the IdP: a refused token is replaced and the mail still goes, once.
func TestSMTPBearer(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	srv := oauthtest.StartSMTP(t, idp)
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	src, err := oauth.NewSource(cfg, options(idp, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, mech := range []string{oauth.MechXOAuth2, oauth.MechOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			n := len(srv.Mails())
			if attempts, err := sendOne(t, srv.Addr, mech, src, "first-"+mech); err != nil || attempts != 1 {
				t.Fatalf("send: %d attempts, %v; want 1, nil", attempts, err)
			}
			tok, _ := src.Token(context.Background())
			idp.RevokeAccess(tok)
			attempts, err := sendOne(t, srv.Addr, mech, src, "second-"+mech)
			if err != nil || attempts != 2 {
				t.Fatalf("send with a refused token: %d attempts, %v; want 2, nil", attempts, err)
			}
			mails := srv.Mails()[n:]
			if len(mails) != 2 || mails[0].User != mailbox || mails[1].User != mailbox {
				t.Fatalf("server took %d mails (%+v), want 2, from %s", len(mails), mails, mailbox)
			}
			auths := srv.Auths()
			last := auths[len(auths)-2:]
			if last[0].OK || !last[1].OK || last[0].Mech != mech {
				t.Errorf("last two logins %+v, want a refused then an accepted %s", last, mech)
			}
		})
	}

	t.Run("go-mail's own XOAUTH2", func(t *testing.T) {
		tok, err := src.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		host, port, _ := net.SplitHostPort(srv.Addr)
		p, _ := strconv.Atoi(port)
		c, err := mail.NewClient(host, mail.WithPort(p), mail.WithTLSPolicy(mail.NoTLS),
			mail.WithSMTPAuth(mail.SMTPAuthXOAUTH2), mail.WithUsername(src.Username()), mail.WithPassword(tok))
		if err != nil {
			t.Fatal(err)
		}
		m := mail.NewMsg()
		_ = m.From(mailbox)
		_ = m.To("celine.dupre@corp.example")
		m.SetBodyString(mail.TypeTextPlain, "x")
		if err := c.DialAndSend(m); err != nil {
			t.Fatalf("go-mail SMTPAuthXOAUTH2: %v", err)
		}
	})
}

// TestSMTPAuthCleartext: the token never goes unencrypted to a remote server.
func TestSMTPAuthCleartext(t *testing.T) {
	a := oauth.SMTPAuth(oauth.XOAuth2(mailbox, "secret-token"))
	for _, tc := range []struct {
		name string
		tls  bool
		ok   bool
	}{
		{"smtp.office365.com", false, false},
		{"smtp.office365.com", true, true},
		{"127.0.0.1", false, true},
		{"localhost", false, true},
		{"::1", false, true},
	} {
		mech, ir, err := a.Start(&smtp.ServerInfo{Name: tc.name, TLS: tc.tls})
		if (err == nil) != tc.ok {
			t.Errorf("%s, TLS %v: err %v, want ok %v", tc.name, tc.tls, err, tc.ok)
		}
		if err == nil && (mech != "XOAUTH2" || !strings.Contains(string(ir), "auth=Bearer secret-token")) {
			t.Errorf("%s: Start gave %q %q", tc.name, mech, ir)
		}
		if err != nil && strings.Contains(err.Error(), "secret-token") {
			t.Errorf("the error shows the token: %v", err)
		}
	}
}
