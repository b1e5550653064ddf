package templates

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestAssignedAwayNotice: the notice to whoever assigned a ticket to someone away says so, with
// the absence and how to hand the ticket on, in each language.
func TestAssignedAwayNotice(t *testing.T) {
	s := load(t, "")
	for lang, want := range map[string][]string{
		"en": {"Assigned to someone away: ", "Bob Smith is away until Thursday 10 December at 00:00", "#assign EMAIL"},
		"fr": {"Attribué à une personne absente : ", "Bob Smith est absent(e) jusqu'au jeudi 10 décembre à 00:00", "#assign EMAIL"},
	} {
		n := Samples(tickets.KindUpdate, lang)[0]
		n.Audience, n.Event, n.Text, n.Note = "staff", "assigned-away", "", ""
		n.Reason = s.Say(lang, tickets.Phrase{Code: tickets.PhraseAssignedAway, Args: map[string]string{"who": "Bob Smith", "until": "2026-12-10T00:00:00+01:00"}})
		subject, text, html, err := s.Render(tickets.KindUpdate, lang, n)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			in := text
			if i == 0 {
				in = subject
			}
			if !strings.Contains(in, w) {
				t.Errorf("%s: %q not in\n%s\n%s", lang, w, subject, text)
			}
		}
		if !strings.Contains(html, "assign EMAIL") {
			t.Errorf("%s html:\n%s", lang, html)
		}
	}
}
