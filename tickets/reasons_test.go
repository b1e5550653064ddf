package tickets

import (
	"regexp"
	"strings"
	"testing"
)

// englishReason finds an English word of the reasons' words in a French line.
var englishReason = regexp.MustCompile(`(?i)\b(critical|many affected|workaround|shared system|down|cannot work|fault with|can wait|` +
	`sender|category|is at least|default|away|tier|skill|load|nobody|available|held|ticket #|follows up|incident #|ack|assigned)\b`)

// TestReasonsInEachLanguage: every form of reason the desk gives for a priority or an assignee is
// read back into its phrase, said in English exactly as recorded (`deskd ticket explain` and the
// JSON keep them), and in French without an English word of the reasons; the words quoted from
// the request stay as written.
func TestReasonsInEachLanguage(t *testing.T) {
	w := catalogueWords(t)
	d := newTestDesk(t)
	cfg := d.Config()
	var priority []string
	for _, req := range []NewTicket{
		{Subject: "Panne générale", Text: "Le serveur de fichiers est en panne pour tout le service, production arrêtée."},
		{Subject: "Bloqué", Text: "Mon compte est verrouillé, je ne peux pas travailler."},
		{Subject: "Imprimante", Text: "L'imprimante ne marche pas mais j'utilise celle du 2e en attendant."},
		{Subject: "Question", Text: "Pas urgent : quand vous aurez le temps, une nouvelle souris ?"},
		{Subject: "Outlook", Text: "Outlook plante, c'est urgent j'ai une réunion à 14h."},
		{Subject: "VPN", Text: "Le VPN ne marche plus pour plusieurs collègues.", HeaderPriority: 1},
		{Subject: "Souris", Text: "Une souris, merci.", HeaderPriority: 5},
		{Subject: "Hello", Text: "A question about my screen."},
	} {
		_, why := judgePriority(cfg, req, "hardware")
		priority = append(priority, why...)
	}
	priority = append(priority, "VIP sender", "category security is at least high", "many affected: tout le service, en panne",
		"shared system down: serveur, urgent", "fault with 14h: plante", "can wait: not urgent", "X-Priority 2")
	assign := []string{"alice@corp.example: away", "bob@corp.example: tier 1, skill network, load 3",
		"bob@corp.example: tier 2, no skill network, load 0", "nobody of tier 2 available", `nobody of tier 1 has the skill "network"`,
		"alice@corp.example held ticket #12, which this one follows up", "held by incident #40"}
	for _, c := range []struct {
		reasons []string
		read    func(string) (Phrase, bool)
	}{{priority, priorityWhy}, {assign, assignWhy}} {
		for _, r := range c.reasons {
			p, ok := c.read(r)
			if !ok {
				t.Errorf("%q is not read back", r)
				continue
			}
			if en := w.Say("en", p); en != r {
				t.Errorf("%q says %q in English", r, en)
			}
			fr := w.Say("fr", p)
			if fr == r || fr == p.String() {
				t.Errorf("%q in French: %q", r, fr)
			}
			if m := englishReason.FindString(stripQuoted(fr)); m != "" {
				t.Errorf("%q in French has %q: %q", r, m, fr)
			}
		}
	}
	// A reason of another form stays as recorded.
	ex := Explanation{PriorityReason: []string{"something older"}, AssignReason: []string{"database is locked"}}
	if got := ex.PriorityWorded(w, "fr"); got[0] != "something older" {
		t.Errorf("%q", got)
	}
	if got := ex.AssignWorded(w, "fr"); got[0] != "database is locked" {
		t.Errorf("%q", got)
	}
}

// stripQuoted drops the words a French reason quotes from the request (« … ») and the addresses.
func stripQuoted(s string) string {
	s = regexp.MustCompile(`«[^»]*»`).ReplaceAllString(s, "")
	return regexp.MustCompile(`\S+@\S+`).ReplaceAllString(s, "")
}

// TestMailKindsInEachLanguage: a mail's line in the history names the mail in the reader's
// language, new lines and old alike; the English words are the kinds as recorded.
func TestMailKindsInEachLanguage(t *testing.T) {
	w := catalogueWords(t)
	for _, kind := range MailKinds {
		e := Event{Kind: EventNotify, Text: kind + " → a@corp.example, b@corp.example"}
		if en := e.Worded(w, "en"); en != e.Text {
			t.Errorf("%s: %q in English", kind, en)
		}
		fr := e.Worded(w, "fr")
		if !strings.HasSuffix(fr, " → a@corp.example, b@corp.example") || strings.HasPrefix(fr, kind+" ") && kind != "incident" {
			t.Errorf("%s: %q in French", kind, fr)
		}
	}
	// A line of another kind, or a text that is no mail's, stays as written.
	for _, e := range []Event{{Kind: EventNote, Text: "ack → a@corp.example"}, {Kind: EventNotify, Text: "frobnicate → a@corp.example"}} {
		if got := e.Worded(w, "fr"); got != e.Text {
			t.Errorf("%+v: %q", e, got)
		}
	}
	// A phrase naming a mail by its kind (a mail not sent) names it in words.
	p := say(JournalNotSent, "kind", KindReply, "to", "a@corp.example", "reason", "x")
	e := Event{Kind: EventNotify, Phrase: &p}
	if fr := e.Worded(w, "fr"); !strings.HasPrefix(fr, "réponse → a@corp.example") {
		t.Errorf("%q", fr)
	}
}
