package tickets

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RunAutoClose is the auto-close job at time now: it closes the tickets resolved for at least
// desk.close_after (default 7 days) without a reply, and sends each requester the last mail. A
// reply from the requester reopens a resolved ticket (and a later resolution starts the wait
// again), so resolved_at is the time to wait from. Candidates come from the tickets_resolved_at
// index on the read pool; each is re-read and closed in its own transaction. It returns the
// tickets closed; a ticket that fails is logged and skipped, its error returned joined.
func (d *Desk) RunAutoClose(ctx context.Context, now time.Time) ([]int64, error) {
	now = now.UTC().Truncate(time.Second)
	after := d.Config().Desk.CloseAfter.Duration
	cutoff := now.Add(-after)
	rows, err := d.Store.Reader().QueryContext(ctx, `SELECT id FROM tickets INDEXED BY tickets_resolved_at
		WHERE status = 'resolved' AND resolved_at <= ? ORDER BY id`, cutoff.Unix())
	if err != nil {
		return nil, fmt.Errorf("auto-close candidates: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("auto-close candidates: %w", err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("auto-close candidates: %w", err)
	}

	var closed []int64
	var errs []error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return closed, errors.Join(append(errs, err)...)
		}
		done := false
		err := d.Update(ctx, now, func(tx *Tx) error {
			tk, err := tx.Ticket(id)
			if err != nil {
				return err
			}
			if tk.Status != StatusResolved || tk.ResolvedAt.IsZero() || tk.ResolvedAt.Add(after).After(tx.Now) {
				return nil // Reopened, closed or resolved again since the scan.
			}
			done = true
			return tx.Close(tk, ActorDesk)
		})
		if err != nil {
			d.Log.Error("auto-close", "ticket_id", id, "err", err)
			errs = append(errs, fmt.Errorf("ticket %d: %w", id, err))
			continue
		}
		if done {
			d.Log.Info("auto-closed", "ticket_id", id)
			closed = append(closed, id)
		}
	}
	return closed, errors.Join(errs...)
}
