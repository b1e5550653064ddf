package mailin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/tickets"
)

// pipeDesk is a desk that shows how the ingester overlaps its batches: each Ingest waits until
// the next batch has been prepared (read while it commits), and looks at the server then.
type pipeDesk struct {
	*tickets.Desk
	t   *testing.T
	srv *testServer

	mu       sync.Mutex
	prepared [][]string    // Message-IDs of each batch Prepare was given.
	ingested [][]string    // Of each batch Ingest was given.
	seenAt   []int         // \Seen mails in INBOX when each Ingest began.
	next     chan struct{} // Closed when Prepare is given a batch after the one committing.
	patience time.Duration // How long batch 1's commit waits for batch 2 to be prepared; a minute if 0.
}

func (d *pipeDesk) Prepare(ctx context.Context, batch []*tickets.Incoming) {
	d.Desk.Prepare(ctx, batch)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.prepared = append(d.prepared, ids(batch))
	if len(d.prepared) > len(d.ingested) && d.next != nil {
		close(d.next)
		d.next = nil
	}
}

func (d *pipeDesk) Ingest(ctx context.Context, now time.Time, batch []*tickets.Incoming) ([]tickets.Outcome, error) {
	_, seen := d.srv.mailbox(d.t, "INBOX")
	d.mu.Lock()
	d.ingested = append(d.ingested, ids(batch))
	d.seenAt = append(d.seenAt, seen)
	var wait chan struct{}
	if len(d.ingested) == 1 && len(d.prepared) == 1 { // Batch 2 is not prepared yet: wait for it.
		wait = make(chan struct{})
		d.next = wait
	}
	d.mu.Unlock()
	if wait != nil {
		// A guard against a hang, not a measure: the next batch is read while this one commits.
		patience := d.patience
		if patience == 0 {
			patience = time.Minute
		}
		select {
		case <-wait:
		case <-time.After(patience):
			d.t.Error("the next batch was not read while the first committed")
		}
	}
	return d.Desk.Ingest(ctx, now, batch)
}

func ids(batch []*tickets.Incoming) []string {
	var out []string
	for _, in := range batch {
		out = append(out, in.MessageID)
	}
	return out
}

// TestPipelineKeepsOrderAndFlagsAfterCommit: batch 2 is read and prepared while batch 1
// commits; none of batch 1 is flagged before its commit, all of it before batch 2 commits; a
// reply in batch 2 to a request of batch 1 (prepared as a new request, since that request was
// not committed yet) is threaded into its ticket; a mail delivered again in the next batch is a
// duplicate.
func TestPipelineKeepsOrderAndFlagsAfterCommit(t *testing.T) {
	srv := newTestServer(t)
	td := newDesk(t, srv.addr, "", 2)
	d := &pipeDesk{Desk: td.Desk, t: t, srv: srv}
	ctx := context.Background()
	g := NewIngester(d, td.settings, nil)
	if _, err := g.Once(ctx); err != nil { // The first run, on an empty mailbox: no backlog.
		t.Fatal(err)
	}
	srv.deliver(t, "INBOX", testMail("a1@client", "alice@corp.example", "Imprimante en panne", "Bonjour,\nl'imprimante du 2e ne marche plus."))
	srv.deliver(t, "INBOX", testMail("b1@client", "bob@corp.example", "VPN coupé", "Le VPN coupe toutes les minutes."))
	srv.deliver(t, "INBOX", testMail("a2@client", "alice@corp.example", "Re: Imprimante en panne", "Elle affiche une erreur 49.",
		"In-Reply-To: <a1@client>", "References: <a1@client>"))
	srv.deliver(t, "INBOX", testMail("b1@client", "bob@corp.example", "VPN coupé", "the same mail again"))
	srv.deliver(t, "INBOX", testMail("c1@client", "carol@corp.example", "Écran noir", "Mon écran reste noir."))
	st, err := g.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Fetched != 5 || st.Opened != 3 || st.Appended != 1 || st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
	want := [][]string{{"a1@client", "b1@client"}, {"a2@client", "b1@client"}, {"c1@client"}}
	if !slices.EqualFunc(d.ingested, want, slices.Equal) {
		t.Fatalf("batches ingested %v, want %v in UID order", d.ingested, want)
	}
	if !slices.EqualFunc(d.prepared, want, slices.Equal) {
		t.Fatalf("batches prepared %v, want %v", d.prepared, want)
	}
	if !slices.Equal(d.seenAt, []int{0, 2, 4}) {
		t.Fatalf("\\Seen mails as each batch began its commit: %v, want 0 2 4", d.seenAt)
	}
	if n := count(t, td, `SELECT COUNT(*) FROM messages WHERE ticket_id = (SELECT ticket_id FROM messages WHERE message_id = 'a1@client')
		AND message_id IN ('a1@client', 'a2@client')`); n != 2 {
		t.Fatalf("the reply of batch 2 is not on the ticket batch 1 opened (%d)", n)
	}
	if n := count(t, td, `SELECT COUNT(*) FROM tickets`); n != 3 {
		t.Fatalf("%d tickets", n)
	}
	if n, seen := srv.mailbox(t, "INBOX"); n != 5 || seen != 5 {
		t.Fatalf("INBOX: %d mails, %d seen", n, seen)
	}
}

// faultyDesk is memDesk failing at a chosen call: its failSave-th SetMailboxState or its
// failHas-th HasMessage, as a desk that goes away (or a process that dies) at that point.
type faultyDesk struct {
	*memDesk
	fmu               sync.Mutex
	saves, has        int
	failSave, failHas int
}

var errGone = errors.New("the desk went away")

func (d *faultyDesk) SetMailboxState(ctx context.Context, mailbox string, state []byte) error {
	d.fmu.Lock()
	d.saves++
	fail := d.saves == d.failSave
	d.fmu.Unlock()
	if fail {
		return errGone
	}
	return d.memDesk.SetMailboxState(ctx, mailbox, state)
}

func (d *faultyDesk) HasMessage(ctx context.Context, id string) (bool, error) {
	d.fmu.Lock()
	d.has++
	fail := d.has == d.failHas
	d.fmu.Unlock()
	if fail {
		return false, errGone
	}
	return d.memDesk.HasMessage(ctx, id)
}

// seenIDs are the Message-IDs of the mailbox's \Seen mails.
func (s *testServer) seenIDs(t testing.TB, mailbox string) []string {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if slices.Contains(m.Flags, imap.FlagSeen) {
			out = append(out, m.Envelope.MessageID)
		}
	}
	return out
}

// TestPipelineFailureAtEveryPoint: the desk fails at each of its calls in turn (the state saved
// before and after each commit, the duplicate check of each mail, some made while the batch
// before commits); at that point every mail flagged is recorded, and the next pass records and
// flags every mail, each once. The same for a first run whose backlog is the five mails (the
// first run's choice saved, then its batches read ahead as new mail's are).
func TestPipelineFailureAtEveryPoint(t *testing.T) {
	t.Run("new", func(t *testing.T) { failAtEveryPoint(t, false) })
	t.Run("backlog", func(t *testing.T) { failAtEveryPoint(t, true) })
}

func failAtEveryPoint(t *testing.T, backlog bool) {
	const mails = 5
	for _, kind := range []string{"save", "has"} {
		for k := 1; ; k++ {
			srv := newTestServer(t)
			d := &faultyDesk{memDesk: newMemDesk()}
			s := Settings{IMAP: DefaultConfig(), Language: "fr"}
			s.IMAP.Address, s.IMAP.Username, s.IMAP.Password, s.IMAP.BatchSize = srv.addr, "helpdesk", "secret", 2
			g := NewIngester(d, s, nil)
			ctx := context.Background()
			if !backlog {
				if _, err := g.Once(ctx); err != nil { // The first run, on an empty mailbox: no backlog.
					t.Fatal(err)
				}
			}
			for i := range mails {
				srv.deliver(t, "INBOX", testMail(fmt.Sprintf("m%d@x", i), fmt.Sprintf("u%d@corp.example", i), "wifi", "down"))
			}
			d.fmu.Lock()
			d.saves, d.has = 0, 0
			if kind == "save" {
				d.failSave = k
			} else {
				d.failHas = k
			}
			d.fmu.Unlock()
			_, err := g.Once(ctx)
			for _, id := range srv.seenIDs(t, "INBOX") {
				if has, _ := d.memDesk.HasMessage(ctx, id); !has {
					t.Fatalf("%s failing at call %d: %s flagged, not recorded", kind, k, id)
				}
			}
			if err == nil {
				if k == 1 {
					t.Fatalf("%s: no call failed", kind)
				}
				break // Past the last call.
			}
			if !errors.Is(err, errGone) {
				t.Fatalf("%s failing at call %d: %v", kind, k, err)
			}
			d.failSave, d.failHas = 0, 0
			if _, err := g.Once(ctx); err != nil {
				t.Fatalf("%s failing at call %d, then: %v", kind, k, err)
			}
			if n, seen := srv.mailbox(t, "INBOX"); n != mails || seen != mails || len(d.mails) != mails {
				t.Fatalf("%s failing at call %d: %d mails, %d seen, %d recorded", kind, k, n, seen, len(d.mails))
			}
			if st, err := g.loadState(ctx, g.settings().IMAP); err != nil || st.LastUID != mails || len(st.Inflight) != 0 || st.Backlog != nil {
				t.Fatalf("%s failing at call %d: state %+v %v", kind, k, st, err)
			}
		}
	}
}

// TestPipelineDropsTheBatchAheadOfAFailure: a mail of batch 1 fails; the mails of batch 2,
// read while batch 1 committed, are neither recorded nor flagged in that pass; the next passes
// take them, and the failed mail again.
func TestPipelineDropsTheBatchAheadOfAFailure(t *testing.T) {
	srv := newTestServer(t)
	d := newMemDesk()
	s := Settings{IMAP: DefaultConfig(), Language: "fr"}
	s.IMAP.Address, s.IMAP.Username, s.IMAP.Password, s.IMAP.BatchSize = srv.addr, "helpdesk", "secret", 2
	g := NewIngester(d, s, nil)
	ctx := context.Background()
	if _, err := g.Once(ctx); err != nil { // The first run, on an empty mailbox: no backlog.
		t.Fatal(err)
	}
	for i := range 4 {
		srv.deliver(t, "INBOX", testMail(fmt.Sprintf("m%d@x", i), fmt.Sprintf("u%d@corp.example", i), "wifi", "down"))
	}
	failing := true
	d.fail = func(in *tickets.Incoming) error {
		if failing && in.MessageID == "m1@x" {
			return errors.New("cannot record it")
		}
		return nil
	}
	st, err := g.Once(ctx)
	if err != nil || st.Opened != 1 || st.Failed != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	if seen := srv.seenIDs(t, "INBOX"); !slices.Equal(seen, []string{"m0@x"}) || len(d.mails) != 1 {
		t.Fatalf("seen %v, %d recorded: only the first mail is done", seen, len(d.mails))
	}
	failing = false
	total := st
	for range 3 {
		st, err := g.Once(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.add(st)
	}
	if n, seen := srv.mailbox(t, "INBOX"); seen != 4 || n != 4 || len(d.mails) != 4 || total.Opened != 4 {
		t.Fatalf("%d of %d seen, %d recorded, stats %+v", seen, n, len(d.mails), total)
	}
}

// TestPipelineMovesToDoneMailbox: with done_mailbox, each batch is moved after its commit while
// the next, read ahead by UID, is unaffected: every mail is recorded once and moved.
func TestPipelineMovesToDoneMailbox(t *testing.T) {
	srv := newTestServer(t)
	d := newMemDesk()
	s := Settings{IMAP: DefaultConfig(), Language: "fr"}
	s.IMAP.Address, s.IMAP.Username, s.IMAP.Password, s.IMAP.BatchSize, s.IMAP.DoneMailbox = srv.addr, "helpdesk", "secret", 2, "Done"
	g := NewIngester(d, s, nil)
	ctx := context.Background()
	if _, err := g.Once(ctx); err != nil { // The first run, on an empty mailbox: no backlog.
		t.Fatal(err)
	}
	for i := range 5 {
		srv.deliver(t, "INBOX", testMail(fmt.Sprintf("m%d@x", i), fmt.Sprintf("u%d@corp.example", i), "wifi", "down"))
	}
	st, err := g.Once(ctx)
	if err != nil || st.Opened != 5 {
		t.Fatalf("stats %+v %v", st, err)
	}
	if n, _ := srv.mailbox(t, "INBOX"); n != 0 {
		t.Fatalf("%d mails left in INBOX", n)
	}
	if n, _ := srv.mailbox(t, "Done"); n != 5 || len(d.mails) != 5 {
		t.Fatalf("%d mails in Done, %d recorded", n, len(d.mails))
	}
}

// TestPipelineFirstRun: a first run's backlog is read ahead as new mail is: batch 2 is prepared
// while batch 1 commits, the mails the first run leaves (read ones, for backfill "unseen") are
// not taken nor touched, none of a batch is flagged before its commit, and a stop after batch 1
// (batch 2 read ahead, then dropped) loses no mail and doubles none.
func TestPipelineFirstRun(t *testing.T) {
	srv := newTestServer(t)
	td := newDesk(t, srv.addr, "", 5)
	d := &pipeDesk{Desk: td.Desk, t: t, srv: srv, patience: 20 * time.Second}
	ctx := context.Background()
	now := time.Now()
	var want []string
	for i := range 12 {
		id := fmt.Sprintf("u%d@x", i)
		srv.put(t, testMail(id, fmt.Sprintf("u%d@corp.example", i), "wifi", "le wifi"), now.Add(-time.Hour))
		want = append(want, id)
		if i%4 == 1 { // Read already: the first run leaves it.
			srv.put(t, testMail(fmt.Sprintf("read%d@x", i), "r@corp.example", "vpn", "le vpn"), now.Add(-time.Hour), imap.FlagSeen)
		}
	}
	first := NewIngester(d, td.settings, nil)
	stop, cancel := context.WithCancel(ctx)
	first.Processed = func(Stats) { cancel() }
	if _, err := first.Once(stop); err != nil {
		t.Fatal(err)
	}
	if len(d.prepared) != 2 || !slices.Equal(d.prepared[0], want[:5]) || !slices.Equal(d.prepared[1], want[5:10]) {
		t.Fatalf("batches prepared %v; want batch 2 read while batch 1 committed", d.prepared)
	}
	if n := count(t, td, `SELECT COUNT(*) FROM tickets`); n != 5 {
		t.Fatalf("%d tickets after batch 1", n)
	}
	if s := td.state(t, "INBOX"); s.Backlog == nil || s.LastUID != 6 {
		t.Fatalf("state after batch 1: %+v", s)
	}
	g := NewIngester(d, td.settings, nil)
	if _, err := g.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(d.ingested, [][]string{want[:5], want[5:10], want[10:]}, slices.Equal) {
		t.Fatalf("batches ingested %v", d.ingested)
	}
	// Batch 2 read again after the stop, batch 3 read ahead of its commit and taken as read.
	if !slices.EqualFunc(d.prepared, [][]string{want[:5], want[5:10], want[5:10], want[10:]}, slices.Equal) {
		t.Fatalf("batches prepared %v", d.prepared)
	}
	if !slices.Equal(d.seenAt, []int{3, 8, 13}) {
		t.Fatalf("\\Seen mails as each batch began its commit: %v, want 3 8 13 (the 3 read ones, then each batch after its commit)", d.seenAt)
	}
	if n := count(t, td, `SELECT COUNT(*) FROM tickets`); n != 12 {
		t.Fatalf("%d tickets, want 12", n)
	}
	if n, seen := srv.mailbox(t, "INBOX"); n != 15 || seen != 15 {
		t.Fatalf("INBOX: %d mails, %d seen", n, seen)
	}
	if s := td.state(t, "INBOX"); s.Backlog != nil || s.LastUID != 15 {
		t.Fatalf("state after the first run: %+v", s)
	}
}
