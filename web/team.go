package web

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

type teamRow struct {
	tickets.Load
	Skills    []string
	AwayUntil time.Time // Zero when present.
	CanSet    bool      // The one looking may mark them away or back.
}

type teamData struct {
	Rows         []teamRow
	Coordinators []tickets.Coordinator
	MaxOpen      int
	Today        string // The date input's minimum, YYYY-MM-DD.
}

// team shows each technician's load, tier, skills and absence; coordinators may mark anyone away
// or back, technicians themselves.
func (s *Server) team(w http.ResponseWriter, r *http.Request, u *user) {
	st := s.settings()
	now := s.o.Now()
	d := teamData{Coordinators: st.desk.Coordinator, Today: now.In(st.desk.Location()).Format("2006-01-02")}
	err := s.o.Desk.Update(r.Context(), now, func(tx *tickets.Tx) error {
		loads, err := tx.Loads()
		if err != nil {
			return err
		}
		d.Rows = d.Rows[:0]
		for _, te := range tx.Config().Technicians {
			row := teamRow{Load: loads[te.Email], Skills: te.Skills, CanSet: u.Coordinator || u.Email == te.Email}
			row.Email, row.Name, row.Tier = te.Email, te.Name, te.Tier
			if until, ok := tx.Away(te.Email); ok {
				row.AwayUntil = until
			}
			d.Rows = append(d.Rows, row)
			d.MaxOpen = max(d.MaxOpen, row.Open)
		}
		return nil
	})
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].Tier < d.Rows[j].Tier })
	s.render(w, r, http.StatusOK, u.Lang, "team", view{Title: "team_title", User: u, CSRF: u.csrf, Nav: "team",
		Notice: doneWord(r.URL.Query().Get("done"), "away", "back"), Data: d})
}

// setAway marks a technician away until the end of a day, or back.
func (s *Server) setAway(w http.ResponseWriter, r *http.Request, u *user) {
	st := s.settings()
	who := strings.ToLower(r.PostFormValue("email"))
	te, ok := st.desk.Technician(who)
	if !ok || (!u.Coordinator && te.Email != u.Email) {
		s.fail(w, r, http.StatusForbidden, u.Lang, "error_forbidden")
		return
	}
	now := s.o.Now()
	var until time.Time
	if r.PostFormValue("back") == "" {
		var err error
		if until, err = tickets.AwayThrough(r.PostFormValue("until"), st.desk.Location(), now); err != nil {
			s.fail(w, r, http.StatusBadRequest, u.Lang, "error_date")
			return
		}
	}
	if err := s.o.Desk.Update(r.Context(), now, func(tx *tickets.Tx) error { return tx.SetAway(te.Email, until) }); err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	s.log.Info("web: away", "technician", te.Email, "until", until, "by", u.Email)
	done := "away"
	if until.IsZero() {
		done = "back"
	}
	http.Redirect(w, r, s.link("/team?done=%s", done), http.StatusSeeOther)
}
