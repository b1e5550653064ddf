package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

func TestMigrationsEmptyAndExisting(t *testing.T) {
	ctx := context.Background()
	path := storetest.Database(t)
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != len(migrations)-1 {
		t.Fatalf("schema version %d, %v; want %d", v, err, len(migrations)-1)
	}
	if _, err := s.w.Exec(`INSERT INTO kv (key, value) VALUES ('survives', 'yes')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenStore(ctx, path)
	if err != nil {
		t.Fatalf("reopen an existing database: %v", err)
	}
	defer s.Close()
	if got, _ := s.KV(ctx, "survives"); got != "yes" {
		t.Fatalf("data lost on reopen: %q", got)
	}
	var n int
	if err := s.r.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(migrations)-1 {
		t.Fatalf("%d migrations recorded, %v", n, err)
	}
	if _, err := OpenStore(ctx, ":memory:"); err == nil {
		t.Fatal(":memory: accepted")
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	d := newTestDesk(t)
	if _, err := d.Store.Reader().Exec(`INSERT INTO kv (key, value) VALUES ('a', 'b')`); err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

func TestMailboxState(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	if b, err := d.MailboxState(ctx, "INBOX"); err != nil || b != nil {
		t.Fatalf("fresh state %q %v", b, err)
	}
	for _, v := range []string{`{"last_uid":42}`, `{"last_uid":43}`} {
		if err := d.SetMailboxState(ctx, "INBOX", []byte(v)); err != nil {
			t.Fatal(err)
		}
		if b, err := d.MailboxState(ctx, "INBOX"); err != nil || string(b) != v {
			t.Fatalf("state %q %v, want %s", b, err, v)
		}
	}
}

// TestMailboxStateMigrates: a database of schema 4 kept the mail reader's state in mailbox_state
// and kv; migration 5 moves it into ingest_state, one JSON document per mailbox.
func TestMailboxStateMigrates(t *testing.T) {
	storetest.SQLiteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= 4; v++ {
		m, err := migrationFor(migrations[v], sqlite)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, 0)`, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO mailbox_state VALUES ('INBOX', 7, 42), ('Support', 9, 3)`,
		`INSERT INTO kv VALUES ('inflight:INBOX', '["a@x","b@x"]'), ('inflight:Other', '["c@x"]'),
			('attempt:b@x', '2'), ('attempt:gone@x', '1'), ('last_digest', 'kept')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string]string{
		"INBOX":   `{"uidvalidity":7,"last_uid":42,"inflight":["a@x","b@x"],"attempts":{"b@x":2}}`,
		"Support": `{"uidvalidity":9,"last_uid":3,"inflight":[],"attempts":{}}`,
		"Other":   `{"uidvalidity":0,"last_uid":0,"inflight":["c@x"],"attempts":{}}`,
	}
	for mailbox, w := range want {
		if b, err := s.MailboxState(ctx, mailbox); err != nil || string(b) != w {
			t.Errorf("%s: %s %v, want %s", mailbox, b, err, w)
		}
	}
	var n int
	if err := s.Reader().QueryRow(`SELECT COUNT(*) FROM kv WHERE key NOT IN ('search_index', 'message_ids_folded_until')`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d kv rows left, want the digest's only (%v)", n, err)
	}
}

// TestConcurrentWriters runs 50 goroutines changing tickets at once: none may see
// "database is locked", and no update may be lost.
func TestConcurrentWriters(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, openTicket(t, d, t0, NewTicket{Subject: "vpn", Text: "vpn down", Requester: "r@corp.example"}).ID)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				id := ids[(g+i)%len(ids)]
				err := d.Do(ctx, id, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
					return tx.Note(tk, "note", "alice@corp.example")
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var notes int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM events WHERE kind = 'note'`).Scan(&notes); err != nil {
		t.Fatal(err)
	}
	if notes != 200 {
		t.Fatalf("%d notes recorded, want 200", notes)
	}
}

func TestUpdateRollsBackEverything(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := d.Update(ctx, t0, func(tx *Tx) error {
		if _, err := tx.Open(NewTicket{Subject: "x", Text: "printer", Requester: "r@corp.example"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	for _, table := range []string{"tickets", "events", "outbox", "watchers"} {
		var n int
		if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s has %d rows after rollback (%v)", table, n, err)
		}
	}
}

// TestLoadCountersMatchTickets drives tickets through every kind of change and checks that the
// trigger-kept load counters equal a fresh count of the open tickets.
func TestLoadCountersMatchTickets(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	techs := []string{"alice@corp.example", "bob@corp.example", "chloe@corp.example", "dev@corp.example"}
	for i := 0; i < 40; i++ {
		tk := openTicket(t, d, t0, NewTicket{Subject: "wifi", Text: "wifi printer password excel", Requester: "r@corp.example"})
		err := d.Do(ctx, tk.ID, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
			switch i % 6 {
			case 0:
				return tx.Assign(tk, techs[i%len(techs)], "nadia@corp.example")
			case 1:
				return tx.SetPriority(tk, PriorityUrgent, "nadia@corp.example", "")
			case 2:
				return tx.Escalate(tk, "x", "alice@corp.example")
			case 3:
				return tx.Resolve(tk, "done", "alice@corp.example")
			case 4:
				return tx.Pending(tk, "alice@corp.example")
			}
			if err := tx.Resolve(tk, "done", "alice@corp.example"); err != nil {
				return err
			}
			return tx.Close(tk, ActorDesk)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string) map[string]int {
		rows, err := d.Store.Reader().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string]int{}
		for rows.Next() {
			var who string
			var p, n int
			if err := rows.Scan(&who, &p, &n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				m[fmt.Sprintf("%s/%d", who, p)] = n
			}
		}
		return m
	}
	want := count(`SELECT assignee, priority, COUNT(*) FROM tickets WHERE status IN ('new', 'open', 'pending') AND assignee != '' GROUP BY assignee, priority`)
	got := count(`SELECT assignee, priority, n FROM loads`)
	if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
		t.Fatalf("load counters %v, want %v", got, want)
	}
}
