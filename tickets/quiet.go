package tickets

import (
	"fmt"
	"slices"
)

// A quiet ticket's requester is not mailed automatically: the ticket was opened by automatic
// mail (a monitoring tool's alert, a report: VerdictBulk), or from an address nobody reads
// ("no-reply"). Answering a machine starts mail loops and fills mailboxes nobody reads, so no
// acknowledgement, resolution, escalation notice, rating request or reminder goes to it. A
// technician's own reply (KindReply) still goes: a person chose to write it.

// quietReason is why a quiet ticket's requester is left out of a mail, as recorded.
const quietReason = "the requester is not mailed automatically"

// rememberQuiet records whether a ticket the transaction wrote is quiet, so that its mails do
// not read it back.
func (t *Tx) rememberQuiet(id int64, quiet bool) {
	if t.quietOf == nil || len(t.quietOf) >= maxRemembered {
		t.quietOf = map[int64]bool{}
	}
	t.quietOf[id] = quiet
}

// quiet reports whether a ticket's requester is not mailed automatically.
func (t *Tx) quiet(tk *Ticket) (bool, error) {
	if noReply(tk.Requester) {
		return true, nil
	}
	if q, ok := t.quietOf[tk.ID]; ok {
		return q, nil
	}
	var q int64
	if err := t.queryRow(`SELECT quiet FROM tickets WHERE id = ?`, tk.ID).Scan(&q); err != nil {
		return false, fmt.Errorf("ticket %d quiet: %w", tk.ID, err)
	}
	return q != 0, nil
}

// spareRequester takes a quiet ticket's requester out of an automatic mail. A mail left with
// nobody is withheld (recorded, not sent), so that a ticket's first mail is still the root of
// its thread.
func (t *Tx) spareRequester(tk *Ticket, m *Mail) error {
	if tk == nil || tk.ID == 0 || m.Kind == KindReply || m.Withheld != "" || tk.Requester == "" ||
		!slices.Contains(m.To, tk.Requester) && !slices.Contains(m.Cc, tk.Requester) {
		return nil
	}
	q, err := t.quiet(tk)
	if err != nil || !q {
		return err
	}
	drop := map[string]bool{tk.Requester: true}
	m.To, m.Cc = without(m.To, drop), without(m.Cc, drop)
	if len(m.To) == 0 && len(m.Cc) == 0 {
		m.To, m.Withheld, m.withheldWhy = []string{tk.Requester}, quietReason, &Phrase{Code: JournalQuiet}
		return nil
	}
	return t.said(tk, EventNote, ActorDesk, false, Phrase{Code: JournalNotSentTo, Args: map[string]string{"kind": m.Kind, "to": tk.Requester},
		Parts: map[string]Phrase{"reason": {Code: JournalQuiet}}}, "")
}
