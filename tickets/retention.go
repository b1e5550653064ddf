package tickets

import (
	"context"
	"fmt"
	"time"
)

// pruneChunk bounds one retention transaction, so the writer is never held for long.
const pruneChunk = 200

// PruneReport says what RunPrune removed.
type PruneReport struct {
	Tickets  int // Tickets whose raw mails and files were removed.
	Messages int // Raw mails removed (of those tickets, and of mails tied to no ticket).
	Files    int // Attachment contents removed.
}

// RunPrune applies [desk] keep_raw: the raw mails and the stored files of tickets closed more
// than keep_raw before now are deleted, and so are raw mails tied to no ticket (automatic mail)
// received that long ago. Tickets, their history and the names and sizes of their files stay.
// Each ticket is noted in its history. With keep_raw 0 it does nothing.
func (d *Desk) RunPrune(ctx context.Context, now time.Time) (PruneReport, error) {
	var rep PruneReport
	keep := d.Config().Desk.KeepRaw.Duration
	if keep <= 0 {
		return rep, nil
	}
	cutoff := now.Add(-keep).Unix()
	for {
		var ids []int64
		rows, err := d.Store.r.QueryContext(ctx, `SELECT t.id FROM tickets t WHERE t.status = 'closed' AND t.closed_at < ?
			AND (EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id AND m.raw IS NOT NULL)
			  OR EXISTS (SELECT 1 FROM attachments a WHERE a.ticket_id = t.id AND a.data IS NOT NULL))
			LIMIT ?`, cutoff, pruneChunk)
		if err != nil {
			return rep, fmt.Errorf("prune: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return rep, fmt.Errorf("prune: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return rep, err
		}
		if len(ids) == 0 {
			break
		}
		err = d.Update(ctx, now, func(tx *Tx) error {
			for _, id := range ids {
				res, err := tx.exec(`UPDATE messages SET raw = NULL WHERE ticket_id = ? AND raw IS NOT NULL`, id)
				if err != nil {
					return err
				}
				m, _ := res.RowsAffected()
				res, err = tx.exec(`UPDATE attachments SET data = NULL, omitted = 1 WHERE ticket_id = ? AND data IS NOT NULL`, id)
				if err != nil {
					return err
				}
				f, _ := res.RowsAffected()
				// Rows that named a file stored in another row lost it too.
				if _, err := tx.exec(`UPDATE attachments SET omitted = 1 WHERE ticket_id = ? AND same_as != 0 AND omitted = 0`, id); err != nil {
					return err
				}
				tk, err := tx.Ticket(id)
				if err != nil {
					return err
				}
				if err := tx.event(tk, EventNote, ActorDesk, false, fmt.Sprintf("retention: %d raw mails and %d files deleted", m, f), ""); err != nil {
					return err
				}
				rep.Tickets++
				rep.Messages += int(m)
				rep.Files += int(f)
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("prune: %w", err)
		}
	}
	// Mails on no ticket: auto-replies, bounces and list mail, kept only to be recognised again.
	err := d.Update(ctx, now, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE messages SET raw = NULL WHERE ticket_id IS NULL AND raw IS NOT NULL AND at < ?`, cutoff)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		rep.Messages += int(n)
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("prune: %w", err)
	}
	return rep, nil
}
