package tickets

import (
	"fmt"
	"regexp"
	"strings"
)

// Monitoring tools (Nagios, Icinga, Zabbix) mail a PROBLEM when a check fails and a RECOVERY
// when it passes again, without In-Reply-To or References: the recovery does not thread by its
// headers. A recovery is recorded on the open quiet ticket its PROBLEM opened — same sender, the
// same host and service once the PROBLEM/RECOVERY word and the state are removed — and the
// assignee is told; it opens no ticket of its own, which would be assigned and escalated for a
// problem that is gone. The ticket stays open: a technician judges whether the recovery ends it
// (a flapping service recovers and fails again; the cause may need work).

// alertSubjectRE reads a monitoring alert's subject: its kind word, then what it is about.
// Nagios "** PROBLEM Service Alert: srv/SMB is CRITICAL **", Icinga "[RECOVERY] SMB on srv is
// OK!", Zabbix "Problem: Disk space is low on srv", "Resolved in 5m 0s: Disk space is low on srv",
// the generic "PROBLEM: printer3 is DOWN", "OK: printer3 is UP".
var alertSubjectRE = regexp.MustCompile(`(?i)^[\s*\[]*(problem\b|recovery\b|resolved\b(?: in [^:\]]{1,40})?|ok\s*:)\]?\s*:?\s*(.+?)[\s*!]*$`)

// alertStateRE is the state that ends an alert's subject: "is CRITICAL", "is OK", "- DOWN".
var alertStateRE = regexp.MustCompile(`(?i)(?:\s+is|\s+-|\s*:)\s+(?:critical|warning|unknown|down|unreachable|ok|up|recovered|resolved|pending|flapping)$`)

// alertOf reads a subject as a monitoring alert: whether it says the problem is over, and the
// key that a PROBLEM and its RECOVERY share (lower-case, without the state). ok is false for any
// other subject.
func alertOf(subject string) (recovery bool, key string, ok bool) {
	m := alertSubjectRE.FindStringSubmatch(strings.TrimSpace(subject))
	if m == nil {
		return false, "", false
	}
	key = strings.Join(strings.Fields(strings.ToLower(alertStateRE.ReplaceAllString(m[2], ""))), " ")
	if key == "" {
		return false, "", false
	}
	return !strings.EqualFold(m[1], "problem"), key, true
}

// maxAlertTickets is how many of a sender's open quiet tickets a recovery is compared with.
const maxAlertTickets = 50

// recoveredProblem returns the open quiet ticket whose PROBLEM an unthreaded RECOVERY answers:
// from the same sender, with the same key (alertOf); nil when there is none.
func (t *Tx) recoveredProblem(in *Incoming) (*Ticket, error) {
	if in.Verdict != VerdictBulk && !noReply(in.From) {
		return nil, nil // only a machine's mail: a quiet ticket's sender is one
	}
	recovery, key, ok := alertOf(in.Subject)
	if !ok || !recovery || in.From == "" {
		return nil, nil
	}
	q := `SELECT id, subject, status FROM tickets WHERE requester = ? AND quiet != 0
		AND status IN ('new', 'open', 'pending') ORDER BY id DESC LIMIT ` + fmt.Sprint(maxAlertTickets)
	return t.firstTicket("open alerts of "+in.From, func(subject string, _ Status) bool {
		r, k, ok := alertOf(subject)
		return ok && !r && k == key
	}, q, in.From)
}

// tellRecovery tells the assignee of an open ticket that an automatic mail into it says its
// problem is over (a RECOVERY, threaded or not).
func (t *Tx) tellRecovery(in *Incoming, tk *Ticket) error {
	if in.Verdict != VerdictBulk || !tk.Status.Active() {
		return nil
	}
	if recovery, _, ok := alertOf(in.Subject); !ok || !recovery {
		return nil
	}
	return t.tellAssignee(tk, in.From, Notice{Event: "message", Text: in.Text})
}
