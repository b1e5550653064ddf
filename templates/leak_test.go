package templates

import (
	"fmt"
	"html"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// Words of one language that must not be in a mail of the other, once what people wrote (the
// notice's own strings: subjects, texts, names, reasons as written) is taken out.
var (
	englishMarker = regexp.MustCompile(`(?i)\b(the|and|your|you|has been|was|is|are|of|with|request|priority|due|` +
		`assigned|escalated|resolved|deadline|mail sent|acknowledgement|sent|by|hello|reply|tier|status|category|requester|` +
		`first response|resolution|nobody|available|skill|load|held|follows up|away|critical|default|on behalf)\b`)
	frenchMarker = regexp.MustCompile(`(?i)\b(le|la|les|des|du|votre|vous|est|été|demande|priorité|échéance|heure de|avant|` +
		`réponse|bonjour|niveau|statut|catégorie|demandeur|personne|attribué|résolu|escaladé|délai|envoyé|accusé)\b`)
)

// notPeoplesWords takes the notice's own strings (what people wrote, names, addresses, subjects)
// out of a mail, the longest first, so that only the templates' and the catalogue's words are left.
func notPeoplesWords(n tickets.Notice, body string) string {
	var ss []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if s := v.String(); len(s) > 1 {
				ss = append(ss, s)
				for _, l := range strings.Split(s, "\n") { // Quoted line by line.
					if l = strings.TrimSpace(l); len(l) > 1 {
						ss = append(ss, l)
					}
				}
			}
		case reflect.Struct:
			if v.Type() == timeType {
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Key())
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(n))
	sort.Slice(ss, func(i, j int) bool { return len(ss[i]) > len(ss[j]) })
	for _, s := range ss {
		body = strings.ReplaceAll(body, s, " ")
		body = strings.ReplaceAll(body, html.EscapeString(s), " ")
	}
	return body
}

// TestNoOtherLanguageInMails renders every sample of every mail kind, text and HTML, in French
// and in English for a desk in Paris: once what people wrote is taken out, a French mail has no
// English word, and an English mail no French one. The reasons of a priority or an assignment,
// the history's lines and the deadlines once came through in English.
func TestNoOtherLanguageInMails(t *testing.T) {
	s := load(t, "").In(paris(t))
	markers := map[string]*regexp.Regexp{"fr": englishMarker, "en": frenchMarker}
	// Words a mail quotes as they are: commands, headers, the desk's own tag, zone names.
	quoted := regexp.MustCompile(`#[a-zé]+( [A-ZÉ]+)?|X-Priority|Reply-To|` + "`[^`]*`" + `|<[^>]*>|&[a-z#0-9]+;`)
	texts, found := 0, 0
	for lang, marker := range markers {
		for _, kind := range tickets.MailKinds {
			for i, n := range Samples(kind, lang) {
				subject, text, htm, err := s.Render(kind, lang, n)
				if err != nil {
					t.Fatal(err)
				}
				for part, body := range map[string]string{"subject": subject, "text": text, "html": htm} {
					left := quoted.ReplaceAllString(notPeoplesWords(n, body), " ")
					if m := marker.FindAllString(left, -1); len(m) > 0 {
						t.Errorf("%s/%s-%d %s: %q of the other language:\n%s", lang, kind, i+1, part, m, left)
					}
					// The markers do find words: the mail's own language is there.
					if own := markers[map[string]string{"fr": "en", "en": "fr"}[lang]]; part == "text" {
						texts++
						if own.MatchString(left) {
							found++
						}
					}
				}
			}
		}
	}
	if found < texts*9/10 { // A reply is the technician's text alone; an empty digest one line.
		t.Fatalf("the markers find their language in %d mails of %d", found, texts)
	}
}

// TestHistoryLinesInMails: the lines the desk writes into a ticket's history reach an escalation's
// specialist in their language, with the deadline in the desk's zone.
func TestHistoryLinesInMails(t *testing.T) {
	s := load(t, "").In(paris(t))
	due := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	line := tickets.Phrase{Code: tickets.PhraseFirstResponseLate, Args: map[string]string{"due": due.In(paris(t)).Format(time.RFC3339) + "[Europe/Paris]"}}
	for lang, want := range map[string]string{
		"fr": "délai de première réponse dépassé, échéance : mercredi 1 juillet à 14:00 (heure de Paris, UTC+2)",
		"en": "first response deadline missed, due Wednesday 1 July at 14:00 CEST (UTC+2)",
	} {
		n := Samples(tickets.KindEscalated, lang)[1]
		n.History = append(n.History, tickets.Entry{At: due, Kind: "escalate", Actor: tickets.ActorDesk, Text: s.Say(lang, line)})
		_, text, _, err := s.Render(tickets.KindEscalated, lang, n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want) || !strings.Contains(text, fmt.Sprint(map[string]string{"fr": "1 juil. 14:00 UTC+2", "en": "1 Jul 14:00 CEST"}[lang])) {
			t.Errorf("%s:\n%s", lang, text)
		}
	}
}
