package tickets

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Judgement is the desk's triage of a new request.
type Judgement struct {
	Category       string             // "" when unknown.
	CategoryReason []string           // Keywords found, model confidence.
	Scores         map[string]float64 // The model's posterior by configured category; nil without a model.
	Priority       Priority
	PriorityReason []string
}

// Thresholds of classification.
const (
	// ruleConfident is the keyword score from which rules decide alone, if it is also at least
	// twice the next category's: two keywords, or one in the subject.
	ruleConfident = 2
	// modelConfident is the posterior from which the model decides when rules are not confident.
	modelConfident = 0.6
	// modelStrong is the posterior from which the model decides against a keyword match that is
	// the best but not confident: below it, the keyword wins.
	modelStrong = 0.9
)

// Triage classifies a request and sets its priority. The first triage of a process reads the
// learned model from the store.
func (d *Desk) Triage(cfg *Config, req NewTicket) Judgement {
	m, err := d.liveModel(context.Background())
	if err != nil {
		d.Log.Error("classifier", "err", err) // Keywords alone, this time.
	}
	return triageWith(cfg, m, req)
}

// triageWith is Triage with the model m (nil for none).
func triageWith(cfg *Config, m *Model, req NewTicket) Judgement {
	var j Judgement
	j.Category, j.CategoryReason, j.Scores = classify(cfg.Categories, m, req.Subject, req.Text)
	j.Priority, j.PriorityReason = judgePriority(cfg, req, j.Category)
	return j
}

// classify chooses a request's category among cats. Keyword rules decide when confident (a score
// of ruleConfident, at least twice the runner-up's); else the model when its posterior is at
// least modelConfident, and at least modelStrong against the best keyword match; else that
// keyword match; else "" (unclassified). The model abstains when the request has too little
// evidence it knows (Model.judge).
func classify(cats []Category, m *Model, subject, text string) (string, []string, map[string]float64) {
	rules := classifyByRules(cats, subject, text)
	var why []string
	best, second := ruleScore{}, ruleScore{}
	if len(rules) > 0 {
		best = rules[0]
		why = append(why, fmt.Sprintf("keywords for %s: %s (score %d)", best.category, strings.Join(best.hits, ", "), best.score))
	}
	if len(rules) > 1 {
		second = rules[1]
		why = append(why, fmt.Sprintf("keywords for %s: %s (score %d)", second.category, strings.Join(second.hits, ", "), second.score))
	}
	scores, abstain := modelScores(cats, m, subject, text)
	if best.score >= ruleConfident && best.score >= 2*second.score {
		return best.category, append(why, "rules decide"), scores
	}

	top, topP := "", 0.0
	for c, p := range scores {
		if p > topP || p == topP && c < top {
			top, topP = c, p
		}
	}
	keyword := best.score > 0 && best.score > second.score
	switch {
	case abstain != "":
		why = append(why, "model abstains: "+abstain)
	case top == "":
	case keyword && top != best.category && topP < modelStrong:
		why = append(why, fmt.Sprintf("model not strong enough against the keywords: %s %.2f", top, topP))
	case topP >= modelConfident:
		return top, append(why, fmt.Sprintf("model: %s %.2f", top, topP)), scores
	default:
		why = append(why, fmt.Sprintf("model unsure: %s %.2f", top, topP))
	}
	if keyword {
		return best.category, append(why, "best keyword match"), scores
	}
	return "", append(why, "unclassified"), scores
}

// modelScores is the model's posterior over the configured categories only, renormalised; nil
// without a model, or when it abstains, with why (Model.judge: what it would have said, too).
func modelScores(cats []Category, m *Model, subject, text string) (map[string]float64, string) {
	if m == nil {
		return nil, ""
	}
	best, all, abstain := m.judge(Features(subject + "\n" + text))
	if abstain != "" {
		if best != "" {
			abstain += fmt.Sprintf(" (%s %.2f)", best, all[best])
		}
		return nil, abstain
	}
	scores := map[string]float64{}
	var sum float64
	for _, c := range cats {
		if p, ok := all[c.Name]; ok {
			scores[c.Name] = p
			sum += p
		}
	}
	if sum == 0 {
		return nil, ""
	}
	for c := range scores {
		scores[c] /= sum
	}
	return scores, ""
}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*`)

// words splits folded text into words.
func words(s string) []string { return wordRE.FindAllString(Fold(s), -1) }
