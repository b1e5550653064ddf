package tickets

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// TicketJSON is a ticket as `deskd ticket list --json` prints it (the contract's shape).
type TicketJSON struct {
	ID               int64           `json:"id"`
	Subject          string          `json:"subject"`
	Requester        string          `json:"requester"`
	Status           string          `json:"status"`
	Priority         string          `json:"priority"`
	Category         string          `json:"category"`
	Assignee         string          `json:"assignee"`
	Tier             int             `json:"tier"`
	Watchers         []string        `json:"watchers"`
	Language         string          `json:"language"`
	Escalations      int             `json:"escalations"`
	CreatedAt        *time.Time      `json:"created_at"`
	UpdatedAt        *time.Time      `json:"updated_at"`
	FirstResponseAt  *time.Time      `json:"first_response_at"`
	FirstResponseDue *time.Time      `json:"first_response_due"`
	ResolveDue       *time.Time      `json:"resolve_due"`
	ResolvedAt       *time.Time      `json:"resolved_at"`
	LinkedTicket     int64           `json:"linked_ticket,omitempty"`
	Kind             string          `json:"kind"`               // "request" or "incident".
	Incident         int64           `json:"incident,omitempty"` // The incident a request is linked to.
	Linked           *[]int64        `json:"linked,omitempty"`   // An incident's linked requests, oldest first.
	Events           []EventJSON     `json:"events,omitempty"`
	Attachments      *[]AttachJSON   `json:"attachments,omitempty"`
	Explain          json.RawMessage `json:"explain,omitempty"`
}

// EventJSON is one history line in `deskd ticket show --json`.
type EventJSON struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Public bool      `json:"public"`
	Text   string    `json:"text"` // As stored: the desk's own lines in JournalLanguage.
	// Phrase is a line the desk wrote, as code and arguments (the templates' [phrase] words
	// it in any language); absent for what a person wrote and for lines written before.
	Phrase *Phrase `json:"phrase,omitempty"`
}

// AttachJSON is one attachment in `deskd ticket show --json`.
type AttachJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Omitted     bool   `json:"omitted,omitempty"`
}

func ptime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// JSON converts a ticket to its contract form (without events).
func (tk *Ticket) JSON() TicketJSON {
	w := tk.Watchers
	if w == nil {
		w = []string{}
	}
	return TicketJSON{
		ID: tk.ID, Subject: tk.Subject, Requester: tk.Requester, Status: string(tk.Status),
		Priority: tk.Priority.String(), Category: tk.Category, Assignee: tk.Assignee, Tier: tk.Tier,
		Watchers: w, Language: tk.Language, Escalations: tk.Escalations, CreatedAt: ptime(tk.CreatedAt),
		UpdatedAt: ptime(tk.UpdatedAt), FirstResponseAt: ptime(tk.FirstResponseAt),
		FirstResponseDue: ptime(tk.FirstResponseDue), ResolveDue: ptime(tk.ResolveDue),
		ResolvedAt: ptime(tk.ResolvedAt), LinkedTicket: tk.LinkedTicket, Kind: tk.Kind, Incident: tk.Incident,
	}
}

// JSONs converts tickets to their contract form, an incident with its linked requests.
func (s *Store) JSONs(ctx context.Context, list []*Ticket) ([]TicketJSON, error) {
	out := make([]TicketJSON, 0, len(list))
	for _, tk := range list {
		j := tk.JSON()
		if tk.IsIncident() {
			ids, err := s.Linked(ctx, tk.ID)
			if err != nil {
				return nil, err
			}
			j.Linked = &ids
		}
		out = append(out, j)
	}
	return out, nil
}

// Linked returns the requests linked to an incident, oldest first.
func (s *Store) Linked(ctx context.Context, incident int64) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM tickets WHERE incident = ? AND incident != 0 ORDER BY id`, incident)
	if err != nil {
		return nil, fmt.Errorf("linked tickets: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ListFilter selects tickets.
type ListFilter struct {
	Status     Status   // "" for all.
	Statuses   []Status // Any of these (with Status, if set); nil for all.
	Assignee   string
	Category   string     // "" for all.
	Priorities []Priority // nil for all.
	Since      time.Time  // Only tickets updated at or after it; zero for all.
	Kind       string     // TicketRequest or TicketIncident; "" for both.
	Limit      int        // 0 for no limit.
}

// List returns tickets, newest first.
func (s *Store) List(ctx context.Context, f ListFilter) ([]*Ticket, error) {
	var out []*Ticket
	err := s.EachTicket(ctx, f, func(tk *Ticket) error {
		out = append(out, tk)
		return nil
	})
	return out, err
}

// Ticket loads one ticket.
func (s *Store) Ticket(ctx context.Context, id int64) (*Ticket, error) {
	return loadTicket(ctx, s.r, id)
}

// Events returns a ticket's history, oldest first.
func (s *Store) Events(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, ticket_id, at, kind, actor, public, text, message_id, phrase
		FROM events WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var phrase string
		if err := rows.Scan(&e.ID, &e.TicketID, &at, &e.Kind, &e.Actor, &e.Public, &e.Text, &e.MessageID, &phrase); err != nil {
			return nil, err
		}
		e.At = time.Unix(at, 0).UTC()
		e.Phrase = readPhrase(phrase)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Attachments lists a ticket's attachments.
func (s *Store) Attachments(ctx context.Context, id int64) ([]Attachment, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, ticket_id, name, content_type, size, omitted
		FROM attachments WHERE ticket_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.TicketID, &a.Name, &a.ContentType, &a.Size, &a.Omitted); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Show returns a ticket with its history and attachments, in the contract's JSON form.
func (s *Store) Show(ctx context.Context, id int64) (TicketJSON, error) {
	tk, err := s.Ticket(ctx, id)
	if err != nil {
		return TicketJSON{}, err
	}
	js, err := s.JSONs(ctx, []*Ticket{tk})
	if err != nil {
		return TicketJSON{}, err
	}
	j := js[0]
	evs, err := s.Events(ctx, id)
	if err != nil {
		return j, err
	}
	j.Events = []EventJSON{}
	for _, e := range evs {
		j.Events = append(j.Events, EventJSON{At: e.At, Kind: e.Kind, Actor: e.Actor, Public: e.Public, Text: e.Text, Phrase: e.Phrase})
	}
	atts, err := s.Attachments(ctx, id)
	if err != nil {
		return j, err
	}
	aj := []AttachJSON{}
	for _, a := range atts {
		aj = append(aj, AttachJSON{Name: a.Name, ContentType: a.ContentType, Size: a.Size, Omitted: a.Omitted})
	}
	j.Attachments = &aj
	if tk.Explain != "" {
		j.Explain = json.RawMessage(tk.Explain)
	}
	return j, nil
}

// EncodeList writes the tickets a filter selects as `deskd ticket list --json` and the web desk's
// API print them: EncodeJSON's array of TicketJSON, an incident with its linked requests, written
// a ticket at a time as they are read (memory for one ticket, whatever the size of the desk).
func (s *Store) EncodeList(ctx context.Context, w io.Writer, f ListFilter) error {
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ") // Each element sits one level into the array, as EncodeJSON puts it.
	enc.SetEscapeHTML(false)
	n := 0
	err := s.EachTicket(ctx, f, func(tk *Ticket) error {
		js, err := s.JSONs(ctx, []*Ticket{tk})
		if err != nil {
			return err
		}
		buf.Reset()
		if err := enc.Encode(js[0]); err != nil {
			return err
		}
		sep := ",\n  "
		if n == 0 {
			sep = "[\n  "
		}
		n++
		if _, err := bw.WriteString(sep); err != nil {
			return err
		}
		_, err = bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	})
	if err != nil {
		return err
	}
	end := "\n]\n"
	if n == 0 {
		end = "[]\n"
	}
	if _, err := bw.WriteString(end); err != nil {
		return err
	}
	return bw.Flush()
}

// EncodeJSON writes v as `deskd ticket list --json` and the web desk's API write tickets:
// indented, HTML characters as they are.
func EncodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
