package web

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

// contentDisposition names a download, RFC 6266 (with RFC 2231 encoding for names that need it).
func contentDisposition(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

// nearBreach is how far ahead the "breached or near breach" view looks.
const nearBreach = 2 * time.Hour

// pageSize is the number of tickets on a page of the queue.
const pageSize = 50

// queueRow is a ticket as a row of the queue shows it, its words said in Go: a page of fifty
// rows costs half as much as with template functions.
type queueRow struct {
	ID                 int64
	Subject, Requester string
	StatusKey, Status  string // The status's name, and its word.
	PrioKey, Prio      string
	Category           string // The category's label, "" for none.
	Assignee           string // The assignee's name, "" for nobody.
	Tier               string // "tier 2".
	Left, Due          string // "3 h 05 left", and the deadline.
	Late               bool
}

type option struct {
	Value, Label string
	Selected     bool
}

type queueData struct {
	View                                               tickets.QueueView
	Views                                              []tickets.QueueView
	Counts                                             tickets.QueueCounts
	Rows                                               []queueRow
	Next                                               string // The link of the next page, "" for none.
	First                                              string // The link of the first page, "" on it.
	Filter                                             url.Values
	Filtered                                           bool
	Statuses, Priorities, Categories, Tiers, Assignees []option
}

// queue shows a page of the queue: a view, filters, sorted by deadline.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, u *user) {
	st := s.settings()
	q := r.URL.Query()
	now := s.o.Now()
	p := st.words.Page(u.Lang, st.desk.Location())
	// A value the page does not know is said, not silently read as the default: a link or a
	// typed address with status=resolved would otherwise show the open tickets as if filtered.
	var ignored []string
	v := tickets.QueueView(q.Get("view"))
	valid := false
	for _, k := range tickets.QueueViews {
		valid = valid || k == v
	}
	if !valid {
		bad := v
		v = tickets.ViewOpen
		if u.Technician {
			v = tickets.ViewMine
		}
		if bad != "" {
			ignored = append(ignored, p.Word("queue_bad_view", "v", bad, "view", p.Word("view_"+string(v))))
		}
	}
	qq := tickets.QueueQuery{View: v, Me: u.Email, Horizon: now.Add(nearBreach), Priority: -1,
		Category: q.Get("category"), Assignee: q.Get("assignee"), After: tickets.ParseQueueCursor(q.Get("after")), Limit: pageSize}
	if sv := q.Get("status"); sv != "" {
		stt, err := tickets.ParseStatus(sv)
		switch {
		case err != nil:
			ignored = append(ignored, p.Word("queue_bad_status", "v", sv))
			q.Del("status")
		case !stt.Active():
			ignored = append(ignored, p.Word("queue_status_done", "status", p.Status(string(stt))))
			q.Del("status")
		default:
			qq.Status = stt
		}
	}
	if pv := q.Get("priority"); pv != "" {
		if pr, err := tickets.ParsePriority(pv); err == nil {
			qq.Priority = pr
		} else {
			ignored = append(ignored, p.Word("queue_bad_priority", "v", pv))
			q.Del("priority")
		}
	}
	if tv := q.Get("tier"); tv != "" {
		if t, err := strconv.Atoi(tv); err == nil && t >= 1 && t <= 3 {
			qq.Tier = t
		} else {
			ignored = append(ignored, p.Word("queue_bad_tier", "v", tv))
			q.Del("tier")
		}
	}
	page, err := s.o.Store.Queue(r.Context(), qq)
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	counts, err := s.o.Store.QueueCounts(r.Context(), u.Email, qq.Horizon)
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	d := queueData{View: v, Views: tickets.QueueViews, Counts: counts, Filter: url.Values{}}
	for _, k := range []string{"status", "priority", "category", "tier", "assignee"} {
		if v := q.Get(k); v != "" {
			d.Filter.Set(k, v)
			d.Filtered = true
		}
	}
	for _, tk := range page.Tickets {
		due := nextDue(tk)
		row := queueRow{ID: tk.ID, Subject: tk.Subject, Requester: tk.RequesterName, StatusKey: string(tk.Status),
			Status: p.Status(string(tk.Status)), PrioKey: tk.Priority.String(), Prio: p.Priority(tk.Priority.String()),
			Category: categoryLabel(st.desk, tk.Category, u.Lang), Tier: p.Word("tier_n", "n", tk.Tier),
			Left: sayLeft(p, due, now), Due: p.Short(due), Late: !due.IsZero() && due.Before(now)}
		if row.Requester == "" {
			row.Requester = tk.Requester
		}
		if tk.Assignee != "" {
			row.Assignee = personName(st.desk, nil, tk.Assignee)
		}
		d.Rows = append(d.Rows, row)
	}
	link := func(after string) string {
		vals := url.Values{}
		for k, vs := range d.Filter {
			vals[k] = vs
		}
		vals.Set("view", string(v))
		if after != "" {
			vals.Set("after", after)
		}
		return s.link("/queue?%s", vals.Encode())
	}
	if !page.Next.IsZero() {
		d.Next = link(page.Next.String())
	}
	if !qq.After.IsZero() {
		d.First = link("")
	}
	d.Statuses = options([]string{"new", "open", "pending"}, q.Get("status"), nil)
	d.Priorities = options([]string{"urgent", "high", "normal", "low"}, q.Get("priority"), nil)
	var cats, catLabels []string
	for _, c := range st.desk.Categories {
		cats, catLabels = append(cats, c.Name), append(catLabels, c.LabelFor(u.Lang))
	}
	d.Categories = options(cats, q.Get("category"), catLabels)
	d.Tiers = options([]string{"1", "2", "3"}, q.Get("tier"), nil)
	techs, techNames := []string{tickets.NoAssignee}, []string{""}
	for _, te := range st.desk.Technicians {
		techs, techNames = append(techs, te.Email), append(techNames, te.Name)
	}
	d.Assignees = options(techs, q.Get("assignee"), techNames)
	s.render(w, r, http.StatusOK, u.Lang, "queue", view{Title: "queue_title", User: u, CSRF: u.csrf, Nav: "queue", Now: now,
		Problem: strings.Join(ignored, " "), Data: d})
}

// nextDue is the deadline a ticket works towards: the first response until it is given, then the
// resolution (as the queue sorts them).
func nextDue(tk *tickets.Ticket) time.Time {
	if tk.FirstResponseAt.IsZero() && !tk.FirstResponseDue.IsZero() {
		return tk.FirstResponseDue
	}
	return tk.ResolveDue
}

func categoryLabel(cfg *tickets.Config, name, lang string) string {
	if c, ok := cfg.Category(name); ok {
		return c.LabelFor(lang)
	}
	return name
}

func options(values []string, selected string, labels []string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Label: v, Selected: v == selected}
		if labels != nil && labels[i] != "" {
			out[i].Label = labels[i]
		}
	}
	return out
}
