package tickets

import (
	"context"
	"testing"

	"github.com/deskd/deskd/tickets/storetest"
)

// storedTicket reads a few columns of a ticket as stored, next_due included.
func storedTicket(t *testing.T, d *Desk, id int64) (status, assignee string, nextDue int64) {
	t.Helper()
	err := d.Store.w.QueryRow(`SELECT status, assignee, next_due FROM tickets WHERE id = ?`, id).Scan(&status, &assignee, &nextDue)
	if err != nil {
		t.Fatal(err)
	}
	return status, assignee, nextDue
}

// save writes only what changed since the transaction last wrote the ticket: a statement of
// another shape that changed the row, or a savepoint rolled back, must not make it skip a column.
func TestSaveWritesWhatTheRowLacks(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, NewTicket{Subject: "VPN down", Text: "The VPN drops every hour.", Requester: "alice@client.example"})
	if tk.Assignee == "" {
		t.Fatal("the test needs an assigned ticket")
	}
	err := d.Update(ctx, t0, func(tx *Tx) error {
		cur, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		// Another statement changes the assignee behind save's back; saving the ticket as
		// read must put it back.
		if _, err := tx.exec(`UPDATE tickets SET assignee = ? WHERE id = ?`, "nobody@corp.example", cur.ID); err != nil {
			return err
		}
		if err := tx.save(cur); err != nil {
			return err
		}
		var assignee string
		if err := tx.tx.QueryRow(`SELECT assignee FROM tickets WHERE id = ?`, cur.ID).Scan(&assignee); err != nil {
			return err
		}
		if assignee != tk.Assignee {
			t.Errorf("after another UPDATE and save: assignee %s, want %s", assignee, tk.Assignee)
		}
		// A change rolled back to a savepoint, then made again, is written again.
		rollback, err := tx.savepoint("w")
		if err != nil {
			return err
		}
		cur.Status = StatusPending
		if err := tx.save(cur); err != nil {
			return err
		}
		if err := rollback(); err != nil {
			return err
		}
		return tx.save(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	status, assignee, _ := storedTicket(t, d, tk.ID)
	if assignee != tk.Assignee || status != string(StatusPending) {
		t.Errorf("stored %s, %s; want %s, %s", status, assignee, StatusPending, tk.Assignee)
	}
}

// The code writes next_due: a new ticket has its first response's deadline, and a response moves
// it to the resolution's, as the queue orders by it.
func TestNextDueWrittenByTheCode(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "Printer jam", Text: "Paper stuck in tray 2.", Requester: "bob@client.example"})
	if _, _, due := storedTicket(t, d, tk.ID); due != tk.FirstResponseDue.Unix() {
		t.Errorf("new ticket: next_due %d, want the first response's %d", due, tk.FirstResponseDue.Unix())
	}
	err := d.Update(context.Background(), t0.Add(10*60e9), func(tx *Tx) error {
		cur, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		cur.FirstResponseAt = tx.Now
		return tx.save(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, due := storedTicket(t, d, tk.ID); due != tk.ResolveDue.Unix() {
		t.Errorf("answered: next_due %d, want the resolution's %d", due, tk.ResolveDue.Unix())
	}
}

// The writer keeps its temporary files (statement journals) in memory; the readers do not.
func TestWriterTempStoreInMemory(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("SQLite's setting")
	}
	d := newTestDesk(t)
	var w, r int
	if err := d.Store.w.QueryRow(`PRAGMA temp_store`).Scan(&w); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.r.QueryRow(`PRAGMA temp_store`).Scan(&r); err != nil {
		t.Fatal(err)
	}
	if w != 2 || r != 0 {
		t.Errorf("temp_store: writer %d, readers %d; want 2 (memory) and 0 (default)", w, r)
	}
}
