package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/deskd/deskd/tickets"
)

// Requesters reach the web desk only through the signed links of the mails the desk sends them
// (tickets.Signer.Link): a link opens the public page of one ticket for one address — the
// requester's or a watcher's — until it expires. The page shows the conversation (never an
// internal note), who is on the ticket, and a form to add a message or a file, which goes through
// the same domain operation as the requester's mail (tickets.Tx.Message): the technician is told.

// Links makes the web desk's links of a mail for its recipient; it implements mailout.Linker.
func (s *Server) Links(m tickets.OutboxMail, recipient string, now time.Time) tickets.Links {
	st := s.settings()
	var l tickets.Links
	if m.Kind == tickets.KindSignIn && m.Notice.SignIn != "" {
		l.SignIn = st.base + "/signin/" + s.o.Signer.SignInToken(m.Notice.SignIn, recipient)
		return l
	}
	if m.TicketID == 0 || m.Notice.Audience != "requester" {
		return l
	}
	claim := tickets.LinkClaim{Purpose: tickets.LinkPage, TicketID: m.TicketID, Recipient: recipient,
		Expires: now.Add(st.cfg.LinkValid.Duration)}
	l.Page = st.base + "/r/" + s.o.Signer.Link(claim)
	if m.Kind == tickets.KindResolved {
		claim.Purpose = tickets.LinkSolved
		l.Solved = st.base + "/v/" + s.o.Signer.Link(claim)
		claim.Purpose = tickets.LinkUnsolved
		l.Unsolved = st.base + "/v/" + s.o.Signer.Link(claim)
	}
	return l
}

// guest is someone who came with a link: the address it was made for, and its ticket.
type guest struct {
	Email  string
	Token  string
	Claim  tickets.LinkClaim
	Ticket *tickets.Ticket
}

// requester wraps a handler for a link's holder. A link that is forged or altered, expired, made
// for someone no longer on the ticket, or of another purpose than the page's, opens nothing.
func (s *Server) requester(h func(http.ResponseWriter, *http.Request, *guest)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := s.browserLanguage(r)
		token := r.PathValue("token")
		claim, err := s.o.Signer.VerifyLink(token, s.o.Now())
		if errors.Is(err, tickets.ErrLinkExpired) {
			s.fail(w, r, http.StatusForbidden, lang, "error_link_expired", "desk", s.settings().desk.Desk.Address)
			return
		}
		vote := strings.HasPrefix(r.URL.Path, "/v/")
		if err != nil || (claim.Purpose == tickets.LinkPage) == vote {
			s.fail(w, r, http.StatusNotFound, lang, "error_link")
			return
		}
		tk, err := s.o.Store.Ticket(r.Context(), claim.TicketID)
		if errors.Is(err, tickets.ErrNoTicket) {
			s.fail(w, r, http.StatusNotFound, lang, "error_link")
			return
		}
		if err != nil {
			s.failErr(w, r, lang, err)
			return
		}
		if claim.Recipient != tk.Requester && !slices.Contains(tk.Watchers, claim.Recipient) {
			s.fail(w, r, http.StatusForbidden, tk.Language, "error_forbidden")
			return
		}
		if r.Method == http.MethodPost {
			if !s.readForm(w, r, tk.Language) {
				return
			}
			if !s.formTokenOK(r) {
				s.fail(w, r, http.StatusForbidden, tk.Language, "error_csrf")
				return
			}
		}
		h(w, r, &guest{Email: claim.Recipient, Token: token, Claim: claim, Ticket: tk})
	}
}

// publicEntry is one line of the conversation a requester sees.
type publicEntry struct {
	At    time.Time
	Who   string
	Staff bool // Written by the desk's team.
	Own   bool // Written by the link's holder.
	Text  string
	Files []tickets.Attachment
}

type followUpData struct {
	Guest    *guest
	Ticket   *tickets.Ticket
	Ref      string
	Assignee string
	Entries  []publicEntry
	Closed   bool
	Sent     bool
	MaxSize  int64
}

// followUp shows a ticket's public page.
func (s *Server) followUp(w http.ResponseWriter, r *http.Request, g *guest) {
	s.showFollowUp(w, r, g, http.StatusOK, "")
}

func (s *Server) showFollowUp(w http.ResponseWriter, r *http.Request, g *guest, status int, problem string) {
	ctx := r.Context()
	st := s.settings()
	tk := g.Ticket
	evs, err := s.o.Store.Events(ctx, tk.ID)
	if err != nil {
		s.failErr(w, r, tk.Language, err)
		return
	}
	atts, err := s.o.Store.PublicAttachments(ctx, tk.ID)
	if err != nil {
		s.failErr(w, r, tk.Language, err)
		return
	}
	srcs, err := s.o.Store.AttachmentSources(ctx, tk.ID)
	if err != nil {
		s.failErr(w, r, tk.Language, err)
		return
	}
	var who []string
	for _, e := range evs {
		who = append(who, e.Actor)
	}
	names, err := s.o.Store.Names(ctx, who)
	if err != nil {
		s.failErr(w, r, tk.Language, err)
		return
	}
	d := followUpData{Guest: g, Ticket: tk, Ref: fmt.Sprintf("[%s #%d]", st.desk.Desk.Tag, tk.ID),
		Closed: tk.Status == tickets.StatusClosed, Sent: r.URL.Query().Get("sent") == "1",
		MaxSize: maxUpload(st.desk)}
	if tk.Assignee != "" {
		d.Assignee = personName(st.desk, names, tk.Assignee)
	}
	for _, e := range evs {
		if !e.Public || (e.Kind != tickets.EventMessage && e.Kind != tickets.EventReply) {
			continue
		}
		pe := publicEntry{At: e.At, Who: personName(st.desk, names, e.Actor), Staff: st.desk.IsStaff(e.Actor),
			Own: e.Actor == g.Email, Text: e.Text}
		for _, a := range atts {
			if e.MessageID != "" && srcs[a.ID] == e.MessageID {
				pe.Files = append(pe.Files, a)
			}
		}
		d.Entries = append(d.Entries, pe)
	}
	s.render(w, r, status, tk.Language, "requester", view{Title: "req_title", CSRF: s.formToken(w, r), Problem: problem, Data: d})
}

// personName is how the page names someone: staff by their configured name, others by the name
// of their mails, else their address.
func personName(cfg *tickets.Config, names map[string]string, email string) string {
	if te, ok := cfg.Technician(email); ok {
		return te.Name
	}
	if co, ok := cfg.CoordinatorByEmail(email); ok && co.Name != "" {
		return co.Name
	}
	if n := names[email]; n != "" {
		return n
	}
	return email
}

// maxUpload bounds the files of one form: the desk's attachment limit, 25 MB without one.
func maxUpload(cfg *tickets.Config) int64 {
	if n := int64(cfg.Desk.MaxAttachment); n > 0 {
		return n
	}
	return 25 << 20
}

// readUploads reads the text and the files of a posted form, within the desk's limit (the
// handlers' wrappers bound the body before anything reads it).
func readUploads(r *http.Request, limit int64) (text string, files []tickets.Upload, err error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return strings.TrimSpace(r.PostFormValue("text")), nil, nil
		}
		return "", nil, err
	}
	text = strings.TrimSpace(r.PostFormValue("text"))
	var total int64
	for _, fh := range r.MultipartForm.File["file"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		total += fh.Size
		if total > limit {
			return "", nil, errTooBig
		}
		f, err := fh.Open()
		if err != nil {
			return "", nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, limit+1))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", nil, err
		}
		ct := cleanContentType(fh.Header.Get("Content-Type"))
		files = append(files, tickets.Upload{Name: cleanName(fh.Filename), ContentType: ct, Data: data})
	}
	return text, files, nil
}

var errTooBig = errors.New("upload over the size limit")

// cleanContentType is an upload's Content-Type as the desk keeps it and writes it in its mails:
// the browser's type/subtype when well-formed (RFC 2045 section 5.1), with its charset only when
// it names one the desk can decode, else application/octet-stream. The form part's header is
// whatever the client wrote: more parameters, a quote left open, a line break.
func cleanContentType(ct string) string {
	const unknown = "application/octet-stream"
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) || strings.Count(mt, "/") != 1 {
		return unknown
	}
	keep := map[string]string{}
	if cs := strings.ToLower(params["charset"]); cs != "" && strings.HasPrefix(mt, "text/") {
		if enc, err := ianaindex.MIME.Encoding(cs); err == nil && enc != nil {
			keep["charset"] = cs
		}
	}
	if s := mime.FormatMediaType(mt, keep); s != "" {
		return s
	}
	return unknown
}

// cleanName keeps the last element of a file name, without control characters.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if strings.TrimSpace(name) == "" {
		return "file"
	}
	return name
}

// followUpPost adds a requester's message or files to the ticket, as their mail would.
func (s *Server) followUpPost(w http.ResponseWriter, r *http.Request, g *guest) {
	tk := g.Ticket
	st := s.settings()
	p := st.words.Page(tk.Language, nil)
	if !s.posts.allow(g.Token, s.o.Now()) {
		s.showFollowUp(w, r, g, http.StatusTooManyRequests, p.Word("req_too_many", "desk", st.desk.Desk.Address))
		return
	}
	text, files, err := readUploads(r, maxUpload(st.desk))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.Is(err, errTooBig) || errors.As(err, &mbe) {
			s.showFollowUp(w, r, g, http.StatusRequestEntityTooLarge, p.Word("error_too_big"))
			return
		}
		s.showFollowUp(w, r, g, http.StatusBadRequest, p.Word("error_form"))
		return
	}
	if text == "" && len(files) == 0 {
		s.showFollowUp(w, r, g, http.StatusBadRequest, p.Word("req_empty"))
		return
	}
	if tk.Status == tickets.StatusClosed {
		s.showFollowUp(w, r, g, http.StatusConflict, p.Word("req_closed", "desk", st.desk.Desk.Address))
		return
	}
	if text == "" {
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		text = "attached: " + strings.Join(names, ", ") // The journal's language.
	}
	err = s.o.Desk.Do(r.Context(), tk.ID, s.o.Now(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.WithFiles(tk, files, func(messageID string) error {
			// The same judgement as a mail reply: a thank-you to a resolution reopens nothing.
			_, err := tx.RequesterReply(tk, text, g.Email, "", messageID)
			return err
		})
	})
	if err != nil {
		if errors.Is(err, tickets.ErrClosed) {
			s.showFollowUp(w, r, g, http.StatusConflict, p.Word("req_closed", "desk", st.desk.Desk.Address))
			return
		}
		s.failErr(w, r, tk.Language, err)
		return
	}
	s.log.Info("web: requester message", "ticket_id", tk.ID, "from", g.Email, "files", len(files))
	s.o.Wake()
	http.Redirect(w, r, s.link("/r/%s?sent=1", g.Token), http.StatusSeeOther)
}

// requesterFile sends a file of the conversation to the link's holder.
func (s *Server) requesterFile(w http.ResponseWriter, r *http.Request, g *guest) {
	id, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, g.Ticket.Language, "error_not_found")
		return
	}
	s.sendFile(w, r, g.Ticket.Language, g.Ticket.ID, id, true)
}

// sendFile sends an attachment as a download: never shown inline, never sniffed.
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, lang string, ticketID, id int64, publicOnly bool) {
	a, data, public, err := s.o.Store.AttachmentData(r.Context(), ticketID, id)
	if errors.Is(err, tickets.ErrNoTicket) || (err == nil && publicOnly && !public) || (err == nil && data == nil) {
		s.fail(w, r, http.StatusNotFound, lang, "error_not_found")
		return
	}
	if err != nil {
		s.failErr(w, r, lang, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", contentDisposition(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

type voteData struct {
	Guest   *guest
	Ref     string
	Solved  bool
	Done    bool
	Already bool // The link had answered before: its answer stands.
	Closed  bool // The ticket was closed: "no" opens a request that follows it up.
}

// voteForm is the page of a one-click answer: a GET only shows the question, so that mail
// scanners following the link do not answer; the button posts the answer.
func (s *Server) voteForm(w http.ResponseWriter, r *http.Request, g *guest) {
	st := s.settings()
	s.render(w, r, http.StatusOK, g.Ticket.Language, "vote", view{Title: "vote_title", CSRF: s.formToken(w, r),
		Data: voteData{Guest: g, Ref: fmt.Sprintf("[%s #%d]", st.desk.Desk.Tag, g.Ticket.ID), Solved: g.Claim.Purpose == tickets.LinkSolved,
			Closed: g.Ticket.Status == tickets.StatusClosed}})
}

// vote records the answer; "no" reopens the ticket and tells the technician (a closed one: opens
// a request that follows it up).
func (s *Server) vote(w http.ResponseWriter, r *http.Request, g *guest) {
	st := s.settings()
	solved := g.Claim.Purpose == tickets.LinkSolved
	closed := g.Ticket.Status == tickets.StatusClosed
	comment := r.PostFormValue("comment")
	answered := false
	err := s.o.Desk.Do(r.Context(), g.Ticket.ID, s.o.Now(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		var err error
		answered, err = tx.RateByLink(tk, solved, comment, g.Email, g.Token)
		return err
	})
	if err != nil {
		s.failErr(w, r, g.Ticket.Language, err)
		return
	}
	if answered {
		s.log.Info("web: satisfaction", "ticket_id", g.Ticket.ID, "from", g.Email, "solved", solved)
		s.o.Wake()
	}
	s.render(w, r, http.StatusOK, g.Ticket.Language, "vote", view{Title: "vote_title",
		Data: voteData{Guest: g, Ref: fmt.Sprintf("[%s #%d]", st.desk.Desk.Tag, g.Ticket.ID), Solved: solved, Done: true, Already: !answered, Closed: closed}})
}
