package web

import (
	"net/http"
	"strings"

	"github.com/deskd/deskd/tickets"
)

// SearchQuery is a full-text search of the tickets, with filters.
type SearchQuery struct {
	Text     string
	Status   tickets.Status // "" for any.
	Category string         // "" for any.
	Limit    int
}

// SearchHit is a ticket found, with an excerpt of where its words are.
type SearchHit struct {
	Ticket  *tickets.Ticket
	Snippet string // Plain text; the page escapes it.
}

type searchData struct {
	Query      string
	Available  bool
	Searched   bool
	Hits       []SearchHit
	Statuses   []option
	Categories []option
}

// search shows the search form and its results.
func (s *Server) search(w http.ResponseWriter, r *http.Request, u *user) {
	st := s.settings()
	q := r.URL.Query()
	d := searchData{Query: strings.TrimSpace(q.Get("q")), Available: s.o.Search != nil}
	d.Statuses = options([]string{"new", "open", "pending", "resolved", "closed"}, q.Get("status"), nil)
	var cats, labels []string
	for _, c := range st.desk.Categories {
		cats, labels = append(cats, c.Name), append(labels, c.LabelFor(u.Lang))
	}
	d.Categories = options(cats, q.Get("category"), labels)
	if d.Available && d.Query != "" {
		sq := SearchQuery{Text: d.Query, Category: q.Get("category"), Limit: 50}
		if stt, err := tickets.ParseStatus(q.Get("status")); err == nil && q.Get("status") != "" {
			sq.Status = stt
		}
		hits, err := s.o.Search.Search(r.Context(), sq)
		if err != nil {
			s.failErr(w, r, u.Lang, err)
			return
		}
		d.Hits, d.Searched = hits, true
	}
	s.render(w, r, http.StatusOK, u.Lang, "search", view{Title: "search_title", User: u, CSRF: u.csrf, Nav: "search", Data: d})
}
