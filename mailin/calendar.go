package mailin

import (
	"slices"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

// Meeting mail. Calendar clients send a meeting's invitation, answers, cancellation and
// counter-proposals as mail with a text/calendar part whose METHOD says which (iTIP, RFC 5546;
// over mail, RFC 6047): Outlook as a part of multipart/alternative beside the "Accepted: …"
// text, Gmail likewise plus an application/ics copy named invite.ics, Apple Mail as a part of
// its own. The walk reads the first such part of the mail itself (calendarPart; an attached
// message's parts are its own, walked apart), and two things make it the mail's own rather than
// an .ics file a person passes on: the mail is no forward ("TR: Accepté : …"), and either its
// sender is the one the method speaks for (the attendee who answers, the organiser who invites
// or cancels, or who sends for them: SENT-BY) or the part is the client's own, inline with the
// method in its Content-Type (RFC 6047 section 2.4).
//
// Subject words alone never make a meeting mail: a person may write "Accepted: your fix works".
//
// The part is read by hand rather than with an iCalendar library (github.com/emersion/go-ical,
// arran4/golang-ical): the METHOD line and five properties of the first VEVENT are all the desk
// needs, a line unfolded and a parameter unquoted, and a library would parse every VTIMEZONE
// rule of Outlook's parts for nothing.

// maxCalendar is how much of a calendar part is read: Outlook puts its VTIMEZONE first, a few KB;
// a VEVENT whose properties come later is read without them.
const maxCalendar = 64 << 10

// calendarPart is what the walk found of a mail's first calendar part with a METHOD.
type calendarPart struct {
	meeting   *tickets.Meeting
	own       bool     // Inline, with its method in its Content-Type: the client's own part.
	attendees []string // Every ATTENDEE's lower-case address.
	sentBy    []string // The SENT-BY of the ORGANIZER and ATTENDEEs, lower-case.
}

// calendar reads a calendar part (text/calendar, or application/ics as Gmail names its copy)
// into the walk's facts, unless an earlier one was read.
func (w *walker) calendar(ct string, params map[string]string, disp string, data []byte) {
	if w.facts.calendar.meeting != nil || ct != "text/calendar" && ct != "application/ics" {
		return
	}
	if len(data) > maxCalendar {
		data = data[:maxCalendar]
	}
	text, _ := decodeText(data, params["charset"], w.hint)
	c := readCalendar(text)
	if c.meeting == nil {
		return
	}
	c.own = ct == "text/calendar" && disp != "attachment" && strings.EqualFold(strings.TrimSpace(params["method"]), c.meeting.Method)
	w.facts.calendar = c
}

// readCalendar reads an iCalendar text (RFC 5545): its METHOD, and the first VEVENT's SUMMARY,
// DTSTART, ORGANIZER and ATTENDEEs. Its meeting is nil without a METHOD.
func readCalendar(text string) calendarPart {
	var c calendarPart
	m := &tickets.Meeting{}
	// RFC 5545 section 3.1: a line break followed by a space or a tab continues the line. Line
	// ends are read leniently: CRLF, LF, or CR CRLF (a part whose CRLF was encoded, then put on
	// a CRLF line).
	text = strings.NewReplacer("\r", "", "\n ", "", "\n\t", "").Replace(text)
	depth, inEvent, events := 0, false, 0
	for line := range strings.Lines(text) {
		name, params, value := calendarLine(strings.TrimSuffix(line, "\n"))
		switch name {
		case "BEGIN":
			depth++
			if strings.EqualFold(value, "VEVENT") {
				events++
				inEvent = events == 1
			}
			continue
		case "END":
			depth--
			if strings.EqualFold(value, "VEVENT") {
				inEvent = false
			}
			continue
		case "METHOD":
			if depth == 1 {
				m.Method = strings.ToUpper(strings.TrimSpace(value))
			}
			continue
		}
		if !inEvent || depth != 2 {
			continue // A VALARM's or a VTIMEZONE's properties.
		}
		switch name {
		case "SUMMARY":
			m.Summary = icalText(value)
		case "DTSTART":
			m.Start, m.StartText = icalTime(value, params)
		case "ORGANIZER":
			m.Organizer = mailtoAddress(value)
			c.sentBy = appendAddress(c.sentBy, mailtoAddress(params["SENT-BY"]))
		case "ATTENDEE":
			a := mailtoAddress(value)
			c.attendees = appendAddress(c.attendees, a)
			c.sentBy = appendAddress(c.sentBy, mailtoAddress(params["SENT-BY"]))
			// A REPLY carries the one attendee who answers (RFC 5546 section 3.2.3).
			if m.Attendee == "" && a != "" {
				m.Attendee, m.AttendeeName = a, icalText(params["CN"])
				m.PartStat = strings.ToUpper(params["PARTSTAT"])
			}
		}
	}
	if m.Method != "" {
		c.meeting = m
	}
	return c
}

// calendarLine splits a content line "NAME;PARAM=VALUE;PARAM="QUOTED:VALUE":VALUE" (RFC 5545
// section 3.1): its upper-case name, its parameters by upper-case name (quotes removed), its value.
func calendarLine(line string) (string, map[string]string, string) {
	var params map[string]string
	i := strings.IndexAny(line, ";:")
	if i < 0 {
		return "", nil, ""
	}
	name := strings.ToUpper(line[:i])
	for i < len(line) && line[i] == ';' {
		// A parameter: NAME=VALUE, the value quoted when it has ";", ":" or ",".
		j := strings.IndexByte(line[i:], '=')
		if j < 0 {
			return name, params, ""
		}
		pname := strings.ToUpper(line[i+1 : i+j])
		k := i + j + 1
		var v string
		if k < len(line) && line[k] == '"' {
			end := strings.IndexByte(line[k+1:], '"')
			if end < 0 {
				return name, params, ""
			}
			v, k = line[k+1:k+1+end], k+1+end+1
		}
		end := strings.IndexAny(line[k:], ";:")
		if end < 0 {
			return name, params, ""
		}
		v += line[k : k+end]
		if params == nil {
			params = map[string]string{}
		}
		params[pname] = v
		i = k + end
	}
	if i >= len(line) || line[i] != ':' {
		return name, params, ""
	}
	return name, params, line[i+1:]
}

// icalText undoes the escapes of a TEXT value (RFC 5545 section 3.3.11) and keeps one line.
func icalText(v string) string {
	v = strings.NewReplacer(`\n`, " ", `\N`, " ", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(v)
	return strings.Join(strings.Fields(v), " ")
}

// windowsZones are the Windows names of time zones Outlook writes in TZID, for the zones of the
// desk's users; a TZID that is neither one of them nor an IANA name gives the time as written.
// todo: Outlook's own VTIMEZONE rules would give every zone.
var windowsZones = map[string]string{
	"Romance Standard Time": "Europe/Paris", "W. Europe Standard Time": "Europe/Berlin",
	"Central Europe Standard Time": "Europe/Budapest", "Central European Standard Time": "Europe/Warsaw",
	"GMT Standard Time": "Europe/London", "Greenwich Standard Time": "Atlantic/Reykjavik", "UTC": "UTC",
	"Eastern Standard Time": "America/New_York", "Central Standard Time": "America/Chicago",
	"Pacific Standard Time": "America/Los_Angeles", "Morocco Standard Time": "Africa/Casablanca",
	"W. Central Africa Standard Time": "Africa/Lagos", "E. Africa Standard Time": "Africa/Nairobi",
}

// icalTime reads a DATE-TIME or DATE value (RFC 5545 section 3.3.5): the instant when it names
// one (UTC, or a zone known), else the time as written.
func icalTime(v string, params map[string]string) (time.Time, string) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse("20060102T150405Z", v); err == nil {
		return t.UTC(), ""
	}
	local, err := time.Parse("20060102T150405", v)
	if err != nil {
		if d, err := time.Parse("20060102", v); err == nil {
			return time.Time{}, d.Format("2006-01-02")
		}
		return time.Time{}, ""
	}
	tzid := strings.Trim(params["TZID"], `"/ `)
	if name, ok := windowsZones[tzid]; ok {
		tzid = name
	}
	if loc, err := time.LoadLocation(tzid); err == nil && tzid != "" {
		t := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, loc)
		return t.UTC(), ""
	}
	return time.Time{}, local.Format("2006-01-02 15:04")
}

// mailtoAddress is the lower-case address of a CAL-ADDRESS ("mailto:Paul@Corp.example"), "" for
// another kind.
func mailtoAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:7], "mailto:") {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(v[7:]))
}

func appendAddress(list []string, a string) []string {
	if a == "" {
		return list
	}
	return append(list, a)
}

// ownMeeting returns the meeting a mail's own calendar part says, nil when it has none (see the
// top of this file): from, the sender's lower-case address, is the one its method speaks for, or
// the part is the client's own; and the mail is no forward (a meeting mail passed on by a person is their mail).
func ownMeeting(f *bodyFacts, from, subject string) *tickets.Meeting {
	if f == nil || f.calendar.meeting == nil || IsForwardSubject(subject) {
		return nil
	}
	c, m := &f.calendar, f.calendar.meeting
	from = strings.ToLower(from)
	party := from != "" && slices.Contains(c.sentBy, from)
	switch m.Method {
	case "REPLY", "COUNTER", "REFRESH":
		party = party || from != "" && slices.Contains(c.attendees, from)
	default: // REQUEST, ADD, CANCEL, DECLINECOUNTER, PUBLISH: the organiser's.
		party = party || from != "" && from == m.Organizer
	}
	// An attached part (Apple Mail's answer is one, beside "Tom Becker has tentatively accepted
	// your invitation.") is the mail's own only when its sender is the party and the subject is
	// about that meeting ("Tentative: Laptop handover"): a person who writes of something else
	// ("Outlook does not record my answer, here is the file") with their own .ics attached is
	// writing a mail of their own, which must not be dropped as an automatic answer.
	if !c.own && !(party && aboutMeeting(subject, m.Summary)) {
		return nil
	}
	if m.Method == "PUBLISH" {
		return nil // An event published (a booking, a webinar's .ics): a file, nobody is invited.
	}
	return m
}

// aboutMeeting reports whether a subject names the meeting whose SUMMARY is summary.
func aboutMeeting(subject, summary string) bool {
	summary = strings.ToLower(strings.TrimSpace(summary))
	return summary != "" && strings.Contains(strings.ToLower(subject), summary)
}

// meetingResponse is the verdict's reason for a calendar client's automatic mail (an answer, a
// cancellation, a counter-proposal, a refresh): "" for any other mail.
func meetingResponse(f *bodyFacts, from, subject string) string {
	if m := ownMeeting(f, from, subject); m != nil && m.Automatic() {
		return "calendar METHOD:" + m.Method
	}
	return ""
}
