package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Incidents: one problem, many requesters. When the VPN goes down, thirty people write within
// minutes; the desk links their requests to one incident, a ticket of its own held by one
// technician. The requesters are told the problem is known; the technician's #update reaches
// each of them, and one #resolve answers them all, each once, in their own thread and language.
//
// A request is linked when it arrives (detectIncident) if it is alike (similarity at least
// [incidents] similarity, on all its terms and on what it says fails: incident_terms.go) to a
// request already linked to an active incident of its category, or to enough recent requests of
// its category ([incidents] min_requests within window) to make a new incident. Staff link and unlink by hand (#incident, #link N, #unlink). A linked request:
//
//   - is held by the incident's technician (it follows the incident's assignee), but weighs
//     nothing in their load and never escalates on its own: the incident does, once;
//   - is resolved with the incident, with its note;
//   - reopens alone when its requester writes after the resolution, and then leaves the
//     incident, whose work is over.

// Refusal is a rule of the desk an action breaks, said as a phrase: a command refused by mail
// tells its author in their language; the CLI prints Text.
type Refusal struct {
	Phrase Phrase
	Text   string // The phrase in JournalLanguage.
}

func (r *Refusal) Error() string { return r.Text }

// refuse is a Refusal of phrase code with its arguments.
func (t *Tx) refuse(code string, kv ...string) error {
	p := say(code, kv...)
	return &Refusal{Phrase: p, Text: t.say(JournalLanguage, p)}
}

// active are the statuses of a ticket still being worked on.
var active = []Status{StatusNew, StatusOpen, StatusPending}

// detection is what detectIncident decided, for the ticket's explanation.
type detection struct {
	incident *Ticket  // The incident the request joins; nil for none.
	opened   bool     // The incident was opened for it.
	reason   []string // Why, in the journal's words.
}

// detectIncident looks for the incident a new request belongs to: an active incident of its
// category with an alike request linked (or alike itself), else enough alike recent requests of
// its category to open one. The request is indexed already.
func (t *Tx) detectIncident(tk *Ticket) (detection, error) {
	cfg := t.cfg.Incidents
	// Only the organisation's requests count: strangers' mails cannot make the desk see an
	// outage (and tell its staff of it).
	if !cfg.Detect || tk.IsIncident() || tk.Incident != 0 || !t.cfg.InOrganisation(tk.Requester) {
		return detection{}, nil
	}
	if err := t.flushPending(); err != nil { // It reads search_terms directly.
		return detection{}, err
	}
	ctx, q, dia := context.Background(), t.tx, t.d.Store.search
	terms, self, err := selfScore(ctx, q, dia, tk.ID)
	if err != nil || self == 0 {
		return detection{}, err
	}
	// What the request says fails, its place and complaint words aside (incident_terms.go).
	sub, err := substanceOf(ctx, q, dia, tk, terms)
	if err != nil || sub.self == 0 {
		return detection{}, err
	}
	onSubstance := map[int64]float64{} // The candidates' similarity on substantive terms.
	sameThing := map[int64]bool{}      // The candidates that say the same thing fails (sameFailure).
	names := map[int64]bool{}          // The candidates that name one of what the request says fails (rank).
	pct := func(r rankedTicket) string {
		same := ""
		if sameThing[r.id] {
			same = fmt.Sprintf(", the same failing %s", strings.Join(sub.failing.things, " "))
		}
		return fmt.Sprintf("%.0f%%, %.0f%% on what fails%s", 100*similarity(r.score, self), 100*onSubstance[r.id], same)
	}
	// alike keeps the candidates alike enough: of the request's category (or either without
	// one: the classifier abstains on little evidence), or, since the classifier may file one
	// problem under two categories, by a wider margin; and alike on their substantive terms
	// alone. Or, whatever their categories and their words, saying the same thing fails.
	alikeTo := func(ranked []rankedTicket) ([]*Ticket, []rankedTicket, error) {
		var tks []*Ticket
		var kept []rankedTicket
		for _, r := range ranked {
			alike := r.score >= 0 && similarity(r.score, self) >= cfg.Similarity
			var doc []string // Read first when only sameFailure may keep it: most hold not all it names.
			if !alike {
				if !names[r.id] {
					continue
				}
				var err error
				if doc, err = searchDoc(ctx, q, dia, r.id); err != nil {
					return nil, nil, err
				}
				if !containsAll(doc, sub.failing.things) {
					continue
				}
				if r.score < 0 { // Ranked for what it names (rank): its score for the request's terms.
					if r.score, err = scoreOf(ctx, q, dia, terms, r.id); err != nil {
						return nil, nil, err
					}
					alike = similarity(r.score, self) >= cfg.Similarity
				}
			}
			other, err := t.Ticket(r.id)
			if err != nil {
				return nil, nil, err
			}
			apart := other.Category != tk.Category && other.Category != "" && tk.Category != ""
			alike = alike && !(apart && similarity(r.score, self) < cfg.Similarity+crossCategoryMargin)
			if !alike && len(sub.failing.things) == 0 {
				continue
			}
			if !other.IsIncident() && !t.cfg.InOrganisation(other.Requester) || t.underWay(other) {
				continue
			}
			if !other.IsIncident() && Mailbox(other.Requester) == Mailbox(tk.Requester) {
				// One's own requests share one's signature, one's words: alike to them says
				// nothing of an outage.
				continue
			}
			s, same, err := sub.similarityTo(ctx, q, dia, other, doc)
			if err != nil {
				return nil, nil, err
			}
			if !(alike && s >= cfg.Similarity) && !same {
				continue
			}
			onSubstance[r.id], sameThing[r.id] = s, same
			tks, kept = append(tks, other), append(kept, r)
		}
		return tks, kept, nil
	}
	// rank ranks the candidates of filter f for the request's query terms and, when it names
	// something failing, those that name it too, whatever else they say (in names).
	rank := func(f SearchFilter, limit int) ([]rankedTicket, error) {
		ranked, err := rankTickets(ctx, q, dia, terms, f, limit)
		if err != nil || len(sub.failing.things) == 0 {
			return ranked, err
		}
		naming, err := rankTickets(ctx, q, dia, sub.failing.things, f, limit)
		if err != nil {
			return nil, err
		}
		seen := map[int64]bool{}
		for _, r := range ranked {
			seen[r.id] = true
		}
		for _, r := range naming {
			names[r.id] = true
			if !seen[r.id] {
				// Scored for the request's own terms by alikeTo, if it holds what the request names.
				r.score = -1
				ranked = append(ranked, r)
			}
		}
		return ranked, nil
	}
	// An incident already open for it: alike to one of its requests, or to the incident itself.
	joined, err := rank(SearchFilter{Statuses: active, Linked: true, Exclude: tk.ID}, 20)
	if err != nil {
		return detection{}, err
	}
	incidents, err := rank(SearchFilter{Statuses: active, Kind: TicketIncident}, 5)
	if err != nil {
		return detection{}, err
	}
	others, kept, err := alikeTo(append(joined, incidents...))
	if err != nil {
		return detection{}, err
	}
	for i, other := range others {
		r := kept[i]
		incID := other.Incident
		if other.IsIncident() {
			incID = other.ID
		}
		inc, err := t.Ticket(incID)
		if err != nil || !inc.Status.Active() {
			continue
		}
		return detection{incident: inc, reason: []string{fmt.Sprintf("alike to #%d (%s), linked to incident #%d", other.ID, pct(r), inc.ID)}}, nil
	}
	// Enough alike recent requests to make one.
	recent, err := rank(SearchFilter{Statuses: active, Kind: TicketRequest,
		Unlinked: true, Since: t.Now.Add(-cfg.Window.Duration), Exclude: tk.ID}, 50)
	if err != nil {
		return detection{}, err
	}
	members, alike, err := alikeTo(recent)
	if err != nil {
		return detection{}, err
	}
	// An outage is seen by several people: one person writing again and again is one request,
	// however many mails (their mailbox counts once, case and +tag aside).
	people := map[string]bool{Mailbox(tk.Requester): true}
	for _, m := range members {
		people[Mailbox(m.Requester)] = true
	}
	if len(alike)+1 < cfg.MinRequests || len(people) < cfg.MinRequests {
		return detection{}, nil
	}
	opened := say(JournalIncidentOpened, "count", fmt.Sprint(len(alike)+1), "window", spoken(cfg.Window.Duration),
		"id", fmt.Sprint(tk.ID), "category", tk.Category)
	var why []string // The detection's reason, in the journal's words.
	for i, m := range members {
		why = append(why, fmt.Sprintf("#%d %s (%s)", m.ID, quoteCategory(m.Category), pct(alike[i])))
		opened.List = append(opened.List, say(JournalIncidentMember, "id", fmt.Sprint(m.ID), "category", m.Category,
			"alike", fmt.Sprintf("%.0f", 100*similarity(alike[i].score, self)), "what", fmt.Sprintf("%.0f", 100*onSubstance[alike[i].id])))
	}
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	inc, err := t.openIncident(members[0], ActorDesk, opened)
	if err != nil {
		return detection{}, err
	}
	for _, m := range members {
		if err := t.link(m, inc, ActorDesk); err != nil {
			return detection{}, err
		}
	}
	return detection{incident: inc, opened: true, reason: []string{fmt.Sprintf("alike to %s within %s: opened incident #%d",
		strings.Join(why, ", "), spoken(cfg.Window.Duration), inc.ID)}}, nil
}

// isAway reports whether a technician is away now, as assignment reads it.
func (t *Tx) isAway(email string) bool {
	loads, err := t.Loads()
	return err == nil && loads[email].Away
}

// underWay reports whether a request not linked to an incident is being worked on its own: a
// technician answered its requester, it was escalated, or someone outside the organisation (a
// vendor added with #cc) follows it. Detection does not absorb such a request into an incident,
// whose resolution would answer its requester and its watchers: its technician links it if it is
// the same problem (#link N).
func (t *Tx) underWay(tk *Ticket) bool {
	if tk.IsIncident() || tk.Incident != 0 {
		return false
	}
	if !tk.FirstResponseAt.IsZero() || tk.Escalations > 0 {
		return true
	}
	for _, w := range tk.Watchers {
		if !t.cfg.InOrganisation(w) {
			return true
		}
	}
	return false
}

// crossCategoryMargin is how much more alike than [incidents] similarity a request must be to
// one of another category to be linked with it: one outage is sometimes filed under two
// categories ("the Z: drive is gone": network or software), but most alike requests of two
// categories are two problems.
const crossCategoryMargin = 0.15

// quoteCategory names a category in an explanation.
func quoteCategory(c string) string {
	if c == "" {
		return "(unclassified)"
	}
	return "(" + c + ")"
}

// openIncident opens an incident for the problem of first: a ticket of kind incident with its
// subject and category, the desk as its requester, held by first's technician (or, when they are
// off the team or away, the one assignment picks), who is told.
func (t *Tx) openIncident(first *Ticket, actor string, why Phrase) (*Ticket, error) {
	cfg := t.cfg.Config
	inc := &Ticket{Kind: TicketIncident, Subject: first.Subject, Requester: cfg.Desk.Address, RequesterName: cfg.Desk.Name,
		Status: StatusNew, Priority: first.Priority, Category: first.Category, Tier: 1, Language: cfg.Desk.Language}
	t.recomputeDue(inc, t.Now)
	if err := t.insert(inc); err != nil {
		return nil, err
	}
	if err := t.said(inc, EventNote, actor, false, why, ""); err != nil {
		return nil, err
	}
	if actor == ActorDesk {
		// Its subject is a requester's: announced only once a technician confirms it in words.
		if err := t.SetKV(unconfirmedKey(inc.ID), "1"); err != nil {
			return nil, err
		}
	}
	// First's technician knows the problem already, unless they left the team or are away: then
	// the incident is assigned as a new ticket is (skill, load, nearest tier), never to someone away.
	who := first.Assignee
	if _, ok := t.cfg.Technician(who); !ok || t.isAway(who) {
		who = t.chooseTechnician(inc.Category, inc.Tier, "").Email
	}
	if who == "" {
		if err := t.save(inc); err != nil {
			return nil, err
		}
		return inc, t.tellCoordinators(inc, "unassigned", say(PhraseNoTechnicianTicket))
	}
	inc.Assignee, inc.Status = who, StatusOpen
	if te, ok := t.cfg.Technician(who); ok {
		inc.Tier = te.Tier // At the tier of whoever holds it, as every ticket.
	}
	if err := t.event(inc, EventAssign, ActorDesk, false, who, ""); err != nil {
		return nil, err
	}
	if err := t.save(inc); err != nil {
		return nil, err
	}
	if err := t.markAssigned(who); err != nil {
		return nil, err
	}
	// The technician hears of the incident once it has its requests: see link.
	return inc, nil
}

// MakeIncident turns a request into an incident (#incident): requests alike to it can be linked
// to it, and its #resolve answers them all. Its own requester stays its requester.
func (t *Tx) MakeIncident(tk *Ticket, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	switch {
	case tk.IsIncident():
		return nil
	case tk.Incident != 0:
		return t.refuse(PhraseLinkedElsewhere, "id", fmt.Sprint(tk.Incident))
	case !tk.Status.Active():
		return t.refuse(PhraseIncidentResolved, "id", fmt.Sprint(tk.ID))
	}
	tk.Kind = TicketIncident
	if err := t.said(tk, EventNote, actor, false, Phrase{Code: JournalMadeIncident}, ""); err != nil {
		return err
	}
	return t.save(tk)
}

// IncidentCommand is #incident [TITLE] and 'deskd ticket incident N [TITLE]': a request becomes an
// incident, titled TITLE when one is given; on an incident the title confirms it (ConfirmIncident).
func (t *Tx) IncidentCommand(tk *Ticket, title, actor string) error {
	if !tk.IsIncident() {
		if err := t.MakeIncident(tk, actor); err != nil {
			return err
		}
	}
	return t.ConfirmIncident(tk, title, actor)
}

// unconfirmedKey marks an incident the desk opened by itself that no technician has confirmed:
// it is not announced.
func unconfirmedKey(id int64) string { return fmt.Sprintf("incident-unconfirmed:%d", id) }

// confirm records that a technician vouches for an incident; it reports whether the desk had
// opened it and nobody had confirmed it yet.
func (t *Tx) confirm(inc *Ticket) (bool, error) {
	v, err := t.KV(unconfirmedKey(inc.ID))
	if err != nil || v == "" {
		return false, err
	}
	return true, t.SetKV(unconfirmedKey(inc.ID), "")
}

// ConfirmIncident is a technician's #incident TITLE on an incident: the title, in their words,
// becomes its subject, and an incident the desk opened by itself may now be announced. Without a
// title nothing changes: the desk announces no requester's subject.
func (t *Tx) ConfirmIncident(inc *Ticket, title, actor string) error {
	if err := t.mustBeOpen(inc); err != nil {
		return err
	}
	title = OneLine(title, maxSubject)
	if title == "" {
		return nil
	}
	if err := t.said(inc, EventNote, actor, false, say(JournalTitled, "title", fmt.Sprintf("%q", title), "was", fmt.Sprintf("%q", inc.Subject)), ""); err != nil {
		return err
	}
	inc.Subject = title
	if err := t.save(inc); err != nil {
		return err
	}
	if _, err := t.confirm(inc); err != nil {
		return err
	}
	return t.announce(inc, "opened", "", actor, 0)
}

// Link attaches a request to an incident (#link N): its technician holds it, its resolution
// resolves it.
func (t *Tx) Link(tk *Ticket, incidentID int64, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	inc, err := t.ticketIfExists(incidentID)
	if err != nil {
		return err
	}
	switch {
	case inc == nil || !inc.IsIncident():
		return t.refuse(PhraseNotIncident, "id", fmt.Sprint(incidentID))
	case !inc.Status.Active():
		return t.refuse(PhraseIncidentResolved, "id", fmt.Sprint(inc.ID))
	case tk.IsIncident():
		return t.refuse(PhraseIncidentLink, "id", fmt.Sprint(tk.ID))
	case tk.Incident == inc.ID:
		return nil
	case !tk.Status.Active():
		return t.refuse(PhraseIncidentResolved, "id", fmt.Sprint(tk.ID))
	}
	if err := t.link(tk, inc, actor); err != nil {
		return err
	}
	if size, err := t.incidentSize(inc.ID); err != nil || size > 1 {
		return err
	}
	// Its first request: the incident's technician hears of it, once.
	return t.tellIncident(inc, actor)
}

// link attaches an active request to an active incident. Its technician, if another, is told it
// is the incident's now; the incident's technician hears of its first requests (then its
// requests' own mails tell them more), and the organisation of its growth (announce).
func (t *Tx) link(tk *Ticket, inc *Ticket, actor string) error {
	if tk.Incident != 0 {
		if err := t.said(tk, EventNote, actor, false, say(JournalUnlinkedFrom, "id", fmt.Sprint(tk.Incident)), ""); err != nil {
			return err
		}
	}
	before := tk.Assignee
	tk.Incident = inc.ID
	tk.Assignee, tk.Tier = inc.Assignee, inc.Tier // Held at the incident's tier, by its technician.
	if tk.Assignee != "" && tk.Status == StatusNew {
		if err := t.setStatus(tk, StatusOpen, actor); err != nil {
			return err
		}
	}
	if err := t.said(tk, EventNote, actor, false, say(JournalLinkedTo, "id", fmt.Sprint(inc.ID)), ""); err != nil {
		return err
	}
	if before != tk.Assignee {
		if err := t.event(tk, EventAssign, actor, false, tk.Assignee, ""); err != nil {
			return err
		}
	}
	if err := t.save(tk); err != nil {
		return err
	}
	if err := t.said(inc, EventNote, actor, false, say(JournalLinked, "id", fmt.Sprint(tk.ID), "who", tk.Requester), ""); err != nil {
		return err
	}
	withdrawn, err := t.retell(tk, inc)
	if err != nil {
		return err
	}
	if _, ok := t.cfg.Technician(before); ok && before != tk.Assignee && before != actor && !withdrawn {
		lang := t.staffLanguage(before)
		incInfo := t.info(inc, lang)
		if err := t.queue(tk, Mail{Kind: KindUpdate, To: []string{before}, Language: lang,
			Notice: Notice{Audience: "staff", Event: "linked", Incident: &incInfo, Actor: actor, ActorName: t.nameOf(actor)}}); err != nil {
			return err
		}
	}
	if err := t.raiseIncident(inc, tk.Priority, actor); err != nil {
		return err
	}
	return t.announce(inc, "opened", "", actor, 0)
}

// retell turns the first mails of a request linked in the transaction that opened it (one poll
// of the inbox brought the report that made the incident after it) into a linked request's:
// they are still in the outbox, queued at this transaction's time, unsent and unclaimed by any
// sender. Its acknowledgement says the problem is known and asks nothing (the technician it
// names is the incident's); the "new ticket" notice to its technician is withdrawn, as the
// incident's technician hears of the incident with its requests. It reports whether a notice to
// a technician was withdrawn.
func (t *Tx) retell(tk, inc *Ticket) (bool, error) {
	type queued struct {
		id               int64
		kind, lang, data string
	}
	if tk.RootMessageID == "" || tk.CreatedAt.Unix() != t.Now.Unix() {
		return false, nil // Nothing queued yet, or not opened now.
	}
	// Queued now, so due by now: the partial index of pending mails finds them.
	rows, err := t.query(`SELECT id, kind, language, data FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?
		AND ticket_id = ? AND kind IN ('ack', 'assigned') AND claim = '' AND created_at = ?`, t.Now.Unix(), tk.ID, t.Now.Unix())
	if err != nil {
		return false, fmt.Errorf("first mails of %d: %w", tk.ID, err)
	}
	var first []queued
	for rows.Next() {
		var m queued
		if err := rows.Scan(&m.id, &m.kind, &m.lang, &m.data); err != nil {
			rows.Close()
			return false, fmt.Errorf("first mails of %d: %w", tk.ID, err)
		}
		first = append(first, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("first mails of %d: %w", tk.ID, err)
	}
	withdrawn := false
	why := fmt.Sprintf("linked to incident #%d before it was sent", inc.ID)
	for _, m := range first {
		if m.kind == KindAssigned {
			res, err := t.exec(`UPDATE outbox SET state = 'suppressed', sent_at = ?, last_error = ? WHERE id = ? AND state = 'pending' AND claim = ''`,
				t.Now.Unix(), "withdrawn: "+why, m.id)
			if err != nil {
				return false, fmt.Errorf("withdraw mail %d: %w", m.id, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				withdrawn = true
				if err := t.said(tk, EventNote, ActorDesk, false, say(JournalNoticeWithdrawn, "id", fmt.Sprint(inc.ID)), ""); err != nil {
					return false, err
				}
			}
			continue
		}
		var n Notice
		if err := json.Unmarshal([]byte(m.data), &n); err != nil {
			return false, fmt.Errorf("read mail %d: %w", m.id, err)
		}
		incInfo := t.info(inc, m.lang)
		n.Incident, n.Questions, n.Ticket = &incInfo, nil, t.info(tk, m.lang)
		data, err := json.Marshal(n)
		if err != nil {
			return false, fmt.Errorf("encode notice: %w", err)
		}
		res, err := t.exec(`UPDATE outbox SET data = ? WHERE id = ? AND state = 'pending' AND claim = ''`, string(data), m.id)
		if err != nil {
			return false, fmt.Errorf("rewrite mail %d: %w", m.id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if err := t.said(tk, EventNote, ActorDesk, false, say(JournalAckKnown, "id", fmt.Sprint(inc.ID)), ""); err != nil {
				return false, err
			}
		}
	}
	return withdrawn, nil
}

// tellIncident sends the incident's technician its assignment, with its linked requests.
func (t *Tx) tellIncident(inc *Ticket, actor string) error {
	if inc.Assignee == "" || inc.Assignee == actor {
		return nil
	}
	lang := t.staffLanguage(inc.Assignee)
	linked, size, err := t.linkedInfos(inc.ID, lang)
	if err != nil {
		return err
	}
	n := Notice{Audience: "staff", Linked: linked, Size: size, History: t.history(inc)}
	if actor != ActorDesk {
		n.Actor, n.ActorName = actor, t.nameOf(actor)
	}
	return t.queue(inc, Mail{Kind: KindAssigned, To: []string{inc.Assignee}, Language: lang, Notice: n})
}

// raiseIncident gives the incident the priority of its most urgent request.
func (t *Tx) raiseIncident(inc *Ticket, p Priority, actor string) error {
	if p <= inc.Priority {
		return nil
	}
	return t.SetPriority(inc, p, actor, "a linked request is "+p.String())
}

// Unlink detaches a request from its incident (#unlink): it is a request of its own again, held
// by the technician it had from the incident.
func (t *Tx) Unlink(tk *Ticket, actor string) error {
	if err := t.mustBeOpen(tk); err != nil {
		return err
	}
	if tk.Incident == 0 {
		return t.refuse(PhraseNotLinked)
	}
	return t.unlink(tk, actor)
}

func (t *Tx) unlink(tk *Ticket, actor string) error {
	id := tk.Incident
	tk.Incident = 0
	if err := t.said(tk, EventNote, actor, false, say(JournalUnlinkedFrom, "id", fmt.Sprint(id)), ""); err != nil {
		return err
	}
	if err := t.save(tk); err != nil {
		return err
	}
	if inc, err := t.ticketIfExists(id); err != nil || inc == nil {
		return err
	} else {
		return t.said(inc, EventNote, actor, false, say(JournalUnlinked, "id", fmt.Sprint(tk.ID)), "")
	}
}

// The requests of an incident, and its active ones. "incident != 0" lets SQLite read the partial
// index tickets_incident: "incident = ?" alone, with ? unknown when the plan is made, does not
// imply the index's condition, and the query scanned every ticket of the desk.
const (
	linkedQuery       = `SELECT id FROM tickets WHERE incident = ? AND incident != 0 ORDER BY id`
	linkedActiveQuery = `SELECT id FROM tickets WHERE incident = ? AND incident != 0 AND status IN ('new', 'open', 'pending') ORDER BY id`
)

// linkedTickets returns the requests linked to an incident, oldest first; only the active ones
// when activeOnly.
func (t *Tx) linkedTickets(id int64, activeOnly bool) ([]*Ticket, error) {
	q := linkedQuery
	if activeOnly {
		q = linkedActiveQuery
	}
	ids, err := t.ticketIDs(q, id)
	if err != nil {
		return nil, err
	}
	out := make([]*Ticket, 0, len(ids))
	for _, id := range ids {
		tk, err := t.Ticket(id)
		if err != nil {
			return nil, err
		}
		out = append(out, tk)
	}
	return out, nil
}

// incidentSize counts the requests linked to an incident.
func (t *Tx) incidentSize(id int64) (int, error) {
	var n int
	err := t.queryRow(`SELECT COUNT(*) FROM tickets WHERE incident = ? AND incident != 0`, id).Scan(&n)
	return n, err
}

// linkedInfos are an incident's linked requests for a mail in lang, at most DigestListMax, and
// how many there are.
func (t *Tx) linkedInfos(id int64, lang string) ([]TicketInfo, int, error) {
	ids, err := t.ticketIDs(linkedQuery, id)
	if err != nil {
		return nil, 0, err
	}
	out := []TicketInfo{}
	for _, lid := range ids[:min(len(ids), DigestListMax)] {
		tk, err := t.Ticket(lid)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t.info(tk, lang))
	}
	return out, len(ids), nil
}

// followIncident gives an incident's active requests its technician and tier, after it changed
// hands or was escalated.
func (t *Tx) followIncident(inc *Ticket) error {
	if !inc.IsIncident() {
		return nil
	}
	_, err := t.exec(`UPDATE tickets SET assignee = ?, tier = ?, updated_at = ? WHERE incident = ? AND incident != 0 AND status IN ('new', 'open', 'pending')`,
		inc.Assignee, inc.Tier, t.Now.Unix(), inc.ID)
	if err != nil {
		return fmt.Errorf("follow incident %d: %w", inc.ID, err)
	}
	return nil
}

// IncidentUpdate tells every requester and watcher of an incident's active requests how things
// stand (#update TEXT, or a technician's plain answer to an incident): each in their own
// request's thread and language, once however many of its requests they are on. It counts as
// everyone's first response.
func (t *Tx) IncidentUpdate(inc *Ticket, text, actor string) error {
	if err := t.mustBeOpen(inc); err != nil {
		return err
	}
	if !inc.IsIncident() {
		if inc.Incident != 0 {
			return t.refuse(PhraseLinkedElsewhere, "id", fmt.Sprint(inc.Incident))
		}
		return t.refuse(PhraseNotIncident, "id", fmt.Sprint(inc.ID))
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return t.refuse(PhraseUpdateEmpty)
	}
	linked, err := t.linkedTickets(inc.ID, true)
	if err != nil {
		return err
	}
	told := map[string]bool{}
	own := newOwnThreads(linked)
	for _, tk := range append([]*Ticket{inc}, linked...) {
		if err := t.event(tk, EventReply, actor, true, text, ""); err != nil {
			return err
		}
		if tk.FirstResponseAt.IsZero() {
			tk.FirstResponseAt = t.Now
			if err := t.save(tk); err != nil {
				return err
			}
		}
		to, cc := once(told, []string{tk.Requester}), once(told, own.watching(tk))
		if len(to) == 0 && len(cc) > 0 {
			to, cc = cc[:1], cc[1:]
		}
		if err := t.queue(tk, Mail{Kind: KindUpdate, To: to, Cc: cc, Language: tk.Language, Notice: Notice{
			Audience: "requester", Event: "incident", Text: text, Actor: actor, ActorName: t.nameOf(actor), Signature: t.signature(actor)}}); err != nil {
			return err
		}
	}
	first, err := t.confirm(inc)
	if err != nil {
		return err
	}
	if first {
		// The desk opened it: its first announcement carries the technician's words.
		return t.announceAs(inc, "update", text, actor, len(linked), true)
	}
	return t.announce(inc, "update", text, actor, len(linked))
}

// tellEscalated tells a ticket's requester and watchers that it was escalated. An incident's
// requester is the desk: the requesters and watchers of its active requests are told instead,
// each once, in their own request's thread and language, as of an update.
func (t *Tx) tellEscalated(tk *Ticket, n Notice) error {
	if !tk.IsIncident() {
		return t.queue(tk, Mail{Kind: KindEscalated, To: []string{tk.Requester}, Cc: tk.Watchers, Language: tk.Language,
			Automatic: true, Notice: n})
	}
	linked, err := t.linkedTickets(tk.ID, true)
	if err != nil {
		return err
	}
	told := map[string]bool{}
	own := newOwnThreads(linked)
	for _, l := range linked {
		to, cc := once(told, []string{l.Requester}), once(told, own.watching(l))
		if len(to) == 0 && len(cc) > 0 {
			to, cc = cc[:1], cc[1:]
		}
		if len(to) == 0 {
			continue
		}
		if err := t.queue(l, Mail{Kind: KindEscalated, To: to, Cc: cc, Language: l.Language, Automatic: true, Notice: n}); err != nil {
			return err
		}
	}
	return nil
}

// ownThreads are the requesters of an incident's linked requests: each is told in their own
// request's thread, never first as a watcher of another's (where the mail greets someone else
// about someone else's ticket, and their own request seems never answered).
type ownThreads map[string]bool

func newOwnThreads(linked []*Ticket) ownThreads {
	own := ownThreads{}
	for _, tk := range linked {
		own[tk.Requester] = true
	}
	return own
}

// watching returns tk's watchers who are told in tk's thread: those with no linked request of
// their own.
func (own ownThreads) watching(tk *Ticket) []string {
	var out []string
	for _, w := range tk.Watchers {
		if !own[w] || w == tk.Requester {
			out = append(out, w)
		}
	}
	return out
}

// once returns the addresses not told yet, and marks them told.
func once(told map[string]bool, addrs []string) []string {
	var out []string
	for _, a := range addrs {
		if a != "" && !told[a] {
			told[a] = true
			out = append(out, a)
		}
	}
	return out
}

// resolveLinked resolves an incident's active requests with its note: each requester and watcher
// gets it once, in their own request's thread and language. told holds who already has it. The
// incident, a known answer now, takes in what its requests said fails (learnIncident).
func (t *Tx) resolveLinked(inc *Ticket, note, actor string, told map[string]bool) error {
	if err := t.learnIncident(inc); err != nil {
		return err
	}
	linked, err := t.linkedTickets(inc.ID, true)
	if err != nil {
		return err
	}
	own := newOwnThreads(linked)
	for _, tk := range linked {
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
		to, cc := once(told, []string{tk.Requester}), once(told, own.watching(tk))
		if len(to) == 0 && len(cc) > 0 {
			to, cc = cc[:1], cc[1:]
		}
		if err := t.queue(tk, Mail{Kind: KindResolved, To: to, Cc: cc, Language: tk.Language,
			Notice: Notice{Audience: "requester", Note: note, Actor: actor, ActorName: t.nameOf(actor), Signature: t.signature(actor)}}); err != nil {
			return err
		}
	}
	return t.announce(inc, "resolved", note, actor, len(linked))
}

// announce tells the [incidents] announce address how a large incident stands: when it becomes
// large (opened), on each update, when resolved. Large: announce_size linked requests, or
// announce_priority.
//
// An incident the desk opened by itself is not announced until a technician confirms it:
// #incident TITLE (its subject, in their words) or #update TEXT (the first announcement then
// carries that text).
func (t *Tx) announce(inc *Ticket, event, text, actor string, size int) error {
	return t.announceAs(inc, event, text, actor, size, event == "opened")
}

// announceAs is announce; first marks the incident's first announcement (sent once).
func (t *Tx) announceAs(inc *Ticket, event, text, actor string, size int, first bool) error {
	cfg := t.cfg.Incidents
	if cfg.Announce == "" {
		return nil
	}
	if v, err := t.KV(unconfirmedKey(inc.ID)); err != nil || v != "" {
		return err
	}
	if event != "opened" || size == 0 {
		var err error
		if size, err = t.incidentSize(inc.ID); err != nil {
			return err
		}
	}
	atLeast, _ := ParsePriority(cfg.AnnouncePriority)
	large := size >= cfg.AnnounceSize || inc.Priority >= atLeast
	if !large {
		return nil
	}
	if first {
		// Announced once: when it first becomes large.
		if v, err := t.KV(fmt.Sprintf("announced:%d", inc.ID)); err != nil || v != "" {
			return err
		}
		if err := t.SetKV(fmt.Sprintf("announced:%d", inc.ID), t.Now.Format(time.RFC3339)); err != nil {
			return err
		}
	} else if v, err := t.KV(fmt.Sprintf("announced:%d", inc.ID)); err != nil || v == "" {
		return err // Never announced: its updates are not either.
	}
	lang := t.cfg.Desk.Language
	n := Notice{Audience: "announce", Event: event, Text: text, Size: size}
	if actor != ActorDesk {
		n.Actor, n.ActorName = actor, t.nameOf(actor)
	}
	return t.queue(inc, Mail{Kind: KindIncident, To: []string{cfg.Announce}, Language: lang, Notice: n})
}

// reuseNote returns the resolution note of ticket id, for #reuse.
func (t *Tx) reuseNote(id int64) (string, error) {
	tk, err := t.ticketIfExists(id)
	if err != nil {
		return "", err
	}
	if tk == nil || (tk.Status != StatusResolved && tk.Status != StatusClosed) {
		return "", t.refuse(PhraseNoResolution, "id", fmt.Sprint(id))
	}
	if err := t.flushPending(); err != nil {
		return "", err
	}
	note, err := resolutionNote(context.Background(), t.tx, id)
	if err != nil {
		return "", err
	}
	if note == "" {
		return "", t.refuse(PhraseNoResolution, "id", fmt.Sprint(id))
	}
	return note, nil
}

// isRefusal reports whether err is a Refusal.
func isRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}
