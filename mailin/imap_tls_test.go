package mailin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestIMAPSecurityModes(t *testing.T) {
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	for _, mode := range []string{"tls", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			mem := imapmemserver.New()
			user := imapmemserver.NewUser("helpdesk", "secret")
			if err := user.Create("INBOX", nil); err != nil {
				t.Fatal(err)
			}
			mem.AddUser(user)
			opts := &imapserver.Options{
				NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
					return mem.NewSession(), nil, nil
				},
				Caps:   imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
				Logger: discardLogger{},
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if mode == "tls" {
				ln = tls.NewListener(ln, tlsCfg)
				opts.InsecureAuth = true // The connection is TLS already; the server cannot tell.
			} else {
				opts.TLSConfig = tlsCfg // STARTTLS; LOGIN only after it.
			}
			srv := imapserver.New(opts)
			go func() { _ = srv.Serve(ln) }()
			t.Cleanup(func() { _ = srv.Close() })
			ts := &testServer{addr: ln.Addr().String(), user: user}
			ts.deliver(t, "INBOX", testMail("s@x", "s@corp.example", "vpn", "over "+mode))

			d := newDesk(t, ts.addr, "", 100)
			d.settings.IMAP.Security, d.settings.IMAP.InsecureSkipVerify = mode, true
			st, err := d.ingester().Once(context.Background())
			if err != nil || st.Opened != 1 {
				t.Fatalf("%s: %+v %v", mode, st, err)
			}
			// Without skipping verification, the self-signed certificate is refused.
			d.settings.IMAP.InsecureSkipVerify = false
			if err := d.ingester().Check(context.Background()); err == nil {
				t.Fatalf("%s: an untrusted certificate was accepted", mode)
			}
		})
	}
}
