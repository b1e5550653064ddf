package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/tickets"
)

// Ingester reads the desk's IMAP inbox into the desk, exactly once:
//
//   - It fetches mails with UIDs above the last one recorded for the mailbox (UIDVALIDITY
//     checked; when it changes the mailbox is rescanned and the Message-ID dedupe absorbs it).
//   - Headers first: a mail already processed, or an automatic one, is judged before its body is
//     downloaded.
//   - A batch is committed in one transaction; only then are its mails flagged \Seen or moved,
//     and only then does the recorded last UID advance. A crash between commit and flag leaves
//     the mail for the next run, which finds its Message-ID done and just flags it.
//   - A mail that cannot be processed after retries is moved to the quarantine mailbox.
type Ingester struct {
	desk Desk
	set  atomic.Pointer[Settings]
	log  *slog.Logger
	now  func() time.Time

	// Processed is called after each committed batch (to wake the sender).
	Processed func(Stats)
	// Dial connects to the server; nil: from the configuration.
	Dial func(opts *imapclient.Options) (*imapclient.Client, error)

	status status // Where the connection stands (Status).
}

// Stats counts what one pass did.
type Stats struct {
	Fetched     int
	Opened      int
	Appended    int // Replies, commands and messages into existing tickets.
	Duplicates  int
	Automatic   int // Auto-replies, bounces, lists and loops: recorded, never answered.
	Quarantined int
	Failed      int // Left for the next pass.
}

func (s *Stats) add(o Stats) {
	s.Fetched += o.Fetched
	s.Opened += o.Opened
	s.Appended += o.Appended
	s.Duplicates += o.Duplicates
	s.Automatic += o.Automatic
	s.Quarantined += o.Quarantined
	s.Failed += o.Failed
}

// maxAttempts is how often a mail may fail before it is quarantined.
const maxAttempts = 3

// Settings are the ingester's: the [imap] section, and what it must know of the desk to read
// its mail.
type Settings struct {
	IMAP     Config
	Parse    ParseOptions // The desk's addresses, its own Message-IDs and its attachment limit.
	Language string       // The desk's language: that of a mail that does not show its own.
	Tokens   TokenSource  // The OAuth2 access tokens of auth xoauth2 and oauthbearer; nil for a password.
}

// NewIngester returns an ingester that reads the inbox of s.IMAP into the desk.
func NewIngester(d Desk, s Settings, log *slog.Logger) *Ingester {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Ingester{desk: d, log: log, now: time.Now}
	g.SetConfig(s)
	return g
}

// SetConfig replaces the settings (SIGHUP). A session whose [imap] settings changed reconnects;
// the batch in hand finishes with the settings it started with.
func (g *Ingester) SetConfig(s Settings) { g.set.Store(&s) }

func (g *Ingester) settings() *Settings { return g.set.Load() }

// session is one connection with the inbox selected.
type session struct {
	c           *imapclient.Client
	cfg         Config // The settings it connected with: a reload that changes them reconnects.
	uidValidity uint32
	numMessages uint32        // When it was selected.
	newMail     chan struct{} // Signalled when the server reports new messages.
	watch       *silentWatch  // Hangs up on a server silent while a command waits (begin).
}

// begin marks a command waiting on the server (silentWatch) until the function it returns is
// called.
func (s *session) begin() (end func()) { return s.watch.begin() }

// errReconfigured ends a session whose [imap] settings were changed by a reload.
var errReconfigured = errors.New("imap settings changed: reconnecting")

func (g *Ingester) connect(ctx context.Context) (*session, error) {
	set := g.settings()
	cfg := set.IMAP
	s := &session{cfg: cfg, newMail: make(chan struct{}, 1), watch: newSilentWatch(silentLimit)}
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: host(cfg.Address), InsecureSkipVerify: cfg.InsecureSkipVerify},
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case s.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	var err error
	if g.Dial != nil {
		c, err = g.Dial(opts)
	} else {
		c, err = dial(cfg, opts, s.watch)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to imap %s: %w", cfg.Address, err)
	}
	s.c = c
	go s.watch.run(func() { _ = c.Close() })
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	end := s.begin()
	err = login(ctx, c, cfg, set.Tokens)
	end()
	if err != nil {
		s.close(g.log)
		return nil, s.watch.explain(err)
	}
	end = s.begin()
	sel, err := c.Select(cfg.Mailbox, nil).Wait()
	end()
	if err != nil {
		s.close(g.log)
		return nil, s.watch.explain(fmt.Errorf("select mailbox %q: %w", cfg.Mailbox, err))
	}
	s.uidValidity, s.numMessages = sel.UIDValidity, sel.NumMessages
	return s, nil
}

func (s *session) close(log *slog.Logger) {
	end := s.begin()
	if err := s.c.Logout().Wait(); err != nil {
		log.Debug("imap logout", "err", err)
	}
	end()
	s.watch.close()
	if err := s.c.Close(); err != nil {
		log.Debug("imap close", "err", err)
	}
}

func host(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// Check connects, logs in and selects the mailbox, for `deskd check`.
func (g *Ingester) Check(ctx context.Context) error {
	s, err := g.connect(ctx)
	if err != nil {
		return err
	}
	s.close(g.log)
	return nil
}

// Once processes everything now in the inbox and returns (`deskd poll --once`).
func (g *Ingester) Once(ctx context.Context) (Stats, error) {
	s, err := g.connect(ctx)
	if err != nil {
		return Stats{}, err
	}
	defer s.close(g.log)
	st, err := g.drain(ctx, s)
	return st, s.watch.explain(err)
}

// Run is the daemon loop: process, then wait for new mail with IDLE where the server has it,
// else poll every poll_interval; reconnect with backoff and jitter when the server goes away.
func (g *Ingester) Run(ctx context.Context) error {
	g.status.set(func(s *Status) { *s = Status{Running: true} })
	defer g.status.set(func(s *Status) { *s = Status{} })
	backoff := time.Second
	for ctx.Err() == nil {
		connected := false
		err := g.session(ctx, func() {
			connected = true
			metricConnected.Set(1)
			g.status.set(func(s *Status) {
				s.Connected, s.Since, s.RetryAt, s.FailingSince = true, time.Now(), time.Time{}, time.Time{}
			})
		})
		metricConnected.Set(0)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			backoff = time.Second // The server was reachable: start the backoff over.
		}
		wait := backoff/2 + rand.N(backoff)
		if waitsForPerson(err) {
			// The token source logged what to do, once: look again at the next poll.
			wait = g.settings().IMAP.PollInterval.Duration
			g.log.Debug("imap login waits for deskd oauth login", "err", err, "in", wait)
		} else {
			g.log.Warn("imap session ended; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
			backoff = min(backoff*2, 5*time.Minute)
		}
		g.status.set(func(s *Status) {
			now := time.Now()
			switch {
			case connected:
				s.FailingSince = time.Time{} // The session ended; reconnecting has not failed yet.
			case s.FailingSince.IsZero():
				s.FailingSince = now
			}
			s.Connected, s.Since, s.RetryAt, s.LastErr = false, now, now.Add(wait), fmt.Sprint(err)
		})
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
	return nil
}

func (g *Ingester) session(ctx context.Context, connected func()) error {
	s, err := g.connect(ctx)
	if err != nil {
		return err
	}
	connected()
	defer s.close(g.log)
	idle := s.c.Caps().Has(imap.CapIdle)
	g.log.Info("imap connected", "mailbox", s.cfg.Mailbox, "idle", idle)
	for {
		if g.settings().IMAP != s.cfg {
			return errReconfigured
		}
		if _, err := g.drain(ctx, s); err != nil {
			return s.watch.explain(err)
		}
		interval := s.cfg.PollInterval.Duration
		if noop := s.cfg.NoopInterval.Duration; noop > 0 {
			if stop, err := g.noopWait(ctx, s, noop, interval); stop || err != nil {
				return s.watch.explain(err)
			}
			continue
		}
		if !idle {
			waited, stop := g.wait(s, interval)
			select {
			case <-ctx.Done():
				stop()
				return nil
			case <-s.c.Closed():
				stop()
				return errors.New("connection closed")
			case <-waited:
			}
			continue
		}
		cmd, err := s.c.Idle()
		if err != nil {
			return fmt.Errorf("idle: %w", err)
		}
		// Re-issue IDLE well before servers' 30-minute timeout (RFC 2177), and poll anyway at
		// poll_interval in case a notification is lost.
		waited, stop := g.wait(s, min(interval, 20*time.Minute))
		select {
		case <-ctx.Done():
		case <-s.c.Closed():
		case <-s.newMail:
		case <-waited:
		}
		stop()
		select {
		case <-s.c.Closed():
			return errors.New("the server closed the connection")
		default:
		}
		end := s.begin() // DONE, and IDLE's completion.
		err = cmd.Close()
		if err == nil {
			if err = cmd.Wait(); err != nil && ctx.Err() == nil {
				err = fmt.Errorf("idle: %w", err)
			} else {
				err = nil
			}
		} else {
			err = fmt.Errorf("end idle: %w", err)
		}
		end()
		if err != nil {
			return s.watch.explain(err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// noopWait waits for new mail by asking the server with NOOP every noop ([imap] noop_interval),
// at most until interval has passed or a reload changed [imap]. A server reports new mail in its
// answer to a command at once, where some tell an IDLE client late: Dovecot waits up to half a
// second after a delivery (NOTIFY_DELAY_MSECS, fixed at compile time). Each NOOP is a round trip
// and a little of the server's time. stop: ctx ended, the session must end.
func (g *Ingester) noopWait(ctx context.Context, s *session, noop, interval time.Duration) (stop bool, err error) {
	deadline := time.Now().Add(interval)
	t := time.NewTicker(noop)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, nil
		case <-s.c.Closed():
			return true, errors.New("connection closed")
		case <-s.newMail:
			return false, nil
		case <-t.C:
		}
		if time.Now().After(deadline) || g.settings().IMAP != s.cfg {
			return false, nil
		}
		end := s.begin()
		err := s.c.Noop().Wait()
		end()
		if err != nil {
			return true, fmt.Errorf("noop: %w", err)
		}
		select {
		case <-s.newMail: // Told in the NOOP's answer.
			return false, nil
		default:
		}
	}
}

// reconfigureCheck is how often a waiting session looks for a reload of [imap].
const reconfigureCheck = 2 * time.Second

// wait returns a channel closed after d, or sooner when a reload changed the [imap] settings,
// and a function that ends the wait early (call it when done waiting).
func (g *Ingester) wait(s *session, d time.Duration) (<-chan struct{}, func()) {
	ch, stop := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ch)
		deadline := time.NewTimer(d)
		defer deadline.Stop()
		tick := time.NewTicker(reconfigureCheck)
		defer tick.Stop()
		for {
			select {
			case <-deadline.C:
				return
			case <-stop:
				return
			case <-s.c.Closed():
				return
			case <-tick.C:
				if g.settings().IMAP != s.cfg {
					return
				}
			}
		}
	}()
	var once sync.Once
	return ch, func() { once.Do(func() { close(stop) }) }
}

// drain processes batches until nothing new is left (or a mail must wait for a retry). A
// cancelled ctx stops it between batches: the batch in hand is committed and flagged first.
//
// Batches overlap: while the desk's writer commits one, the next is searched, fetched, parsed
// and prepared (read); it is flagged only after its own commit, which begins once the one before
// it is flagged. At most one batch is read ahead, and only when the search found more mail than
// a batch takes: a lone mail (serve on IDLE) goes through as before, without waiting for a search.
func (g *Ingester) drain(ctx context.Context, s *session) (Stats, error) {
	var total Stats
	work := context.WithoutCancel(ctx)
	var ahead *pass
	for ctx.Err() == nil {
		st, more, next, err := g.batch(work, s, ahead)
		total.add(st)
		if err != nil {
			return total, err
		}
		if st.Fetched > 0 && g.Processed != nil {
			g.Processed(st)
		}
		if !more {
			break
		}
		ahead = next
	}
	return total, nil
}

// fetched is one mail of a batch on its way through.
type fetched struct {
	uid   imap.UID
	size  int64
	head  *Message // Parsed from the header alone.
	full  *Message // Parsed whole, nil if the body was not needed.
	in    *tickets.Incoming
	done  bool // Its effect is committed (or it was quarantined): flag it.
	alone bool // Processed alone, with its attempts counted.
	bad   bool // Cannot be parsed: quarantine.

	seen    bool      // Flagged \Seen when fetched.
	arrived time.Time // INTERNALDATE.
	leave   bool      // Not taken by the first run: done with, and left untouched.
	late    string    // Why the first run sends no acknowledgement for it, "" when it does.
}

// pass is one batch read from the server and not yet committed: its mails in UID order, and
// what its reading counted.
type pass struct {
	uidValidity uint32
	lastUID     uint32 // The last UID recorded when it was read: the mails are those above.
	mails       []*fetched
	batch       []*fetched // The mails for the desk, in UID order.
	ids         []string   // Their Message-IDs.
	st          Stats
	more        bool     // The search found more mail than a batch takes.
	backlog     *backlog // The first run's choice it was read with, nil if none.
}

// readWith reports whether the pass is what a read now, with the first run's choice b (nil if
// none), would give: the choice it was read with is b, or a choice that took nothing above the
// pass's last recorded UID (its backlog ends there: the batch before took the rest of it).
func (p *pass) readWith(b *backlog) bool {
	switch {
	case p.backlog == nil:
		return b == nil
	case b == nil:
		return p.lastUID >= p.backlog.UpTo
	}
	return b.UpTo == p.backlog.UpTo && b.Backfill == p.backlog.Backfill && b.AckMaxAge == p.backlog.AckMaxAge &&
		b.At.Equal(p.backlog.At)
}

// preparer is a desk that does the work of a batch's new requests that needs no writer before
// Ingest (tickets.Desk.Prepare): the ingester has it done while the batch before commits.
type preparer interface {
	Prepare(ctx context.Context, batch []*tickets.Incoming)
}

// batch processes the next batch of new mail: ahead, when it was read while the batch before
// committed and still follows the recorded state, else read now. more reports that another
// batch may follow; next is that batch, read while this one committed (nil if not read).
func (g *Ingester) batch(ctx context.Context, s *session, ahead *pass) (st Stats, more bool, next *pass, err error) {
	mailbox := s.cfg.Mailbox // The mailbox this session selected, whatever a reload says.
	state, err := g.loadState(ctx, s.cfg)
	if err != nil {
		return st, false, nil, err
	}
	p := ahead
	if p != nil && (!state.recorded || state.UIDValidity != p.uidValidity || state.LastUID != p.lastUID || !p.readWith(state.Backlog)) {
		p = nil // Not what the state now says: read again.
	}
	if p == nil {
		if !state.recorded || state.UIDValidity != s.uidValidity {
			if state, err = g.firstRun(ctx, s, mailbox, state); err != nil {
				return st, false, nil, err
			}
		}
		if p, err = g.read(ctx, s, state.LastUID, state.Backlog); err != nil {
			return st, false, nil, err
		}
		if p == nil { // Nothing new.
			if b := state.Backlog; b != nil { // Nothing left that the first run takes: the backlog is done.
				// A mail still in flight was committed and flagged, and only the state saved after
				// it was lost: a backlog mail not flagged would have been found.
				state.LastUID, state.Backlog, state.Inflight = max(state.LastUID, b.UpTo), nil, nil
				g.log.Info("first run done: the mail already in the mailbox is taken", "mailbox", mailbox)
				return st, false, nil, g.saveState(ctx, mailbox, state)
			}
			return st, false, nil, nil
		}
	}
	st = p.st
	backlog := state.Backlog
	mails := p.mails

	// The commit, with the next batch read meanwhile when there is one: also in a first run's
	// backlog, read with the same choice (a first import of a large mailbox went one batch after
	// the other). Reading flags nothing: a mail is flagged only after its own batch commits.
	var aheadErr error
	if p.more {
		done := make(chan error, 1)
		committing := state
		go func() {
			defer func() {
				if r := recover(); r != nil {
					done <- fmt.Errorf("commit: panic: %v", r)
				}
			}()
			done <- g.process(ctx, mailbox, &committing, p.batch, p.ids, &st)
		}()
		next, aheadErr = g.read(ctx, s, uint32(mails[len(mails)-1].uid), backlog)
		err = <-done
		state = committing
	} else {
		err = g.process(ctx, mailbox, &state, p.batch, p.ids, &st)
	}
	if err != nil {
		return st, false, nil, err
	}

	var flag, quarantine []imap.UID
	for _, m := range mails {
		switch {
		case m.leave:
		case m.bad:
			quarantine = append(quarantine, m.uid)
		case m.done:
			flag = append(flag, m.uid)
		}
	}
	if err := g.markDone(s, flag); err != nil {
		return st, false, nil, err
	}
	if err := g.quarantine(s, quarantine); err != nil {
		return st, false, nil, err
	}
	st.Quarantined += len(quarantine)
	// The record of the attempt goes only once the mails are flagged or moved: a failed move
	// keeps it. Mails left for a retry stay in flight, so the next pass takes them one by one.
	var finished, left []string
	for _, m := range mails {
		switch {
		case !m.done && !m.bad:
			if m.in != nil {
				left = append(left, m.in.MessageID)
			}
		case m.alone:
			finished = append(finished, m.in.MessageID)
		}
	}
	state.Inflight = left
	for _, id := range finished {
		delete(state.Attempts, id)
	}
	// The last UID advances over the leading run of finished mails only: one left for a retry
	// is fetched again next time.
	newLast, truncated, allDone := p.lastUID, p.more, true
	more = p.more
	for _, m := range mails {
		if !m.done && !m.bad {
			more, allDone = false, false
			break
		}
		newLast = uint32(m.uid)
	}
	if backlog != nil && allDone && !truncated {
		// Every mail of the backlog the first run takes was in this batch: the others, up to
		// the backlog's end, are left alone.
		newLast = max(newLast, backlog.UpTo)
	}
	state.UIDValidity, state.LastUID = s.uidValidity, newLast
	if backlog != nil && newLast >= backlog.UpTo {
		state.Backlog = nil
		g.log.Info("first run done: the mail already in the mailbox is taken", "mailbox", mailbox)
	}
	if err := g.saveState(ctx, mailbox, state); err != nil {
		return st, false, nil, err
	}
	if !more {
		return st, false, nil, nil // A batch read ahead is dropped: nothing of it was flagged.
	}
	if aheadErr != nil {
		return st, false, nil, aheadErr
	}
	return st, true, next, nil
}

// read reads the next batch of new mail, the mails above lastUID: headers first, then the
// bodies of those not already done or judged on their header, parsed and converted, and
// prepared by the desk. Nil: there is no new mail.
func (g *Ingester) read(ctx context.Context, s *session, lastUID uint32, backlog *backlog) (p *pass, err error) {
	set := g.settings()
	// Where the server has ESEARCH (RFC 4731), it answers with ranges ("1:5000") instead of
	// every UID: each batch searches all the mail left, so that a backlog of n mails took n²/batch
	// numbers across its batches.
	var sopts *imap.SearchOptions
	if caps := s.c.Caps(); caps.Has(imap.CapESearch) || caps.Has(imap.CapIMAP4rev2) {
		sopts = &imap.SearchOptions{ReturnAll: true}
	}
	end := s.begin()
	search, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(lastUID + 1), Stop: 0}}}}, sopts).Wait()
	end()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var uids []imap.UID
	for _, u := range search.AllUIDs() {
		if uint32(u) > lastUID { // "n:*" always matches the last message, even below n.
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	if backlog != nil && len(uids) > 0 {
		if uids, err = g.backlogUIDs(s, backlog, lastUID, uids); err != nil {
			return nil, err
		}
	}
	if len(uids) == 0 {
		return nil, nil
	}
	p = &pass{uidValidity: s.uidValidity, lastUID: lastUID, backlog: backlog}
	st := &p.st
	size := max(s.cfg.BatchSize, 1)
	if len(uids) > size {
		uids, p.more = uids[:size], true
	}
	st.Fetched = len(uids)

	// Headers first.
	mails, err := g.fetchHeaders(s, uids, backlog != nil)
	if err != nil {
		return nil, err
	}
	p.mails = mails
	if backlog != nil {
		for _, m := range mails {
			if uint32(m.uid) > backlog.UpTo || m.done {
				continue
			}
			if !backlog.takes(m.seen, m.arrived) {
				m.done, m.leave = true, true
				st.Fetched--
				continue
			}
			m.late = backlog.late(m.arrived)
		}
	}
	opts := set.Parse
	had, err := g.hasMessages(ctx, mails)
	if err != nil {
		return nil, err
	}
	var needBody []*fetched
	for _, m := range mails {
		if m.leave {
			continue
		}
		if m.head != nil && !m.head.DerivedID {
			if had[m.head.MessageID] {
				m.done = true
				st.Duplicates++
				continue
			}
			// An automatic mail needs no body, except a bounce (its report names who failed) and
			// other automatic mail, which opens a ticket (a monitoring tool's alert).
			if v := m.head.Verdict; v == VerdictAutoReply || v == VerdictLoop {
				m.full = m.head
				continue
			}
		}
		needBody = append(needBody, m)
	}
	// A mail over max_message is read only that far: the ticket still opens with what can be
	// read, and the memory a hostile mail can take is bounded.
	limit := int64(s.cfg.MaxMessage)
	var whole, huge []*fetched
	for _, m := range needBody {
		if limit > 0 && m.size > limit {
			huge = append(huge, m)
		} else {
			whole = append(whole, m)
		}
	}
	if err := g.fetchBodies(s, whole, opts, wholeSection); err != nil {
		return nil, err
	}
	if len(huge) > 0 {
		part := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: limit}}
		if err := g.fetchBodies(s, huge, opts, part); err != nil {
			return nil, err
		}
		for _, m := range huge {
			if m.full != nil {
				m.full.Problems = append(m.full.Problems, fmt.Sprintf("message truncated: read %d of %d bytes", limit, m.size))
				g.log.Warn("huge mail read in part", "uid", m.uid, "size", m.size, "read", limit)
			}
		}
	}

	inParallel(len(mails), func(i int) {
		if m := mails[i]; !m.done && !m.bad {
			in, ok := g.readIncoming(m, set.Language)
			if !ok {
				m.bad = true
				return
			}
			m.in = in
			m.in.NoAck = m.late
		}
	})
	var ins []*tickets.Incoming
	for _, m := range mails {
		if m.done || m.bad {
			continue
		}
		p.batch = append(p.batch, m)
		p.ids = append(p.ids, m.in.MessageID)
		ins = append(ins, m.in)
	}
	if d, ok := g.desk.(preparer); ok && len(ins) > 0 {
		d.Prepare(ctx, ins)
	}
	return p, nil
}

// messageChecker is a desk that looks a batch's Message-IDs up at once (tickets.Desk.HasMessages):
// one query for the batch instead of one a mail.
type messageChecker interface {
	HasMessages(ctx context.Context, ids []string) (map[string]bool, error)
}

// hasMessages reports which of the mails read on their header, with a Message-ID of their own,
// the desk has already processed.
func (g *Ingester) hasMessages(ctx context.Context, mails []*fetched) (map[string]bool, error) {
	var ids []string
	for _, m := range mails {
		if !m.leave && m.head != nil && !m.head.DerivedID {
			ids = append(ids, m.head.MessageID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if d, ok := g.desk.(messageChecker); ok {
		return d.HasMessages(ctx, ids)
	}
	had := make(map[string]bool, len(ids))
	for _, id := range ids {
		dup, err := g.desk.HasMessage(ctx, id)
		if err != nil {
			return nil, err
		}
		had[id] = dup
	}
	return had, nil
}

var headerSection = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
var wholeSection = &imap.FetchItemBodySection{Peek: true}

// fetchHeaders fetches the mails' headers and sizes, and with firstRun their flags and arrival
// (what the first run's choice reads, and nothing else): each item of a FETCH response is handed
// from go-imap's reader to the fetch's reader on a channel of its own.
func (g *Ingester) fetchHeaders(s *session, uids []imap.UID, firstRun bool) ([]*fetched, error) {
	end := s.begin()
	msgs, err := collectFetch(s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, RFC822Size: true, Flags: firstRun, InternalDate: firstRun, BodySection: []*imap.FetchItemBodySection{headerSection},
	}))
	end()
	if err != nil {
		return nil, fmt.Errorf("fetch headers: %w", err)
	}
	opts := g.settings().Parse
	heads := make([]*fetched, len(msgs))
	inParallel(len(msgs), func(i int) {
		m := msgs[i]
		f := &fetched{uid: m.UID, size: m.RFC822Size, seen: slices.Contains(m.Flags, imap.FlagSeen), arrived: m.InternalDate}
		if h := m.FindBodySection(headerSection); len(h) > 0 {
			if p, err := Parse(h, opts); err == nil {
				f.head = p
			}
		}
		heads[i] = f
	})
	byUID := map[imap.UID]*fetched{}
	for _, f := range heads {
		byUID[f.uid] = f
	}
	var out []*fetched
	for _, u := range uids {
		if f, ok := byUID[u]; ok {
			out = append(out, f)
		} else {
			// Expunged meanwhile by someone else: nothing to do.
			out = append(out, &fetched{uid: u, done: true})
		}
	}
	return out, nil
}

// fetchBodies fetches section of each of the mails want and parses it (in parallel) into the
// mail's full; a mail the server no longer has is done, one that cannot be read is bad.
func (g *Ingester) fetchBodies(s *session, want []*fetched, opts ParseOptions, section *imap.FetchItemBodySection) error {
	if len(want) == 0 {
		return nil
	}
	uids := make([]imap.UID, len(want))
	for i, f := range want {
		uids[i] = f.uid
	}
	end := s.begin()
	msgs, err := collectFetch(s.c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, BodySection: []*imap.FetchItemBodySection{section},
	}))
	end()
	if err != nil {
		return fmt.Errorf("fetch bodies: %w", err)
	}
	raw := map[imap.UID][]byte{}
	for _, m := range msgs {
		raw[m.UID] = m.FindBodySection(section)
	}
	inParallel(len(want), func(i int) {
		f := want[i]
		b, ok := raw[f.uid]
		if !ok {
			f.done = true // Expunged meanwhile.
			return
		}
		p, err := parseWhole(b, f.head, opts) // The header is read once, in the header pass.
		if err != nil {
			g.log.Error("unreadable mail: quarantined", "uid", f.uid, "err", err)
			f.bad = true
			return
		}
		f.full = p
	})
	return nil
}

// collectFetch is cmd.Collect() for the items the ingester fetches (UID, RFC822.SIZE, FLAGS,
// INTERNALDATE and body sections), each body section read into a buffer of the literal's size
// (readLiteral) where Collect grows one from 512 bytes: a generated mail's whole body took some
// ten allocations and copies of its bytes, and the garbage fed the collector.
func collectFetch(cmd *imapclient.FetchCommand) ([]*imapclient.FetchMessageBuffer, error) {
	defer cmd.Close()
	var l []*imapclient.FetchMessageBuffer
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		buf := &imapclient.FetchMessageBuffer{SeqNum: msg.SeqNum}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			var err error
			switch item := item.(type) {
			case imapclient.FetchItemDataBodySection:
				var b []byte
				if item.Literal != nil {
					b, err = readLiteral(item.Literal)
				}
				buf.BodySection = append(buf.BodySection, imapclient.FetchBodySectionBuffer{Section: item.Section, Bytes: b})
			case imapclient.FetchItemDataFlags:
				buf.Flags = item.Flags
			case imapclient.FetchItemDataInternalDate:
				buf.InternalDate = item.Time
			case imapclient.FetchItemDataRFC822Size:
				buf.RFC822Size = item.Size
			case imapclient.FetchItemDataUID:
				buf.UID = item.UID
			}
			if err != nil {
				drain(msg)
				return l, err
			}
		}
		l = append(l, buf)
	}
	return l, cmd.Close()
}

// drain reads the rest of a message's items, as Collect does when it stops early.
func drain(msg *imapclient.FetchMessageData) {
	for msg.Next() != nil {
	}
}

// maxLiteralAlloc is the largest literal readLiteral reads into a buffer of its claimed size; a
// larger one is read as it comes (io.ReadAll).
const maxLiteralAlloc = 16 << 20

// firstLiteralAlloc is what readLiteral allocates before a literal's bytes come: a larger
// literal's buffer doubles as they arrive, up to its size, so that a size claimed but not sent
// (a server that stalls) holds at most twice what was sent, not the size.
const firstLiteralAlloc = 256 << 10

// readLiteral is io.ReadAll(lit) in a buffer of the literal's size (grown to it as its bytes come,
// past firstLiteralAlloc).
func readLiteral(lit imap.LiteralReader) ([]byte, error) {
	size := lit.Size()
	if size < 0 || size > maxLiteralAlloc {
		return io.ReadAll(lit)
	}
	b := make([]byte, 0, min(size, firstLiteralAlloc))
	for int64(len(b)) < size {
		if len(b) == cap(b) {
			b = slices.Grow(b, int(min(size, 2*int64(cap(b)))-int64(len(b))))
		}
		n, err := lit.Read(b[len(b):int(min(int64(cap(b)), size))])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF: // As io.ReadAll: the bytes there were, and the fetch's own error.
			return b, nil
		case err != nil:
			return b, err
		}
	}
	// The literal's end, read: the response reader goes on past it.
	var one [1]byte
	n, err := lit.Read(one[:])
	switch {
	case n > 0: // Longer than it said: read the rest as it comes.
		more, err := io.ReadAll(lit)
		return append(append(b, one[0]), more...), err
	case err == io.EOF:
		return b, nil
	}
	return b, err
}

// inParallel calls fn(0) … fn(n-1) on as many goroutines as there are processors, and returns
// when all are done: parsing a batch's mails uses every core while the store's one writer waits.
func inParallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// process commits a batch. The mails go in one group commit, recorded as in flight before it
// begins. A mail that was in a group commit that never finished (the process crashed, or the
// mail failed) goes alone, each of its tries counted in the store before it is made: only the
// mail at fault reaches maxAttempts and is quarantined, not the mails that shared its batch.
func (g *Ingester) process(ctx context.Context, mailbox string, state *mailboxState, batch []*fetched, ids []string, st *Stats) error {
	inflight := map[string]bool{}
	for _, id := range state.Inflight {
		inflight[id] = true
	}
	if len(ids) > 0 {
		state.Inflight = ids
		if err := g.saveState(ctx, mailbox, *state); err != nil {
			return err
		}
	}
	var group, alone []*fetched
	for _, m := range batch {
		if inflight[m.in.MessageID] {
			alone = append(alone, m)
		} else {
			group = append(group, m)
		}
	}
	if err := g.commit(ctx, group, st); err != nil {
		return err
	}
	for _, m := range alone {
		m.alone = true
		if state.Attempts == nil {
			state.Attempts = map[string]int{}
		}
		state.Attempts[m.in.MessageID]++
		if err := g.saveState(ctx, mailbox, *state); err != nil {
			return err
		}
		n := state.Attempts
		if n[m.in.MessageID] > maxAttempts {
			g.log.Error("mail failed repeatedly: quarantined", "uid", m.uid, "message_id", m.in.MessageID, "attempts", maxAttempts)
			m.bad = true
			continue
		}
		if err := g.commit(ctx, []*fetched{m}, st); err != nil {
			return err
		}
		if !m.done && n[m.in.MessageID] >= maxAttempts {
			g.log.Error("mail failed repeatedly: quarantined", "uid", m.uid, "message_id", m.in.MessageID, "attempts", n[m.in.MessageID])
			m.bad = true
			st.Failed--
		}
	}
	return nil
}

// commit ingests the batch in one transaction. If the transaction itself fails, each mail is
// tried alone so that one poisonous mail cannot hold up the others.
func (g *Ingester) commit(ctx context.Context, batch []*fetched, st *Stats) error {
	if len(batch) == 0 {
		return nil
	}
	ins := make([]*tickets.Incoming, len(batch))
	for i, m := range batch {
		ins[i] = m.in
	}
	started := time.Now()
	outs, err := g.ingest(ctx, ins)
	metricIngestSeconds.Observe(time.Since(started).Seconds())
	if err != nil {
		if len(batch) == 1 {
			g.failed(batch[0], err, st)
			return nil
		}
		g.log.Warn("batch failed; retrying mail by mail", "err", err, "mails", len(batch))
		for _, m := range batch {
			if err := g.commit(ctx, []*fetched{m}, st); err != nil {
				return err
			}
		}
		return nil
	}
	for i, o := range outs {
		m := batch[i]
		countOutcome(m.in, o)
		if o.Err != nil {
			g.failed(m, o.Err, st)
			continue
		}
		m.done = true
		g.log.Info("mail", "uid", m.uid, "message_id", o.MessageID, "action", o.Action, "ticket_id", o.TicketID, "verdict", m.in.Verdict)
		switch o.Action {
		case tickets.ActionOpened:
			st.Opened++
		case tickets.ActionDuplicate:
			st.Duplicates++
		case tickets.ActionIgnored, tickets.ActionRecorded:
			st.Automatic++
		default:
			st.Appended++
		}
	}
	return nil
}

// ingest calls the desk, turning a panic into an error so the mail can be retried and quarantined.
func (g *Ingester) ingest(ctx context.Context, ins []*tickets.Incoming) (outs []tickets.Outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return g.desk.Ingest(ctx, g.now(), ins)
}

// failed records a mail that could not be processed; it is tried again on the next pass, until
// BumpAttempts counts it out.
func (g *Ingester) failed(m *fetched, err error, st *Stats) {
	g.log.Warn("mail failed; will retry", "uid", m.uid, "message_id", m.in.MessageID, "err", err)
	st.Failed++
}

// markDone flags the mails \Seen, or moves them to done_mailbox.
func (g *Ingester) markDone(s *session, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	if dest := s.cfg.DoneMailbox; dest != "" {
		return g.move(s, uids, dest)
	}
	defer s.begin()()
	err := s.c.Store(imap.UIDSetNum(uids...), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	if err != nil {
		return fmt.Errorf("flag seen: %w", err)
	}
	return nil
}

func (g *Ingester) quarantine(s *session, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	return g.move(s, uids, s.cfg.QuarantineMailbox)
}

// move moves mails to a mailbox, creating it if missing; MOVE where the server has it (RFC
// 6851), else COPY, \Deleted and UID EXPUNGE.
func (g *Ingester) move(s *session, uids []imap.UID, dest string) error {
	defer s.begin()()
	set := imap.UIDSetNum(uids...)
	if err := s.c.Create(dest, nil).Wait(); err != nil && !alreadyExists(err) {
		return fmt.Errorf("create mailbox %q: %w", dest, err)
	}
	if s.c.Caps().Has(imap.CapMove) {
		if _, err := s.c.Move(set, dest).Wait(); err != nil {
			return fmt.Errorf("move to %q: %w", dest, err)
		}
		return nil
	}
	if _, err := s.c.Copy(set, dest).Wait(); err != nil {
		return fmt.Errorf("copy to %q: %w", dest, err)
	}
	if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return fmt.Errorf("flag deleted: %w", err)
	}
	if err := s.c.UIDExpunge(set).Close(); err != nil {
		return fmt.Errorf("expunge: %w", err)
	}
	return nil
}

func alreadyExists(err error) bool {
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
		return true
	}
	return strings.Contains(strings.ToLower(err.Error()), "exist")
}
