package tickets

import (
	"fmt"
	"strconv"
	"strings"
)

// Why the desk gave a ticket its priority and its assignee: the explanation keeps the reasons
// as `deskd ticket explain` and the JSON have always said them, in English; a person reads them
// as phrases in their own language (PriorityWorded, AssignWorded), each reason read back into its
// kind and values by the one function that knows every form the desk writes (priorityWhy,
// assignWhy). A reason of another form (written by an older version) is shown as recorded.
const (
	WhyCritical     = "why_priority_critical"    // A critical event: words.
	WhyManyAffected = "why_priority_many"        // Many people affected: scope, fault.
	WhyWorkaround   = "why_priority_workaround"  // The requester works around it: words.
	WhySharedDown   = "why_priority_shared_down" // A shared system down: system, evidence.
	WhyCannotWork   = "why_priority_cannot_work" // One person cannot work: words.
	WhyFaultWith    = "why_priority_fault_with"  // A fault with a deadline, a claim or several people: with, fault.
	WhyHeader       = "why_priority_header"      // The mail's X-Priority: level.
	WhyCanWait      = "why_priority_can_wait"    // The request says it can wait: words.
	WhyCanWaitNot   = "why_priority_not_urgent"  // Likewise, an urgency it denies ("pas urgent"): words.
	WhyVIP          = "why_priority_vip"         // A VIP sender.
	WhyCategoryMin  = "why_priority_category"    // The category's minimum: category, priority.
	WhyDefault      = "why_priority_default"     // The desk's default: priority.
	WhyAway         = "why_assign_away"          // A technician away: who.
	WhyCandidate    = "why_assign_candidate"     // A technician weighed: who, tier, category, load.
	WhyCandidateNot = "why_assign_candidate_not" // Likewise, without the category's skill.
	WhyTierNobody   = "why_assign_tier_nobody"   // Nobody of the tier available: tier.
	WhyTierNoSkill  = "why_assign_tier_no_skill" // Nobody of the tier has the skill: tier, category.
	WhyFollowsUp    = "why_assign_follows_up"    // The technician of the ticket this one follows up: who, id.
	WhyIncident     = "why_assign_incident"      // The incident's technician: id.
	MailKindWord    = "mail_kind_"               // + a mail kind: its name in a history line ("ack").
)

func init() {
	for code, args := range map[string][]string{
		WhyCritical: {"words"}, WhyManyAffected: {"scope", "fault"}, WhyWorkaround: {"words"},
		WhySharedDown: {"system", "evidence"}, WhyCannotWork: {"words"}, WhyFaultWith: {"with", "fault"},
		WhyHeader: {"level"}, WhyCanWait: {"words"}, WhyCanWaitNot: {"words"}, WhyVIP: nil,
		WhyCategoryMin: {"category", "priority"}, WhyDefault: {"priority"},
		WhyAway: {"who"}, WhyCandidate: {"who", "tier", "category", "load"}, WhyCandidateNot: {"who", "tier", "category", "load"},
		WhyTierNobody: {"tier"}, WhyTierNoSkill: {"tier", "category"}, WhyFollowsUp: {"who", "id"}, WhyIncident: {"id"},
	} {
		Phrases[code] = args
	}
	for _, kind := range MailKinds {
		Phrases[MailKindWord+kind] = nil
	}
}

// PriorityWorded is why the desk chose the ticket's priority, for a reader of lang.
func (ex Explanation) PriorityWorded(w Words, lang string) []string {
	return worded(ex.PriorityReason, priorityWhy, w, lang)
}

// AssignWorded is why the desk chose the ticket's assignee, for a reader of lang.
func (ex Explanation) AssignWorded(w Words, lang string) []string {
	return worded(ex.AssignReason, assignWhy, w, lang)
}

func worded(reasons []string, read func(string) (Phrase, bool), w Words, lang string) []string {
	if w == nil {
		return reasons
	}
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = r
		if p, ok := read(r); ok {
			out[i] = w.Say(lang, p)
		}
	}
	return out
}

// priorityWhy reads a reason of judgePriority back into its phrase; false for another text.
// The words quoted from the request stay as the requester wrote them.
func priorityWhy(r string) (Phrase, bool) {
	two := func(code, a, b, s, sep string) (Phrase, bool) {
		x, y, ok := strings.Cut(s, sep)
		return say(code, a, x, b, y), ok && x != "" && y != ""
	}
	if rest, ok := strings.CutPrefix(r, "category "); ok {
		if c, p, ok := strings.Cut(rest, " is at least "); ok {
			if _, err := ParsePriority(p); err == nil {
				return say(WhyCategoryMin, "category", c, "priority", p), true
			}
		}
	}
	for prefix, code := range map[string]string{"critical: ": WhyCritical, "workaround: ": WhyWorkaround,
		"cannot work: ": WhyCannotWork} {
		if rest, ok := strings.CutPrefix(r, prefix); ok && rest != "" {
			return say(code, "words", rest), true
		}
	}
	switch {
	case strings.HasPrefix(r, "can wait: not "):
		return say(WhyCanWaitNot, "words", strings.TrimPrefix(r, "can wait: not ")), true
	case strings.HasPrefix(r, "can wait: "):
		return say(WhyCanWait, "words", strings.TrimPrefix(r, "can wait: ")), true
	case strings.HasPrefix(r, "many affected: "):
		return two(WhyManyAffected, "scope", "fault", strings.TrimPrefix(r, "many affected: "), ", ")
	case strings.HasPrefix(r, "shared system down: "):
		return two(WhySharedDown, "system", "evidence", strings.TrimPrefix(r, "shared system down: "), ", ")
	case strings.HasPrefix(r, "fault with "):
		return two(WhyFaultWith, "with", "fault", strings.TrimPrefix(r, "fault with "), ": ")
	case r == "VIP sender":
		return say(WhyVIP), true
	case strings.HasPrefix(r, "default "):
		if _, err := ParsePriority(strings.TrimPrefix(r, "default ")); err == nil {
			return say(WhyDefault, "priority", strings.TrimPrefix(r, "default ")), true
		}
	}
	var n int
	if fmtScan(r, "X-Priority %d", &n) {
		return say(WhyHeader, "level", strconv.Itoa(n)), true
	}
	return Phrase{}, false
}

// assignWhy reads a reason of chooseTechnician, followUpTechnician or openLinked back into its
// phrase; false for another text (an error, as written).
func assignWhy(r string) (Phrase, bool) {
	var n int
	switch {
	case fmtScan(r, "nobody of tier %d available", &n):
		return say(WhyTierNobody, "tier", strconv.Itoa(n)), true
	case fmtScan(r, "held by incident #%d", &n):
		return say(WhyIncident, "id", strconv.Itoa(n)), true
	case strings.HasPrefix(r, "nobody of tier "):
		var cat string
		if _, err := fmt.Sscanf(r, "nobody of tier %d has the skill %q", &n, &cat); err == nil && fmt.Sprintf("nobody of tier %d has the skill %q", n, cat) == r {
			return say(WhyTierNoSkill, "tier", strconv.Itoa(n), "category", cat), true
		}
		return Phrase{}, false
	}
	if who, rest, ok := strings.Cut(r, " held ticket #"); ok {
		if id, tail, ok := strings.Cut(rest, ", which this one follows up"); ok && tail == "" {
			if _, err := strconv.ParseInt(id, 10, 64); err == nil {
				return say(WhyFollowsUp, "who", who, "id", id), true
			}
		}
	}
	who, rest, ok := strings.Cut(r, ": ")
	if !ok || strings.ContainsAny(who, " ") {
		return Phrase{}, false
	}
	if rest == "away" {
		return say(WhyAway, "who", who), true
	}
	// "EMAIL: tier N, skill CATEGORY, load W" or "…, no skill CATEGORY, …".
	var tier, load int
	head, skill, ok := strings.Cut(rest, ", ")
	if !ok || !fmtScan(head, "tier %d", &tier) {
		return Phrase{}, false
	}
	i := strings.LastIndex(skill, ", load ")
	if i < 0 || !fmtScan(skill[i+2:], "load %d", &load) {
		return Phrase{}, false
	}
	code, cat := WhyCandidate, skill[:i]
	if c, ok := strings.CutPrefix(cat, "no skill "); ok {
		code, cat = WhyCandidateNot, c
	} else if c, ok := strings.CutPrefix(cat, "skill "); ok {
		cat = c
	} else {
		return Phrase{}, false
	}
	return say(code, "who", who, "tier", strconv.Itoa(tier), "category", cat, "load", strconv.Itoa(load)), true
}

// notifyLine is a mail's line in a ticket's history ("ack → a@b", written as text), with the
// mail's kind a phrase of its own so that each reader has its name in their language; false for
// another line.
func notifyLine(text string) (Phrase, bool) {
	kind, to, ok := strings.Cut(text, " → ")
	if !ok || !isMailKind(kind) || strings.Contains(to, " not sent: ") {
		return Phrase{}, false
	}
	return Phrase{Code: JournalNotified, Args: map[string]string{"kind": kind, "to": to},
		Parts: map[string]Phrase{"kind": {Code: MailKindWord + kind}}}, true
}

func isMailKind(k string) bool {
	for _, m := range MailKinds {
		if m == k {
			return true
		}
	}
	return false
}

// namedKind gives a phrase that names a mail kind ("kind") that kind's words, when it has no
// part of that name already: the history lines of mails written before kinds were worded.
func namedKind(p Phrase) Phrase {
	kind := p.Args["kind"]
	if !isMailKind(kind) {
		return p
	}
	if _, ok := p.Parts["kind"]; ok {
		return p
	}
	parts := make(map[string]Phrase, len(p.Parts)+1)
	for k, v := range p.Parts {
		parts[k] = v
	}
	parts["kind"] = Phrase{Code: MailKindWord + kind}
	p.Parts = parts
	return p
}
