package tickets

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/deskd/deskd/bench"
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

// Writing a ticket builds no temporary b-tree (OpenEphemeral): SQLite builds one for an IN of
// three constants or more, in the condition of a partial index or a trigger's WHEN, each time the
// statement or the trigger runs (store.go, migration 19). EXPLAIN lists the triggers' programs
// after the statement's.
func TestTicketWritesBuildNoTemporaryTable(t *testing.T) {
	storetest.SQLiteOnly(t)
	d := newTestDesk(t)
	for _, q := range []string{
		insertTicketSQL,
		`UPDATE tickets SET status = ?, assignee = ?, priority = ?, incident = ?, updated_at = ? WHERE id = ?`,
		`DELETE FROM tickets WHERE id = ?`,
	} {
		rows, err := d.Store.w.Query(`EXPLAIN `+q, make([]any, strings.Count(q, "?"))...)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		ops, ephemeral := 0, 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			ops++
			if fmt.Sprintf("%s", vals[1]) == "OpenEphemeral" {
				ephemeral++
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if ops < 50 || ephemeral > 0 {
			t.Errorf("%.60s…: %d temporary b-trees in %d instructions, want none", q, ephemeral, ops)
		}
	}
}

// TestNewTicketStatements counts the statements the writer runs for a batch of new requests:
// the row of each ticket, its search document and its requester, and, for the whole batch, the
// multi-row INSERTs of the incoming mails, events, outbox rows and term counts (pending.go) and
// a few reads of the assignment state. Before they were batched a new ticket took 27 statements.
func TestNewTicketStatements(t *testing.T) {
	d := newTestDesk(t)
	i := 0
	batch := func(n int) []*Incoming {
		var out []*Incoming
		for range n {
			i++
			p := bench.Requester("w", int64(i))
			subject, body, _ := bench.Topic(int64(i), p.Language)
			out = append(out, &Incoming{MessageID: fmt.Sprintf("w%d@client.example", i), From: p.Email, FromName: p.Name,
				To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson})
		}
		return out
	}
	ingest(t, d, t0, batch(5)...) // The statements are prepared.
	var mu sync.Mutex
	var seen []string
	d.Store.trace = func(q string) {
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
	}
	const n = 40
	for _, o := range ingest(t, d, t0, batch(n)...) {
		if o.Action != ActionOpened {
			t.Fatalf("%s: %s", o.MessageID, o.Action)
		}
	}
	d.Store.trace = nil
	count := map[string]int{}
	for _, q := range seen {
		q = strings.Join(strings.Fields(q), " ")
		count[q[:min(60, len(q))]]++
	}
	per := float64(len(seen)) / n
	t.Logf("%d statements for %d new tickets: %.2f a ticket", len(seen), n, per)
	if per > 5 {
		t.Errorf("%d statements for %d new tickets, %.1f a ticket, want at most 5: %v", len(seen), n, per, count)
	}
	var tickets int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&tickets); err != nil || tickets != n+5 {
		t.Fatalf("%d tickets, %v", tickets, err)
	}
	// What the batch wrote is all there: each ticket's four events, its two mails, its mail.
	for table, want := range map[string]int{"events": 4 * (n + 5), "outbox": 2 * (n + 5), "messages": n + 5} {
		var got int
		if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&got); err != nil || got != want {
			t.Errorf("%s: %d rows, want %d (%v)", table, got, want, err)
		}
	}
	var unlinked int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM messages WHERE ticket_id IS NULL`).Scan(&unlinked); err != nil || unlinked != 0 {
		t.Errorf("%d incoming mails without their ticket (%v)", unlinked, err)
	}
}

// TestBatchAssignsAsSingleMails: a batch of new requests is assigned as the same requests
// ingested one at a time, though the batch reads the technicians' loads and the assignment order
// once and writes them once (assignState, pendingRows).
func TestBatchAssignsAsSingleMails(t *testing.T) {
	requests := func() []*Incoming {
		var out []*Incoming
		for i := range 30 {
			p := bench.Requester("a", int64(i))
			subject, body, _ := bench.Topic(int64(i), p.Language)
			out = append(out, &Incoming{MessageID: fmt.Sprintf("a%d@client.example", i), From: p.Email, FromName: p.Name,
				To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson})
		}
		return out
	}
	assignees := func(d *Desk) []string {
		rows, err := d.Store.Reader().Query(`SELECT assignee || ' ' || status || ' ' || tier FROM tickets ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		return out
	}
	one, batch := newTestDesk(t), newTestDesk(t)
	for _, in := range requests() {
		ingest(t, one, t0, in)
	}
	ingest(t, batch, t0, requests()...)
	a, b := assignees(one), assignees(batch)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("one at a time:\n%s\nin one batch:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	for _, d := range []*Desk{one, batch} {
		loads, err := d.Store.Reader().Query(`SELECT l.assignee, l.n, (SELECT COUNT(*) FROM tickets t WHERE t.assignee = l.assignee
			AND t.priority = l.priority AND t.status IN ('new', 'open', 'pending') AND t.incident = 0) FROM loads l`)
		if err != nil {
			t.Fatal(err)
		}
		for loads.Next() {
			var who string
			var n, want int
			if err := loads.Scan(&who, &n, &want); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("load of %s: %d, want %d", who, n, want)
			}
		}
		loads.Close()
	}
}
