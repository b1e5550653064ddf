package tickets

import "time"

// Mail kinds: the X-Deskd-Kind of every mail the desk sends, and the template it is rendered with.
const (
	KindAck       = "ack"
	KindAssigned  = "assigned"
	KindReply     = "reply"
	KindResolved  = "resolved"
	KindEscalated = "escalated"
	KindRejected  = "rejected"
	KindUpdate    = "update"
	KindDigest    = "digest"
	KindReminder  = "reminder"
	KindIncident  = "incident" // An incident's status, to the [incidents] announce address.
	KindSignIn    = "signin"   // A staff member's link to sign in to the web desk.
)

// MailKinds lists every kind, for templates and checks.
var MailKinds = []string{KindAck, KindAssigned, KindReply, KindResolved, KindEscalated, KindRejected, KindUpdate, KindDigest, KindReminder, KindIncident, KindSignIn}

// Notice is what a queued mail says: the data its template is rendered with. It is stored as
// JSON in the outbox when the mail is queued, so the mail tells what was true at that moment.
type Notice struct {
	DeskName      string     `json:"desk_name"`
	DeskAddress   string     `json:"desk_address"`
	Tag           string     `json:"tag"`
	Recipient     string     `json:"recipient"` // Main recipient's address.
	RecipientName string     `json:"recipient_name"`
	Audience      string     `json:"audience"` // "requester" or "staff".
	Ticket        TicketInfo `json:"ticket"`
	Actor         string     `json:"actor,omitempty"`
	ActorName     string     `json:"actor_name,omitempty"`
	Signature     string     `json:"signature,omitempty"` // "Alice Martin — Support Informatique".
	Event         string     `json:"event,omitempty"`     // For updates: message, note, closed, reopened, priority, status, watcher.
	Text          string     `json:"text,omitempty"`      // A reply's or a message's visible text.
	Note          string     `json:"note,omitempty"`      // Resolution or internal note.
	Reason        string     `json:"reason,omitempty"`    // Escalation reason.
	Questions     []string   `json:"questions,omitempty"` // The category's questions.
	Problems      []string   `json:"problems,omitempty"`  // Rejected: what was wrong.
	Command       string     `json:"command,omitempty"`   // Rejected: the offending line.
	// Kept (rejected): the staff mail was not authenticated and is kept as an internal note;
	// Direct: the requester was among its recipients, so had it without the desk.
	Kept    bool    `json:"kept,omitempty"`
	Direct  bool    `json:"direct,omitempty"`
	History []Entry `json:"history,omitempty"` // Escalated: the ticket's story so far.
	Digest  *Digest `json:"digest,omitempty"`
	// Source is the Message-ID of the incoming mail whose attachments go with this mail: the
	// requester's files reach the technician, a technician's files reach the requester.
	Source string `json:"source,omitempty"`
	// AllAttachments sends every file of the ticket (the history for an escalation's specialist).
	AllAttachments bool `json:"all_attachments,omitempty"`
	// Deadline and Due say which SLA deadline a reminder or a desk escalation is about
	// (DeadlineFirstResponse or DeadlineResolve) and when it fell due, so that each template
	// words it in its own language.
	Deadline string    `json:"deadline,omitempty"`
	Due      time.Time `json:"due,omitempty"`
	// TopTier marks an escalation at the top tier: only the priority rose, nobody took it over.
	TopTier bool `json:"top_tier,omitempty"`
	// Stayed marks an escalation below the top tier that nobody of a higher tier was available to
	// take: only the priority rose, the ticket stays with its holder at their tier.
	Stayed bool `json:"stayed,omitempty"`
	// Unchanged marks a desk escalation of a ticket already at the top tier and urgent: nothing
	// rose, nobody took it over; the coordinators have to see to it.
	Unchanged bool `json:"unchanged,omitempty"`
	// Incident is the incident a request is linked to: its acknowledgement says the problem is
	// known, a technician's "linked" update says who holds it.
	Incident *TicketInfo `json:"incident,omitempty"`
	// Linked lists an incident's linked requests (its assignment, its announcements), at most
	// DigestListMax; Size counts them all.
	Linked []TicketInfo `json:"linked,omitempty"`
	Size   int          `json:"size,omitempty"`
	// Similar are resolved tickets like this one, with their notes: the assignment notice shows
	// them, #reuse N sends one's note.
	Similar []KnownAnswer `json:"similar,omitempty"`
	// Escalations lists the tickets one run of the escalation job escalated, at most
	// EscalationListMax; EscalationsTotal counts them all. Coordinators get one mail per run.
	Escalations      []TicketInfo `json:"escalations,omitempty"`
	EscalationsTotal int          `json:"escalations_total,omitempty"`
	// Names are the display names of the mail's recipients, by address, for its To and Cc
	// headers; an address without a known name is not in it.
	Names map[string]string `json:"names,omitempty"`
	// SignIn is the nonce of a staff sign-in request (KindSignIn): the link is made from it, with
	// the desk secret, only when the mail is sent, so the outbox holds nothing that signs in.
	SignIn string `json:"sign_in,omitempty"`
	// WrittenBy is who wrote a request on its requester's behalf (an assignment notice).
	WrittenBy string `json:"written_by,omitempty"`
	// Conversation is Outlook's conversation of the ticket, for the Thread-Index and Thread-Topic
	// of its mails; zero for a mail about no ticket.
	Conversation Conversation `json:"conversation,omitzero"`
	// LeftOut are the files the mail should carry but does not (too large), found when it is sent:
	// the mail names them and says why.
	LeftOut []LeftOut `json:"-"`
	// Links are the web desk's signed links for the mail's recipient, made when it is sent and
	// never stored.
	Links Links `json:"-"`
}

// KnownAnswer is a resolved ticket like the one a mail is about.
type KnownAnswer struct {
	ID         int64     `json:"id"`
	Subject    string    `json:"subject"`
	Note       string    `json:"note"`       // Its resolution note.
	Similarity int       `json:"similarity"` // Percent: 100 is the same text.
	ResolvedAt time.Time `json:"resolved_at"`
	Requests   int       `json:"requests,omitempty"` // An incident's: the requests linked to it, which its note answered.
}

// Links are the web desk's links in a mail, each signed for its recipient; "" when the web desk
// is off or the mail has none.
type Links struct {
	Page     string // The requester's follow-up page of the ticket.
	Solved   string // "Was your problem solved?": yes.
	Unsolved string // …: no.
	SignIn   string // A staff member's sign-in link (KindSignIn).
}

// attachable lists the kinds that carry the files of the mail that caused them. An
// acknowledgement never echoes a requester's files back.
var attachable = map[string]bool{KindAssigned: true, KindUpdate: true, KindReply: true, KindResolved: true}

// TicketInfo is a snapshot of a ticket for a mail.
type TicketInfo struct {
	ID               int64     `json:"id"`
	Subject          string    `json:"subject"`
	Requester        string    `json:"requester"`
	RequesterName    string    `json:"requester_name"`
	Status           string    `json:"status"`
	Priority         string    `json:"priority"`
	Category         string    `json:"category"`
	CategoryLabel    string    `json:"category_label"`
	Assignee         string    `json:"assignee"`
	AssigneeName     string    `json:"assignee_name"`
	Tier             int       `json:"tier"`
	Escalations      int       `json:"escalations"`
	CreatedAt        time.Time `json:"created_at"`
	FirstResponseAt  time.Time `json:"first_response_at"`
	FirstResponseDue time.Time `json:"first_response_due"`
	ResolveDue       time.Time `json:"resolve_due"`
	// NextDue is the deadline the ticket is working towards: the first response until it is
	// given, then the resolution; zero when the ticket is not active.
	NextDue  time.Time `json:"next_due"`
	Kind     string    `json:"kind,omitempty"`     // "incident" for an incident.
	Incident int64     `json:"incident,omitempty"` // The incident it is linked to.
	Size     int       `json:"size,omitempty"`     // An incident's linked requests (digests).
	// NoSpecialist marks, in an escalation run's summary, a ticket nobody of a higher tier was
	// available to take: it stayed with its holder.
	NoSpecialist bool `json:"no_specialist,omitempty"`
}

// Entry is one event of a ticket's history, as shown in a mail.
type Entry struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Public bool      `json:"public"`
	Text   string    `json:"text"`
	// Phrase is a line the desk wrote: queue words it into Text in the mail's language.
	Phrase *Phrase `json:"phrase,omitempty"`
}

// Mail is an outbox entry to queue: one mail to one set of recipients in one language.
type Mail struct {
	Kind      string
	TicketID  int64 // 0 for mails about no ticket (digests).
	To        []string
	Cc        []string
	Language  string
	Automatic bool // Counts against the per-address hourly limit.
	Notice    Notice
	// Withheld says why the mail is not to be sent ("" sends it): it is recorded, suppressed,
	// and still the thread's root when it is a ticket's first mail.
	Withheld string
	// withheldWhy is Withheld as a phrase, for the history (nil: Withheld is written as it is).
	withheldWhy *Phrase
	// id is the mail's Message-ID when its caller chose it (a new ticket's root), "" for a new one.
	id string
}
