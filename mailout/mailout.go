// Package mailout sends the desk's outbox over SMTP. Ticket operations queue mails in the same
// transaction as the change that caused them (tickets.Tx.queue); the Sender claims the due rows,
// renders them with the templates package, sends them over one SMTP connection per drain, and
// records each outcome: sent, retried later (temporary failure), failed (permanent failure,
// recorded on the ticket) or suppressed (rate limit, bouncing address).
//
// Delivery is at least once: a crash between the server's acceptance and the commit of "sent"
// sends that one mail again. "Sent" is committed mail by mail, so that window is one commit
// long. The rows a crashed process had claimed are taken back by the next sender on the same
// machine as soon as it starts (Claimant), not when their lease (tickets.ClaimLease) runs out.
package mailout

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// Retry policy for a mail the server refuses for now (4xx replies). A server that cannot be
// reached is not the mail's fault: the outbox waits for it instead (ProbeFirst, ProbeMax).
const (
	FirstRetry = time.Minute      // Delay after the first failure; doubles with each attempt.
	MaxRetry   = time.Hour        // Longest delay between attempts.
	GiveUp     = 24 * time.Hour   // A mail still not sent this long after it was queued fails.
	batchSize  = 200              // Rows claimed at a time, or more for many connections (claimSize).
	tick       = 15 * time.Second // Run drains at least this often.
	timeout    = 30 * time.Second // SMTP dial and command timeout.
)

// Outbox is the store side of the outbox, as the sender uses it: claim the due mails, settle each
// one, and look up who may receive mail now. *tickets.Store implements it.
type Outbox interface {
	// DueMail claims up to limit mails due at now for claimant (a lease of tickets.ClaimLease).
	DueMail(ctx context.Context, claimant string, now time.Time, limit int) ([]tickets.OutboxMail, error)
	// Claimants lists who holds claims at now; ReleaseClaims gives a claimant's mails back.
	Claimants(ctx context.Context, now time.Time) ([]string, error)
	ReleaseClaims(ctx context.Context, claimant string, now time.Time) (int, error)
	// Heartbeat records that claimant is alive at now; HeartbeatAt returns its last one (false:
	// none), by which a claimant on another machine is told gone (HeartbeatTimeout).
	Heartbeat(ctx context.Context, claimant string, now time.Time) error
	HeartbeatAt(ctx context.Context, claimant string) (time.Time, bool, error)
	// Renew extends the claim before a send; false: another sender holds the mail now.
	Renew(ctx context.Context, m tickets.OutboxMail, until time.Time) (bool, error)
	// Release gives claimed mails back, due at the given time, without counting an attempt.
	Release(ctx context.Context, ids []int64, at time.Time) error
	// MarkDelivered records that the server took one recipient's copy of a mail.
	MarkDelivered(ctx context.Context, id int64, email string, now time.Time) error
	// NoteSent records at once that the server accepted a mail (the store's sent journal: a crash
	// from then on does not send it again); CommitSent marks every mail noted so far as sent, in
	// one transaction, and logs the copies sentTo for the hourly limits.
	NoteSent(ctx context.Context, id int64, now time.Time, sentTo ...string) error
	CommitSent(ctx context.Context) error
	// Retry, MarkFailed and MarkSuppressed settle one mail.
	Retry(ctx context.Context, id int64, now, next time.Time, errText string) error
	MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error
	MarkSuppressed(ctx context.Context, id int64, now time.Time, reason string) error
	// RecordSendFailure notes on the mail's ticket that some recipients were refused.
	RecordSendFailure(ctx context.Context, id int64, now time.Time, errText string) error
	// AutoMailsSince counts the automatic mails sent to an address's mailbox since a time.
	AutoMailsSince(ctx context.Context, email string, since time.Time) (int, error)
	// CausedMailsSince counts the automatic mails one sender's mail caused, sent since a time.
	CausedMailsSince(ctx context.Context, cause string, since time.Time) (int, error)
	// Suppressed reports whether mail to an address is held back because it bounced.
	Suppressed(ctx context.Context, email string, now time.Time) (bool, error)
	// PruneSentLog forgets the rate limit's records older than before.
	PruneSentLog(ctx context.Context, before time.Time) error
	// MailAttachments returns the stored files a mail carries, within budget bytes, and those
	// it leaves out (all of them when budget < 0).
	MailAttachments(ctx context.Context, ticketID int64, source string, all bool, budget int64) ([]tickets.File, []tickets.LeftOut, error)
}

// Sender sends the outbox over SMTP.
type Sender struct {
	box    Outbox
	signer *tickets.Signer
	log    *slog.Logger
	set    atomic.Pointer[settings]
	tokens atomic.Pointer[tokenBox] // The OAuth2 token source (SetTokens).
	// plainEnvelope is set once the server refuses a copy's bounce address as envelope sender
	// (some submission servers allow only the login's own address): from then on copies go with
	// the desk address, and bounces cannot be traced to a copy.
	plainEnvelope atomic.Bool
	wake          chan struct{}
	mu            sync.Mutex                // One drain at a time.
	linker        atomic.Pointer[linkerBox] // The web desk's links (SetLinker).
	status        status                    // The last connection attempt (Status).

	self          Claimant  // This process, as its claims on the outbox name it.
	claimsChecked time.Time // When the claims of processes that are gone were last looked for.
	pruned        time.Time // The drain's clock when the rate limit's log was last pruned.

	limitMu        sync.Mutex
	connLimit      int       // The connections the server accepted, when it refused more.
	connLimitUntil time.Time // Until when to keep to connLimit.

	down                 atomic.Pointer[outage] // The server cannot be reached; nil when it can.
	probeFirst, probeMax time.Duration          // ProbeFirst and ProbeMax; shorter in tests.

	jitter  func(d time.Duration) time.Duration // Random extra delay for a retry; replaced in tests.
	timeout time.Duration
}

// settings are what a drain works with, swapped whole by SetConfig.
type settings struct {
	smtp Config
	desk tickets.DeskConfig // Its name and address write From; rate_limit and plus_address apply here.
	tpl  *templates.Set
}

// New returns a sender for the [smtp] settings and the desk, over the outbox box. signer makes
// the signed Reply-To plus-addresses. tpl nil: the embedded templates.
func New(smtp Config, desk tickets.DeskConfig, box Outbox, signer *tickets.Signer, tpl *templates.Set, log *slog.Logger) (*Sender, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sender{
		box: box, signer: signer, log: log, wake: make(chan struct{}, 1), timeout: timeout, self: Self(),
		probeFirst: ProbeFirst, probeMax: ProbeMax,
		jitter: func(d time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(d/10) + 1)) },
	}
	if err := s.SetConfig(smtp, desk, tpl); err != nil {
		return nil, err
	}
	return s, nil
}

// SetConfig replaces the settings and templates (SIGHUP); tpl nil: the embedded templates. A
// drain in progress finishes with the ones it started with.
func (s *Sender) SetConfig(smtp Config, desk tickets.DeskConfig, tpl *templates.Set) error {
	if err := smtp.ValidateSend(); err != nil {
		return fmt.Errorf("smtp.%w", err)
	}
	if tpl == nil {
		var err error
		if tpl, err = templates.Load(""); err != nil {
			return err
		}
	}
	s.set.Store(&settings{smtp: smtp, desk: desk, tpl: tpl.In(desk.Location())})
	return nil
}

func splitAddress(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: want HOST:PORT", addr)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("address %q: bad port", addr)
	}
	return host, port, nil
}

// Wake asks Run to drain now, for example right after a transaction queued mail.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// errConn marks a failure to reach the server (dial, greeting, TLS, login): every mail would
// meet it, so the drain stops and the outbox waits for the server (ErrUnreachable).
type errConn struct{ err error }

func (e errConn) Error() string { return e.err.Error() }
func (e errConn) Unwrap() error { return e.err }

// Drain sends every mail due at now, over up to [smtp] connections at once (see sendBatch), and
// returns how many copies it delivered (one per recipient: what the recipients receive). A mail the server refuses for now (4xx) is retried later, on its
// own backoff (Backoff). When the server cannot be reached, no mail is charged with it: the mails
// claimed are given back, still due, and the drain ends with an error that wraps ErrUnreachable
// (Run then probes the server until it answers).
func (s *Sender) Drain(ctx context.Context, now time.Time) (sent int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if was := s.down.Load(); was != nil {
		defer func() { s.answered(was, sent, err) }()
	}
	set := s.set.Load()
	proto := drain{Sender: s, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: now}
	var workers []*drain // Each with its connection, kept from batch to batch.
	total := func() int {
		n := 0
		for _, d := range workers {
			n += d.sent
		}
		return n
	}
	defer func() {
		for _, d := range workers {
			d.close()
		}
	}()
	// Outcomes are recorded even when ctx is cancelled: a mail handed to the server must be
	// marked sent, or it goes again.
	settle := context.WithoutCancel(ctx)
	if err := s.releaseGone(ctx, now); err != nil {
		return 0, err
	}
	for {
		batch, err := s.box.DueMail(ctx, s.self.String(), now, claimSize(s.connections(set.smtp)))
		if err != nil {
			return total(), err
		}
		if len(batch) == 0 {
			// The hourly limit looks back one hour; older entries only take room. The prune
			// reads the whole log (nothing indexes its times alone): once in pruneEvery, not at
			// each drain of deskd serve, which drains at every mail queued.
			if total() > 0 && (s.pruned.IsZero() || now.Sub(s.pruned) >= pruneEvery || now.Before(s.pruned)) {
				if err := s.box.PruneSentLog(settle, now.Add(-2*time.Hour)); err != nil {
					s.log.Warn("prune sent log", "err", err)
				} else {
					s.pruned = now
				}
			}
			return total(), nil
		}
		if err := s.sendBatch(ctx, settle, &workers, proto, batch); err != nil {
			return total(), err
		}
	}
}

// pruneEvery is how often a sender forgets the rate limit's old records (PruneSentLog): the
// log keeps two hours, so it holds at most two hours and pruneEvery of them.
const pruneEvery = 10 * time.Minute

// claimCheck is how often a sender looks for claims held by processes that are gone: at its
// first drain, then at most this often.
const claimCheck = 5 * time.Second

// A sender that runs (Run) records a heartbeat every HeartbeatEvery; a claimant whose last
// heartbeat is older than HeartbeatTimeout is gone, wherever it ran: several deskd on one
// PostgreSQL database take back a dead machine's claims within HeartbeatTimeout and a drain
// (tick), not ClaimLease. A claimant that never sent one (a CLI command) waits out its lease
// unless it ran on this machine (Claimant.Gone).
const (
	HeartbeatEvery   = 2 * time.Second
	HeartbeatTimeout = 10 * time.Second
)

// releaseGone takes back, due at now, the claims of processes that are gone: Claimant.Gone, or
// silent for longer than HeartbeatTimeout.
func (s *Sender) releaseGone(ctx context.Context, now time.Time) error {
	if !s.claimsChecked.IsZero() && time.Since(s.claimsChecked) < claimCheck {
		return nil
	}
	claimants, err := s.box.Claimants(ctx, now)
	if err != nil {
		return err
	}
	for _, name := range claimants {
		c, ok := ParseClaimant(name)
		if !ok || c == s.self {
			continue
		}
		if !s.self.Gone(c) {
			at, beat, err := s.box.HeartbeatAt(ctx, name)
			if err != nil {
				return err
			}
			if !beat || now.Sub(at) <= HeartbeatTimeout {
				continue
			}
		}
		n, err := s.box.ReleaseClaims(ctx, name, now)
		if err != nil {
			return err
		}
		s.log.Info("took back the outbox claims of a process that is gone", "claimant", name, "mails", n)
	}
	s.claimsChecked = time.Now()
	return nil
}

func ids(ms []tickets.OutboxMail) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// drain is the state of one Drain: its configuration and its connection.
type drain struct {
	*Sender
	box    batchBox // The Sender's outbox, as the batch being sent sees it.
	smtp   Config
	desk   tickets.DeskConfig
	tpl    *templates.Set
	now    time.Time
	client *client   // nil until the first mail needs it, and after a broken connection.
	addrs  *addrMemo // The desk's addresses as build wrote them (message.go); one a worker.
	sent   int
	dated  time.Time // The now that date was written for (build).
	date   string

	pipe     pipe       // The connection's unanswered message and outcomes read (transact).
	rcpts    [1]string  // A copy's envelope recipient, as send gives it to transact.
	refIDs   []string   // A copy's References, as build gives them to writeReferences.
	wire     wireParts  // A copy's quoted-printable parts written dot-stuffed (send, build).
	finished []finished // Mails whose outcome is known, for the worker (Sender.settled).
}

// close says QUIT, once the message the connection holds went and was answered.
func (d *drain) close() {
	c := d.client
	if c != nil && d.pipe.await != nil {
		d.flush() // Its outcome may close c itself.
	}
	if c != nil && d.client == c {
		if err := c.Close(); err != nil {
			d.log.Debug("smtp quit", "err", err)
		}
		d.client = nil
	}
}

// flight is a mail on its way: its copies sent, or the last one held (transact), and their
// outcomes gathered. With PIPELINING the last copy's outcome is known only once the next mail's
// commands went, or at the flush: whichever call delivers it finishes the mail.
type flight struct {
	q       *queued // The mail, and its addresses, busy in the batch until it is finished (batch.done).
	log     mailLog
	dropped []string
	record  bool // Each copy delivered is recorded at once (MarkDelivered).
	sentTo  []string
	refused []string
	again   error // A refusal for now: the mail is retried for the copies not delivered.
	err     error // What ends the mail unrecorded: errConn, errWaiting, or a store error.
	ended   bool  // Its outcome was recorded before any copy went (start).
	open    int   // Copies whose outcome is not known yet, and 1 while start runs.
}

// finished is a mail whose outcome is recorded, or with err, could not be (see one).
type finished struct {
	q   *queued
	err error
}

func (f *flight) fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// one sends one mail and records the outcome. Each recipient gets a copy of their own: its
// Message-ID and Reply-To carry that recipient's ticket token, and its envelope sender is that
// copy's bounce address (see tickets.Signer), while To and Cc show everyone the mail went to. So
// a reply proves which mailbox it came from, and a bounce which copy failed. A copy the server
// refuses for good is recorded and the others still go; a copy it refuses for now makes the mail
// wait for its retry, for the copies not yet delivered.
//
// The mail's last copy may still wait for its reply when one returns (transact): the mail joins
// d.finished once its outcome is recorded, here or at a later one or flush, with an error only
// when the server cannot be reached (errConn; the mail's outcome is not recorded, Drain gives it
// back, and the copies already delivered are not sent again) or when the outcome could not be
// recorded.
func (d *drain) one(ctx context.Context, q *queued) {
	m := &q.m
	f := &flight{q: q, log: mailLog{d.log, m.ID, m.TicketID, m.Kind, m.MessageID}, open: 1}
	if err := d.start(ctx, f); err != nil {
		f.fail(err)
	}
	d.copyEnded(ctx, f)
}

// start decides the mail's recipients and sends its copies; an error ends the mail.
func (d *drain) start(ctx context.Context, f *flight) error {
	m, log := f.q.m, f.log
	to, cc, dropped, err := d.recipients(ctx, m)
	if err != nil {
		return err
	}
	f.dropped = dropped
	if len(to) == 0 {
		f.ended = true
		if len(m.Delivered) > 0 {
			// The rest went on an earlier attempt.
			if err := d.box.MarkSent(ctx, m.ID, d.now, m.Delivered...); err != nil {
				return err
			}
			return d.recordDropped(ctx, m, dropped)
		}
		log.Info("mail suppressed", "why", strings.Join(dropped, "; "))
		countSend("suppressed")
		return d.box.MarkSuppressed(ctx, m.ID, d.now, strings.Join(dropped, "; "))
	}
	if len(dropped) > 0 {
		log.Info("recipients dropped", "why", strings.Join(dropped, "; "))
	}
	// Connected before rendering: the server's size limit shapes the mail.
	if err := d.ensureClient(ctx); err != nil {
		return err
	}
	r, err := d.render(m, to, cc)
	if err != nil {
		f.ended = true
		log.Error("mail cannot be built", "err", err)
		countSend("failed")
		return d.box.MarkFailed(ctx, m.ID, d.now, err.Error())
	}
	done := map[string]bool{}
	for _, a := range m.Delivered {
		done[a] = true
	}
	f.sentTo = append([]string(nil), m.Delivered...)
	var pending []string
	for _, list := range [2][]string{to, cc} {
		for _, rcpt := range list {
			if !done[rcpt] {
				pending = append(pending, rcpt)
			}
		}
	}
	// A copy delivered is recorded at once when the mail has others: a retry, or the next
	// process after a crash, leaves it out. A lone copy needs only MarkSent.
	f.record = len(pending) > 1
	if len(pending) > 1 {
		r.shared = &encoded{} // The copies share their encoded parts (build).
	}
	for _, rcpt := range pending {
		if f.err != nil { // A copy's outcome could not be recorded, or the server is gone.
			return nil
		}
		rr, err := d.relink(m, r, rcpt)
		if err != nil {
			f.refused = append(f.refused, rcpt+": "+oneLine(err))
			continue
		}
		if err := d.ensureClient(ctx); err != nil { // A copy before this one lost the connection.
			return err
		}
		d.copy(ctx, f, rr, to, cc, rcpt)
	}
	return nil
}

// copy sends the copy of f's mail to rcpt; its outcome comes to copied, now or later.
func (d *drain) copy(ctx context.Context, f *flight, r rendered, to, cc []string, rcpt string) {
	started := time.Now()
	plain := d.plainEnvelope.Load()
	c := d.client
	f.open++
	done := d.copyOutcome(ctx, f, c, rcpt, started)
	err := d.send(f.q.m, r, to, cc, rcpt, done)
	d.deliver() // The previous message's outcome first.
	if errors.Is(err, errLostBefore) && d.client != nil && d.client != c {
		// Lost with the message before, on a connection its outcome replaced: not this copy's
		// doing, and nothing of it went. It goes again at once, as it would have one by one.
		c = d.client
		done = d.copyOutcome(ctx, f, c, rcpt, started)
		err = d.send(f.q.m, r, to, cc, rcpt, done)
		d.deliver()
	}
	// A copy sent with its bounce address goes again from the desk address, also when another
	// worker saw the first refusal while this copy was on its way.
	if err != nil && envelopeRefused(err) && !plain && d.client == c {
		if !d.plainEnvelope.Swap(true) {
			f.log.Warn("the SMTP server refuses the bounce address as envelope sender: sending from the desk address; bounces can no longer be traced to a copy", "err", err)
		}
		err = d.send(f.q.m, r, to, cc, rcpt, done)
		d.deliver()
	}
	if err != nil {
		done(err)
	}
}

// copyOutcome is the callback of f's copy to rcpt sent over c (transact's done): made again by copy
// when the copy goes over another connection, so that the callback holds c itself rather than
// copy's variable, which would cost an allocation of its own.
func (d *drain) copyOutcome(ctx context.Context, f *flight, c *client, rcpt string, started time.Time) func(error) {
	return func(err error) {
		metricSendSeconds.Observe(time.Since(started).Seconds())
		d.copied(ctx, f, c, rcpt, err)
	}
}

// copied records the outcome of f's copy to rcpt, sent over c: nil when the server accepted it.
func (d *drain) copied(ctx context.Context, f *flight, c *client, rcpt string, err error) {
	defer d.copyEnded(ctx, f)
	log := f.log
	if err == nil {
		if log.l.Enabled(context.Background(), slog.LevelDebug) { // Its arguments cost an allocation.
			log.Debug("mail sent", "to", rcpt)
		}
		f.sentTo = append(f.sentTo, rcpt)
		d.sent++ // Drain counts copies: a mail to a requester and two watchers is three.
		if f.record {
			if err := d.box.MarkDelivered(ctx, f.q.m.ID, rcpt, d.now); err != nil {
				f.fail(err)
			}
		}
		return
	}
	code, broken := classify(err)
	switch {
	case code >= 500 && !authCode(code):
		log.Warn("recipient refused", "to", rcpt, "err", err)
		f.refused = append(f.refused, rcpt+": "+oneLine(err))
	case broken:
		// The server went away (or closes, 421) in the middle of this copy. If it cannot be
		// reached again, it is down: Drain gives the mail back. If it can, the copy itself
		// may be at fault: it waits for the mail's own retry, and the others go on. Two
		// copies lost with one connection (pipelined) dial once.
		log.Info("smtp connection lost", "err", err)
		if d.client == c {
			d.close()
		}
		if cerr := d.ensureClient(ctx); cerr != nil {
			f.fail(cerr)
			return
		}
		f.again = err
	default:
		log.Info("mail deferred", "to", rcpt, "err", err)
		f.again = err
	}
}

// copyEnded counts one of f's outcomes in; after the last, the mail's outcome is recorded and
// the mail joins d.finished.
func (d *drain) copyEnded(ctx context.Context, f *flight) {
	if f.open--; f.open > 0 {
		return
	}
	d.finished = append(d.finished, finished{f.q, d.finish(ctx, f)})
}

// finish records the outcome of a mail whose copies all have theirs.
func (d *drain) finish(ctx context.Context, f *flight) error {
	if f.err != nil || f.ended {
		return f.err
	}
	m := f.q.m
	if len(f.refused) > 0 && (len(f.sentTo) > 0 || f.again != nil) {
		if err := d.box.RecordSendFailure(ctx, m.ID, d.now, "refused: "+strings.Join(f.refused, "; ")); err != nil {
			return err
		}
	}
	switch {
	case f.again != nil:
		return d.retry(ctx, m, f.again)
	case len(f.sentTo) > 0:
		countSend("sent")
		if err := d.box.MarkSent(ctx, m.ID, d.now, f.sentTo...); err != nil {
			return err
		}
		return d.recordDropped(ctx, m, f.dropped)
	default:
		countSend("failed")
		return d.box.MarkFailed(ctx, m.ID, d.now, strings.Join(f.refused, "; "))
	}
}

// deliver hands the outcomes the connection read to their copies (copied), outside transact:
// a copy's outcome may close the connection and dial another.
func (d *drain) deliver() {
	for len(d.pipe.ready) > 0 {
		out := d.pipe.take()
		for _, o := range out {
			o.done(o.err)
		}
		// The array goes back for the next outcomes, unless a done (which may send, and
		// deliver) left some in another.
		if len(d.pipe.ready) == 0 {
			clear(out)
			d.pipe.ready = out[:0]
		}
	}
}

// flush sends the message the connection holds, if any, and delivers its outcome: before the
// worker waits, or ends.
func (d *drain) flush() {
	if d.client != nil {
		d.client.flush(&d.pipe)
	}
	d.deliver()
}

// recordDropped notes on the ticket of a mail that went to some of its recipients the ones
// recipients dropped (a bouncing address, the hourly limit), as the queue notes an unsendable
// one: "KIND: not sent to ADDRESS: REASON". Nothing to do, and no statement, for a mail that went
// to all; a mail that went to none is recorded by MarkSuppressed.
func (d *drain) recordDropped(ctx context.Context, m tickets.OutboxMail, dropped []string) error {
	if len(dropped) == 0 {
		return nil
	}
	return d.box.RecordSendFailure(ctx, m.ID, d.now, "not sent to "+strings.Join(dropped, "; "))
}

// mailLog logs about one mail, with its outbox ID, ticket, kind and Message-ID: slog's With
// formats those attributes at once, for every mail, and nearly every mail logs nothing at the
// levels deskd runs at; these make them only for a message that is written.
type mailLog struct {
	l             *slog.Logger
	id, ticket    int64
	kind, message string
}

func (g mailLog) log(level slog.Level, msg string, args ...any) {
	if !g.l.Enabled(context.Background(), level) {
		return
	}
	g.l.With("outbox_id", g.id, "ticket_id", g.ticket, "kind", g.kind, "message_id", g.message).Log(context.Background(), level, msg, args...)
}

func (g mailLog) Debug(msg string, args ...any) { g.log(slog.LevelDebug, msg, args...) }
func (g mailLog) Info(msg string, args ...any)  { g.log(slog.LevelInfo, msg, args...) }
func (g mailLog) Warn(msg string, args ...any)  { g.log(slog.LevelWarn, msg, args...) }
func (g mailLog) Error(msg string, args ...any) { g.log(slog.LevelError, msg, args...) }

// envelopeRefused reports whether the server refused the envelope sender (MAIL FROM) for good.
func envelopeRefused(err error) bool {
	var te *txError
	return errors.As(err, &te) && te.stage == "MAIL FROM" && te.code >= 500
}

// classify returns a send error's SMTP reply code (0 when the server gave none) and whether
// the connection can no longer be used.
func classify(err error) (code int, broken bool) {
	var te *txError
	if errors.As(err, &te) {
		code = te.code
	}
	// 421: the server is closing the connection (RFC 5321 section 3.8).
	return code, code == 0 || code == 421
}

// send builds the copy of m to rcpt and starts its transaction over the drain's connection
// (transact): with nil, done gets the copy's outcome, through deliver. A copy that cannot be
// built is refused for good.
func (d *drain) send(m tickets.OutboxMail, r rendered, to, cc []string, rcpt string, done func(error)) error {
	b := bufs.Get().(*bytes.Buffer)
	defer func() { b.Reset(); bufs.Put(b) }()
	env, stuffed, err := d.buildWire(b, m, r, to, cc, rcpt)
	if err != nil {
		return &txError{"message", 554, err}
	}
	d.rcpts[0] = env.rcpt // transact keeps no reference to it.
	return d.client.transact(&d.pipe, transaction{from: env.from, rcpts: d.rcpts[:], data: b.Bytes(), stuffed: stuffed}, done)
}

// buildWire is build with the quoted-printable parts written dot-stuffed (wireParts), and where
// they are: the spans of w dotStuffSpans copies as they are. They are d's until the next copy.
func (d *drain) buildWire(w *bytes.Buffer, m tickets.OutboxMail, r rendered, to, cc []string, rcpt string) (envelope, [][2]int, error) {
	d.wire.on, d.wire.spans = true, d.wire.spans[:0]
	env, err := d.build(w, m, r, to, cc, rcpt)
	d.wire.on = false
	return env, d.wire.spans, err
}

// authCode reports a code that means the desk's login or configuration is wrong rather than the
// mail (530 authentication required, 534/535 authentication failed; RFC 4954 section 6): every
// mail would fail, and the operator can fix it, so these are retried rather than given up.
func authCode(code int) bool { return code == 530 || code == 534 || code == 535 }

// retry schedules the next attempt after a temporary failure, or gives up when the mail has been
// waiting GiveUp.
func (d *drain) retry(ctx context.Context, m tickets.OutboxMail, cause error) error {
	if d.now.Sub(m.CreatedAt) >= GiveUp {
		msg := fmt.Sprintf("gave up after %d attempts: %s", m.Attempts+1, oneLine(cause))
		d.log.Warn("mail failed", "outbox_id", m.ID, "ticket_id", m.TicketID, "err", msg)
		countSend("failed")
		return d.box.MarkFailed(ctx, m.ID, d.now, msg)
	}
	countSend("retry")
	delay := Backoff(m.Attempts + 1)
	return d.box.Retry(ctx, m.ID, d.now, d.now.Add(delay+d.jitter(delay)), oneLine(cause))
}

// Backoff is the delay after the n-th failed attempt (n ≥ 1): 1m, 2m, 4m … capped at 1h.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 7 {
		return MaxRetry
	}
	return min(FirstRetry<<(n-1), MaxRetry)
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// recipients drops the addresses that may not get this mail now: those mail cannot be sent to,
// bouncing ones, and for automatic mail those whose mailbox already had desk.rate_limit
// automatic mails in the last hour (case and +tag make no other mailbox); and all of them when
// the mail's cause, the sender whose mail caused it, already caused desk.rate_limit automatic
// mails in the last hour. When every To is dropped, the remaining Cc take their place.
func (d *drain) recipients(ctx context.Context, m tickets.OutboxMail) (to, cc, dropped []string, err error) {
	since := d.now.Add(-time.Hour)
	if m.Automatic && m.Cause != "" && len(m.Delivered) == 0 {
		n, err := d.box.CausedMailsSince(ctx, m.Cause, since)
		if err != nil {
			return nil, nil, nil, err
		}
		if n >= d.desk.RateLimit {
			return nil, nil, []string{fmt.Sprintf("rate limit (%d automatic mails in the last hour caused by mail from %s)", n, m.Cause)}, nil
		}
	}
	count := map[string]int{} // This mail's own copies, by mailbox.
	keep := func(addrs []string) ([]string, error) {
		var out []string
		for _, a := range addrs {
			a = strings.ToLower(a)
			if !tickets.Sendable(a) {
				dropped = append(dropped, a+": not a sendable address")
				continue
			}
			bounced, err := d.box.Suppressed(ctx, a, d.now)
			if err != nil {
				return nil, err
			}
			if bounced {
				dropped = append(dropped, a+": address bounces")
				continue
			}
			if m.Automatic && !slices.Contains(m.Delivered, a) {
				box := tickets.Mailbox(a)
				n, err := d.box.AutoMailsSince(ctx, a, since)
				if err != nil {
					return nil, err
				}
				if n+count[box] >= d.desk.RateLimit {
					dropped = append(dropped, fmt.Sprintf("%s: rate limit (%d automatic mails in the last hour)", a, n+count[box]))
					continue
				}
				count[box]++
			}
			out = append(out, a)
		}
		return out, nil
	}
	if to, err = keep(m.To); err != nil {
		return nil, nil, nil, err
	}
	if cc, err = keep(m.Cc); err != nil {
		return nil, nil, nil, err
	}
	if len(to) == 0 {
		to, cc = cc, nil
	}
	return to, cc, dropped, nil
}

// addressList writes addresses as a header value, each with its known display name
// ("Lefèvre, Marc" <marc@…>, an encoded word when the name is not ASCII; net/mail quotes and
// encodes it, RFC 5322 section 3.4 and RFC 2047 section 5), folded (RFC 5322 section 2.2.3)
// between addresses so that no line of the header, whose name and colon take head characters,
// passes 78 characters unless one address with its name is longer.
func addressList(head int, addrs []string, names map[string]string) string {
	var b bytes.Buffer
	writeAddressList(&b, head, addrs, names)
	return b.String()
}

// writeAddressList writes addressList's value into w, without making the string: an allocation
// fewer for each of a copy's To and Cc (TestWriteAddressListAsAddressList).
func writeAddressList(w *bytes.Buffer, head int, addrs []string, names map[string]string) {
	n := head
	for i, a := range addrs {
		var item string // "" for "<a>", written in pieces.
		size := len(a) + 2
		if name := oneLineOf(names[a]); name != "" && !strings.Contains(name, "@") {
			item = (&netmail.Address{Name: name, Address: a}).String()
			size = len(item)
		}
		if i > 0 {
			w.WriteByte(',')
			n++
			if n+1+size > 78 {
				w.WriteString("\r\n")
				n = 0
			}
			w.WriteByte(' ')
			n++
		}
		if item == "" {
			w.WriteByte('<')
			w.WriteString(a)
			w.WriteByte('>')
		} else {
			w.WriteString(item)
		}
		n += size
	}
}

// fromName is the From display name: the desk's, or "Alice Martin via Support Informatique" for
// a technician's answer (tickets.PhraseFromVia, in lang).
func fromName(words tickets.Words, lang string, desk tickets.DeskConfig, m tickets.OutboxMail) string {
	actor := m.Notice.ActorName
	if (m.Kind == tickets.KindReply || m.Kind == tickets.KindResolved) && actor != "" && !strings.Contains(actor, "@") {
		return words.Say(lang, tickets.Phrase{Code: tickets.PhraseFromVia, Args: map[string]string{"actor": actor, "desk": desk.Name}})
	}
	return desk.Name
}

// dial connects, says EHLO, starts TLS and logs in as configured.
func (s *Sender) dial(ctx context.Context, cfg Config) (*client, error) {
	if cfg.OAuth() {
		return s.dialOAuth(ctx, cfg)
	}
	c, err := s.newClient(cfg)
	if err != nil {
		return nil, err
	}
	session, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, err
	}
	return dialed(c, session, s.timeout), nil
}

// newClient returns a client for the settings; extra options come last.
func (s *Sender) newClient(cfg Config, extra ...mail.Option) (*mail.Client, error) {
	host, port, err := splitAddress(cfg.Address)
	if err != nil {
		return nil, err
	}
	opts := []mail.Option{
		mail.WithPort(port), mail.WithTimeout(s.timeout),
		mail.WithTLSConfig(tlsConfig(cfg, host)),
		mail.WithoutNoop(), // A dead link shows on MAIL FROM; a NOOP per mail costs a round trip.
		mail.WithoutRset(), // The end of DATA ends the transaction (RFC 5321 section 4.1.1.4).
	}
	switch cfg.Security {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.HelloName != "" {
		opts = append(opts, mail.WithHELO(cfg.HelloName))
	}
	if cfg.Username != "" && !cfg.OAuth() {
		auth := mail.SMTPAuthAutoDiscover
		if cfg.Security == "none" {
			auth = mail.SMTPAuthPlainNoEnc // Plain login on an unencrypted link: asked for by security = "none".
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	return mail.NewClient(host, append(opts, extra...)...)
}

func tlsConfig(cfg Config, host string) *tls.Config {
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify}
}

// Check connects to the SMTP server as Drain would (EHLO, STARTTLS, login), sends RSET and QUIT,
// and explains what went wrong in words. It is for `deskd check`.
func (s *Sender) Check(ctx context.Context) error {
	cfg := s.set.Load().smtp
	c, err := s.dial(ctx, cfg)
	if err == nil {
		err = c.Reset()
		if cerr := c.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %s", cfg.Address, explain(cfg, err))
	}
	return nil
}

// explain turns a connection error into advice.
func explain(cfg Config, err error) string {
	msg := oneLine(err)
	low := strings.ToLower(msg)
	var dns *net.DNSError
	var nerr net.Error
	var cert *tls.CertificateVerificationError
	var rec tls.RecordHeaderError
	switch {
	case waitsForPerson(err):
		return msg // It names the fix.
	case cfg.OAuth() && (strings.Contains(low, "535") || strings.Contains(low, "authentication")):
		return fmt.Sprintf("login with an OAuth2 token refused (%s): the account signed in (deskd oauth status) must be the mailbox or be allowed to send as it, with authenticated SMTP on for the mailbox", msg)
	case errors.As(err, &dns):
		return fmt.Sprintf("cannot resolve the host name %q (%s): check smtp.address", dns.Name, msg)
	case strings.Contains(low, "connection refused"):
		return "connection refused: nothing listens there; is the SMTP server running, and is smtp.address right?"
	case errors.As(err, &cert):
		return fmt.Sprintf("the server's TLS certificate is not trusted (%s); for a test server with a self-signed certificate set smtp.insecure_skip_verify = true", msg)
	case errors.As(err, &rec) || strings.Contains(low, "first record does not look like a tls handshake"):
		return "TLS handshake failed: the server does not speak TLS on this port; use security = \"starttls\" or \"none\", or the TLS port (465)"
	case strings.Contains(low, "does not support starttls"):
		return "the server does not offer STARTTLS; use security = \"tls\" on its TLS port, or \"none\" on a trusted network"
	case strings.Contains(low, "does not support smtp auth"):
		return "the server offers no login (AUTH), yet smtp.username is set; remove it, or enable authentication on the server"
	case strings.Contains(low, "535") || strings.Contains(low, "authentication failed") || strings.Contains(low, "auth"):
		return fmt.Sprintf("login as %q refused (%s): check smtp.username and the password", cfg.Username, msg)
	case errors.As(err, &nerr) && nerr.Timeout():
		return "no answer in time: a firewall may drop the connection, or the port is wrong"
	}
	return msg
}

// maxReferences is the most characters of message IDs a References field carries: under the
// 998 of an RFC 5322 line with its name, whether or not the writer folds it.
const maxReferences = 900

// capReferences keeps the first message ID (the thread's root) and as many of the last as fit in
// max characters, as RFC 5322 section 3.6.4 suggests for a long thread.
func capReferences(refs []string, max int) []string {
	n := len(strings.Join(refs, " "))
	if n <= max || len(refs) < 2 {
		return refs
	}
	used := len(refs[0])
	i := len(refs)
	for i > 1 && used+1+len(refs[i-1]) <= max {
		used += 1 + len(refs[i-1])
		i--
	}
	return append([]string{refs[0]}, refs[i:]...)
}

// ensureClient connects the drain when it has no connection: errWaiting when the server waits for
// a person (a login), errConn otherwise, so that Drain gives the mail back (the server is at
// fault, not the mail).
func (d *drain) ensureClient(ctx context.Context) error {
	if d.client != nil {
		return nil
	}
	c, err := d.connect(ctx)
	d.status.record(err)
	if err != nil && waitsForPerson(err) {
		return errWaiting{err}
	}
	if err != nil {
		return errConn{err}
	}
	d.client = c
	return nil
}
