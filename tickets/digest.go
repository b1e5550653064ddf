package tickets

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Digest is what a coordinator's digest mail reports: the state of the desk at Now and what
// happened since the previous digest. The templates render it (Notice.Digest); its JSON field
// names are stable. Every list is non-nil (JSON []), holds at most DigestListMax tickets, and its
// full length is in Totals.
type Digest struct {
	Since        time.Time      `json:"since"`          // Start of the period: the previous digest, or 24 hours before Now for the first one.
	Now          time.Time      `json:"now"`            // When the digest was made (UTC).
	Timezone     string         `json:"timezone"`       // The desk's time zone, to show times in.
	Quiet        bool           `json:"quiet"`          // Nothing to report: no ticket open, none escalated or resolved in the period. The mail says so in one line.
	Open         int            `json:"open"`           // Tickets new, open or pending.
	ByPriority   map[string]int `json:"by_priority"`    // Open tickets by priority; all four keys (low, normal, high, urgent), zeros included.
	ByStatus     map[string]int `json:"by_status"`      // Open tickets by status; all three keys (new, open, pending), zeros included.
	Unassigned   []TicketInfo   `json:"unassigned"`     // Open tickets nobody holds, oldest first.
	Breached     []TicketInfo   `json:"breached"`       // New or open tickets past a deadline (first response not given in time, or resolution), most overdue first.
	DueSoon      []TicketInfo   `json:"due_soon"`       // New or open tickets not breached with a deadline in the next four hours, soonest first.
	Escalated    []TicketInfo   `json:"escalated"`      // Tickets escalated in the period (by anyone), as they are now, in order of their last escalation.
	Resolved     []TicketInfo   `json:"resolved"`       // Tickets resolved in the period and still resolved or closed (one reopened since is left out: it is open), in order of resolution.
	Load         []Load         `json:"load"`           // Every technician's open work, by tier then name.
	Oldest       []TicketInfo   `json:"oldest"`         // The five oldest open tickets, oldest first.
	Unclassified []TicketInfo   `json:"unclassified"`   // Open tickets without a category, oldest first.
	Incidents    []TicketInfo   `json:"incidents"`      // Active incidents, largest first; Size is how many requests are linked to each.
	Totals       DigestTotals   `json:"totals"`         // Full lengths of the capped lists.
	DueSoonHours int            `json:"due_soon_hours"` // The DueSoon window, in hours (4).
	Satisfaction Satisfaction   `json:"satisfaction"`   // Answers to "was your problem solved?" in the period.
}

// DigestTotals are the full lengths of a digest's lists, which show at most DigestListMax tickets.
type DigestTotals struct {
	Unassigned   int `json:"unassigned"`
	Breached     int `json:"breached"`
	DueSoon      int `json:"due_soon"`
	Escalated    int `json:"escalated"`
	Resolved     int `json:"resolved"`
	Unclassified int `json:"unclassified"`
	Incidents    int `json:"incidents"`
}

// Load is one technician's open work.
type Load struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Tier   int    `json:"tier"`
	Open   int    `json:"open"`   // Tickets new, open or pending assigned to them.
	Weight int    `json:"weight"` // Open tickets weighted by priority.
	Away   bool   `json:"away"`   // Marked away at the time of the digest.

	lastAssigned int64 // Assignment sequence number of their last ticket, for round-robin.
}

// Digest tuning.
const (
	DigestListMax   = 25            // Tickets shown per list.
	digestDueSoon   = 4 * time.Hour // The "due soon" window.
	digestOldest    = 5             // Oldest open tickets shown.
	kvLastDigest    = "last_digest" // kv key: the time of the last digest, RFC 3339.
	digestFirstSpan = 24 * time.Hour
)

// RunDigest is the digest job at time now: one mail (KindDigest) to every coordinator, in their
// language, reporting the desk since the previous digest; it records now as the time of the last
// digest, in the same transaction. With nothing to report the digest still goes out, Quiet. It
// returns the number of mails queued.
func (d *Desk) RunDigest(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := d.Update(ctx, now, func(tx *Tx) error {
		n = 0
		since, err := tx.lastDigest()
		if err != nil {
			return err
		}
		dg, err := tx.Digest(since)
		if err != nil {
			return err
		}
		for _, co := range tx.cfg.Coordinator {
			if err := tx.queue(nil, Mail{Kind: KindDigest, To: []string{co.Email}, Language: co.Language,
				Notice: Notice{Audience: "staff", Digest: &dg}}); err != nil {
				return err
			}
			n++
		}
		return tx.SetKV(kvLastDigest, tx.Now.Format(time.RFC3339))
	})
	if err != nil {
		return 0, fmt.Errorf("digest: %w", err)
	}
	return n, nil
}

// lastDigest returns the time of the previous digest, or a day before t.Now if there was none.
func (t *Tx) lastDigest() (time.Time, error) {
	v, err := t.KV(kvLastDigest)
	if err != nil {
		return time.Time{}, fmt.Errorf("last digest: %w", err)
	}
	if v == "" {
		return t.Now.Add(-digestFirstSpan), nil
	}
	since, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("last digest %q: %w", v, err)
	}
	return since.UTC(), nil
}

// Digest reports the desk at t.Now and what happened after since.
func (t *Tx) Digest(since time.Time) (Digest, error) {
	now := t.Now.Unix()
	dg := Digest{
		Since: since.UTC(), Now: t.Now, Timezone: t.cfg.Desk.Timezone, DueSoonHours: int(digestDueSoon / time.Hour),
		ByPriority: map[string]int{}, ByStatus: map[string]int{},
		Load: []Load{},
	}
	for _, p := range priorityNames {
		dg.ByPriority[p] = 0
	}
	for _, s := range []Status{StatusNew, StatusOpen, StatusPending} {
		dg.ByStatus[string(s)] = 0
	}
	// Spelt as the queue's indexes are (activeStatus): SQLite reads the counts from the entries
	// of tickets_queue_status alone.
	rows, err := t.tx.Query(`SELECT status, priority, COUNT(*) FROM tickets
		WHERE ` + t.d.Store.active() + ` GROUP BY status, priority`)
	if err != nil {
		return dg, fmt.Errorf("digest counts: %w", err)
	}
	for rows.Next() {
		var s string
		var p Priority
		var n int
		if err := rows.Scan(&s, &p, &n); err != nil {
			rows.Close()
			return dg, fmt.Errorf("digest counts: %w", err)
		}
		dg.Open += n
		dg.ByStatus[s] += n
		dg.ByPriority[p.String()] += n
	}
	if err := rows.Close(); err != nil {
		return dg, err
	}
	if err := rows.Err(); err != nil {
		return dg, err
	}

	const active = `status IN ('new', 'open', 'pending')`
	// A request linked to an incident is the incident's work: the incident stands for it.
	const working = `status IN ('new', 'open') AND incident = 0`
	// next is a ticket's next deadline: the first response while there is none, else the resolution.
	const next = `MIN(COALESCE(CASE WHEN first_response_at IS NULL THEN first_response_due END, resolve_due), COALESCE(resolve_due, first_response_due))`
	lists := []struct {
		list  *[]TicketInfo
		total *int
		where string
		order string
		args  []any
	}{
		{&dg.Unassigned, &dg.Totals.Unassigned, active + ` AND assignee = '' AND incident = 0`, `created_at, id`, nil},
		{&dg.Breached, &dg.Totals.Breached, working + ` AND ((first_response_at IS NULL AND first_response_due <= ?) OR resolve_due <= ?)`,
			next + `, id`, []any{now, now}},
		{&dg.DueSoon, &dg.Totals.DueSoon, working + ` AND NOT ((first_response_at IS NULL AND first_response_due <= ?) OR resolve_due <= ?)
			AND ((first_response_at IS NULL AND first_response_due <= ?) OR resolve_due <= ?)`,
			next + `, id`, []any{now, now, now + int64(digestDueSoon/time.Second), now + int64(digestDueSoon/time.Second)}},
		{&dg.Unclassified, &dg.Totals.Unclassified, active + ` AND category = ''`, `created_at, id`, nil},
	}
	for _, l := range lists {
		if *l.list, *l.total, err = t.digestList(`WHERE `+l.where+` ORDER BY `+l.order, DigestListMax, l.args...); err != nil {
			return dg, err
		}
	}
	if err := t.digestIncidents(&dg); err != nil {
		return dg, err
	}
	if dg.Oldest, _, err = t.digestList(`WHERE `+active+` ORDER BY created_at, id`, digestOldest); err != nil {
		return dg, err
	}

	// The period's escalations and resolutions, from the events (index events_kind_at, of these
	// two kinds only). A resolution's ticket is looked up by its id, not in a list of every
	// resolved ticket's id (IN (SELECT …)), which read as many tickets as the desk ever resolved.
	period := []struct {
		list  *[]TicketInfo
		total *int
		where string
	}{
		{&dg.Escalated, &dg.Totals.Escalated, `kind = 'escalate'`},
		// Resolved and still so: a ticket reopened since is open work, not a resolution to report.
		{&dg.Resolved, &dg.Totals.Resolved, `kind = 'status' AND text LIKE '% → resolved'
			AND EXISTS (SELECT 1 FROM tickets r WHERE r.id = events.ticket_id AND r.status IN ('resolved', 'closed'))`},
	}
	for _, p := range period {
		ids, err := t.ticketIDs(`SELECT ticket_id FROM events WHERE `+p.where+` AND at > ? AND at <= ?
			GROUP BY ticket_id ORDER BY MAX(at), ticket_id`, since.Unix(), now)
		if err != nil {
			return dg, err
		}
		*p.total = len(ids)
		if *p.list, err = t.infos(ids[:min(len(ids), DigestListMax)]); err != nil {
			return dg, err
		}
	}

	loads, err := t.Loads()
	if err != nil {
		return dg, err
	}
	for _, l := range loads {
		dg.Load = append(dg.Load, l)
	}
	sort.Slice(dg.Load, func(i, j int) bool {
		a, b := dg.Load[i], dg.Load[j]
		if a.Tier != b.Tier {
			return a.Tier < b.Tier
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Email < b.Email
	})
	if dg.Satisfaction, err = t.satisfactionSince(since.Unix()); err != nil {
		return dg, err
	}
	dg.Quiet = dg.Open == 0 && len(dg.Escalated) == 0 && len(dg.Resolved) == 0
	return dg, nil
}

// digestIncidents lists the active incidents, largest first, with their sizes. Each incident's
// requests are counted through tickets_incident, whose condition (incident != 0) the count says:
// without it SQLite read every ticket of the desk once for each active incident.
func (t *Tx) digestIncidents(dg *Digest) error {
	ids, err := t.ticketIDs(`SELECT i.id FROM tickets i WHERE i.kind = 'incident' AND i.status IN ('new', 'open', 'pending')
		ORDER BY (SELECT COUNT(*) FROM tickets l WHERE l.incident = i.id AND l.incident != 0) DESC, i.id`)
	if err != nil {
		return err
	}
	dg.Totals.Incidents = len(ids)
	dg.Incidents = []TicketInfo{}
	for _, id := range ids[:min(len(ids), DigestListMax)] {
		tk, err := t.Ticket(id)
		if err != nil {
			return err
		}
		info := t.info(tk, t.cfg.Desk.Language)
		if info.Size, err = t.incidentSize(id); err != nil {
			return err
		}
		dg.Incidents = append(dg.Incidents, info)
	}
	return nil
}

// digestList returns up to max tickets matching the query's tail (WHERE … ORDER BY …) and how
// many match in all.
func (t *Tx) digestList(tail string, max int, args ...any) ([]TicketInfo, int, error) {
	where, _, _ := strings.Cut(tail, " ORDER BY ")
	var total int
	if err := t.tx.QueryRow(`SELECT COUNT(*) FROM tickets `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("digest count: %w", err)
	}
	ids, err := t.ticketIDs(`SELECT id FROM tickets `+tail+fmt.Sprintf(` LIMIT %d`, max), args...)
	if err != nil {
		return nil, 0, err
	}
	infos, err := t.infos(ids)
	return infos, total, err
}

// ticketIDs runs a query that returns ticket IDs.
func (t *Tx) ticketIDs(q string, args ...any) ([]int64, error) {
	if err := t.flushPending(); err != nil {
		return nil, err
	}
	rows, err := t.tx.Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("digest query: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("digest query: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// infos loads tickets as mail snapshots, in the order given; never nil.
func (t *Tx) infos(ids []int64) ([]TicketInfo, error) {
	out := []TicketInfo{}
	for _, id := range ids {
		tk, err := t.Ticket(id)
		if err != nil {
			return nil, err
		}
		out = append(out, t.info(tk, t.cfg.Desk.Language))
	}
	return out, nil
}
