package tickets

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// StatsQuery selects the period of the statistics: tickets opened from Since to Now, days counted
// in Loc.
type StatsQuery struct {
	Since, Now time.Time
	Loc        *time.Location
}

// Stats are the desk's statistics over a period.
type Stats struct {
	Days         []DayCount   // Tickets opened and resolved per day, oldest first.
	Categories   []GroupStats // Per category ("" for none), most tickets first.
	Technicians  []GroupStats // Per assignee, most tickets first.
	All          GroupStats   // The whole period.
	Backlog      []int        // Active tickets by age: BacklogAges bounds each bucket.
	Satisfaction Satisfaction // Answers given in the period.
}

// BacklogAges are the upper bounds of the backlog's age buckets; the last bucket has none.
var BacklogAges = []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}

// DayCount is one day of the period.
type DayCount struct {
	Day      time.Time // Midnight, in the query's location.
	Opened   int
	Resolved int
}

// GroupStats are the figures of a group of tickets opened in the period.
type GroupStats struct {
	Name          string
	Opened        int
	FirstResponse SLAFigures // Of those answered.
	Resolution    SLAFigures // Of those resolved.
	Satisfaction  Satisfaction
}

// SLAFigures are how fast tickets got something, against their deadline.
type SLAFigures struct {
	N     int           // Tickets that got it.
	Met   int           // Got it by the deadline (or had none).
	Total time.Duration // Summed time from opening.
}

// Average is the mean time from opening, 0 when none.
func (f SLAFigures) Average() time.Duration {
	if f.N == 0 {
		return 0
	}
	return (f.Total / time.Duration(f.N)).Round(time.Minute)
}

// MetPercent is the share that met its deadline, in percent (0 when none).
func (f SLAFigures) MetPercent() int {
	if f.N == 0 {
		return 0
	}
	return (f.Met*100 + f.N/2) / f.N
}

// Stats computes the statistics of a period.
func (s *Store) Stats(ctx context.Context, q StatsQuery) (Stats, error) {
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	var st Stats
	since := q.Since.Unix()
	// One row per day of the period.
	day := func(t time.Time) time.Time {
		t = t.In(q.Loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, q.Loc)
	}
	index := map[time.Time]int{}
	for d := day(q.Since); !d.After(q.Now); d = d.AddDate(0, 0, 1) {
		index[d] = len(st.Days)
		st.Days = append(st.Days, DayCount{Day: d})
	}
	count := func(query string, add func(*DayCount)) error {
		rows, err := s.r.QueryContext(ctx, query, since)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at int64
			if err := rows.Scan(&at); err != nil {
				return err
			}
			if i, ok := index[day(time.Unix(at, 0))]; ok {
				add(&st.Days[i])
			}
		}
		return rows.Err()
	}
	if err := count(`SELECT created_at FROM tickets WHERE created_at >= ?`, func(d *DayCount) { d.Opened++ }); err != nil {
		return st, fmt.Errorf("stats per day: %w", err)
	}
	if err := count(`SELECT resolved_at FROM tickets WHERE resolved_at >= ?`, func(d *DayCount) { d.Resolved++ }); err != nil {
		return st, fmt.Errorf("stats per day: %w", err)
	}
	// The period's tickets are read by tickets_created and grouped apart: grouped by an index of
	// the column (tickets_recent, tickets_assignee), SQLite walked every ticket of the desk in its
	// order. The unary + keeps it off those (SQLite only: PostgreSQL has no + for text).
	group := func(col string) ([]GroupStats, error) {
		by := s.dialect.pick(`+`+col, col)
		rows, err := s.r.QueryContext(ctx, `SELECT `+col+`, COUNT(*),
			COUNT(first_response_at), COALESCE(SUM(first_response_at - created_at), 0),
			COALESCE(SUM(CASE WHEN first_response_due IS NULL OR first_response_at <= first_response_due THEN 1 ELSE 0 END) FILTER (WHERE first_response_at IS NOT NULL), 0),
			COUNT(resolved_at), COALESCE(SUM(resolved_at - created_at), 0),
			COALESCE(SUM(CASE WHEN resolve_due IS NULL OR resolved_at <= resolve_due THEN 1 ELSE 0 END) FILTER (WHERE resolved_at IS NOT NULL), 0)
			FROM tickets WHERE created_at >= ? GROUP BY `+by, since)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []GroupStats
		for rows.Next() {
			var g GroupStats
			var fr, res int64
			if err := rows.Scan(&g.Name, &g.Opened, &g.FirstResponse.N, &fr, &g.FirstResponse.Met,
				&g.Resolution.N, &res, &g.Resolution.Met); err != nil {
				return nil, err
			}
			g.FirstResponse.Total, g.Resolution.Total = time.Duration(fr)*time.Second, time.Duration(res)*time.Second
			out = append(out, g)
		}
		return out, rows.Err()
	}
	var err error
	if st.Categories, err = group(`category`); err != nil {
		return st, fmt.Errorf("stats per category: %w", err)
	}
	if st.Technicians, err = group(`assignee`); err != nil {
		return st, fmt.Errorf("stats per technician: %w", err)
	}
	for _, g := range st.Categories {
		st.All.Opened += g.Opened
		for _, p := range [][2]*SLAFigures{{&st.All.FirstResponse, &g.FirstResponse}, {&st.All.Resolution, &g.Resolution}} {
			p[0].N, p[0].Met, p[0].Total = p[0].N+p[1].N, p[0].Met+p[1].Met, p[0].Total+p[1].Total
		}
	}
	// Satisfaction, overall and per group.
	rows, err := s.r.QueryContext(ctx, `SELECT category, assignee, solved, COUNT(*) FROM ratings WHERE at >= ? GROUP BY category, assignee, solved`, since)
	if err != nil {
		return st, fmt.Errorf("stats satisfaction: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cat, who string
		var solved bool
		var n int
		if err := rows.Scan(&cat, &who, &solved, &n); err != nil {
			return st, fmt.Errorf("stats satisfaction: %w", err)
		}
		add := func(s *Satisfaction) {
			if solved {
				s.Solved += n
			} else {
				s.Unsolved += n
			}
		}
		add(&st.Satisfaction)
		st.Categories = addSatisfaction(st.Categories, cat, add)
		st.Technicians = addSatisfaction(st.Technicians, who, add)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("stats satisfaction: %w", err)
	}
	st.All.Satisfaction = st.Satisfaction
	for _, l := range []*[]GroupStats{&st.Categories, &st.Technicians} {
		sort.SliceStable(*l, func(i, j int) bool {
			a, b := (*l)[i], (*l)[j]
			if a.Opened != b.Opened {
				return a.Opened > b.Opened
			}
			return a.Name < b.Name
		})
	}
	// The backlog by age.
	bounds := make([]any, 0, len(BacklogAges)+1)
	cases := ""
	for i, a := range BacklogAges {
		cases += fmt.Sprintf(" WHEN created_at > ? THEN %d", i)
		bounds = append(bounds, q.Now.Add(-a).Unix())
	}
	brows, err := s.r.QueryContext(ctx, `SELECT CASE`+cases+fmt.Sprintf(` ELSE %d END AS bucket, COUNT(*) FROM tickets
		WHERE status IN ('new', 'open', 'pending') GROUP BY bucket`, len(BacklogAges)), bounds...)
	if err != nil {
		return st, fmt.Errorf("stats backlog: %w", err)
	}
	defer brows.Close()
	st.Backlog = make([]int, len(BacklogAges)+1)
	for brows.Next() {
		var b, n int
		if err := brows.Scan(&b, &n); err != nil {
			return st, fmt.Errorf("stats backlog: %w", err)
		}
		st.Backlog[b] = n
	}
	return st, brows.Err()
}

func addSatisfaction(groups []GroupStats, name string, add func(*Satisfaction)) []GroupStats {
	for i := range groups {
		if groups[i].Name == name {
			add(&groups[i].Satisfaction)
			return groups
		}
	}
	g := GroupStats{Name: name}
	add(&g.Satisfaction)
	return append(groups, g)
}
