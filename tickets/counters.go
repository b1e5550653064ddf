package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// Counters count what the desk did since it started, for monitoring. They are plain numbers:
// the desk knows nothing of how they are exported (cmd/deskd serves them as Prometheus
// counters). Each counts work that committed: a transaction rolled back counts nothing.
type Counters struct {
	Opened          atomic.Uint64 // Tickets opened, by mail or by hand.
	CommandsObeyed  atomic.Uint64 // Staff commands in mail that were applied.
	CommandsRefused atomic.Uint64 // Staff mails refused (a command, or a reply, not obeyed).
	Escalations     atomic.Uint64 // Escalations, by anyone.
	Breaches        atomic.Uint64 // SLA deadlines missed that the escalation job acted on.
}

// Counters returns the desk's counters.
func (d *Desk) Counters() *Counters { return &d.counters }

// count adds n to a counter when the transaction commits.
func (t *Tx) count(c *atomic.Uint64, n int) {
	if n <= 0 {
		return
	}
	t.onCommit = append(t.onCommit, func() { c.Add(uint64(n)) })
}

// OutboxDepth returns how many mails wait in the outbox, and when the oldest of them was queued
// (zero when none waits).
func (s *Store) OutboxDepth(ctx context.Context) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox WHERE state = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox depth: %w", err)
	}
	return n, fromUnix(oldest), nil
}
