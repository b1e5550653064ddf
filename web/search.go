package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/deskd/deskd/tickets"
)

// Searcher finds tickets by the words of their subjects and messages, best first: the desk's
// full-text engine (*tickets.Desk, BM25 over FTS5 or FTS4).
type Searcher interface {
	Search(ctx context.Context, query string, f tickets.SearchFilter, limit int) ([]tickets.Match, error)
}

// searchLimit is the number of results a search shows.
const searchLimit = 50

type searchHit struct {
	tickets.Match
	StatusWord, Category string
}

type searchData struct {
	Query      string
	Available  bool
	Searched   bool
	Hits       []searchHit
	Statuses   []option
	Categories []option
}

// search shows the search form and its results: full text over subjects and messages, filtered
// by status and category. A query that is exactly a ticket's reference ("12", "#12", "[HD #12]")
// goes to that ticket's page when it exists.
func (s *Server) search(w http.ResponseWriter, r *http.Request, u *user) {
	st := s.settings()
	p := st.words.Page(u.Lang, st.desk.Location())
	q := r.URL.Query()
	d := searchData{Query: strings.TrimSpace(q.Get("q")), Available: s.o.Search != nil}
	d.Statuses = options([]string{"new", "open", "pending", "resolved", "closed"}, q.Get("status"), nil)
	var cats, labels []string
	for _, c := range st.desk.Categories {
		cats, labels = append(cats, c.Name), append(labels, c.LabelFor(u.Lang))
	}
	d.Categories = options(cats, q.Get("category"), labels)
	if d.Available && d.Query != "" {
		f := tickets.SearchFilter{Category: q.Get("category")}
		if stt, err := tickets.ParseStatus(q.Get("status")); err == nil && q.Get("status") != "" {
			f.Statuses = []tickets.Status{stt}
		}
		ms, err := s.o.Search.Search(r.Context(), d.Query, f, searchLimit)
		if err != nil {
			s.failErr(w, r, u.Lang, err)
			return
		}
		if n := tickets.TicketRef(d.Query, st.desk.Desk.Tag); n > 0 && len(ms) > 0 && ms[0].ID == n {
			// "12", "#12", "[HD #12]": the technician on the phone wants the ticket itself.
			http.Redirect(w, r, s.link("/t/%d", n), http.StatusSeeOther)
			return
		}
		for _, m := range ms {
			d.Hits = append(d.Hits, searchHit{Match: m, StatusWord: p.Status(m.Status), Category: categoryLabel(st.desk, m.Category, u.Lang)})
		}
		d.Searched = true
	}
	s.render(w, r, http.StatusOK, u.Lang, "search", view{Title: "search_title", User: u, CSRF: u.csrf, Nav: "search", Data: d})
}
