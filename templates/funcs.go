package templates

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

// wordsT holds the few words the template functions need in one language.
type wordsT struct {
	days, months, shortMonths []string
	priority, status          map[string]string
	eventKind                 map[string]string
	longDate, shortDate       func(t time.Time, w wordsT) string
}

var words = map[string]wordsT{}

func init() {
	words["fr"] = wordsT{
		days:        []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months:      []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		shortMonths: []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		priority:    map[string]string{"low": "basse", "normal": "normale", "high": "haute", "urgent": "urgente"},
		status:      map[string]string{"new": "nouveau", "open": "en cours", "pending": "en attente", "resolved": "résolu", "closed": "clos"},
		eventKind: map[string]string{"message": "message", "reply": "réponse", "note": "note interne", "escalate": "escalade",
			"assign": "attribution", "status": "statut", "priority": "priorité"},
		// "jeudi 26 novembre à 11:00"
		longDate: func(t time.Time, w wordsT) string {
			return fmt.Sprintf("%s %d %s à %s", w.days[t.Weekday()], t.Day(), w.months[t.Month()-1], t.Format("15:04"))
		},
		// "26 nov. 11:00"
		shortDate: func(t time.Time, w wordsT) string {
			return fmt.Sprintf("%d %s %s", t.Day(), w.shortMonths[t.Month()-1], t.Format("15:04"))
		},
	}
	words["en"] = wordsT{
		days:        []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months:      []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		shortMonths: []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		priority:    map[string]string{"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"},
		status:      map[string]string{"new": "new", "open": "open", "pending": "pending", "resolved": "resolved", "closed": "closed"},
		eventKind: map[string]string{"message": "message", "reply": "reply", "note": "internal note", "escalate": "escalation",
			"assign": "assignment", "status": "status", "priority": "priority"},
		// "Thursday 26 November at 11:00"
		longDate: func(t time.Time, w wordsT) string {
			return fmt.Sprintf("%s %d %s at %s", w.days[t.Weekday()], t.Day(), w.months[t.Month()-1], t.Format("15:04"))
		},
		// "26 Nov 11:00"
		shortDate: func(t time.Time, w wordsT) string {
			return fmt.Sprintf("%d %s %s", t.Day(), w.shortMonths[t.Month()-1], t.Format("15:04"))
		},
	}
}

// funcs are the template functions for one language; text and HTML templates share them.
func funcs(lang string) map[string]any {
	w := words[lang]
	label := func(m map[string]string, k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return k
	}
	return map[string]any{
		// when formats a deadline in full: "jeudi 26 novembre à 11:00"; "" for the zero time.
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return w.longDate(t, w)
		},
		// short formats a time for lists: "26 nov. 11:00".
		"short": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return w.shortDate(t, w)
		},
		"prio":      func(p string) string { return label(w.priority, p) },
		"status":    func(s string) string { return label(w.status, s) },
		"eventKind": func(k string) string { return label(w.eventKind, k) },
		// greet is the name to greet someone by, "" when only the address is known.
		"greet": func(name string) string {
			if strings.Contains(name, "@") {
				return ""
			}
			return strings.TrimSpace(name)
		},
		// who is "Name <address>", or the address alone.
		"who": func(name, addr string) string {
			if name == "" || name == addr {
				return addr
			}
			return name + " <" + addr + ">"
		},
		// nameOr is the name, or the address when there is no name.
		"nameOr": func(name, addr string) string {
			if name == "" {
				return addr
			}
			return name
		},
		// quote prefixes every line with "> ", as mail clients quote.
		"quote": func(s string) string {
			ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
			for i, l := range ls {
				ls[i] = strings.TrimRight("> "+l, " ")
			}
			return strings.Join(ls, "\n")
		},
		"lines": func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") },
		// pct is n as a percentage of total, for the bars of the digest; at least 1 when n > 0.
		"pct": func(n, total int) int {
			if total <= 0 || n <= 0 {
				return 0
			}
			return max(1, min(100, n*100/total))
		},
		"count": func(m map[string]int, k string) int { return m[k] },
		// plural picks the singular or the plural form for n.
		"plural": func(n int, one, many string) string {
			if n == 1 || (lang == "fr" && n == 0) {
				return one
			}
			return many
		},
		// more is how many of a capped list were left out.
		"more": func(total, shown int) int { return max(0, total-shown) },
		"maxCount": func(m map[string]int, keys []string) int {
			v := 0
			for _, k := range keys {
				v = max(v, m[k])
			}
			return v
		},
		"maxLoad": func(ls []tickets.Load) int {
			v := 0
			for _, l := range ls {
				v = max(v, l.Open)
			}
			return v
		},
		"priorities": func() []string { return []string{"urgent", "high", "normal", "low"} },
		"statuses":   func() []string { return []string{"new", "open", "pending"} },
		"digestEmpty": func(d *tickets.Digest) bool {
			return d == nil || d.Open == 0 && len(d.Unassigned) == 0 && len(d.Breached) == 0 && len(d.DueSoon) == 0 &&
				len(d.Escalated) == 0 && len(d.Resolved) == 0 && len(d.Oldest) == 0 && len(d.Unclassified) == 0
		},
		"sub": func(a, b int) int { return a - b },
	}
}

func textFuncs(lang string) map[string]any { return funcs(lang) }
func htmlFuncs(lang string) map[string]any { return funcs(lang) }

// localize returns the notice with its times in loc, without changing the caller's copy.
func localize(n tickets.Notice, loc *time.Location) tickets.Notice {
	if loc == nil {
		loc = time.UTC
	}
	n.Ticket = localInfo(n.Ticket, loc)
	if n.History != nil {
		h := make([]tickets.Entry, len(n.History))
		for i, e := range n.History {
			e.At = e.At.In(loc)
			h[i] = e
		}
		n.History = h
	}
	if n.Digest != nil {
		d := *n.Digest
		d.Since, d.Now = d.Since.In(loc), d.Now.In(loc)
		for _, l := range []*[]tickets.TicketInfo{&d.Unassigned, &d.Breached, &d.DueSoon, &d.Escalated, &d.Resolved, &d.Oldest, &d.Unclassified} {
			if *l == nil {
				continue
			}
			c := make([]tickets.TicketInfo, len(*l))
			for i, ti := range *l {
				c[i] = localInfo(ti, loc)
			}
			*l = c
		}
		n.Digest = &d
	}
	return n
}

func localInfo(ti tickets.TicketInfo, loc *time.Location) tickets.TicketInfo {
	for _, t := range []*time.Time{&ti.CreatedAt, &ti.FirstResponseDue, &ti.ResolveDue} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	return ti
}
