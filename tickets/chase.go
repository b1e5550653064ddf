package tickets

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// A requester who chases a request still open forwards their own first mail to the desk, or
// writes again under its subject ("TR : Imprimante couleur en panne", "Relance : …"), often with
// no threading field the desk knows: Outlook's forward names no earlier message, and a mail
// answered from the sent folder names the requester's own, which reached the desk under another
// Message-ID when a gateway rewrote it. Such a mail belongs to the open request, not to a second
// ticket with a second acknowledgement and another technician.

// chaseDays is how recently an open request must have been opened for a mail to chase it: a
// chase comes within days, and the window bounds the rows the lookup reads (tickets_created).
const chaseDays = 14

// chasePrefixRE matches the words a person puts before a subject to chase it, in French or
// English: "Relance :", "2e relance -", "Rappel :", "Reminder:", "Follow-up:", "Suivi :".
var chasePrefixRE = regexp.MustCompile(`(?i)^[\s\p{Z}]*(?:(?:\d+(?:e|ème|nd|rd|th)|seconde?|second|nouvelle|new|urgent|urgente)[\s\p{Z}]+)?` +
	`(?:relance|rappel|reminder|follow[- ]?up|suivi|chasing|chase)[\s\p{Z}]*[:：-][\s\p{Z}]*`)

// chaseSubject is the subject a chasing mail repeats, folded, with reply, forward and chase
// prefixes and the desk's tag cut; "" when the mail does not say it chases (no such prefix) or
// the subject is too short to name one request ("Question", "Urgent").
func chaseSubject(subject, tag string) string {
	if !strings.ContainsAny(subject, "[:：-") {
		// Every prefix ends in a colon or a dash and a tag has a bracket: nothing to strip, and
		// Fold keeps spaces where they are. A new request's subject seldom has one, and this
		// was 22,000 instructions of its 475,000 in the writer (BenchmarkIngestWriter;
		// TestChaseSubjectWithoutMarks holds the two ways equal).
		return ""
	}
	return chaseSubjectByExpressions(subject, tag)
}

// chaseSubjectByExpressions is chaseSubject by its expressions alone.
func chaseSubjectByExpressions(subject, tag string) string {
	s := ticketSubjectKey(subject, tag)
	if s == strings.Join(strings.Fields(Fold(subject)), " ") || len(strings.Fields(s)) < 2 {
		return "" // Nothing stripped: not a chase.
	}
	return s
}

// ticketSubjectKey is a ticket's subject as chaseSubject compares it.
func ticketSubjectKey(subject, tag string) string {
	s := subject
	for {
		before := s
		s = chasePrefixRE.ReplaceAllString(CleanSubject(s, tag), "")
		if s == before {
			break
		}
	}
	return strings.Join(strings.Fields(Fold(s)), " ")
}

// chasedRequest returns the request of in's sender, opened in the last chaseDays and still open,
// whose subject in chases (chaseSubject); nil when there is none. Staff's mail is theirs to
// thread by the desk's tag: a technician forwarding a requester's mail is not chasing.
func (t *Tx) chasedRequest(in *Incoming) (*Ticket, error) {
	if in.Verdict != VerdictPerson || in.From == "" || t.cfg.IsStaff(in.From) {
		return nil, nil
	}
	want := chaseSubject(in.Subject, t.cfg.Desk.Tag)
	if want == "" {
		return nil, nil
	}
	since := t.Now.Add(-chaseDays * 24 * time.Hour).Unix()
	return t.firstTicket("requests "+in.From+" may chase", func(subject string, status Status) bool {
		return status.Active() && ticketSubjectKey(subject, t.cfg.Desk.Tag) == want
	}, chaseQuery, since, in.From)
}

// firstTicket returns the first ticket of q's rows (id, subject, status) that match takes, nil
// when none does; what names the rows in an error.
func (t *Tx) firstTicket(what string, match func(subject string, status Status) bool, q string, args ...any) (*Ticket, error) {
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var found int64
	for rows.Next() {
		var id int64
		var subject string
		var status Status
		if err := rows.Scan(&id, &subject, &status); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if found == 0 && match(subject, status) {
			found = id
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if found == 0 {
		return nil, nil
	}
	return t.ticketIfExists(found)
}

// chaseQuery reads the requests a sender opened since a time, newest first, through
// tickets_created: the window, not the desk, bounds what it reads.
const chaseQuery = `SELECT id, subject, status FROM tickets WHERE created_at >= ? AND requester = ? AND kind = 'request'
	ORDER BY created_at DESC, id DESC`
