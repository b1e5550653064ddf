package mailin

import (
	"net"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// TestRunPollsWithNoop: with noop_interval set, a waiting session asks the server with NOOP and
// hears of new mail from its answer, even from a server without IDLE and with an hour between
// polls.
func TestRunPollsWithNoop(t *testing.T) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("helpdesk", "secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, // No IDLE.
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	ts := &testServer{addr: ln.Addr().String(), user: user, srv: srv}

	d := newDesk(t, ts.addr, "", 100)
	d.settings.IMAP.PollInterval = tickets.Duration{Duration: time.Hour}
	d.settings.IMAP.NoopInterval = tickets.Duration{Duration: 20 * time.Millisecond}
	if err := d.settings.IMAP.Validate(); err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "INBOX", testMail("first@x", "f@corp.example", "vpn", "first"))
	run := startRun(t, d.ingester())
	run.await("the first pass did not happen", 10*time.Second) // The next poll is an hour away.
	ts.deliver(t, "INBOX", testMail("noop@x", "n@corp.example", "vpn", "noop"))
	if s := run.await("new mail not noticed through NOOP", 10*time.Second); s.Opened != 1 {
		t.Fatalf("stats %+v", s)
	}
	run.stop()
	d.settings.IMAP.NoopInterval = tickets.Duration{Duration: time.Millisecond}
	if err := d.settings.IMAP.Validate(); err == nil {
		t.Fatal("noop_interval of 1ms accepted")
	}
}
