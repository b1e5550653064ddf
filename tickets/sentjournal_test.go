package tickets

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// journalDesk is a desk whose database path the test knows, with one ticket's two mails queued.
func journalDesk(t *testing.T) (d *Desk, path string, due []OutboxMail) {
	t.Helper()
	cfg := parseTestConfig(t, testConfigTOML)
	path = filepath.Join(t.TempDir(), "deskd.db")
	store, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	d, err = NewDesk(cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	openTicket(t, d, t0, NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	if due, err = store.DueMail(context.Background(), "", t0, 10); err != nil || len(due) != 2 {
		t.Fatalf("due %d, %v", len(due), err)
	}
	return d, path, due
}

func reopen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func journalSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path + "-sent")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestSentJournalReplayed: a process killed after the server accepted a mail, its "sent"
// noted in the journal but not committed, leaves the mail pending; the next store to open marks
// it sent (and counts it for the hourly limit), so that it does not go again.
func TestSentJournalReplayed(t *testing.T) {
	ctx := context.Background()
	d, path, due := journalDesk(t)
	ack := due[0]
	// As MarkSent does up to the commit, then the process dies (its file closes, its lock goes).
	if _, err := d.Store.journal.note(sentEntry{ID: ack.ID, At: t0.Unix()}, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.Close(); err != nil {
		t.Fatal(err)
	}
	if journalSize(t, path) == 0 {
		t.Fatal("nothing in the journal")
	}
	s := reopen(t, path)
	var state string
	if err := s.Reader().QueryRow(`SELECT state FROM outbox WHERE id = ?`, ack.ID).Scan(&state); err != nil || state != OutboxSent {
		t.Fatalf("the accepted mail is %q after the restart (%v), want sent", state, err)
	}
	if n, err := s.AutoMailsSince(ctx, "r@corp.example", t0.Add(-1)); err != nil || n != 1 {
		t.Fatalf("the hourly limit counts %d mails (%v), want 1", n, err)
	}
	if again, err := s.DueMail(ctx, "", t0.Add(ClaimLease), 10); err != nil || len(again) != 1 || again[0].ID != due[1].ID {
		t.Fatalf("due after the restart: %+v, %v; want the other mail alone", again, err)
	}
	if journalSize(t, path) != 0 {
		t.Fatal("the journal is not emptied after its replay")
	}
}

// TestSentJournalShared: a store that opens while another process is between its note and its
// commit leaves that entry alone (it is not emptied away); MarkSent commits once, and a replay
// of an entry already committed changes nothing.
func TestSentJournalShared(t *testing.T) {
	ctx := context.Background()
	d, path, due := journalDesk(t)
	done, err := d.Store.journal.note(sentEntry{ID: due[0].ID, At: t0.Unix()}, false)
	if err != nil {
		t.Fatal(err)
	}
	other := reopen(t, path) // Another process: its replay finds the shared lock held.
	if journalSize(t, path) == 0 {
		t.Fatal("an entry on its way to the database was emptied away")
	}
	done()
	for _, m := range due {
		if err := d.Store.MarkSent(ctx, m.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := other.replaySent(ctx, true); err != nil || n != 0 {
		t.Fatalf("replay of committed entries marked %d (%v), want none", n, err)
	}
	if n, _ := d.Store.AutoMailsSince(ctx, "r@corp.example", t0.Add(-1)); n != 1 {
		t.Fatalf("the acknowledgement counted %d times", n)
	}
	if journalSize(t, path) != 0 {
		t.Fatal("not emptied")
	}
	if err := d.Store.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSentJournalCompacted: a long-running sender empties the journal every journalCompact mails.
func TestSentJournalCompacted(t *testing.T) {
	ctx := context.Background()
	d, path, due := journalDesk(t)
	d.Store.journal.n = journalCompact - 1
	if err := d.Store.MarkSent(ctx, due[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	if journalSize(t, path) != 0 || d.Store.journal.n != 0 {
		t.Fatalf("journal of %d bytes, %d entries counted, after %d mails", journalSize(t, path), d.Store.journal.n, journalCompact)
	}
	if err := d.Store.MarkSent(ctx, due[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	if journalSize(t, path) == 0 {
		t.Fatal("a mail's entry is missing")
	}
	if err := d.Store.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSentJournalNote is what the journal adds to each MarkSent: a shared flock, one
// write(2), the unlock.
func BenchmarkSentJournalNote(b *testing.B) {
	j, err := openSentJournal(filepath.Join(b.TempDir(), "deskd.db-sent"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.close()
	to := []string{"celine.dupre@corp.example", "priya.raman@corp.example"}
	for i := 0; b.Loop(); i++ {
		done, err := j.note(sentEntry{ID: int64(i + 1), At: t0.Unix(), SentTo: to}, false)
		if err != nil {
			b.Fatal(err)
		}
		done()
	}
}

// BenchmarkMarkSent is the whole of MarkSent: the journal's note and the commit.
func BenchmarkMarkSent(b *testing.B) {
	ctx := context.Background()
	d := newTestDesk(b)
	for b.Loop() {
		b.StopTimer()
		openTicket(b, d, t0, NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
		due, err := d.Store.DueMail(ctx, "", t0, 2)
		if err != nil || len(due) == 0 {
			b.Fatal(len(due), err)
		}
		b.StartTimer()
		for _, m := range due {
			if err := d.Store.MarkSent(ctx, m.ID, t0); err != nil {
				b.Fatal(err)
			}
		}
	}
}
