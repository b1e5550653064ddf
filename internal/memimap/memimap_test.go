package memimap

import (
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// serve starts a server of mem's mailboxes on 127.0.0.1, port 0, with sessions from newSession.
func serve(t *testing.T, newSession func() imapserver.Session) string {
	t.Helper()
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return newSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapMove: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func newMem(t *testing.T) *imapmemserver.Server {
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("helpdesk", "secret")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	return mem
}

// TestIdleTellsOfMailAppendedBeforeIt appends a mail after the client's last command and before
// its IDLE: the idling client must be told of it, as a real server tells it.
func TestIdleTellsOfMailAppendedBeforeIt(t *testing.T) {
	mem := newMem(t)
	addr := serve(t, func() imapserver.Session { return NewSession(mem) })

	exists := make(chan uint32, 16)
	a, err := imapclient.DialInsecure(addr, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}

	b, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	appendMail(t, b)

	idle, err := a.Idle()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d, want 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the idling client was never told of the mail appended before its IDLE")
	}
	endIdle(t, idle)

	// Mail appended while it idles is told at once, and once.
	idle, err = a.Idle()
	if err != nil {
		t.Fatal(err)
	}
	appendMail(t, b)
	select {
	case n := <-exists:
		if n != 2 {
			t.Errorf("EXISTS %d, want 2", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the idling client was not told of the mail appended during its IDLE")
	}
	endIdle(t, idle)
	select {
	case n := <-exists:
		t.Errorf("told twice: EXISTS %d", n)
	default:
	}
}

// appendMail appends a small mail to INBOX over c.
func appendMail(t *testing.T, c *imapclient.Client) {
	t.Helper()
	raw := "From: a@example.com\r\nSubject: hello\r\n\r\nbody\r\n"
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// endIdle ends an IDLE command.
func endIdle(t *testing.T, idle *imapclient.IdleCommand) {
	t.Helper()
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestSessionKeepsMove: the server offers MOVE and NAMESPACE only to sessions that have them.
func TestSessionKeepsMove(t *testing.T) {
	s := NewSession(newMem(t))
	if _, ok := s.(imapserver.SessionMove); !ok {
		t.Error("the mended session lost MOVE")
	}
	if _, ok := s.(imapserver.SessionNamespace); !ok {
		t.Error("the mended session lost NAMESPACE")
	}
}
