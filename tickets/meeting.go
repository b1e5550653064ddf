package tickets

import (
	"strings"
	"time"
)

// Meeting mail. Outlook, Gmail and Apple Mail send a meeting's invitation, its attendees'
// answers, its cancellation and counter-proposals as mail with a calendar part (iTIP, RFC 5546,
// over mail as RFC 6047 says); mailin reads the part (mailin/calendar.go) and judges the mail:
//
//   - an answer (METHOD:REPLY: "Accepted: …", "Refusé : …"), a cancellation (CANCEL), a
//     counter-proposal (COUNTER, DECLINECOUNTER) or a request for the latest version (REFRESH)
//     is a calendar client's automatic mail (VerdictAutoReply): it opens no ticket and is
//     never answered; on the ticket it threads into, it is a line of the history, "Paul accepted
//     the meeting …" (recordAutomatic, meetingLine), and nobody is mailed;
//   - an invitation (REQUEST, ADD) is its organiser's mail, a person's (meetingInvitation).

// Meeting is what a mail's own calendar part says: the part its sender's calendar client wrote,
// not an .ics file forwarded or attached.
type Meeting struct {
	Method       string    // The iTIP method, upper-case: REQUEST, REPLY, CANCEL, COUNTER, ….
	Summary      string    // The event's SUMMARY, one line, "" when none.
	Start        time.Time // DTSTART when it names an instant (UTC, or a zone known), zero otherwise.
	StartText    string    // DTSTART as written when Start is zero: "2026-12-03 14:00" (a floating time, or a zone unknown), "2026-12-03" (an all-day event).
	Organizer    string    // Lower-case address, "" when none.
	Attendee     string    // REPLY, COUNTER: the answering attendee's lower-case address, "" when none.
	AttendeeName string    // Their CN, "" when none.
	PartStat     string    // REPLY: the attendee's PARTSTAT, upper-case (ACCEPTED, DECLINED, TENTATIVE, …).
	Comment      string    // What the sender wrote into the part itself (COMMENT; Google's X-RESPONSE-COMMENT), "" when nothing.
}

// Automatic reports whether the method is one a calendar client sends by itself, on a click:
// an answer, a cancellation, a counter-proposal and its refusal, a refresh request.
func (m *Meeting) Automatic() bool {
	switch m.Method {
	case "REPLY", "CANCEL", "COUNTER", "DECLINECOUNTER", "REFRESH":
		return true
	}
	return false
}

// Invitation reports whether the method invites people (a new meeting, an update, more dates).
func (m *Meeting) Invitation() bool { return m.Method == "REQUEST" || m.Method == "ADD" }

// History lines of meeting mail.
const (
	JournalMeetingAnswer  = "journal_meeting_answer"  // An attendee's answer: who, answer (part), summary, when.
	JournalMeetingCancel  = "journal_meeting_cancel"  // A cancellation: who, summary, when.
	JournalMeetingCounter = "journal_meeting_counter" // A counter-proposal: who, summary, when (the time proposed).
	// JournalMeetingDeclineCounter is the organiser's refusal of a counter-proposal: who, summary, when.
	JournalMeetingDeclineCounter = "journal_meeting_decline_counter"
	JournalMeetingInvite         = "journal_meeting_invite"  // An invitation: who, summary, when.
	JournalMeetingRefresh        = "journal_meeting_refresh" // A request for the meeting's latest version: who, summary, when.
	MeetingAccepted              = "meeting_accepted"        // The answers of JournalMeetingAnswer.
	MeetingDeclined              = "meeting_declined"
	MeetingTentative             = "meeting_tentative"
	MeetingDelegated             = "meeting_delegated"
	MeetingAnswered              = "meeting_answered" // Another PARTSTAT, or none.
)

// meetingLine is the history line of a meeting mail: who did what to which meeting, when.
func (t *Tx) meetingLine(in *Incoming) Phrase {
	m := in.Meeting
	who := in.From
	if in.FromName != "" {
		who = in.FromName + " <" + in.From + ">"
	}
	summary := m.Summary
	if t := strings.TrimSpace(in.ThreadTopic); t != "" && m.Automatic() && strings.HasSuffix(summary, t) {
		// Outlook's answer puts its subject in the SUMMARY ("Accepted: Visit", "Refusé : Visite")
		// and the meeting's title in Thread-Topic.
		summary = t
	}
	summary = meetingTitle(summary, t.cfg.Desk.Tag, false)
	if summary == "" {
		summary = meetingTitle(in.Subject, t.cfg.Desk.Tag, true)
	}
	when := t.meetingTime(m)
	p := say("", "who", who, "summary", OneLine(summary, 200), "when", when)
	switch m.Method {
	case "REPLY":
		if m.Attendee != "" && !strings.EqualFold(m.Attendee, in.From) {
			// A delegate or an alias answered for the attendee: the line names the sender first,
			// the attendee after, since anyone can write any ATTENDEE into a calendar part.
			attendee := m.Attendee
			if m.AttendeeName != "" {
				attendee = m.AttendeeName + " <" + m.Attendee + ">"
			}
			p.Args["who"] = who + " (" + attendee + ")"
		}
		p.Code = JournalMeetingAnswer
		answer := MeetingAnswered
		switch m.PartStat {
		case "ACCEPTED":
			answer = MeetingAccepted
		case "DECLINED":
			answer = MeetingDeclined
		case "TENTATIVE":
			answer = MeetingTentative
		case "DELEGATED":
			answer = MeetingDelegated
		}
		p.Parts = map[string]Phrase{"answer": {Code: answer}}
	case "CANCEL":
		p.Code = JournalMeetingCancel
	case "COUNTER":
		p.Code = JournalMeetingCounter
	case "DECLINECOUNTER":
		p.Code = JournalMeetingDeclineCounter
	case "REFRESH":
		p.Code = JournalMeetingRefresh
	default:
		p.Code = JournalMeetingInvite
	}
	return p
}

// meetingTime is when a meeting begins as its line says it: a stamp (in the desk's zone, which
// the line names), for a time the part gave in a zone and for a floating time, which is the
// same wall-clock time everywhere and is read in the desk's zone; the date alone ("2026-12-03")
// for an all-day event; "" when the part gives none.
func (t *Tx) meetingTime(m *Meeting) string {
	if !m.Start.IsZero() {
		return t.stamp(m.Start)
	}
	if d, err := time.Parse(time.DateOnly, m.StartText); err == nil {
		return d.Format(time.DateOnly)
	}
	if at, err := time.ParseInLocation("2006-01-02 15:04", m.StartText, t.cfg.Location()); err == nil {
		return t.stamp(at)
	}
	return ""
}

// meetingWords keeps on the ticket what the sender of a meeting answer, cancellation or
// counter-proposal wrote of their own (MeetingWords), after its line: from the requester or a
// watcher it is their message (public; the technician told, the ticket's status unchanged);
// from staff it is their note (the attendees had it from their calendar);
// from anyone else, or on a ticket that opens no more, it is kept for the staff, the technician
// told while the ticket is active. The mail stays automatic: nothing is answered or acknowledged.
func (t *Tx) meetingWords(tk *Ticket, in *Incoming) error {
	words := MeetingWords(in, t.cfg.Desk.Tag)
	if words == "" || !in.Meeting.Automatic() {
		return nil
	}
	switch {
	case t.cfg.IsStaff(in.From):
		return t.event(tk, EventNote, in.From, false, words, in.MessageID)
	}
	// What is left of a client's answer once its own text is cut may still be a server's
	// disclaimer or a signature: the words are kept and the technician told, and the ticket's
	// status is left to a mail that says it (a reply reopens, a meeting answer does not).
	public := participant(tk, in.From) && !t.opensNoMore(tk)
	if err := t.event(tk, EventMessage, in.From, public, words, in.MessageID); err != nil {
		return err
	}
	if tk.Status == StatusClosed || t.opensNoMore(tk) && !tk.Status.Active() {
		return nil
	}
	return t.tellAssignee(tk, in.From, Notice{Event: "message", Text: words})
}

// meetingInvitation handles an invitation sent by a person (in.Meeting, VerdictPerson) before
// the desk treats it as any person's mail, and reports whether it did.
//
// From staff (a technician scheduling a visit with the requester, the desk in copy), or from one
// of the desk's own addresses, an invitation is the desk's own work: on the ticket it threads
// into it is a line of the history, its files kept (the .ics among them), and it is not relayed
// (the requester has it from their calendar already); about no ticket, it opens none (a team
// meeting the desk's mailbox is invited to is no request). Such an invitation is authenticated
// as any staff mail (authenticate): a forged one goes the way of an unauthenticated staff mail,
// kept as a note without its files, the staff address told (unauthenticated).
//
// From anyone else it is their mail as any other: it threads into their ticket, or opens one
// whose files keep the .ics (a requester inviting the desk to set up a room's projector for a
// meeting is asking for something), acknowledged as any request.
func (t *Tx) meetingInvitation(in *Incoming, tk *Ticket, th threading) (Outcome, bool, error) {
	o := Outcome{MessageID: in.MessageID}
	if !in.Meeting.Invitation() || !t.cfg.IsStaff(in.From) && !t.cfg.IsDeskAddress(in.From) {
		return o, false, nil
	}
	if tk == nil || th.stranger && !t.cfg.IsStaff(in.From) {
		o.Action = ActionIgnored
		return o, true, nil
	}
	if err := t.linkMessage(in, tk.ID); err != nil {
		return o, true, err
	}
	if reason, authentic, err := t.authenticate(tk, in, th); err != nil {
		return o, true, err
	} else if !authentic {
		o, err := t.unauthenticated(tk, in, reason)
		return o, true, err
	}
	if err := t.storeAttachments(tk, in); err != nil {
		return o, true, err
	}
	if err := t.said(tk, EventNote, ActorDesk, false, t.meetingLine(in), in.MessageID); err != nil {
		return o, true, err
	}
	o.TicketID, o.Action = tk.ID, ActionRecorded
	return o, true, nil
}
