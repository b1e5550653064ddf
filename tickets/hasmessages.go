package tickets

import (
	"context"
	"fmt"
	"strings"
)

// hasMessagesChunk is how many Message-IDs one query of HasMessages looks up: always as many
// placeholders (the last ID repeated), so that the query has one shape (PostgreSQL's rebind
// caches each shape).
const hasMessagesChunk = 100

// HasMessages reports which of the Message-IDs were already processed, as HasMessage does for
// each, in a query for every hasMessagesChunk IDs: the mail reader looks a batch's IDs up at once
// instead of a query (and a reader's transaction, its locks) a mail.
func (s *Store) HasMessages(ctx context.Context, ids []string) (map[string]bool, error) {
	var look []string // The IDs as received, and their lower-case forms.
	seen := map[string]bool{}
	for _, id := range ids {
		for _, v := range []string{id, strings.ToLower(id)} {
			if !seen[v] {
				seen[v] = true
				look = append(look, v)
			}
		}
	}
	exact, folded := map[string]bool{}, map[string]bool{}
	q := `SELECT message_id, CASE WHEN id <= COALESCE((SELECT CAST(value AS INTEGER) FROM kv WHERE key = 'message_ids_folded_until'), 0) THEN 1 ELSE 0 END
		FROM messages WHERE message_id IN (?` + strings.Repeat(", ?", hasMessagesChunk-1) + `)`
	args := make([]any, hasMessagesChunk)
	for start := 0; start < len(look); start += hasMessagesChunk {
		chunk := look[start:min(start+hasMessagesChunk, len(look))]
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("has messages: %w", err)
		}
		for rows.Next() {
			var id string
			var old int
			if err := rows.Scan(&id, &old); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("has messages: %w", err)
			}
			exact[id] = true
			if old == 1 {
				folded[id] = true
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("has messages: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("has messages: %w", err)
		}
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		// sameMessageID: the ID itself, or its lower-case form recorded before IDs kept their case.
		out[id] = exact[id] || folded[strings.ToLower(id)]
	}
	return out, nil
}

// HasMessages reports which of the Message-IDs were already recorded (Store.HasMessages).
func (d *Desk) HasMessages(ctx context.Context, ids []string) (map[string]bool, error) {
	return d.Store.HasMessages(ctx, ids)
}
