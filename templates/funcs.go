package templates

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/deskd/deskd/tickets"
)

// funcs are the template functions for one language; text and HTML templates share them but
// for word, which the HTML templates take as HTML (the catalogue is trusted like the templates).
func funcs(c *catalogue) map[string]any {
	label := func(m map[string]string, k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return k
	}
	date := func(f *texttemplate.Template) func(time.Time) (string, error) {
		return func(t time.Time) (string, error) {
			if t.IsZero() {
				return "", nil
			}
			return c.date(f, t)
		}
	}
	return map[string]any{
		// when formats a deadline in full: "jeudi 26 novembre à 11:00"; "" for the zero time.
		"when": date(c.long),
		// short formats a time for lists: "26 nov. 11:00 UTC+1".
		"short": date(c.short),
		// medium formats the moment a report is made: "3 Dec 08:36 CET (UTC+1)".
		"medium":    date(c.medium),
		"prio":      func(p string) string { return label(c.Priority, p) },
		"status":    func(s string) string { return label(c.Status, s) },
		"eventKind": func(k string) string { return label(c.Event, k) },
		// word is a word of the layouts ([layout] in words.toml).
		"word": func(key string) (string, error) {
			if v, ok := c.Layout[key]; ok {
				return v, nil
			}
			return "", fmt.Errorf("no word %q in %s/words.toml", key, c.lang)
		},
		// commands are the commands a technician's footer lists.
		"commands": func() []string { return c.Commands },
		"join":     strings.Join,
		// clause is a sentence's end written by someone, to go before the template's own full
		// stop: its final punctuation trimmed ("mot de passe." → "mot de passe").
		"clause": func(s string) string { return strings.TrimRight(strings.TrimSpace(s), ".…!?;:, ") },
		// greet is the name to greet someone by, "" when only the address is known.
		"greet": func(name string) string {
			if strings.Contains(name, "@") {
				return ""
			}
			return personName(name)
		},
		// who is "Name <address>", or the address alone.
		"who": func(name, addr string) string {
			if name == "" || name == addr {
				return addr
			}
			return personName(name) + " <" + addr + ">"
		},
		// nameOr is the name, or the address when there is no name.
		"nameOr": func(name, addr string) string {
			if name == "" {
				return addr
			}
			return personName(name)
		},
		// size is a file's size for a person: "850 KB", "32 MB" (the units are the catalogue's).
		"size": func(n int64) string {
			if n < 1<<20 {
				return fmt.Sprintf("%d %s", max(1, (n+1<<10-1)>>10), c.Layout["kb"])
			}
			return fmt.Sprintf("%d %s", (n+1<<19)>>20, c.Layout["mb"])
		},
		"quote": quote,
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
			if n == 1 || (c.zeroIsSingular && n == 0) {
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

// quote prefixes every line with "> ", as mail clients quote, and trims the spaces that end
// it; the final newlines are left out. It writes what strings.Split, a "> " and a TrimRight per
// line and strings.Join wrote (TestQuoteAsSplitJoin) in one allocation, not one per line and
// two more.
func quote(s string) string {
	s = strings.TrimRight(s, "\n")
	var b strings.Builder
	b.Grow(len(s) + 2*strings.Count(s, "\n") + 2)
	for {
		line, rest, more := strings.Cut(s, "\n")
		if line = strings.TrimRight(line, " "); line == "" {
			b.WriteByte('>')
		} else {
			b.WriteString("> ")
			b.WriteString(line)
		}
		if !more {
			return b.String()
		}
		b.WriteByte('\n')
		s = rest
	}
}

// personName is a display name as a person says it: "Lefèvre, Marc", the directory's form
// (Exchange, Active Directory) that many organisations write in From, is "Marc Lefèvre". Only a
// name of exactly two parts around one comma, without an address, is turned; any other name is
// left as it is ("Marc Lefèvre", "Lefèvre, Marc, IT", "Support, Helpdesk, Paris").
func personName(name string) string {
	name = strings.TrimSpace(name)
	last, first, ok := strings.Cut(name, ",")
	if !ok || strings.Contains(first, ",") || strings.Contains(name, "@") {
		return name
	}
	last, first = strings.TrimSpace(last), strings.TrimSpace(first)
	if last == "" || first == "" {
		return name
	}
	return first + " " + last
}

func textFuncs(c *catalogue) map[string]any { return funcs(c) }

func htmlFuncs(c *catalogue) map[string]any {
	f := funcs(c)
	word := f["word"].(func(string) (string, error))
	f["word"] = func(key string) (htmltemplate.HTML, error) {
		w, err := word(key)
		return htmltemplate.HTML(w), err
	}
	return f
}

// localize returns the notice with every time in it in loc (inZone) and its categories named
// with labels (the catalogue's [category]) where the desk's configuration gives no label of its
// own, without changing the caller's copy.
func localize(n tickets.Notice, loc *time.Location, labels map[string]string) tickets.Notice {
	if loc == nil {
		loc = time.UTC
	}
	n = inZone(n, loc)
	n.Ticket = labelled(n.Ticket, labels)
	if n.Digest != nil {
		d := *n.Digest
		for _, l := range []*[]tickets.TicketInfo{&d.Unassigned, &d.Breached, &d.DueSoon, &d.Escalated, &d.Resolved, &d.Oldest, &d.Unclassified} {
			if *l == nil {
				continue
			}
			c := make([]tickets.TicketInfo, len(*l))
			for i, ti := range *l {
				c[i] = labelled(ti, labels)
			}
			*l = c
		}
		n.Digest = &d
	}
	return n
}

// labelled names a ticket's category with the catalogue's label when it has none of its own.
func labelled(ti tickets.TicketInfo, labels map[string]string) tickets.TicketInfo {
	// A category without a label of its own is labelled with its name: the catalogue knows
	// better for the usual ones ("network" is "réseau" in French).
	if l, ok := labels[ti.Category]; ok && (ti.CategoryLabel == "" || ti.CategoryLabel == ti.Category) {
		ti.CategoryLabel = l
	}
	return ti
}
