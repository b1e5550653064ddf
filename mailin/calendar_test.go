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
	}{
		{"outlook-request-technician-fr.eml", VerdictPerson, "REQUEST", "NEEDS-ACTION", "celine@corp.example",
			"Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris)},
		{"outlook-reply-accepted-en.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "celine@corp.example",
			"Accepted: Visit to your desk [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris)},
		{"outlook-reply-declined-fr.eml", VerdictAutoReply, "REPLY", "DECLINED", "celine@corp.example",
			"Refusé: Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris)},
		{"gmail-reply-accepted-fr.eml", VerdictAutoReply, "REPLY", "ACCEPTED", "marc.petit@corp.example",
			"Installation du nouvel écran [HD #1]", time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)},
		{"gmail-cancel-en.eml", VerdictAutoReply, "CANCEL", "NEEDS-ACTION", "helpdesk@corp.example",
			"Weekly sync - facilities", time.Date(2026, 12, 4, 9, 30, 0, 0, paris)},
		{"apple-reply-tentative-en.eml", VerdictAutoReply, "REPLY", "TENTATIVE", "tom.becker@corp.example",
			"Laptop handover [HD #1]", time.Date(2026, 12, 3, 15, 0, 0, 0, paris)},
		{"outlook-counter-fr.eml", VerdictAutoReply, "COUNTER", "TENTATIVE", "celine@corp.example",
			"Nouvel horaire proposé: Intervention sur votre poste [HD #1]", time.Date(2026, 12, 4, 10, 0, 0, 0, paris)},
		{"outlook-cancel-fr.eml", VerdictAutoReply, "CANCEL", "NEEDS-ACTION", "celine@corp.example",
			"Annulé: Intervention sur votre poste [HD #1]", time.Date(2026, 12, 3, 14, 0, 0, 0, paris)},
		{"gmail-request-requester-en.eml", VerdictPerson, "REQUEST", "ACCEPTED", "rita.gomez@corp.example",
			"Board meeting - projector and video link", time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC)},
		{"outlook-request-team-en.eml", VerdictPerson, "REQUEST", "NEEDS-ACTION", "helpdesk@corp.example",
			"IT team weekly", time.Date(2026, 12, 7, 9, 0, 0, 0, paris)},
		{"forward-declined-fr.eml", VerdictPerson, "", "", "", "", time.Time{}},
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
			if mt.Method != c.method || mt.PartStat != c.partstat || mt.Attendee != c.who || mt.Summary != c.summary || !mt.Start.Equal(c.start) {
				t.Errorf("meeting %+v\nwant %s %s %s %q %v", mt, c.method, c.partstat, c.who, c.summary, c.start.UTC())
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

// TestMeetingNotTheSendersOwn: an .ics file a person attaches (someone else's answer, saved and
// sent on) is no meeting of theirs: they are neither the attendee it speaks for nor is the part
// their client's own (inline, with its method in its Content-Type).
func TestMeetingNotTheSendersOwn(t *testing.T) {
	raw := `From: Paul Roy <paul.roy@corp.example>
To: helpdesk@corp.example
Subject: Why was this declined?
Message-ID: <attached-ics@client>
Date: Tue, 1 Dec 2026 15:00:00 +0100
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The room declined my meeting, see the file.

--b1
Content-Type: text/calendar; charset=utf-8; name="reply.ics"
Content-Disposition: attachment; filename="reply.ics"

BEGIN:VCALENDAR
METHOD:REPLY
BEGIN:VEVENT
ATTENDEE;PARTSTAT=DECLINED:mailto:room5@corp.example
ORGANIZER:mailto:paul.roy@corp.example
SUMMARY:Budget review
END:VEVENT
END:VCALENDAR
--b1--
`
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
		return "From: Léa Martin <lea@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: " + subject +
			"\r\nMessage-ID: <party-ics-" + method + "@client>\r\nDate: Tue, 1 Dec 2026 15:00:00 +0100\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n--b1\r\n" +
			"Content-Type: text/calendar; charset=utf-8; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n\r\n" +
			"BEGIN:VCALENDAR\r\nMETHOD:" + method + "\r\nBEGIN:VEVENT\r\n" + party + "\r\nSUMMARY:Point hebdo\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n--b1--\r\n"
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
		at, text := icalTime(c.value, map[string]string{"TZID": c.tzid})
		if !at.Equal(c.at) || text != c.text {
			t.Errorf("%s %s: %v %q, want %v %q", c.value, c.tzid, at, text, c.at, c.text)
		}
	}
	if c := readCalendar("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:no method\nEND:VEVENT\nEND:VCALENDAR\n"); c.meeting != nil {
		t.Errorf("a calendar without METHOD read as %+v", c.meeting)
	}
}

// TestMeetingMailEndToEnd: meeting mail in Outlook's, Gmail's and Apple Mail's shapes, in French
// and English, read from the desk's mailbox. Answers, a counter-proposal and cancellations open
// no ticket and are answered by no mail: those that name a ticket are lines of its history, "…
// accepted the meeting …". A technician's invitation to the requester, the desk in copy, is a
// line of the ticket's history with its .ics kept, and is relayed to nobody; a technician's team
// meeting opens nothing. A requester's invitation asking for something opens a ticket with its
// .ics, acknowledged as any request; so does a person's forwarded decline; and "Accepted: …"
// written by a person into their ticket is their reply.
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

	// The meeting mails of ticket 1, and a team meeting and its neighbour's cancellation.
	meetingMails := []string{"outlook-request-technician-fr.eml", "outlook-reply-accepted-en.eml", "outlook-reply-declined-fr.eml",
		"gmail-reply-accepted-fr.eml", "apple-reply-tentative-en.eml", "outlook-counter-fr.eml", "outlook-cancel-fr.eml",
		"outlook-request-team-en.eml", "gmail-cancel-en.eml"}
	for _, f := range meetingMails {
		srv.deliver(t, "INBOX", calendarFixture(t, f))
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
	if n := outbox(); n != mailsBefore {
		t.Errorf("%d mails queued after the meeting mails, want %d: none is answered or relayed", n, mailsBefore)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM messages WHERE ticket_id = 1 AND direction = 'in'`); n != 8 {
		t.Errorf("%d incoming mails on ticket 1, want the request and its 7 meeting mails", n)
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
		`Alice Martin <alice@corp.example> sent an invitation to the meeting “Intervention sur votre poste [HD #1]”`,
		`<celine@corp.example> accepted the meeting “Visit to your desk [HD #1]”`,
		`<celine@corp.example> declined the meeting “Intervention sur votre poste [HD #1]”, Thursday 3 December at 14:00 CET (UTC+1)`,
		`Marc Petit <marc.petit@corp.example> accepted the meeting “Installation du nouvel écran [HD #1]”`,
		`Tom Becker <tom.becker@corp.example> tentatively accepted the meeting`,
		`<celine@corp.example> proposed another time for the meeting`,
		`Alice Martin <alice@corp.example> canceled the meeting “Intervention sur votre poste [HD #1]”`,
	} {
		if !strings.Contains(history, want) {
			t.Errorf("ticket 1's history has no line %q:\n%s", want, history)
		}
	}
	if len(lines) != 7 {
		t.Errorf("%d meeting lines on ticket 1, want 7:\n%s", len(lines), history)
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
