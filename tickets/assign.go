package tickets

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Pick is the outcome of choosing a technician.
type Pick struct {
	Email   string   // "" when nobody is available.
	Tier    int      // The chosen technician's tier: the one asked for, unless nobody there was available.
	Matched bool     // The technician has the category's skill (always true for no category).
	Reason  []string // Loads and rules, for `deskd ticket explain`.
}

// weight is how much an open ticket of a priority weighs in a technician's load.
func weight(p Priority) int {
	if p < PriorityLow || p > PriorityUrgent {
		return 1
	}
	return []int{1, 1, 2, 4}[p]
}

// assignState is what assignment reads, as the transaction last read or wrote it: a batch of new
// tickets reads the loads once, and writes the assignment order once (pendingRows.kv).
type assignState struct {
	loads   map[string]Load // nil: read them again.
	seq     int64           // assign_seq, when seqRead.
	seqRead bool
}

// seen forgets the loads when a statement may change them: a ticket updated or deleted (insertRow
// counts the tickets it writes), someone's absence.
func (a *assignState) seen(q string) {
	if a.loads != nil && (strings.HasPrefix(q, "UPDATE tickets") || strings.HasPrefix(q, "DELETE FROM tickets") ||
		strings.Contains(q, "away_until")) {
		a.loads = nil
	}
}

// counted adds a ticket the transaction inserted to the loads it knows, as the loads triggers
// count it in the table.
func (a *assignState) counted(tk *Ticket) {
	if a.loads == nil || !tk.Status.Active() || tk.Assignee == "" || tk.Incident != 0 {
		return
	}
	if l, ok := a.loads[tk.Assignee]; ok {
		l.Open++
		l.Weight += weight(tk.Priority)
		a.loads[tk.Assignee] = l
	} else {
		a.loads = nil // Not on the team: read again.
	}
}

// Loads returns each technician's open weighted load.
func (t *Tx) Loads() (map[string]Load, error) {
	if t.assigning.loads != nil {
		return maps.Clone(t.assigning.loads), nil
	}
	loads, err := t.readLoads()
	if err == nil {
		t.assigning.loads = maps.Clone(loads)
	}
	return loads, err
}

// readLoads reads each technician's open weighted load.
func (t *Tx) readLoads() (map[string]Load, error) {
	// A fixed number of queries whatever the size of the team: loads, absences, assignment order.
	loads := map[string]Load{}
	for _, te := range t.cfg.Technicians {
		loads[te.Email] = Load{Email: te.Email, Name: te.Name, Tier: te.Tier}
	}
	// Looked up by address: people holds every requester ever seen, the team is a few rows.
	team, err := json.Marshal(slices.Collect(maps.Keys(loads)))
	if err != nil {
		return nil, fmt.Errorf("loads: %w", err)
	}
	// The rows that wait never set away_until, and one they add is not away (no value): they
	// are not written first (lookupRows).
	away, err := t.lookupRows(`SELECT email FROM people WHERE email IN (SELECT value FROM `+
		t.d.Store.dialect.pick(`json_each(?)`, `json_array_elements_text(CAST(? AS JSON))`)+`) AND away_until > ?`,
		string(team), t.Now.Unix())
	if err != nil {
		return nil, fmt.Errorf("loads: %w", err)
	}
	for away.Next() {
		var who string
		if err := away.Scan(&who); err != nil {
			away.Close()
			return nil, fmt.Errorf("loads: %w", err)
		}
		if l, ok := loads[who]; ok {
			l.Away = true
			loads[who] = l
		}
	}
	if err := away.Close(); err != nil {
		return nil, err
	}
	order, err := t.query(`SELECT key, value FROM kv WHERE key >= 'last_assigned:' AND key < 'last_assigned;'`)
	if err != nil {
		return nil, fmt.Errorf("loads: %w", err)
	}
	for order.Next() {
		var key, value string
		if err := order.Scan(&key, &value); err != nil {
			order.Close()
			return nil, fmt.Errorf("loads: %w", err)
		}
		if l, ok := loads[strings.TrimPrefix(key, "last_assigned:")]; ok {
			l.lastAssigned, _ = strconv.ParseInt(value, 10, 64)
			loads[l.Email] = l
		}
	}
	if err := order.Close(); err != nil {
		return nil, err
	}
	rows, err := t.query(`SELECT assignee, priority, n FROM loads WHERE n > 0`)
	if err != nil {
		return nil, fmt.Errorf("loads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var who string
		var p Priority
		var n int
		if err := rows.Scan(&who, &p, &n); err != nil {
			return nil, fmt.Errorf("loads: %w", err)
		}
		if l, ok := loads[who]; ok {
			l.Open += n
			l.Weight += n * weight(p)
			loads[who] = l
		}
	}
	return loads, rows.Err()
}

// Away reports whether someone is away now, and until when.
func (t *Tx) Away(email string) (time.Time, bool) {
	var until sql.NullInt64
	err := t.queryRow(`SELECT away_until FROM people WHERE email = ?`, strings.ToLower(email)).Scan(&until)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			t.d.Log.Error("read away", "email", email, "err", err)
		}
		return time.Time{}, false
	}
	if !until.Valid || until.Int64 <= t.Now.Unix() {
		return time.Time{}, false
	}
	return time.Unix(until.Int64, 0).UTC(), true
}

// SetAway marks a technician away until a time (zero: back now). Nothing is assigned to them
// automatically until then; what they hold stays theirs.
func (t *Tx) SetAway(email string, until time.Time) error {
	_, err := t.exec(`INSERT INTO people (email, away_until) VALUES (?, ?)
		ON CONFLICT (email) DO UPDATE SET away_until = excluded.away_until`, strings.ToLower(email), unix(until))
	if err != nil {
		return fmt.Errorf("set away: %w", err)
	}
	return nil
}

// markAssigned records the assignment order, for round-robin among equals. Whoever assigns a
// ticket calls it; chooseTechnician only looks.
// The order is written with the transaction's other waiting rows (pendingRows.kv).
func (t *Tx) markAssigned(email string) error {
	a := &t.assigning
	if !a.seqRead {
		v, err := t.KV("assign_seq")
		if err != nil {
			return fmt.Errorf("assignment order: %w", err)
		}
		a.seq, _ = strconv.ParseInt(v, 10, 64)
		a.seqRead = true
	}
	a.seq++
	if t.pending.kv == nil {
		t.pending.kv = map[string]string{}
	}
	n := strconv.FormatInt(a.seq, 10)
	t.pending.kv["assign_seq"], t.pending.kv["last_assigned:"+email] = n, n
	if l, ok := a.loads[email]; ok {
		l.lastAssigned = a.seq
		a.loads[email] = l
	}
	return nil
}

// chooseTechnician picks, among the technicians of a tier who are not away, one with the
// category's skill and the least weighted load (urgent tickets weigh 4, high 2, others 1), ties
// going to the one assigned least recently (round-robin); if none has the skill, the least loaded
// of the tier (Matched false). If nobody of the tier is available at all, it looks at the nearest
// tier above, then below (Pick.Tier says which). except is left out (the current assignee on
// escalation). It changes nothing: the caller records the assignment with markAssigned.
func (t *Tx) chooseTechnician(category string, tier int, except string) Pick {
	loads, err := t.Loads()
	if err != nil {
		return Pick{Reason: []string{err.Error()}}
	}
	var why []string
	for _, tr := range tierOrder(tier) {
		pick, ok := t.chooseInTier(category, tr, except, loads)
		why = append(why, pick.Reason...)
		if ok {
			pick.Reason = why
			return pick
		}
		why = append(why, fmt.Sprintf("nobody of tier %d available", tr))
	}
	return Pick{Reason: why}
}

// tierOrder is the order tiers are tried in: the tier asked for, those above, then those below.
func tierOrder(tier int) []int {
	order := []int{tier}
	for tr := tier + 1; tr <= 3; tr++ {
		order = append(order, tr)
	}
	for tr := tier - 1; tr >= 1; tr-- {
		order = append(order, tr)
	}
	return order
}

func (t *Tx) chooseInTier(category string, tier int, except string, loads map[string]Load) (Pick, bool) {
	type cand struct {
		email  string
		weight int
		last   int64
		skill  bool
		order  int
	}
	cands := make([]cand, 0, len(t.cfg.Technicians))
	why := make([]string, 0, len(t.cfg.Technicians)+1)
	for i, te := range t.cfg.Technicians {
		if te.Tier != tier || te.Email == except {
			continue
		}
		if loads[te.Email].Away {
			why = append(why, te.Email+": away")
			continue
		}
		skill := category == ""
		for _, s := range te.Skills {
			skill = skill || s == category
		}
		cands = append(cands, cand{te.Email, loads[te.Email].Weight, loads[te.Email].lastAssigned, skill, i})
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.skill != b.skill {
			return a.skill
		}
		if a.weight != b.weight {
			return a.weight < b.weight
		}
		if a.last != b.last {
			return a.last < b.last
		}
		return a.order < b.order
	})
	for _, c := range cands {
		skill := "skill "
		if !c.skill {
			skill = "no skill "
		}
		// "%s: tier %d, %s%s, load %d", in one allocation (fmt's boxed its four values).
		why = append(why, c.email+": tier "+strconv.Itoa(tier)+", "+skill+category+", load "+strconv.Itoa(c.weight))
	}
	if len(cands) == 0 {
		return Pick{Reason: why}, false
	}
	best := cands[0]
	if !best.skill {
		why = append(why, fmt.Sprintf("nobody of tier %d has the skill %q", tier, category))
	}
	return Pick{Email: best.email, Tier: tier, Matched: best.skill, Reason: why}, true
}

// followUpTechnician is the technician who held the ticket a new one follows up (a reply to a
// closed ticket, a request that names an old one), when they are still on the team, not away,
// and not the requester: who solved the first knows the story. ok is false otherwise, and the
// new ticket is assigned as any other.
func (t *Tx) followUpTechnician(old int64, requester string) (Pick, bool) {
	prev, err := t.ticketIfExists(old)
	if err != nil || prev == nil || prev.Assignee == "" || prev.Assignee == requester {
		return Pick{}, false
	}
	te, ok := t.cfg.Technician(prev.Assignee)
	if !ok {
		return Pick{}, false
	}
	loads, err := t.Loads()
	if err != nil || loads[te.Email].Away {
		return Pick{}, false
	}
	return Pick{Email: te.Email, Tier: te.Tier, Matched: true,
		Reason: []string{fmt.Sprintf("%s held ticket #%d, which this one follows up", te.Email, old)}}, true
}
