package tickets

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Judgement is the desk's triage of a new request.
type Judgement struct {
	Category       string
	CategoryReason []string
	Scores         map[string]float64
	Priority       Priority
	PriorityReason []string
}

// Model is the learned classifier.
// todo: a naive Bayes model trained from the desk's tickets.
type Model struct{}

// Triage classifies a request and sets its priority.
func (d *Desk) Triage(cfg *Config, req NewTicket) Judgement {
	var j Judgement
	j.Category, j.CategoryReason = classifyByRules(cfg.Categories, req.Subject+"\n"+req.Text)
	j.Priority, j.PriorityReason = judgePriority(cfg, req, j.Category)
	return j
}

// learn records a ticket's corrected category as a training example.
func (t *Tx) learn(tk *Ticket) error { return nil }

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*`)

// words splits folded text into words.
func words(s string) []string { return wordRE.FindAllString(Fold(s), -1) }

// classifyByRules scores each category by the keywords found in the text.
func classifyByRules(cats []Category, text string) (string, []string) {
	folded := " " + strings.Join(words(text), " ") + " "
	best, bestScore := "", 0
	var reasons []string
	for _, c := range cats {
		score := 0
		var hits []string
		for _, k := range c.Keywords {
			kw := strings.Join(words(k), " ")
			if kw == "" {
				continue
			}
			if n := strings.Count(folded, " "+kw+" ") + strings.Count(folded, " "+kw+"s "); n > 0 {
				score += n
				hits = append(hits, k)
			}
		}
		if score > bestScore {
			best, bestScore = c.Name, score
			reasons = []string{fmt.Sprintf("keywords %s", strings.Join(hits, ", "))}
		}
	}
	return best, reasons
}

var urgencyWords = []string{"urgent", "urgence", "asap", "as soon as possible", "immediately", "emergency",
	"bloque", "bloquee", "bloquant", "en panne", "plus rien ne marche", "tout le service", "whole team",
	"entire team", "everyone", "customer demo", "demo client", "down", "critical", "critique"}

// judgePriority sets a request's priority from its words, headers, sender and category.
func judgePriority(cfg *Config, req NewTicket, category string) (Priority, []string) {
	p, _ := ParsePriority(cfg.Priority.Default)
	var why []string
	raise := func(to Priority, reason string) {
		if to > p {
			p = to
		}
		why = append(why, reason)
	}
	folded := " " + strings.Join(words(req.Subject+"\n"+req.Text), " ") + " "
	var hits []string
	for _, w := range urgencyWords {
		if strings.Contains(folded, " "+strings.Join(words(w), " ")+" ") {
			hits = append(hits, w)
		}
	}
	sort.Strings(hits)
	switch {
	case len(hits) >= 2:
		raise(PriorityUrgent, "urgency words: "+strings.Join(hits, ", "))
	case len(hits) == 1:
		raise(PriorityHigh, "urgency word: "+hits[0])
	}
	switch {
	case req.HeaderPriority == 1 || req.HeaderPriority == 2:
		raise(PriorityHigh, fmt.Sprintf("X-Priority %d", req.HeaderPriority))
	case req.HeaderPriority == 5 && len(hits) == 0 && p == PriorityNormal:
		p = PriorityLow
		why = append(why, "X-Priority 5")
	}
	for _, v := range cfg.Priority.VIP {
		if v == req.Requester {
			raise(PriorityHigh, "VIP sender")
		}
	}
	if c, ok := cfg.Category(category); ok && c.Priority != "" {
		if cp, err := ParsePriority(c.Priority); err == nil && cp > p {
			raise(cp, "category "+category)
		}
	}
	if len(why) == 0 {
		why = []string{"default"}
	}
	return p, why
}
