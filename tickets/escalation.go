package tickets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// EscalationReport says what one run of the escalation job did.
type EscalationReport struct {
	Reminded  []int64 // Tickets whose assignee was reminded of a coming deadline.
	Escalated []int64 // Tickets escalated for a missed deadline.
	Stayed    []int64 // Of those, the ones nobody of a higher tier was available to take: they stay with their holder.
}

// Deadline names, as in reminders' Notice.Event.
const (
	DeadlineFirstResponse = "first_response"
	DeadlineResolve       = "resolve"
)

// slaAction is what the escalation job owes a ticket at one instant.
type slaAction struct {
	Escalate  string    // The breached deadline to escalate for ("" for none): DeadlineFirstResponse or DeadlineResolve.
	Due       time.Time // That deadline.
	Settle    time.Time // A breached deadline that does not escalate, to record as dealt with (zero for none).
	Remind    string    // The coming deadline to remind the assignee of ("" for none).
	RemindDue time.Time // That deadline.
	Stayed    bool      // Set once done: nobody of a higher tier was available; the ticket stayed with its holder.
}

// checkSLA decides what the escalation job does with a ticket at now. It is the whole policy, a
// pure function of its arguments:
//
//   - Only tickets new or open count; pending, resolved and closed ones are left alone.
//   - The deadlines are the first response (while there is none) and the resolution.
//   - A deadline at or before now is breached. It escalates once: only if it is after
//     tk.BreachedDue, the deadline last escalated for (or settled). The caller records the new
//     one, so however often the job runs, a breach escalates once.
//   - A deadline that was already past when it was set (setAt: the last priority change or return
//     from pending, when deadlines are recomputed) does not escalate but is settled: whoever changed
//     the ticket has it in hand, and an escalation recomputing earlier deadlines does not cascade.
//   - Otherwise, a deadline is reminded of once (if after tk.RemindedDue) when the share reminderAt
//     of its SLA time is used, that is when it is within (1-reminderAt)·SLA of business time.
func checkSLA(tk *Ticket, now, setAt time.Time, sla SLAConfig, reminderAt float64, cal *Calendar) slaAction {
	var a slaAction
	if tk.Status != StatusNew && tk.Status != StatusOpen {
		return a
	}
	type deadline struct {
		name string
		due  time.Time
		sla  time.Duration
	}
	var dls []deadline
	if tk.FirstResponseAt.IsZero() && !tk.FirstResponseDue.IsZero() {
		dls = append(dls, deadline{DeadlineFirstResponse, tk.FirstResponseDue, sla.FirstResponse.On(cal)})
	}
	if !tk.ResolveDue.IsZero() {
		dls = append(dls, deadline{DeadlineResolve, tk.ResolveDue, sla.Resolve.On(cal)})
	}
	for _, dl := range dls {
		switch {
		case !now.Before(dl.due):
			if !dl.due.After(tk.BreachedDue) {
				continue
			}
			if dl.due.After(setAt) {
				if dl.due.After(a.Due) {
					a.Escalate, a.Due = dl.name, dl.due
				}
			} else if dl.due.After(a.Settle) {
				a.Settle = dl.due
			}
		case dl.due.After(tk.RemindedDue) && !dl.due.After(reminderHorizon(cal, now, dl.sla, reminderAt)):
			if dl.due.After(a.RemindDue) {
				a.Remind, a.RemindDue = dl.name, dl.due
			}
		}
	}
	if a.Escalate != "" {
		a.Remind, a.RemindDue = "", time.Time{} // The escalation tells everyone more.
		if a.Settle.After(a.Due) {
			a.Due = a.Settle
		}
		a.Settle = time.Time{}
	}
	return a
}

// reminderHorizon is the latest deadline that is within (1-reminderAt)·sla of business time of now.
func reminderHorizon(cal *Calendar, now time.Time, sla time.Duration, reminderAt float64) time.Time {
	// Rounded to the second: (1-0.8)·4h in floating point falls a hair short of 48m.
	return cal.Add(now, time.Duration((1-reminderAt)*float64(sla)).Round(time.Second))
}

// RunEscalation is the escalation job at time now: it reminds assignees of coming deadlines and
// escalates tickets whose deadline passed (see checkSLA for the policy). Candidates are found with
// indexed queries on the read pool; each is then re-read, decided and changed in its own write
// transaction, so that two overlapping runs cannot both act on one deadline.
//
// Re-escalation: an escalation raises the priority, which recomputes the first-response deadline
// from the ticket's opening with the shorter SLA, and restarts the resolution clock: the new
// priority's resolve SLA from the escalation (restartResolution). Deadlines already past are
// covered by this escalation and never escalate; one still ahead (the new resolution target) is
// a new deadline and escalates once if it is missed in turn. Likewise a deadline that a manual
// priority change or a return from pending sets in the past does not escalate. At the top tier an
// escalation only raises the priority; at the top tier and urgent it changes nothing and tells
// the assignee and the coordinators.
// A ticket that fails is logged and skipped; the errors are returned joined, with the report of
// what was done.
func (d *Desk) RunEscalation(ctx context.Context, now time.Time) (EscalationReport, error) {
	var rep EscalationReport
	now = now.UTC().Truncate(time.Second)
	ids, err := d.escalationCandidates(ctx, d.cfg.Load(), now)
	if err != nil {
		return rep, err
	}
	var errs []error
	for start := 0; start < len(ids); start += escalationBatch {
		if err := ctx.Err(); err != nil {
			return rep, errors.Join(append(errs, err)...)
		}
		batch := ids[start:min(len(ids), start+escalationBatch)]
		acts := make([]slaAction, len(batch))
		fails := make([]error, len(batch))
		err := d.Update(ctx, now, func(tx *Tx) error {
			tx.runSummary = true
			for i, id := range batch {
				acts[i], fails[i] = slaAction{}, nil
				rollback, err := tx.savepoint("sla")
				if err != nil {
					return err
				}
				if acts[i], fails[i] = tx.checkEscalation(id); fails[i] != nil {
					acts[i] = slaAction{}
					if err := rollback(); err != nil {
						return err
					}
				}
				if _, err := tx.exec(`RELEASE sla`); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			d.Log.Error("escalation check", "tickets", len(batch), "err", err)
			errs = append(errs, err)
			continue
		}
		for i, id := range batch {
			a := acts[i]
			switch {
			case fails[i] != nil:
				d.Log.Error("escalation check", "ticket_id", id, "err", fails[i])
				errs = append(errs, fmt.Errorf("ticket %d: %w", id, fails[i]))
			case a.Escalate != "":
				d.counters.Breaches.Add(1)
				d.Log.Info("sla breach escalated", "ticket_id", id, "deadline", a.Escalate, "due", a.Due)
				rep.Escalated = append(rep.Escalated, id)
				if a.Stayed {
					rep.Stayed = append(rep.Stayed, id)
				}
			case a.Remind != "":
				d.Log.Info("sla reminder", "ticket_id", id, "deadline", a.Remind, "due", a.RemindDue)
				rep.Reminded = append(rep.Reminded, id)
			}
		}
	}
	if len(rep.Escalated) > 0 {
		if err := d.Update(ctx, now, func(tx *Tx) error { return tx.escalationSummary(rep.Escalated, rep.Stayed) }); err != nil {
			errs = append(errs, fmt.Errorf("escalation summary: %w", err))
		}
	}
	return rep, errors.Join(errs...)
}

// escalationBatch is how many tickets one transaction of the escalation job checks: each under
// a savepoint, so that one that fails is rolled back alone.
const escalationBatch = 200

// EscalationListMax bounds the tickets a coordinator's escalation summary lists.
const EscalationListMax = 100

// escalationSummary tells every coordinator, in one mail, what one run of the job escalated,
// marking the tickets nobody of a higher tier was available to take (stayed).
func (t *Tx) escalationSummary(ids, stayed []int64) error {
	for _, co := range t.cfg.Coordinator {
		var list []TicketInfo
		for _, id := range ids[:min(len(ids), EscalationListMax)] {
			tk, err := t.Ticket(id)
			if err != nil {
				return err
			}
			info := t.info(tk, co.Language)
			info.NoSpecialist = slices.Contains(stayed, id)
			list = append(list, info)
		}
		if err := t.queue(nil, Mail{Kind: KindEscalated, To: []string{co.Email}, Language: co.Language,
			Notice: Notice{Audience: "staff", Escalations: list, EscalationsTotal: len(ids)}}); err != nil {
			return err
		}
	}
	return nil
}

// escalationCandidates lists the tickets that may need a reminder or an escalation at now: the
// new and open ones whose first-response or resolve deadline is breached and not yet escalated
// for, or close enough for a reminder not yet sent. It reads only the partial indexes
// tickets_resolve_due and tickets_first_response_due over the due ranges; checkSLA decides.
func (d *Desk) escalationCandidates(ctx context.Context, cfg *deskConfig, now time.Time) ([]int64, error) {
	q, args := escalationQuery(cfg, now)
	rows, err := d.Store.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("escalation candidates: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("escalation candidates: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("escalation candidates: %w", err)
	}
	return ids, nil
}

// escalationQuery builds the candidates query and its arguments.
func escalationQuery(cfg *deskConfig, now time.Time) (string, []any) {
	frH, resH := make([]any, 4), make([]any, 4)
	frMax, resMax := now, now
	for p := PriorityLow; p <= PriorityUrgent; p++ {
		sla := cfg.SLA[p.String()]
		fr := reminderHorizon(cfg.cal, now, sla.FirstResponse.On(cfg.cal), cfg.Escalation.ReminderAt)
		res := reminderHorizon(cfg.cal, now, sla.Resolve.On(cfg.cal), cfg.Escalation.ReminderAt)
		frH[p], resH[p] = fr.Unix(), res.Unix()
		frMax, resMax = maxTime(frMax, fr), maxTime(resMax, res)
	}
	// The same condition for both deadlines: breached and not escalated for, or within the
	// reminder horizon of the ticket's priority and not reminded of. The status and
	// first_response_at terms are those of the partial indexes; INDEXED BY makes SQLite use them
	// (without statistics it prefers tickets_status, a walk over every open ticket).
	cond := func(col string) string {
		return `(` + col + ` <= ? AND ` + col + ` > COALESCE(breached_due, 0)) OR (` + col + ` > ? AND ` + col +
			` > COALESCE(reminded_due, 0) AND ` + col + ` <= CASE priority WHEN 0 THEN CAST(? AS BIGINT) WHEN 1 THEN CAST(? AS BIGINT) WHEN 2 THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END)`
	}
	// A request linked to an incident never escalates on its own: the incident does.
	q := `SELECT id FROM tickets INDEXED BY tickets_resolve_due WHERE status IN ('new', 'open') AND resolve_due <= ? AND incident = 0 AND (` + cond("resolve_due") + `)
		UNION
		SELECT id FROM tickets INDEXED BY tickets_first_response_due WHERE first_response_at IS NULL AND status IN ('new', 'open') AND first_response_due <= ? AND incident = 0 AND (` + cond("first_response_due") + `)
		ORDER BY id`
	args := append([]any{resMax.Unix(), now.Unix(), now.Unix()}, resH...)
	args = append(args, frMax.Unix(), now.Unix(), now.Unix())
	args = append(args, frH...)
	return q, args
}

// checkEscalation re-reads a ticket, decides what it needs at t.Now and does it: an escalation
// (recording the deadline escalated for), a reminder to the assignee (recording the deadline
// reminded of), or recording a breach that does not escalate.
func (t *Tx) checkEscalation(id int64) (slaAction, error) {
	tk, err := t.Ticket(id)
	if err != nil {
		return slaAction{}, err
	}
	if tk.Incident != 0 {
		return slaAction{}, nil // The incident escalates for it.
	}
	setAt, err := t.deadlinesSetAt(tk)
	if err != nil {
		return slaAction{}, err
	}
	a := checkSLA(tk, t.Now, setAt, t.cfg.SLA[tk.Priority.String()], t.cfg.Escalation.ReminderAt, t.cfg.cal)
	switch {
	case a.Escalate != "":
		reason := t.slaReason(t.cfg.Desk.Language, a.Escalate, a.Due, true)
		stayed, err := t.escalate(tk, reason, ActorDesk, a.Escalate, a.Due)
		if err != nil {
			return a, err
		}
		a.Stayed = stayed
		// Escalate recomputed the deadlines for the new priority (and cleared BreachedDue). Those
		// already past are covered by this escalation: record the latest as dealt with. At the top
		// tier and urgent nothing was recomputed: the missed deadline is recorded the same way.
		breached := a.Due
		if tk.FirstResponseAt.IsZero() && !tk.FirstResponseDue.After(t.Now) {
			breached = maxTime(breached, tk.FirstResponseDue)
		}
		if !tk.ResolveDue.IsZero() && !tk.ResolveDue.After(t.Now) {
			breached = maxTime(breached, tk.ResolveDue)
		}
		tk.BreachedDue = breached
		return a, t.save(tk)
	case a.Remind != "":
		if tk.Assignee == "" {
			return slaAction{}, nil // Nobody to remind; the digest lists unassigned tickets.
		}
		// Read by people (ticket show, the web desk), in the desk's zone and the reader's words.
		if err := t.said(tk, EventRemind, ActorDesk, false, t.slaPhrase(a.Remind, a.RemindDue, false), ""); err != nil {
			return a, err
		}
		tk.RemindedDue = a.RemindDue
		if err := t.save(tk); err != nil {
			return a, err
		}
		lang := t.staffLanguage(tk.Assignee)
		return a, t.queue(tk, Mail{Kind: KindReminder, To: []string{tk.Assignee}, Language: lang,
			Notice: Notice{Audience: "staff", Event: a.Remind, Deadline: a.Remind, Due: a.RemindDue,
				Reason: t.slaReason(lang, a.Remind, a.RemindDue, false)}})
	case !a.Settle.IsZero():
		tk.BreachedDue = a.Settle
		return a, t.save(tk)
	}
	return a, nil
}

// deadlinesSetAt returns when the ticket's deadlines were last recomputed after its opening: its
// last priority change or return from pending (zero if none). setStatus writes "pending → …".
func (t *Tx) deadlinesSetAt(tk *Ticket) (time.Time, error) {
	var at int64
	if err := t.flushPending(); err != nil {
		return time.Time{}, err
	}
	err := t.tx.QueryRow(`SELECT COALESCE(MAX(at), 0) FROM events WHERE ticket_id = ?
		AND (kind = ? OR (kind = ? AND text LIKE 'pending → %'))`, tk.ID, EventPriority, EventStatus).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("deadlines set at: %w", err)
	}
	if at == 0 {
		return tk.CreatedAt, nil
	}
	return time.Unix(at, 0).UTC(), nil
}

// restartResolution gives the specialist an escalation hands a ticket to a resolution target of
// their own: the new priority's resolve SLA counted from now, in business time. The deadline it
// replaces, computed from the opening, is often past already (an escalation for a missed
// resolution always), and the requester's notice states this target.
func (t *Tx) restartResolution(tk *Ticket) {
	if sla, ok := t.cfg.SLA[tk.Priority.String()]; ok {
		tk.ResolveDue = t.cfg.cal.Add(t.Now, sla.Resolve.On(t.cfg.cal))
	}
}

// slaReason is the one-line reason of an escalation for a missed deadline (breach) or of a
// reminder, in lang.
func (t *Tx) slaReason(lang, deadline string, due time.Time, breach bool) string {
	return t.say(lang, t.slaPhrase(deadline, due, breach))
}

// slaPhrase is slaReason as a phrase.
func (t *Tx) slaPhrase(deadline string, due time.Time, breach bool) Phrase {
	code := PhraseResolveDue
	switch first := deadline == DeadlineFirstResponse; {
	case breach && first:
		code = PhraseFirstResponseLate
	case breach:
		code = PhraseResolveLate
	case first:
		code = PhraseFirstResponseDue
	}
	return say(code, "due", t.stamp(due))
}
