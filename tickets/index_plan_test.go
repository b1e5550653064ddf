package tickets

import (
	"regexp"
	"strings"
	"testing"
)

// TestReadersKeepTheirIndexes pins the plan of each reader of the tickets, their history and the
// outbox to the index it reads (EXPLAIN QUERY PLAN, SQLite without statistics, as a desk runs):
// an index dropped or merged (the migrations of store.go) must not turn one of them into a walk
// over every ticket, event or mail of the desk. The queries come from the code that builds them
// where it is a function or a constant of its own; the others are copied here, named after their
// function, and must be kept in step with it. The queue (Queue, QueueCounts) and the auto-close
// name their indexes (INDEXED BY): they fail if one is gone, which the test runs them for. On
// PostgreSQL, each query must have a plan that reads no table whole (EXPLAIN, sequential scans
// off).
func TestReadersKeepTheirIndexes(t *testing.T) {
	d := newTestDesk(t)
	esc, _ := escalationQuery(d.cfg.Load(), t0)
	list := func(f ListFilter) string { q, _ := listQuery(d.Store.dialect, f); return q }
	by := func(col string) string { return d.Store.dialect.pick(`+`+col, col) }
	for _, c := range []struct{ reader, query, index string }{
		// Digest (digest.go, Tx.Digest and digestIncidents).
		{"digest counts", `SELECT status, priority, COUNT(*) FROM tickets WHERE ` + d.Store.active() + ` GROUP BY status, priority`,
			"COVERING INDEX tickets_queue_status"},
		{"digest unassigned", `SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending') AND assignee = '' AND incident = 0 ORDER BY created_at, id LIMIT 10`,
			"tickets_assignee (assignee=? AND status=?)"},
		{"digest breached", `SELECT id FROM tickets WHERE status IN ('new', 'open') AND incident = 0 AND ((first_response_at IS NULL AND first_response_due <= ?) OR resolve_due <= ?)
			ORDER BY MIN(COALESCE(CASE WHEN first_response_at IS NULL THEN first_response_due END, resolve_due), COALESCE(resolve_due, first_response_due)), id LIMIT 10`,
			"tickets_status (status=?)"},
		{"digest unclassified", `SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending') AND category = '' ORDER BY created_at, id LIMIT 10`,
			"tickets_recent (category=?)"},
		{"digest oldest", `SELECT id FROM tickets WHERE status IN ('new', 'open', 'pending') ORDER BY created_at, id LIMIT 10`,
			"tickets_status (status=?)"},
		{"digest incidents", `SELECT i.id FROM tickets i WHERE i.kind = 'incident' AND i.status IN ('new', 'open', 'pending')
			ORDER BY (SELECT COUNT(*) FROM tickets l WHERE l.incident = i.id AND l.incident != 0) DESC, i.id`,
			"tickets_incidents (status=?)\nCORRELATED SCALAR SUBQUERY 1\nSEARCH l USING COVERING INDEX tickets_incident (incident=?)"},
		{"digest escalations", `SELECT ticket_id FROM events WHERE kind = 'escalate' AND at > ? AND at <= ? GROUP BY ticket_id ORDER BY MAX(at), ticket_id`,
			"events_kind_at (kind=? AND at>? AND at<?)"},
		{"digest resolutions", `SELECT ticket_id FROM events WHERE kind = 'status' AND text LIKE '% → resolved'
			AND EXISTS (SELECT 1 FROM tickets r WHERE r.id = events.ticket_id AND r.status IN ('resolved', 'closed'))
			AND at > ? AND at <= ? GROUP BY ticket_id ORDER BY MAX(at), ticket_id`,
			"events_kind_at (kind=? AND at>? AND at<?)"},
		// The ticket list (list.go) and its filters.
		{"list by status", list(ListFilter{Status: StatusOpen, Limit: 50}), "tickets_status (status=?)"},
		{"list by statuses", list(ListFilter{Statuses: []Status{StatusNew, StatusOpen}}), "tickets_status (status=?)"},
		{"list by assignee", list(ListFilter{Assignee: "alice@corp.example"}), "tickets_assignee (assignee=?)"},
		{"list by assignee and status", list(ListFilter{Assignee: "alice@corp.example", Status: StatusOpen}), "tickets_assignee (assignee=? AND status=?)"},
		{"list by category", list(ListFilter{Category: "hardware"}), "tickets_recent (category=?)"},
		// Statistics (stats.go).
		{"stats opened", `SELECT created_at FROM tickets WHERE created_at >= ?`, "tickets_created (created_at>?)"},
		{"stats by category", `SELECT category, COUNT(*), COUNT(resolved_at) FROM tickets WHERE created_at >= ? GROUP BY ` + by("category"), "tickets_created (created_at>?)"},
		{"stats by technician", `SELECT assignee, COUNT(*), COUNT(resolved_at) FROM tickets WHERE created_at >= ? GROUP BY ` + by("assignee"), "tickets_created (created_at>?)"},
		{"stats backlog", `SELECT CASE WHEN created_at > ? THEN 0 ELSE 1 END AS bucket, COUNT(*) FROM tickets
			WHERE status IN ('new', 'open', 'pending') GROUP BY bucket`, "tickets_status (status=?)"},
		// Incidents (incidents.go, incident_terms.go) and follow-ups (ingest.go).
		{"linked requests", linkedQuery, "tickets_incident (incident=?)"},
		{"active linked requests", linkedActiveQuery, "tickets_incident (incident=?"},
		{"incident size", `SELECT COUNT(*) FROM tickets WHERE incident = ? AND incident != 0`, "tickets_incident (incident=?)"},
		{"follow-up", followUpQuery, "tickets_linked (linked_ticket=? AND requester=?)"},
		{"chase", chaseQuery, "tickets_created (created_at>?)"},
		// Recovery of an alert (recovery.go), retention (retention.go), the classifier (model.go).
		{"recovery", `SELECT id, subject FROM tickets WHERE requester = ? AND quiet != 0
			AND status IN ('new', 'open', 'pending') ORDER BY id DESC LIMIT 50`, "tickets_status (status=?)"},
		{"retention", `SELECT t.id FROM tickets t WHERE t.status = 'closed' AND t.closed_at < ? LIMIT 100`, "tickets_status (status=?)"},
		{"training", `SELECT id, category FROM tickets t WHERE status IN ('resolved', 'closed') AND category != ''`, "tickets_status (status=?)"},
		// Escalation and SLA checks (escalation.go): their INDEXED BY.
		{"escalation", esc, "tickets_resolve_due (resolve_due<?)"},
		{"escalation, first response", esc, "tickets_first_response_due (first_response_due<?)"},
		// A ticket's history (journal.go, ops.go, query.go).
		{"history", `SELECT at, kind, actor, public, text, phrase FROM events WHERE ticket_id = ? ORDER BY id`, "events_ticket (ticket_id=?)"},
		// The known answers' refresh (known_index.go): the events after the last it read.
		{"known answers' refresh", refreshEventsQuery(d.Store.search), "SEARCH events USING INTEGER PRIMARY KEY (rowid>?)"},
		// The outbox (outbox.go, incidents.go): the due mails and a new request's first mails, each
		// with its notice, read by the outbox row's id.
		{"due mail", dueMailQuery, "SEARCH o USING INDEX outbox_due (next_attempt_at<?)\nSEARCH d USING INTEGER PRIMARY KEY (rowid=?)"},
		{"retell", `SELECT o.id, o.kind, o.language, d.data FROM outbox o JOIN outbox_data d ON d.id = o.id
		WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND o.ticket_id = ? AND o.kind IN ('ack', 'assigned') AND o.claim = ''
		AND o.created_at = ?`, "SEARCH o USING INDEX outbox_due (next_attempt_at<?)\nSEARCH d USING INTEGER PRIMARY KEY (rowid=?)"},
	} {
		args := make([]any, strings.Count(c.query, "?"))
		if d.Store.dialect == postgres {
			// PostgreSQL reads a test's few rows whole whatever its indexes: with sequential
			// scans priced out, a plan that still reads a table whole has no index to read.
			if plan := pgPlan(t, d.Store, c.query, args); regexp.MustCompile(`Seq Scan on (tickets|events|outbox|outbox_data)\b`).MatchString(plan) {
				t.Errorf("%s: plan:\n%s", c.reader, plan)
			}
			continue
		}
		plan := queryPlan(t, d.Store.Reader(), c.query, args...)
		if !strings.Contains(plan, c.index) || regexp.MustCompile(`\bSCAN (tickets|events|outbox|outbox_data|t|l|r|i|o|d)\b`).MatchString(plan) {
			t.Errorf("%s: want %s, plan:\n%s", c.reader, c.index, plan)
		}
	}

	// The queue of the web desk, each view and filter, and its counts: they name their indexes.
	for _, q := range []QueueQuery{{}, {View: ViewMine, Me: "alice@corp.example"}, {View: ViewUnassigned}, {View: ViewBreach, Horizon: t0},
		{View: ViewPending}, {Status: "open"}, {Priority: PriorityHigh, Category: "hardware", Tier: 1}, {Assignee: NoAssignee}} {
		if _, err := d.Store.Queue(t.Context(), q); err != nil {
			t.Errorf("queue %+v: %v", q, err)
		}
	}
	if _, err := d.Store.QueueCounts(t.Context(), "alice@corp.example", t0); err != nil {
		t.Error(err)
	}
	if _, err := d.RunAutoClose(t.Context(), t0); err != nil {
		t.Error(err)
	}
	if _, err := d.Store.Stats(t.Context(), StatsQuery{Since: t0.AddDate(0, 0, -30), Now: t0}); err != nil {
		t.Error(err)
	}
}

// pgPlan is PostgreSQL's plan of a query (EXPLAIN), with sequential scans turned off.
func pgPlan(t *testing.T, s *Store, q string, args []any) string {
	t.Helper()
	tx, err := s.Reader().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec(`SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(`EXPLAIN `+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
