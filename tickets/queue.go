package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The queue of the web desk: active tickets (new, open, pending) in the order of the deadline
// each works towards (next_due: the first response until it is given, then the resolution),
// walked page by page by keyset pagination on (next_due, id), so that a page costs the same on
// the first page and the thousandth. Each view reads one of the queue's partial indexes
// (store.go, the migration that adds next_due).

// QueueView is one of the queue's views.
type QueueView string

// Queue views.
const (
	ViewMine       QueueView = "mine"       // Assigned to the one looking.
	ViewUnassigned QueueView = "unassigned" // Assigned to nobody.
	ViewOpen       QueueView = "open"       // Every active ticket.
	ViewBreach     QueueView = "breach"     // Not pending, deadline passed or within the horizon.
	ViewPending    QueueView = "pending"    // Waiting on the requester.
)

// QueueViews lists the views in the order the web desk shows them.
var QueueViews = []QueueView{ViewMine, ViewUnassigned, ViewOpen, ViewBreach, ViewPending}

// NoDeadline is the next_due of a ticket without deadline: after every other.
const NoDeadline = int64(1<<63 - 1)

// QueueQuery selects a page of the queue.
type QueueQuery struct {
	View     QueueView
	Me       string    // Whose tickets ViewMine shows.
	Horizon  time.Time // ViewBreach: deadlines up to this time.
	Status   Status    // "" for any active status.
	Priority Priority  // -1 for any.
	Category string    // "" for any.
	Tier     int       // 0 for any.
	Assignee string    // "" for anyone; NoAssignee for nobody.
	After    QueueCursor
	Limit    int
}

// NoAssignee filters the queue on tickets assigned to nobody.
const NoAssignee = "-"

// QueueCursor is where a page of the queue starts: after the ticket with this deadline and ID.
type QueueCursor struct {
	Due int64 // Unix seconds, NoDeadline for none.
	ID  int64
}

// IsZero reports whether the cursor is the start of the queue.
func (c QueueCursor) IsZero() bool { return c.ID == 0 }

// String is the cursor as the web desk puts it in a link: "DUE.ID".
func (c QueueCursor) String() string { return fmt.Sprintf("%d.%d", c.Due, c.ID) }

// ParseQueueCursor reads a cursor written by String; a malformed one is the start.
func ParseQueueCursor(s string) QueueCursor {
	var c QueueCursor
	if _, err := fmt.Sscanf(s, "%d.%d", &c.Due, &c.ID); err != nil || c.ID < 0 {
		return QueueCursor{}
	}
	return c
}

// QueuePage is a page of the queue; Next is where the following page starts (zero: none).
type QueuePage struct {
	Tickets []*Ticket
	Next    QueueCursor
}

// activeStatus is the condition of SQLite's partial indexes of the queue (tickets_queue,
// tickets_queue_assignee, tickets_queue_status): a query that reads one of them says it in this
// very form, which SQLite's planner matches against the index's (an IN of the same statuses would
// not match). Comparisons rather than IN: SQLite builds a temporary b-tree for an IN of three
// constants or more, in each statement that writes a ticket (store.go, migration 19).
// PostgreSQL's indexes keep the IN, and its queries too: its planner proves the comparisons
// from it, but then reads a filter of another status as three scans of the index.
const activeStatus = `(status = 'new' OR status = 'open' OR status = 'pending')`

// active is the store's form of activeStatus.
func (s *Store) active() string {
	return s.dialect.pick(activeStatus, `status IN ('new', 'open', 'pending')`)
}

// Queue returns a page of the queue.
func (s *Store) Queue(ctx context.Context, q QueueQuery) (QueuePage, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	where := []string{s.active()}
	var args []any
	switch q.View {
	case ViewMine:
		where, args = append(where, `assignee = ?`), append(args, strings.ToLower(q.Me))
	case ViewUnassigned:
		where = append(where, `assignee = ''`)
	case ViewBreach:
		where, args = append(where, `status != 'pending'`, `next_due <= ?`), append(args, q.Horizon.Unix())
	case ViewPending:
		where = append(where, `status = 'pending'`)
	}
	if q.Status != "" {
		where, args = append(where, `status = ?`), append(args, q.Status)
	}
	if q.Priority >= PriorityLow {
		where, args = append(where, `priority = ?`), append(args, q.Priority)
	}
	if q.Category != "" {
		where, args = append(where, `category = ?`), append(args, q.Category)
	}
	if q.Tier > 0 {
		where, args = append(where, `tier = ?`), append(args, q.Tier)
	}
	switch q.Assignee {
	case "":
	case NoAssignee:
		where = append(where, `assignee = ''`)
	default:
		where, args = append(where, `assignee = ?`), append(args, strings.ToLower(q.Assignee))
	}
	if !q.After.IsZero() {
		where, args = append(where, `(next_due, id) > (?, ?)`), append(args, q.After.Due, q.After.ID)
	}
	// The index that gives the order and holds the filters: SQLite, without statistics, would
	// rather sort every active ticket.
	index := "tickets_queue"
	switch {
	case q.Status != "" || q.View == ViewPending:
		index = "tickets_queue_status"
	case q.View == ViewMine || q.View == ViewUnassigned || q.Assignee != "":
		index = "tickets_queue_assignee"
	}
	query := `SELECT ` + ticketColumns + `, next_due FROM tickets INDEXED BY ` + index + ` WHERE ` + strings.Join(where, ` AND `) +
		fmt.Sprintf(` ORDER BY next_due, id LIMIT %d`, q.Limit+1)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return QueuePage{}, fmt.Errorf("queue: %w", err)
	}
	defer rows.Close()
	var page QueuePage
	var dues []int64
	for rows.Next() {
		var due int64
		tk, err := scanTicket(scanWith{rows, &due})
		if err != nil {
			return QueuePage{}, fmt.Errorf("queue: %w", err)
		}
		page.Tickets, dues = append(page.Tickets, tk), append(dues, due)
	}
	if err := rows.Err(); err != nil {
		return QueuePage{}, fmt.Errorf("queue: %w", err)
	}
	if len(page.Tickets) > q.Limit {
		page.Tickets = page.Tickets[:q.Limit]
		last := page.Tickets[q.Limit-1]
		page.Next = QueueCursor{Due: dues[q.Limit-1], ID: last.ID}
	}
	return page, nil
}

// scanWith scans a ticket row followed by more columns.
type scanWith struct {
	row  scanner
	more any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.more)...) }

// QueueCounts are the sizes of the queue's views.
type QueueCounts struct {
	Mine, Unassigned, Open, Breach, Pending int
}

// Of returns the count of a view.
func (c QueueCounts) Of(v QueueView) int {
	switch v {
	case ViewMine:
		return c.Mine
	case ViewUnassigned:
		return c.Unassigned
	case ViewBreach:
		return c.Breach
	case ViewPending:
		return c.Pending
	}
	return c.Open
}

// QueueCountCap bounds the counts of the queue's views: a view with more tickets counts
// QueueCountCap+1 ("1000+"), so that counting costs the same on a desk of any size.
const QueueCountCap = 1000

// QueueCounts counts the views of the queue for me, with the breach horizon given, each from the
// entries of one index, and each up to QueueCountCap+1.
func (s *Store) QueueCounts(ctx context.Context, me string, horizon time.Time) (QueueCounts, error) {
	var c QueueCounts
	count := func(index, where string) string {
		return fmt.Sprintf(`(SELECT COUNT(*) FROM (SELECT 1 FROM tickets INDEXED BY %s WHERE %s AND %s LIMIT %d) AS q)`,
			index, s.active(), where, QueueCountCap+1)
	}
	row := s.r.QueryRowContext(ctx, `SELECT `+strings.Join([]string{
		count("tickets_queue_status", "1 = 1"),
		count("tickets_queue_assignee", "assignee = ?"),
		count("tickets_queue_assignee", "assignee = ''"),
		count("tickets_queue_status", "status IN ('new', 'open') AND next_due <= ?"),
		count("tickets_queue_status", "status = 'pending'"),
	}, ", "), strings.ToLower(me), horizon.Unix())
	if err := row.Scan(&c.Open, &c.Mine, &c.Unassigned, &c.Breach, &c.Pending); err != nil {
		return c, fmt.Errorf("queue counts: %w", err)
	}
	return c, nil
}
