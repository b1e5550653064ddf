package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Desk is the help desk: its configuration, its store and its policy. Every change goes through
// Update, which runs in one transaction: the ticket change, its events and the mails it causes
// are committed together or not at all.
type Desk struct {
	Store  *Store
	Signer *Signer
	Log    *slog.Logger
	cfg    atomic.Pointer[deskConfig]
	words  atomic.Pointer[wordsBox]
	model  atomic.Pointer[Model] // Learned classifier; nil until trained.
	// train serialises the building of models, so that a full rebuild and an incremental lesson
	// do not overwrite each other's result.
	train    sync.Mutex
	counters Counters // What the desk did since it started (monitoring).
	kick     func()   // Called after a commit that queued mail (OnQueued); nil for none.
	// lateKnown counts the new tickets whose known answers Open ranked itself, none having
	// been prepared for them (known.go).
	lateKnown atomic.Int64
	known     knownIndex     // The known answers' index (known_index.go).
	recent    recentRequests // The requests opened lately, to know a repeat (repeated.go).
}

// OnQueued sets what a commit that queued mail calls, at once, to wake the sender: no polling
// interval sits between a request's commit and its acknowledgement. Set it before the desk is
// used; kick must not block.
func (d *Desk) OnQueued(kick func()) { d.kick = kick }

// wordsBox holds the desk's Words, which an atomic pointer cannot hold directly.
type wordsBox struct{ Words }

// SetWords gives the desk the words it says its phrases with (the templates'); SIGHUP replaces
// them. Without words the desk writes phrases as their codes (Phrase.String).
func (d *Desk) SetWords(w Words) { d.words.Store(&wordsBox{w}) }

// deskConfig is a config with what is derived from it, swapped whole on reload.
type deskConfig struct {
	*Config
	cal *Calendar
}

// NewDesk returns a desk over an open store.
func NewDesk(cfg *Config, store *Store, secret []byte, log *slog.Logger) (*Desk, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Desk{Store: store, Signer: NewSigner(secret), Log: log}
	if err := d.SetConfig(cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// SetConfig replaces the configuration (SIGHUP); operations in flight keep the one they started with.
func (d *Desk) SetConfig(cfg *Config) error {
	cal, err := cfg.Calendar.Build()
	if err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	d.cfg.Store(&deskConfig{Config: cfg, cal: cal})
	return nil
}

// Config returns the configuration in force.
func (d *Desk) Config() *Config { return d.cfg.Load().Config }

// Tx is one transaction on the desk at one instant. Operations on it append events and queue
// mails; nothing is visible to others until Update commits.
type Tx struct {
	d      *Desk
	tx     *sql.Tx
	cfg    *deskConfig
	words  Words // nil: phrases are written as codes.
	Now    time.Time
	source string          // Message-ID of the incoming mail being processed, for its attachments.
	cause  string          // Mailbox of the sender of that mail: the automatic mails it causes count against it.
	direct map[string]bool // Who the incoming mail went to directly (To, Cc): no relayed copy for them.
	// onCommit runs after the transaction commits: changes outside the database (the learned
	// model) must not happen for work that is rolled back. A savepoint rolled back drops the
	// hooks added since it was set.
	onCommit []func()
	lessons  []lesson // What learn taught, for the model in use once the transaction commits.
	queued   bool     // Mail was queued: the commit kicks the sender.
	// runSummary is set by the escalation job: the coordinators hear of its escalations in one
	// mail at the end of the run, not one per ticket.
	runSummary bool
	// internal is set while a staff mail with a #note is applied: its files go to staff only.
	internal bool
	// staffDirect is set while an authenticated staff mail is applied: only then are its To and
	// Cc trusted to have reached those they name (direct).
	staffDirect bool
	// rows holds the savedColumns of the tickets this transaction wrote or read, by ID, so that
	// save writes only what changed.
	rows map[int64][]any
	// docs holds the indexed terms of the tickets whose search document this transaction wrote.
	docs map[int64][]string
	// threads holds the conversations of the messages this transaction recorded or read.
	threads map[string]Conversation
	// pending holds the rows written in multi-row statements (pending.go).
	pending pendingRows
	// assigning holds what assignment reads, as this transaction last read or wrote it (assign.go).
	assigning assignState
	// people holds the names this transaction read or wrote of people, by address.
	people map[string]string
	// quiet holds whether each ticket this transaction opened is quiet (quiet.go).
	quietOf map[int64]bool
	// sendableOf holds whether mail can be sent to the addresses the transaction queued mail to.
	sendableOf map[string]bool
	// lastIndex is the conversation index of a ticket conversation made last.
	lastIndex ticketIndex
	// box holds values the transaction binds again and again, each boxed once (argBoxes).
	box argBoxes
}

// argBoxes are values the writer binds many times a transaction, kept as the interface values
// the statements take: boxing an int64 of 256 or more, or a string that is not a constant,
// allocates, and a new ticket's rows bound its ID a dozen times and the transaction's time ten
// (BenchmarkIngestWriter: 53,017 → 41,087 allocations a batch of 200, with the other cuts of
// the same change).
type argBoxes struct {
	unix  int64 // The time now holds.
	now   any
	id    int64 // The ticket idv holds.
	idv   any
	texts map[string]any // Short texts of few values: kinds, states, languages, actors.
}

// nowArg is the transaction's time (Tx.Now) in seconds, as a statement's argument.
func (t *Tx) nowArg() any {
	if u := t.Now.Unix(); t.box.now == nil || t.box.unix != u {
		t.box.unix, t.box.now = u, u
	}
	return t.box.now
}

// idArg is a ticket's ID as a statement's argument.
func (t *Tx) idArg(id int64) any {
	if t.box.idv == nil || t.box.id != id {
		t.box.id, t.box.idv = id, id
	}
	return t.box.idv
}

// maxTextArgs bounds argBoxes.texts: a text beyond is boxed each time.
const maxTextArgs = 256

// textArg is a text of few values (a kind, a state, a language, an actor) as a statement's
// argument.
func (t *Tx) textArg(s string) any {
	if v, ok := t.box.texts[s]; ok {
		return v
	}
	var v any = s
	if len(t.box.texts) < maxTextArgs {
		if t.box.texts == nil {
			t.box.texts = make(map[string]any, 32)
		}
		t.box.texts[s] = v
	}
	return v
}

// savepoint sets a savepoint and returns a function that rolls back to it, hooks included.
func (t *Tx) savepoint(name string) (rollback func() error, err error) {
	if err := t.flushPending(); err != nil { // What waits is of before the savepoint.
		return nil, err
	}
	if _, err := t.exec(`SAVEPOINT ` + name); err != nil {
		return nil, err
	}
	n, nl := len(t.onCommit), len(t.lessons)
	return func() error {
		t.onCommit, t.lessons = t.onCommit[:n], t.lessons[:nl]
		clear(t.rows) // What was written since is undone.
		clear(t.docs)
		clear(t.threads)
		clear(t.people)
		clear(t.quietOf)
		t.pending.drop()
		t.assigning = assignState{}
		_, err := t.exec(`ROLLBACK TO ` + name)
		return err
	}, nil
}

// say words a phrase in lang.
func (t *Tx) say(lang string, p Phrase) string {
	if t.words == nil {
		return p.String()
	}
	return t.words.Say(lang, p)
}

// Config is the configuration this transaction runs with.
func (t *Tx) Config() *Config { return t.cfg.Config }

// Update runs fn in one immediate transaction, as of time now.
func (d *Desk) Update(ctx context.Context, now time.Time, fn func(*Tx) error) error {
	var hooks []func()
	var lessons []lesson
	queued, locked := false, false
	defer func() {
		if locked {
			d.train.Unlock()
		}
	}()
	err := d.Store.write(ctx, func(tx *sql.Tx) error {
		t := &Tx{d: d, tx: tx, cfg: d.cfg.Load(), Now: now.UTC().Truncate(time.Second)}
		if w := d.words.Load(); w != nil {
			t.words = w.Words
		}
		if b, ok := txScratch.Get().(*[]byte); ok {
			t.pending.buf = *b
		}
		err := fn(t)
		if err == nil {
			err = t.flushPending()
		}
		if b := t.pending.buf[:0]; cap(b) <= maxTxScratch {
			txScratch.Put(&b)
		}
		t.pending.buf = nil
		t.pending.release()
		hooks, lessons, queued = t.onCommit, t.lessons, t.queued
		if err == nil && len(lessons) > 0 {
			// Held across the commit: lessons reach the model in use in the order they
			// were committed, and a model read meanwhile holds them once.
			d.train.Lock()
			locked = true
		}
		return err
	})
	if err != nil {
		return err
	}
	if queued && d.kick != nil {
		d.kick()
	}
	d.teach(lessons)
	for _, h := range hooks {
		h()
	}
	return nil
}

// txScratch holds the scratch of a transaction's JSON (pendingRows.buf) from one transaction to
// the next, as []byte pointers: what is made of it is copied (string), and a batch's queued
// notices and search documents grew a new one each time.
var txScratch sync.Pool

// maxTxScratch is the largest scratch kept: a batch of long documents leaves no megabytes held in
// the pool.
const maxTxScratch = 1 << 20

const ticketColumns = `id, subject, requester, requester_name, status, priority, category, assignee, tier,
	language, escalations, created_at, updated_at, first_response_at, first_response_due, resolve_due,
	resolved_at, closed_at, pending_since, paused, origin_message_id, root_message_id, linked_ticket,
	explain, reminded_due, breached_due, kind, incident`

type scanner interface{ Scan(...any) error }

func scanTicket(row scanner) (*Ticket, error) {
	var t Ticket
	var created, updated int64
	var firstAt, firstDue, resolveDue, resolvedAt, closedAt, pendingSince, reminded, breached sql.NullInt64
	var paused int64
	err := row.Scan(&t.ID, &t.Subject, &t.Requester, &t.RequesterName, &t.Status, &t.Priority, &t.Category,
		&t.Assignee, &t.Tier, &t.Language, &t.Escalations, &created, &updated, &firstAt, &firstDue,
		&resolveDue, &resolvedAt, &closedAt, &pendingSince, &paused, &t.OriginMessageID, &t.RootMessageID,
		&t.LinkedTicket, &t.Explain, &reminded, &breached, &t.Kind, &t.Incident)
	if err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	t.FirstResponseAt, t.FirstResponseDue, t.ResolveDue = fromUnix(firstAt), fromUnix(firstDue), fromUnix(resolveDue)
	t.ResolvedAt, t.ClosedAt, t.PendingSince = fromUnix(resolvedAt), fromUnix(closedAt), fromUnix(pendingSince)
	t.RemindedDue, t.BreachedDue = fromUnix(reminded), fromUnix(breached)
	t.Paused = time.Duration(paused) * time.Second
	return &t, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func loadTicket(ctx context.Context, q querier, id int64) (*Ticket, error) {
	t, err := scanTicket(q.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ticket %d: %w", id, ErrNoTicket)
	}
	if err != nil {
		return nil, fmt.Errorf("load ticket %d: %w", id, err)
	}
	t.Watchers, err = loadWatchers(ctx, q, id)
	return t, err
}

func loadWatchers(ctx context.Context, q querier, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT email FROM watchers WHERE ticket_id = ? ORDER BY email`, id)
	if err != nil {
		return nil, fmt.Errorf("load watchers: %w", err)
	}
	defer rows.Close()
	ws := []string{}
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	return ws, rows.Err()
}

// Ticket loads a ticket within the transaction. The new tickets whose rows wait
// (pendingRows.tickets) are not written for it: the ticket is read from its row when it is one
// of them (heldTicket), and the others cannot change the row of another ID. A reply to a request
// of the batch wrote the batch's waiting tickets first, 0.9 M instructions a reply.
func (t *Tx) Ticket(id int64) (*Ticket, error) {
	if err := t.pending.err; err != nil {
		return nil, err // A write failed: the transaction fails.
	}
	if row := t.pending.heldTicket(id); row != nil {
		tk, err := scanTicket(heldRow(row))
		if err != nil {
			return nil, fmt.Errorf("load ticket %d: %w", id, err)
		}
		// No watcher row names it: each statement writes the tickets that wait first, and the
		// watchers' foreign key holds no row of a ticket not written.
		tk.Watchers = []string{}
		t.remember(tk.ID, t.ticketValues(tk))
		return tk, nil
	}
	tk, err := loadTicket(context.Background(), t.tx, id)
	if err == nil {
		t.remember(tk.ID, t.ticketValues(tk))
	}
	return tk, err
}

// save writes a ticket's fields (not its watchers) and stamps updated_at. Only the columns that
// differ from what this transaction last wrote or read of the ticket are written (all of them for
// a ticket it has not seen): SQLite rewrites an index entry for every column an UPDATE sets,
// changed or not, and the tickets table has many indexes. A save that changes nothing writes
// nothing.
func (t *Tx) save(tk *Ticket) error {
	tk.UpdatedAt = t.Now
	vals := t.ticketValues(tk)
	old, known := t.rows[tk.ID]
	var set uint32
	for i := range vals {
		if !known || old[i] != vals[i] {
			set |= 1 << i
		}
	}
	if set == 0 {
		return nil
	}
	args := make([]any, 0, bits.OnesCount32(set)+1)
	for i, v := range vals {
		if set&(1<<i) != 0 {
			args = append(args, v)
		}
	}
	if _, err := t.exec(updateTicketSQL(set), append(args, tk.ID)...); err != nil {
		return fmt.Errorf("save ticket %d: %w", tk.ID, err)
	}
	t.remember(tk.ID, vals)
	return nil
}

// savedColumns are the columns of tickets that save writes, in the order of ticketValues.
var savedColumns = [...]string{"subject", "requester", "requester_name", "status", "priority", "category",
	"assignee", "tier", "language", "escalations", "updated_at", "first_response_at", "first_response_due",
	"resolve_due", "resolved_at", "closed_at", "pending_since", "paused", "origin_message_id",
	"root_message_id", "linked_ticket", "explain", "reminded_due", "breached_due", "kind", "incident",
	"next_due"}

// colRoot is root_message_id's place in savedColumns.
const colRoot = 19

// ticketValues are a ticket's values of savedColumns, in their stored form.
func (t *Tx) ticketValues(tk *Ticket) []any {
	updated := any(tk.UpdatedAt.Unix())
	if tk.UpdatedAt.Equal(t.Now) {
		updated = t.nowArg()
	}
	return []any{tk.Subject, tk.Requester, tk.RequesterName, t.textArg(string(tk.Status)), int64(tk.Priority), t.textArg(tk.Category),
		t.textArg(tk.Assignee), tk.Tier, t.textArg(tk.Language), tk.Escalations, updated, unix(tk.FirstResponseAt),
		unix(tk.FirstResponseDue), unix(tk.ResolveDue), unix(tk.ResolvedAt), unix(tk.ClosedAt),
		unix(tk.PendingSince), int64(tk.Paused / time.Second), tk.OriginMessageID, tk.RootMessageID,
		tk.LinkedTicket, tk.Explain, unix(tk.RemindedDue), unix(tk.BreachedDue), tk.Kind, tk.Incident,
		ticketNextDue(tk)}
}

// ticketNextDue is the deadline a ticket works towards, as the web desk's queue orders by it: the first
// response until it is given, then the resolution; NoDeadline for none. The code that writes a
// ticket writes it; the triggers of the migration that added the column only repair a row
// written without it.
func ticketNextDue(tk *Ticket) int64 {
	due := tk.ResolveDue
	if tk.FirstResponseAt.IsZero() {
		due = tk.FirstResponseDue
	}
	if due.IsZero() {
		return NoDeadline
	}
	return due.Unix()
}

// updateTicketSQL is the UPDATE of the savedColumns whose bits are set in set, by id; one text
// per set, so that each is prepared once.
func updateTicketSQL(set uint32) string {
	if q, ok := updateTicketSQLs.Load(set); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString("UPDATE tickets SET ")
	sep := ""
	for i, c := range savedColumns {
		if set&(1<<i) != 0 {
			b.WriteString(sep + c + " = ?")
			sep = ", "
		}
	}
	b.WriteString(" WHERE id = ?")
	q, _ := updateTicketSQLs.LoadOrStore(set, b.String())
	return q.(string)
}

var updateTicketSQLs sync.Map // uint32 → string

// remember records a ticket's savedColumns as this transaction wrote or read them.
func (t *Tx) remember(id int64, vals []any) {
	if t.rows == nil {
		t.rows = map[int64][]any{}
	}
	if len(t.rows) >= maxRemembered {
		clear(t.rows) // A long transaction forgets: its saves write whole rows, its memory stays bounded.
	}
	t.rows[id] = vals
}

// maxRemembered bounds what a transaction remembers of the rows it wrote (rows, docs).
const maxRemembered = 1024

// insert creates the ticket row with all its fields and gives tk its ID.
func (t *Tx) insert(tk *Ticket) error { return t.insertRow(tk, false, nil) }

// insertRow creates the ticket row with all its fields, quiet or not, and gives tk its ID. Its
// search document holds its subject, or doc when not nil (the subject's and the request's
// terms: its message event then leaves the index as it is).
func (t *Tx) insertRow(tk *Ticket, quiet bool, doc []string) error {
	tk.CreatedAt, tk.UpdatedAt = t.Now, t.Now
	if tk.Kind == "" {
		tk.Kind = TicketRequest
	}
	vals := t.ticketValues(tk)
	q := int64(0)
	if quiet {
		q = 1
	}
	// The row that waits (holdTicket) is its ID, then args: one list for both.
	row := append(append(make([]any, 0, 3+len(vals)), nil, t.nowArg(), q), vals...)
	args := row[1:]
	if id, held, err := t.holdTicket(row); held {
		if err != nil {
			return err
		}
		tk.ID = id
	} else if t.d.Store.dialect == postgres {
		if err := t.queryRow(insertTicketSQL+` RETURNING id`, args...).Scan(&tk.ID); err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
	} else {
		// SQLite says the new row's ID with the statement's outcome, with no row to read.
		res, err := t.exec(insertTicketSQL, args...)
		if err == nil {
			tk.ID, err = res.LastInsertId()
		}
		if err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
	}
	t.remember(tk.ID, vals)
	t.rememberQuiet(tk.ID, quiet)
	t.assigning.counted(tk)
	if doc == nil {
		return t.indexTicket(tk)
	}
	return t.indexRequest(tk, doc)
}

// insertTicketSQL inserts created_at, quiet and the savedColumns.
var insertTicketSQL = `INSERT INTO tickets (created_at, quiet, ` + strings.Join(savedColumns[:], ", ") + `) VALUES (?, ?` +
	strings.Repeat(", ?", len(savedColumns)) + `)`

// event appends a line to a ticket's history.
func (t *Tx) event(tk *Ticket, kind, actor string, public bool, text, messageID string) error {
	t.appendEvent(tk, kind, actor, public, text, messageID)
	if public && kind == EventMessage {
		return t.indexMessage(tk, text) // The index follows the ticket in the same transaction.
	}
	if (kind == EventReply || kind == EventNote) && actor != ActorDesk {
		return t.indexStaff(tk, text) // What staff wrote, for the search box (search_staff.go).
	}
	return nil
}

// appendEvent appends a line to a ticket's history, and leaves the search index as it is.
func (t *Tx) appendEvent(tk *Ticket, kind, actor string, public bool, text, messageID string) {
	t.pending.events = append(t.pending.events, t.pending.row(t.idArg(tk.ID), t.nowArg(), t.textArg(kind), t.textArg(actor), public, text, messageID, ""))
}

// queue writes a mail to the outbox, threaded under the ticket's conversation, and records a
// notify event. The first mail of a ticket becomes the root every later mail threads under.
func (t *Tx) queue(tk *Ticket, m Mail) error {
	cfg := t.cfg.Config
	m.To = dedupe(withoutDesk(cfg, m.To), nil)
	m.Cc = dedupe(withoutDesk(cfg, m.Cc), m.To)
	if err := t.spareRequester(tk, &m); err != nil {
		return err
	}
	// An address mail cannot be sent to is left out of this mail, and recorded; the others
	// still get it.
	var unsendable []string
	m.To, unsendable = t.sendable(m.To, unsendable)
	m.Cc, unsendable = t.sendable(m.Cc, unsendable)
	if len(unsendable) > 0 && tk != nil {
		p := Phrase{Code: JournalNotSentTo, Args: map[string]string{"kind": m.Kind},
			Parts: map[string]Phrase{"to": listedPhrase(unsendable), "reason": {Code: JournalUnsendable}}}
		if err := t.said(tk, EventFailed, ActorDesk, false, p, ""); err != nil {
			return err
		}
	}
	if len(m.To) == 0 && len(m.Cc) > 0 {
		m.To, m.Cc = m.Cc[:1], m.Cc[1:]
	}
	if t.staffDirect && len(t.direct) > 0 && (m.Kind == KindReply || m.Kind == KindUpdate) {
		// A reply-all already reached them: a relayed copy would be a duplicate.
		m.To, m.Cc = without(m.To, t.direct), without(m.Cc, t.direct)
		if len(m.To) == 0 && len(m.Cc) > 0 {
			m.To, m.Cc = m.Cc[:1], m.Cc[1:]
		}
	}
	if len(m.To) == 0 {
		if tk != nil && m.id != "" && tk.RootMessageID == m.id {
			// The root its caller wrote is not sent after all: the next mail is.
			tk.RootMessageID = ""
			if _, err := t.exec(`UPDATE tickets SET root_message_id = '' WHERE id = ?`, tk.ID); err != nil {
				return fmt.Errorf("save ticket %d: %w", tk.ID, err)
			}
		}
		return nil
	}
	m.Notice.DeskName, m.Notice.DeskAddress, m.Notice.Tag = cfg.Desk.Name, cfg.Desk.Address, cfg.Desk.Tag
	t.wordHistory(&m)
	if t.source != "" && m.Notice.Source == "" && attachable[m.Kind] && (!t.internal || t.allStaff(m.To, m.Cc)) {
		m.Notice.Source = t.source
	}
	if m.Notice.Recipient == "" {
		m.Notice.Recipient = m.To[0]
		m.Notice.RecipientName = t.nameOf(m.To[0])
	}
	m.Notice.Names = t.names(m.To, m.Cc)
	var id, inReplyTo string
	var refs []string
	if tk != nil {
		m.TicketID = tk.ID
		m.Notice.Ticket = t.info(tk, m.Language)
		id = m.id
		if id == "" {
			id = t.d.Signer.MessageID(tk.ID, cfg.DeskDomain())
		}
		if tk.OriginMessageID != "" {
			refs = append(refs, tk.OriginMessageID)
		}
		switch tk.RootMessageID {
		case id: // Its caller wrote the ticket with this mail as its root.
		case "":
			// This column alone: the rest of the ticket is its caller's to save.
			tk.RootMessageID = id
			row := t.rows[tk.ID]
			if _, err := t.exec(`UPDATE tickets SET root_message_id = ? WHERE id = ?`, id, tk.ID); err != nil {
				return fmt.Errorf("save ticket %d: %w", tk.ID, err)
			}
			if row != nil {
				row[colRoot] = id
				t.remember(tk.ID, row)
			}
		default:
			refs = append(refs, tk.RootMessageID)
		}
		if len(refs) > 0 {
			inReplyTo = refs[len(refs)-1]
		}
		conv, err := t.conversation(tk)
		if err != nil {
			return err
		}
		m.Notice.Conversation = conv
	} else {
		id = t.d.Signer.MessageID(0, cfg.DeskDomain())
	}
	// The notice, the To and the Cc in the transaction's buffer, then in one string that the
	// row's three values share.
	buf, err := noticeJSON(t.pending.buf[:0], &m.Notice)
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	n := len(buf)
	buf = appendJSONStrings(buf, m.To)
	nto := len(buf)
	buf = appendJSONStrings(buf, m.Cc)
	t.pending.buf = buf
	all := string(buf)
	data, to, cc := all[:n], all[n:nto], all[nto:]
	// Due at once on the real clock, even when the transaction runs as of a later time. A
	// withheld mail is recorded as suppressed.
	state, sentAt := "pending", any(nil)
	recipients := strings.Join(m.To, ", ")
	if len(m.Cc) > 0 {
		recipients = strings.Join(append(m.To[:len(m.To):len(m.To)], m.Cc...), ", ")
	}
	var line Phrase // A withheld mail's line; a sent one's has no words to translate.
	if m.Withheld != "" {
		state, sentAt = "suppressed", t.nowArg()
		line = say(JournalNotSent, "kind", m.Kind, "to", recipients, "reason", m.Withheld) // A reason from outside tickets is written as it is.
		if m.withheldWhy != nil {
			line.Parts = map[string]Phrase{"reason": *m.withheldWhy}
		}
	}
	due := t.nowArg()
	if real := time.Now().Unix(); real < t.box.unix {
		due = real
	}
	ccArg, replyArg, refsArg := any(cc), any(inReplyTo), any(strings.Join(refs, " "))
	if cc == "[]" {
		ccArg = "[]" // A constant: boxed with no allocation.
	}
	if len(refs) == 1 {
		replyArg = refsArg // The same text.
	}
	t.pending.outbox = append(t.pending.outbox, t.pending.row(t.idArg(m.TicketID), t.textArg(m.Kind), to, ccArg, t.textArg(m.Language),
		id, replyArg, refsArg, m.Automatic, due, t.nowArg(), t.textArg(t.cause), state, sentAt, m.Withheld, data))
	t.queued = true
	if tk == nil {
		return nil
	}
	if line.Code == "" {
		// No words to translate ("ack → a@b"): the line is its text, which costs the writer less.
		return t.event(tk, EventNotify, ActorDesk, false, m.Kind+" → "+recipients, id)
	}
	return t.said(tk, EventNotify, ActorDesk, false, line, id)
}

// withoutDesk drops the desk's own addresses: the desk never writes to itself (an incident it
// opened has the desk as its requester).
func withoutDesk(cfg *Config, addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if !cfg.IsDeskAddress(a) {
			out = append(out, a)
		}
	}
	return out
}

func without(addrs []string, drop map[string]bool) []string {
	out := []string{}
	for _, a := range addrs {
		if !drop[a] {
			out = append(out, a)
		}
	}
	return out
}

// isSendable is Sendable, kept for the transaction: a batch's mails go to the same few
// technicians, and net/mail's parse of an address is some 3,700 instructions and 6 allocations.
func (t *Tx) isSendable(a string) bool {
	ok, seen := t.sendableOf[a]
	if !seen {
		ok = Sendable(a)
		if t.sendableOf == nil {
			t.sendableOf = make(map[string]bool, 64)
		}
		if len(t.sendableOf) < maxRemembered {
			t.sendableOf[a] = ok
		}
	}
	return ok
}

// sendable splits addresses into those mail can be sent to and those it cannot (appended to bad).
func (t *Tx) sendable(addrs, bad []string) ([]string, []string) {
	if !slices.ContainsFunc(addrs, func(a string) bool { return !t.isSendable(a) }) {
		return addrs, bad
	}
	ok := addrs[:0:0]
	for _, a := range addrs {
		if t.isSendable(a) {
			ok = append(ok, a)
		} else {
			bad = append(bad, a)
		}
	}
	return ok, bad
}

func dedupe(addrs, exclude []string) []string {
	if len(addrs)+len(exclude) > 16 {
		return dedupeMap(addrs, exclude)
	}
	// A mail's few addresses: compared one by one, with no map, and one slice made.
	out := []string{}
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !slices.Contains(exclude, a) && !slices.Contains(out, a) {
			if cap(out) == 0 {
				out = make([]string, 0, len(addrs))
			}
			out = append(out, a)
		}
	}
	return out
}

// dedupeMap is dedupe for many addresses.
func dedupeMap(addrs, exclude []string) []string {
	seen := map[string]bool{}
	for _, a := range exclude {
		seen[a] = true
	}
	out := []string{}
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// info is the snapshot of a ticket that goes into a mail in lang.
func (t *Tx) info(tk *Ticket, lang string) TicketInfo {
	label := tk.Category
	if c, ok := t.cfg.Category(tk.Category); ok {
		label = c.LabelFor(lang)
	}
	var next time.Time
	if tk.Status.Active() {
		next = tk.ResolveDue
		if tk.FirstResponseAt.IsZero() {
			next = tk.FirstResponseDue
		}
	}
	info := TicketInfo{
		ID: tk.ID, Subject: tk.Subject, Requester: tk.Requester, RequesterName: tk.RequesterName,
		Status: string(tk.Status), Priority: tk.Priority.String(), Category: tk.Category, CategoryLabel: label,
		Assignee: tk.Assignee, AssigneeName: t.nameOf(tk.Assignee), Tier: tk.Tier, Escalations: tk.Escalations,
		CreatedAt: tk.CreatedAt, FirstResponseAt: tk.FirstResponseAt, FirstResponseDue: tk.FirstResponseDue,
		ResolveDue: tk.ResolveDue, NextDue: next, Incident: tk.Incident,
	}
	if tk.IsIncident() {
		info.Kind = TicketIncident
	}
	return info
}

// nameOf returns the display name of an address: the configured name for staff, else the name
// recorded from their mail, else the address.
func (t *Tx) nameOf(email string) string {
	if email == "" {
		return ""
	}
	if te, ok := t.cfg.Technician(email); ok {
		return te.Name
	}
	if co, ok := t.cfg.CoordinatorByEmail(email); ok {
		return co.Name
	}
	name, ok := t.people[email]
	if !ok {
		// The rows that wait (pendingRows.people) are read from memory: a read of the table would
		// write every row of the batch that waits, a mail at a time.
		if err := t.lookup(`SELECT name FROM people WHERE email = ?`, email).Scan(&name); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return email
		}
		name = t.pending.nameOf(email, name)
		t.rememberName(email, name)
	}
	if name != "" {
		return name
	}
	return email
}

// rememberName records the name the transaction read or wrote of someone ("" for none).
func (t *Tx) rememberName(email, name string) {
	if t.people == nil || len(t.people) >= maxRemembered {
		t.people = map[string]string{}
	}
	t.people[email] = name
}

// staffLanguage returns the language a technician or coordinator reads.
func (t *Tx) staffLanguage(email string) string {
	if te, ok := t.cfg.Technician(email); ok {
		return te.Language
	}
	if co, ok := t.cfg.CoordinatorByEmail(email); ok {
		return co.Language
	}
	return t.cfg.Desk.Language
}

// rememberPerson records a correspondent's name and language. A row that would not change is
// not written (upsertPeopleConflict). On SQLite the row waits with the transaction's other rows
// (pendingRows.people).
func (t *Tx) rememberPerson(email, name, language string) error {
	if t.d.Store.dialect == postgres {
		if _, err := t.exec(`INSERT INTO people (email, name, language) VALUES (?, ?, ?)`+upsertPeopleConflict,
			email, name, language); err != nil {
			return fmt.Errorf("remember person: %w", err)
		}
	} else {
		t.pending.people = append(t.pending.people, []any{email, name, language})
	}
	if name != "" {
		t.rememberName(email, name)
	}
	return nil
}

// SetKV stores a value in the transaction.
func (t *Tx) SetKV(key, value string) error {
	_, err := t.exec(`INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// KV reads a value in the transaction, "" if unset.
func (t *Tx) KV(key string) (string, error) {
	var v string
	err := t.queryRow(`SELECT value FROM kv WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// exec runs a statement in the transaction, prepared once and reused. An UPDATE of tickets makes
// the transaction forget what it wrote of them (save writes what differs from it): the caller
// records what it knows it wrote.
func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	t.flushFor(q)
	if strings.HasPrefix(q, "UPDATE tickets ") {
		clear(t.rows)
	}
	t.assigning.seen(q)
	if st := t.d.Store.stmt(q); st != nil {
		return t.tx.Stmt(st).Exec(args...)
	}
	return t.tx.Exec(q, args...)
}

// queryRow runs a one-row query in the transaction, prepared once and reused.
func (t *Tx) queryRow(q string, args ...any) *sql.Row {
	t.flushFor(q)
	if st := t.d.Store.stmt(q); st != nil {
		return t.tx.Stmt(st).QueryRow(args...)
	}
	return t.tx.QueryRow(q, args...)
}

// lookup is queryRow for a query that looks among the rows that wait itself (pendingRows): it
// does not write them first.
func (t *Tx) lookup(q string, args ...any) *sql.Row {
	if st := t.d.Store.stmt(q); st != nil {
		return t.tx.Stmt(st).QueryRow(args...)
	}
	return t.tx.QueryRow(q, args...)
}

// lookupRows is query for a query that the rows that wait cannot change (pendingRows): it does
// not write them first, the new tickets' rows apart.
func (t *Tx) lookupRows(q string, args ...any) (*sql.Rows, error) {
	if len(t.pending.tickets) > 0 {
		t.flushTickets()
	}
	if st := t.d.Store.stmt(q); st != nil {
		return t.tx.Stmt(st).Query(args...)
	}
	return t.tx.Query(q, args...)
}

// query runs a query in the transaction, prepared once and reused.
func (t *Tx) query(q string, args ...any) (*sql.Rows, error) {
	t.flushFor(q)
	if st := t.d.Store.stmt(q); st != nil {
		return t.tx.Stmt(st).Query(args...)
	}
	return t.tx.Query(q, args...)
}
