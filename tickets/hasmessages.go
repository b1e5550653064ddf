package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// HasMessages reports which of the Message-IDs were already processed, as HasMessage does for
// each, in one query: the mail reader looks a batch's IDs up at once instead of a query (and a
// reader's transaction, its locks) a mail. The IDs go as one JSON list, as the writer's own
// look-up (lookUpBatch) passes them.
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
	if len(look) == 0 {
		return map[string]bool{}, nil
	}
	js, err := json.Marshal(look)
	if err != nil {
		return nil, fmt.Errorf("has messages: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT message_id, CASE WHEN id <= COALESCE((SELECT CAST(value AS INTEGER) FROM kv WHERE key = 'message_ids_folded_until'), 0) THEN 1 ELSE 0 END
		FROM messages WHERE message_id IN (SELECT `+s.dialect.pick(`value FROM json_each(?)`, `value FROM json_array_elements_text(CAST(? AS JSON))`)+`)`, string(js))
	if err != nil {
		return nil, fmt.Errorf("has messages: %w", err)
	}
	exact, folded := map[string]bool{}, map[string]bool{}
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
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("has messages: %w", err)
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
