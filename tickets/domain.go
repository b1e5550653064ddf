// Package tickets is the core of deskd: the ticket domain, its SQLite store, and the help-desk
// policy (classification, assignment, commands, SLA and escalation, digests). It knows nothing of
// IMAP or SMTP: operations append events and queue outbox entries that the mailout package sends.
package tickets

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is where a ticket stands.
type Status string

// Ticket statuses.
const (
	StatusNew      Status = "new"      // Not assigned yet.
	StatusOpen     Status = "open"     // Assigned, being worked on.
	StatusPending  Status = "pending"  // Waiting on the requester; SLA clocks stop.
	StatusResolved Status = "resolved" // Solved, with a resolution note; a reply reopens it.
	StatusClosed   Status = "closed"   // Final.
)

// transitions lists the allowed status changes.
var transitions = map[Status][]Status{
	StatusNew:      {StatusOpen, StatusPending, StatusResolved},
	StatusOpen:     {StatusPending, StatusResolved},
	StatusPending:  {StatusOpen, StatusResolved},
	StatusResolved: {StatusOpen, StatusClosed},
	StatusClosed:   nil,
}

// CanMove reports whether a ticket may go from one status to another.
func CanMove(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Active reports whether the ticket is still being worked on (SLA clocks may run).
func (s Status) Active() bool { return s == StatusNew || s == StatusOpen || s == StatusPending }

// ParseStatus parses a status name.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := transitions[st]; !ok {
		return "", fmt.Errorf("unknown status %q (new, open, pending, resolved, closed)", s)
	}
	return st, nil
}

// Priority orders tickets by urgency.
type Priority int

// Priorities, lowest first.
const (
	PriorityLow Priority = iota
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

var priorityNames = []string{"low", "normal", "high", "urgent"}

func (p Priority) String() string {
	if p < PriorityLow || p > PriorityUrgent {
		return fmt.Sprintf("priority(%d)", int(p))
	}
	return priorityNames[p]
}

// Raise returns the next priority up; urgent stays urgent.
func (p Priority) Raise() Priority { return min(p+1, PriorityUrgent) }

// ParsePriority parses a priority name, in English or French.
func ParsePriority(s string) (Priority, error) {
	switch Fold(strings.TrimSpace(s)) {
	case "low", "basse", "bas", "faible":
		return PriorityLow, nil
	case "normal", "normale", "moyenne", "medium":
		return PriorityNormal, nil
	case "high", "haute", "elevee", "haut":
		return PriorityHigh, nil
	case "urgent", "urgente", "critical", "critique":
		return PriorityUrgent, nil
	}
	return 0, fmt.Errorf("unknown priority %q (low, normal, high, urgent)", s)
}

// Errors of the domain operations.
var (
	ErrNoTicket     = errors.New("no such ticket")
	ErrNoteRequired = errors.New("a resolution note is required")
	ErrTransition   = errors.New("status change not allowed")
	ErrClosed       = errors.New("ticket is closed")
	ErrNotStaff     = errors.New("not a technician")
	ErrNoTechnician = errors.New("no technician available")
	// ErrAlready is a status change repeated: the ticket is already there, nothing is done
	// again (no mail, no history line).
	ErrAlready = errors.New("nothing done")
)

// Ticket is one help-desk request and its state.
type Ticket struct {
	ID               int64
	Subject          string
	Requester        string // Lower-case address.
	RequesterName    string
	Status           Status
	Priority         Priority
	Category         string // "" when unknown.
	Assignee         string // Lower-case address, "" when unassigned.
	Tier             int
	Watchers         []string
	Language         string // "fr" or "en": the language of mail to the requester.
	Escalations      int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	FirstResponseAt  time.Time // Zero until a technician answered publicly.
	FirstResponseDue time.Time // Zero when not counting.
	ResolveDue       time.Time // Zero when not counting.
	ResolvedAt       time.Time
	ClosedAt         time.Time
	PendingSince     time.Time     // Zero unless pending.
	Paused           time.Duration // Business time spent pending, added to the deadlines.
	OriginMessageID  string        // The requester's first Message-ID.
	RootMessageID    string        // The desk's first Message-ID for this ticket: every mail threads under it.
	LinkedTicket     int64         // A ticket this one follows up, 0 if none.
	Explain          string        // JSON: why this category, priority and assignee.
	RemindedDue      time.Time     // The resolve deadline a reminder was sent for.
	BreachedDue      time.Time     // The deadline whose breach was last escalated.
	Kind             string        // TicketRequest or TicketIncident.
	Incident         int64         // The incident this ticket is linked to, 0 if none.
}

// Ticket kinds.
const (
	TicketRequest  = "request"  // Someone's request.
	TicketIncident = "incident" // One problem many requests are about: they are linked to it.
)

// IsIncident reports whether the ticket is an incident.
func (tk *Ticket) IsIncident() bool { return tk.Kind == TicketIncident }

// Event is one line of a ticket's history.
type Event struct {
	ID        int64
	TicketID  int64
	At        time.Time
	Kind      string // message, reply, note, status, priority, assign, escalate, notify, rejected, …
	Actor     string // An address, or "deskd" for the desk itself.
	Public    bool   // Seen by the requester.
	Text      string
	MessageID string // The mail this event came from, if any.
	// Phrase is what the desk wrote, to be worded in the reader's language (Text is it in
	// JournalLanguage); nil for what a person wrote and for lines written before phrases.
	Phrase *Phrase
}

// Event kinds.
const (
	EventMessage  = "message"
	EventReply    = "reply"
	EventNote     = "note"
	EventStatus   = "status"
	EventPriority = "priority"
	EventAssign   = "assign"
	EventEscalate = "escalate"
	EventNotify   = "notify"
	EventRejected = "rejected"
	EventCategory = "category"
	EventWatcher  = "watcher"
	EventCopied   = "cc" // People a mail copied who were not made watchers, and why.
	EventBounce   = "bounce"
	EventAutoMail = "auto-reply"
	EventRemind   = "reminder"
	EventFailed   = "send-failed"
)

// ActorDesk is the actor of events the desk does by itself.
const ActorDesk = "deskd"

// Attachment is a file received with a ticket's mail.
type Attachment struct {
	ID          int64
	TicketID    int64
	Name        string
	ContentType string
	Size        int64
	Omitted     bool // Over the size limit: recorded, not stored.
}

// Fold lower-cases s and removes French accents, for matching words.
//
// It reads s once: ASCII is lower-cased in place of strings.ToLower's copy, and only the other
// runes are looked up among the accents (a generated mail's parse folded 3,545 strings, 2.7k
// instructions each, half of them in the look-ups of ASCII letters). ASCII without capitals is
// returned as it is.
func Fold(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:]) // RuneError for a byte that is not UTF-8, as strings.ToLower gives.
		i += n
		r = unicode.ToLower(r)
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var accentFold = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ã': "a", 'å': "a",
	'ç': "c", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ì': "i",
	'ô': "o", 'ö': "o", 'ó': "o", 'ò': "o", 'õ': "o",
	'ù': "u", 'û': "u", 'ü': "u", 'ú': "u", 'ÿ': "y", 'ñ': "n",
	'œ': "oe", 'æ': "ae", 'ß': "ss", '’': "'",
}
