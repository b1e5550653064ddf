package tickets

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// The sent journal narrows the window in which a crash sends a mail twice. Between the SMTP
// server's acceptance of a mail and the commit of "sent", a killed process leaves the mail
// pending, and the next sender sends it again. That commit may first wait for the database's one
// writer, which the ingester can hold for the length of a batch (tens of milliseconds, p99 8 ms,
// max 88 ms in test/crash.sh). So MarkSent first appends one line to a file beside the database
// (DATABASE-sent) — a single write(2), a few microseconds, which outlives a SIGKILL since the
// kernel holds it — and only then commits. The next store to open replays the file: a mail it
// names that is still pending was accepted, and is marked sent.
//
// Several processes may share the file (`deskd serve` and a CLI command): each holds a shared
// lock (flock) from its append to its commit; replaying and emptying the file takes the exclusive
// lock, so that no entry still on its way to the database is emptied away. A process that dies
// loses its lock with it.
//
// The journal is not synced: after a power cut, as after a crash between the server's acceptance
// and the append, the mail goes again (delivery is at least once).
//
// A PostgreSQL store has no journal. There NoteSent commits "sent" at once, each mail on its own
// (no commit per batch), in a transaction that takes only its row's lock (writeRows), not the
// store's write lock, so it waits for no ingester: the window is the commit's round trip to the
// server, which a journal would narrow by little. And a file is local to one
// machine, while the instances sharing a PostgreSQL database run on several: a dead instance's
// journal would be replayed only when it starts again on that machine, long after another
// instance has taken its claims back (mailout.HeartbeatTimeout) and sent the mail. The failover
// test counts the duplicates this leaves (test/failover.sh; README, "Running more than one
// instance").
type sentJournal struct {
	path string
	mu   sync.Mutex // Guards what follows: notes and commits of this process, one at a time.
	f    *os.File
	n    int // Entries this process appended since the file was last emptied.

	noted   []sentEntry // Appended by NoteSent, not yet committed by CommitSent.
	release func()      // Gives up the shared lock the noted entries hold.
}

// journalCompact is how many entries the journal holds before a sender empties it.
const journalCompact = 1000

// sentEntry is one line of the journal: a mail the server accepted.
type sentEntry struct {
	ID     int64    `json:"id"`
	At     int64    `json:"at"`           // Unix seconds.
	SentTo []string `json:"to,omitempty"` // As MarkSent was given them.
}

func openSentJournal(path string) (*sentJournal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sent journal: %w", err)
	}
	return &sentJournal{path: path, f: f}, nil
}

func (j *sentJournal) close() error {
	if j == nil {
		return nil
	}
	return j.f.Close()
}

// note appends an entry under the shared lock, which the caller releases with done once the
// entry is committed to the database. held: the lock is held already, for entries noted before
// and not yet committed (one flock(2) a batch, not one a mail).
func (j *sentJournal) note(e sentEntry, held bool) (done func(), err error) {
	line, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if !held {
		if err := lockFile(j.f, false, true); err != nil {
			return nil, fmt.Errorf("sent journal: %w", err)
		}
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		if !held {
			_ = unlockFile(j.f)
		}
		return nil, fmt.Errorf("sent journal: %w", err)
	}
	j.n++
	return func() { _ = unlockFile(j.f) }, nil
}

// entries reads the journal; lines that cannot be read are skipped.
func (j *sentJournal) entries() ([]sentEntry, error) {
	if _, err := j.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var out []sentEntry
	sc := bufio.NewScanner(j.f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e sentEntry
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 && json.Unmarshal(line, &e) == nil && e.ID > 0 {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// pendingIDs returns which of the entries' mails are still pending (SQLite: the journal's store).
func pendingIDs(ctx context.Context, tx *sql.Tx, entries []sentEntry) (map[int64]bool, error) {
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM outbox WHERE state = 'pending' AND id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("sent journal: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sent journal: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// replaySent marks sent every mail the journal names that is still pending, then empties it.
// wait: block for the exclusive lock; else give up at once when another process holds it.
func (s *Store) replaySent(ctx context.Context, wait bool) (int, error) {
	j := s.journal
	if j == nil {
		return 0, nil
	}
	if err := lockFile(j.f, true, wait); err != nil {
		if errors.Is(err, errLocked) {
			return 0, nil // Another process is in the middle of a send; a later open replays.
		}
		return 0, fmt.Errorf("sent journal: %w", err)
	}
	defer func() { _ = unlockFile(j.f) }()
	entries, err := j.entries()
	if err != nil {
		return 0, fmt.Errorf("sent journal: %w", err)
	}
	n := 0
	if len(entries) > 0 {
		err = s.write(ctx, func(tx *sql.Tx) error {
			n = 0
			// Nearly every entry was committed by the process that wrote it (a sender empties
			// the journal every journalCompact entries): one query finds those still pending,
			// instead of two statements for each entry.
			pending, err := pendingIDs(ctx, tx, entries)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if !pending[e.ID] {
					continue
				}
				ok, err := s.markSent(ctx, tx, e.ID, time.Unix(e.At, 0), e.SentTo)
				if err != nil && !errors.Is(err, sql.ErrNoRows) { // A row pruned since is nothing to mark.
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	if err := j.f.Truncate(0); err != nil {
		return n, fmt.Errorf("sent journal: %w", err)
	}
	j.n = 0
	return n, nil
}
