package tickets

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// ticketRefRE is a query that is only a ticket's reference: "12", "#12", "HD #12", "[HD #12]"
// (the tag is checked by TicketRef).
var ticketRefRE = regexp.MustCompile(`^\[?\s*(?:([A-Za-z0-9._-]*[A-Za-z._-][A-Za-z0-9._-]*)\s*)?#?\s*(\d{1,12})\s*\]?$`)

// TicketRef reads a search query that is exactly a ticket's reference, with or without the desk's
// subject tag: "12", "#12", "HD #12", "[HD #12]". It returns the ticket's number, or 0.
func TicketRef(query, tag string) int64 {
	m := ticketRefRE.FindStringSubmatch(strings.TrimSpace(query))
	if m == nil || (m[1] != "" && !strings.EqualFold(m[1], tag)) {
		return 0
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// referencedTickets are the tickets a query names: the whole query as a reference (TicketRef), or
// each "[TAG #N]" in it (a subject pasted from a mail); in order, once each.
func referencedTickets(query, tag string) []int64 {
	if n := TicketRef(query, tag); n > 0 {
		return []int64{n}
	}
	var out []int64
	for _, m := range tagRE.FindAllStringSubmatch(query, -1) {
		if n, err := strconv.ParseInt(m[2], 10, 64); err == nil && strings.EqualFold(m[1], tag) && !containsID(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// withReferenced puts the tickets the query names first (those that exist), then the others
// found by their words, at most limit in all.
func withReferenced(ctx context.Context, q querier, refs []int64, found []Match, limit int) ([]Match, error) {
	var first []Match
	for _, id := range refs {
		tk, err := loadTicket(ctx, q, id)
		if errors.Is(err, ErrNoTicket) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ms, err := matches(ctx, q, []rankedTicket{{id: tk.ID}}, 0)
		if err != nil {
			return nil, err
		}
		first = append(first, ms...)
	}
	if len(first) == 0 {
		return found, nil
	}
	out := first
	for _, m := range found {
		if len(out) >= limit {
			break
		}
		if !containsID(refs, m.ID) {
			out = append(out, m)
		}
	}
	return out, nil
}
