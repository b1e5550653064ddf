package tickets

import (
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Pick is the outcome of choosing a technician.
type Pick struct {
	Email   string   // "" when nobody is available.
	Matched bool     // The technician has the category's skill.
	Reason  []string // Loads and rules, for `deskd ticket explain`.
}

// weight is how much an open ticket of a priority weighs in a technician's load.
func weight(p Priority) int { return []int{1, 1, 2, 4}[p] }

// Loads returns each technician's open weighted load.
func (t *Tx) Loads() (map[string]Load, error) {
	loads := map[string]Load{}
	for _, te := range t.cfg.Technicians {
		loads[te.Email] = Load{Email: te.Email, Name: te.Name, Tier: te.Tier, Away: t.isAway(te.Email)}
	}
	rows, err := t.tx.Query(`SELECT assignee, priority, COUNT(*) FROM tickets
		WHERE status IN ('new', 'open', 'pending') AND assignee != '' GROUP BY assignee, priority`)
	if err != nil {
		return nil, fmt.Errorf("loads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var who string
		var p Priority
		var n int
		if err := rows.Scan(&who, &p, &n); err != nil {
			return nil, err
		}
		if l, ok := loads[who]; ok {
			l.Open += n
			l.Weight += n * weight(p)
			loads[who] = l
		}
	}
	return loads, rows.Err()
}

func (t *Tx) isAway(email string) bool {
	var until sql.NullInt64
	if err := t.tx.QueryRow(`SELECT away_until FROM people WHERE email = ?`, email).Scan(&until); err != nil {
		return false
	}
	return until.Valid && until.Int64 > t.Now.Unix()
}

// SetAway marks a technician away until a time (zero: back now).
func (t *Tx) SetAway(email string, until time.Time) error {
	_, err := t.tx.Exec(`INSERT INTO people (email, away_until) VALUES (?, ?)
		ON CONFLICT (email) DO UPDATE SET away_until = excluded.away_until`, email, unix(until))
	return err
}

func (t *Tx) lastAssigned(email string) int64 {
	v, _ := t.KV("last_assigned:" + email)
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// markAssigned records the assignment order, for round-robin among equals.
func (t *Tx) markAssigned(email string) error {
	v, _ := t.KV("assign_seq")
	n, _ := strconv.ParseInt(v, 10, 64)
	n++
	if err := t.SetKV("assign_seq", strconv.FormatInt(n, 10)); err != nil {
		return err
	}
	return t.SetKV("last_assigned:"+email, strconv.FormatInt(n, 10))
}

// chooseTechnician picks the technician of a tier with the category's skill and the least
// weighted load, not away, ties broken round-robin; if none has the skill, the least loaded of
// the tier (Matched false). except is left out (the current assignee on escalation).
func (t *Tx) chooseTechnician(category string, tier int, except string) Pick {
	loads, err := t.Loads()
	if err != nil {
		return Pick{Reason: []string{err.Error()}}
	}
	type cand struct {
		email  string
		weight int
		last   int64
		skill  bool
	}
	var cands []cand
	for _, te := range t.cfg.Technicians {
		if te.Tier != tier || te.Email == except || loads[te.Email].Away {
			continue
		}
		skill := false
		for _, s := range te.Skills {
			skill = skill || s == category
		}
		cands = append(cands, cand{te.Email, loads[te.Email].Weight, t.lastAssigned(te.Email), skill})
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.skill != b.skill {
			return a.skill
		}
		if a.weight != b.weight {
			return a.weight < b.weight
		}
		return a.last < b.last
	})
	var why []string
	for _, c := range cands {
		why = append(why, fmt.Sprintf("%s: tier %d, skill %v, load %d", c.email, tier, c.skill, c.weight))
	}
	if len(cands) == 0 {
		return Pick{Reason: append(why, fmt.Sprintf("no technician of tier %d available", tier))}
	}
	best := cands[0]
	if err := t.markAssigned(best.email); err != nil {
		return Pick{Reason: []string{err.Error()}}
	}
	return Pick{Email: best.email, Matched: best.skill || category == "", Reason: why}
}
