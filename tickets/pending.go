package tickets

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The writer's cheap rows. A new ticket writes four events and two outbox rows, and the
// assignment order in kv: one statement each costs more than the row (database/sql, cgo, the
// statement's own work). A transaction holds them instead, in order, and writes each table's in
// multi-row INSERTs: before any statement that names the table (a read sees every row written
// before it), before a savepoint (a rollback drops only what followed it), and before the
// commit. Event and outbox IDs keep the order the rows were made in.
type pendingRows struct {
	messages [][]any        // messageRowColumns' values: incoming mails (recordMessage).
	msgAt    map[string]int // Index in messages by Message-ID.
	// recorded says, for the Message-IDs of the batch Ingest runs, whether a mail of that ID is
	// recorded (lookUpBatch, then recordMessage): one query a batch instead of one a mail. An ID
	// it does not hold is looked up; nil after a rollback to a savepoint.
	recorded map[string]bool
	// tickets are new tickets' rows (id, created_at, quiet, then savedColumns' values) on SQLite,
	// in an ingest's transaction (holdTickets): each is written before any other statement of
	// the transaction runs (flushFor; the code that reads the database through the transaction
	// itself writes what waits first), and before the rows that name it. Tx.Ticket and
	// followUpOf read them from memory instead (heldTicket, heldFollowUp). nextTicket
	// is the ID the next one gets, as SQLite would give it (the largest ID plus one), 0 when
	// unknown: it is read again when none waits.
	tickets     [][]any
	nextTicket  int64
	holdTickets bool
	// people are correspondents' names and languages (rememberPerson: email, name, language) and
	// the names their mails give them (rememberNames: email, name, kept only where none is
	// known), in order, written in multi-row upserts on SQLite, a run of each kind a statement;
	// PostgreSQL refuses an upsert that meets one row twice.
	people [][]any
	events [][]any           // eventRowColumns' values.
	outbox [][]any           // outboxRowColumns' values, then the mail's notice (outbox_data).
	kv     map[string]string // Assignment order (markAssigned), by key.
	terms  map[string]int    // Counts to add to search_terms (indexRequest), by term.
	// docs are new tickets' search documents (rowid, doc) for SQLite's full-text table
	// (insertDoc), written after every other row, when the transaction ends or a statement names
	// the table. FTS5 writes what a transaction adds to its index as a new segment, and it
	// starts one at each statement of the transaction that opens a statement journal (an
	// INSERT with triggers or several rows) after the index was written: one document a
	// statement made a segment a ticket, 1,100 for 1,000 mails, and the segments merged again
	// and again (automerge, crisis merges), more work as the index grows.
	docs  [][]any
	docAt map[int64]int // Index in docs by rowid.
	// appends are the terms replies add to the end of documents written before (appendDoc), by
	// rowid, joined by spaces, written with the documents: a reply no longer writes what waits
	// to read its ticket's document and update it, which broke the batch's multi-row INSERTs
	// into small pieces at every reply.
	appends map[int64]string
	err     error  // A failed write: the transaction fails at its end.
	buf     []byte // Scratch for the JSON of a queued mail (Tx.queue).
	// blocks are the blocks of values the rows of events and mails are cut from (row), free
	// the rest of the last one.
	blocks []*[]any
	free   []any
}

// rowBlock is the number of values in a block of rows (pendingRows.row).
const rowBlock = 1024

// rowBlocks holds blocks of rowBlock values (*[]any), cleared, from one transaction to the next.
var rowBlocks sync.Pool

// row is a row that waits, of vals, cut from a block of rowBlock values that the transaction
// returns to rowBlocks when it ends (release): an event's row, or a mail's, was an allocation
// of its own, and a new request makes six.
func (p *pendingRows) row(vals ...any) []any {
	n := len(vals)
	if n > rowBlock {
		r := make([]any, n)
		copy(r, vals)
		return r
	}
	if len(p.free) < n {
		b, _ := rowBlocks.Get().(*[]any)
		if b == nil {
			s := make([]any, rowBlock)
			b = &s
		}
		p.blocks = append(p.blocks, b)
		p.free = *b
	}
	r := p.free[:n:n]
	p.free = p.free[n:]
	copy(r, vals)
	return r
}

// release returns the transaction's blocks of rows to rowBlocks, cleared: no row cut from them
// may be read after.
func (p *pendingRows) release() {
	for _, b := range p.blocks {
		clear(*b)
		rowBlocks.Put(b)
	}
	p.blocks, p.free = nil, nil
}

const (
	messageRowColumns = `message_id, direction, verdict, sender, subject, at, raw, thread_index, thread_topic, ticket_id`
	eventRowColumns   = `ticket_id, at, kind, actor, public, text, message_id, phrase`
	outboxRowColumns  = `ticket_id, kind, recipients, cc, language, message_id, in_reply_to, refs, automatic,
		next_attempt_at, created_at, cause, state, sent_at, last_error`
)

// empty reports whether nothing waits.
func (p *pendingRows) empty() bool {
	return len(p.messages) == 0 && len(p.events) == 0 && len(p.outbox) == 0 && len(p.kv) == 0 && len(p.terms) == 0 &&
		len(p.docs) == 0 && len(p.appends) == 0 && len(p.people) == 0 && len(p.tickets) == 0
}

// drop forgets what waits (a rollback to a savepoint, which a write waited for).
func (p *pendingRows) drop() {
	p.messages, p.events, p.outbox, p.docs, p.people = p.messages[:0], p.events[:0], p.outbox[:0], p.docs[:0], p.people[:0]
	p.tickets, p.nextTicket = p.tickets[:0], 0
	clear(p.msgAt)
	clear(p.docAt)
	clear(p.appends)
	p.recorded = nil // What it says of the rows rolled back is no longer true.
	clear(p.kv)
	clear(p.terms)
	p.err = nil
}

// namesDocs reports whether a statement names the full-text table while documents wait.
func (p *pendingRows) namesDocs(q string) bool {
	return (len(p.docs) > 0 || len(p.appends) > 0) && strings.Contains(q, "search_fts")
}

// names reports whether a statement names a table whose rows wait, the full-text table apart.
func (p *pendingRows) names(q string) bool {
	return len(p.messages) > 0 && strings.Contains(q, "messages") ||
		len(p.events) > 0 && strings.Contains(q, "events") ||
		len(p.outbox) > 0 && strings.Contains(q, "outbox") ||
		len(p.kv) > 0 && strings.Contains(q, "kv") ||
		len(p.terms) > 0 && strings.Contains(q, "search_terms") ||
		len(p.people) > 0 && strings.Contains(q, "people")
}

// flushFor writes what waits when q names its table; the documents wait on unless q names the
// full-text table.
func (t *Tx) flushFor(q string) {
	if len(t.pending.tickets) > 0 {
		t.flushTickets()
	}
	if docs := t.pending.namesDocs(q); docs || t.pending.names(q) {
		t.flushRows(docs)
	}
}

// flushPending writes every row that waits; the first error is kept (pendingRows.err) and
// returned, and fails the transaction.
func (t *Tx) flushPending() error { return t.flushRows(true) }

// flushRows writes the rows that wait, the documents too if docs.
func (t *Tx) flushRows(docs bool) error {
	p := &t.pending
	if p.err != nil || p.empty() {
		return p.err
	}
	if err := t.flushTickets(); err != nil {
		return err
	}
	messages, events, outbox, people := p.messages, p.events, p.outbox, p.people
	p.messages, p.events, p.outbox, p.people = nil, nil, nil, nil // Written by direct statements below: nothing names them twice.
	clear(p.msgAt)
	groupPeople(people)
	for len(people) > 0 {
		n := chunk(sameWidth(people))
		args := make([]any, 0, len(people[0])*n)
		for _, r := range people[:n] {
			args = append(args, r...)
		}
		q := upsertPeopleSQL(n)
		if len(people[0]) == 2 {
			q = fillNamesSQL(n)
		}
		if _, err := t.exec(q, args...); err != nil {
			p.err = fmt.Errorf("remember person: %w", err)
			return p.err
		}
		people = people[n:]
	}
	p.people = people[:0]
	if err := t.insertRows("messages", messageRowColumns, messages); err != nil {
		p.err = fmt.Errorf("record message: %w", err)
		return p.err
	}
	if err := t.insertRows("events", eventRowColumns, events); err != nil {
		p.err = fmt.Errorf("append events: %w", err)
		return p.err
	}
	if err := t.insertOutbox(outbox); err != nil {
		p.err = fmt.Errorf("queue mail: %w", err)
		return p.err
	}
	p.messages, p.events, p.outbox = messages[:0], events[:0], outbox[:0]
	if len(p.terms) > 0 {
		b, err := json.Marshal(p.terms)
		clear(p.terms)
		if err == nil {
			_, err = t.exec(t.d.Store.dialect.pick(countTermsSQL, countTermsPG), string(b))
		}
		if err != nil {
			p.err = fmt.Errorf("count terms: %w", err)
			return p.err
		}
	}
	if len(p.kv) > 0 {
		rows := make([][]any, 0, len(p.kv))
		for k, v := range p.kv {
			rows = append(rows, []any{k, v})
		}
		clear(p.kv)
		for len(rows) > 0 {
			n := chunk(len(rows))
			q := upsertKVSQL(n)
			var args []any
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if _, err := t.exec(q, args...); err != nil {
				p.err = fmt.Errorf("assignment order: %w", err)
				return p.err
			}
			rows = rows[n:]
		}
	}
	if docs && (len(p.docs) > 0 || len(p.appends) > 0) {
		rows, appends := p.docs, p.appends
		p.docs, p.appends = nil, nil // Written by direct statements below: nothing names them twice.
		clear(p.docAt)
		if err := t.updateDocs(appends); err != nil {
			p.err = fmt.Errorf("index messages: %w", err)
			return p.err
		}
		clear(appends)
		p.appends = appends
		if len(rows) > 0 {
			if err := t.insertDocs(rows); err != nil {
				p.err = fmt.Errorf("index tickets: %w", err)
				return p.err
			}
		}
		p.docs = rows[:0]
	}
	return nil
}

// updateDocs adds the terms of appends to the end of the documents they name, in the order of
// their rowids.
func (t *Tx) updateDocs(appends map[int64]string) error {
	if len(appends) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(appends))
	for id := range appends {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	q := `UPDATE ` + t.d.Store.search.table() + ` SET doc = doc || ' ' || ? WHERE rowid = ?`
	for _, id := range ids {
		if _, err := t.exec(q, appends[id], id); err != nil {
			return fmt.Errorf("ticket %d: %w", id, err)
		}
	}
	return nil
}

// insertDocs writes search documents (rowid, doc) in one statement, their list one JSON
// argument. FTS5 writes what it holds of the transaction as a new segment at each statement
// that opens a statement journal, a multi-row INSERT among them: a batch of 200 new requests in
// statements of 64 documents made four segments, each to write and then merge again; in one
// statement the commit writes one (and 400 bound values are one). A document that is not valid
// UTF-8 (JSON would change it) goes in the multi-row INSERTs.
func (t *Tx) insertDocs(rows [][]any) error {
	table := t.d.Store.search.table()
	b := append(t.pending.buf[:0], '[')
	for i, r := range rows {
		id, ok := r[0].(int64)
		doc, isText := r[1].(string)
		if !ok || !isText || !utf8.ValidString(doc) {
			return t.insertRows(table, "rowid, doc", rows)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(append(b, '['), id, 10)
		b = append(appendJSONString(append(b, ','), doc), ']')
	}
	b = append(b, ']')
	t.pending.buf = b
	_, err := t.exec(`INSERT INTO `+table+` (rowid, doc) SELECT value->>0, value->>1 FROM json_each(?)`, string(b))
	return err
}

// ticketRowColumns are the columns of pendingRows.tickets.
var ticketRowColumns = "id, created_at, quiet, " + strings.Join(savedColumns[:], ", ")

// flushTickets writes the new tickets that wait (pendingRows.tickets); the first error is kept.
func (t *Tx) flushTickets() error {
	p := &t.pending
	if p.err != nil || len(p.tickets) == 0 {
		return p.err
	}
	rows := p.tickets
	p.tickets = nil // Written by a direct statement: nothing names them twice.
	if err := t.insertRows("tickets", ticketRowColumns, rows); err != nil {
		p.err = fmt.Errorf("insert ticket: %w", err)
		return p.err
	}
	p.tickets = rows[:0]
	return nil
}

// heldTicket is the row of the new ticket id if it waits (pendingRows.tickets), nil if not. The
// rows that wait have consecutive IDs (holdTicket).
func (p *pendingRows) heldTicket(id int64) []any {
	if len(p.tickets) == 0 {
		return nil
	}
	first, ok := p.tickets[0][0].(int64)
	if !ok || id < first || id-first >= int64(len(p.tickets)) {
		return nil
	}
	if row := p.tickets[id-first]; row[0] == any(id) {
		return row
	}
	return nil
}

// heldFollowUp is the newest new ticket whose row waits (pendingRows.tickets) that follows up
// ticket old, from requester from, still open: followUpQuery's answer among them, 0 for none.
// They have IDs above every ticket written (holdTicket gives the largest plus one, and every new
// ticket of the transaction waits), so one of them is the query's answer; when none is, the
// table's rows give it as they would once they are written.
func (p *pendingRows) heldFollowUp(old int64, from string) int64 {
	for i := len(p.tickets) - 1; i >= 0; i-- {
		r := p.tickets[i]
		if linked, _ := heldInt(r[heldLinked]); linked != old || old == 0 || r[heldRequester] != any(from) {
			continue
		}
		if status, _ := r[heldStatus].(string); Status(status).Active() {
			id, _ := heldInt(r[0])
			return id
		}
	}
	return 0
}

// heldLinked, heldRequester and heldStatus are the places of those columns in ticketRowColumns.
var (
	heldLinked    = heldColumn("linked_ticket")
	heldRequester = heldColumn("requester")
	heldStatus    = heldColumn("status")
)

// heldColumn is the place of column c in ticketRowColumns.
func heldColumn(c string) int {
	i := slices.Index(splitColumns(ticketRowColumns), c)
	if i < 0 {
		panic("tickets: a new ticket's row has no column " + c)
	}
	return i
}

// heldRow scans a new ticket's waiting row (ticketRowColumns) as scanTicket reads the table's
// (ticketColumns), each value converted as database/sql converts what the database gives back
// for it: the ticket read is the one the table would hold once the row is written.
type heldRow []any

// heldAt is, for each of ticketColumns, its place in ticketRowColumns.
var heldAt = func() []int {
	var at []int
	for _, c := range splitColumns(ticketColumns) {
		at = append(at, heldColumn(c))
	}
	return at
}()

// Scan implements scanner.
func (r heldRow) Scan(dest ...any) error {
	if len(dest) != len(heldAt) {
		return fmt.Errorf("scan a waiting ticket: %d values of %d", len(dest), len(heldAt))
	}
	for i, d := range dest {
		v := r[heldAt[i]]
		n, isInt := heldInt(v)
		s, isText := v.(string)
		ok := true
		switch d := d.(type) {
		case *int64:
			*d, ok = n, isInt
		case *int:
			*d, ok = int(n), isInt
		case *Priority:
			*d, ok = Priority(n), isInt
		case *string:
			*d, ok = s, isText
		case *Status:
			*d, ok = Status(s), isText
		case *sql.NullInt64:
			*d, ok = sql.NullInt64{Int64: n, Valid: isInt}, isInt || v == nil
		default:
			ok = false
		}
		if !ok {
			return fmt.Errorf("scan a waiting ticket: column %d: %T into %T", i, v, d)
		}
	}
	return nil
}

// heldInt is an integer value of a waiting row as the database stores it.
func heldInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// holdTicket makes a new ticket's row wait (pendingRows.tickets) and returns its ID; false when
// the transaction writes its tickets at once. The row is its ID's place (row[0], which it
// sets), then created_at, quiet and savedColumns' values.
func (t *Tx) holdTicket(row []any) (int64, bool, error) {
	p := &t.pending
	if !p.holdTickets || t.d.Store.dialect == postgres {
		return 0, false, nil
	}
	if len(p.tickets) == 0 || p.nextTicket == 0 {
		// What any statement since wrote is in the table: SQLite gives the largest ID plus one.
		var last int64
		if err := t.queryRow(`SELECT COALESCE(MAX(id), 0) FROM tickets`).Scan(&last); err != nil {
			return 0, true, fmt.Errorf("insert ticket: %w", err)
		}
		p.nextTicket = last + 1
	}
	id := p.nextTicket
	p.nextTicket++
	row[0] = t.idArg(id)
	p.tickets = append(p.tickets, row)
	return id, true, nil
}

// insertRows writes rows into table in multi-row INSERTs of a few fixed sizes (each text is
// prepared once).
func (t *Tx) insertRows(table, columns string, rows [][]any) error {
	buf := rowArgs.Get().(*[]any)
	defer func() {
		clear((*buf)[:cap(*buf)]) // The pool keeps no value alive.
		rowArgs.Put(buf)
	}()
	for len(rows) > 0 {
		n := chunk(len(rows))
		q, args := appendRowsInsert((*buf)[:0], table, columns, rows[:n])
		*buf = args
		if _, err := t.exec(q, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// rowArgs holds the argument lists of insertRows' statements (*[]any), reused from one to the
// next: database/sql keeps none once the statement has run, and a batch's lists were its
// writer's third-largest allocation.
var rowArgs = sync.Pool{New: func() any { return new([]any) }}

// appendRowsInsert is the INSERT of rows (of columns' values) into table, and args with its
// arguments appended. A column that holds its default in every row is left out of it
// (rowDefaults): the database writes the same value, and the writer binds fewer (each bound
// value is a cgo call and a copy).
func appendRowsInsert(args []any, table, columns string, rows [][]any) (string, []any) {
	cols := len(rows[0])
	var drop uint64
	if defs := columnDefaults(table, columns); defs != nil && cols < 64 {
		drop = 1<<cols - 1
		for _, r := range rows {
			for i, v := range r {
				if drop&(1<<i) != 0 && !defs[i].holds(v) {
					drop &^= 1 << i
				}
			}
			if drop == 0 {
				break
			}
		}
	}
	kept := cols - bits.OnesCount64(drop)
	args = slices.Grow(args, len(rows)*kept)
	for _, r := range rows {
		if drop == 0 {
			args = append(args, r...)
			continue
		}
		for i, v := range r {
			if drop&(1<<i) == 0 {
				args = append(args, v)
			}
		}
	}
	return insertRowsSQL(table, columns, cols, drop, len(rows)), args
}

// A colDefault is a column's default as the writer's values spell it: NULL (nil), an integer
// (an int, an int64, or a bool for 0 and 1), or a text.
type colDefault struct {
	set  bool // The column has a default the writer may leave to the database.
	text bool
	s    string
	i    int64
	null bool
}

// holds reports whether v, a value of the column, is its default.
func (d colDefault) holds(v any) bool {
	switch {
	case !d.set:
		return false
	case d.null:
		return v == nil
	case d.text:
		s, ok := v.(string)
		return ok && s == d.s
	}
	switch x := v.(type) {
	case int64:
		return x == d.i
	case int:
		return int64(x) == d.i
	case bool:
		return x && d.i == 1 || !x && d.i == 0
	}
	return false
}

// rowDefaults are, by table, the defaults of the columns (their schema's DEFAULT, or NULL) the
// writer's multi-row INSERTs may leave out: most of a new ticket's columns hold them (nothing
// escalated, resolved, closed, linked…), an event most often has no Message-ID and no phrase, a
// mail no copy and no error. TestRowDefaultsAreTheSchemas checks them against the schema.
var rowDefaults = map[string]map[string]colDefault{
	"tickets": {
		"quiet": intDefault(0), "requester_name": textDefault(""), "category": textDefault(""),
		"assignee": textDefault(""), "tier": intDefault(1), "escalations": intDefault(0),
		"first_response_at": nullDefault, "first_response_due": nullDefault, "resolve_due": nullDefault,
		"resolved_at": nullDefault, "closed_at": nullDefault, "pending_since": nullDefault, "paused": intDefault(0),
		"origin_message_id": textDefault(""), "root_message_id": textDefault(""), "linked_ticket": intDefault(0),
		"explain": textDefault(""), "reminded_due": nullDefault, "breached_due": nullDefault,
		"kind": textDefault(TicketRequest), "incident": intDefault(0),
	},
	"events": {"public": intDefault(0), "text": textDefault(""), "message_id": textDefault(""), "phrase": textDefault("")},
	"outbox": {
		"ticket_id": intDefault(0), "cc": textDefault("[]"), "in_reply_to": textDefault(""), "refs": textDefault(""),
		"automatic": intDefault(1), "state": textDefault("pending"), "sent_at": nullDefault, "last_error": textDefault(""),
		"cause": textDefault(""),
	},
}

var nullDefault = colDefault{set: true, null: true}

func intDefault(i int64) colDefault   { return colDefault{set: true, i: i} }
func textDefault(s string) colDefault { return colDefault{set: true, text: true, s: s} }

// columnDefaults are the defaults of columns (a list, by place) of table; nil when it has none.
func columnDefaults(table, columns string) []colDefault {
	key := table + "/" + columns
	if d, ok := columnDefaultsOf.Load(key); ok {
		return d.([]colDefault)
	}
	var defs []colDefault
	if byName := rowDefaults[table]; byName != nil {
		names := splitColumns(columns)
		defs = make([]colDefault, len(names))
		for i, c := range names {
			defs[i] = byName[c]
		}
	}
	d, _ := columnDefaultsOf.LoadOrStore(key, defs)
	return d.([]colDefault)
}

var columnDefaultsOf sync.Map // table/columns → []colDefault

// splitColumns splits a list of columns.
func splitColumns(columns string) []string {
	names := strings.Split(columns, ",")
	for i, c := range names {
		names[i] = strings.TrimSpace(c)
	}
	return names
}

// insertOutbox writes queued mails: their outbox rows, then each one's notice in outbox_data
// under the id its row got. On SQLite the rows of one INSERT get consecutive ids in their order,
// the last one the statement's LastInsertId (a rowid past every other, as long as the largest is
// below 2^63-1); PostgreSQL says them (RETURNING, matched by Message-ID, which is unique).
func (t *Tx) insertOutbox(rows [][]any) error {
	buf := rowArgs.Get().(*[]any)
	defer func() {
		clear((*buf)[:cap(*buf)]) // The pool keeps no value alive.
		rowArgs.Put(buf)
	}()
	for len(rows) > 0 {
		n := chunk(len(rows))
		cols := len(rows[0]) - 1 // The notice is the last value.
		values := make([][]any, n)
		for i, r := range rows[:n] {
			values[i] = r[:cols]
		}
		q, args := appendRowsInsert((*buf)[:0], "outbox", outboxRowColumns, values)
		*buf = args
		data := make([][]any, 0, n)
		if t.d.Store.dialect == postgres {
			notice := make(map[string]any, n)
			for _, r := range rows[:n] {
				notice[r[outboxMessageID].(string)] = r[cols]
			}
			res, err := t.query(q+" RETURNING id, message_id", args...)
			if err != nil {
				return err
			}
			for res.Next() {
				var id int64
				var messageID string
				if err := res.Scan(&id, &messageID); err != nil {
					res.Close()
					return err
				}
				data = append(data, []any{id, notice[messageID]})
			}
			if err := errors.Join(res.Err(), res.Close()); err != nil {
				return err
			}
		} else {
			res, err := t.exec(q, args...)
			if err != nil {
				return err
			}
			last, err := res.LastInsertId()
			if err != nil {
				return err
			}
			for i, r := range rows[:n] {
				data = append(data, []any{last - int64(n-1-i), r[cols]})
			}
		}
		if len(data) != n {
			return fmt.Errorf("%d outbox rows written of %d", len(data), n)
		}
		if err := t.insertRows("outbox_data", "id, data", data); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// outboxMessageID is the index of message_id in outboxRowColumns.
const outboxMessageID = 5

// chunk is the number of rows the next statement writes of n: the largest power of two up to 64
// (seven texts a table to prepare).
func chunk(n int) int {
	c := 64
	for c > n {
		c /= 2
	}
	return c
}

// insertRowsSQL is the INSERT of n rows of cols values into table, the columns whose bits are
// set in drop left out.
func insertRowsSQL(table, columns string, cols int, drop uint64, n int) string {
	key := fmt.Sprintf("%s/%d/%x", table, n, drop)
	if q, ok := multiRowSQL.Load(key); ok {
		return q.(string)
	}
	if drop != 0 {
		var kept []string
		for i, c := range splitColumns(columns) {
			if drop&(1<<i) == 0 {
				kept = append(kept, c)
			}
		}
		columns, cols = strings.Join(kept, ", "), len(kept)
	}
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	q := "INSERT INTO " + table + " (" + columns + ") VALUES " + one + strings.Repeat(", "+one, n-1)
	v, _ := multiRowSQL.LoadOrStore(key, q)
	return v.(string)
}

// upsertKVSQL is the upsert of n rows of kv.
func upsertKVSQL(n int) string {
	return upsertSQL("kv", "kv (key, value)", 2, n, " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
}

// upsertSQL is "INSERT INTO into VALUES" n rows of cols values each, then conflict; made once
// for each name and n.
func upsertSQL(name, into string, cols, n int, conflict string) string {
	key := fmt.Sprintf("%s/%d", name, n)
	if q, ok := multiRowSQL.Load(key); ok {
		return q.(string)
	}
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	q := "INSERT INTO " + into + " VALUES " + one + strings.Repeat(", "+one, n-1) + conflict
	v, _ := multiRowSQL.LoadOrStore(key, q)
	return v.(string)
}

// upsertPeopleSQL is rememberPerson's upsert of n rows: SQLite upserts the rows of one statement
// in their order, as n statements would, a name or a language given twice included.
func upsertPeopleSQL(n int) string {
	return upsertSQL("people", "people (email, name, language)", 3, n, upsertPeopleConflict)
}

// nameOf is the name email has once the rows that wait are written over stored, the name the
// table holds ("" for none or no row): a correspondent's own name replaces any, a mail's fills
// only an empty one (upsertPeopleConflict, fillNamesConflict).
func (p *pendingRows) nameOf(email, stored string) string {
	for _, r := range p.people {
		if r[0].(string) != email {
			continue
		}
		if name := r[1].(string); len(r) == 3 && name != "" || len(r) == 2 && stored == "" {
			stored = name
		}
	}
	return stored
}

// fillNamesSQL is rememberNames' upsert of n rows: a name is written only where none is known.
func fillNamesSQL(n int) string {
	return upsertSQL("names", "people (email, name)", 2, n, fillNamesConflict)
}

// fillNamesConflict keeps the name a correspondent has: anyone can write any name beside
// anyone's address (rememberNames).
const fillNamesConflict = ` ON CONFLICT (email) DO UPDATE SET name = excluded.name WHERE people.name = ''`

// groupPeople puts a batch's correspondents' rows (rememberPerson's, three values) before the
// mails' names (rememberNames', two), each kind in its order, so that each kind is written in
// multi-row statements: in a mail's order, the two kinds alternate, a statement a row (two a mail
// on the bench's mail). The table ends the same: a correspondent's row sets the name when it gives
// one, and the language when it gives one; a mail's name fills only an empty name and no language.
// So the last correspondent's row that gives a name decides it whatever the mails' names around
// it, and when none gives one, the first mail's name that meets an empty one, whatever the
// correspondents' rows around it (TestPeopleGroupedAsInOrder).
func groupPeople(rows [][]any) {
	slices.SortStableFunc(rows, func(a, b []any) int { return len(b) - len(a) })
}

// sameWidth is how many rows lead rows with as many values as the first.
func sameWidth(rows [][]any) int {
	n := 1
	for n < len(rows) && len(rows[n]) == len(rows[0]) {
		n++
	}
	return n
}

// upsertPeopleConflict updates a known correspondent only where the row would change: each mail of
// a known requester would otherwise rewrite a page of people, at a random place of a table as
// large as the desk's list of correspondents.
const upsertPeopleConflict = `
		ON CONFLICT (email) DO UPDATE SET name = CASE WHEN excluded.name != '' THEN excluded.name ELSE people.name END,
		language = CASE WHEN excluded.language != '' THEN excluded.language ELSE people.language END
		WHERE (excluded.name != '' AND excluded.name != people.name) OR (excluded.language != '' AND excluded.language != people.language)`

// lookUpBatch finds which of a batch's Message-IDs are recorded already, in one query
// (pendingRows.recorded).
func (t *Tx) lookUpBatch(batch []*Incoming) error {
	ids := make([]string, 0, len(batch))
	recorded := make(map[string]bool, len(batch))
	for _, in := range batch {
		if in.MessageID != "" && !recorded[in.MessageID] {
			ids = append(ids, in.MessageID)
			recorded[in.MessageID] = false
		}
	}
	if len(ids) == 0 {
		return nil
	}
	js, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	// The rows that wait were looked up in memory: the rows this finds are not among them.
	rows, err := t.query(`SELECT message_id FROM messages WHERE message_id IN (SELECT `+
		t.d.Store.dialect.pick(`value FROM json_each(?)`, `value FROM json_array_elements_text(CAST(? AS JSON))`)+`)`, string(js))
	if err != nil {
		return fmt.Errorf("recorded messages: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("recorded messages: %w", err)
		}
		recorded[id] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("recorded messages: %w", err)
	}
	t.pending.recorded = recorded
	return nil
}

var multiRowSQL sync.Map // table/rows → string
