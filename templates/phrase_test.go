package templates

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// samplePhrase is a phrase of code with an argument of the right sort for each of its names:
// a date as the desk stamps it, a status or a priority name, else a sign.
func samplePhrase(code string, args []string) tickets.Phrase {
	p := tickets.Phrase{Code: code, Args: map[string]string{}}
	for _, a := range args {
		p.Args[a] = "x"
		switch {
		case a == "due" || a == "until" || a == "arrived":
			p.Args[a] = "2026-12-01T14:05:00+01:00"
		case code == tickets.JournalStatus:
			p.Args[a] = map[string]string{"from": "open", "to": "pending"}[a]
		case code == tickets.JournalPriority && a != "reason", a == "priority":
			p.Args[a] = map[string]string{"from": "normal", "to": "high", "priority": "urgent"}[a]
		}
	}
	return p
}

// signOnly are the phrases made only of their arguments and signs: the same in every language.
var signOnly = map[string]bool{tickets.PhraseFromVia: true, tickets.JournalCopiedWithheld: true, tickets.JournalAddresses: true,
	tickets.JournalEscalated: true, tickets.JournalNotified: true, tickets.JournalRejected: true, tickets.JournalSeparator: true,
	tickets.JournalDroppedList: true, tickets.JournalDroppedOne: true, tickets.WhyEvidence: true}

// englishWord finds a word of the English catalogue's phrases left in a French line.
var englishWord = regexp.MustCompile(`(?i)\b(status|priority|set by|escalation|delivery|failed|refused|gave up|attempts|not sent|` +
	`keywords|model|rules|unclassified|due|automatic mail|nobody|bounces|rate limit|request|subject|the|and|of|for|by)\b`)

// TestEveryPhraseInEachLanguage walks every phrase code: French and English word it with every
// argument said (no code, no "<no value>", no raw date or name), and the French words hold no
// English word, but the commands, headers and server texts a line quotes.
func TestEveryPhraseInEachLanguage(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for code, args := range tickets.Phrases {
		p := samplePhrase(code, args)
		en, fr := set.Say("en", p), set.Say("fr", p)
		for lang, s := range map[string]string{"en": en, "fr": fr} {
			if s == p.String() || strings.Contains(s, "<no value>") || strings.Contains(s, "2026-12-01T") ||
				(code == tickets.JournalStatus || code == tickets.JournalPriority) && strings.Contains(s, "x →") {
				t.Errorf("%s in %s: %q", code, lang, s)
			}
		}
		if code == tickets.WhyEvidence || strings.HasPrefix(code, "why_") && strings.Contains(en, "<>") {
			continue // A header as written ("Return-Path <>").
		}
		if !signOnly[code] && en == fr && en != "" {
			t.Errorf("%s: the same in French and English: %q", code, en)
		}
		if w := englishWord.FindString(strings.ReplaceAll(fr, "X-Priority", "")); w != "" && !signOnly[code] { // A header's name.
			t.Errorf("%s: English %q in French %q", code, w, fr)
		}
	}
}

// TestPhraseNames: a status, a priority and a date inside a line are said in the reader's
// language, the date in the desk's long format and in the zone it was written in.
func TestPhraseNames(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	loc := time.FixedZone("CET", 3600)
	due := time.Date(2026, 12, 1, 14, 5, 0, 0, loc).Format(time.RFC3339)
	for _, c := range []struct {
		p      tickets.Phrase
		en, fr string
	}{
		{tickets.Phrase{Code: tickets.JournalStatus, Args: map[string]string{"from": "open", "to": "pending"}},
			"open → pending", "en cours → en attente"},
		{tickets.Phrase{Code: tickets.JournalPriority, Args: map[string]string{"from": "normal", "to": "high"},
			Parts: map[string]tickets.Phrase{"reason": {Code: tickets.JournalSetBy, Args: map[string]string{"who": "bob@corp.example"}}}},
			"normal → high: set by bob@corp.example", "normale → haute : fixée par bob@corp.example"},
		{tickets.Phrase{Code: tickets.PhraseFirstResponseLate, Args: map[string]string{"due": due}},
			"first response deadline missed, due Tuesday 1 December at 14:05 UTC+1",
			"délai de première réponse dépassé, échéance : mardi 1 décembre à 14:05 (UTC+1)"},
		// A stamp that names its zone (RFC 9557) says its abbreviation and city, summer time too.
		{tickets.Phrase{Code: tickets.PhraseFirstResponseLate, Args: map[string]string{"due": due + "[Europe/Paris]"}},
			"first response deadline missed, due Tuesday 1 December at 14:05 CET (UTC+1)",
			"délai de première réponse dépassé, échéance : mardi 1 décembre à 14:05 (heure de Paris, UTC+1)"},
		{tickets.Phrase{Code: tickets.PhraseResolveDue, Args: map[string]string{"due": "2026-07-01T09:30:00+02:00[Europe/Paris]"}},
			"resolution due by Wednesday 1 July at 09:30 CEST (UTC+2)",
			"résolution attendue avant mercredi 1 juillet à 09:30 (heure de Paris, UTC+2)"},
		// A zone name this machine does not know keeps the offset.
		{tickets.Phrase{Code: tickets.PhraseResolveDue, Args: map[string]string{"due": "2026-07-01T09:30:00+02:00[Mars/Olympus]"}},
			"resolution due by Wednesday 1 July at 09:30 UTC+2",
			"résolution attendue avant mercredi 1 juillet à 09:30 (UTC+2)"},
		// A line stamped before dates were phrases keeps its date as written.
		{tickets.Phrase{Code: tickets.PhraseResolveDue, Args: map[string]string{"due": "2026-12-01 14:05 CET"}},
			"resolution due by 2026-12-01 14:05 CET", "résolution attendue avant 2026-12-01 14:05 CET"},
		{tickets.Phrase{Code: tickets.JournalStatus, Args: map[string]string{"from": "open", "to": "archived"}},
			"open → archived", "en cours → archived"},
	} {
		if en, fr := set.Say("en", c.p), set.Say("fr", c.p); en != c.en || fr != c.fr {
			t.Errorf("%s:\n en %q want %q\n fr %q want %q", c.p.Code, en, c.en, fr, c.fr)
		}
	}
}
