package tickets

import (
	"sort"
	"strings"
)

// Phrase is something the desk says to a person — a refusal, a reason, the subject of a request
// that has none — as a code and its arguments. The words are in the templates' catalogues
// (templates/LANG/words.toml, table [phrase]), one per language: tickets holds no sentence.
type Phrase struct {
	Code string            `json:"code"`
	Args map[string]string `json:"args,omitempty"` // Ready to show: quoted, formatted.
	// Parts are phrases worded in the same language into the argument of their name (a reason
	// inside a history line).
	Parts map[string]Phrase `json:"parts,omitempty"`
	// List is worded into the argument "list", its phrases joined by JournalSeparator ("; ").
	List []Phrase `json:"list,omitempty"`
}

// Phrase codes. Phrases lists them with their arguments.
const (
	PhraseNoSubject          = "no_subject"              // The subject of a request that has none.
	PhraseNoteRequired       = "note_required"           // #resolve without a note.
	PhraseTransition         = "transition"              // A status change the rules refuse: detail.
	PhraseClosed             = "closed"                  // A command on a closed ticket.
	PhraseNotStaff           = "not_staff"               // Someone not on the team: detail.
	PhraseNoTechnician       = "no_technician"           // Nobody to give the ticket to.
	PhraseNoText             = "no_text"                 // A staff mail with neither text nor command.
	PhraseUnknownCommand     = "unknown_command"         // "#frobnicate".
	PhraseNoteEmpty          = "note_empty"              // #note without text.
	PhraseEscalateReason     = "escalate_reason"         // #escalate without a reason.
	PhraseUnknownPriority    = "unknown_priority"        // #priority with a level it does not know.
	PhraseNotTechnician      = "not_technician"          // #assign to someone not a technician: who.
	PhraseTakeNotTechnician  = "take_not_technician"     // #take by a coordinator.
	PhraseCcAddress          = "cc_address"              // #cc without an address.
	PhraseAssignAddress      = "assign_address"          // #assign without an address.
	PhraseUnknownCategory    = "unknown_category"        // #category: category, names (the known ones).
	PhraseAwayDate           = "away_date"               // #away with a bad date: detail.
	PhraseNotAuthenticated   = "not_authenticated"       // A staff mail without DKIM or DMARC pass: server, domain.
	PhraseNoToken            = "not_authenticated_token" // A staff mail that answers no desk mail sent to its sender, no trusted server set.
	PhraseRepeatedHeader     = "repeated_header"         // A mail with a header field twice: field.
	PhraseAmbiguousFrom      = "ambiguous_from"          // A mail whose From names two addresses.
	PhraseTokenExposed       = "token_exposed"           // A staff token an earlier reply to all showed others.
	PhraseKeptAsNote         = "kept_as_note"            // What became of an unauthenticated staff mail.
	PhraseFirstResponseLate  = "sla_first_response_missed"
	PhraseResolveLate        = "sla_resolve_missed"
	PhraseFirstResponseDue   = "sla_first_response_due"
	PhraseResolveDue         = "sla_resolve_due"
	PhraseNoTechnicianTicket = "no_technician_for_ticket" // Told to coordinators.
	PhraseNoSkill            = "no_skill"                 // Told to coordinators: tier, category, assignee.
	PhraseNoEscalation       = "no_escalation_target"     // Told to coordinators: tier, assignee ("" for nobody).
	PhraseFromVia            = "from_via"                 // The From name of a technician's answer: actor, desk.
	PhraseNotIncident        = "not_incident"             // #link N, #update: ticket id is no incident.
	PhraseLinkedElsewhere    = "linked_elsewhere"         // #incident, #update on a request linked to incident id.
	PhraseIncidentResolved   = "incident_resolved"        // #link, #incident: ticket id is resolved or closed.
	PhraseIncidentLink       = "incident_link"            // #link on an incident (id): incidents are not linked.
	PhraseNotLinked          = "not_linked"               // #unlink on a request linked to nothing.
	PhraseUpdateEmpty        = "update_empty"             // #update without text.
	PhraseAboutNoTicket      = "about_no_ticket"          // An answer to a desk mail about no ticket (noticket.go).
	PhraseNoResolution       = "no_resolution"            // #reuse N: ticket id has no resolution note.
	PhraseTicketNumber       = "ticket_number"            // #link, #reuse without a ticket number: command.
	PhraseEscalateTop        = "escalate_top"             // #escalate at the top tier and urgent already: tier.
	PhraseEscalateNobody     = "escalate_nobody"          // #escalate, urgent already, nobody of tier or above available.
	PhraseLinkedFollows      = "linked_follows"           // #escalate, #assign, #take on a request linked to incident id.
	PhraseAssignedAway       = "assigned_away"            // Told to whoever assigned a ticket to someone away: who, until.

	// The lines the desk writes into a ticket's history (journal.go). An argument a phrase does
	// not give is "": the catalogue words it or leaves it out ({{if .files}}).
	JournalUnauthenticated  = "journal_unauthenticated"        // A staff mail kept as a note: from, reason (part), files, text.
	JournalCopied           = "journal_copied"                 // People in copy not made watchers: list.
	JournalCopiedWithheld   = "journal_copied_withheld"        // Withheld because of the mail: reason (part), addresses.
	JournalCopiedOutside    = "journal_copied_outside"         // Outside the organisation's domains: addresses.
	JournalCopiedOver       = "journal_copied_over"            // Over max_watchers: max, addresses.
	JournalCopiedUnsendable = "journal_copied_unsendable"      // Not sendable: addresses.
	JournalMailNotAuth      = "journal_mail_not_authenticated" // Why people in copy were withheld.
	JournalIncidentOpened   = "journal_incident_opened"        // count, window, id, category, others.
	JournalIncidentMember   = "journal_incident_member"        // One of the alike requests: id, category, alike, what.
	JournalLinked           = "journal_linked"                 // On an incident: id, who.
	JournalLinkedTo         = "journal_linked_to"              // On a request: id (the incident).
	JournalUnlinkedFrom     = "journal_unlinked_from"          // On a request: id (the incident).
	JournalUnlinked         = "journal_unlinked"               // On an incident: id (the request).
	JournalMadeIncident     = "journal_made_incident"          // #incident.
	JournalTitled           = "journal_titled"                 // title, was.
	JournalNoticeWithdrawn  = "journal_notice_withdrawn"       // id: linked to incident id before it was sent.
	JournalAckKnown         = "journal_ack_known"              // id: likewise, for the acknowledgement.
	JournalEscalated        = "journal_escalated"              // How an escalation went: how (part), reason, deadline (part).
	JournalTopUnchanged     = "journal_top_unchanged"          // Top tier and urgent already.
	JournalNobodyUnchanged  = "journal_nobody_unchanged"       // Nobody above and urgent already.
	JournalTopReached       = "journal_top_reached"            // Top tier reached.
	JournalStayed           = "journal_stayed"                 // Nobody of tier above or above available: above, tier.
	JournalNotified         = "journal_notified"               // A mail queued: kind, to.
	JournalNotSent          = "journal_not_sent"               // A mail not sent: kind, to, reason (part, or why).
	JournalNotSentTo        = "journal_not_sent_to"            // Someone left out of a mail: kind, to, reason (part).
	JournalQuiet            = "journal_quiet"                  // The requester is not mailed automatically.
	JournalUnsendable       = "journal_unsendable"             // Not a sendable address.
	JournalSenderOutside    = "journal_sender_outside"         // Why people in copy were withheld.
	JournalMailRepeated     = "journal_mail_repeated"          // Likewise: a header field twice.
	JournalAddresses        = "journal_addresses"              // Addresses, the first few: addresses, more (how many others).
	JournalSeparator        = "journal_separator"              // Between the phrases of a List: "; " in English, " ; " in French.
	JournalAssignedAway     = "journal_assigned_away"          // Assigned to someone away: who, until.
	JournalRejected         = "journal_rejected"               // A command refused: line (as written), reason (part).
	JournalNoNewText        = "journal_no_new_text"            // A reply with only the quoted history.
	JournalRepeated         = "journal_repeated"               // A request sent again, word for word (repeated.go).
	JournalFilesNotKept     = "journal_files_not_kept"         // Too many files in one mail: count.
	JournalOnBehalf         = "journal_on_behalf"              // A request written for someone else (Reply-To): writer, requester.
	JournalFollowsUp        = "journal_follows_up"             // A new request answering a closed one: id.
	JournalSolvedYes        = "journal_solved_yes"             // The requester's rating: comment (as written).
	JournalSolvedNo         = "journal_solved_no"              // Likewise.

	// A date argument is a time as RFC 3339 in the desk's zone (stamp): the words say it their
	// language's way ({{date .due}}); a status or priority argument is its name ({{status .to}}).
	JournalStatus      = "journal_status"          // A status change: from, to.
	JournalPriority    = "journal_priority"        // A priority change: from, to, reason (part, or as written).
	JournalSetBy       = "journal_set_by"          // Why the priority changed: who set it.
	JournalByEscalate  = "journal_by_escalation"   // Likewise: an escalation.
	JournalLinkedLevel = "journal_linked_priority" // Likewise: a linked request is of priority.

	// What mailin found a mail to be (the verdict's reasons, mailin/verdict.go).
	JournalAutomatic  = "journal_automatic"        // An automatic mail on a ticket: verdict (part), reason (part, or as written).
	JournalBounced    = "journal_delivery_failed"  // A bounce on a ticket: failed (addresses), reason (part, or as written).
	JournalNoAckAuto  = "journal_no_ack_automatic" // Why no acknowledgement: an automatic mail; reason (part, or as written).
	JournalNobodyRead = "journal_nobody_reads"     // Likewise: nobody reads the address: who.
	JournalArrived    = "journal_arrived_before"   // Likewise: arrived (date) long before the desk first read the mailbox: age.
	WhyEvidence       = "why_evidence"             // A header or part that says it, as written: evidence.
	WhyDelaySubject   = "why_delay_subject"        // A delay warning's subject: subject.
	WhyBounceSubject  = "why_bounce_subject"       // A bounce's subject: subject.

	// What the outbox records when a mail fails (outbox.go): the server's own words as written.
	JournalSendFailed  = "journal_send_failed"     // A mail given up: kind, to, error.
	JournalSendGaveUp  = "journal_send_gave_up"    // Given up after retrying: kind, to, attempts, error.
	JournalSendRefused = "journal_send_refused"    // Refused to some, sent to the others: kind, error.
	JournalDropped     = "journal_dropped"         // Left out of a mail: kind, list (JournalDroppedOne).
	JournalDroppedOne  = "journal_dropped_one"     // One address left out: address, reason (part, or as written).
	JournalDroppedList = "journal_dropped_list"    // Addresses left out, as a reason: list (JournalDroppedOne).
	JournalBounces     = "journal_address_bounces" // The address bounces.
	JournalRateLimit   = "journal_rate_limit"      // The hourly limit of automatic mails: count.

	// Why the classifier chose a category (Explanation.CategoryWhy, triage.go).
	WhyKeywords     = "why_keywords"      // category, words, score.
	WhyRules        = "why_rules"         // The keywords decide.
	WhyModel        = "why_model"         // The model decides: category, p.
	WhyModelUnsure  = "why_model_unsure"  // category, p.
	WhyModelWeak    = "why_model_weak"    // Not strong enough against the keywords: category, p.
	WhyModelAbstain = "why_model_abstain" // reason (part, or as written), guess (what it would have said).
	WhyBestKeyword  = "why_best_keyword"  // The best keyword match decides.
	WhyUnclassified = "why_unclassified"
	WhyNoModel      = "why_not_trained"     // The model abstains: not trained yet.
	WhyUnknownWords = "why_unknown_words"   // No word of the request seen in training.
	WhyLittle       = "why_little_evidence" // Too little evidence.
	WhyPriorOnly    = "why_prior_only"      // The evidence alone points elsewhere.
)

// whyVerdict are the phrases of mailin's reasons that are words, not a header as written
// (mailin/verdict.go; its tests check every reason it gives is here or a header).
var whyVerdict = map[string]string{
	"feedback loop report":                    "why_feedback_loop",
	"Amazon SES complaint notification":       "why_ses_complaint",
	"Amazon SES bounce notification":          "why_ses_bounce",
	"Return-Path <> and a bounce text":        "why_null_sender_bounce_text",
	"From the desk's own address":             "why_desk_address",
	"sent from the desk's own address":        "why_desk_address",
	"Message-ID issued by the desk":           "why_desk_message_id",
	"disposition notification (read receipt)": "why_read_receipt",
	"out-of-office subject in reply":          "why_ooo_subject",
	"out-of-office text in reply":             "why_ooo_text",
	"acknowledgement of receipt":              "why_ack_text",
	"AUTO: out-of-office subject":             "why_auto_subject",
	"challenge/response request (TMDA)":       "why_challenge_tmda",
	"challenge/response request":              "why_challenge",
	"[AUTO GENERATED] subject":                "why_auto_generated_subject",
	"no machine evidence":                     "why_no_evidence",
	"delivery delayed":                        "why_delayed",
}

// whySubject are mailin's reasons that quote the mail's subject after a prefix.
var whySubject = map[string]string{"delivery delayed: ": WhyDelaySubject, "bounce subject: ": WhyBounceSubject}

// VerdictPhrase is mailin's reason for a verdict (Incoming.VerdictReason) as a phrase: its words,
// or the header it cites as written (WhyEvidence).
func VerdictPhrase(reason string) Phrase {
	if code, ok := whyVerdict[reason]; ok {
		return Phrase{Code: code}
	}
	for prefix, code := range whySubject {
		if subject, ok := strings.CutPrefix(reason, prefix); ok {
			return say(code, "subject", subject)
		}
	}
	return say(WhyEvidence, "evidence", reason)
}

// VerdictWord is the phrase code of a verdict's name ("verdict_auto-reply").
func VerdictWord(v Verdict) string { return "verdict_" + string(v) }

// verdicts are the verdicts a history line names.
var verdicts = []Verdict{VerdictPerson, VerdictAutoReply, VerdictBounce, VerdictDelay, VerdictFeedback, VerdictBulk, VerdictLoop}

// Phrases lists every phrase code with the names of its arguments: each catalogue must word all
// of them, and the templates check it when they load.
var Phrases = map[string][]string{
	PhraseNoSubject: nil, PhraseNoteRequired: nil, PhraseTransition: {"detail"}, PhraseClosed: nil,
	PhraseNotStaff: {"detail"}, PhraseNoTechnician: nil, PhraseNoText: nil, PhraseUnknownCommand: nil,
	PhraseNoteEmpty: nil, PhraseEscalateReason: nil, PhraseUnknownPriority: nil, PhraseNotTechnician: {"who"},
	PhraseTakeNotTechnician: nil, PhraseCcAddress: nil, PhraseAssignAddress: nil, PhraseUnknownCategory: {"category", "names"},
	PhraseAwayDate: {"detail"}, PhraseNotAuthenticated: {"server", "domain"}, PhraseNoToken: nil,
	PhraseRepeatedHeader: {"field"}, PhraseAmbiguousFrom: nil, PhraseTokenExposed: nil, PhraseKeptAsNote: nil,
	PhraseFirstResponseLate: {"due"}, PhraseResolveLate: {"due"}, PhraseFirstResponseDue: {"due"}, PhraseResolveDue: {"due"},
	PhraseNoTechnicianTicket: nil, PhraseNoSkill: {"tier", "category", "assignee"}, PhraseNoEscalation: {"tier", "assignee"},
	PhraseFromVia:     {"actor", "desk"},
	PhraseNotIncident: {"id"}, PhraseLinkedElsewhere: {"id"}, PhraseIncidentResolved: {"id"}, PhraseIncidentLink: {"id"},
	PhraseNotLinked: nil, PhraseUpdateEmpty: nil, PhraseNoResolution: {"id"}, PhraseTicketNumber: {"command"},
	PhraseEscalateTop: {"tier"}, PhraseEscalateNobody: {"tier"}, PhraseLinkedFollows: {"id"},
	PhraseAssignedAway: {"who", "until"}, PhraseAboutNoTicket: nil,

	JournalUnauthenticated: {"from", "reason", "files", "text"}, JournalCopied: {"list"},
	JournalCopiedWithheld: {"reason", "addresses"}, JournalCopiedOutside: {"addresses"},
	JournalCopiedOver: {"max", "addresses"}, JournalCopiedUnsendable: {"addresses"}, JournalMailNotAuth: nil,
	JournalIncidentOpened: {"count", "window", "id", "category", "list"},
	JournalIncidentMember: {"id", "category", "alike", "what"},
	JournalLinked:         {"id", "who"}, JournalLinkedTo: {"id"}, JournalUnlinkedFrom: {"id"}, JournalUnlinked: {"id"},
	JournalMadeIncident: nil, JournalTitled: {"title", "was"}, JournalNoticeWithdrawn: {"id"}, JournalAckKnown: {"id"},
	JournalEscalated: {"how", "reason"}, JournalTopUnchanged: nil, JournalNobodyUnchanged: nil, JournalTopReached: nil,
	JournalStayed:   {"above", "tier"},
	JournalNotified: {"kind", "to"}, JournalNotSent: {"kind", "to", "reason"},
	JournalNotSentTo: {"kind", "to", "reason"}, JournalQuiet: nil, JournalUnsendable: nil,
	JournalSenderOutside: nil, JournalMailRepeated: nil, JournalAddresses: {"addresses", "more"},
	JournalSeparator: nil, JournalAssignedAway: {"who", "until"}, JournalRejected: {"line", "reason"}, JournalNoNewText: nil, JournalRepeated: nil,
	JournalFilesNotKept: {"count"}, JournalOnBehalf: {"writer", "requester"}, JournalFollowsUp: {"id"},
	JournalSolvedYes: {"comment"}, JournalSolvedNo: {"comment"},
	JournalMeetingAnswer: {"who", "answer", "summary", "when"}, JournalMeetingCancel: {"who", "summary", "when"},
	JournalMeetingCounter: {"who", "summary", "when"}, JournalMeetingInvite: {"who", "summary", "when"},
	JournalMeetingRefresh: {"who", "summary", "when"}, JournalMeetingDeclineCounter: {"who", "summary", "when"},
	MeetingAccepted: nil, MeetingDeclined: nil, MeetingTentative: nil, MeetingDelegated: nil, MeetingAnswered: nil,

	JournalStatus: {"from", "to"}, JournalPriority: {"from", "to", "reason"}, JournalSetBy: {"who"},
	JournalByEscalate: nil, JournalLinkedLevel: {"priority"},
	JournalAutomatic: {"verdict", "reason"}, JournalBounced: {"failed", "reason"}, JournalNoAckAuto: {"reason"},
	JournalNobodyRead: {"who"}, JournalArrived: {"arrived", "age"}, WhyEvidence: {"evidence"}, WhyDelaySubject: {"subject"}, WhyBounceSubject: {"subject"},
	JournalSendFailed: {"kind", "to", "error"}, JournalSendGaveUp: {"kind", "to", "attempts", "error"},
	JournalSendRefused: {"kind", "error"}, JournalDropped: {"kind", "list"}, JournalDroppedOne: {"address", "reason"},
	JournalDroppedList: {"list"}, JournalBounces: nil, JournalRateLimit: {"count"},
	WhyKeywords: {"category", "words", "score"}, WhyRules: nil, WhyModel: {"category", "p"},
	WhyModelUnsure: {"category", "p"}, WhyModelWeak: {"category", "p"}, WhyModelAbstain: {"reason", "guess"},
	WhyBestKeyword: nil, WhyUnclassified: nil, WhyNoModel: nil, WhyUnknownWords: nil, WhyLittle: nil, WhyPriorOnly: nil,
}

func init() {
	for _, v := range verdicts {
		Phrases[VerdictWord(v)] = nil
	}
	for _, code := range whyVerdict {
		Phrases[code] = nil
	}
}

// Arguments are the phrase's arguments ready for its words: each it does not give is "" (the
// words leave it out), its parts and its list worded by word, the list joined by the
// language's JournalSeparator.
func (p Phrase) Arguments(word func(Phrase) (string, error)) (map[string]string, error) {
	args := make(map[string]string, len(Phrases[p.Code])+len(p.Args)+len(p.Parts))
	for _, a := range Phrases[p.Code] {
		args[a] = ""
	}
	for k, v := range p.Args {
		args[k] = v
	}
	for name, part := range p.Parts {
		text, err := word(part)
		if err != nil {
			return nil, err
		}
		args[name] = text
	}
	if len(p.List) > 0 {
		items := make([]string, len(p.List))
		for i, part := range p.List {
			text, err := word(part)
			if err != nil {
				return nil, err
			}
			items[i] = text
		}
		sep, err := word(Phrase{Code: JournalSeparator})
		if err != nil {
			return nil, err
		}
		args["list"] = strings.Join(items, sep)
	}
	return args, nil
}

// say is the phrase code with its arguments, given as name, value pairs.
func say(code string, kv ...string) Phrase {
	p := Phrase{Code: code}
	if len(kv) > 0 {
		p.Args = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Args[kv[i]] = kv[i+1]
		}
	}
	return p
}

// String is the phrase as code and arguments, for a desk that has no Words.
func (p Phrase) String() string {
	keys := make([]string, 0, len(p.Args))
	for k := range p.Args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(p.Code)
	for _, k := range keys {
		b.WriteString(" " + k + "=" + p.Args[k])
	}
	return b.String()
}

// Words says the desk's phrases in a language. The templates package implements it from its
// catalogues; the desk uses it for what it writes into mails and into a ticket's history.
type Words interface {
	Say(lang string, p Phrase) string
}

// JournalLanguage is the language of the words the desk writes into a ticket's history (the
// events `deskd ticket show` prints), whatever the language of its mails.
const JournalLanguage = "en"
