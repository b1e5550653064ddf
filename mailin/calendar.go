package mailin

import (
	"html"
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
// arran4/golang-ical): the METHOD line, seven properties of the first VEVENT and the offsets of
// the VTIMEZONE its DTSTART names (calzone.go) are all the desk needs, a line unfolded and a
// parameter unquoted. A library would give the VTIMEZONE's rules but no instant of them either
// (go-ical leaves a custom zone's RRULEs to the caller), and no Outlook name of a zone.
//
// What the sender wrote in an answer (its COMMENT, Google's X-RESPONSE-COMMENT, the mail's own
// text) is theirs, kept on the ticket as their message (tickets.MeetingWords).

// maxCalendar is how much of a calendar part is read: Outlook puts its VTIMEZONE first, a few KB;
// a VEVENT whose properties come later is read without them.
const maxCalendar = 64 << 10

// calendarPart is what the walk found of a mail's first calendar part with a METHOD.
type calendarPart struct {
	meeting   *tickets.Meeting
	own       bool     // Inline, with its method in its Content-Type: the client's own part.
	attendees []string // Every ATTENDEE's lower-case address.
	sentBy    []string // The SENT-BY of the ORGANIZER and ATTENDEEs, lower-case.
	note      string   // The answering ATTENDEE's X-RESPONSE-COMMENT (Google Calendar's note).
	tnef      bool     // The mail has a winmail.dat (tnefMeeting), with or without a calendar part.
}

// calendar reads a calendar part (text/calendar, or application/ics as Gmail names its copy)
// into the walk's facts, unless an earlier one was read.
func (w *walker) calendar(ct string, params *mediaParams, disp string, data []byte) {
	if w.facts.calendar.meeting != nil || ct != "text/calendar" && ct != "application/ics" {
		return
	}
	if len(data) > maxCalendar {
		data = data[:maxCalendar]
	}
	text, _ := decodeText(data, params.get("charset"), w.hint)
	c := readCalendar(text)
	if c.meeting == nil {
		return
	}
	c.own = ct == "text/calendar" && disp != "attachment" && strings.EqualFold(strings.TrimSpace(params.get("method")), c.meeting.Method)
	w.facts.calendar = c
}

// readCalendar reads an iCalendar text (RFC 5545): its METHOD, the first VEVENT's SUMMARY,
// DTSTART, ORGANIZER, ATTENDEEs and COMMENT, and the VTIMEZONEs its DTSTART may name. Its
// meeting is nil without a METHOD.
func readCalendar(text string) calendarPart {
	var c calendarPart
	m := &tickets.Meeting{}
	// RFC 5545 section 3.1: a line break followed by a space or a tab continues the line. Line
	// ends are read leniently: CRLF, LF, or CR CRLF (a part whose CRLF was encoded, then put on
	// a CRLF line).
	text = strings.NewReplacer("\r", "", "\n ", "", "\n\t", "").Replace(text)
	depth, inEvent, events := 0, false, 0
	var zones []*vtimezone
	var zone *vtimezone      // The VTIMEZONE being read.
	var rule *zoneObservance // Its STANDARD or DAYLIGHT being read.
	var start string         // DTSTART's value, read once the zones are known.
	var startParams map[string]string
	for line := range strings.Lines(text) {
		name, params, value := calendarLine(strings.TrimSuffix(line, "\n"))
		switch name {
		case "BEGIN":
			depth++
			switch v := strings.ToUpper(strings.TrimSpace(value)); {
			case v == "VEVENT":
				events++
				inEvent = events == 1
			case v == "VTIMEZONE" && depth == 2 && len(zones) < maxZones:
				zone = &vtimezone{}
				zones = append(zones, zone)
			case (v == "STANDARD" || v == "DAYLIGHT") && depth == 3 && zone != nil && len(zone.rules) < maxZones:
				zone.rules = append(zone.rules, zoneObservance{})
				rule = &zone.rules[len(zone.rules)-1]
			}
			continue
		case "END":
			depth--
			switch strings.ToUpper(strings.TrimSpace(value)) {
			case "VEVENT":
				inEvent = false
			case "VTIMEZONE":
				zone, rule = nil, nil
			case "STANDARD", "DAYLIGHT":
				rule = nil
			}
			continue
		case "METHOD":
			if depth == 1 {
				m.Method = strings.ToUpper(strings.TrimSpace(value))
			}
			continue
		}
		if zone != nil {
			zone.read(rule, depth, name, value)
			continue
		}
		if !inEvent || depth != 2 {
			continue // A VALARM's properties.
		}
		switch name {
		case "SUMMARY":
			m.Summary = icalText(value)
		case "DTSTART":
			start, startParams = value, params
		case "COMMENT":
			if m.Comment == "" {
				m.Comment = icalNote(value)
			}
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
				// Google Calendar writes the attendee's note here rather than in COMMENT, HTML
				// escaped, then escaped as TEXT ("it&#39\;s").
				c.note = html.UnescapeString(icalNote(params["X-RESPONSE-COMMENT"]))
			}
		}
	}
	if m.Comment == "" {
		m.Comment = c.note
	}
	m.Start, m.StartText = icalTime(start, startParams, zones)
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

// icalNote undoes the escapes of a TEXT value written by a person (a COMMENT), keeping its lines.
func icalNote(v string) string {
	v = strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(v)
	return strings.TrimSpace(v)
}

// icalTime reads a DATE-TIME or DATE value (RFC 5545 section 3.3.5): the instant when it names
// one (UTC; a TZID that is an IANA name, a Windows name Outlook writes, or one of the zones
// given), else the time as written: "2026-12-03 14:00" for a floating time, "2026-12-03" for a
// date (VALUE=DATE: an all-day event), which the desk reads in its own zone.
func icalTime(v string, params map[string]string, zones []*vtimezone) (time.Time, string) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse("20060102T150405Z", v); err == nil {
		return t.UTC(), ""
	}
	local, err := time.Parse("20060102T150405", v)
	if err != nil {
		if d, err := time.Parse("20060102", strings.TrimSuffix(v, "Z")); err == nil {
			return time.Time{}, d.Format(time.DateOnly)
		}
		return time.Time{}, ""
	}
	tzid := strings.Trim(params["TZID"], `"/ `)
	if loc := zoneByName(tzid); loc != nil {
		t := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, loc)
		return t.UTC(), ""
	}
	for _, z := range zones {
		if strings.EqualFold(strings.Trim(z.id, `"/ `), tzid) {
			if off, ok := z.offsetAt(local); ok {
				return local.Add(-time.Duration(off) * time.Second).UTC(), ""
			}
		}
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
// A mail without a calendar part is Outlook's answer in a winmail.dat (tnefMeeting).
func ownMeeting(f *bodyFacts, hv *headerValues, from, subject string) *tickets.Meeting {
	if f == nil || IsForwardSubject(subject) {
		return nil
	}
	if f.calendar.meeting == nil {
		if !f.calendar.tnef {
			// Not even from the header alone, which the mailbox reader judges before it fetches
			// the body: the answer's body, with its sender's words, is needed.
			return nil
		}
		return tnefMeeting(hv, from, subject)
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

// tnefMeeting is the meeting of Outlook's answer, cancellation or counter-proposal sent in its
// own format: no calendar part, the meeting's properties in a winmail.dat (TNEF), and the header
// field "Content-Class: urn:content-classes:calendarmessage" (or the item's message class,
// "IPM.Schedule.Meeting.Resp.Pos"), which Outlook writes on every meeting item and a person
// never does. The mail must have the winmail.dat (bodyFacts.calendar.tnef). Which item it is, the subject's first words say ("Accepté : …", "Declined: …",
// "Canceled: …"), as Outlook writes them; an invitation is left to be a person's mail. The
// time of the meeting is not read (its MAPI properties are named properties of the TNEF).
func tnefMeeting(hv *headerValues, from, subject string) *tickets.Meeting {
	if hv == nil {
		return nil
	}
	class := strings.ToLower(strings.TrimSpace(hv.Get("Content-Class")))
	if class != "urn:content-classes:calendarmessage" && !strings.HasPrefix(class, "ipm.schedule.meeting.") {
		return nil
	}
	title, method, partStat, ok := tickets.MeetingPrefix(subject)
	if !ok || method == "" {
		return nil
	}
	m := &tickets.Meeting{Method: method, PartStat: partStat, Summary: title}
	from = strings.ToLower(from)
	if method == "CANCEL" {
		m.Organizer = from
	} else {
		m.Attendee = from
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
func meetingResponse(f *bodyFacts, hv *headerValues, from, subject string) string {
	if m := ownMeeting(f, hv, from, subject); m != nil && m.Automatic() {
		return "calendar METHOD:" + m.Method
	}
	return ""
}
