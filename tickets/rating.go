package tickets

import (
	"fmt"
	"strings"
)

// EventRating is the history line of a requester's answer to "was your problem solved?".
const EventRating = "rating"

// Rate records a requester's answer to "was your problem solved?" (the last answer per ticket
// counts), with an optional comment. "No" reopens a resolved ticket and tells its technician
// (the coordinators when nobody holds it); "yes" tells nobody. from is who answered: the
// requester or a watcher, as the signed link says.
func (t *Tx) Rate(tk *Ticket, solved bool, comment, from string) error {
	comment = strings.TrimSpace(comment)
	if r := []rune(comment); len(r) > 2000 {
		comment = string(r[:2000])
	}
	text := "solved: no"
	if solved {
		text = "solved: yes"
	}
	if comment != "" {
		text += "\n" + comment
	}
	if err := t.event(tk, EventRating, from, false, text, ""); err != nil {
		return err
	}
	if _, err := t.exec(`INSERT INTO ratings (ticket_id, solved, comment, by, assignee, category, at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ticket_id) DO UPDATE SET solved = excluded.solved, comment = excluded.comment, by = excluded.by,
		assignee = excluded.assignee, category = excluded.category, at = excluded.at`,
		tk.ID, solved, comment, from, tk.Assignee, tk.Category, t.Now.Unix()); err != nil {
		return fmt.Errorf("record rating: %w", err)
	}
	if solved {
		return nil
	}
	if tk.Status == StatusResolved {
		if err := t.setStatus(tk, StatusOpen, from); err != nil {
			return err
		}
	}
	if tk.Assignee == "" {
		return t.tellCoordinators(tk, "unsolved", Phrase{})
	}
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{tk.Assignee}, Language: t.staffLanguage(tk.Assignee),
		Notice: Notice{Audience: "staff", Event: "unsolved", Text: comment, Actor: from, ActorName: t.nameOf(from)}})
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
