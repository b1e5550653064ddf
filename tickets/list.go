package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// EachTicket calls fn with each ticket the filter selects, watchers included, newest first, as
// it reads them: one query, whatever the size of the desk, and memory for one ticket at a time.
// An error from fn stops it and is returned.
func (s *Store) EachTicket(ctx context.Context, f ListFilter, fn func(*Ticket) error) error {
	q, args := listQuery(s.dialect, f)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var watchers []byte
	for rows.Next() {
		tk, err := scanTicket(scanExtra{rows, []any{&watchers}})
		if err != nil {
			return fmt.Errorf("list tickets: %w", err)
		}
		tk.Watchers = []string{}
		if err := json.Unmarshal(watchers, &tk.Watchers); err != nil {
			return fmt.Errorf("list tickets: watchers of %d: %w", tk.ID, err)
		}
		if err := fn(tk); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list tickets: %w", err)
	}
	return nil
}

// listQuery is the query of a filter: the ticket's columns and its watchers (a JSON array, in
// address order), newest first.
func listQuery(d dialect, f ListFilter) (string, []any) {
	var where []string
	var args []any
	statuses := f.Statuses
	if f.Status != "" {
		statuses = append([]Status{f.Status}, statuses...)
	}
	if len(statuses) > 0 {
		marks := make([]string, len(statuses))
		for i, st := range statuses {
			marks[i], args = "?", append(args, st)
		}
		where = append(where, `status IN (`+strings.Join(marks, ", ")+`)`)
	}
	if f.Assignee != "" {
		where, args = append(where, `assignee = ?`), append(args, strings.ToLower(f.Assignee))
	}
	if f.Category != "" {
		where, args = append(where, `category = ?`), append(args, f.Category)
	}
	if len(f.Priorities) > 0 {
		ps := make([]string, len(f.Priorities))
		for i, p := range f.Priorities {
			ps[i] = fmt.Sprint(int(p))
		}
		where = append(where, `priority IN (`+strings.Join(ps, ", ")+`)`)
	}
	if f.Kind != "" {
		where, args = append(where, `kind = ?`), append(args, f.Kind)
	}
	if !f.Since.IsZero() {
		where, args = append(where, `updated_at >= ?`), append(args, f.Since.Unix())
	}
	q := `SELECT ` + ticketColumns + `, ` + d.pick(`(SELECT json_group_array(email) FROM
		(SELECT email FROM watchers WHERE ticket_id = tickets.id ORDER BY email))`,
		`(SELECT COALESCE(CAST(json_agg(email ORDER BY email) AS TEXT), '[]') FROM watchers WHERE ticket_id = tickets.id)`) + ` FROM tickets`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return q, args
}

// scanExtra scans a ticket's columns, then more.
type scanExtra struct {
	row   scanner
	extra []any
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }
