package templates

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestJournalPhrasesInEachLanguage: each line the desk writes into a history is worded in French
// apart from English, but those made only of their arguments and signs; parts and lists are
// worded in the phrase's language.
func TestJournalPhrasesInEachLanguage(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	signs := map[string]bool{tickets.JournalCopiedWithheld: true, tickets.JournalAddresses: true, tickets.JournalEscalated: true,
		tickets.JournalNotified: true, tickets.JournalRejected: true, tickets.JournalDroppedList: true, tickets.JournalDroppedOne: true}
	for code, args := range tickets.Phrases {
		if !strings.HasPrefix(code, "journal_") || signs[code] {
			continue
		}
		p := samplePhrase(code, args)
		if en, fr := set.Say("en", p), set.Say("fr", p); en == fr || en == p.String() || fr == p.String() {
			t.Errorf("%s: en %q, fr %q", code, en, fr)
		}
	}
	line := tickets.Phrase{Code: tickets.JournalCopied, List: []tickets.Phrase{
		{Code: tickets.JournalCopiedWithheld, Parts: map[string]tickets.Phrase{"reason": {Code: tickets.JournalSenderOutside},
			"addresses": {Code: tickets.JournalAddresses, Args: map[string]string{"addresses": "a@x", "more": "2"}}}},
		{Code: tickets.JournalCopiedOutside, Parts: map[string]tickets.Phrase{"addresses": {Code: tickets.JournalAddresses, Args: map[string]string{"addresses": "b@y"}}}},
	}}
	for lang, want := range map[string]string{
		"en": "in copy, not made watchers — the sender is outside the organisation's domains: a@x and 2 more; outside the organisation's domains: b@y",
		"fr": "en copie, pas abonnés — l'expéditeur est hors des domaines de l'organisation : a@x et 2 autres ; hors des domaines de l'organisation : b@y",
	} {
		if got := set.Say(lang, line); got != want {
			t.Errorf("%s: %q\nwant %q", lang, got, want)
		}
	}
}
