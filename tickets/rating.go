package tickets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// EventRating is the history line of a requester's answer to "was your problem solved?".
const EventRating = "rating"

// Rate records a requester's answer to "was your problem solved?" (the last answer per ticket
// counts), with an optional comment. "No" reopens a resolved ticket and tells its technician
// (the coordinators when nobody holds it), and opens a request that follows up a closed one; "no"
// to a ticket not resolved yet, and "yes", tell nobody. from is who answered: the
// requester or a watcher, as the signed link says.
func (t *Tx) Rate(tk *Ticket, solved bool, comment, from string) error {
	comment = strings.TrimSpace(comment)
	if r := []rune(comment); len(r) > 2000 {
		comment = string(r[:2000])
	}
	code := JournalSolvedNo
	if solved {
		code = JournalSolvedYes
	}
	if err := t.said(tk, EventRating, from, false, say(code, "comment", comment), ""); err != nil { // The comment as written.
		return err
	}
	if _, err := t.exec(`INSERT INTO ratings (ticket_id, solved, comment, by, assignee, category, at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET solved = excluded.solved, comment = excluded.comment, by = excluded.by,
		assignee = excluded.assignee, category = excluded.category, at = excluded.at`,
		tk.ID, solved, comment, from, tk.Assignee, tk.Category, t.Now.Unix()); err != nil {
		return fmt.Errorf("record rating: %w", err)
	}
	// Only an answer that reopens a resolved ticket tells anyone: once per resolution, however
	// often a link is posted.
	if solved {
		return nil
	}
	if tk.Status == StatusClosed {
		// A closed ticket opens no more. As a reply to its mail does, "no" opens a request that
		// follows it up (its technician takes it), the comment as its text; each link once.
		_, err := t.Open(NewTicket{Subject: followUpSubject(tk.Subject, comment), Text: comment, Requester: from,
			Language: tk.Language, LinkedTicket: tk.ID, Actor: from})
		return err
	}
	if tk.Status != StatusResolved {
		return nil
	}
	// The same as a reply saying it is still broken: out of a resolved incident, open again.
	if err := t.stillBroken(tk, from); err != nil {
		return err
	}
	if tk.Assignee == "" {
		return t.tellCoordinators(tk, "unsolved", Phrase{})
	}
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{tk.Assignee}, Language: t.staffLanguage(tk.Assignee),
		Notice: Notice{Audience: "staff", Event: "unsolved", Text: comment, Actor: from, ActorName: t.nameOf(from)}})
}

// RateByLink is Rate for the one-click link of a mail: each link answers once. answered is false,
// and nothing changes, when the link has answered already; solved is then its recorded answer.
func (t *Tx) RateByLink(tk *Ticket, solved bool, comment, from, link string) (answered bool, err error) {
	sum := sha256.Sum256([]byte(link))
	key := "vote-link:" + hex.EncodeToString(sum[:16])
	if v, err := t.KV(key); err != nil || v != "" {
		return false, err
	}
	if err := t.SetKV(key, t.Now.UTC().Format(time.RFC3339)); err != nil {
		return false, err
	}
	return true, t.Rate(tk, solved, comment, from)
}

// Satisfaction counts the answers to "was your problem solved?".
type Satisfaction struct {
	Solved   int `json:"solved"`
	Unsolved int `json:"unsolved"`
}

// satisfactionSince counts the answers given after since.
func (t *Tx) satisfactionSince(since int64) (Satisfaction, error) {
	var s Satisfaction
	err := t.queryRow(`SELECT COALESCE(SUM(solved), 0), COALESCE(SUM(1 - solved), 0) FROM ratings WHERE at > ?`, since).
		Scan(&s.Solved, &s.Unsolved)
	if err != nil {
		return s, fmt.Errorf("satisfaction: %w", err)
	}
	return s, nil
}
