package main

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskd/deskd/tickets"
)

// streamJSON prints the tickets a filter selects as one JSON array, a ticket at a time: the same
// bytes as printJSON of the whole list, in memory for one ticket.
func streamJSON(ctx context.Context, w io.Writer, s *tickets.Store, f tickets.ListFilter) error {
	return s.EncodeList(ctx, w, f)
}

// tableHead is how many rows set the table's column widths; later rows are written as they come,
// with the same widths (a longer cell pushes its line, no more).
const tableHead = 1000

// streamTable prints the tickets a filter selects as a table, a row at a time after the first
// tableHead.
func streamTable(ctx context.Context, w io.Writer, s *tickets.Store, f tickets.ListFilter) error {
	bw := bufio.NewWriter(w)
	head := [][]string{{"ID", "STATUS", "PRIORITY", "CATEGORY", "TIER", "ASSIGNEE", "REQUESTER", "SUBJECT"}}
	var widths []int
	write := func(row []string) {
		for i, cell := range row {
			if i == len(row)-1 {
				bw.WriteString(cell)
				break
			}
			bw.WriteString(cell)
			bw.WriteString(strings.Repeat(" ", max(widths[i]-utf8.RuneCountInString(cell), 0)+2))
		}
		bw.WriteByte('\n')
	}
	flushHead := func() {
		widths = make([]int, len(head[0]))
		for _, row := range head {
			for i, cell := range row {
				widths[i] = max(widths[i], utf8.RuneCountInString(cell))
			}
		}
		for _, row := range head {
			write(row)
		}
		head = nil
	}
	err := s.EachTicket(ctx, f, func(tk *tickets.Ticket) error {
		row := []string{strconv.FormatInt(tk.ID, 10), string(tk.Status), tk.Priority.String(), dash(tk.Category),
			strconv.Itoa(tk.Tier), dash(tk.Assignee), tk.Requester, clip(kindMark(tk)+tk.Subject, 50)}
		if head != nil {
			if head = append(head, row); len(head) > tableHead {
				flushHead()
			}
			return nil
		}
		write(row)
		return nil
	})
	if err != nil {
		return err
	}
	if head != nil {
		flushHead()
	}
	return bw.Flush()
}

// parseSince reads --since: an RFC 3339 time, a day (YYYY-MM-DD, from its midnight in loc), or a
// duration back from now ("36h", "90m", "7d").
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("--since %q: want RFC 3339 (2026-11-26T09:00:00+01:00), a day (2026-11-26) or a duration (36h, 7d)", s)
}

// listCategory checks --category as --priority and --status are checked: a category of the
// configuration, or one that tickets still have (a category since removed); else a usage error
// that lists the desk's categories. "" is no filter.
func listCategory(ctx context.Context, d *tickets.Desk, name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", nil
	}
	cfg := d.Config()
	if _, ok := cfg.Category(name); ok {
		return name, nil
	}
	if used, err := anyTicket(ctx, d.Store, tickets.ListFilter{Category: name}); err != nil || used {
		return name, err
	}
	names := make([]string, len(cfg.Categories))
	for i, c := range cfg.Categories {
		names[i] = c.Name
	}
	return "", usagef("--category %q: no such category (%s)", name, strings.Join(names, ", "))
}

// listAssignee checks --assignee: a technician of the team (by address or alias: their
// tickets, even none yet), or an address tickets are assigned to (a former technician); else a
// usage error that lists the team. "" is no filter.
func listAssignee(ctx context.Context, d *tickets.Desk, addr string) (string, error) {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	if addr == "" {
		return "", nil
	}
	cfg := d.Config()
	if t, ok := cfg.Technician(addr); ok {
		return t.Email, nil
	}
	if used, err := anyTicket(ctx, d.Store, tickets.ListFilter{Assignee: addr}); err != nil || used {
		return addr, err
	}
	team := make([]string, len(cfg.Technicians))
	for i, t := range cfg.Technicians {
		team[i] = t.Email
	}
	return "", usagef("--assignee %q: not on the team, and no ticket is assigned to it (%s)", addr, strings.Join(team, ", "))
}

// anyTicket reports whether the filter selects at least one ticket.
func anyTicket(ctx context.Context, s *tickets.Store, f tickets.ListFilter) (bool, error) {
	f.Limit = 1
	found := false
	err := s.EachTicket(ctx, f, func(*tickets.Ticket) error {
		found = true
		return nil
	})
	return found, err
}
