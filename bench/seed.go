package bench

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SeedPrefix marks the requesters of seeded tickets.
const SeedPrefix = "s"

// Technician is who seeded tickets are assigned to.
type Technician struct {
	Email  string
	Skills []string
	Tier   int
}

// SeedOptions says what desk to write.
type SeedOptions struct {
	Tickets int64        // Ordinary tickets, most of them closed long ago (see SeedStatus).
	Breach  int64        // More tickets, open, whose first response is overdue at Now.
	Team    []Technician // Assignees, by skill.
	Now     time.Time
	RawFor  float64 // Share of tickets, newest first, that keep their raw mail (keep_raw pruned the rest).
}

// SeedStatus is the status of ordinary seeded ticket id: one in twenty open, one in twenty
// resolved, the rest closed; the open ones are spread over the whole desk.
func SeedStatus(id int64) string {
	switch id % 20 {
	case 7:
		return "open"
	case 13:
		return "resolved"
	}
	return "closed"
}

// Seed writes the desk's tickets into db (a database deskd has created and migrated) in one
// transaction, each with the rows deskd itself writes for a ticket: the incoming mail, its
// history (message, acknowledgement, assignment, notice, answer, resolution, closing), the two
// outbox rows it sent, and the requester. It returns the rows written.
//
// The columns named here are those of migrations 1–4 in tickets/store.go; a later migration that
// adds a NOT NULL column without a default breaks this on purpose, loudly.
func Seed(ctx context.Context, db *sql.DB, o SeedOptions) (rows int64, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("seed: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	var first int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM tickets`).Scan(&first); err != nil {
		return 0, fmt.Errorf("seed: %w", err)
	}
	if first != 1 {
		return 0, fmt.Errorf("seed: the desk already has tickets (next id %d): seed a new database", first)
	}
	insTicket := prep(`INSERT INTO tickets (id, subject, requester, requester_name, status, priority, category,
		assignee, tier, language, escalations, created_at, updated_at, first_response_at, first_response_due,
		resolve_due, resolved_at, closed_at, origin_message_id, root_message_id, explain)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insEvent := prep(`INSERT INTO events (ticket_id, at, kind, actor, public, text, message_id) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	insMsg := prep(`INSERT INTO messages (message_id, ticket_id, direction, verdict, sender, subject, at, raw)
		VALUES (?, ?, 'in', 'person', ?, ?, ?, ?)`)
	insOut := prep(`INSERT INTO outbox (ticket_id, kind, recipients, language, message_id, in_reply_to, refs,
		automatic, state, attempts, next_attempt_at, created_at, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'sent', 1, ?, ?, ?) RETURNING id`)
	insData := prep(`INSERT INTO outbox_data (id, data) VALUES (?, '{}')`)
	insPerson := prep(`INSERT INTO people (email, name, language) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("seed: prepare: %w", err)
	}
	exec := func(s *sql.Stmt, args ...any) {
		if err != nil {
			return
		}
		if _, err = s.ExecContext(ctx, args...); err == nil {
			rows++
		}
	}
	queue := func(args ...any) { // A sent mail: its outbox row, then its notice under the row's id.
		if err != nil {
			return
		}
		var id int64
		if err = insOut.QueryRowContext(ctx, args...).Scan(&id); err == nil {
			rows++
			exec(insData, id)
		}
	}

	total := o.Tickets + o.Breach
	span := 2 * 365 * 24 * time.Hour // The ordinary tickets were opened over the last two years.
	g := &Generator{Desk: "helpdesk@" + Domain, Tag: "HD", Now: o.Now}
	for id := int64(1); id <= total && err == nil; id++ {
		p := Requester(SeedPrefix, id)
		subject, opening, category := Topic(id, p.Language)
		tech := pick(o.Team, category, id)
		status := SeedStatus(id)
		created := o.Now.Add(-span + time.Duration(float64(span)*float64(id)/float64(total+1))).Add(-time.Hour)
		firstDue, resolveDue := created.Add(4*time.Hour), created.Add(24*time.Hour)
		answered := created.Add(40 * time.Minute)
		var firstAt, resolvedAt, closedAt any = answered.Unix(), nil, nil
		if id > o.Tickets { // Overdue: nobody answered, the first response was due an hour ago.
			status, created = "open", o.Now.Add(-5*time.Hour)
			firstDue, resolveDue = o.Now.Add(-time.Hour), o.Now.Add(19*time.Hour)
			firstAt = nil
		}
		switch status {
		case "resolved":
			resolvedAt = created.Add(3 * time.Hour).Unix()
		case "closed":
			resolvedAt, closedAt = created.Add(3*time.Hour).Unix(), created.Add(7*24*time.Hour).Unix()
		}
		msgID := fmt.Sprintf("seed.%d@client.example", id)
		exec(insTicket, id, subject, p.Email, p.Name, status, 1, category, tech.Email, max(tech.Tier, 1), p.Language,
			created.Unix(), created.Add(time.Hour).Unix(), firstAt, firstDue.Unix(), resolveDue.Unix(),
			resolvedAt, closedAt, msgID, msgID, "category by keywords; priority normal; least loaded")
		var raw any
		if float64(id) > float64(total)*(1-o.RawFor) {
			raw = g.body(g.header(p, subject, msgID, "", 0), "Bonjour,\n\n"+opening+"\n\nMerci,\n"+p.Name+"\n", g.randFor(id))
		}
		exec(insMsg, msgID, id, p.Email, subject, created.Unix(), raw)
		exec(insPerson, p.Email, p.Name, p.Language)
		at := created.Unix()
		exec(insEvent, id, at, "message", p.Email, 1, opening, msgID)
		exec(insEvent, id, at, "assign", "deskd", 0, "assigned to "+tech.Email, "")
		ack, notice := fmt.Sprintf("ack.%d@%s", id, Domain), fmt.Sprintf("asg.%d@%s", id, Domain)
		exec(insEvent, id, at, "notify", "deskd", 0, "ack to "+p.Email, ack)
		exec(insEvent, id, at, "notify", "deskd", 0, "assigned to "+tech.Email, notice)
		queue(id, "ack", `["`+p.Email+`"]`, p.Language, ack, msgID, msgID, at, at, at)
		queue(id, "assigned", `["`+tech.Email+`"]`, p.Language, notice, msgID, msgID, at, at, at)
		if firstAt != nil {
			exec(insEvent, id, answered.Unix(), "reply", tech.Email, 1, "Bonjour, pouvez-vous redémarrer et réessayer ?", "")
		}
		if resolvedAt != nil {
			exec(insEvent, id, resolvedAt, "status", tech.Email, 0, "open → resolved", "")
		}
		if closedAt != nil {
			exec(insEvent, id, closedAt, "status", "deskd", 0, "resolved → closed", "")
		}
	}
	if err != nil {
		return rows, fmt.Errorf("seed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return rows, fmt.Errorf("seed: commit: %w", err)
	}
	return rows, nil
}

// pick chooses a tier-1 technician with the category's skill, in turn.
func pick(team []Technician, category string, id int64) Technician {
	var fit []Technician
	for _, t := range team {
		if t.Tier > 1 {
			continue
		}
		for _, s := range t.Skills {
			if s == category {
				fit = append(fit, t)
			}
		}
	}
	if len(fit) == 0 {
		fit = team
	}
	if len(fit) == 0 {
		return Technician{}
	}
	return fit[int(id)%len(fit)]
}
