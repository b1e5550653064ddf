package mailout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskd/deskd/tickets"
)

// A drain sends each batch it claims over up to [smtp] connections at once (Config.Connections),
// each worker with its own connection, so that the round trips of one mail and the server's work
// on another (a Postfix queue file's fsync) overlap. Two mails to the same address are never in
// flight together, nor two automatic mails with one cause: the hourly limits count each before
// the next is tried.
//
// "Sent" is committed once per batch (Store.CommitSent), not once per mail: each mail the server
// accepts is first written to the sent journal (Store.NoteSent), so a crash in between does not
// send it again, and the batch's commit costs one transaction instead of fifty. A PostgreSQL
// store has no sent journal: its NoteSent commits each mail at once (tickets.Store.SentAtOnce).
//
// A server that refuses an extra connection (421 "too many connections", or it cannot be reached
// while the other connections work) makes the drain go on with fewer; the sender remembers the
// number that worked for connLimitFor before it tries more again.

// perConnection is how many mails of a batch justify one more connection: a drain of a few mails
// (deskd serve answering a request) dials once.
const perConnection = 8

// claimSize is how many rows a drain claims at a time over conns connections: batchSize, or
// enough for every connection to take perConnection mails of a batch.
func claimSize(conns int) int { return max(batchSize, conns*perConnection) }

// connLimitFor is how long a sender keeps to the number of connections a server accepted.
const connLimitFor = 10 * time.Minute

// batchBox is the outbox as a worker of a drain sees it: MarkSent notes the mail (Batch.NoteSent)
// and leaves the commit to the end of the batch, and AutoMailsSince counts the automatic mails
// noted but not yet committed too.
type batchBox struct {
	Outbox
	b *batch
}

func (x batchBox) MarkSent(ctx context.Context, id int64, now time.Time, sentTo ...string) error {
	return x.b.noteSent(ctx, id, now, sentTo)
}

// sentAtOnce is an outbox whose NoteSent commits "sent" itself (tickets.Store.SentAtOnce: a
// PostgreSQL store, which has no sent journal): its counts already hold the mails noted.
type sentAtOnce interface{ SentAtOnce() bool }

func (x batchBox) AutoMailsSince(ctx context.Context, email string, since time.Time) (int, error) {
	if l := x.b.limitsAt(since.Add(time.Hour)); l != nil {
		return l.Auto[tickets.Mailbox(email)] + x.b.uncommitted(tickets.Mailbox(email)), nil
	}
	n, err := x.Outbox.AutoMailsSince(ctx, email, since)
	return n + x.b.uncommitted(tickets.Mailbox(email)), err
}

func (x batchBox) CausedMailsSince(ctx context.Context, cause string, since time.Time) (int, error) {
	if cause == "" {
		return 0, nil
	}
	if l := x.b.limitsAt(since.Add(time.Hour)); l != nil {
		return l.Caused[cause] + x.b.uncommitted(causeKey(cause)), nil
	}
	n, err := x.Outbox.CausedMailsSince(ctx, cause, since)
	return n + x.b.uncommitted(causeKey(cause)), err
}

func (x batchBox) Suppressed(ctx context.Context, email string, now time.Time) (bool, error) {
	if l := x.b.limitsAt(now); l != nil {
		return l.Bounced[strings.ToLower(email)], nil
	}
	return x.Outbox.Suppressed(ctx, email, now)
}

// limiter is an outbox that tells the hourly limits and bounces of a whole batch in one go
// (*tickets.Store): a batch asks it once, instead of three queries for each of its mails.
type limiter interface {
	Limits(ctx context.Context, emails, causes []string, since, now time.Time) (tickets.SendLimits, error)
}

// loadLimits reads the limits of the batch's recipients and causes at now, when the outbox can
// tell them at once and keeps the batch's sends to its end (a store with a sent journal: the
// batch counts its own sends, noted, on top). A mail's own bounce recorded while its batch is
// being sent holds back its next mail, not the rest of that batch.
func (b *batch) loadLimits(ctx context.Context, now time.Time) error {
	l, ok := b.box.(limiter)
	if o, at := b.box.(sentAtOnce); !ok || (at && o.SentAtOnce()) {
		return nil
	}
	var emails, causes []string
	for _, q := range b.queue {
		m := q.m
		emails = append(append(emails, m.To...), m.Cc...)
		if m.Automatic && m.Cause != "" {
			causes = append(causes, m.Cause)
		}
	}
	slices.Sort(emails)
	slices.Sort(causes)
	limits, err := l.Limits(ctx, slices.Compact(emails), slices.Compact(causes), now.Add(-time.Hour), now)
	if err != nil {
		return err
	}
	b.limits, b.limitsNow = &limits, now
	return nil
}

// limitsAt returns the batch's limits if they were read at now; nil: ask the outbox.
func (b *batch) limitsAt(now time.Time) *tickets.SendLimits {
	if b.limits == nil || !b.limitsNow.Equal(now) {
		return nil
	}
	return b.limits
}

// causeKey keys a mail's cause among the mailboxes of a batch's counts and busy set.
func causeKey(cause string) string { return "cause " + cause }

// queued is a mail of a batch not yet taken, with what its hourly limits count (addresses).
type queued struct {
	m     tickets.OutboxMail
	addrs []string
}

// batch is one claimed batch on its way through the workers.
type batch struct {
	s       *Sender
	box     Outbox
	mu      sync.Mutex
	queue   []*queued        // Pointers: taking one from the front moves 8 bytes a mail, not a whole OutboxMail.
	auto    map[int64]string // The batch's automatic mails, with their cause.
	noted   map[string]int   // Automatic copies noted and not committed, by mailbox; mails, by causeKey.
	errs    []error          // Errors that end the drain.
	back    []int64          // Mails not tried: given back.
	taken   int              // Mails workers hold now: one may come back to the queue (requeue).
	busy    map[string]bool
	free    *sync.Cond      // Signalled when addresses stop being busy.
	conns   map[*drain]bool // Which workers hold a connection now.
	dialing int             // Workers dialling now (drain.connect).
	limit   int             // Connections at most.

	limits    *tickets.SendLimits // Read for the whole batch at limitsNow (loadLimits); nil: ask per mail.
	limitsNow time.Time
}

func (b *batch) noteSent(ctx context.Context, id int64, now time.Time, sentTo []string) error {
	if err := b.box.NoteSent(ctx, id, now, sentTo...); err != nil {
		return err
	}
	if o, ok := b.box.(sentAtOnce); ok && o.SentAtOnce() {
		return nil // Committed: counted by the store.
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if cause, ok := b.auto[id]; ok {
		for _, a := range sentTo {
			b.noted[tickets.Mailbox(a)]++
		}
		if cause != "" {
			b.noted[causeKey(cause)]++
		}
	}
	return nil
}

func (b *batch) uncommitted(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.noted[key]
}

// next takes the next mail whose recipients no other worker is sending to, and marks them busy;
// false when the batch is ending, or its queue is empty and no worker holds a mail that could
// come back to it (a worker refused a connection hands its mail to those still connected). A
// worker holding a mail unanswered (holding: transact's pipe) gets false rather than wait: the
// mail the others wait for may be its own, which it sends before it asks again.
func (b *batch) next(holding bool) (*queued, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if len(b.errs) > 0 || len(b.queue) == 0 && b.taken == 0 {
			return nil, false
		}
		for i, q := range b.queue {
			if b.anyBusy(q.addrs) {
				continue
			}
			b.queue = slices.Delete(b.queue, i, i+1) // In place: the queue is the batch's own.
			for _, a := range q.addrs {
				b.busy[a] = true
			}
			b.taken++
			return q, true
		}
		if holding {
			return nil, false
		}
		b.free.Wait() // Every mail left waits for an address in flight, or for a mail to come back.
	}
}

func (b *batch) anyBusy(addrs []string) bool {
	for _, a := range addrs {
		if b.busy[a] {
			return true
		}
	}
	return false
}

// done frees a mail a worker took, and its addresses.
func (b *batch) done(addrs []string) {
	b.mu.Lock()
	b.release(addrs)
	b.mu.Unlock()
	b.free.Broadcast()
}

// requeue puts back a mail a worker could not try, and frees it: another worker sends it.
func (b *batch) requeue(q *queued) {
	b.mu.Lock()
	b.queue = append(b.queue, q)
	b.release(q.addrs)
	b.mu.Unlock()
	b.free.Broadcast()
}

func (b *batch) release(addrs []string) {
	for _, a := range addrs {
		delete(b.busy, a)
	}
	b.taken--
}

// fail ends the batch: the mails not yet taken are given back. Workers that meet the same
// failure (every connection refused) report it once.
func (b *batch) fail(err error, m tickets.OutboxMail) {
	b.mu.Lock()
	if !slices.ContainsFunc(b.errs, func(e error) bool { return e.Error() == err.Error() }) {
		b.errs = append(b.errs, err)
	}
	if m.ID != 0 {
		b.back = append(b.back, m.ID)
	}
	b.mu.Unlock()
	b.free.Broadcast()
}

// addresses are what a mail's hourly limits count: its recipients' mailboxes, and its cause.
func addresses(m tickets.OutboxMail) []string {
	out := make([]string, 0, len(m.To)+len(m.Cc)+1)
	for _, a := range m.To {
		out = append(out, tickets.Mailbox(a))
	}
	for _, a := range m.Cc {
		out = append(out, tickets.Mailbox(a))
	}
	if m.Automatic && m.Cause != "" {
		out = append(out, causeKey(m.Cause))
	}
	return out
}

// connections is how many connections a drain may use now.
func (s *Sender) connections(cfg Config) int {
	n := cfg.Connections
	if n <= 0 {
		n = DefaultConnections
	}
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	if s.connLimit > 0 && time.Now().Before(s.connLimitUntil) {
		n = min(n, s.connLimit)
	}
	return n
}

// sendBatch sends a claimed batch over the drain's workers and commits what was sent. ctx ending
// stops it between mails; settle records outcomes whatever ctx does. It returns an error that
// ends the drain; the mails not tried are then given back.
func (s *Sender) sendBatch(ctx, settle context.Context, ws *[]*drain, proto drain, batchMails []tickets.OutboxMail) error {
	b := &batch{s: s, box: s.box, queue: make([]*queued, len(batchMails)), auto: map[int64]string{},
		noted: map[string]int{}, busy: map[string]bool{}, conns: map[*drain]bool{}, limit: s.connections(proto.smtp)}
	qs := make([]queued, len(batchMails)) // One allocation for the batch, not one a mail.
	for i, m := range batchMails {
		qs[i] = queued{m, addresses(m)}
		b.queue[i] = &qs[i]
	}
	b.free = sync.NewCond(&b.mu)
	if err := b.loadLimits(ctx, proto.now); err != nil {
		if rel := s.box.Release(settle, ids(batchMails), proto.now); rel != nil {
			err = errors.Join(err, rel)
		}
		return err
	}
	for _, m := range batchMails {
		if m.Automatic {
			b.auto[m.ID] = m.Cause
		}
	}
	// The claims run until now + ClaimLease: renewing them before each send is needed only
	// once half of that has gone, by the real clock's reckoning of the time since the claim
	// (the drain's clock may be another: a drain as of a given time renewed every mail).
	claimed := time.Now()
	n := max(1, min(b.limit, (len(batchMails)+perConnection-1)/perConnection))
	for len(*ws) < n {
		d := proto
		d.client, d.sent = nil, 0
		*ws = append(*ws, &d)
	}
	for _, d := range *ws {
		b.conns[d] = d.client != nil
	}
	var wg sync.WaitGroup
	for _, d := range (*ws)[:n] {
		d.box = batchBox{s.box, b}
		wg.Go(func() { s.work(ctx, settle, d, b, claimed) })
	}
	wg.Wait()
	commit := b.box.CommitSent(settle)
	if len(b.errs) == 0 {
		return commit
	}
	back := b.back
	for _, q := range b.queue {
		back = append(back, q.m.ID)
	}
	var rel error
	if len(back) > 0 {
		rel = s.box.Release(settle, back, proto.now)
	}
	return errors.Join(append(b.errs, commit, rel)...)
}

// work is one worker: it sends the batch's mails over its own connection until none is left.
// With PIPELINING a mail's last message goes with the next mail's commands (transact): the
// worker sends what it holds (drain.flush) before it waits for a mail, and before it ends.
func (s *Sender) work(ctx, settle context.Context, d *drain, b *batch, claimed time.Time) {
	defer func() {
		if p := recover(); p != nil {
			b.fail(fmt.Errorf("send panicked: %v", p), tickets.OutboxMail{})
		}
	}()
	defer func() {
		d.flush()
		s.settled(d, b)
	}()
	for {
		holding := d.pipe.await != nil
		q, ok := b.next(holding)
		if !ok {
			if !holding {
				return
			}
			d.flush()
			if !s.settled(d, b) {
				return
			}
			continue
		}
		if ctx.Err() != nil {
			b.fail(ctx.Err(), q.m)
			b.done(q.addrs)
			return
		}
		if out := time.Since(claimed); out > tickets.ClaimLease/2 {
			if ok, err := s.box.Renew(settle, q.m, d.now.Add(out+tickets.ClaimLease)); err != nil {
				b.fail(err, tickets.OutboxMail{})
				b.done(q.addrs)
				return
			} else if !ok {
				s.log.Warn("outbox row claimed by another sender; skipped", "id", q.m.ID, "kind", q.m.Kind)
				b.done(q.addrs)
				continue
			}
		}
		d.one(settle, q)
		if !s.settled(d, b) {
			return
		}
	}
}

// settled frees the worker's mails whose outcome is known (drain.finished), and ends the batch
// when one met an error that ends it; false: the worker stops.
func (s *Sender) settled(d *drain, b *batch) bool {
	b.mu.Lock()
	b.conns[d] = d.client != nil
	b.mu.Unlock()
	ok := true
	fin := d.finished
	d.finished = d.finished[:0] // settle adds none.
	for _, f := range fin {
		if !s.settle(d, b, f) {
			ok = false
		}
	}
	return ok
}

// settle frees one mail of the worker's; false when its error ends the worker.
func (s *Sender) settle(d *drain, b *batch, f finished) bool {
	err := f.err
	if err == nil { // Nearly every mail: without errors.As, whose target would cost an allocation.
		b.done(f.q.addrs)
		return true
	}
	var ce errConn
	if errors.As(err, &ce) {
		if live := b.fewer(); live > 0 {
			// The server takes fewer connections than this: the others send the mail. It is
			// back in the queue before this worker lets go of it, so none of them has ended
			// for want of mail meanwhile (next).
			s.log.Info("smtp server refuses another connection; sending over fewer", "connections", live, "err", oneLine(ce.err))
			b.requeue(f.q)
			return false
		}
	}
	b.done(f.q.addrs)
	if err == nil {
		return true
	}
	var w errWaiting
	if errors.As(err, &w) { // Not an attempt: the mails wait as they are.
		b.fail(w.err, f.q.m)
		return false
	}
	if errors.As(err, &ce) {
		s.unreachable(d.smtp, ce.err)
		b.fail(fmt.Errorf("%w: smtp %s: %s", ErrUnreachable, d.smtp.Address, explain(d.smtp, ce.err)), f.q.m)
		return false
	}
	b.fail(err, tickets.OutboxMail{}) // The outcome could not be recorded: the lease brings the mail back.
	return false
}

// connect dials for a worker of the batch, and tells the batch when it dials and whether it
// got a connection: a worker refused while another is still dialling must not take the server
// for unreachable (fewer).
func (d *drain) connect(ctx context.Context) (*client, error) {
	b := d.box.b
	if b == nil {
		return d.dial(ctx, d.smtp)
	}
	b.mu.Lock()
	b.dialing++
	b.mu.Unlock()
	c, err := d.dial(ctx, d.smtp)
	b.mu.Lock()
	b.dialing--
	b.conns[d] = err == nil
	b.mu.Unlock()
	b.free.Broadcast()
	return c, err
}

// fewer is called by a worker that lost its connection or could not get one: it returns how many
// other workers still have one, once those dialling know. If any, the batch goes on without this
// worker, and the sender keeps to that many connections for connLimitFor.
func (b *batch) fewer() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.dialing > 0 {
		b.free.Wait()
	}
	live := 0
	for _, ok := range b.conns {
		if ok {
			live++
		}
	}
	if live > 0 {
		b.s.limitMu.Lock()
		b.s.connLimit, b.s.connLimitUntil = live, time.Now().Add(connLimitFor)
		b.s.limitMu.Unlock()
	}
	return live
}
