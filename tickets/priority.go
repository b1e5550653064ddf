package tickets

import (
	"fmt"
	"sort"
	"strings"
)

// urgencyPhrase is a phrase that makes a request more pressing, folded, with its weight: 1 says
// "soon" (one makes a ticket high), 2 says "many people or the business are stopped" (urgent).
type urgencyPhrase struct {
	words  []string
	weight int
	text   string // As written here, for the reasons.
}

func phrases(weight int, list ...string) []urgencyPhrase {
	var out []urgencyPhrase
	for _, p := range list {
		out = append(out, urgencyPhrase{words: foldedWords(p), weight: weight, text: p})
	}
	return out
}

// urgencyPhrases are matched on folded words, within one clause, not after a negation.
var urgencyPhrases = append(phrases(1,
	"urgent", "urgente", "urgently", "urgence", "asap", "as soon as possible", "au plus vite",
	"dès que possible", "des que possible", "au plus tôt", "rapidement", "immediately", "right away",
	"immédiatement", "tout de suite", "bloqué", "bloquée", "bloqués", "bloquant", "bloquante", "blocked",
	"blocking", "blocker", "en panne", "hors service", "down", "not working at all", "can't work",
	"cannot work", "unable to work", "ne peux pas travailler", "ne peux plus travailler",
	"impossible de travailler", "plus rien ne marche", "plus rien ne fonctionne", "nothing works",
	"deadline", "échéance", "everyone", "tout le monde", "virus", "time-sensitive", "time sensitive", "high priority", "priorité haute",
	"haute priorité"),
	phrases(2,
		"tout le service", "toute l'équipe", "tous les utilisateurs",
		"tout le bâtiment", "whole team", "entire team", "whole department", "entire department",
		"whole office", "all users", "nobody can", "no one can", "personne ne peut",
		"customer demo", "client demo", "démo client", "démonstration client", "production down",
		"prod down", "production is down", "production est arrêtée", "production arrêtée",
		"outage", "panne générale", "emergency", "critical", "critique",
		"security incident", "incident de sécurité", "ransomware", "piratage", "hacked",
		"data loss", "perte de données")...)

// calmPhrases say a request can wait; they lower it to low when nothing else raises it.
var calmPhrases = phrases(0,
	"not urgent", "pas urgent", "pas urgente", "no rush", "no hurry", "rien d'urgent", "nothing urgent",
	"when you have time", "when you get a chance", "whenever you can", "quand vous aurez le temps",
	"quand vous aurez un moment", "quand vous pourrez", "low priority", "basse priorité",
	"priorité basse", "pas pressé", "pas pressée", "rien ne presse", "sans urgence")

// negations cancel an urgency phrase that follows them in the same clause, past fillers; so do
// greetings ("Hi everyone", "Bonjour à tout le monde").
var negations = map[string]bool{"not": true, "no": true, "isn": true, "aren": true, "wasn": true,
	"never": true, "nothing": true, "pas": true, "non": true, "rien": true, "sans": true, "jamais": true,
	"ni": true, "hi": true, "hello": true, "dear": true, "bonjour": true, "salut": true, "bonsoir": true}

var negationFillers = map[string]bool{"very": true, "so": true, "that": true, "really": true, "too": true,
	"t": true, "at": true, "all": true, "super": true, "tres": true, "si": true, "trop": true,
	"vraiment": true, "d": true, "du": true, "tout": true, "encore": true, "a": true}

// matchPhrases reports the phrases found in text, each once: those no negation cancels, and
// (when negatable) those found only negated.
func matchPhrases(text string, list []urgencyPhrase, negatable bool) (found, cancelled []urgencyPhrase) {
	seen := make([]bool, len(list))
	neg := make([]bool, len(list))
	for _, clause := range splitClauses(text) {
		ws := foldedWords(clause)
		for k, p := range list {
			for i := 0; !seen[k] && i+len(p.words) <= len(ws); i++ {
				if !equalWords(ws[i:i+len(p.words)], p.words) {
					continue
				}
				if negatable && negated(ws, i) {
					neg[k] = true
					continue
				}
				seen[k] = true
				found = append(found, p)
			}
		}
	}
	for k, p := range list {
		if neg[k] && !seen[k] {
			cancelled = append(cancelled, p)
		}
	}
	return found, cancelled
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// notDown are the verbs "down" completes without meaning an outage ("slow down", "shut down").
var notDown = map[string]bool{"slow": true, "slows": true, "slowed": true, "scroll": true, "scrolled": true,
	"turn": true, "turned": true, "calm": true, "write": true, "wrote": true, "written": true, "sit": true,
	"put": true, "narrow": true, "step": true, "cut": true, "cutting": true, "count": true, "upside": true,
	"shut": true, "shuts": true, "shutting": true, "scale": true}

// negated reports whether the word at i follows a negation: "not urgent", "pas très urgent",
// "isn't urgent", "rien d'urgent"; or is a "down" that says no outage ("scroll down").
func negated(ws []string, i int) bool {
	if ws[i] == "down" && i > 0 && notDown[ws[i-1]] {
		return true
	}
	for j := i - 1; j >= 0 && i-j <= 3; j-- {
		if negations[ws[j]] {
			return true
		}
		if !negationFillers[ws[j]] {
			return false
		}
	}
	return false
}

// judgePriority sets a request's priority from its words (French and English), its X-Priority or
// Importance header, its sender and its category, and says why. Urgency phrases add up: one
// ordinary phrase makes it high; two, or one about many people or the business, make it urgent.
// A negated phrase ("not urgent", "pas urgent") does not count, and a request that says it can
// wait is low unless something else raises it.
func judgePriority(cfg *Config, req NewTicket, category string) (Priority, []string) {
	p, err := ParsePriority(cfg.Priority.Default)
	if err != nil {
		p = PriorityNormal
	}
	var why []string
	raised := false
	raise := func(to Priority, reason string) {
		if to > p {
			p = to
			raised = true
			why = append(why, reason)
		}
	}
	text := req.Subject + "\n" + req.Text

	score := 0
	var hits []string
	found, cancelled := matchPhrases(text, urgencyPhrases, true)
	for _, ph := range found {
		score += ph.weight
		hits = append(hits, ph.text)
	}
	sort.Strings(hits)
	switch {
	case score >= 2:
		raise(PriorityUrgent, "urgency words: "+strings.Join(hits, ", "))
	case score == 1:
		raise(PriorityHigh, "urgency word: "+hits[0])
	}

	// X-Priority 1–2 or Importance: high; 4–5 or Importance: low.
	switch h := req.HeaderPriority; {
	case h == 1 || h == 2:
		raise(PriorityHigh, fmt.Sprintf("X-Priority %d", h))
	case h == 4 || h == 5:
		if !raised && p > PriorityLow && score == 0 {
			p = PriorityLow
			why = append(why, fmt.Sprintf("X-Priority %d", h))
		}
	}
	if score == 0 && !raised && p > PriorityLow {
		calm, _ := matchPhrases(text, calmPhrases, false)
		for _, ph := range cancelled {
			if strings.HasPrefix(Fold(ph.text), "urgen") {
				calm = append(calm, urgencyPhrase{text: "not " + ph.text})
			}
		}
		if len(calm) > 0 {
			p = PriorityLow
			why = append(why, "can wait: "+calm[0].text)
		}
	}

	if isVIP(cfg.Priority.VIP, req.Requester) {
		raise(PriorityHigh, "VIP sender")
	}
	if c, ok := cfg.Category(category); ok && c.Priority != "" {
		if cp, err := ParsePriority(c.Priority); err == nil {
			raise(cp, "category "+category+" is at least "+cp.String())
		}
	}
	if len(why) == 0 {
		why = []string{"default " + p.String()}
	}
	return p, why
}

// isVIP reports whether the sender is listed in [priority] vip, by address or by "@domain".
func isVIP(vips []string, sender string) bool {
	sender = strings.ToLower(sender)
	for _, v := range vips {
		if v == sender || strings.HasPrefix(v, "@") && strings.HasSuffix(sender, v) {
			return true
		}
	}
	return false
}
