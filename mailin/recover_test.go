package mailin

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// lockedBuffer is a log a test reads while the ingester writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanicReadingOneMail: a bug that panics while one mail is read (in the parser, or in the
// conversion for the desk) stops neither the pass nor the mails after it. The mail still opens a
// ticket with its raw text, and the raw mail is kept; the panic is logged once, with its stack.
// A mail whose fallback panics too is quarantined, kept as received.
func TestPanicReadingOneMail(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	// The conversion's bug is in the parsed text, which the raw text kept instead does not
	// start with.
	readHook = func(stage string, m *Message) {
		switch {
		case stage == "parse" && bytes.Contains(m.Raw, []byte("BUG-IN-PARSE")),
			stage == "incoming" && strings.HasPrefix(m.Text, "BUG-IN-INCOMING"),
			bytes.Contains(m.Raw, []byte("BUG-EVERYWHERE")):
			panic("index out of range [7] with length 3")
		}
	}
	t.Cleanup(func() { readHook = nil })
	srv.deliver(t, "INBOX", testMail("parse@x", "p@corp.example", "printer", "BUG-IN-PARSE the printer jams"))
	srv.deliver(t, "INBOX", testMail("incoming@x", "i@corp.example", "vpn", "BUG-IN-INCOMING the vpn drops"))
	srv.deliver(t, "INBOX", testMail("worst@x", "w@corp.example", "mail", "BUG-EVERYWHERE"))
	srv.deliver(t, "INBOX", testMail("fine@x", "f@corp.example", "wifi", "the wifi is slow"))
	var logged lockedBuffer
	g := NewIngester(d.Desk, d.settings, slog.New(slog.NewTextHandler(&logged, nil)))
	st, err := g.Once(ctx)
	if err != nil || st.Opened != 3 || st.Quarantined != 1 {
		t.Fatalf("stats %+v %v, want three tickets and one mail quarantined\n%s", st, err, logged.String())
	}
	for id, want := range map[string]string{"parse@x": "BUG-IN-PARSE the printer jams", "incoming@x": "BUG-IN-INCOMING the vpn drops", "fine@x": "the wifi is slow"} {
		var text string
		var raw []byte
		err := d.Store.Reader().QueryRow(`SELECT e.text, m.raw FROM messages m JOIN events e ON e.message_id = m.message_id
			WHERE m.message_id = ?`, id).Scan(&text, &raw)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s: text %q lacks %q", id, text, want)
		}
		if !bytes.Contains(raw, []byte("Message-ID: <"+id+">")) {
			t.Errorf("%s: raw mail not kept: %q", id, raw)
		}
	}
	if n, _ := srv.mailbox(t, "deskd-quarantine"); n != 1 {
		t.Errorf("%d mails in quarantine, want the one whose fallback panicked too", n)
	}
	if n, seen := srv.mailbox(t, "INBOX"); n != 3 || seen != 3 {
		t.Errorf("INBOX: %d mails, %d seen; want the three read, flagged", n, seen)
	}
	log := logged.String()
	for _, want := range []string{"uid=1 message_id=parse@x stage=parse", "uid=2 message_id=incoming@x stage=incoming"} {
		if strings.Count(log, want) != 1 {
			t.Errorf("log has %q %d times, want once:\n%s", want, strings.Count(log, want), log)
		}
	}
	if !strings.Contains(log, "recover_test.go") {
		t.Error("the log has no stack naming where the panic happened")
	}
	if strings.Count(log, "quarantined") != 1 {
		t.Errorf("the quarantined mail is not logged once:\n%s", log)
	}
}
