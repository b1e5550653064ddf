package tickets

import (
	"context"
	"fmt"
	"time"
)

// EventsSince returns the events of every ticket recorded after the event with id after, oldest
// first, at most limit of them: a feed of what happens on the desk (after 0: from the start).
func (s *Store) EventsSince(ctx context.Context, after int64, limit int) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, ticket_id, at, kind, actor, public, text, message_id, phrase
		FROM events WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events since %d: %w", after, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var phrase string
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Kind, &e.Actor, &e.Public, &e.Text, &e.MessageID, &phrase); err != nil {
			return nil, fmt.Errorf("events since %d: %w", after, err)
		}
		e.At = time.Unix(at, 0).UTC()
		e.Phrase = readPhrase(phrase)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events since %d: %w", after, err)
	}
	return out, nil
}
