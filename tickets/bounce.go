package tickets

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Bounces. Each copy of a desk mail goes out with its own envelope sender, a bounce address
// bound to the outbox row and the recipient (Signer.BounceAddress, VERP). A delivery report
// returns to that address, and only such a report counts against that recipient: anyone can
// write a bounce, but only the recipient's mail servers know the address of the recipient's copy.
// A report counts when it says the delivery failed for good (a DSN Status of class 5, RFC 3463);
// a delay warning or a temporary failure never does. An address is held back after
// bounceThreshold such reports about different mails within bounceWindow, for bounceQuarantine,
// and never if it is the team's.

const (
	bounceThreshold  = 3
	bounceWindow     = 7 * 24 * time.Hour
	bounceQuarantine = 24 * time.Hour
)

// hardFailure reports whether a bounce says a delivery failed for good: a failed recipient whose
// status is of class 5, or unknown (X-Failed-Recipients lists permanent failures).
func hardFailure(in *Incoming) bool {
	for _, r := range in.FailedRecipients {
		st := in.FailedStatus[strings.ToLower(r)]
		if st == "" || strings.HasPrefix(st, "5") {
			return true
		}
	}
	return false
}

// bouncedCopy is the copy of a desk mail a bounce was sent back for.
type bouncedCopy struct {
	outbox    int64
	ticket    int64
	recipient string
}

// bouncedCopies finds the copies a bounce names by the bounce addresses it was delivered to.
func (t *Tx) bouncedCopies(in *Incoming) []bouncedCopy {
	var out []bouncedCopy
	seen := map[int64]bool{}
	for _, a := range append(append(append([]string{}, in.To...), in.Cc...), in.DeliveredTo...) {
		tok, err := t.d.Signer.ParseBounceAddress(a)
		if err != nil || seen[tok.ID] || !t.cfg.IsDeskAddress(a) {
			continue
		}
		seen[tok.ID] = true
		var to, cc string
		var ticket int64
		if err := t.queryRow(`SELECT ticket_id, recipients, cc FROM outbox WHERE id = ?`, tok.ID).Scan(&ticket, &to, &cc); err != nil {
			continue // Pruned, or never ours.
		}
		var rcpts, ccs []string
		_ = json.Unmarshal([]byte(to), &rcpts)
		_ = json.Unmarshal([]byte(cc), &ccs)
		for _, r := range append(rcpts, ccs...) {
			if t.d.Signer.Bound(tok, r) {
				out = append(out, bouncedCopy{outbox: tok.ID, ticket: ticket, recipient: strings.ToLower(r)})
				break
			}
		}
	}
	return out
}

// recordBounce counts a hard bounce of one copy against its recipient, and holds the address
// back once it has bounced bounceThreshold different mails within bounceWindow.
func (t *Tx) recordBounce(c bouncedCopy, reason string) error {
	if t.cfg.IsDeskAddress(c.recipient) || t.cfg.IsStaff(c.recipient) {
		return nil // Never silence the team.
	}
	if _, err := t.exec(`DELETE FROM bounces WHERE email = ? AND at <= ?`, c.recipient, t.Now.Add(-bounceWindow).Unix()); err != nil {
		return fmt.Errorf("forget old bounces: %w", err)
	}
	if _, err := t.exec(`INSERT INTO bounces (email, outbox_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		c.recipient, c.outbox, t.Now.Unix()); err != nil {
		return fmt.Errorf("record bounce: %w", err)
	}
	var n int
	if err := t.queryRow(`SELECT COUNT(*) FROM bounces WHERE email = ?`, c.recipient).Scan(&n); err != nil {
		return fmt.Errorf("count bounces: %w", err)
	}
	if n < bounceThreshold {
		return nil
	}
	return t.setBounced(c.recipient, t.Now.Add(bounceQuarantine), reason)
}

// setBounced holds back mail to an address until a time (the zero time lifts it), with the
// reason the bounce gave; the sender reads it back with Store.Suppressed.
func (t *Tx) setBounced(email string, until time.Time, reason string) error {
	_, err := t.exec(`INSERT INTO people (email, bounced_until, bounce_reason) VALUES (?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET bounced_until = excluded.bounced_until, bounce_reason = excluded.bounce_reason`,
		strings.ToLower(email), unix(until), reason)
	if err != nil {
		return fmt.Errorf("record bounce: %w", err)
	}
	return nil
}
