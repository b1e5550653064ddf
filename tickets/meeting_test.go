package tickets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMeetingLineNamesTheSender: an answer sent by someone other than the attendee it names (a
// delegate, or a stranger who wrote that ATTENDEE) is recorded under its sender, the attendee
// after; an attendee's own answer under their name alone.
func TestMeetingLineNamesTheSender(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "Écran", Text: "mon écran clignote", Requester: "celine@corp.example"})
	for _, c := range []struct{ from, fromName, want string }{
		{"mallory@evil.example", "", "mallory@evil.example (Céline Dupré <celine@corp.example>)"},
		{"celine@corp.example", "Céline Dupré", "Céline Dupré <celine@corp.example>"},
	} {
		in := &Incoming{From: c.from, FromName: c.fromName, Subject: "Declined: Visite",
			Meeting: &Meeting{Method: "REPLY", Summary: "Visite", Attendee: "celine@corp.example", AttendeeName: "Céline Dupré", PartStat: "DECLINED"}}
		err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, _ *Ticket) error {
			p := tx.meetingLine(in)
			if who := p.Args["who"]; who != c.want {
				t.Errorf("from %s: who %q, want %q", c.from, who, c.want)
			}
			if !strings.Contains(p.Code, "meeting") {
				t.Errorf("from %s: code %q", c.from, p.Code)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// gmailFooter is what Google Calendar writes below an answer's first line, in English.
const gmailFooter = `

Laptop swap
Thursday Dec 3, 2026 ⋅ 2pm – 3pm
Central European Time - Paris

Join with Google Meet
https://meet.google.com/abc-defg-hij

Join by phone
(FR) +33 1 23 45 67 89 PIN: 123 456 789#

Organizer
helpdesk@corp.example

Guests
helpdesk@corp.example - organizer
View all guest info
https://calendar.google.com/calendar/event?action=VIEW&eid=N2t1a3U

Reply for helpdesk@corp.example

Invitation from Google Calendar: https://calendar.google.com/calendar/

You are receiving this email because you are an attendee on the event.`

// teamsBlock is the block Outlook writes below a Teams meeting's text, in French.
const teamsBlock = `________________________________________________________________________________
Réunion Microsoft Teams
Rejoindre sur votre ordinateur, application mobile ou appareil de salle
Cliquez ici pour rejoindre la réunion<https://teams.microsoft.com/l/meetup-join/19%3ameeting>
ID de réunion : 312 845 006 123
Code secret : a7B3cD
Télécharger Teams<https://www.microsoft.com/microsoft-teams/download-app> | Rejoindre sur le web<https://www.microsoft.com/microsoft-teams/join-a-meeting>
En savoir plus<https://aka.ms/JoinTeamsMeeting> | Options de réunion<https://teams.microsoft.com/meetingOptions/>
________________________________________________________________________________`

// TestMeetingWords: what a person writes into a meeting answer or cancellation is kept, in
// French and English, and the text Gmail, Outlook and Apple Mail write around it is not: the
// answer's sentence, the event's summary, date and zone, join links, Google's footer, a Teams
// block, Outlook's original appointment. The part's own COMMENT (Outlook) or note (Google) is
// taken when the text has nothing of the person's.
func TestMeetingWords(t *testing.T) {
	for _, c := range []struct {
		name, subject, text, comment, want string
	}{
		{"Outlook, the person's words", "Accepté : Intervention sur votre poste [HD #1]",
			"Mon PC ne démarre plus du tout, apportez un portable de prêt.\nMerci !", "Mon PC ne démarre plus du tout, apportez un portable de prêt.\nMerci !",
			"Mon PC ne démarre plus du tout, apportez un portable de prêt.\nMerci !"},
		{"Outlook, nothing written", "Accepted: Visit to your desk", "", "", ""},
		{"Outlook on the web, its sentence", "Accepted: Visit to your desk", "Accepted: Céline Dupré has accepted this invitation", "", ""},
		{"Gmail, a note", "Accepted: Laptop swap @ Thu Dec 3, 2026 2pm - 3pm (CET) (helpdesk@corp.example)",
			"Paul Roy has accepted this invitation and added a note:\n\"Please bring the charger too, mine is broken.\"" + gmailFooter,
			"Please bring the charger too, mine is broken.", "Please bring the charger too, mine is broken."},
		{"Gmail, no note", "Declined: Laptop swap @ Thu Dec 3, 2026 2pm - 3pm (CET) (helpdesk@corp.example)",
			"Paul Roy has declined this invitation." + gmailFooter, "", ""},
		{"Gmail, an invitation's words", "Invitation: Laptop swap", "You have been invited to the following event." + gmailFooter, "", ""},
		{"Gmail in French, no note", "Invitation acceptée : Installation du nouvel écran [HD #1] @ jeu. 3 déc. 2026 14:00 - 15:00 (CET) (helpdesk@corp.example)",
			"Marc Petit a accepté cette invitation.\n\nInstallation du nouvel écran [HD #1]\njeudi 3 déc. 2026 ⋅ 14:00 – 15:00\nHeure normale d’Europe centrale - Paris\n\nInvitation de Google Agenda: https://calendar.google.com/calendar/", "", ""},
		{"Gmail in French, a note", "Invitation acceptée : Installation du nouvel écran",
			"Marc Petit a accepté cette invitation et a ajouté une note :\n« Venez plutôt avant 10 h, j'ai une réunion ensuite »\n\nInstallation du nouvel écran\njeudi 3 déc. 2026 ⋅ 14:00 – 15:00\n\nInvitation de Google Agenda: https://calendar.google.com/calendar/",
			"", "Venez plutôt avant 10 h, j'ai une réunion ensuite"},
		{"Google's note in the part alone", "Accepted: Laptop swap", "Paul Roy has accepted this invitation." + gmailFooter, "Bring a loaner please", "Bring a loaner please"},
		{"Apple Mail", "Tentative: Laptop handover [HD #1]", "Tom Becker has tentatively accepted your invitation.", "", ""},
		{"Apple Mail, a cancellation in French", "Annulé : Déploiement des portables [HD #1]",
			"Alice Martin a annulé l’événement « Déploiement des portables [HD #1] ».", "", ""},
		{"a Teams block alone", "Provisoire : Formation imprimante", teamsBlock, "", ""},
		{"a cancellation's reason above the Teams block and the original appointment", "Annulé : Formation imprimante",
			"Le formateur est malade, je vous propose une autre date bientôt.\n\n-----Rendez-vous d'origine-----\nDe : Alice Martin\nQuand : jeudi 3 décembre 2026 14:00-15:00 (UTC+01:00) Bruxelles, Copenhague, Madrid, Paris.\nOù : Salle 5\n\n" + teamsBlock,
			"", "Le formateur est malade, je vous propose une autre date bientôt."},
		{"the person's words naming a time", "Declined: Visit to your desk",
			"I am only in from 2pm on Thursday.\nWhen: is up to you, my laptop still does not boot.", "", "I am only in from 2pm on Thursday."},
		{"the person's words with a time and a dash", "Declined: Visit to your desk",
			"Sorry, no time on Thursday - could we do Friday morning instead" + gmailFooter, "", "Sorry, no time on Thursday - could we do Friday morning instead"},
		{"the person's words naming the invitation", "Refusé : Passage à votre bureau",
			"Invitation de jeudi : je ne pourrai pas, je suis en congé.", "", "Invitation de jeudi : je ne pourrai pas, je suis en congé."},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := &Incoming{Subject: c.subject, Text: c.text, Meeting: &Meeting{Method: "REPLY", Summary: "Laptop swap", Comment: c.comment}}
			if got := MeetingWords(in, "HD"); got != c.want {
				t.Errorf("words %q, want %q", got, c.want)
			}
		})
	}
}

// TestMeetingTitle: the ticket names a meeting by its title, without the client's words before
// it ("Tentative:", "Accepté :", "Annulé :"), the desk's tag, or the date Gmail adds to its subjects.
func TestMeetingTitle(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Tentative: Laptop handover [HD #1]", "Laptop handover"},
		{"Accepté\u00a0: Intervention sur votre poste [HD #12]", "Intervention sur votre poste"},
		{"Annulé : Déploiement des portables", "Déploiement des portables"},
		{"Nouvel horaire proposé: Intervention", "Intervention"},
		{"Accepted: Laptop swap [HD #1] @ Thu Dec 3, 2026 2pm - 3pm (CET) (helpdesk@corp.example)", "Laptop swap"},
		{"Budget: Q1 review", "Budget: Q1 review"},
	} {
		if got := meetingTitle(c.in, "HD", true); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}

// TestMeetingLineTimes: a meeting's time on its line names the desk's zone, for a time given in
// a zone and for a floating one (read in the desk's zone); an all-day meeting is its date alone;
// a counter-proposal's time is the one proposed, said as such in both languages; the title has
// no client's words, with or without Thread-Topic.
func TestMeetingLineTimes(t *testing.T) {
	d := newTestDesk(t)
	words := catalogueWords(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "Écran", Text: "mon écran clignote", Requester: "celine@corp.example"})
	for _, c := range []struct {
		name string
		in   *Incoming
		en   string
		fr   string
	}{
		{"floating time", &Incoming{From: "celine@corp.example", Subject: "Tentative: Visite [HD #1]",
			Meeting: &Meeting{Method: "REPLY", Summary: "Tentative: Visite [HD #1]", StartText: "2026-12-03 14:00", Attendee: "celine@corp.example", PartStat: "TENTATIVE"}},
			"celine@corp.example tentatively accepted the meeting “Visite”, Thursday 3 December at 14:00 CET (UTC+1)",
			"celine@corp.example a accepté provisoirement la réunion « Visite », jeudi 3 décembre à 14:00 (heure de Paris, UTC+1)"},
		{"all day", &Incoming{From: "alice@corp.example", FromName: "Alice Martin", Subject: "Annulé : Déploiement",
			Meeting: &Meeting{Method: "CANCEL", Summary: "Déploiement [HD #1]", StartText: "2026-12-07", Organizer: "alice@corp.example"}},
			// The day is said by the templates' date function (templates' TestMeetingDay); these
			// words have it as it is.
			"Alice Martin <alice@corp.example> canceled the meeting “Déploiement”, 2026-12-07",
			"Alice Martin <alice@corp.example> a annulé la réunion « Déploiement », 2026-12-07"},
		{"counter-proposal", &Incoming{From: "celine@corp.example", Subject: "Nouvel horaire proposé : Intervention", ThreadTopic: "Intervention [HD #1]",
			Meeting: &Meeting{Method: "COUNTER", Summary: "Nouvel horaire proposé: Intervention [HD #1]", Start: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), Attendee: "celine@corp.example"}},
			"celine@corp.example proposes a new time for the meeting “Intervention”: Friday 4 December at 10:00 CET (UTC+1)",
			"celine@corp.example propose un nouvel horaire pour la réunion « Intervention » : vendredi 4 décembre à 10:00 (heure de Paris, UTC+1)"},
	} {
		err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, _ *Ticket) error {
			p := tx.meetingLine(c.in)
			if got := words.Say("en", p); got != c.en {
				t.Errorf("%s, en: %q\nwant %q", c.name, got, c.en)
			}
			if got := words.Say("fr", p); got != c.fr {
				t.Errorf("%s, fr: %q\nwant %q", c.name, got, c.fr)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestMeetingWordsOnTicket: the requester's words in a meeting answer are their message on the
// ticket, public, the technician told as for a reply; a technician's words in a cancellation
// are their note, nobody told; an answer with no words is its line alone. The answers are
// automatic all the same: nothing is sent to the requester, no ticket opens.
func TestMeetingWordsOnTicket(t *testing.T) {
	d := newTestDesk(t)
	tk := visitTicket(t, d, nil)
	before := outbox(t, d)
	tag := " [HD #" + strconv.FormatInt(tk.ID, 10) + "]"
	meeting := func(id, from, subject, text string, m Meeting) *Incoming {
		return &Incoming{MessageID: id, From: from, To: []string{"helpdesk@corp.example"}, Subject: subject + tag, Text: text,
			Verdict: VerdictAutoReply, VerdictReason: "calendar METHOD:" + m.Method, Language: "fr", Meeting: &m}
	}
	out := ingest(t, d, t0.Add(time.Hour),
		meeting("words@m", "celine@corp.example", "Accepté : Intervention sur votre poste",
			"Mon PC ne démarre plus du tout, apportez un portable de prêt.",
			Meeting{Method: "REPLY", Summary: "Accepté : Intervention sur votre poste" + tag, Attendee: "celine@corp.example", PartStat: "ACCEPTED"}),
		meeting("plain@m", "celine@corp.example", "Accepted: Visit", "Céline Dupré has accepted this invitation.",
			Meeting{Method: "REPLY", Summary: "Visit", Attendee: "celine@corp.example", PartStat: "ACCEPTED"}),
		meeting("cancel@m", "alice@corp.example", "Annulé : Intervention sur votre poste", "La pièce est en rupture, je reviens vers vous.",
			Meeting{Method: "CANCEL", Summary: "Annulé : Intervention sur votre poste", Organizer: "alice@corp.example"}))
	for _, o := range out {
		if o.Action != ActionRecorded || o.TicketID != tk.ID {
			t.Errorf("%s: %s on %d, want recorded on %d", o.MessageID, o.Action, o.TicketID, tk.ID)
		}
	}
	after := outbox(t, d)
	if len(after) != len(before)+1 || !strings.Contains(after[len(after)-1], "alice@corp.example") || strings.Contains(after[len(after)-1], "celine") {
		t.Errorf("outbox %q after %q: want one mail more, to the technician", after, before)
	}
	type event struct {
		kind, actor, text string
		public            bool
	}
	var got []event
	rows, err := d.Store.Reader().Query(`SELECT kind, actor, text, public FROM events WHERE ticket_id = ? AND message_id IN ('words@m', 'plain@m', 'cancel@m') AND phrase = '' ORDER BY id`, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.kind, &e.actor, &e.text, &e.public); err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want := []event{
		{EventMessage, "celine@corp.example", "Mon PC ne démarre plus du tout, apportez un portable de prêt.", true},
		{EventNote, "alice@corp.example", "La pièce est en rupture, je reviens vers vous.", false},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %+v\nwant %+v", got, want)
	}
}

// TestMeetingWordsReopenNothing: what is left of a meeting answer to a resolved ticket (a
// server's disclaimer as well as a person's words) is kept and the technician told, and the
// ticket stays resolved: a reply reopens, a calendar's answer does not.
func TestMeetingWordsReopenNothing(t *testing.T) {
	d := newTestDesk(t)
	tk := visitTicket(t, d, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Alimentation changée", "alice@corp.example") })
	before := outbox(t, d)
	tag := " [HD #" + strconv.FormatInt(tk.ID, 10) + "]"
	m := Meeting{Method: "REPLY", Summary: "Accepté : Passage" + tag, Attendee: "celine@corp.example", PartStat: "ACCEPTED"}
	in := &Incoming{MessageID: "disclaimer@m", From: "celine@corp.example", To: []string{"helpdesk@corp.example"},
		Subject: "Accepté : Passage" + tag, Text: "Ce message et ses pièces jointes sont confidentiels et destinés exclusivement à leurs destinataires.",
		Verdict: VerdictAutoReply, VerdictReason: "calendar METHOD:REPLY", Language: "fr", Meeting: &m}
	if o := ingest(t, d, t0.Add(time.Hour), in)[0]; o.Action != ActionRecorded || o.TicketID != tk.ID {
		t.Fatalf("%s on %d", o.Action, o.TicketID)
	}
	got, err := d.Store.Ticket(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusResolved {
		t.Fatalf("the meeting answer left the ticket %s", got.Status)
	}
	after := outbox(t, d)
	if len(after) != len(before)+1 || !strings.Contains(after[len(after)-1], "alice@corp.example") {
		t.Errorf("outbox %q after %q: want one mail more, to the technician", after, before)
	}
}

// visitTicket opens Céline's ticket, a visit's reason, assigns it to Alice, then runs then (nil
// for nothing more).
func visitTicket(t *testing.T, d *Desk, then func(*Tx, *Ticket) error) *Ticket {
	t.Helper()
	tk := openTicket(t, d, t0, NewTicket{Subject: "Mon PC ne démarre plus", Text: "il ne s'allume plus", Requester: "celine@corp.example", Language: "fr"})
	err := d.Update(context.Background(), t0, func(tx *Tx) error {
		tk2, err := tx.Ticket(tk.ID)
		if err != nil {
			return err
		}
		if err := tx.Assign(tk2, "alice@corp.example", "nadia@corp.example"); err != nil || then == nil {
			return err
		}
		return then(tx, tk2)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestStaffInvitationAuthenticated: a technician's invitation is recorded on the ticket it
// threads into, its files kept, only when the desk can authenticate it. One forged From a
// technician (no token, no passing Authentication-Results) is kept as a note, its file not
// attached as the technician's, and the technician told.
func TestStaffInvitationAuthenticated(t *testing.T) {
	d := trustingDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	invitation := func(in *Incoming) *Incoming {
		in.Meeting = &Meeting{Method: "REQUEST", Summary: "Intervention [HD #1]", StartText: "2026-12-03 14:00", Organizer: "alice@corp.example"}
		in.Attachments = []IncomingAttachment{{Name: "procedure.exe", ContentType: "application/octet-stream", Data: []byte("MZ..."), Size: 5}}
		return in
	}
	forged := invitation(techWrite("f@evil", "alice@corp.example", "Rendez-vous, voir le document joint"))
	if o := ingest(t, d, t0.Add(time.Minute), forged)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("forged invitation: %s", o.Action)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = 1`); n != 0 {
		t.Errorf("the forged invitation's file is attached: %d", n)
	}
	if n := noticeOf(t, d, "alice@corp.example", KindRejected); !n.Kept {
		t.Errorf("the technician is not told her mail was kept as a note: %+v", n)
	}
	real := invitation(techWrite("g@m", "alice@corp.example", "Rendez-vous jeudi"))
	real.AuthResults = []string{"mx.corp.example; dkim=pass header.d=corp.example header.s=s1"}
	if o := ingest(t, d, t0.Add(2*time.Minute), real)[0]; o.Action != ActionRecorded {
		t.Fatalf("authenticated invitation: %s", o.Action)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = 1`); n != 1 {
		t.Errorf("the authenticated invitation's file: %d attached, want 1", n)
	}
}
