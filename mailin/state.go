package mailin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deskd/deskd/tickets"
)

// Desk is what the ingester needs of the desk: somewhere to record incoming mail, and to keep the
// ingester's own state of each mailbox. *tickets.Desk implements it.
type Desk interface {
	// Ingest records a batch of mail in one transaction; see tickets.Desk.Ingest.
	Ingest(ctx context.Context, now time.Time, batch []*tickets.Incoming) ([]tickets.Outcome, error)
	// HasMessage reports whether a mail with this Message-ID was already recorded.
	HasMessage(ctx context.Context, messageID string) (bool, error)
	// MailboxState returns what SetMailboxState last recorded for a mailbox, nil for nothing.
	MailboxState(ctx context.Context, mailbox string) ([]byte, error)
	// SetMailboxState records the ingester's state of a mailbox, committed when it returns.
	SetMailboxState(ctx context.Context, mailbox string, state []byte) error
}

// mailboxState is what the ingester remembers of a mailbox between passes. The desk stores it as it is
// given (JSON) and never reads it.
type mailboxState struct {
	UIDValidity uint32 `json:"uidvalidity"`
	LastUID     uint32 `json:"last_uid"` // Every mail up to it is done (flagged, moved or quarantined).
	// Inflight are the Message-IDs of the group commit last begun and not finished: after a crash
	// they are processed one by one, so that the mail at fault is found.
	Inflight []string `json:"inflight,omitempty"`
	// Attempts counts the tries of each mail processed alone, recorded before the try: a mail
	// that crashes the process itself is counted too, and quarantined after maxAttempts.
	Attempts map[string]int `json:"attempts,omitempty"`
	// Backlog is the first run's choice of the mail that was already in the mailbox, until all of
	// it is taken (firstrun.go).
	Backlog *backlog `json:"backlog,omitempty"`

	// Account is the server and user whose mailbox this is (account): a desk moved to another
	// account, or another server, whose mailbox of the same name numbers its mail from the same
	// UIDVALIDITY, must not skip that mail as done. Empty in a record made before it was kept:
	// that record is taken as the configured account's.
	Account string `json:"account,omitempty"`

	recorded bool // The desk had a record of the mailbox: this is no first run.
}

// account names the account a session reads: the server's address and the user.
func account(cfg Config) string { return cfg.Address + " " + cfg.Username }

// loadState returns the recorded state of the mailbox of cfg (a session's: what it selected,
// whatever a reload says). A record of another account's mailbox of the same name is none: the
// next pass is a first run (firstrun.go) for this one.
func (g *Ingester) loadState(ctx context.Context, cfg Config) (mailboxState, error) {
	mailbox, acct := cfg.Mailbox, account(cfg)
	st := mailboxState{Account: acct}
	b, err := g.desk.MailboxState(ctx, mailbox)
	if err != nil || len(b) == 0 {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("state of mailbox %q: %w", mailbox, err)
	}
	if st.Account != "" && st.Account != acct {
		g.log.Warn("the desk's record of this mailbox is another account's: the mailbox is read as on a first run",
			"mailbox", mailbox, "recorded", st.Account, "now", acct)
		return mailboxState{Account: acct}, nil
	}
	st.Account, st.recorded = acct, true
	return st, nil
}

func (g *Ingester) saveState(ctx context.Context, mailbox string, st mailboxState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("state of mailbox %q: %w", mailbox, err)
	}
	return g.desk.SetMailboxState(ctx, mailbox, b)
}
