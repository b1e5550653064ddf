package mailin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// calendarFixture reads one of the meeting mails of testdata/calendar, written for these tests in
// the shapes Outlook, Gmail and Apple Mail send.
func calendarFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "calendar", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMeetingVerdict: a calendar client's answer, cancellation or counter-proposal is automatic
// mail, whatever its language, read from the calendar part's METHOD; an invitation is its
// organiser's mail; a forwarded answer, and a subject such as "Accepted: …" without a calendar
// part, are a person's.
func TestMeetingVerdict(t *testing.T) {
	opt := ParseOptions{DeskAddresses: []string{"helpdesk@corp.example"}}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file     string
		verdict  Verdict
		method   string // "" for no meeting of the mail's own.
		partstat string
		who      string // The attendee.
		summary  string
		start    time.Time
		day      string // StartText: an all-day meeting's date.
	}{
		{"outlook-request-technician-fr.eml", VerdictPerson, "REQUEST", "NEEDS-ACTION", "celine@corp.example",
			"Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris), ""},
		{"outlook-reply-accepted-en.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "celine@corp.example",
			"Accepted: Visit to your desk [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris), ""},
		{"outlook-reply-declined-fr.eml", VerdictAutoReply, "REPLY", "DECLINED", "celine@corp.example",
			"Refusé: Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris), ""},
		{"gmail-reply-accepted-fr.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "marc.petit@corp.example",
			"Installation du nouvel écran [HD #1]", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		{"gmail-cancel-en.eml", VerdictAutoReply, "CANCEL", "NEEDS-ACTION", "helpdesk@corp.example",
			"Weekly sync - facilities", time.Date(2026, 12, 4, 9, 30, 0, 0, paris), ""},
		{"apple-reply-tentative-en.eml", VerdictAutoReply, "REPLY", "TENTATIVE", "tom.becker@corp.example",
			"Laptop handover [HD #1]", time.Date(2026, 12, 3, 15, 0, 0, 0, paris), ""},
		{"outlook-counter-fr.eml", VerdictAutoReply, "COUNTER", "TENTATIVE", "celine@corp.example",
			"Nouvel horaire proposé: Intervention sur votre poste [HD #1]", time.Date(2026, 12, 4, 10, 0, 0, 0, paris), ""},
		{"outlook-cancel-fr.eml", VerdictAutoReply, "CANCEL", "NEEDS-ACTION", "celine@corp.example",
			"Annulé: Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris), ""},
		{"gmail-request-requester-en.eml", VerdictPerson, "REQUEST", "ACCEPTED", "rita.gomez@corp.example",
			"Board meeting - projector and video link", time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC), ""},
		{"outlook-request-team-en.eml", VerdictPerson, "REQUEST", "NEEDS-ACTION", "helpdesk@corp.example",
			"IT team weekly", time.Date(2026, 12, 7, 9, 0, 0, 0, paris), ""},
		{"forward-declined-fr.eml", VerdictPerson, "", "", "", "", time.Time{}, ""},
		{"outlook-reply-words-fr.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "celine@corp.example",
			"Accepté : Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris), ""},
		{"gmail-reply-note-en.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "celine@corp.example",
			"Laptop swap [HD #1]", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		{"gmail-reply-plain-en.eml", VerdictAutoReply, "REPLY", "DECLINED", "celine@corp.example",
			"Laptop swap [HD #1]", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		// "Customized Time Zone", read from its VTIMEZONE: 9:30 in June is summer time, UTC+2.
		{"outlook-reply-customtz-en.eml", VerdictAutoReply, "REPLY", "TENTATIVE", "bob.smith@corp.example",
			"Tentative: Printer training", time.Date(2026, 6, 16, 7, 30, 0, 0, time.UTC), ""},
		{"apple-cancel-allday-fr.eml", VerdictAutoReply, "CANCEL", "NEEDS-ACTION", "celine@corp.example",
			"Déploiement des portables [HD #1]", time.Time{}, "2026-12-07"},
		// Outlook's answers in a winmail.dat: no calendar part, Content-Class says it is one.
		{"outlook-tnef-accepted-en.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "tom.becker@corp.example",
			"Laptop handover [HD #1]", time.Time{}, ""},
		{"outlook-tnef-declined-fr.eml", VerdictAutoReply, "REPLY", "DECLINED", "celine@corp.example",
			"Intervention sur votre poste [HD #1]", time.Time{}, ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			m, err := Parse([]byte(calendarFixture(t, c.file)), opt)
			if err != nil {
				t.Fatal(err)
			}
			if m.Verdict != c.verdict {
				t.Errorf("verdict %s (%s), want %s", m.Verdict, m.VerdictReason, c.verdict)
			}
			if c.method == "" {
				if m.Meeting != nil {
					t.Errorf("meeting %+v, want none of the mail's own", m.Meeting)
				}
				return
			}
			mt := m.Meeting
			if mt == nil {
				t.Fatalf("no meeting read (problems %q)", m.Problems)
			}
			if mt.Method != c.method || mt.PartStat != c.partstat || mt.Attendee != c.who || mt.Summary != c.summary || !mt.Start.Equal(c.start) || mt.StartText != c.day {
				t.Errorf("meeting %+v\nwant %s %s %s %q %v %q", mt, c.method, c.partstat, c.who, c.summary, c.start.UTC(), c.day)
			}
			if strings.HasPrefix(c.file, "outlook-tnef-") {
				return // Its calendar is the winmail.dat's, which holds no file.
			}
			// The calendar part stays a file of the mail.
			ics := false
			for _, a := range m.Attachments {
				ics = ics || a.ContentType == "text/calendar" || a.ContentType == "application/ics"
			}
			if !ics {
				t.Errorf("the calendar part is not a file of the mail: %+v", m.Attachments)
			}
		})
	}
	// Subject words alone are a person's: "Accepted: …", "Annulé : …" with no calendar part.
	for _, subject := range []string{"Accepted: your fix works", "Annulé : ma demande d'hier", "Declined: the VPN still refuses me"} {
		m, err := Parse([]byte(testMail("words@client", "paul@corp.example", subject, "Merci, tout va bien.")), opt)
		if err != nil {
			t.Fatal(err)
		}
		if m.Verdict != VerdictPerson || m.Meeting != nil {
			t.Errorf("%q: verdict %s (%s), meeting %+v; want a person's mail", subject, m.Verdict, m.VerdictReason, m.Meeting)
		}
	}
}

// TestMeetingTNEFNeedsItsBody: Outlook's answer in a winmail.dat is judged from its whole mail,
// never from its header alone (the mailbox reader does not fetch the body of a mail its header
// says is automatic, and the answer's body has its sender's words); Content-Class with an
// invitation's subject is a person's mail.
func TestMeetingTNEFNeedsItsBody(t *testing.T) {
	raw := calendarFixture(t, "outlook-tnef-declined-fr.eml")
	header, _, _ := strings.Cut(raw, "\n\n")
	m, err := Parse([]byte(header+"\n\n"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Verdict != VerdictPerson || m.Meeting != nil {
		t.Errorf("header alone: verdict %s (%s), meeting %+v; want the body read first", m.Verdict, m.VerdictReason, m.Meeting)
	}
	invitation := strings.Replace(raw, "Subject: =?iso-8859-1?Q?Refus=E9=A0:_Intervention", "Subject: =?iso-8859-1?Q?Intervention", 1)
	if m, err = Parse([]byte(invitation), ParseOptions{}); err != nil {
		t.Fatal(err)
	}
	if m.Verdict != VerdictPerson || m.Meeting != nil {
		t.Errorf("an invitation in a winmail.dat: verdict %s (%s), meeting %+v; want a person's mail", m.Verdict, m.VerdictReason, m.Meeting)
	}
}

// TestMeetingNotTheSendersOwn: an .ics file a person attaches (someone else's answer, saved and
// sent on) is no meeting of theirs: they are neither the attendee it speaks for nor is the part
// their client's own (inline, with its method in its Content-Type).
func TestMeetingNotTheSendersOwn(t *testing.T) {
	raw := rawMail([]string{"From: Paul Roy <paul.roy@corp.example>", "To: helpdesk@corp.example",
		"Subject: Why was this declined?", "Message-ID: <attached-ics@client>"},
		rawPart{"text/plain; charset=utf-8", "", "The room declined my meeting, see the file."},
		icsPart("REPLY", "ATTENDEE;PARTSTAT=DECLINED:mailto:room5@corp.example", "ORGANIZER:mailto:paul.roy@corp.example", "SUMMARY:Budget review"))
	m, err := Parse([]byte(raw), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Verdict != VerdictPerson || m.Meeting != nil {
		t.Fatalf("verdict %s (%s), meeting %+v; want a person's mail", m.Verdict, m.VerdictReason, m.Meeting)
	}
}

// TestMeetingFileOfThePartyItself: the party of an attached answer or invitation who writes of
// something else is writing their own mail (not dropped as the calendar client's answer), while
// Apple Mail's attached answer, its subject about the meeting, is the client's.
func TestMeetingFileOfThePartyItself(t *testing.T) {
	mail := func(subject, text, method, party string) string {
		return rawMail([]string{"From: Léa Martin <lea@corp.example>", "To: helpdesk@corp.example", "Subject: " + subject,
			"Message-ID: <party-ics-" + method + "@client>"},
			rawPart{"text/plain; charset=utf-8", "", text}, icsPart(method, party, "SUMMARY:Point hebdo"))
	}
	for _, c := range []struct {
		name, subject, text, method, party string
		automatic                          bool
	}{
		{"her answer, attached to a question", "Outlook n'enregistre pas ma réponse", "Outlook ne garde pas ma réponse, voici le fichier.", "REPLY", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:lea@corp.example", false},
		{"her invitation, attached to a question", "Le lien Teams de mon invitation ne marche pas", "Le lien ne s'ouvre pas, voici l'invitation.", "REQUEST", "ORGANIZER:mailto:lea@corp.example", false},
		{"the client's attached answer", "Accepted: Point hebdo", "Léa Martin has accepted your invitation.", "REPLY", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:lea@corp.example", true},
	} {
		m, err := Parse([]byte(mail(c.subject, c.text, c.method, c.party)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Verdict == VerdictAutoReply; got != c.automatic || (m.Meeting != nil) != c.automatic && c.method == "REPLY" {
			t.Errorf("%s: verdict %s (%s), meeting %+v; automatic want %v", c.name, m.Verdict, m.VerdictReason, m.Meeting, c.automatic)
		}
		if !c.automatic && m.Verdict != VerdictPerson {
			t.Errorf("%s: verdict %s (%s), want a person's mail", c.name, m.Verdict, m.VerdictReason)
		}
	}
}

// TestReadCalendar: folded lines, quoted parameters holding ":" and ";", escapes, the first
// VEVENT's properties only (not a VALARM's, not a second event's), zones by IANA and Windows
// names, floating times and dates as written.
func TestReadCalendar(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nMETHOD:reply\r\nBEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
		"BEGIN:VEVENT\r\nATTENDEE;CN=\"Dupré; C: the\r\n  second\";PARTSTAT=declined:MAILTO:Celine@Corp.Example\r\n" +
		"SUMMARY:Visite\\, poste\\; écran\\nsuite\r\nDTSTART;TZID=Romance Standard Time:20260703T140000\r\n" +
		"BEGIN:VALARM\r\nSUMMARY:reminder\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nSUMMARY:another\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	c := readCalendar(ics)
	m := c.meeting
	if m == nil {
		t.Fatal("no METHOD read")
	}
	want := tickets.Meeting{Method: "REPLY", Summary: "Visite, poste; écran suite", Attendee: "celine@corp.example",
		AttendeeName: "Dupré; C: the second", PartStat: "DECLINED", Start: time.Date(2026, 7, 3, 12, 0, 0, 0, time.UTC)}
	if *m != want {
		t.Errorf("%+v\nwant %+v", *m, want)
	}
	for _, c := range []struct {
		value, tzid string
		at          time.Time
		text        string
	}{
		{"20261203T130000Z", "", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		{"20261203T140000", "Europe/Paris", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		{"20261203T140000", "Somewhere Standard Time", time.Time{}, "2026-12-03 14:00"},
		{"20261203T140000", "", time.Time{}, "2026-12-03 14:00"},
		{"20261203", "", time.Time{}, "2026-12-03"},
	} {
		at, text := icalTime(c.value, map[string]string{"TZID": c.tzid}, nil)
		if !at.Equal(c.at) || text != c.text {
			t.Errorf("%s %s: %v %q, want %v %q", c.value, c.tzid, at, text, c.at, c.text)
		}
	}
	// Outlook's older names and its own zones, read from their VTIMEZONE: the European rules
	// (last Sunday of March and October, from 1601), the North American ones (second Sunday of
	// March, first of November), a zone without summer time; VALUE=DATE is a date.
	europe := "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n" +
		"TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n" +
		"RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	america := "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone 1\r\nBEGIN:STANDARD\r\nDTSTART:16010101T020000\r\n" +
		"TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n" +
		"RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	// Lotus Notes' "Eastern": the rules before 2007 (last Sunday of October, first of April)
	// end with their UNTIL, the ones after it begin.
	eastern := "BEGIN:VTIMEZONE\r\nTZID:Eastern\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:19501029T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T060000Z\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:19870405T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4;UNTIL=20060402T070000Z\r\nEND:DAYLIGHT\r\n" +
		"BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\n" +
		"BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
	india := "BEGIN:VTIMEZONE\r\nTZID:(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi\r\nBEGIN:STANDARD\r\n" +
		"DTSTART:16010101T000000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	for _, c := range []struct {
		dtstart string
		start   time.Time
		text    string
	}{
		{"DTSTART;TZID=Customized Time Zone:20261203T140000", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Customized Time Zone:20260616T093000", time.Date(2026, 6, 16, 7, 30, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Customized Time Zone:20260329T010000", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), ""}, // Before the change.
		{"DTSTART;TZID=Customized Time Zone:20260329T040000", time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC), ""}, // After it.
		{"DTSTART;TZID=Customized Time Zone:20261025T040000", time.Date(2026, 10, 25, 3, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Customized Time Zone 1:20260310T090000", time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Customized Time Zone 1:20260305T090000", time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Customized Time Zone 1:20261105T090000", time.Date(2026, 11, 5, 14, 0, 0, 0, time.UTC), ""},
		{`DTSTART;TZID="(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi":20261203T140000`, time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC), ""},
		// Mapped by its first city, in English and in French, with no VTIMEZONE needed.
		{`DTSTART;TZID="(UTC+01:00) Brussels, Copenhagen, Madrid, Paris":20260703T140000`, time.Date(2026, 7, 3, 12, 0, 0, 0, time.UTC), ""},
		{`DTSTART;TZID="(UTC+01:00) Bruxelles, Copenhague, Madrid, Paris":20261203T140000`, time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Nowhere Standard Time:20261203T140000", time.Time{}, "2026-12-03 14:00"},
		{"DTSTART;VALUE=DATE:20261207", time.Time{}, "2026-12-07"},
		{"DTSTART;TZID=Eastern:20261028T140000", time.Date(2026, 10, 28, 18, 0, 0, 0, time.UTC), ""}, // Summer time still.
		{"DTSTART;TZID=Eastern:20261105T140000", time.Date(2026, 11, 5, 19, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Eastern:20260401T140000", time.Date(2026, 4, 1, 18, 0, 0, 0, time.UTC), ""},
		{"DTSTART;TZID=Eastern:20050401T140000", time.Date(2005, 4, 1, 19, 0, 0, 0, time.UTC), ""}, // The old rules.
	} {
		ics := "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\n" + europe + america + eastern + india + "BEGIN:VEVENT\r\n" + c.dtstart + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		m := readCalendar(ics).meeting
		if m == nil || !m.Start.Equal(c.start) || m.StartText != c.text {
			t.Errorf("%s: %+v, want %v %q", c.dtstart, m, c.start, c.text)
		}
	}
	// The part's own words: Outlook's COMMENT, Google's X-RESPONSE-COMMENT with its HTML escapes.
	for _, c := range []struct{ lines, want string }{
		{"COMMENT;LANGUAGE=fr-FR:Je suis en déplacement\\, venez vendredi.\\nMerci\\n", "Je suis en déplacement, venez vendredi.\nMerci"},
		{`ATTENDEE;PARTSTAT=DECLINED;X-RESPONSE-COMMENT="Declined because it&#39\;s outside of working hours":mailto:p@corp.example`, "Declined because it's outside of working hours"},
	} {
		m := readCalendar("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n" + c.lines + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").meeting
		if m == nil || m.Comment != c.want {
			t.Errorf("%s: %+v, want the comment %q", c.lines, m, c.want)
		}
	}
	if c := readCalendar("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:no method\nEND:VEVENT\nEND:VCALENDAR\n"); c.meeting != nil {
		t.Errorf("a calendar without METHOD read as %+v", c.meeting)
	}
}

// TestMeetingMailEndToEnd: meeting mail in Outlook's (a calendar part, or a winmail.dat),
// Gmail's and Apple Mail's shapes, in French and English, read from the desk's mailbox. Answers,
// a counter-proposal and cancellations open no ticket and are answered by no mail: those that
// name a ticket are lines of its history, "… accepted the meeting …", and what their senders
// wrote in them is kept after their line (the requester's as their message, the technician told;
// a technician's as a note), the clients' own text left out. A technician's invitation to the
// requester, the desk in copy, authenticated, is a line of the ticket's history with its .ics kept, and is
// relayed to nobody; a technician's team meeting opens nothing. A requester's invitation asking
// for something opens a ticket with its .ics, acknowledged as any request; so does a person's
// forwarded decline; and "Accepted: …" written by a person into their ticket is their reply.
func TestMeetingMailEndToEnd(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	g := d.ingester()
	if _, err := g.Once(ctx); err != nil { // The first run, on an empty mailbox.
		t.Fatal(err)
	}
	srv.deliver(t, "INBOX", testMail("q1@client", "Céline Dupré <celine@corp.example>", "Mon PC ne démarre plus",
		"Bonjour,\nmon PC ne démarre plus depuis ce matin, l'alimentation ne s'allume pas.\nMerci"))
	if st, err := g.Once(ctx); err != nil || st.Opened != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	outbox := func() int { return count(t, d, `SELECT COUNT(*) FROM outbox`) }
	mailsBefore, ticketsBefore := outbox(), count(t, d, `SELECT COUNT(*) FROM tickets`)
	if mailsBefore == 0 {
		t.Fatal("the request was not acknowledged")
	}

	// The meeting mails of ticket 1, and a team meeting, its neighbour's cancellation and an
	// answer about no ticket.
	meetingMails := []string{"outlook-request-technician-fr.eml", "outlook-reply-accepted-en.eml", "outlook-reply-declined-fr.eml",
		"gmail-reply-accepted-fr.eml", "apple-reply-tentative-en.eml", "outlook-counter-fr.eml", "outlook-cancel-fr.eml",
		"outlook-reply-words-fr.eml", "gmail-reply-note-en.eml", "gmail-reply-plain-en.eml", "apple-cancel-allday-fr.eml",
		"outlook-tnef-accepted-en.eml", "outlook-tnef-declined-fr.eml",
		"outlook-request-team-en.eml", "gmail-cancel-en.eml", "outlook-reply-customtz-en.eml"}
	// The technician's invitation is recorded as hers only authenticated: her server signed it.
	cfg := *d.Config()
	cfg.Security.TrustedAuthservID = "mx.corp.example"
	if err := d.SetConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	for _, f := range meetingMails {
		raw := calendarFixture(t, f)
		if f == "outlook-request-technician-fr.eml" {
			raw = "Authentication-Results: mx.corp.example; dkim=pass header.d=corp.example header.s=s1\r\n" + raw
		}
		srv.deliver(t, "INBOX", raw)
	}
	st, err := g.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Fetched != len(meetingMails) || st.Opened != 0 || st.Appended != 0 || st.Automatic != len(meetingMails) {
		t.Fatalf("stats %+v: want %d mails, all recorded or ignored, none opened or appended", st, len(meetingMails))
	}
	if n := count(t, d, `SELECT COUNT(*) FROM tickets`); n != ticketsBefore {
		t.Errorf("%d tickets after the meeting mails, want %d", n, ticketsBefore)
	}
	// Nothing to the requester, no acknowledgement: only the staff told of the requester's words.
	if n := count(t, d, `SELECT COUNT(*) FROM outbox WHERE id > 0 AND (kind = 'ack' OR recipients LIKE '%celine%' OR recipients LIKE '%tom.becker%')`); n != 1 {
		t.Errorf("%d acknowledgements or mails to the requester, want the request's acknowledgement alone", n)
	}
	if n := outbox(); n <= mailsBefore {
		t.Errorf("%d mails queued after the meeting mails, want the staff told of the requester's words", n)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM messages WHERE ticket_id = 1 AND direction = 'in'`); n != 14 {
		t.Errorf("%d incoming mails on ticket 1, want the request and its 13 meeting mails", n)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = 1 AND content_type = 'text/calendar'`); n != 1 {
		t.Errorf("%d .ics files on ticket 1, want the technician's invitation's", n)
	}
	tk, err := d.Store.Ticket(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != tickets.StatusNew && tk.Status != tickets.StatusOpen {
		t.Errorf("ticket 1 is %s after meeting mails", tk.Status)
	}
	// The history's meeting lines, as the web desk words them in English.
	words, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	rows, err := d.Store.Reader().Query(`SELECT phrase FROM events WHERE ticket_id = 1 AND phrase LIKE '%journal_meeting%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var data string
		var p tickets.Phrase
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(data), &p); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, words.Say("en", p))
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	history := strings.Join(lines, "\n")
	t.Logf("ticket 1's meeting lines:\n%s", history)
	for _, want := range []string{
		`Alice Martin <alice@corp.example> sent an invitation to the meeting “Intervention sur votre poste”`,
		`<celine@corp.example> accepted the meeting “Visit to your desk”`,
		`<celine@corp.example> declined the meeting “Intervention sur votre poste”, Thursday 3 December at 14:00 CET (UTC+1)`,
		`Marc Petit <marc.petit@corp.example> accepted the meeting “Installation du nouvel écran”`,
		`Tom Becker <tom.becker@corp.example> tentatively accepted the meeting “Laptop handover”`,
		`<celine@corp.example> proposes a new time for the meeting “Intervention sur votre poste”: Friday 4 December at 10:00 CET (UTC+1)`,
		`Alice Martin <alice@corp.example> canceled the meeting “Intervention sur votre poste”`,
		// No Thread-Topic: the title without "Accepté :" and the tag; an older Outlook zone name.
		`<celine@corp.example> accepted the meeting “Intervention sur votre poste”, Thursday 3 December at 14:00 CET (UTC+1)`,
		`<celine@corp.example> accepted the meeting “Laptop swap”, Thursday 3 December at 14:00 CET (UTC+1)`,
		`<celine@corp.example> declined the meeting “Laptop swap”`,
		`Alice Martin <alice@corp.example> canceled the meeting “Déploiement des portables”, Monday 7 December`,
		`<tom.becker@corp.example> accepted the meeting “Laptop handover”`,
		`<celine@corp.example> declined the meeting “Intervention sur votre poste”`,
	} {
		if !strings.Contains(history, want) {
			t.Errorf("ticket 1's history has no line %q:\n%s", want, history)
		}
	}
	if len(lines) != 13 {
		t.Errorf("%d meeting lines on ticket 1, want 13:\n%s", len(lines), history)
	}
	// What the senders wrote: the requester's words as her messages, the technician's as a note.
	var said []string
	rows, err = d.Store.Reader().Query(`SELECT kind || ' ' || public || ' ' || actor || ': ' || text FROM events
		WHERE ticket_id = 1 AND kind IN ('message', 'note') AND phrase = '' AND message_id != 'q1@client' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		said = append(said, s)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"message 1 celine@corp.example: Je suis en déplacement jeudi, pouvez-vous venir vendredi ?",
		"message 1 celine@corp.example: Vendredi matin plutôt ?",
		"note 0 alice@corp.example: Finalement la pièce est en rupture, je reviens vers vous.",
		"message 1 celine@corp.example: Mon PC ne démarre plus du tout, apportez un portable de prêt.\nMerci !",
		"message 1 celine@corp.example: Please bring the charger too, mine is broken.",
		"message 1 celine@corp.example: Mon PC ne démarre plus du tout, apportez plutôt un portable de prêt.",
	}
	if strings.Join(said, "\n") != strings.Join(want, "\n") {
		t.Errorf("the senders' words on ticket 1:\n%s\nwant:\n%s", strings.Join(said, "\n"), strings.Join(want, "\n"))
	}

	// A person's mail: the requester's invitation, a forwarded decline, "Accepted: …" into a ticket.
	srv.deliver(t, "INBOX", calendarFixture(t, "gmail-request-requester-en.eml"))
	srv.deliver(t, "INBOX", calendarFixture(t, "forward-declined-fr.eml"))
	srv.deliver(t, "INBOX", testMail("words@client", "Céline Dupré <celine@corp.example>", "Accepted: your fix [HD #1]",
		"Le PC redémarre, merci !"))
	st, err = g.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Opened != 2 || st.Appended != 1 {
		t.Fatalf("stats %+v: want the invitation and the forward opened, the reply appended", st)
	}
	var id int64
	if err := d.Store.Reader().QueryRow(`SELECT ticket_id FROM messages WHERE message_id = '000000000000b1c2d3e4f5a6b7c8@google.com'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = `+strconv.FormatInt(id, 10)+` AND name = 'invite.ics'`); n != 1 {
		t.Errorf("the requester's invitation's ticket keeps %d invite.ics, want 1", n)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND ticket_id = `+strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("%d acknowledgements of the requester's invitation, want 1", n)
	}
}
