package tickets

import (
	"context"
	"strings"
	"testing"
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
