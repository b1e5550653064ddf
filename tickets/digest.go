package tickets

import "time"

// Digest is what a coordinator's digest mail reports.
type Digest struct {
	Since        time.Time      `json:"since"` // The previous digest, or the zero time.
	Now          time.Time      `json:"now"`
	Open         int            `json:"open"` // Tickets new, open or pending.
	ByPriority   map[string]int `json:"by_priority"`
	ByStatus     map[string]int `json:"by_status"`
	Unassigned   []TicketInfo   `json:"unassigned"`
	Breached     []TicketInfo   `json:"breached"`
	DueSoon      []TicketInfo   `json:"due_soon"` // Due in the next four hours.
	Escalated    []TicketInfo   `json:"escalated"`
	Resolved     []TicketInfo   `json:"resolved"`
	Load         []Load         `json:"load"`
	Oldest       []TicketInfo   `json:"oldest"`
	Unclassified []TicketInfo   `json:"unclassified"`
}

// Load is one technician's open work.
type Load struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Tier   int    `json:"tier"`
	Open   int    `json:"open"`
	Weight int    `json:"weight"` // Open tickets weighted by priority.
	Away   bool   `json:"away"`
}
