package oauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// imapRefused says whether an IMAP error is the server's NO to AUTHENTICATE.
func imapRefused(err error) bool {
	var e *imap.Error
	return errors.As(err, &e)
}

// imapLogin dials the server and authenticates with the mechanism and a token from src.
func imapLogin(ctx context.Context, addr, mech string, src *oauth.Source) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, err
	}
	err = oauth.Authenticate(ctx, src, imapRefused, func(token string) error {
		sc, err := oauth.NewBearerClient(mech, src.Username(), token, "127.0.0.1", 0)
		if err != nil {
			return err
		}
		return c.Authenticate(sc)
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func TestDovecotProbe(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	dc := oauthtest.StartDovecot(t, idp, mailbox)
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	src, err := oauth.NewSource(cfg, options(idp, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, mech := range []string{oauth.MechXOAuth2, oauth.MechOAuthBearer} {
		c, err := imapLogin(context.Background(), dc.Addr, mech, src)
		if err != nil {
			t.Fatalf("%s: %v\n%s", mech, err, dc.Log())
		}
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	_ = strings.Contains
	_ = time.Second
	t.Log(dc.Log())
}
