package tickets

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The store side of the outbox. Operations queue rows (Tx.queue) in the transaction that caused
// them; the mailout package claims the due rows, sends them and records the outcome here. A row
// is pending until it is sent, failed (given up, recorded on the ticket) or suppressed (every
// recipient was over the hourly limit or bouncing).

// Outbox states.
const (
	OutboxPending    = "pending"
	OutboxSent       = "sent"
	OutboxFailed     = "failed"
	OutboxSuppressed = "suppressed"
)

// ClaimLease is how long DueMail holds the rows it returns: a sender that dies while sending
// leaves them to be retried when the lease runs out, and another process draining the same
// outbox meanwhile does not send them twice. A sender that can tell its claimant is gone (on the
// same machine) takes its rows back at once (Claimants, ReleaseClaims).
const ClaimLease = 5 * time.Minute

// OutboxMail is a queued mail as the sender sees it.
type OutboxMail struct {
	Claim      string // The drain's claim on the row, set by DueMail.
	ID         int64
	TicketID   int64 // 0 for mails about no ticket.
	Kind       string
	To, Cc     []string
	Language   string
	Notice     Notice
	MessageID  string // Without <>.
	InReplyTo  string // Without <>, "" for none.
	References []string
	Automatic  bool // Counts against the per-address hourly limit.
	Attempts   int  // Failed attempts so far.
	CreatedAt  time.Time
	LastError  string
	// Cause is the mailbox of the sender whose mail caused this one, "" for none: the automatic
	// mails one sender causes share an hourly budget.
	Cause string
	// Delivered lists the recipients whose copy the server already took (MarkDelivered): a
	// retry sends only the others.
	Delivered []string
}

// outboxColumns are what the sender reads of a mail: its outbox row (o) and its notice (d,
// outbox_data, NULL when missing).
const outboxColumns = `o.id, o.ticket_id, o.kind, o.recipients, o.cc, o.language, d.data, o.message_id, o.in_reply_to, o.refs,
	o.automatic, o.attempts, o.created_at, o.last_error, o.cause, o.delivered`

func scanOutbox(row scanner) (OutboxMail, error) {
	var m OutboxMail
	var to, cc, refs, delivered string
	var data sql.NullString
	var created int64
	err := row.Scan(&m.ID, &m.TicketID, &m.Kind, &to, &cc, &m.Language, &data, &m.MessageID, &m.InReplyTo,
		&refs, &m.Automatic, &m.Attempts, &created, &m.LastError, &m.Cause, &delivered)
	if err != nil {
		return m, err
	}
	if !data.Valid {
		return m, fmt.Errorf("outbox %d: no notice", m.ID)
	}
	if err := readStrings(delivered, &m.Delivered); err != nil {
		return m, fmt.Errorf("outbox %d: delivered: %w", m.ID, err)
	}
	m.CreatedAt = time.Unix(created, 0).UTC()
	m.References = strings.Fields(refs)
	if err := readStrings(to, &m.To); err != nil {
		return m, fmt.Errorf("outbox %d: recipients: %w", m.ID, err)
	}
	if err := readStrings(cc, &m.Cc); err != nil {
		return m, fmt.Errorf("outbox %d: cc: %w", m.ID, err)
	}
	if err := readNotice(data.String, &m.Notice); err != nil {
		return m, fmt.Errorf("outbox %d: notice: %w", m.ID, err)
	}
	return m, nil
}

// DueMail claims up to limit pending mails whose next attempt is due at now, oldest first, for
// claimant: the process, named so that another can tell whether it is still alive ("" for
// nobody in particular). The claim is a lease (ClaimLease): the caller settles each row with
// MarkSent, Retry, MarkFailed, MarkSuppressed or Release before it runs out.
func (s *Store) DueMail(ctx context.Context, claimant string, now time.Time, limit int) ([]OutboxMail, error) {
	var out []OutboxMail
	// PostgreSQL: senders on several machines claim at once; each skips the rows another is
	// claiming instead of waiting for it (and then finding them claimed). Only the outbox rows
	// are locked (OF o): a notice is written with its row and never changes once claimed.
	lock := s.dialect.pick("", " FOR UPDATE OF o SKIP LOCKED")
	err := s.writeRows(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, dueMailQuery+lock, now.Unix(), limit)
		if err != nil {
			return fmt.Errorf("due mail: %w", err)
		}
		defer rows.Close()
		var bad []int64
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				if m.ID == 0 {
					return fmt.Errorf("due mail: %w", err)
				}
				bad = append(bad, m.ID) // A row that cannot be read can never be sent.
				continue
			}
			out = append(out, m)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("due mail: %w", err)
		}
		for _, id := range bad {
			if err := markFailed(ctx, tx, id, now, "unreadable outbox row"); err != nil {
				return err
			}
		}
		claim := newClaim()
		list := make([]int64, len(out))
		for i, m := range out {
			list[i] = m.ID
			out[i].Claim = claim
		}
		ids, err := json.Marshal(list)
		if err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		if _, err := s.txExec(ctx, tx, `UPDATE outbox SET next_attempt_at = ?, claim = ?, claimant = ?
			WHERE id IN (SELECT `+s.dialect.pick(`value FROM json_each(?)`, `CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS JSON))`)+`)`,
			now.Add(ClaimLease).Unix(), claim, claimant, string(ids)); err != nil {
			return fmt.Errorf("claim mail: %w", err)
		}
		return nil
	})
	return out, err
}

// dueMailQuery reads the pending mails due at a time, oldest first, with their notices (a row
// whose notice is missing is read, and fails as unreadable).
const dueMailQuery = `SELECT ` + outboxColumns + ` FROM outbox o LEFT JOIN outbox_data d ON d.id = o.id
	WHERE o.state = 'pending' AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.id LIMIT ?`

func newClaim() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // Never fails on Linux.
	}
	return hex.EncodeToString(b)
}

// Renew extends a claim on a mail just before it is sent, and reports whether the claim is still
// the caller's: a drain slower than ClaimLease may have lost the row to another one, which then
// sends it, so this one must not.
func (s *Store) Renew(ctx context.Context, m OutboxMail, until time.Time) (bool, error) {
	var ok bool
	err := s.writeRows(ctx, func(tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, `UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND claim = ? AND state = 'pending'`,
			until.Unix(), m.ID, m.Claim)
		if err != nil {
			return fmt.Errorf("renew claim: %w", err)
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// Release gives claimed mails back, due at the given time, without counting an attempt: for a
// sender that stops before trying them.
func (s *Store) Release(ctx context.Context, ids []int64, at time.Time) error {
	return s.writeRows(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, claimant = '' WHERE id = ? AND state = 'pending'`,
				at.Unix(), id); err != nil {
				return fmt.Errorf("release mail %d: %w", id, err)
			}
		}
		return nil
	})
}

// MarkDelivered records that the server took one recipient's copy of a mail: a retry of the
// mail leaves that recipient out. MarkSent logs the copies for the hourly limits.
func (s *Store) MarkDelivered(ctx context.Context, id int64, email string, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.pick(`UPDATE outbox SET delivered = json_insert(delivered, '$[#]', ?) WHERE id = ?`,
			`UPDATE outbox SET delivered = CAST(CAST(delivered AS JSONB) || jsonb_build_array(CAST(? AS TEXT)) AS TEXT) WHERE id = ?`),
			strings.ToLower(email), id); err != nil {
			return fmt.Errorf("mark delivered %d: %w", id, err)
		}
		return nil
	})
}

// Claimants returns who holds claims on pending mails at now, each once.
func (s *Store) Claimants(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT claimant FROM outbox
		WHERE state = 'pending' AND claimant != '' AND next_attempt_at > ?`, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("outbox claimants: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("outbox claimants: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReleaseClaims gives back every pending mail a claimant holds, due at now, without counting an
// attempt: for a sender that found the claimant gone. It returns how many there were.
func (s *Store) ReleaseClaims(ctx context.Context, claimant string, now time.Time) (int, error) {
	var n int64
	err := s.writeRows(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, claimant = '', claim = ''
			WHERE state = 'pending' AND claimant = ? AND next_attempt_at > ?`, now.Unix(), claimant, now.Unix())
		if err != nil {
			return fmt.Errorf("release claims of %s: %w", claimant, err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// MarkSent records a mail as sent at now: NoteSent, then CommitSent.
func (s *Store) MarkSent(ctx context.Context, id int64, now time.Time, sentTo ...string) error {
	if err := s.NoteSent(ctx, id, now, sentTo...); err != nil {
		return err
	}
	return s.CommitSent(ctx)
}

// NoteSent is the first half of recording a mail as sent at now: one line in the sent journal,
// written as soon as the server accepted the mail, so that from then on a crash does not send it
// again. The recipients it went to are logged in sent_log when the mail is automatic, by mailbox
// and with the mail's cause, for the hourly limits (AutoMailsSince, CausedMailsSince); sentTo
// names them when some were dropped, else all of the row's recipients are taken. The mail stays
// pending in the database until CommitSent.
//
// A PostgreSQL store has no journal (sentjournal.go says why): there NoteSent commits "sent" at
// once, in a transaction that takes only the row's lock (writeRows, one round trip), and
// CommitSent has nothing left to do (SentAtOnce). Holding the mails of a batch until its end
// instead would send again, after a crash, every mail the batch had sent so far.
func (s *Store) NoteSent(ctx context.Context, id int64, now time.Time, sentTo ...string) error {
	j := s.journal
	if j == nil {
		return s.writeRows(ctx, func(tx *sql.Tx) error {
			_, err := s.markSent(ctx, tx, id, now, sentTo)
			return err
		})
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	e := sentEntry{ID: id, At: now.Unix(), SentTo: sentTo}
	done, err := j.note(e, len(j.noted) > 0)
	if err != nil {
		return err
	}
	j.noted, j.release = append(j.noted, e), done // One shared lock, held until the commit.
	return nil
}

// CommitSent is the second half: every mail noted since the last commit is marked sent, in one
// transaction. A sender that commits once per batch of mails pays one transaction for the batch
// and keeps the window in which a crash sends a mail twice as narrow as the journal's write.
func (s *Store) CommitSent(ctx context.Context) error {
	j := s.journal
	if j == nil { // PostgreSQL: NoteSent committed each mail.
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.noted) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, e := range j.noted {
			_, err := s.markSent(ctx, tx, e.ID, time.Unix(e.At, 0), e.SentTo)
			if err != nil && !errors.Is(err, sql.ErrNoRows) { // A row pruned since is nothing to mark.
				return err
			}
		}
		return nil
	})
	// Committed or not, the entries are in the journal: the next store to open replays them.
	j.noted = j.noted[:0]
	j.release()
	if err == nil && j.n >= journalCompact {
		_, err = s.replaySent(ctx, false)
	}
	return err
}

// SentAtOnce reports whether NoteSent commits "sent" itself, leaving CommitSent nothing to do: on
// PostgreSQL, which has no sent journal. The counts of the hourly limits (AutoMailsSince,
// CausedMailsSince) then hold every mail noted.
func (s *Store) SentAtOnce() bool { return s.journal == nil }

// markSent records a pending mail as sent; false when it was not pending (already marked).
func (s *Store) markSent(ctx context.Context, tx *sql.Tx, id int64, now time.Time, sentTo []string) (bool, error) {
	var to, cc, cause string
	var automatic bool
	// One statement: the row's update returns what the hourly limits log.
	err := s.txQueryRow(ctx, tx, `UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, claimant = ''
		WHERE id = ? AND state = 'pending' RETURNING recipients, cc, automatic, cause`, now.Unix(), id).Scan(&to, &cc, &automatic, &cause)
	if errors.Is(err, sql.ErrNoRows) {
		// Not pending (marked already), or no such row: say which, as callers tell them apart.
		var one int
		if err := s.txQueryRow(ctx, tx, `SELECT 1 FROM outbox WHERE id = ?`, id).Scan(&one); err != nil {
			return false, fmt.Errorf("mark sent %d: %w", id, err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark sent %d: %w", id, err)
	}
	if !automatic {
		return true, nil
	}
	if len(sentTo) == 0 {
		var a, b []string
		if err := readStrings(to, &a); err != nil {
			return false, fmt.Errorf("mark sent %d: recipients: %w", id, err)
		}
		if err := readStrings(cc, &b); err != nil {
			return false, fmt.Errorf("mark sent %d: cc: %w", id, err)
		}
		sentTo = append(a, b...)
	}
	for _, e := range sentTo {
		if _, err := s.txExec(ctx, tx, `INSERT INTO sent_log (email, at, cause, outbox_id) VALUES (?, ?, ?, ?)`,
			Mailbox(e), now.Unix(), cause, id); err != nil {
			return false, fmt.Errorf("log sent mail: %w", err)
		}
	}
	return true, nil
}

// Retry records a failed attempt and schedules the next one.
func (s *Store) Retry(ctx context.Context, id int64, now, next time.Time, errText string) error {
	return s.writeRows(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimant = ''
			WHERE id = ? AND state = 'pending'`, next.Unix(), errText, id)
		if err != nil {
			return fmt.Errorf("retry mail %d: %w", id, err)
		}
		return nil
	})
}

// MarkFailed gives up on a mail and records the failure on its ticket (EventFailed), in the
// same transaction.
func (s *Store) MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error {
	return s.write(ctx, func(tx *sql.Tx) error { return markFailed(ctx, tx, id, now, errText) })
}

func markFailed(ctx context.Context, tx *sql.Tx, id int64, now time.Time, errText string) error {
	var ticketID int64
	var kind, to, messageID string
	err := tx.QueryRowContext(ctx, `SELECT ticket_id, kind, recipients, message_id FROM outbox WHERE id = ?`, id).
		Scan(&ticketID, &kind, &to, &messageID)
	if err != nil {
		return fmt.Errorf("mark failed %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?
		WHERE id = ?`, errText, id); err != nil {
		return fmt.Errorf("mark failed %d: %w", id, err)
	}
	if ticketID == 0 {
		return nil
	}
	var rcpts []string
	_ = readStrings(to, &rcpts) // Best effort: the text is for people.
	text := kind + " → " + strings.Join(rcpts, ", ") + ": " + errText
	return writeLine(ctx, tx, ticketID, now, EventFailed, text, messageID, failedLine(kind, rcpts, errText))
}

// RecordSendFailure records on a mail's ticket (EventFailed) that some of its recipients were
// refused, when the mail still goes to the others.
func (s *Store) RecordSendFailure(ctx context.Context, id int64, now time.Time, errText string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var ticketID int64
		var kind, messageID string
		err := tx.QueryRowContext(ctx, `SELECT ticket_id, kind, message_id FROM outbox WHERE id = ?`, id).Scan(&ticketID, &kind, &messageID)
		if err != nil {
			return fmt.Errorf("record send failure %d: %w", id, err)
		}
		if ticketID == 0 {
			return nil
		}
		return writeLine(ctx, tx, ticketID, now, EventFailed, kind+": "+errText, messageID, partialLine(kind, errText))
	})
}

// MarkSuppressed records that a mail was not sent because none of its recipients may receive it,
// and says so on its ticket, in the same transaction: the mail's notify event gets " not sent:
// REASON", as a mail withheld when it was queued has it from the start (Tx.queue). A mail that
// is not pending any more (sent, failed or suppressed already) is left as it is.
func (s *Store) MarkSuppressed(ctx context.Context, id int64, now time.Time, reason string) error {
	return s.writeRows(ctx, func(tx *sql.Tx) error {
		var ticketID int64
		var messageID string
		err := s.txQueryRow(ctx, tx, `UPDATE outbox SET state = 'suppressed', sent_at = ?, last_error = ?, claimant = ''
			WHERE id = ? AND state = 'pending' RETURNING ticket_id, message_id`, now.Unix(), reason, id).Scan(&ticketID, &messageID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mark suppressed %d: %w", id, err)
		}
		if ticketID == 0 {
			return nil
		}
		return writeSuppressed(ctx, tx, ticketID, messageID, reason)
	})
}

// AutoMailsSince counts the automatic mails sent to an address's mailbox since a time: case and
// +tag do not make another budget (victim+1@ and victim+2@ are victim@).
func (s *Store) AutoMailsSince(ctx context.Context, email string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sent_log WHERE email = ? AND at > ?`,
		Mailbox(email), since.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sent mail: %w", err)
	}
	return n, nil
}

// CausedMailsSince counts the automatic mails (each with all its copies once) that mail from one
// sender's mailbox caused and that were sent since a time.
func (s *Store) CausedMailsSince(ctx context.Context, cause string, since time.Time) (int, error) {
	if cause == "" {
		return 0, nil
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT outbox_id) FROM sent_log WHERE cause = ? AND at > ?`,
		cause, since.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count caused mail: %w", err)
	}
	return n, nil
}

// PruneSentLog forgets sent_log entries older than before; the hourly limit needs only the last hour.
func (s *Store) PruneSentLog(ctx context.Context, before time.Time) error {
	return s.writeRows(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sent_log WHERE at < ?`, before.Unix())
		return err
	})
}

// Suppressed reports whether mail to an address is held back because it bounced: its
// bounced_until is after now.
func (s *Store) Suppressed(ctx context.Context, email string, now time.Time) (bool, error) {
	var until sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT bounced_until FROM people WHERE email = ?`, strings.ToLower(email)).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("bounce state of %s: %w", email, err)
	}
	return until.Valid && until.Int64 > now.Unix(), nil
}

// OutboxCounts returns how many outbox mails are in each state.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("outbox counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("outbox counts: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

// File is an attachment's content, to send on.
type File struct {
	Name        string
	ContentType string
	Size        int64 // Bytes of Data.
	Data        []byte
}

// LeftOut is a file a mail does not carry, and why: the mail tells its recipient.
type LeftOut struct {
	Name   string
	Size   int64  // In bytes.
	Reason string // LeftOutNotKept or LeftOutMailSize.
}

// Why a mail leaves a file out.
const (
	// LeftOutNotKept: the file was over the desk's max_attachment when it came; it is named on
	// the ticket, its content was not kept.
	LeftOutNotKept = "not_kept"
	// LeftOutMailSize: the file is kept on the ticket, but with the others it would make the mail
	// larger than mail servers take.
	LeftOutMailSize = "mail_size"
)

// MailAttachments returns the stored files a mail carries: those of the incoming mail source, or
// every file of the ticket when all is set, in the order they came, as many as fit in budget
// bytes (SMTP servers refuse big mails). Files over the size limit were never stored and are
// left out, and so is anything past the budget: skipped names those left out, with their size
// and why; the content of a file left out is not read. A budget below zero takes no file and
// names them all: it tells whether a mail has files at all.
func (s *Store) MailAttachments(ctx context.Context, ticketID int64, source string, all bool, budget int64) (files []File, skipped []LeftOut, err error) {
	if ticketID == 0 || (source == "" && !all) {
		return nil, nil, nil
	}
	// A file the ticket already had is stored in its first row (same_as): a mail carries it all
	// the same, read from that row; every file of the ticket is each stored file once.
	q := `SELECT CASE WHEN a.data IS NULL AND a.same_as != 0 THEN a.same_as ELSE a.id END, a.name, a.content_type, a.size, a.omitted,
			length(COALESCE(a.data, (SELECT d.data FROM attachments d WHERE d.id = a.same_as AND a.same_as != 0)))
		FROM attachments a WHERE a.ticket_id = ? AND a.message_id = ? ORDER BY a.id`
	args := []any{ticketID, source}
	if all {
		q, args = `SELECT id, name, content_type, size, omitted, length(data) FROM attachments WHERE ticket_id = ? AND same_as = 0 ORDER BY id`, []any{ticketID}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("mail attachments: %w", err)
	}
	type row struct {
		id int64
		f  File
	}
	var take []row
	var total int64
	for rows.Next() {
		var r row
		var omitted bool
		var length sql.NullInt64
		if err := rows.Scan(&r.id, &r.f.Name, &r.f.ContentType, &r.f.Size, &omitted, &length); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("mail attachments: %w", err)
		}
		switch {
		case omitted || !length.Valid:
			skipped = append(skipped, LeftOut{Name: r.f.Name, Size: r.f.Size, Reason: LeftOutNotKept})
			continue
		case total+length.Int64 > budget:
			skipped = append(skipped, LeftOut{Name: r.f.Name, Size: length.Int64, Reason: LeftOutMailSize})
			continue
		}
		r.f.Size = length.Int64
		total += length.Int64
		take = append(take, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, nil, fmt.Errorf("mail attachments: %w", err)
	}
	for _, r := range take {
		if err := s.r.QueryRowContext(ctx, `SELECT data FROM attachments WHERE id = ?`, r.id).Scan(&r.f.Data); err != nil {
			return nil, nil, fmt.Errorf("mail attachment %q: %w", r.f.Name, err)
		}
		if r.f.Data == nil {
			r.f.Data = []byte{} // An empty file.
		}
		files = append(files, r.f)
	}
	return files, skipped, nil
}

// SendLimits is what the hourly limits and the bounces say of a batch of mails at once, as
// AutoMailsSince, CausedMailsSince and Suppressed say it of one address: the addresses among
// emails that are held back at now, the automatic mails each mailbox among them got since, and
// the mails each cause among causes caused since (a key absent counts 0). A sender asks it once
// for a batch of mails instead of three queries a mail.
type SendLimits struct {
	Bounced map[string]bool // By address, lowercased.
	Auto    map[string]int  // By Mailbox.
	Caused  map[string]int  // By cause.
}

// Limits returns the SendLimits of the addresses emails and the causes at now, counting the
// mails sent since.
func (s *Store) Limits(ctx context.Context, emails, causes []string, since, now time.Time) (SendLimits, error) {
	l := SendLimits{Bounced: map[string]bool{}, Auto: map[string]int{}, Caused: map[string]int{}}
	lower := make([]string, 0, len(emails))
	boxes := make([]string, 0, len(emails))
	for _, e := range emails {
		lower = append(lower, strings.ToLower(e))
		boxes = append(boxes, Mailbox(e))
	}
	list := s.dialect.pick(`SELECT value FROM json_each(?)`, `SELECT value FROM json_array_elements_text(CAST(? AS JSON))`)
	query := func(what, q string, values []string, arg int64, each func(key string, n int64)) error {
		if len(values) == 0 {
			return nil
		}
		js, err := json.Marshal(values)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		rows, err := s.r.QueryContext(ctx, q, string(js), arg)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			each(k, n)
		}
		return rows.Err()
	}
	err := query("bounce states", `SELECT email, 1 FROM people WHERE email IN (`+list+`) AND bounced_until > ?`, lower, now.Unix(),
		func(k string, _ int64) { l.Bounced[k] = true })
	if err == nil {
		err = query("count sent mail", `SELECT email, COUNT(*) FROM sent_log WHERE email IN (`+list+`) AND at > ? GROUP BY email`, boxes, since.Unix(),
			func(k string, n int64) { l.Auto[k] = int(n) })
	}
	if err == nil {
		err = query("count caused mail", `SELECT cause, COUNT(DISTINCT outbox_id) FROM sent_log WHERE cause IN (`+list+`) AND cause != '' AND at > ? GROUP BY cause`,
			causes, since.Unix(), func(k string, n int64) { l.Caused[k] = int(n) })
	}
	return l, err
}
