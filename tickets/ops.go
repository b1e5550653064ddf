package tickets

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// NewTicket is a request to open a ticket.
type NewTicket struct {
	Subject        string
	Text           string // The visible text of the request.
	Requester      string // Lower-case address.
	RequesterName  string
	Watchers       []string // People in copy.
	Language       string   // "fr" or "en"; "" for the desk's default.
	MessageID      string   // The request's Message-ID, "" when opened by hand.
	HeaderPriority int      // X-Priority 1 (highest) … 5, 0 when absent.
	LinkedTicket   int64    // An older ticket this one follows up.
	Actor          string   // Who opened it: the requester, or a coordinator.
	NoAck          string   // Why the requester gets no acknowledgement, "" to send one.
	Quiet          bool     // The requester is not mailed automatically (quiet.go): an automatic sender.
	// WrittenBy is who wrote the request on the requester's behalf (Reply-To within the
	// organisation); "" when the requester wrote it. The technician is told.
	WrittenBy string
	known     *preparedKnown   // Its known answers, ranked before the transaction (known.go).
	prepared  *preparedRequest // Its triage and search document, made before the transaction (prepare.go).
	noAckWhy  *Phrase          // NoAck in words (journal.go); nil: NoAck as written.
}

// Explanation records why the desk judged a ticket as it did; `deskd ticket explain` prints it.
type Explanation struct {
	Category       string             `json:"category"`
	CategoryReason []string           `json:"category_reason"`
	CategoryWhy    []Phrase           `json:"category_why,omitempty"` // CategoryReason in words, one phrase each.
	Scores         map[string]float64 `json:"scores,omitempty"`       // Model scores by category.
	Priority       string             `json:"priority"`
	PriorityReason []string           `json:"priority_reason"`
	Assignee       string             `json:"assignee"`
	AssignReason   []string           `json:"assign_reason"`
	Incident       int64              `json:"incident,omitempty"`        // The incident it was linked to on arrival.
	IncidentReason []string           `json:"incident_reason,omitempty"` // Why.
	Similar        []KnownAnswer      `json:"similar,omitempty"`         // The known answers its assignee was shown.
}

// Open creates a ticket from a request: triage, deadlines, assignment, the acknowledgement to the
// requester and the notice to the assignee.
func (t *Tx) Open(req NewTicket) (*Ticket, error) {
	cfg := t.cfg.Config
	if req.Language == "" {
		req.Language = cfg.Desk.Language
	}
	if req.Actor == "" {
		req.Actor = req.Requester
	}
	subject := ticketSubject(req.Subject, req.Text)
	req.RequesterName = OneLine(req.RequesterName, maxName)
	if subject == "" {
		subject = ticketSubject(t.say(req.Language, say(PhraseNoSubject)), "")
	}
	tri, ok := req.prepared.triage(cfg, t.d.model.Load(), req)
	if !ok {
		tri = t.d.Triage(cfg, req)
	}
	tk := &Ticket{
		Subject: subject, Requester: req.Requester, RequesterName: req.RequesterName,
		Status: StatusNew, Priority: tri.Priority, Category: tri.Category, Tier: 1,
		Language: req.Language, OriginMessageID: req.MessageID, LinkedTicket: req.LinkedTicket,
	}
	t.recomputeDue(tk, t.Now)
	quiet := req.Quiet || noReply(req.Requester)
	// Detection reads the request from the index: the ticket is written first, and assigned
	// after. Otherwise it is written once, assigned, with its thread's root and its document.
	detect := t.detects(tk)
	if detect {
		if err := t.openRow(tk, req, quiet, false); err != nil {
			return nil, err
		}
		det, err := t.detectIncident(tk)
		if err != nil {
			return nil, err
		}
		if det.incident != nil {
			return tk, t.openLinked(tk, req, tri, det)
		}
	}

	pick := t.chooseTechnician(tk.Category, tk.Tier, req.Requester) // A technician's own request goes to a colleague.
	if req.LinkedTicket != 0 {
		if p, ok := t.followUpTechnician(req.LinkedTicket, req.Requester); ok {
			pick = p
		}
	}
	ex := Explanation{
		Category: tk.Category, CategoryReason: tri.CategoryReason, CategoryWhy: tri.CategoryWhy, Scores: tri.Scores,
		Priority: tk.Priority.String(), PriorityReason: tri.PriorityReason,
		Assignee: pick.Email, AssignReason: pick.Reason,
	}
	var known []KnownAnswer
	if pick.Email != "" {
		var err error
		if known, err = t.knownAnswersFor(tk, req.Text, req.known); err != nil {
			return nil, err
		}
		ex.Similar = known
	}
	if b, err := explanationJSON(&ex); err == nil {
		tk.Explain = string(b)
	}

	// The category's questions: the acknowledgement asks them in the requester's language; the
	// assignment notice, which tells what it asked, says them in the technician's.
	cat, hasCat := cfg.Category(tk.Category)
	var questions []string
	if hasCat {
		questions = cat.Questions(tk.Language)
	}
	ack := Mail{Kind: KindAck, To: []string{tk.Requester}, Language: tk.Language, Automatic: true,
		Notice: Notice{Audience: "requester", Questions: questions, Text: req.Text}, Withheld: req.NoAck, withheldWhy: req.noAckWhy}
	if pick.Email != "" {
		tk.Assignee = pick.Email
		tk.Status = StatusOpen
		tk.Tier = pick.Tier // The assignee's tier: higher when nobody was available at the first.
		if err := t.markAssigned(pick.Email); err != nil {
			return nil, err
		}
	}
	if !detect {
		// The acknowledgement is the ticket's first mail, the root of its thread (queue).
		ack.id = t.d.Signer.mailID(cfg.DeskDomain())
		tk.RootMessageID = ack.id
		if err := t.openRow(tk, req, quiet, true); err != nil {
			return nil, err
		}
	}
	ack.Cc = tk.Watchers
	if err := t.queue(tk, ack); err != nil {
		return nil, err
	}
	if detect {
		if err := t.save(tk); err != nil { // The assignment and the explanation.
			return nil, err
		}
	}
	if pick.Email == "" {
		return tk, t.tellCoordinators(tk, "unassigned", say(PhraseNoTechnicianTicket))
	}
	if err := t.event(tk, EventAssign, ActorDesk, false, pick.Email, ""); err != nil {
		return nil, err
	}
	staffLang := t.staffLanguage(pick.Email)
	if hasCat {
		questions = cat.Questions(staffLang)
	}
	if err := t.queue(tk, Mail{Kind: KindAssigned, To: []string{pick.Email}, Language: staffLang,
		Notice: Notice{Audience: "staff", Text: req.Text, Questions: questions, Similar: known, WrittenBy: req.WrittenBy}}); err != nil {
		return nil, err
	}
	if !pick.Matched {
		return tk, t.tellCoordinators(tk, "unmatched", say(PhraseNoSkill, "tier", fmt.Sprint(tk.Tier), "category", fmt.Sprintf("%q", tk.Category), "assignee", pick.Email))
	}
	return tk, nil
}

// detects reports whether incident detection looks at a new request (detectIncident): only the
// organisation's requests count.
func (t *Tx) detects(tk *Ticket) bool {
	return t.cfg.Incidents.Detect && !tk.IsIncident() && tk.Incident == 0 && t.cfg.InOrganisation(tk.Requester)
}

// openRow writes a new ticket as it stands, its requester, its watchers and the first events of
// its history. withText puts the request's text in the ticket's search document with the
// subject; otherwise the message event adds it.
func (t *Tx) openRow(tk *Ticket, req NewTicket, quiet, withText bool) error {
	var doc []string
	if withText {
		if doc = req.prepared.document(tk.Subject, req.Text, tk.Language); doc == nil {
			doc = append(subjectTerms(tk.Subject, tk.Language), requestTerms(req.Text, tk.Language)...)
		}
	}
	if err := t.insertRow(tk, quiet, doc); err != nil {
		return err
	}
	t.count(&t.d.counters.Opened, 1)
	if err := t.rememberPerson(req.Requester, req.RequesterName, req.Language); err != nil {
		return err
	}
	for _, w := range dedupe(req.Watchers, []string{req.Requester}) {
		if t.cfg.IsDeskAddress(w) {
			continue
		}
		if err := t.addWatcher(tk, w); err != nil {
			return err
		}
	}
	if withText {
		t.appendEvent(tk, EventMessage, req.Actor, true, req.Text, req.MessageID)
	} else if err := t.event(tk, EventMessage, req.Actor, true, req.Text, req.MessageID); err != nil {
		return err
	}
	if req.WrittenBy != "" {
		if err := t.said(tk, EventNote, ActorDesk, false, say(JournalOnBehalf, "writer", req.WrittenBy, "requester", req.Requester), ""); err != nil {
			return err
		}
	}
	if req.LinkedTicket != 0 {
		if err := t.said(tk, EventNote, ActorDesk, false, say(JournalFollowsUp, "id", fmt.Sprint(req.LinkedTicket)), ""); err != nil {
			return err
		}
	}
	return nil
}

// openLinked finishes opening a request that joins an incident: the incident's technician holds
// it, and the acknowledgement says the problem is known and will be fixed for everyone.
func (t *Tx) openLinked(tk *Ticket, req NewTicket, tri Judgement, det detection) error {
	inc := det.incident
	ex := Explanation{
		Category: tk.Category, CategoryReason: tri.CategoryReason, CategoryWhy: tri.CategoryWhy, Scores: tri.Scores,
		Priority: tk.Priority.String(), PriorityReason: tri.PriorityReason,
		Assignee: inc.Assignee, AssignReason: []string{fmt.Sprintf("held by incident #%d", inc.ID)},
		Incident: inc.ID, IncidentReason: det.reason,
	}
	if b, err := explanationJSON(&ex); err == nil {
		tk.Explain = string(b)
	}
	if err := t.link(tk, inc, ActorDesk); err != nil {
		return err
	}
	incInfo := t.info(inc, tk.Language)
	if err := t.queue(tk, Mail{Kind: KindAck, To: []string{tk.Requester}, Cc: tk.Watchers, Language: tk.Language, Automatic: true,
		Notice: Notice{Audience: "requester", Text: req.Text, Incident: &incInfo}, Withheld: req.NoAck, withheldWhy: req.noAckWhy}); err != nil {
		return err
	}
	if err := t.save(tk); err != nil { // queue recorded the thread's root alone.
		return err
	}
	if det.opened {
		return t.tellIncident(inc, ActorDesk)
	}
	return nil
}

// maxSubject bounds a ticket's subject, which every mail about it repeats.
const maxSubject = 150

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return strings.TrimSpace(s)
}

// tellCoordinators mails every coordinator an update about a ticket, with the reason in their
// language (none when reason has no code).
func (t *Tx) tellCoordinators(tk *Ticket, event string, reason Phrase) error {
	for _, co := range t.cfg.Coordinator {
		why := ""
		if reason.Code != "" {
			why = t.say(co.Language, reason)
		}
		if err := t.queue(tk, Mail{Kind: KindUpdate, To: []string{co.Email}, Language: co.Language,
			Notice: Notice{Audience: "staff", Event: event, Reason: why}}); err != nil {
			return err
		}
	}
	return nil
}

// recomputeDue sets the SLA deadlines from the ticket's priority, opening time and pending time.
func (t *Tx) recomputeDue(tk *Ticket, opened time.Time) {
	if !tk.CreatedAt.IsZero() {
		opened = tk.CreatedAt
	}
	sla, ok := t.cfg.SLA[tk.Priority.String()]
	if !ok {
		return
	}
	dl := Due(sla, opened, tk.Paused, t.cfg.cal)
	tk.FirstResponseDue, tk.ResolveDue = dl.FirstResponse, dl.Resolve
}

// setStatus moves a ticket, keeping the pending clock and the status event.
func (t *Tx) setStatus(tk *Ticket, to Status, actor string) error {
	if tk.Status == to {
		return nil
	}
	if tk.Status == StatusClosed {
		return fmt.Errorf("ticket %d: %w", tk.ID, ErrClosed)
	}
	if !CanMove(tk.Status, to) {
		return fmt.Errorf("ticket %d %s → %s: %w", tk.ID, tk.Status, to, ErrTransition)
	}
	from := tk.Status
	if from == StatusPending {
		paused := t.cfg.cal.Between(tk.PendingSince, t.Now)
		tk.Paused += paused
		tk.PendingSince = time.Time{}
		target := tk.ResolveDue
		t.recomputeDue(tk, t.Now)
		if tk.Escalations > 0 && !target.IsZero() {
			// An escalation restarted the resolution clock (restartResolution): the pause extends it.
			tk.ResolveDue = maxTime(tk.ResolveDue, t.cfg.cal.Add(target, paused))
		}
	}
	switch to {
	case StatusPending:
		tk.PendingSince = t.Now
	case StatusResolved:
		tk.ResolvedAt = t.Now
	case StatusClosed:
		tk.ClosedAt = t.Now
	case StatusOpen:
		tk.ResolvedAt = time.Time{}
	}
	tk.Status = to
	if err := t.said(tk, EventStatus, actor, false, say(JournalStatus, "from", string(from), "to", string(to)), ""); err != nil {
		return err
	}
	return t.save(tk)
}

func (t *Tx) mustBeOpen(tk *Ticket) error {
	if tk.Status == StatusClosed {
		return fmt.Errorf("ticket %d: %w", tk.ID, ErrClosed)
	}
	return nil
}

// Assign gives the ticket to a technician, who is told; the ticket takes the technician's tier.
// A request linked to an incident is held by the incident's technician: assigning it alone is
// refused (assign the incident, or unlink the request first).
func (t *Tx) Assign(tk *Ticket, email, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	if tk.Incident != 0 {
		return t.refuse(PhraseLinkedFollows, "id", fmt.Sprint(tk.Incident))
	}
	email = strings.ToLower(strings.TrimSpace(email))
	te, ok := t.cfg.Technician(email)
	if !ok {
		return fmt.Errorf("%s: %w", email, ErrNotStaff)
	}
	if tk.Assignee == email {
		return nil
	}
	// The ticket is at the tier of whoever holds it: an escalation then goes one tier above.
	tk.Assignee, tk.Tier = email, te.Tier
	if err := t.event(tk, EventAssign, actor, false, email, ""); err != nil {
		return err
	}
	if tk.Status == StatusNew {
		if err := t.setStatus(tk, StatusOpen, actor); err != nil {
			return err
		}
	}
	if err := t.save(tk); err != nil {
		return err
	}
	if err := t.markAssigned(email); err != nil {
		return err
	}
	if err := t.followIncident(tk); err != nil {
		return err
	}
	if err := t.assignedAway(tk, email, actor); err != nil {
		return err
	}
	if email == actor {
		return nil // #take: no need to tell oneself.
	}
	return t.queue(tk, Mail{Kind: KindAssigned, To: []string{email}, Language: t.staffLanguage(email),
		Notice: Notice{Audience: "staff", Actor: actor, ActorName: t.nameOf(actor), History: t.history(tk)}})
}

// SetPriority changes a ticket's priority and recomputes its deadlines.
func (t *Tx) SetPriority(tk *Ticket, p Priority, actor, reason string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	if p < PriorityLow || p > PriorityUrgent {
		return fmt.Errorf("priority %d out of range", p)
	}
	if tk.Priority == p {
		return nil
	}
	line := priorityLine(tk.Priority, p, actor, reason)
	tk.Priority = p
	t.recomputeDue(tk, t.Now)
	tk.BreachedDue, tk.RemindedDue = time.Time{}, time.Time{}
	if err := t.said(tk, EventPriority, actor, false, line, ""); err != nil {
		return err
	}
	return t.save(tk)
}

// Escalate raises the priority one level and hands the ticket to the next tier's specialist, who
// gets the history; the requester and the coordinators are told. At the top tier, or when nobody
// of a higher tier is available, only the priority rises and the ticket stays with whoever holds
// it, at their tier: the requester hears of the priority (never of a specialist), the holder and
// the coordinators of why. When nothing can rise (urgent already) it is refused (a Refusal). A
// request linked to an incident follows the incident and never escalates on its own: refused.
func (t *Tx) Escalate(tk *Ticket, reason, actor string) error {
	if tk.Incident != 0 {
		return t.refuse(PhraseLinkedFollows, "id", fmt.Sprint(tk.Incident))
	}
	_, err := t.escalate(tk, reason, actor, "", time.Time{})
	return err
}

// escalate is Escalate; deadline and due name the SLA deadline a desk escalation is for, so that
// each mail says it in its own language. It reports whether nobody of a higher tier was
// available (the ticket stayed with its holder below the top tier).
func (t *Tx) escalate(tk *Ticket, reason, actor, deadline string, due time.Time) (stayed bool, err error) {
	if err := t.mustBeOpen(tk); err != nil {
		return false, err
	}
	if tk.Status == StatusResolved {
		return false, fmt.Errorf("ticket %d is resolved: %w", tk.ID, ErrTransition)
	}
	reason = strings.TrimSpace(reason)
	top := tk.Tier >= t.cfg.Escalation.MaxTier
	var pick Pick
	if !top {
		// The nearest tier above with someone available; an escalation never goes down, nor
		// sideways to a colleague of the holder's tier.
		pick = t.chooseTechnician(tk.Category, tk.Tier+1, tk.Assignee)
		stayed = pick.Email == "" || pick.Tier <= tk.Tier
	}
	// At the top tier (or with nobody above) and urgent already, nothing can go up: a person's
	// escalation is refused with the reason; the job's (a missed deadline) is recorded, the
	// assignee is told and the coordinators see it in the run's summary, and the requester hears
	// nothing new.
	unchanged := (top || stayed) && tk.Priority.Raise() == tk.Priority
	if unchanged && deadline == "" {
		if stayed {
			return stayed, t.refuse(PhraseEscalateNobody, "tier", fmt.Sprint(tk.Tier+1))
		}
		return false, t.refuse(PhraseEscalateTop, "tier", fmt.Sprint(tk.Tier))
	}
	if err := t.SetPriority(tk, tk.Priority.Raise(), actor, "escalation"); err != nil {
		return stayed, err
	}
	if !unchanged {
		t.restartResolution(tk)
	}
	tk.Escalations++
	t.count(&t.d.counters.Escalations, 1)
	// The history line: how it went, in the desk's words, then the reason (a person's, as
	// written, or the missed deadline the job escalates for, in the reader's words).
	var how Phrase
	switch {
	case unchanged && stayed:
		how = Phrase{Code: JournalNobodyUnchanged}
	case unchanged:
		how = Phrase{Code: JournalTopUnchanged}
	case top:
		how = Phrase{Code: JournalTopReached}
	case stayed:
		how = say(JournalStayed, "above", fmt.Sprint(tk.Tier+1), "tier", fmt.Sprint(tk.Tier))
	}
	line := say(JournalEscalated, "reason", reason)
	line.Parts = map[string]Phrase{}
	if how.Code != "" {
		line.Parts["how"] = how
	}
	if deadline != "" && actor == ActorDesk {
		line.Parts["reason"] = t.slaPhrase(deadline, due, true)
	}
	if len(line.Parts) == 0 {
		err = t.event(tk, EventEscalate, actor, false, reason, "") // A person's reason, as written.
	} else {
		err = t.said(tk, EventEscalate, actor, false, line, "")
	}
	if err != nil {
		return stayed, err
	}
	if err := t.save(tk); err != nil {
		return stayed, err
	}
	staff := Notice{Audience: "staff", Reason: reason, Actor: actor, ActorName: t.nameOf(actor),
		Deadline: deadline, Due: due, TopTier: top, Stayed: stayed, Unchanged: unchanged}
	// Nobody above takes it over: whoever holds it is told it is pressing, and why it is still
	// theirs; so is a technician who asked for a hand-over that did not happen.
	var holders []string
	if (top || stayed) && tk.Assignee != "" && (tk.Assignee != actor || stayed) {
		holders = append(holders, tk.Assignee)
	}
	if _, tech := t.cfg.Technician(actor); stayed && tech && actor != tk.Assignee {
		holders = append(holders, actor)
	}
	for _, who := range holders {
		if err := t.queue(tk, Mail{Kind: KindEscalated, To: []string{who}, Language: t.staffLanguage(who), Notice: staff}); err != nil {
			return stayed, err
		}
	}
	if !top && !stayed && pick.Email != tk.Assignee {
		tk.Tier = pick.Tier // The tier just above, or the nearest above it with someone available.
		tk.Assignee = pick.Email
		if tk.Status == StatusNew {
			if err := t.setStatus(tk, StatusOpen, actor); err != nil {
				return stayed, err
			}
		}
		if err := t.event(tk, EventAssign, ActorDesk, false, pick.Email, ""); err != nil {
			return stayed, err
		}
		if err := t.save(tk); err != nil {
			return stayed, err
		}
		if err := t.markAssigned(pick.Email); err != nil {
			return stayed, err
		}
		if err := t.followIncident(tk); err != nil {
			return stayed, err
		}
		n := staff
		n.History, n.AllAttachments = t.history(tk), true
		if pick.Email != actor { // A technician escalating to themselves is not told.
			if err := t.queue(tk, Mail{Kind: KindEscalated, To: []string{pick.Email}, Language: t.staffLanguage(pick.Email), Notice: n}); err != nil {
				return stayed, err
			}
		}
	}
	if !unchanged { // A quiet ticket's requester is left out when it is queued (spareRequester).
		if err := t.tellEscalated(tk, Notice{Audience: "requester", TopTier: top, Stayed: stayed}); err != nil {
			return stayed, err
		}
	}
	if t.runSummary {
		return stayed, nil // The run's summary lists it, marked when nobody above was available.
	}
	for _, co := range t.cfg.Coordinator {
		if co.Email == actor && !stayed {
			continue // Nobody is told of their own action, unless it did not do what they asked.
		}
		if err := t.queue(tk, Mail{Kind: KindEscalated, To: []string{co.Email}, Language: co.Language, Notice: staff}); err != nil {
			return stayed, err
		}
	}
	return stayed, nil
}

// Resolve closes the work on a ticket with a resolution note, which the requester receives.
func (t *Tx) Resolve(tk *Ticket, note, actor string) error {
	note = strings.TrimSpace(note)
	if note == "" {
		return ErrNoteRequired
	}
	if tk.Status == StatusResolved {
		return fmt.Errorf("ticket %d is already resolved: %w", tk.ID, ErrAlready)
	}
	if err := t.setStatus(tk, StatusResolved, actor); err != nil {
		return err
	}
	if tk.FirstResponseAt.IsZero() {
		tk.FirstResponseAt = t.Now
	}
	if err := t.event(tk, EventReply, actor, true, note, ""); err != nil {
		return err
	}
	if err := t.save(tk); err != nil {
		return err
	}
	if err := t.learn(tk); err != nil {
		return err
	}
	if err := t.queue(tk, Mail{Kind: KindResolved, To: []string{tk.Requester}, Cc: tk.Watchers, Language: tk.Language,
		Notice: Notice{Audience: "requester", Note: note, Actor: actor, ActorName: t.nameOf(actor), Signature: t.signature(actor)}}); err != nil {
		return err
	}
	if tk.IsIncident() {
		told := map[string]bool{}
		once(told, append([]string{tk.Requester}, tk.Watchers...))
		if err := t.resolveLinked(tk, note, actor, told); err != nil {
			return err
		}
	}
	return t.tellAssignee(tk, actor, Notice{Event: "resolved", Note: note})
}

// Note adds an internal note; the other technicians on the ticket receive it, never the requester.
func (t *Tx) Note(tk *Ticket, text, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("empty note")
	}
	if err := t.event(tk, EventNote, actor, false, text, ""); err != nil {
		return err
	}
	for _, who := range t.technicianParticipants(tk, actor) {
		if err := t.queue(tk, Mail{Kind: KindUpdate, To: []string{who}, Language: t.staffLanguage(who),
			Notice: Notice{Audience: "staff", Event: "note", Note: text, Actor: actor, ActorName: t.nameOf(actor)}}); err != nil {
			return err
		}
	}
	return nil
}

// technicianParticipants lists the technicians who worked on the ticket or hold it, but not except.
func (t *Tx) technicianParticipants(tk *Ticket, except string) []string {
	var out []string
	seen := map[string]bool{except: true, "": true}
	add := func(e string) {
		if _, ok := t.cfg.Technician(e); ok && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	add(tk.Assignee)
	rows, err := t.query(`SELECT actor FROM events WHERE ticket_id = ? GROUP BY actor ORDER BY MIN(id)`, tk.ID)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if rows.Scan(&a) == nil {
			add(a)
		}
	}
	return out
}

// signature is how the desk signs a technician's public mail: "Alice Martin — Support Informatique".
func (t *Tx) signature(actor string) string {
	if te, ok := t.cfg.Technician(actor); ok {
		if te.Signature != "" {
			return te.Signature
		}
		return te.Name + " — " + t.cfg.Desk.Name
	}
	return t.cfg.Desk.Name
}

// Reply sends a technician's public answer to the requester and watchers. It counts as the first
// response, and an unassigned ticket goes to the technician who answered. On an incident it is
// IncidentUpdate: the answer goes to the requesters and watchers of its linked requests.
func (t *Tx) Reply(tk *Ticket, text, actor, messageID string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	if tk.IsIncident() {
		// An incident's requester is the desk: answering it is answering everyone it stands for,
		// whether the answer comes by mail, from the web desk or the CLI.
		return t.IncidentUpdate(tk, text, actor)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return fmt.Errorf("empty reply")
	}
	if err := t.event(tk, EventReply, actor, true, text, messageID); err != nil {
		return err
	}
	if tk.FirstResponseAt.IsZero() {
		tk.FirstResponseAt = t.Now
	}
	if tk.Assignee == "" {
		if te, ok := t.cfg.Technician(actor); ok {
			tk.Assignee, tk.Tier = actor, te.Tier
			if err := t.event(tk, EventAssign, actor, false, actor, ""); err != nil {
				return err
			}
		}
	}
	if tk.Status == StatusNew {
		if err := t.setStatus(tk, StatusOpen, actor); err != nil {
			return err
		}
	}
	if err := t.save(tk); err != nil {
		return err
	}
	if err := t.queue(tk, Mail{Kind: KindReply, To: []string{tk.Requester}, Cc: tk.Watchers, Language: tk.Language,
		Notice: Notice{Audience: "requester", Text: text, Actor: actor, ActorName: t.nameOf(actor), Signature: t.signature(actor)}}); err != nil {
		return err
	}
	return t.tellAssignee(tk, actor, Notice{Event: "answered", Text: text})
}

// tellAssignee tells the assignee what a colleague did on their ticket.
func (t *Tx) tellAssignee(tk *Ticket, actor string, n Notice) error {
	if tk.Assignee == "" || tk.Assignee == actor {
		return nil
	}
	n.Audience, n.Actor, n.ActorName = "staff", actor, t.nameOf(actor)
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{tk.Assignee}, Language: t.staffLanguage(tk.Assignee), Notice: n})
}

// Message appends a mail from the requester or a watcher. A resolved ticket reopens; a pending one
// opens again; the assignee receives the new text.
func (t *Tx) Message(tk *Ticket, text, from, messageID string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	if err := t.event(tk, EventMessage, from, true, text, messageID); err != nil {
		return err
	}
	event := "message"
	if tk.Status == StatusResolved {
		event = "reopened"
	}
	if err := t.stillBroken(tk, from); err != nil {
		return err
	}
	if err := t.save(tk); err != nil {
		return err
	}
	if tk.Assignee == "" {
		return t.tellCoordinators(tk, event, Phrase{})
	}
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{tk.Assignee}, Language: t.staffLanguage(tk.Assignee),
		Notice: Notice{Audience: "staff", Event: event, Text: text, Actor: from, ActorName: t.nameOf(from)}})
}

// stillBroken takes back to open work a request whose requester says, by a reply or by answering
// "was your problem solved?", that the problem is still theirs: a resolved or pending ticket
// opens again, and a request resolved with its incident leaves the incident and reopens alone
// (its own technician, SLA and escalations apply again).
func (t *Tx) stillBroken(tk *Ticket, from string) error {
	if tk.Incident != 0 && !tk.Status.Active() {
		if err := t.unlink(tk, ActorDesk); err != nil {
			return err
		}
	}
	if tk.Status == StatusResolved || tk.Status == StatusPending {
		return t.setStatus(tk, StatusOpen, from)
	}
	return nil
}

// Pending marks the ticket as waiting on the requester: its SLA clocks stop.
func (t *Tx) Pending(tk *Ticket, actor string) error { return t.setStatus(tk, StatusPending, actor) }

// Reopen takes a resolved ticket back to open.
func (t *Tx) Reopen(tk *Ticket, actor string) error {
	if tk.Status != StatusResolved && tk.Status != StatusPending {
		return fmt.Errorf("ticket %d is %s, not resolved: %w", tk.ID, tk.Status, ErrTransition)
	}
	return t.setStatus(tk, StatusOpen, actor)
}

// Close ends a resolved ticket and sends the requester a last mail.
func (t *Tx) Close(tk *Ticket, actor string) error {
	if tk.Status == StatusClosed {
		return fmt.Errorf("ticket %d is already closed: %w", tk.ID, ErrAlready)
	}
	if err := t.setStatus(tk, StatusClosed, actor); err != nil {
		return err
	}
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{tk.Requester}, Language: tk.Language, Automatic: true,
		Notice: Notice{Audience: "requester", Event: "closed"}})
}

// SetCategory changes a ticket's category; the correction teaches the classifier.
func (t *Tx) SetCategory(tk *Ticket, category, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	category = strings.ToLower(strings.TrimSpace(category))
	if _, ok := t.cfg.Category(category); !ok {
		return fmt.Errorf("unknown category %q", category)
	}
	if tk.Category == category {
		return nil
	}
	if err := t.event(tk, EventCategory, actor, false, fmt.Sprintf("%q → %q", tk.Category, category), ""); err != nil {
		return err
	}
	tk.Category = category
	if err := t.learn(tk); err != nil {
		return err
	}
	return t.save(tk)
}

// AddWatcher puts someone in copy of the ticket's public mails.
func (t *Tx) AddWatcher(tk *Ticket, email, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !validAddress(email) {
		return fmt.Errorf("%q is not an e-mail address", email)
	}
	if email == tk.Requester || t.cfg.IsDeskAddress(email) {
		return nil
	}
	if err := t.addWatcher(tk, email); err != nil {
		return err
	}
	return t.event(tk, EventWatcher, actor, false, "+"+email, "")
}

func (t *Tx) addWatcher(tk *Ticket, email string) error {
	res, err := t.exec(`INSERT OR IGNORE INTO watchers (ticket_id, email) VALUES (?, ?)`, tk.ID, email)
	if err != nil {
		return fmt.Errorf("add watcher: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		tk.Watchers = append(tk.Watchers, email) // The primary key keeps them unique.
	}
	return nil
}

// RemoveWatcher takes someone out of copy.
func (t *Tx) RemoveWatcher(tk *Ticket, email, actor string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if _, err := t.exec(`DELETE FROM watchers WHERE ticket_id = ? AND email = ?`, tk.ID, email); err != nil {
		return fmt.Errorf("remove watcher: %w", err)
	}
	var ws []string
	for _, w := range tk.Watchers {
		if w != email {
			ws = append(ws, w)
		}
	}
	tk.Watchers = ws
	return t.event(tk, EventWatcher, actor, false, "-"+email, "")
}

// history is a ticket's story for a specialist: its public messages and notes.
func (t *Tx) history(tk *Ticket) []Entry {
	rows, err := t.query(`SELECT at, kind, actor, public, text, phrase FROM events WHERE ticket_id = ?
		AND kind IN ('message', 'reply', 'note', 'escalate') ORDER BY id`, tk.ID)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var phrase string
		if rows.Scan(&at, &e.Kind, &e.Actor, &e.Public, &e.Text, &phrase) == nil {
			e.At, e.Phrase = time.Unix(at, 0).UTC(), readPhrase(phrase)
			out = append(out, e)
		}
	}
	return out
}

// Desk-level operations, for the CLI: each loads the ticket and runs one operation in its own
// transaction.

// Do runs fn on ticket id in one transaction.
func (d *Desk) Do(ctx context.Context, id int64, now time.Time, fn func(*Tx, *Ticket) error) error {
	return d.Update(ctx, now, func(tx *Tx) error {
		tk, err := tx.Ticket(id)
		if err != nil {
			return err
		}
		return fn(tx, tk)
	})
}
