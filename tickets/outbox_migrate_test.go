package tickets

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestOutboxDataMigrates: a desk of schema 21 kept each mail's notice in its outbox row;
// migration 22 moves the notices into outbox_data. Its pending mails are sent as they would have
// been (the sender reads the same mails, their notices byte for byte), its sent mails keep their
// notices, and no notice is left without its mail or a mail without its notice.
func TestOutboxDataMigrates(t *testing.T) {
	ctx := context.Background()
	// The mails of a desk at this schema: an acknowledgement and a notice pending, a reply sent.
	a := newTestDesk(t)
	tk := openTicket(t, a, t0, NewTicket{Subject: "imprimante en panne", Text: "L'imprimante du 2e étage n'imprime plus.",
		Requester: "r@corp.example", RequesterName: "Dupont, Marie"})
	err := a.Update(ctx, t0, func(tx *Tx) error {
		return tx.queue(tk, Mail{TicketID: tk.ID, Kind: KindReply, To: []string{"r@corp.example"}, Language: "fr",
			Notice: Notice{Text: "Bonjour,\n\nC'est réparé. « Merci » — l'équipe.", Ticket: tx.info(tk, "fr")}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var sent int64
	if err := a.Store.r.QueryRow(`SELECT id FROM outbox WHERE kind = ?`, KindReply).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.MarkSent(ctx, sent, t0); err != nil {
		t.Fatal(err)
	}
	rows, err := a.Store.r.Query(`SELECT o.*, d.data FROM outbox o JOIN outbox_data d ON d.id = o.id ORDER BY o.id`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var mails [][]any
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		mails = append(mails, v)
	}
	if err := rows.Close(); err != nil || len(mails) != 3 {
		t.Fatalf("%d mails: %v", len(mails), err)
	}

	// The same mails in a desk of schema 21, their notices in the outbox rows.
	path := storetest.Database(t)
	dialect := sqlite
	if IsPostgres(path) {
		dialect = postgres
	}
	db, err := OpenRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= 21; v++ {
		m, err := migrationFor(migrations[v], dialect)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(m) != "" {
			if _, err := db.Exec(m); err != nil {
				t.Fatalf("migration %d: %v", v, err)
			}
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, v); err != nil {
			t.Fatal(err)
		}
	}
	q := `INSERT INTO outbox (` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`
	for _, m := range mails {
		if _, err := db.Exec(q, m...); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	now := t0.Add(time.Minute)
	want, err := a.Store.DueMail(ctx, "", now, 10)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.DueMail(ctx, "", now, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].Claim = ""
	}
	for i := range got {
		got[i].Claim = ""
	}
	if len(want) != 2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("due mail after the migration:\n%+v\nwant\n%+v", got, want)
	}
	data := len(cols) - 1
	for _, m := range mails {
		var notice string
		if err := b.r.QueryRow(`SELECT data FROM outbox_data WHERE id = ?`, m[0]).Scan(&notice); err != nil || notice != m[data].(string) {
			t.Errorf("mail %v: notice %q, %v; want %q", m[0], notice, err, m[data])
		}
	}
	var lone int
	if err := b.r.QueryRow(`SELECT (SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM outbox_data d WHERE d.id = o.id))
		+ (SELECT COUNT(*) FROM outbox_data d WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = d.id))`).Scan(&lone); err != nil || lone != 0 {
		t.Fatalf("%d mails without notice or notices without mail, %v", lone, err)
	}
	for _, m := range got {
		if err := b.MarkSent(ctx, m.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := b.OutboxCounts(ctx); err != nil || c[OutboxSent] != 3 || c[OutboxPending] != 0 {
		t.Fatalf("outbox %v, %v: want the three mails sent", c, err)
	}
}
