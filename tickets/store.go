package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3" // The SQLite driver.
)

// Store is the desk's database: SQLite in one file (the default) or PostgreSQL (store_pg.go).
// On SQLite, one writer connection takes immediate transactions, and a read-only pool serves
// queries: SQLite allows one writer at a time, and funnelling writes through one connection turns
// "database is locked" into an orderly queue. On PostgreSQL, a write transaction takes a
// transaction-level advisory lock first, which gives the same order across processes and machines.
type Store struct {
	w *sql.DB // Writer: one connection, BEGIN IMMEDIATE (SQLite); a pool (PostgreSQL).
	r *sql.DB // Readers.

	dialect  dialect
	database string          // As OpenStore was given it.
	pg       *pgx.ConnConfig // PostgreSQL: the connection settings, for the connections of roles.
	ns       string          // PostgreSQL: the database and schema, which name the advisory locks.
	lockDir  string          // SQLite: the database's path, beside which role locks are files.

	// Prepared statements of the writer, by query. Preparing needs the writer's one connection,
	// which a transaction holds, so a query seen in a transaction is prepared after it ends and
	// reused from then on (go-sqlite3 otherwise parses every statement at every call).
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool

	ckpt    *checkpointer // SQLite: copies the writer's log into the database file, off the writer.
	journal *sentJournal  // DATABASE-sent: mails accepted by the server, before "sent" commits.
	search  searchDialect // How the full-text index ranks: FTS5 when this build has it, else FTS4; tsvector on PostgreSQL.

	trace func(query string) // Tests: sees every query of the desk's transactions.
}

// SearchDialect names the full-text engine the store ranks with: "fts5" or "fts4" on SQLite,
// "tsvector" on PostgreSQL.
func (s *Store) SearchDialect() string { return string(s.search) }

// migrations are applied in order at start; each is recorded in schema_migrations. Never edit a
// released migration: add a new one. Each is SQLite's DDL, which the store translates for
// PostgreSQL; what has no translation (a trigger, a virtual table, JSON) is written for
// PostgreSQL after a line "-- postgres" (dialect.go). A PostgreSQL desk is born at this
// deskd's schema or later (new, or copied by deskd migrate): the PostgreSQL forms of the
// migrations that moved SQLite desks' data (3, 5) create their tables and move none.
var migrations = []string{
	1: `
CREATE TABLE tickets (
	id INTEGER PRIMARY KEY,
	subject TEXT NOT NULL,
	requester TEXT NOT NULL,
	requester_name TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	priority INTEGER NOT NULL,
	category TEXT NOT NULL DEFAULT '',
	assignee TEXT NOT NULL DEFAULT '',
	tier INTEGER NOT NULL DEFAULT 1,
	language TEXT NOT NULL,
	escalations INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	first_response_at INTEGER,
	first_response_due INTEGER,
	resolve_due INTEGER,
	resolved_at INTEGER,
	closed_at INTEGER,
	pending_since INTEGER,
	paused INTEGER NOT NULL DEFAULT 0,
	origin_message_id TEXT NOT NULL DEFAULT '',
	root_message_id TEXT NOT NULL DEFAULT '',
	linked_ticket INTEGER NOT NULL DEFAULT 0,
	explain TEXT NOT NULL DEFAULT '',
	reminded_due INTEGER,
	breached_due INTEGER
);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_assignee ON tickets (assignee, status);
CREATE INDEX tickets_load ON tickets (status, assignee, priority);
CREATE INDEX tickets_first_response_due ON tickets (first_response_due) WHERE first_response_at IS NULL AND status IN ('new', 'open');
CREATE INDEX tickets_resolve_due ON tickets (resolve_due) WHERE status IN ('new', 'open');
CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE status = 'resolved';

CREATE TABLE watchers (
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	email TEXT NOT NULL,
	PRIMARY KEY (ticket_id, email)
) WITHOUT ROWID;

CREATE TABLE people (
	email TEXT PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	away_until INTEGER,
	bounced_until INTEGER,
	bounce_reason TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	at INTEGER NOT NULL,
	kind TEXT NOT NULL,
	actor TEXT NOT NULL,
	public INTEGER NOT NULL DEFAULT 0,
	text TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_ticket ON events (ticket_id, id);
CREATE INDEX events_kind_at ON events (kind, at);

CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	message_id TEXT NOT NULL UNIQUE,
	ticket_id INTEGER,
	direction TEXT NOT NULL,
	verdict TEXT NOT NULL DEFAULT '',
	sender TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL,
	raw BLOB
);
CREATE INDEX messages_ticket ON messages (ticket_id);

CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	message_id TEXT NOT NULL,
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	omitted INTEGER NOT NULL DEFAULT 0,
	data BLOB
);
CREATE INDEX attachments_ticket ON attachments (ticket_id);

CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	ticket_id INTEGER NOT NULL DEFAULT 0,
	kind TEXT NOT NULL,
	recipients TEXT NOT NULL,
	cc TEXT NOT NULL DEFAULT '[]',
	language TEXT NOT NULL,
	data TEXT NOT NULL,
	message_id TEXT NOT NULL UNIQUE,
	in_reply_to TEXT NOT NULL DEFAULT '',
	refs TEXT NOT NULL DEFAULT '',
	automatic INTEGER NOT NULL DEFAULT 1,
	state TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';

CREATE TABLE sent_log (
	email TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX sent_log_email_at ON sent_log (email, at);

CREATE TABLE mailbox_state (
	mailbox TEXT PRIMARY KEY,
	uidvalidity INTEGER NOT NULL,
	last_uid INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE kv (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
`,
	2: `
CREATE TABLE training (
	ticket_id INTEGER PRIMARY KEY,
	category TEXT NOT NULL,
	text TEXT NOT NULL,
	at INTEGER NOT NULL
);
`,
	// Technicians' open load, kept by triggers so that assignment reads a few rows instead of
	// scanning every open ticket. save() rewrites status, assignee and priority on every update:
	// the old row's count goes down and the new row's goes up, which nets to zero when nothing
	// changed.
	3: `
CREATE TABLE loads (
	assignee TEXT NOT NULL,
	priority INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (assignee, priority)
) WITHOUT ROWID;
INSERT INTO loads (assignee, priority, n)
	SELECT assignee, priority, COUNT(*) FROM tickets
	WHERE status IN ('new', 'open', 'pending') AND assignee != '' GROUP BY assignee, priority;
CREATE TRIGGER loads_insert AFTER INSERT ON tickets
	WHEN NEW.status IN ('new', 'open', 'pending') AND NEW.assignee != ''
BEGIN
	INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
		ON CONFLICT (assignee, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER loads_update_old AFTER UPDATE OF status, assignee, priority ON tickets
	WHEN OLD.status IN ('new', 'open', 'pending') AND OLD.assignee != ''
BEGIN
	UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
END;
CREATE TRIGGER loads_update_new AFTER UPDATE OF status, assignee, priority ON tickets
	WHEN NEW.status IN ('new', 'open', 'pending') AND NEW.assignee != ''
BEGIN
	INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
		ON CONFLICT (assignee, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER loads_delete AFTER DELETE ON tickets
	WHEN OLD.status IN ('new', 'open', 'pending') AND OLD.assignee != ''
BEGIN
	UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
END;
-- postgres
CREATE TABLE loads (
	assignee TEXT COLLATE "C" NOT NULL,
	priority BIGINT NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (assignee, priority)
);
INSERT INTO loads (assignee, priority, n)
	SELECT assignee, priority, COUNT(*) FROM tickets
	WHERE status IN ('new', 'open', 'pending') AND assignee != '' GROUP BY assignee, priority;
CREATE FUNCTION loads_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('new', 'open', 'pending') AND OLD.assignee != '' THEN
		UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('new', 'open', 'pending') AND NEW.assignee != '' THEN
		INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
			ON CONFLICT (assignee, priority) DO UPDATE SET n = loads.n + 1;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER loads_track AFTER INSERT OR DELETE OR UPDATE OF status, assignee, priority ON tickets
	FOR EACH ROW EXECUTE FUNCTION loads_track();
`,
	// Who holds a claim on an outbox row: a drain renews its claim before each send, so a row
	// re-claimed by another process after a lease ran out is not sent twice.
	4: `ALTER TABLE outbox ADD COLUMN claim TEXT NOT NULL DEFAULT '';`,
	// The mail reader's state of each mailbox (its last UID, the group commit in flight, the
	// tries of mails processed alone) moves from mailbox_state and kv to a table of its own, as
	// one JSON document per mailbox that only mailin reads. An attempt counter goes with the
	// mailbox whose group commit holds its mail; others belong to mails already done.
	5: `
CREATE TABLE ingest_state (
	mailbox TEXT PRIMARY KEY,
	state TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO ingest_state (mailbox, state)
	SELECT m.mailbox, json_object(
		'uidvalidity', COALESCE(s.uidvalidity, 0),
		'last_uid', COALESCE(s.last_uid, 0),
		'inflight', json(COALESCE(f.value, '[]')),
		'attempts', json((SELECT json_group_object(j.value, CAST(a.value AS INTEGER))
			FROM json_each(COALESCE(f.value, '[]')) j JOIN kv a ON a.key = 'attempt:' || j.value)))
	FROM (SELECT mailbox FROM mailbox_state
		UNION SELECT substr(key, 10) FROM kv WHERE substr(key, 1, 9) = 'inflight:') m
	LEFT JOIN mailbox_state s ON s.mailbox = m.mailbox
	LEFT JOIN kv f ON f.key = 'inflight:' || m.mailbox;
DROP TABLE mailbox_state;
DELETE FROM kv WHERE substr(key, 1, 9) = 'inflight:' OR substr(key, 1, 8) = 'attempt:';
-- postgres
CREATE TABLE ingest_state (
	mailbox TEXT COLLATE "C" PRIMARY KEY,
	state TEXT COLLATE "C" NOT NULL
);
DROP TABLE mailbox_state;
`,
	// The process holding an outbox row's claim (mailout.Claimant): after a crash, the next
	// sender on the same machine sees it is gone and takes its rows back without waiting out
	// the lease.
	6: `ALTER TABLE outbox ADD COLUMN claimant TEXT NOT NULL DEFAULT '';`,
	// Incidents: a ticket is a request or an incident, and a request may be linked to an
	// incident. A linked ticket is the incident's work, not its own: it leaves the technicians'
	// loads (the triggers of migration 3, rewritten with the incident column; they now fire only
	// when a counted column changed, not on every save).
	7: `
ALTER TABLE tickets ADD COLUMN kind TEXT NOT NULL DEFAULT 'request';
ALTER TABLE tickets ADD COLUMN incident INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_incident ON tickets (incident, status) WHERE incident != 0;
CREATE INDEX tickets_incidents ON tickets (status, category) WHERE kind = 'incident';
CREATE INDEX tickets_recent ON tickets (category, created_at);
DROP TRIGGER loads_insert;
DROP TRIGGER loads_update_old;
DROP TRIGGER loads_update_new;
DROP TRIGGER loads_delete;
CREATE TRIGGER loads_insert AFTER INSERT ON tickets
	WHEN NEW.status IN ('new', 'open', 'pending') AND NEW.assignee != '' AND NEW.incident = 0
BEGIN
	INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
		ON CONFLICT (assignee, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER loads_update_old AFTER UPDATE OF status, assignee, priority, incident ON tickets
	WHEN OLD.status IN ('new', 'open', 'pending') AND OLD.assignee != '' AND OLD.incident = 0
		AND (OLD.status != NEW.status OR OLD.assignee != NEW.assignee OR OLD.priority != NEW.priority OR OLD.incident != NEW.incident)
BEGIN
	UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
END;
CREATE TRIGGER loads_update_new AFTER UPDATE OF status, assignee, priority, incident ON tickets
	WHEN NEW.status IN ('new', 'open', 'pending') AND NEW.assignee != '' AND NEW.incident = 0
		AND (OLD.status != NEW.status OR OLD.assignee != NEW.assignee OR OLD.priority != NEW.priority OR OLD.incident != NEW.incident)
BEGIN
	INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
		ON CONFLICT (assignee, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER loads_delete AFTER DELETE ON tickets
	WHEN OLD.status IN ('new', 'open', 'pending') AND OLD.assignee != '' AND OLD.incident = 0
BEGIN
	UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
END;
-- postgres
ALTER TABLE tickets ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT 'request';
ALTER TABLE tickets ADD COLUMN incident BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tickets_incident ON tickets (incident, status) WHERE incident != 0;
CREATE INDEX tickets_incidents ON tickets (status, category) WHERE kind = 'incident';
CREATE INDEX tickets_recent ON tickets (category, created_at);
CREATE OR REPLACE FUNCTION loads_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.assignee = NEW.assignee
		AND OLD.priority = NEW.priority AND OLD.incident = NEW.incident THEN
		RETURN NULL;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('new', 'open', 'pending') AND OLD.assignee != '' AND OLD.incident = 0 THEN
		UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('new', 'open', 'pending') AND NEW.assignee != '' AND NEW.incident = 0 THEN
		INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
			ON CONFLICT (assignee, priority) DO UPDATE SET n = loads.n + 1;
	END IF;
	RETURN NULL;
END $$;
DROP TRIGGER loads_track ON tickets;
CREATE TRIGGER loads_track AFTER INSERT OR DELETE OR UPDATE OF status, assignee, priority, incident ON tickets
	FOR EACH ROW EXECUTE FUNCTION loads_track();
`,

	// Safe by default. Each recipient gets a copy of its own (per-recipient tokens, a bounce
	// address per copy): delivered lists those whose copy the server took, so that a retry
	// sends only the others. cause is the mailbox of the sender whose mail caused an automatic
	// mail, and sent_log counts by it too: one sender's mails have one hourly budget. bounces
	// keeps the hard bounces of each address, one per mail, for bounce.go's threshold.
	8: `
ALTER TABLE outbox ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN delivered TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sent_log ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE sent_log ADD COLUMN outbox_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sent_log_cause_at ON sent_log (cause, at) WHERE cause != '';
CREATE TABLE bounces (
	email TEXT NOT NULL,
	outbox_id INTEGER NOT NULL,
	at INTEGER NOT NULL,
	PRIMARY KEY (email, outbox_id)
) WITHOUT ROWID;
`,
	// The web desk's access: sign-in links asked for by mail (single use), the requests counted
	// for their limits, staff sessions and per-person API tokens. Secrets are kept as their
	// SHA-256 only (see access.go).
	9: `
CREATE TABLE signins (
	nonce TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	issued_at INTEGER NOT NULL,
	used_at INTEGER
) WITHOUT ROWID;
CREATE TABLE signin_attempts (
	key TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX signin_attempts_key_at ON signin_attempts (key, at);
CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	csrf TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_email ON sessions (email);
CREATE TABLE api_tokens (
	hash TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX api_tokens_email ON api_tokens (email);
`,
	// Requesters' answers to "was your problem solved?": the last answer per ticket, with the
	// technician and category it was about when given.
	10: `
CREATE TABLE ratings (
	ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id),
	solved INTEGER NOT NULL,
	comment TEXT NOT NULL DEFAULT '',
	by TEXT NOT NULL,
	assignee TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL DEFAULT '',
	at INTEGER NOT NULL
);
CREATE INDEX ratings_at ON ratings (at);
`,
	// The queue of the web desk: active tickets in the order of the deadline they work towards
	// (next_due: the first response until it is given, then the resolution; none last), walked
	// by keyset pagination on (next_due, id). Triggers keep next_due, so the code that saves
	// tickets does not know it. Each index holds every column the queue filters on, so a filter
	// reads index entries only and fetches the rows it shows; the counts read them alone.
	11: `
ALTER TABLE tickets ADD COLUMN next_due INTEGER NOT NULL DEFAULT 9223372036854775807;
UPDATE tickets SET next_due = COALESCE(CASE WHEN first_response_at IS NULL THEN first_response_due ELSE resolve_due END, 9223372036854775807);
CREATE TRIGGER tickets_next_due_insert AFTER INSERT ON tickets
BEGIN
	UPDATE tickets SET next_due = COALESCE(CASE WHEN NEW.first_response_at IS NULL THEN NEW.first_response_due ELSE NEW.resolve_due END, 9223372036854775807)
		WHERE id = NEW.id;
END;
CREATE TRIGGER tickets_next_due_update AFTER UPDATE OF first_response_at, first_response_due, resolve_due ON tickets
	WHEN NEW.next_due IS NOT COALESCE(CASE WHEN NEW.first_response_at IS NULL THEN NEW.first_response_due ELSE NEW.resolve_due END, 9223372036854775807)
BEGIN
	UPDATE tickets SET next_due = COALESCE(CASE WHEN NEW.first_response_at IS NULL THEN NEW.first_response_due ELSE NEW.resolve_due END, 9223372036854775807)
		WHERE id = NEW.id;
END;
CREATE INDEX tickets_queue ON tickets (next_due, id, status, priority, category, tier, assignee)
	WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_queue_assignee ON tickets (assignee, next_due, id, status, priority, category, tier)
	WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_queue_status ON tickets (status, next_due, id, priority, category, tier, assignee)
	WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_created ON tickets (created_at);
-- postgres
ALTER TABLE tickets ADD COLUMN next_due BIGINT NOT NULL DEFAULT 9223372036854775807;
UPDATE tickets SET next_due = COALESCE(CASE WHEN first_response_at IS NULL THEN first_response_due ELSE resolve_due END, 9223372036854775807);
CREATE FUNCTION tickets_next_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.next_due := COALESCE(CASE WHEN NEW.first_response_at IS NULL THEN NEW.first_response_due ELSE NEW.resolve_due END, 9223372036854775807);
	RETURN NEW;
END $$;
CREATE TRIGGER tickets_next_due BEFORE INSERT OR UPDATE OF first_response_at, first_response_due, resolve_due ON tickets
	FOR EACH ROW EXECUTE FUNCTION tickets_next_due();
CREATE INDEX tickets_queue ON tickets (next_due, id, status, priority, category, tier, assignee)
	WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_queue_assignee ON tickets (assignee, next_due, id, status, priority, category, tier)
	WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_queue_status ON tickets (status, next_due, id, priority, category, tier, assignee)
	WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_created ON tickets (created_at);
`,
	// Files stored once per ticket: a file sent again (the same logo in each reply, the same
	// document re-attached) gets a row that names it with the mail it came with, and no data of
	// its own; same_as is the row that holds the data. sha256 is hex, "" when not stored.
	12: `
ALTER TABLE attachments ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN same_as INTEGER NOT NULL DEFAULT 0;
CREATE INDEX attachments_ticket_sha256 ON attachments (ticket_id, sha256) WHERE sha256 != '';
`,
	// Message-IDs are kept as received from here on (their local part is case-sensitive); the
	// messages recorded before were folded to lower case. The lookups (sameMessageID) also find
	// those by the lower-case form of an ID.
	// Outlook's conversation of an incoming mail (the 22-byte header of its Thread-Index, base64,
	// and its Thread-Topic): the desk's mails about the ticket it opens carry them.
	13: `
INSERT INTO kv (key, value) SELECT 'message_ids_folded_until', CAST(COALESCE(MAX(id), 0) AS TEXT) FROM messages;
ALTER TABLE messages ADD COLUMN thread_index TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN thread_topic TEXT NOT NULL DEFAULT '';
`,
	// The classifier's counts, kept as learn changes them, so that no process retrains over the
	// whole history at start (tickets/model.go): a feature's count by category, the examples of
	// each category, the category each ticket was learned as. TrainModel fills them once on a
	// desk that had tickets before, and sets kv model_built.
	14: `
CREATE TABLE model_features (
	feature TEXT NOT NULL,
	category TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (feature, category)
) WITHOUT ROWID;
CREATE TABLE model_docs (
	category TEXT PRIMARY KEY,
	n INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE model_learned (
	ticket_id INTEGER PRIMARY KEY,
	category TEXT NOT NULL
);
`,
	// Several processes on one store (roles.go): who holds a role (reading a mailbox), when each
	// scheduled job last ran and where, and the senders' heartbeats, by which a sender on another
	// machine tells a dead claimant of outbox rows from a live one.
	15: `
CREATE TABLE roles (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	since INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE job_runs (
	job TEXT PRIMARY KEY,
	at INTEGER NOT NULL,
	holder TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE heartbeats (
	claimant TEXT PRIMARY KEY,
	at INTEGER NOT NULL
) WITHOUT ROWID;
`,
	// A ticket whose requester is not mailed automatically (quiet.go): a monitoring tool's
	// alert, a mail from an address nobody reads. Only a technician's own reply goes to them.
	16: `
ALTER TABLE tickets ADD COLUMN quiet INTEGER NOT NULL DEFAULT 0;
-- postgres
ALTER TABLE tickets ADD COLUMN quiet BIGINT NOT NULL DEFAULT 0;
`,
	// The code that writes a ticket writes its next_due (ticketNextDue): the insert trigger of
	// the migration that added the column fires only for a row written without it, instead of
	// updating every new row a second time. PostgreSQL's trigger sets the column before the row
	// is written, at no such cost: it stays.
	17: `
DROP TRIGGER tickets_next_due_insert;
CREATE TRIGGER tickets_next_due_insert AFTER INSERT ON tickets
	WHEN NEW.next_due IS NOT COALESCE(CASE WHEN NEW.first_response_at IS NULL THEN NEW.first_response_due ELSE NEW.resolve_due END, 9223372036854775807)
BEGIN
	UPDATE tickets SET next_due = COALESCE(CASE WHEN NEW.first_response_at IS NULL THEN NEW.first_response_due ELSE NEW.resolve_due END, 9223372036854775807)
		WHERE id = NEW.id;
END;
-- postgres
`,
	// A line the desk writes into a ticket's history keeps its phrase (code and arguments, JSON)
	// beside its text: it is worded again in each reader's language (journal.go). '' for a line
	// written by a person, and for the lines written before.
	18: `ALTER TABLE events ADD COLUMN phrase TEXT NOT NULL DEFAULT '';`,
	// An active ticket is spelt with comparisons, not IN (activeStatus): SQLite evaluates an IN of
	// three constants or more by building a temporary b-tree of them, once in each statement that
	// writes a ticket (for each of the queue's three partial indexes) and once in each run of the
	// loads' triggers, four a new ticket; three comparisons build nothing. The queue's indexes are
	// built again with the new condition, which its queries spell the same way (SQLite's planner
	// matches a partial index's condition by its form). PostgreSQL builds nothing for an IN: its
	// indexes, its trigger and its queries stay.
	19: `
DROP INDEX tickets_queue;
DROP INDEX tickets_queue_assignee;
DROP INDEX tickets_queue_status;
CREATE INDEX tickets_queue ON tickets (next_due, id, status, priority, category, tier, assignee)
	WHERE (status = 'new' OR status = 'open' OR status = 'pending');
CREATE INDEX tickets_queue_assignee ON tickets (assignee, next_due, id, status, priority, category, tier)
	WHERE (status = 'new' OR status = 'open' OR status = 'pending');
CREATE INDEX tickets_queue_status ON tickets (status, next_due, id, priority, category, tier, assignee)
	WHERE (status = 'new' OR status = 'open' OR status = 'pending');
DROP TRIGGER loads_insert;
DROP TRIGGER loads_update_old;
DROP TRIGGER loads_update_new;
DROP TRIGGER loads_delete;
CREATE TRIGGER loads_insert AFTER INSERT ON tickets
	WHEN (NEW.status = 'new' OR NEW.status = 'open' OR NEW.status = 'pending') AND NEW.assignee != '' AND NEW.incident = 0
BEGIN
	INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
		ON CONFLICT (assignee, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER loads_update_old AFTER UPDATE OF status, assignee, priority, incident ON tickets
	WHEN (OLD.status = 'new' OR OLD.status = 'open' OR OLD.status = 'pending') AND OLD.assignee != '' AND OLD.incident = 0
		AND (OLD.status != NEW.status OR OLD.assignee != NEW.assignee OR OLD.priority != NEW.priority OR OLD.incident != NEW.incident)
BEGIN
	UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
END;
CREATE TRIGGER loads_update_new AFTER UPDATE OF status, assignee, priority, incident ON tickets
	WHEN (NEW.status = 'new' OR NEW.status = 'open' OR NEW.status = 'pending') AND NEW.assignee != '' AND NEW.incident = 0
		AND (OLD.status != NEW.status OR OLD.assignee != NEW.assignee OR OLD.priority != NEW.priority OR OLD.incident != NEW.incident)
BEGIN
	INSERT INTO loads (assignee, priority, n) VALUES (NEW.assignee, NEW.priority, 1)
		ON CONFLICT (assignee, priority) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER loads_delete AFTER DELETE ON tickets
	WHEN (OLD.status = 'new' OR OLD.status = 'open' OR OLD.status = 'pending') AND OLD.assignee != '' AND OLD.incident = 0
BEGIN
	UPDATE loads SET n = n - 1 WHERE assignee = OLD.assignee AND priority = OLD.priority;
END;
-- postgres
`,
	// A second reply to a closed ticket's mail goes into the request the first one opened
	// (ingest.go, followUpOf): found by the ticket it follows up and its requester.
	20: `CREATE INDEX tickets_linked ON tickets (linked_ticket, requester) WHERE linked_ticket != 0;`,
	// Fewer index entries for each mail the writer records (index_plan_test.go pins the readers'
	// plans). tickets_load (status, assignee, priority) served only the digest, whose counts now
	// read tickets_queue_status and whose unassigned tickets read tickets_assignee; it took an
	// entry for every new ticket and was rewritten by each change of status, assignee or priority.
	// The history is read by kind only by the digest, for its escalations and resolutions:
	// events_kind_at keeps those two kinds only, instead of an entry for each of the four to six
	// events of every mail (message, assignment, notifications, replies…). Its kind column stays:
	// the digest's kind = '…' is an equality on it, which keeps SQLite's planner on it rather than
	// on events_ticket for the digest's GROUP BY ticket_id; and both SQLite and PostgreSQL prove the
	// index's condition from that equality. Every other reader of the history goes by ticket
	// (events_ticket) or by id.
	21: `
DROP INDEX tickets_load;
DROP INDEX events_kind_at;
CREATE INDEX events_kind_at ON events (kind, at) WHERE (kind = 'escalate' OR kind = 'status');
`,
	// A queued mail's notice (the JSON the sender renders) moves out of its outbox row into a
	// row of its own, written once when the mail is queued: the claim, a renewal and "sent"
	// each rewrite the outbox row, and wrote the notice again with it (a kilobyte or more, often
	// a page of its own): BenchmarkNewRequestPages (pages_bench_test.go). The key is the outbox
	// row's id, so that new notices go at the end of their table; a row deleted from the outbox
	// takes its notice with it.
	22: `
CREATE TABLE outbox_data (
	id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
	data TEXT NOT NULL
);
INSERT INTO outbox_data (id, data) SELECT id, data FROM outbox;
ALTER TABLE outbox DROP COLUMN data;
`,
}

// OpenStore opens (creating if needed) the database and applies pending migrations: a
// postgres:// or postgresql:// URL opens PostgreSQL (IsPostgres), anything else is the path of a
// SQLite file. It builds the full-text index when the database has none in the store's dialect
// (search_sql.go, search_pg.go).
func OpenStore(ctx context.Context, path string) (*Store, error) { return openStore(ctx, path, false) }

// openStore is OpenStore; fts4 makes it rank with FTS4 even when FTS5 is there.
func openStore(ctx context.Context, path string, fts4 bool) (*Store, error) {
	if IsPostgres(path) {
		return openPostgres(ctx, path)
	}
	if path == "" || strings.HasPrefix(path, ":memory:") {
		return nil, errors.New("open store: a file path is required (the pool needs a shared database)")
	}
	if err := privateFiles(path); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	q.Set("_cache_size", strconv.Itoa(-writerCacheKiB))
	w, err := sql.Open(deskdDriver(true), "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s := &Store{w: w, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}, lockDir: path, database: path}
	if err := s.migrate(ctx); err != nil {
		s.closeQuietly()
		return nil, err
	}
	s.search = dialectFTS4
	if !fts4 && fts5Available(ctx, w) {
		s.search = dialectFTS5
	}
	if err := s.ensureSearchIndex(ctx); err != nil {
		s.closeQuietly()
		return nil, err
	}
	if err := s.setAutomerge(ctx); err != nil {
		s.closeQuietly()
		return nil, err
	}
	q.Del("_txlock")
	if s.ckpt, err = startCheckpointer(ctx, w, path, q); err != nil {
		s.closeQuietly()
		return nil, err
	}
	q.Set("mode", "ro")
	q.Set("_cache_size", strconv.Itoa(-readerCacheKiB))
	r, err := sql.Open(deskdDriver(false), "file:"+path+"?"+q.Encode())
	if err != nil {
		s.closeQuietly()
		return nil, fmt.Errorf("open store readers: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	s.r = r
	if s.journal, err = openSentJournal(path + "-sent"); err != nil {
		s.closeQuietly()
		return nil, err
	}
	if _, err := s.replaySent(ctx, false); err != nil {
		s.closeQuietly()
		return nil, err
	}
	return s, nil
}

// The SQLite connections and their page caches (PRAGMA cache_size, in KiB). Each connection
// keeps its own cache, so the process holds up to writerCacheKiB + readers × readerCacheKiB of
// pages beside what the operating system caches of the file. The readers are kept open once
// opened (as many idle as open): a connection opened again parses the schema again. Readers'
// caches of 500 KiB instead of 2 MB: BenchmarkQueuePage and BenchmarkSearchPage (web) on 100,000
// tickets measured no slowdown.
const (
	readers        = 4
	writerCacheKiB = 2000 // SQLite's default.
	readerCacheKiB = 500
)

// fts5Automerge is FTS5's 'automerge' for the full-text tables: how many segments of a level
// are merged into one of the next (FTS5's default 4; FTS4 merges 16). Each transaction that adds
// documents writes a segment of its own, and a document's postings are written again once per
// level they climb: log4 of the index with 4, log16 with 16, so that with 4 a new ticket's share
// of the merges grew with the desk. 1,024 transactions of 50 of the seeded desks' documents into
// their own index (sqlite3, user + system CPU, two runs each): 10,000 tickets 0.45 s with 4, 0.43 s
// with 16; 100,000 tickets 0.64 s and 0.48 s: from 10,000 to 100,000 tickets a document costs
// 3.7 µs more with 4, 0.8 µs more with 16. More segments wait to be merged for a search to read:
// BenchmarkSearchAfterIngest 8.4–8.6 ms a search with 4, 8.9–9.6 ms with 16 (load 10 on 2 cores).
//
// A batch of 50 new requests writes a segment of about one 4 kB leaf, and FTS5 spends its
// automerge budget (64 leaves' pages times the levels) once every 64 leaves written: most merges
// are crisismerge's (16, FTS5's default), a whole level merged in the commit that brings it to 16
// segments. 32 for both (20,000 documents of the seeded desks in transactions of 50, callgrind)
// cost 1.9k, 3.8k and 2.1k instructions a document less on desks of 0, 10,000 and 100,000 tickets
// (of 37k–39k), and searches over 31 unmerged segments 1.2 % more: left at 16.
const fts5Automerge = 16

// setAutomerge gives the FTS5 tables fts5Automerge, kept in their _config tables: written only
// when it differs.
func (s *Store) setAutomerge(ctx context.Context) error {
	if s.search != dialectFTS5 {
		return nil
	}
	for _, t := range []string{s.search.table(), s.search.staffTable()} {
		var n int
		if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = ?`, t+"_config").Scan(&n); err != nil {
			return fmt.Errorf("open store: %s automerge: %w", t, err)
		}
		if n == 0 {
			continue
		}
		var v int
		switch err := s.w.QueryRowContext(ctx, `SELECT v FROM `+t+`_config WHERE k = 'automerge'`).Scan(&v); {
		case err == nil && v == fts5Automerge:
			continue
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("open store: %s automerge: %w", t, err)
		}
		if _, err := s.w.ExecContext(ctx, `INSERT INTO `+t+` (`+t+`, rank) VALUES ('automerge', ?)`, fts5Automerge); err != nil {
			return fmt.Errorf("open store: %s automerge: %w", t, err)
		}
	}
	return nil
}

func (s *Store) closeQuietly() { _ = s.Close() }

// privateFiles makes the database the desk's alone, whatever the umask: its directory is
// created 0700 when missing, the database file 0600, and an existing database, WAL or shared
// memory file open to others is narrowed to 0600. SQLite creates the WAL and shared memory
// files with the database file's mode.
func privateFiles(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create database directory: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err := f.Close(); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create database: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	s.mu.Lock()
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.mu.Unlock()
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	// The writer's connection closes last: the last one to close copies the log back and
	// removes it.
	errs = append(errs, s.ckpt.close(), s.w.Close(), s.journal.close())
	return errors.Join(errs...)
}

// Dialect names the store's database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.String() }

// SchemaVersion returns the highest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (s *Store) migrate(ctx context.Context) error {
	if s.dialect == postgres {
		return s.migratePG(ctx)
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for v := 1; v < len(migrations); v++ {
		err := s.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			m, err := migrationFor(migrations[v], sqlite)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(m); err != nil {
				return err
			}
			_, err = tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}

// write runs fn in one immediate transaction on the writer connection: on PostgreSQL, one that
// holds the store's write lock, so that writers take turns as on SQLite.
func (s *Store) write(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.writeTx(ctx, true, fn)
}

// writeRows runs fn in a transaction that, on PostgreSQL, does not take the store's write lock:
// for statements whose effect depends only on the rows they lock themselves (an outbox row's
// claim, its outcome). On SQLite it is write.
func (s *Store) writeRows(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.writeTx(ctx, false, fn)
}

func (s *Store) writeTx(ctx context.Context, locked bool, fn func(*sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if s.dialect == postgres && locked {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, s.key("write")); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("begin: write lock: %w", err)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
		}
		// Only now is the connection free to prepare on.
		s.prepareWanted(ctx)
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.ckpt.kick()
	return nil
}

// checkpointer copies the pages the writer appended to the write-ahead log back into the
// database file (a checkpoint), on a connection and a goroutine of its own: SQLite's automatic
// checkpoint runs in the commit that fills the log past 1,000 pages, on the one writer, which
// waited for it, and a larger desk writes more pages a mail (new rows land at more places of its
// indexes): 20 µs a mail on an empty desk, 50 to 80 at 100,000 tickets (BenchmarkIngestDeskSize).
// A checkpoint PASSIVE neither waits for nor blocks the writer and the readers: it copies what
// no reader still needs, and the writer starts the log over once all of it was copied. A
// checkpoint follows a commit, at most one every checkpointEvery, so that a page the next
// commits write again is copied once.
type checkpointer struct {
	db   *sql.DB
	wake chan struct{} // A commit happened.
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// checkpointEvery is the least time between two checkpoints: at a thousand mails a second, some
// 20 transactions of 50 mails, a few thousand pages of log.
const checkpointEvery = 200 * time.Millisecond

// startCheckpointer opens the checkpoints' connection, with the writer's settings q and a small
// cache (a checkpoint copies pages from the log, not through the cache), and turns off the
// writer's automatic checkpoint. Should the writer's connection be opened again (database/sql
// drops a broken one), the new one checkpoints by itself as before.
func startCheckpointer(ctx context.Context, w *sql.DB, path string, q url.Values) (*checkpointer, error) {
	cq := url.Values{}
	for k, v := range q {
		cq[k] = v
	}
	cq.Set("_cache_size", "-64")
	db, err := sql.Open(deskdDriver(false), "file:"+path+"?"+cq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store checkpoints: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store checkpoints: %w", err)
	}
	if _, err := w.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store checkpoints: %w", err)
	}
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		// A checkpoint that fails (the disk is full) leaves the log to grow; the next one tries
		// again, and the writer's last close checkpoints too.
		_, _ = c.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// kick tells the checkpointer a commit happened (nil on PostgreSQL).
func (c *checkpointer) kick() {
	if c == nil {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// close stops the checkpoints and closes their connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	var err error
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}

// stmt returns the prepared statement of a query, or nil (and notes the query to prepare).
func (s *Store) stmt(q string) *sql.Stmt {
	if s.trace != nil {
		s.trace(q)
	}
	if s.dialect == postgres {
		return nil // pgx prepares and caches every statement on its connection.
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[q]; ok {
		return st
	}
	if len(s.stmts)+len(s.wanted) < maxStmts {
		s.wanted[q] = true
	}
	return nil
}

// maxStmts bounds the cache: only the fixed queries of the domain code go through it.
const maxStmts = 256

func (s *Store) prepareWanted(ctx context.Context) {
	s.mu.Lock()
	var qs []string
	for q := range s.wanted {
		qs = append(qs, q)
	}
	clear(s.wanted)
	s.mu.Unlock()
	for _, q := range qs {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			continue // It runs unprepared.
		}
		s.mu.Lock()
		if _, dup := s.stmts[q]; dup {
			_ = st.Close()
		} else {
			s.stmts[q] = st
		}
		s.mu.Unlock()
	}
}

// txExec runs a statement in a transaction of the writer, prepared once and reused (see stmt).
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if st := s.stmt(q); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txQueryRow runs a one-row query in a transaction of the writer, prepared once and reused.
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if st := s.stmt(q); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// Reader is the read-only pool, for queries that change nothing.
func (s *Store) Reader() *sql.DB { return s.r }

// MailboxState returns what SetMailboxState last recorded for a mailbox, nil for nothing. The
// mail reader (mailin) owns this state: the store keeps it and does not read it.
func (s *Store) MailboxState(ctx context.Context, mailbox string) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT state FROM ingest_state WHERE mailbox = ?`, mailbox).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mailbox state: %w", err)
	}
	return b, nil
}

// SetMailboxState records the mail reader's state of a mailbox.
func (s *Store) SetMailboxState(ctx context.Context, mailbox string, state []byte) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ingest_state (mailbox, state) VALUES (?, ?)
			ON CONFLICT (mailbox) DO UPDATE SET state = excluded.state`, mailbox, string(state))
		if err != nil {
			return fmt.Errorf("set mailbox state: %w", err)
		}
		return nil
	})
}

// KV returns a stored value, "" if unset.
func (s *Store) KV(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM kv WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// HasMessage reports whether a Message-ID was already processed.
func (s *Store) HasMessage(ctx context.Context, messageID string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE `+sameMessageID, messageID, strings.ToLower(messageID)).Scan(&n)
	return n > 0, err
}

// unix converts a time to the stored form: Unix seconds, NULL for the zero time.
func unix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// fromUnix converts a stored time back.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}
