package mailin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// put appends a mail as a mail client or an MDA would: with its flags and arrival time.
func (s *testServer) put(t testing.TB, raw string, arrived time.Time, flags ...imap.Flag) {
	t.Helper()
	b := []byte(strings.ReplaceAll(raw, "\n", "\r\n"))
	if _, err := s.user.Append("INBOX", literal{bytes.NewReader(b), int64(len(b))}, &imap.AppendOptions{Flags: flags, Time: arrived}); err != nil {
		t.Fatal(err)
	}
}

// flags returns each mail's flags in a mailbox, by Message-ID.
func (s *testServer) flags(t testing.TB, mailbox string) map[string][]imap.Flag {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]imap.Flag{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		out[m.Envelope.MessageID] = m.Flags
	}
	return out
}

// history is a mailbox with a past: 20 mails read two months ago, one unread from a month ago
// (never answered) and one unread from this morning.
func history(t *testing.T, srv *testServer, now time.Time) {
	t.Helper()
	for i := range 20 {
		srv.put(t, testMail(fmt.Sprintf("old%d@x", i), fmt.Sprintf("u%d@corp.example", i), "vpn", "le vpn"), now.AddDate(0, -2, 0), imap.FlagSeen)
	}
	srv.put(t, testMail("month@x", "late@corp.example", "imprimante", "l'imprimante"), now.AddDate(0, 0, -30))
	srv.put(t, testMail("today@x", "fresh@corp.example", "wifi", "le wifi"), now.Add(-time.Hour))
}

// outboxRows returns the outbox as "kind state to" lines.
func outboxRows(t testing.TB, d *testDesk) []string {
	t.Helper()
	rows, err := d.Store.Reader().Query(`SELECT kind, state, recipients, last_error FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, state, to, why string
		if err := rows.Scan(&kind, &state, &to, &why); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(kind+" "+state+" "+to+" "+why))
	}
	return out
}

// TestFirstRunTakesUnreadMail: on a mailbox with history, the first run (default backfill
// "unseen") takes the two unread mails, leaves the 20 read ones untouched, and sends no
// acknowledgement for the one that arrived a month ago (ack_max_age 7d); the technicians are
// told of both tickets. Mail arriving after the first run is taken even if already read.
func TestFirstRunTakesUnreadMail(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	now := time.Now()
	history(t, srv, now)
	g := d.ingester()

	fr, err := g.Preview(ctx)
	if err != nil || fr == nil || fr.Take != 2 || fr.NoAck != 1 || fr.Leave != 20 || fr.Backfill != "unseen" {
		t.Fatalf("preview %+v, %v; want 2 taken (1 without acknowledgement), 20 left", fr, err)
	}
	st, err := g.Once(ctx)
	if err != nil || st.Opened != 2 || st.Fetched != 2 {
		t.Fatalf("first run: %+v, %v; want the two unread mails", st, err)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM tickets`); n != 2 {
		t.Fatalf("%d tickets", n)
	}
	rows := strings.Join(outboxRows(t, d), "\n")
	for _, want := range []string{
		`ack suppressed ["late@corp.example"] arrived`,
		`ack pending ["fresh@corp.example"]`,
	} {
		if !strings.Contains(rows, want) {
			t.Errorf("outbox lacks %q:\n%s", want, rows)
		}
	}
	if strings.Count(rows, "assigned pending") != 2 {
		t.Errorf("want both assignment notices to go:\n%s", rows)
	}
	if !strings.Contains(rows, "more than 7d before the desk first read the mailbox") {
		t.Errorf("the withheld acknowledgement does not say why:\n%s", rows)
	}
	flags := srv.flags(t, "INBOX")
	for i := range 20 {
		if f := flags[fmt.Sprintf("old%d@x", i)]; len(f) != 1 || f[0] != imap.FlagSeen {
			t.Fatalf("read mail old%d has flags %v, want \\Seen alone, as it was", i, f)
		}
	}
	for _, id := range []string{"month@x", "today@x"} {
		if f := flags[id]; len(f) != 1 || f[0] != imap.FlagSeen {
			t.Fatalf("taken mail %s has flags %v, want \\Seen", id, f)
		}
	}
	if s := d.state(t, "INBOX"); s.Backlog != nil || s.LastUID != 22 {
		t.Fatalf("state after the first run: %+v", s)
	}
	if fr, err := g.Preview(ctx); err != nil || fr != nil {
		t.Fatalf("preview after the first run: %+v, %v; want none", fr, err)
	}

	// New mail is new mail: taken even if someone read it first, and acknowledged even if its
	// INTERNALDATE is old (it was moved in from elsewhere).
	srv.put(t, testMail("new@x", "next@corp.example", "wifi", "encore le wifi"), now.AddDate(0, -1, 0), imap.FlagSeen)
	if st, err := g.Once(ctx); err != nil || st.Opened != 1 {
		t.Fatalf("after the first run: %+v, %v", st, err)
	}
	if rows := strings.Join(outboxRows(t, d), "\n"); !strings.Contains(rows, `ack pending ["next@corp.example"]`) {
		t.Fatalf("new mail not acknowledged:\n%s", rows)
	}
}

// TestFirstRunBackfill: "all" takes every mail (those over ack_max_age without an
// acknowledgement); a duration takes what arrived that recently, read or not. What is not taken
// keeps its flags. The choice holds through several batches.
func TestFirstRunBackfill(t *testing.T) {
	for _, c := range []struct {
		backfill           string
		take, noAck, leave int
		flagged            int // Taken mails that were unread: now \Seen.
	}{
		{"all", 23, 21, 0, 2},
		{"7d", 2, 0, 21, 1},  // This morning's, and the one read two days ago.
		{"45d", 3, 1, 20, 2}, // And the month-old one, without an acknowledgement.
	} {
		t.Run(c.backfill, func(t *testing.T) {
			srv := newTestServer(t)
			d := newDesk(t, srv.addr, "", 5) // Several batches.
			ctx := context.Background()
			now := time.Now()
			history(t, srv, now)
			srv.put(t, testMail("read2d@x", "r@corp.example", "wifi", "le wifi"), now.AddDate(0, 0, -2), imap.FlagSeen)
			before := srv.flags(t, "INBOX")
			d.settings.IMAP.Backfill = c.backfill
			g := d.ingester()
			fr, err := g.Preview(ctx)
			if err != nil || fr.Take != c.take || fr.NoAck != c.noAck || fr.Leave != c.leave {
				t.Fatalf("preview %+v, %v; want %d taken (%d without acknowledgement), %d left", fr, err, c.take, c.noAck, c.leave)
			}
			for range 10 {
				if _, err := g.Once(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := count(t, d, `SELECT COUNT(*) FROM tickets`); n != c.take {
				t.Fatalf("%d tickets, want %d", n, c.take)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND state = 'suppressed'`); n != c.noAck {
				t.Fatalf("%d acknowledgements withheld, want %d", n, c.noAck)
			}
			if n := count(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND state = 'pending'`); n != c.take-c.noAck {
				t.Fatalf("%d acknowledgements to send, want %d", n, c.take-c.noAck)
			}
			after := srv.flags(t, "INBOX")
			taken := 0
			for id, f := range after {
				if len(f) == 1 && f[0] == imap.FlagSeen && len(before[id]) == 0 {
					taken++
				} else if len(f) != len(before[id]) {
					t.Errorf("%s: flags %v, were %v", id, f, before[id])
				}
			}
			if taken != c.flagged {
				t.Errorf("%d unread mails flagged \\Seen, want %d", taken, c.flagged)
			}
			if s := d.state(t, "INBOX"); s.Backlog != nil || s.LastUID != 23 {
				t.Fatalf("state after the first run: %+v", s)
			}
		})
	}
}

// TestFirstRunChoiceKept: the first run's choice is recorded before any mail is taken: a
// restart in the middle of the backlog goes on with it, even if the configuration says
// otherwise by then.
func TestFirstRunChoiceKept(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 1)
	ctx := context.Background()
	now := time.Now()
	history(t, srv, now)
	// One batch of one mail, then stop as a crash would; start again with backfill = "all".
	first := d.ingester()
	stop, cancel := context.WithCancel(ctx)
	first.Processed = func(Stats) { cancel() }
	if _, err := first.Once(stop); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets after one batch of one", n)
	}
	s := d.state(t, "INBOX")
	if s.Backlog == nil || s.Backlog.Backfill != "unseen" || s.Backlog.UpTo != 22 {
		t.Fatalf("state in the middle of the backlog: %+v", s)
	}
	d.settings.IMAP.Backfill = "all"
	g := d.ingester()
	if fr, err := g.Preview(ctx); err != nil || fr != nil {
		t.Fatalf("preview in the middle of the backlog: %+v, %v; want none (the first run began)", fr, err)
	}
	for range 5 {
		if _, err := g.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, d, `SELECT COUNT(*) FROM tickets`); n != 2 {
		t.Fatalf("%d tickets; the first run's choice (unseen) takes 2", n)
	}
}

func TestBackfillValues(t *testing.T) {
	for _, v := range []string{"unseen", "all", "7d", "12h"} {
		c := DefaultConfig()
		c.Backfill = v
		if err := c.Validate(); err != nil {
			t.Errorf("backfill %q: %v", v, err)
		}
	}
	for _, v := range []string{"", "seen", "0d", "-1d", "7x"} {
		c := DefaultConfig()
		c.Backfill = v
		var ce *ConfigError
		if err := c.Validate(); !errors.As(err, &ce) || ce.Key != "backfill" {
			t.Errorf("backfill %q: %v, want an error naming backfill", v, err)
		}
	}
	if c := DefaultConfig(); c.Backfill != "unseen" || c.AckMaxAge.Duration != 7*24*time.Hour {
		t.Errorf("defaults: backfill %q, ack_max_age %v", c.Backfill, c.AckMaxAge)
	}
}
