package mailout

import (
	"context"
	"errors"
	"runtime/debug"
	"time"
)

// When the server cannot be reached (connection refused, a timeout, a 421 greeting, a failed
// login), the sender stops trying mail by mail: it probes the server — connect, EHLO, log in,
// QUIT — after 1 s, then 2, 4, 8, 16 and every 30 s, and as soon as it answers sends everything
// due at once. One WARN when the outage begins, one INFO when it ends. No mail is charged with an
// attempt for it, and none is given up (GiveUp counts only the mail's own refusals).
const (
	ProbeFirst = time.Second      // The first probe of a server that cannot be reached.
	ProbeMax   = 30 * time.Second // The longest wait between probes.
)

// ErrUnreachable is the error Drain wraps when the SMTP server cannot be reached: the mail stays
// queued, due, and goes when the server answers.
var ErrUnreachable = errors.New("smtp server unreachable; mail stays queued")

// outage is a time the SMTP server could not be reached.
type outage struct{ since time.Time }

// Run drains the outbox until ctx is done: at once, on every Wake, and every few seconds (for
// retries coming due). While the server cannot be reached it probes it instead, and drains as
// soon as it answers. It is the sender of `deskd serve`.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(tick)
	defer t.Stop()
	beats := make(chan struct{})
	defer func() { <-beats }()
	go s.heartbeats(ctx, beats)
	for {
		s.drainLogged(ctx)
		if s.down.Load() != nil {
			if !s.awaitServer(ctx) {
				return
			}
			continue // It answers: send everything due now.
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// heartbeats records this sender's heartbeat every HeartbeatEvery until ctx ends, then closes
// done.
func (s *Sender) heartbeats(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(HeartbeatEvery)
	defer t.Stop()
	me := s.self.String()
	for {
		if err := s.box.Heartbeat(ctx, me, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Warn("outbox heartbeat", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Sender) drainLogged(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("outbox drain panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	_, err := s.Drain(ctx, time.Now())
	switch {
	case err == nil || ctx.Err() != nil:
	case errors.Is(err, ErrUnreachable): // An outage is logged once, as it begins.
	case waitsForPerson(err):
		s.log.Debug("outbox waits for deskd oauth login", "err", err) // The token source said so once.
	default:
		s.log.Warn("outbox drain", "err", err)
	}
}

// awaitServer probes the server with growing intervals until it answers (true) or ctx ends.
func (s *Sender) awaitServer(ctx context.Context) bool {
	wait := s.probeFirst
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		err := s.probe(ctx)
		if err == nil {
			return true
		}
		wait = min(2*wait, s.probeMax)
		s.log.Debug("smtp server still unreachable", "err", err, "next_probe_in", wait)
	}
}

// probe connects and logs in as a drain would, and says QUIT.
func (s *Sender) probe(ctx context.Context) error {
	c, err := s.dial(ctx, s.set.Load().smtp)
	if err != nil {
		return err
	}
	if err := c.Close(); err != nil {
		s.log.Debug("smtp quit", "err", err)
	}
	return nil
}

// unreachable records that the server cannot be reached; the first time, it logs the WARN that
// begins the outage.
func (s *Sender) unreachable(cfg Config, err error) {
	if s.down.CompareAndSwap(nil, &outage{since: time.Now()}) {
		s.log.Warn("smtp server unreachable: mail is held until it answers", "smtp", cfg.Address, "err", explain(cfg, err))
	}
}

// answered ends the outage was after a drain that reached the server (or needed not to), and
// logs the INFO that says how long it lasted and how many held mails went.
func (s *Sender) answered(was *outage, sent int, err error) {
	if errors.Is(err, ErrUnreachable) || !s.down.CompareAndSwap(was, nil) {
		return
	}
	s.log.Info("smtp server answers again: held mail sent", "down_for", time.Since(was.since).Round(time.Second), "held", sent)
}
