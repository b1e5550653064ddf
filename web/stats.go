package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/deskd/deskd/tickets"
)

type statsRow struct {
	tickets.GroupStats
	Label string
}

type statsData struct {
	Days        int
	Periods     []int
	Stats       tickets.Stats
	PerDay      template.HTML
	PerCategory template.HTML
	Backlog     template.HTML
	Satisfied   template.HTML
	Categories  []statsRow
	Technicians []statsRow
	BacklogN    int
}

// stats shows the desk's statistics over the last days: tickets per day and per category,
// first-response and resolution times against their deadlines per category and per technician,
// the backlog by age and the requesters' answers, with charts drawn as inline SVG.
func (s *Server) stats(w http.ResponseWriter, r *http.Request, u *user) {
	st := s.settings()
	p := st.words.Page(u.Lang, st.desk.Location())
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days != 7 && days != 90 {
		days = 30
	}
	now := s.o.Now()
	loc := st.desk.Location()
	today := now.In(loc)
	since := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1-days)
	sts, err := s.o.Store.Stats(r.Context(), tickets.StatsQuery{Since: since, Now: now, Loc: loc})
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	d := statsData{Days: days, Periods: []int{7, 30, 90}, Stats: sts}
	short := p.Funcs()["short"].(func(time.Time) string)
	var labels []string
	opened, resolved := series{Class: "opened", Name: p.Word("stats_opened")}, series{Class: "resolved", Name: p.Word("stats_resolved")}
	for _, dc := range sts.Days {
		l := short(dc.Day)
		if len(l) > 6 {
			l = l[:len(l)-6] // Without the time of day.
		}
		labels = append(labels, l)
		opened.Values, resolved.Values = append(opened.Values, dc.Opened), append(resolved.Values, dc.Resolved)
	}
	every := max(1, len(labels)/10)
	d.PerDay = template.HTML(columnsSVG(p.Word("stats_per_day"), labels, []series{opened, resolved}, every))
	var catLabels []string
	var catN []int
	for _, g := range sts.Categories {
		row := statsRow{GroupStats: g, Label: categoryLabel(st.desk, g.Name, u.Lang)}
		if g.Name == "" {
			row.Label = p.Word("stats_no_category")
		}
		if g.Opened > 0 {
			catLabels, catN = append(catLabels, row.Label), append(catN, g.Opened)
		}
		d.Categories = append(d.Categories, row)
	}
	d.PerCategory = template.HTML(barsSVG(p.Word("stats_per_category"), catLabels, []series{{Class: "opened", Name: p.Word("stats_opened"), Values: catN}}))
	for _, g := range sts.Technicians {
		row := statsRow{GroupStats: g, Label: personName(st.desk, nil, g.Name)}
		if g.Name == "" {
			row.Label = p.Word("nobody")
		}
		d.Technicians = append(d.Technicians, row)
	}
	ageLabels := []string{p.Word("age_1"), p.Word("age_2"), p.Word("age_3"), p.Word("age_4"), p.Word("age_5")}
	for _, n := range sts.Backlog {
		d.BacklogN += n
	}
	d.Backlog = template.HTML(barsSVG(p.Word("stats_backlog"), ageLabels, []series{{Class: "backlog", Name: p.Word("stats_active"), Values: sts.Backlog}}))
	sat := sts.Satisfaction
	if sat.Solved+sat.Unsolved > 0 {
		d.Satisfied = template.HTML(barsSVG(p.Word("stats_satisfaction"), []string{p.Word("stats_answers")},
			[]series{{Class: "resolved", Name: p.Word("sat_solved"), Values: []int{sat.Solved}},
				{Class: "late", Name: p.Word("sat_unsolved"), Values: []int{sat.Unsolved}}}))
	}
	s.render(w, r, http.StatusOK, u.Lang, "stats", view{Title: "stats_title", User: u, CSRF: u.csrf, Nav: "stats", Now: now, Data: d})
}
