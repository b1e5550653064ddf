package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// withDesk loads the configuration, opens the database and the desk, and runs fn: for the
// commands that read or change tickets without sending mail.
func withDesk(ctx context.Context, e *env, fn func(*tickets.Desk) error) error {
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return err
	}
	d, err := openDesk(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer closeStore(d.Store, e.log)
	return fn(d)
}

func ticketID(args []string, want int, usage string) (int64, error) {
	if len(args) != want {
		return 0, usagef("want %s", usage)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not a ticket number", args[0])
	}
	return id, nil
}

// actorFlag adds --as: the address a CLI action is recorded under.
func actorFlag(fs *flag.FlagSet, as *string) {
	fs.StringVar(as, "as", "", "address the action is recorded under (default: the first coordinator)")
}

// actor is who a CLI action is recorded under: --as, a technician (by any of their addresses) or
// a coordinator, else the first coordinator. Anyone else is a usage error: a requester, or a
// mistyped address, would sign staff actions and the mails they send.
func actor(d *tickets.Desk, as string) (string, error) {
	if as != "" {
		as = strings.ToLower(strings.TrimSpace(as))
		cfg := d.Config()
		if te, ok := cfg.Technician(as); ok {
			return te.Email, nil
		}
		if co, ok := cfg.CoordinatorByEmail(as); ok {
			return co.Email, nil
		}
		return "", usagef("--as %s: not a technician or coordinator of the desk", as)
	}
	if cs := d.Config().Coordinator; len(cs) > 0 {
		return cs[0].Email, nil
	}
	return "coordinator", nil
}

// ticketCommands are the commands on tickets: reading them, and a coordinator's actions.
func ticketCommands() []*command {
	cs := []*command{ticketList(), ticketShow(), ticketExplain(), ticketOpen(), ticketSimilar()}
	var reason, note string
	return append(cs,
		ticketAction("ticket assign", "N EMAIL", "Assign a ticket to a technician.", 1, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				return tx.Assign(tk, args[0], who)
			}),
		ticketAction("ticket escalate", "N --reason TEXT", "Escalate: priority up, next tier, coordinators told.", 0,
			func(fs *flag.FlagSet) { fs.StringVar(&reason, "reason", "", "why (required)") },
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				r := strings.TrimSpace(reason + " " + strings.Join(args, " "))
				if r == "" {
					return usagef("--reason is required")
				}
				return tx.Escalate(tk, r, who)
			}),
		ticketAction("ticket resolve", "N --note TEXT", "Resolve with a resolution note (required).", 0,
			func(fs *flag.FlagSet) { fs.StringVar(&note, "note", "", "the resolution note sent to the requester") },
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				n := strings.TrimSpace(note + " " + strings.Join(args, " "))
				if n == "" {
					return usagef("--note is required: the requester receives it")
				}
				return tx.Resolve(tk, n, who)
			}),
		ticketAction("ticket note", "N TEXT", "Add an internal note.", 1, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				return tx.Note(tk, strings.Join(args, " "), who)
			}),
		ticketAction("ticket priority", "N LEVEL", "Set the priority (low, normal, high, urgent).", 1, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				p, err := tickets.ParsePriority(args[0])
				if err != nil {
					return usagef("%v", err)
				}
				return tx.SetPriority(tk, p, who, "")
			}),
		ticketAction("ticket category", "N NAME", "Correct the category (teaches the classifier).", 1, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				return tx.SetCategory(tk, args[0], who)
			}),
		ticketAction("ticket incident", "N [TITLE]", "Make a ticket an incident, titled TITLE if given: alike requests are linked to it; on an incident, TITLE confirms one the desk opened, so it may be announced.", 0, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				return tx.IncidentCommand(tk, strings.Join(args, " "), who)
			}),
		ticketAction("ticket link", "N INCIDENT", "Link a request to an incident: the incident's resolution answers it.", 1, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				id, err := ticketID(args[:1], 1, "N INCIDENT")
				if err != nil {
					return err
				}
				return tx.Link(tk, id, who)
			}),
		ticketAction("ticket unlink", "N", "Detach a request from its incident.", 0, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error { return tx.Unlink(tk, who) }),
		ticketAction("ticket update", "N TEXT", "Tell every requester of incident N how things stand, each in their language.", 1, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error {
				return tx.IncidentUpdate(tk, strings.Join(args, " "), who)
			}),
		ticketAction("ticket pending", "N", "Mark as waiting on the requester (SLA clocks stop).", 0, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error { return tx.Pending(tk, who) }),
		ticketAction("ticket reopen", "N", "Reopen a resolved ticket.", 0, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error { return tx.Reopen(tk, who) }),
		ticketAction("ticket close", "N", "Close a resolved ticket.", 0, nil,
			func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error { return tx.Close(tk, who) }),
	)
}

func ticketList() *command {
	var status, assignee, category, priority, since, kind string
	var limit int
	var asJSON bool
	return &command{
		name: "ticket list", args: "[--status S[,S]] [--kind K] [--assignee EMAIL] [--category C] [--priority P[,P]] [--since T] [--limit N] [--json]",
		summary: "List tickets, newest first.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&status, "status", "", "only tickets of these statuses (new, open, pending, resolved, closed; comma-separated)")
			fs.StringVar(&assignee, "assignee", "", "only tickets assigned to this address")
			fs.StringVar(&category, "category", "", "only tickets of this category")
			fs.StringVar(&priority, "priority", "", "only tickets of these priorities (low, normal, high, urgent; comma-separated)")
			fs.StringVar(&since, "since", "", "only tickets changed since: RFC 3339, YYYY-MM-DD (the desk's time zone), or a duration back from now (36h, 7d)")
			fs.IntVar(&limit, "limit", 0, "at most N tickets (0: all)")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.StringVar(&kind, "kind", "", "only requests or only incidents (request, incident)")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q", args[0])
			}
			if limit < 0 {
				return usagef("--limit %d: want 0 or more", limit)
			}
			if kind != "" && kind != tickets.TicketRequest && kind != tickets.TicketIncident {
				return usagef("--kind %q: use request or incident", kind)
			}
			f := tickets.ListFilter{Kind: kind, Limit: limit}
			if status != "" {
				for _, v := range strings.Split(status, ",") {
					st, err := tickets.ParseStatus(v)
					if err != nil {
						return usagef("--status: %v", err)
					}
					f.Statuses = append(f.Statuses, st)
				}
			}
			if priority != "" {
				for _, p := range strings.Split(priority, ",") {
					pr, err := tickets.ParsePriority(p)
					if err != nil {
						return usagef("--priority: %v", err)
					}
					f.Priorities = append(f.Priorities, pr)
				}
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				if since != "" {
					t, err := parseSince(since, time.Now(), d.Config().Location())
					if err != nil {
						return err
					}
					f.Since = t
				}
				var err error
				if f.Category, err = listCategory(ctx, d, category); err != nil {
					return err
				}
				if f.Assignee, err = listAssignee(ctx, d, assignee); err != nil {
					return err
				}
				if asJSON {
					return streamJSON(ctx, e.stdout, d.Store, f)
				}
				return streamTable(ctx, e.stdout, d.Store, f)
			})
		},
	}
}

func ticketShow() *command {
	var showJSON bool
	return &command{
		name: "ticket show", args: "N [--json]", summary: "Show one ticket with its whole history.",
		flags: func(fs *flag.FlagSet) { fs.BoolVar(&showJSON, "json", false, "print JSON") },
		run: func(ctx context.Context, e *env, args []string) error {
			id, err := ticketID(args, 1, "a ticket number")
			if err != nil {
				return err
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				j, err := d.Store.Show(ctx, id)
				if err != nil {
					return err
				}
				if showJSON {
					j.Explain = nil
					return printJSON(e.stdout, j)
				}
				printShow(e.stdout, j, d.Config().Location())
				return nil
			})
		},
	}
}

func ticketExplain() *command {
	return &command{
		name: "ticket explain", args: "N", summary: "Why this category, priority and assignee.",
		run: func(ctx context.Context, e *env, args []string) error {
			id, err := ticketID(args, 1, "a ticket number")
			if err != nil {
				return err
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				tk, err := d.Store.Ticket(ctx, id)
				if err != nil {
					return err
				}
				if err := printExplain(e.stdout, tk); err != nil {
					return err
				}
				return printSimilarity(ctx, e.stdout, d, tk)
			})
		},
	}
}

// ticketAction is a coordinator's action on ticket N, with nargs more arguments at least: do runs
// in one transaction, then the mail it queued is sent.
func ticketAction(name, args, summary string, nargs int, extra func(fs *flag.FlagSet),
	do func(tx *tickets.Tx, tk *tickets.Ticket, who string, args []string) error) *command {
	var as string
	return &command{
		name: name, args: args, summary: summary,
		flags: func(fs *flag.FlagSet) {
			actorFlag(fs, &as)
			if extra != nil {
				extra(fs)
			}
		},
		run: func(ctx context.Context, e *env, argv []string) error {
			if len(argv) < 1 {
				return usagef("want %s", args)
			}
			id, err := ticketID(argv[:1], 1, args)
			if err != nil {
				return err
			}
			if len(argv)-1 < nargs {
				return usagef("want %s", args)
			}
			return withApp(ctx, e, 0, func(a *app) error {
				who, err := actor(a.desk, as)
				if err != nil {
					return err
				}
				err = a.desk.Do(ctx, id, time.Now(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
					return do(tx, tk, who, argv[1:])
				})
				if errors.Is(err, tickets.ErrAlready) {
					// A repeated status change succeeds as a no-op: a retried script mails nobody twice.
					fmt.Fprintf(e.stdout, "%v, nothing sent\n", err)
					return nil
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "ticket %d: done\n", id)
				a.deliver(ctx, e.stdout)
				return nil
			})
		},
	}
}

func printJSON(w io.Writer, v any) error { return tickets.EncodeJSON(w, v) }

// kindMark is how the table marks an incident and a linked request.
func kindMark(tk *tickets.Ticket) string {
	switch {
	case tk.IsIncident():
		return "[incident] "
	case tk.Incident != 0:
		return fmt.Sprintf("[→ #%d] ", tk.Incident)
	}
	return ""
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fmtTime shows a time in the desk's time zone, the zone named: "2026-11-26 11:00 CET"; a zone
// without an abbreviation of letters by its offset, "2026-11-26 11:00 UTC-3", as the mails say it
// (Go would write "-03").
func fmtTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "-"
	}
	in := t.In(loc)
	abbrev, offset := in.Zone()
	if strings.IndexFunc(abbrev, unicode.IsLetter) < 0 {
		abbrev = templates.UTCOffset(offset)
	}
	return in.Format("2006-01-02 15:04") + " " + abbrev
}

// printShow prints a ticket and its history for a person, times in loc (the desk's time zone).
func printShow(w io.Writer, j tickets.TicketJSON, loc *time.Location) {
	fmt.Fprintf(w, "#%d %s\n", j.ID, j.Subject)
	fmt.Fprintf(w, "  status %s · priority %s · category %s · tier %d · assignee %s\n", j.Status, j.Priority,
		dash(j.Category), j.Tier, dash(j.Assignee))
	fmt.Fprintf(w, "  requester %s · watchers %s · language %s · escalations %d\n", j.Requester,
		dash(strings.Join(j.Watchers, ", ")), j.Language, j.Escalations)
	fmt.Fprintf(w, "  created %s · first response %s (due %s) · resolve due %s\n", fmtTime(j.CreatedAt, loc),
		fmtTime(j.FirstResponseAt, loc), fmtTime(j.FirstResponseDue, loc), fmtTime(j.ResolveDue, loc))
	if j.Kind == tickets.TicketIncident && j.Linked != nil {
		ids := make([]string, len(*j.Linked))
		for i, id := range *j.Linked {
			ids[i] = fmt.Sprintf("#%d", id)
		}
		fmt.Fprintf(w, "  incident · %d linked: %s\n", len(ids), dash(strings.Join(ids, " ")))
	}
	if j.Incident != 0 {
		fmt.Fprintf(w, "  linked to incident #%d\n", j.Incident)
	}
	if j.Attachments != nil && len(*j.Attachments) > 0 {
		fmt.Fprintln(w, "  attachments:")
		for _, a := range *j.Attachments {
			om := ""
			if a.Omitted {
				om = " (omitted: over the size limit)"
			}
			fmt.Fprintf(w, "    %s (%s, %d bytes)%s\n", a.Name, a.ContentType, a.Size, om)
		}
	}
	fmt.Fprintln(w, "history:")
	for _, ev := range j.Events {
		vis := "internal"
		if ev.Public {
			vis = "public"
		}
		fmt.Fprintf(w, "  %s %-9s %-8s %s\n", fmtTime(&ev.At, loc), ev.Kind, vis, ev.Actor)
		for _, line := range strings.Split(strings.TrimSpace(ev.Text), "\n") {
			if line != "" {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
}

func printExplain(w io.Writer, tk *tickets.Ticket) error {
	if tk.Explain == "" {
		return errors.New("no explanation recorded for this ticket")
	}
	var ex tickets.Explanation
	if err := json.Unmarshal([]byte(tk.Explain), &ex); err != nil {
		return fmt.Errorf("decode explanation: %w", err)
	}
	fmt.Fprintf(w, "#%d %s\n", tk.ID, tk.Subject)
	fmt.Fprintf(w, "category %s (now %s)\n", dash(ex.Category), dash(tk.Category))
	for _, r := range ex.CategoryReason {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	if len(ex.Scores) > 0 {
		fmt.Fprintln(w, "  model scores:")
		type kv struct {
			k string
			v float64
		}
		var s []kv
		for k, v := range ex.Scores {
			s = append(s, kv{k, v})
		}
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if s[j].v > s[i].v {
					s[i], s[j] = s[j], s[i]
				}
			}
		}
		for _, x := range s {
			fmt.Fprintf(w, "    %-12s %.3f\n", x.k, x.v)
		}
	}
	fmt.Fprintf(w, "priority %s (now %s)\n", ex.Priority, tk.Priority)
	for _, r := range ex.PriorityReason {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	fmt.Fprintf(w, "assignee %s (now %s)\n", dash(ex.Assignee), dash(tk.Assignee))
	for _, r := range ex.AssignReason {
		fmt.Fprintf(w, "  - %s\n", r)
	}
	return nil
}

// printSimilarity explains, for ticket explain, the incident a request was linked to and the
// known answers: each alike resolved ticket's BM25 score, term by term.
func printSimilarity(ctx context.Context, w io.Writer, d *tickets.Desk, tk *tickets.Ticket) error {
	var ex tickets.Explanation
	_ = json.Unmarshal([]byte(tk.Explain), &ex)
	if ex.Incident != 0 {
		fmt.Fprintf(w, "incident #%d (now %s)\n", ex.Incident, dash(incidentNow(tk)))
		for _, r := range ex.IncidentReason {
			fmt.Fprintf(w, "  - %s\n", r)
		}
	}
	similar, err := d.Similar(ctx, tk.ID, 3)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "known answers (%s BM25 over subject and text; similarity = score / the ticket's own score)\n", d.Store.SearchDialect())
	if len(similar) == 0 {
		fmt.Fprintln(w, "  - no alike resolved ticket")
	}
	for _, m := range similar {
		sx, err := d.ExplainSimilarity(ctx, tk.ID, m.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  #%d %s: score %.2f of %.2f, similarity %.0f%%\n", m.ID, clip(m.Subject, 50), sx.Score, sx.Self, 100*sx.Similarity)
		var parts []string
		for _, t := range sx.Terms {
			if t.Score > 0 {
				parts = append(parts, fmt.Sprintf("%s %.2f", t.Term, t.Score))
			}
		}
		fmt.Fprintf(w, "    terms: %s\n", dash(strings.Join(parts, " + ")))
	}
	return nil
}

func incidentNow(tk *tickets.Ticket) string {
	if tk.Incident == 0 {
		return ""
	}
	return fmt.Sprintf("#%d", tk.Incident)
}

func ticketSimilar() *command {
	var asJSON bool
	var limit int
	return &command{
		name: "ticket similar", args: "N [--limit K] [--json]", summary: "Resolved tickets like ticket N, with their notes (known answers).",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			fs.IntVar(&limit, "limit", 3, "how many")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			id, err := ticketID(args, 1, "a ticket number")
			if err != nil {
				return err
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				ms, err := d.Similar(ctx, id, limit)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(e.stdout, ms)
				}
				if len(ms) == 0 {
					fmt.Fprintf(e.stdout, "no resolved ticket like #%d\n", id)
					return nil
				}
				for _, m := range ms {
					fmt.Fprintf(e.stdout, "#%d  %3.0f%%  %s  %s\n", m.ID, 100*m.Similarity, m.Status, clip(m.Subject, 60))
					for _, line := range strings.Split(strings.TrimSpace(m.Note), "\n") {
						fmt.Fprintf(e.stdout, "      %s\n", line)
					}
				}
				fmt.Fprintf(e.stdout, "(reply with #reuse N to send a note under your name)\n")
				return nil
			})
		},
	}
}

func ticketOpen() *command {
	var from, name, subject, lang, cc, as string
	return &command{
		name: "ticket open", args: "--from EMAIL --subject TEXT [--name NAME] [--cc EMAIL,…] [--lang fr|en] TEXT",
		summary: "Open a ticket for a request made by phone or in person; the requester is acknowledged.",
		flags: func(fs *flag.FlagSet) {
			actorFlag(fs, &as)
			fs.StringVar(&from, "from", "", "the requester's address (required)")
			fs.StringVar(&name, "name", "", "the requester's name")
			fs.StringVar(&subject, "subject", "", "the subject (required)")
			fs.StringVar(&lang, "lang", "", "the requester's language: fr, en or another of the templates (default: detected from the text)")
			fs.StringVar(&cc, "cc", "", "watchers, comma-separated")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			text := strings.TrimSpace(strings.Join(args, " "))
			from = strings.ToLower(strings.TrimSpace(from))
			if from == "" || !strings.Contains(from, "@") || strings.TrimSpace(subject) == "" || text == "" {
				return usagef("want --from EMAIL --subject TEXT and the request's text")
			}
			return withApp(ctx, e, 0, func(a *app) error {
				d := a.desk
				if langs := templates.Available(a.config().Templates); lang != "" && !slices.Contains(langs, lang) {
					return usagef("--lang %q: use %s", lang, strings.Join(langs, ", "))
				}
				if lang == "" {
					lang = tickets.DetectLanguage("", subject+"\n"+text, d.Config().Desk.Language)
				}
				var watchers []string
				for _, w := range strings.Split(cc, ",") {
					if w = strings.TrimSpace(w); w != "" {
						watchers = append(watchers, w)
					}
				}
				var tk *tickets.Ticket
				who, err := actor(d, as)
				if err != nil {
					return err
				}
				if err := d.Update(ctx, time.Now(), func(tx *tickets.Tx) error {
					var err error
					tk, err = tx.Open(tickets.NewTicket{Subject: subject, Text: text, Requester: from, RequesterName: name,
						Watchers: watchers, Language: lang, Actor: who})
					return err
				}); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "ticket %d opened: %s, %s, assigned to %s\n", tk.ID, dash(tk.Category), tk.Priority, dash(tk.Assignee))
				a.deliver(ctx, e.stdout)
				return nil
			})
		},
	}
}
