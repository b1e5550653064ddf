package templates

import (
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestMeetingDay: an all-day meeting's date is said as a day, in no zone; a counter-proposal
// says the time it proposes as such.
func TestMeetingDay(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	cancel := tickets.Phrase{Code: tickets.JournalMeetingCancel, Args: map[string]string{"who": "Alice", "summary": "Déploiement", "when": "2026-12-07"}}
	counter := tickets.Phrase{Code: tickets.JournalMeetingCounter, Args: map[string]string{"who": "Céline", "summary": "Visite", "when": "2026-12-04T10:00:00+01:00[Europe/Paris]"}}
	for _, c := range []struct {
		lang string
		p    tickets.Phrase
		want string
	}{
		{"en", cancel, "Alice canceled the meeting “Déploiement”, Monday 7 December"},
		{"fr", cancel, "Alice a annulé la réunion « Déploiement », lundi 7 décembre"},
		{"en", counter, "Céline proposes a new time for the meeting “Visite”: Friday 4 December at 10:00 CET (UTC+1)"},
		{"fr", counter, "Céline propose un nouvel horaire pour la réunion « Visite » : vendredi 4 décembre à 10:00 (heure de Paris, UTC+1)"},
	} {
		if got := s.Say(c.lang, c.p); got != c.want {
			t.Errorf("%s: %q\nwant %q", c.lang, got, c.want)
		}
	}
}
