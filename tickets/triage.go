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
	CategoryWhy    []Phrase           // CategoryReason in words, one phrase each.
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
	w := wordsOfRequest(req.Subject, req.Text)
	return triageWords(cfg, m, req, &w)
}

// triageWords is triageWith of the request's words, wordsOfRequest(req.Subject, req.Text).
func triageWords(cfg *Config, m *Model, req NewTicket, w *requestWords) Judgement {
	var j Judgement
	var why reasons
	j.Category, why, j.Scores = classifyWords(cfg.Categories, m, w)
	j.CategoryReason, j.CategoryWhy = why.text, why.said
	j.Priority, j.PriorityReason = judgePriorityWords(cfg, req, j.Category, w)
	return j
}

// classify chooses a request's category among cats. Keyword rules decide when confident (a score
// of ruleConfident, at least twice the runner-up's); else the model when its posterior is at
// least modelConfident, and at least modelStrong against the best keyword match; else that
// keyword match; else "" (unclassified). The model abstains when the request has too little
// evidence it knows (Model.judge).
func classify(cats []Category, m *Model, subject, text string) (string, []string, map[string]float64) {
	c, why, scores := classifyWhy(cats, m, subject, text)
	return c, why.text, scores
}

// reasons are the reasons of a choice, as text (in JournalLanguage, as `deskd ticket explain`
// prints them) and as phrases for each reader.
type reasons struct {
	text []string
	said []Phrase
}

func (r *reasons) add(p Phrase, text string) {
	r.text, r.said = append(r.text, text), append(r.said, p)
}

// classifyWhy is classify with its reasons in words too.
func classifyWhy(cats []Category, m *Model, subject, text string) (string, reasons, map[string]float64) {
	w := wordsOfRequest(subject, text)
	return classifyWords(cats, m, &w)
}

// classifyWords is classifyWhy of the request's words.
func classifyWords(cats []Category, m *Model, w *requestWords) (string, reasons, map[string]float64) {
	rules := rulesOf(cats, w.subject(), w.text())
	var why reasons
	keywords := func(r ruleScore) {
		words := strings.Join(r.hits, ", ")
		why.add(say(WhyKeywords, "category", r.category, "words", words, "score", fmt.Sprint(r.score)),
			fmt.Sprintf("keywords for %s: %s (score %d)", r.category, words, r.score))
	}
	best, second := ruleScore{}, ruleScore{}
	if len(rules) > 0 {
		best = rules[0]
		keywords(best)
	}
	if len(rules) > 1 {
		second = rules[1]
		keywords(second)
	}
	scores, abstain := modelScores(cats, m, w)
	if best.score >= ruleConfident && best.score >= 2*second.score {
		why.add(Phrase{Code: WhyRules}, "rules decide")
		return best.category, why, scores
	}

	top, topP := "", 0.0
	for c, p := range scores {
		if p > topP || p == topP && c < top {
			top, topP = c, p
		}
	}
	model := func(code, text string) {
		p := fmt.Sprintf("%.2f", topP)
		why.add(say(code, "category", top, "p", p), text+top+" "+p)
	}
	// Of two categories whose keywords score alike, the one with a longer keyword found is the
	// best match: a phrase is more specific than a word.
	keyword := best.score > 0 && (best.score > second.score || best.longest > second.longest)
	switch {
	case abstain != "":
		why.add(abstainPhrase(abstain), "model abstains: "+abstain)
	case top == "":
	case keyword && top != best.category && topP < modelStrong:
		model(WhyModelWeak, "model not strong enough against the keywords: ")
	case topP >= modelConfident:
		model(WhyModel, "model: ")
		return top, why, scores
	default:
		model(WhyModelUnsure, "model unsure: ")
	}
	if keyword {
		why.add(Phrase{Code: WhyBestKeyword}, "best keyword match")
		return best.category, why, scores
	}
	why.add(Phrase{Code: WhyUnclassified}, "unclassified")
	return "", why, scores
}

// abstainPhrase is why the model abstains (modelScores), in words: the reason, and what it would
// have said as written.
func abstainPhrase(abstain string) Phrase {
	p := Phrase{Code: WhyModelAbstain, Args: map[string]string{"reason": abstain}}
	for text, code := range map[string]string{abstainNoModel: WhyNoModel, abstainUnknown: WhyUnknownWords,
		abstainSupport: WhyLittle, abstainPriorOnly: WhyPriorOnly} {
		if rest, ok := strings.CutPrefix(abstain, text); ok {
			p.Args["reason"], p.Args["guess"] = "", strings.TrimSuffix(strings.TrimPrefix(rest, " ("), ")")
			p.Parts = map[string]Phrase{"reason": {Code: code}}
		}
	}
	return p
}

// modelScores is the model's posterior over the configured categories only, renormalised; nil
// without a model, or when it abstains, with why (Model.judge: what it would have said, too).
func modelScores(cats []Category, m *Model, w *requestWords) (map[string]float64, string) {
	if m == nil {
		return nil, ""
	}
	best, all, abstain := m.judge(w.features(true)) // Features(subject + "\n" + text)
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
