package mailin

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// A first run is the ingester meeting a mailbox it has no record of (a new desk, a new database)
// or whose UIDs were renumbered (UIDVALIDITY). The mail already there — the backlog — is taken
// only as [imap] backfill says: by default the mail nobody has read. Mail it does not take is
// never touched (not flagged, not moved). A mail it takes that arrived (INTERNALDATE) longer
// than [imap] ack_max_age before gets its ticket but no acknowledgement: its requester wrote
// long ago, and a receipt now would only confuse. Mail that arrives after the first run began is
// new mail, taken as always.
//
// The first run's choice is recorded with the mailbox's state before any mail is taken, so that
// a crash in the middle of the backlog resumes with the same choice.

// backlog is the first run's choice, kept in the mailbox's state until the backlog is taken.
type backlog struct {
	UpTo      uint32        `json:"up_to"`       // The highest UID when the first run began: above it, mail is new.
	Backfill  string        `json:"backfill"`    // [imap] backfill then.
	AckMaxAge time.Duration `json:"ack_max_age"` // [imap] ack_max_age then.
	At        time.Time     `json:"at"`          // When the first run began: ages count back from it.
}

// takes reports whether the first run takes a mail of the backlog, by its \Seen flag and its
// arrival (INTERNALDATE; zero when the server gave none, taken for recent).
func (b *backlog) takes(seen bool, arrived time.Time) bool {
	switch b.Backfill {
	case BackfillAll:
		return true
	case BackfillUnseen, "":
		return !seen
	}
	within, err := backfillWithin(b.Backfill)
	if err != nil {
		return !seen // A value a later version wrote: the default.
	}
	return arrived.IsZero() || !arrived.Before(b.At.Add(-within))
}

// late returns why a mail of the backlog gets no acknowledgement, "" when it gets one.
func (b *backlog) late(arrived time.Time) string {
	if arrived.IsZero() || !arrived.Before(b.At.Add(-b.AckMaxAge)) {
		return ""
	}
	return fmt.Sprintf("arrived %s, more than %s before the desk first read the mailbox ([imap] ack_max_age)",
		arrived.UTC().Format("2006-01-02 15:04 MST"), fmtAge(b.AckMaxAge))
}

func fmtAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 && d > 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// firstRun records the first run's choice for a mailbox the desk has no record of, or whose
// UIDVALIDITY changed (prev is what was recorded before, if anything).
func (g *Ingester) firstRun(ctx context.Context, s *session, mailbox string, prev mailboxState) (mailboxState, error) {
	if prev.recorded {
		g.log.Warn("UIDVALIDITY changed: the mailbox is read again as on a first run", "mailbox", mailbox,
			"old", prev.UIDValidity, "new", s.uidValidity, "backfill", s.cfg.Backfill)
	}
	end := s.begin()
	all, err := s.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	end()
	if err != nil {
		return prev, fmt.Errorf("search: %w", err)
	}
	// Attempts and the group commit in flight name mails by Message-ID: they stay true.
	next := mailboxState{UIDValidity: s.uidValidity, Inflight: prev.Inflight, Attempts: prev.Attempts, Account: account(s.cfg), recorded: true}
	uids := all.AllUIDs()
	if len(uids) > 0 {
		next.Backlog = &backlog{UpTo: uint32(slices.Max(uids)), Backfill: s.cfg.Backfill, AckMaxAge: s.cfg.AckMaxAge.Duration, At: g.now()}
	}
	g.log.Info("first run on this mailbox: the mail already there is taken as backfill says", "mailbox", mailbox,
		"mails", len(uids), "backfill", s.cfg.Backfill, "ack_max_age", fmtAge(s.cfg.AckMaxAge.Duration))
	return next, g.saveState(ctx, mailbox, next)
}

// backlogUIDs narrows the UIDs found above the last one done to those the first run may take:
// every new one, and of the backlog those a search says backfill takes (the batch checks each
// again against its flags and INTERNALDATE).
func (g *Ingester) backlogUIDs(s *session, b *backlog, lastUID uint32, uids []imap.UID) ([]imap.UID, error) {
	if b.Backfill == BackfillAll || lastUID >= b.UpTo { // (A range a:b with a > b means b:a.)
		return uids, nil
	}
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(lastUID + 1), Stop: imap.UID(b.UpTo)}}}}
	if within, err := backfillWithin(b.Backfill); err == nil && within > 0 {
		// SINCE compares dates only, in the server's time zone: a day earlier, to be sure.
		crit.Since = b.At.Add(-within).AddDate(0, 0, -1)
	} else {
		crit.NotFlag = []imap.Flag{imap.FlagSeen}
	}
	end := s.begin()
	found, err := s.c.UIDSearch(crit, nil).Wait()
	end()
	if err != nil {
		return nil, fmt.Errorf("search the first run's backlog: %w", err)
	}
	take := map[imap.UID]bool{}
	for _, u := range found.AllUIDs() {
		take[u] = true
	}
	var out []imap.UID
	for _, u := range uids {
		if uint32(u) > b.UpTo || take[u] {
			out = append(out, u)
		}
	}
	return out, nil
}

// FirstRun is what a first run on the mailbox would take, for `deskd check`.
type FirstRun struct {
	Backfill  string        // [imap] backfill.
	AckMaxAge time.Duration // [imap] ack_max_age.
	Take      int           // Mails it would take.
	NoAck     int           // Of those, the ones that arrived over ack_max_age ago: a ticket, no acknowledgement.
	Leave     int           // Mails it would leave alone.
}

// Preview connects and says what a first run on the mailbox would take now; nil when the desk
// already has a record of the mailbox (the next run is no first run).
func (g *Ingester) Preview(ctx context.Context) (*FirstRun, error) {
	s, err := g.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer s.close(g.log)
	state, err := g.loadState(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	if state.recorded && state.UIDValidity == s.uidValidity {
		return nil, nil
	}
	b := &backlog{Backfill: s.cfg.Backfill, AckMaxAge: s.cfg.AckMaxAge.Duration, At: g.now()}
	fr := &FirstRun{Backfill: b.Backfill, AckMaxAge: b.AckMaxAge}
	if s.numMessages == 0 {
		return fr, nil
	}
	end := s.begin()
	msgs, err := s.c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true}).Collect()
	end()
	if err != nil {
		return nil, s.watch.explain(fmt.Errorf("fetch flags: %w", err))
	}
	for _, m := range msgs {
		if !b.takes(slices.Contains(m.Flags, imap.FlagSeen), m.InternalDate) {
			fr.Leave++
			continue
		}
		fr.Take++
		if b.late(m.InternalDate) != "" {
			fr.NoAck++
		}
	}
	return fr, nil
}
