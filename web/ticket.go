package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/deskd/deskd/tickets"
)

// entry is one line of a ticket's history on the staff page.
type entry struct {
	tickets.Event
	Who   string
	Files []tickets.Attachment
}

type scoreRow struct {
	Category string
	Score    float64
}

type ticketData struct {
	Ticket     *tickets.Ticket
	Ref        string
	Requester  string // The requester's name.
	Assignee   string
	Category   string
	Entries    []entry
	Files      []tickets.Attachment
	Explain    *tickets.Explanation
	ExplainCat string   // The category the explanation chose, in the reader's words.
	Why        []string // The explanation's category reasons, in the reader's words.
	PrioWhy    []string // Its priority reasons, likewise.
	AssignWhy  []string // Its assignment reasons, likewise.
	Scores     []scoreRow
	Techs      []option
	Priorities []option
	Categories []option
	Done       string            // The word saying the action just done, "" for none.
	Draft      map[string]string // A refused form's text, by form, given back to edit.
	CanTake    bool
	Active     bool
}

// ticket shows one ticket to staff: its history, public and internal apart, its files, the forms
// that act on it, and why it was classified and assigned as it was.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request, u *user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, u.Lang, "error_not_found")
		return
	}
	s.showTicket(w, r, u, id, http.StatusOK, doneWord(r.URL.Query().Get("done"), ticketActions...), "", nil)
}

func (s *Server) showTicket(w http.ResponseWriter, r *http.Request, u *user, id int64, status int, done, problem string, draft map[string]string) {
	ctx := r.Context()
	st := s.settings()
	tk, err := s.o.Store.Ticket(ctx, id)
	if errors.Is(err, tickets.ErrNoTicket) {
		s.fail(w, r, http.StatusNotFound, u.Lang, "error_not_found")
		return
	}
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	evs, err := s.o.Store.Events(ctx, id)
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	atts, err := s.o.Store.Attachments(ctx, id)
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	srcs, err := s.o.Store.AttachmentSources(ctx, id)
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	who := []string{tk.Requester}
	for _, e := range evs {
		who = append(who, e.Actor)
	}
	names, err := s.o.Store.Names(ctx, who)
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	d := ticketData{Ticket: tk, Ref: fmt.Sprintf("[%s #%d]", st.desk.Desk.Tag, tk.ID), Files: atts, Done: done, Draft: draft,
		Requester: personName(st.desk, names, tk.Requester), Category: categoryLabel(st.desk, tk.Category, u.Lang),
		Active: tk.Status.Active()}
	if tk.RequesterName != "" {
		d.Requester = tk.RequesterName
	}
	if tk.Assignee != "" {
		d.Assignee = personName(st.desk, names, tk.Assignee)
	}
	_, d.CanTake = st.desk.Technician(u.Email)
	d.CanTake = d.CanTake && tk.Assignee != u.Email && tk.Status != tickets.StatusClosed
	placed := map[int64]bool{}
	for _, e := range evs {
		en := entry{Event: e, Who: personName(st.desk, names, e.Actor)}
		en.Text = e.Worded(st.words, u.Lang) // The desk's own lines in the staff member's language.
		if e.Actor == tickets.ActorDesk {
			en.Who = st.desk.Desk.Name
		}
		for _, a := range atts {
			if e.MessageID != "" && srcs[a.ID] == e.MessageID && !placed[a.ID] && (e.Kind == tickets.EventMessage || e.Kind == tickets.EventReply || e.Kind == tickets.EventNote) {
				en.Files, placed[a.ID] = append(en.Files, a), true
			}
		}
		d.Entries = append(d.Entries, en)
	}
	if tk.Explain != "" {
		var ex tickets.Explanation
		if json.Unmarshal([]byte(tk.Explain), &ex) == nil {
			d.Explain, d.Why = &ex, ex.CategoryWorded(st.words, u.Lang)
			d.PrioWhy, d.AssignWhy = ex.PriorityWorded(st.words, u.Lang), ex.AssignWorded(st.words, u.Lang)
			if ex.Category != "" {
				d.ExplainCat = categoryLabel(st.desk, ex.Category, u.Lang)
			}
			for c, v := range ex.Scores {
				d.Scores = append(d.Scores, scoreRow{categoryLabel(st.desk, c, u.Lang), v})
			}
			sort.Slice(d.Scores, func(i, j int) bool { return d.Scores[i].Score > d.Scores[j].Score })
		}
	}
	for _, te := range st.desk.Technicians {
		d.Techs = append(d.Techs, option{Value: te.Email, Label: fmt.Sprintf("%s (%d)", te.Name, te.Tier), Selected: te.Email == tk.Assignee})
	}
	d.Priorities = options([]string{"urgent", "high", "normal", "low"}, tk.Priority.String(), nil)
	var cats, labels []string
	for _, c := range st.desk.Categories {
		cats, labels = append(cats, c.Name), append(labels, c.LabelFor(u.Lang))
	}
	d.Categories = options(cats, tk.Category, labels)
	s.render(w, r, status, u.Lang, "ticket", view{Title: "ticket_title", User: u, CSRF: u.csrf, Nav: "queue", Problem: problem, Data: d})
}

// ticketActions are the forms of the ticket page (act), whose names ?done= may give.
var ticketActions = []string{"reply", "note", "resolve", "escalate", "assign", "take", "priority", "category",
	"pending", "reopen", "close", "watch", "unwatch", "unlink"}

// act runs one form of the ticket page through the domain operation the mail command of the same
// name runs, in one transaction: same rules, same notifications, same history.
func (s *Server) act(w http.ResponseWriter, r *http.Request, u *user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, u.Lang, "error_not_found")
		return
	}
	st := s.settings()
	p := st.words.Page(u.Lang, nil)
	action := r.PathValue("action")
	var text string
	var files []tickets.Upload
	if action == "reply" {
		if text, files, err = readUploads(r, maxUpload(st.desk)); err != nil {
			s.showTicket(w, r, u, id, http.StatusRequestEntityTooLarge, "", p.Word("error_too_big"), nil)
			return
		}
	} else {
		text = strings.TrimSpace(r.PostFormValue("text"))
	}
	// A refused form's text is given back in its box (a file input cannot be).
	draft := map[string]string{action: text}
	refuse := func(key string) {
		s.showTicket(w, r, u, id, http.StatusBadRequest, "", p.Word(key), draft)
	}
	// A reply or a resolution note goes to the requester as typed. A "#priority low" line, a
	// command in a technician's mail, would reach them as text: it is refused, the text given
	// back to edit, and the page's forms do what it meant.
	if action == "reply" || action == "resolve" {
		if lines := commandLines(text); len(lines) > 0 {
			s.showTicket(w, r, u, id, http.StatusBadRequest, "",
				p.Word("error_reply_commands", "lines", strings.Join(lines, ", ")), draft)
			return
		}
	}
	var do func(tx *tickets.Tx, tk *tickets.Ticket) error
	switch action {
	case "reply":
		if text == "" {
			refuse("error_reply_empty")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error {
			return tx.WithFiles(tk, files, func(mid string) error { return tx.Reply(tk, text, u.Email, mid) })
		}
	case "note":
		if text == "" {
			refuse("error_note_empty")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Note(tk, text, u.Email) }
	case "resolve":
		if text == "" {
			refuse("error_note_required")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Resolve(tk, text, u.Email) }
	case "escalate":
		if text == "" {
			refuse("error_reason_required")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Escalate(tk, text, u.Email) }
	case "assign":
		who := r.PostFormValue("assignee")
		if _, ok := st.desk.Technician(who); !ok {
			refuse("error_not_technician")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Assign(tk, who, u.Email) }
	case "take":
		if !u.Technician {
			refuse("error_take")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Assign(tk, u.Email, u.Email) }
	case "priority":
		pr, perr := tickets.ParsePriority(r.PostFormValue("priority"))
		if perr != nil {
			refuse("error_priority")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error {
			return tx.SetPriority(tk, pr, u.Email, "set by "+u.Email)
		}
	case "category":
		c := r.PostFormValue("category")
		if _, ok := st.desk.Category(c); !ok {
			refuse("error_category")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.SetCategory(tk, c, u.Email) }
	case "pending":
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Pending(tk, u.Email) }
	case "reopen":
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Reopen(tk, u.Email) }
	case "close":
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Close(tk, u.Email) }
	case "watch":
		addr := strings.ToLower(strings.Trim(strings.TrimSpace(r.PostFormValue("email")), "<>"))
		if !strings.Contains(addr, "@") || strings.ContainsAny(addr, " \t,;<>\"") {
			refuse("error_address")
			return
		}
		if st.desk.IsDeskAddress(addr) {
			refuse("error_watch_desk")
			return
		}
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.AddWatcher(tk, addr, u.Email) }
	case "unlink":
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Unlink(tk, u.Email) }
	case "unwatch":
		addr := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
		do = func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.RemoveWatcher(tk, addr, u.Email) }
	default:
		s.fail(w, r, http.StatusNotFound, u.Lang, "error_not_found")
		return
	}
	err = s.o.Desk.Do(r.Context(), id, s.o.Now(), do)
	if key := refusal(err); key != "" {
		s.showTicket(w, r, u, id, http.StatusConflict, "", p.Word(key), draft)
		return
	}
	if errors.Is(err, tickets.ErrNoTicket) {
		s.fail(w, r, http.StatusNotFound, u.Lang, "error_not_found")
		return
	}
	if err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	s.log.Info("web: ticket action", "ticket_id", id, "action", action, "by", u.Email)
	s.o.Wake()
	http.Redirect(w, r, s.link("/t/%d?done=%s", id, action), http.StatusSeeOther)
}

// refusal is the word that says why the domain refused an action, "" for no refusal.
func refusal(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, tickets.ErrNoteRequired):
		return "error_note_required"
	case errors.Is(err, tickets.ErrAlready):
		return "error_already"
	case errors.Is(err, tickets.ErrClosed):
		return "error_closed"
	case errors.Is(err, tickets.ErrTransition):
		return "error_transition"
	case errors.Is(err, tickets.ErrNotStaff):
		return "error_not_technician"
	case errors.Is(err, tickets.ErrNoTechnician):
		return "error_no_technician"
	}
	if r := (*tickets.Refusal)(nil); errors.As(err, &r) {
		switch r.Phrase.Code {
		case tickets.PhraseEscalateTop:
			return "error_escalate_top"
		case tickets.PhraseEscalateNobody:
			return "error_escalate_nobody"
		case tickets.PhraseLinkedFollows:
			return "error_linked_follows"
		case tickets.PhraseNotLinked:
			return "error_not_linked"
		}
	}
	return ""
}

// staffFile sends any file of a ticket to staff.
func (s *Server) staffFile(w http.ResponseWriter, r *http.Request, u *user) {
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	file, err2 := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err1 != nil || err2 != nil {
		s.fail(w, r, http.StatusNotFound, u.Lang, "error_not_found")
		return
	}
	s.sendFile(w, r, u.Lang, id, file, false)
}

// commandLines are the lines of a text that a technician's mail would read as commands
// ("#priority low", "#résolu"): known verbs only, a "#hashtag" is text.
func commandLines(text string) []string {
	cmds, _ := tickets.ParseCommands(text)
	var lines []string
	for _, c := range cmds {
		if c.Verb != "" {
			lines = append(lines, c.Line)
		}
	}
	return lines
}
