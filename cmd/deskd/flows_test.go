package main

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestFlowOpen is the harness's own check: a request opens a ticket, acknowledged in the
// requester's language, and the assignee is told.
func TestFlowOpen(t *testing.T) {
	f := newFlow(t, "")
	tk := f.open(msg{from: "celine@corp.example", name: "Céline Dupré", subject: "Le VPN ne se connecte plus",
		body: "Bonjour,\n\nLe VPN refuse de se connecter depuis ce matin.\n\nCéline"})
	if tk.Assignee != "alice@corp.example" || tk.Category != "network" || tk.Language != "fr" {
		t.Fatalf("ticket %+v", tk)
	}
	ack := f.one("celine@corp.example", "ack", tk.ID)
	if ack.Header.Get("Content-Language") != "fr" || ack.Header.Get("Auto-Submitted") != "auto-replied" ||
		!strings.Contains(subjectOf(ack), "[HD #1]") || !strings.Contains(f.text(ack), "Dans quel bâtiment") {
		t.Fatalf("ack %v %q", ack.Header, f.text(ack))
	}
	f.one("alice@corp.example", "assigned", tk.ID)
}

const (
	alice = "alice@corp.example"
	bob   = "bob@corp.example"
	chloe = "chloe@corp.example"
)

// openVPN opens a French network request (it goes to Alice) from a requester of its own.
func (f *flow) openVPN(requester string, cc ...string) *tickets.Ticket {
	f.t.Helper()
	return f.open(msg{from: requester, name: "Céline Dupré", cc: cc, subject: "Le VPN ne se connecte plus",
		body: "Bonjour,\n\nLe VPN refuse de se connecter depuis ce matin.\n\nMerci,\nCéline"})
}

// command has Alice answer her assignment notice of a ticket with body, and processes it.
func (f *flow) command(tk *tickets.Ticket, body string) {
	f.t.Helper()
	f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), body, plainStyle, nil)
	f.step()
}

// staffWrite has a technician write into a ticket by its subject tag, and processes it.
func (f *flow) staffWrite(from string, tk *tickets.Ticket, body string) {
	f.t.Helper()
	f.send(msg{from: from, subject: fmt.Sprintf("[HD #%d] %s", tk.ID, tk.Subject), body: body})
	f.step()
}

func (f *flow) awayUntil(email string) time.Time {
	f.t.Helper()
	var v sql.NullInt64
	err := f.dm.desk.Store.Reader().QueryRowContext(f.ctx, `SELECT away_until FROM people WHERE email = ?`, email).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		f.t.Fatal(err)
	}
	if !v.Valid || v.Int64 == 0 {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0)
}

// TestFlowCommands drives every technician command, in English and in French, by mail.
func TestFlowCommands(t *testing.T) {
	f := newFlow(t, "")
	type tc struct {
		name  string
		setup string // A command mail Alice sends first, "" for none.
		body  string // Alice's command mail.
		check func(t *testing.T, tk, got *tickets.Ticket)
	}
	resolved := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Status != tickets.StatusResolved || got.ResolvedAt.IsZero() || got.FirstResponseAt.IsZero() {
			t.Fatalf("status %s resolved_at %v", got.Status, got.ResolvedAt)
		}
		m := f.one(tk.Requester, "resolved", tk.ID)
		body := f.text(m)
		if !strings.Contains(body, "Profil VPN réinstallé") || m.Header.Get("Content-Language") != "fr" ||
			!strings.Contains(subjectOf(m), fmt.Sprintf("[HD #%d]", tk.ID)) || !strings.Contains(body, "Alice Martin — Support Informatique") {
			t.Fatalf("resolved mail %q: %q", subjectOf(m), body)
		}
		if refs := m.Header.Get("References"); !strings.Contains(refs, tk.OriginMessageID) || m.Header.Get("In-Reply-To") == "" {
			t.Fatalf("resolved mail not threaded: In-Reply-To %q References %q", m.Header.Get("In-Reply-To"), refs)
		}
		if m.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Fatalf("Auto-Submitted %q", m.Header.Get("Auto-Submitted"))
		}
	}
	escalated := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Tier != 2 || got.Assignee != chloe || got.Priority != tk.Priority.Raise() || got.Escalations != 1 {
			t.Fatalf("after escalation: tier %d assignee %s priority %s", got.Tier, got.Assignee, got.Priority)
		}
		if m := f.one(chloe, "escalated", tk.ID); !strings.Contains(f.text(m), "Le VPN refuse de se connecter") {
			t.Fatalf("the specialist gets no history: %q", f.text(m))
		}
		f.one(tk.Requester, "escalated", tk.ID)
		f.one("nadia@corp.example", "escalated", tk.ID)
		if m := f.one("sam@corp.example", "escalated", tk.ID); m.Header.Get("Content-Language") != "en" {
			t.Fatalf("Sam reads English, got %q", m.Header.Get("Content-Language"))
		}
	}
	priority := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Priority != tickets.PriorityHigh {
			t.Fatalf("priority %s", got.Priority)
		}
	}
	assigned := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Assignee != bob {
			t.Fatalf("assignee %s", got.Assignee)
		}
		if m := f.one(bob, "assigned", tk.ID); m.Header.Get("Content-Language") != "en" {
			t.Fatalf("Bob reads English, got %q", m.Header.Get("Content-Language"))
		}
	}
	pending := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Status != tickets.StatusPending || got.PendingSince.IsZero() {
			t.Fatalf("status %s", got.Status)
		}
	}
	reopened := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Status != tickets.StatusOpen || !got.ResolvedAt.IsZero() {
			t.Fatalf("status %s resolved_at %v", got.Status, got.ResolvedAt)
		}
	}
	category := func(t *testing.T, tk, got *tickets.Ticket) {
		if got.Category != "hardware" {
			t.Fatalf("category %q", got.Category)
		}
	}
	cases := []tc{
		{name: "resolve", body: "#resolve Profil VPN réinstallé.", check: resolved},
		{name: "résolu", body: "#résolu Profil VPN réinstallé.", check: resolved},
		{name: "note", body: "#note Vérifié le concentrateur VPN : rien d'anormal.", check: func(t *testing.T, tk, got *tickets.Ticket) {
			ev := f.events(tk.ID, "note")
			if len(ev) != 1 || ev[0].Public || ev[0].Actor != alice || ev[0].Text != "Vérifié le concentrateur VPN : rien d'anormal." {
				t.Fatalf("note events %+v", ev)
			}
			if ms := f.mails(tk.Requester, "", tk.ID); len(ms) != 1 {
				t.Fatalf("the requester got %s", f.kinds(tk.Requester))
			}
		}},
		{name: "escalate", body: "#escalate Needs a specialist.", check: escalated},
		{name: "escalader", body: "#escalader Il faut un spécialiste.", check: escalated},
		{name: "priority", body: "#priority high", check: priority},
		{name: "priorité", body: "#priorité haute", check: priority},
		{name: "assign", body: "#assign bob@corp.example", check: assigned},
		{name: "assigner", body: "#assigner <bob@corp.example>", check: assigned},
		{name: "pending", body: "#pending", check: pending},
		{name: "attente", body: "#attente", check: pending},
		{name: "reopen", setup: "#resolve fait", body: "#reopen", check: reopened},
		{name: "rouvrir", setup: "#resolve fait", body: "#rouvrir", check: reopened},
		{name: "category", body: "#category hardware", check: category},
		{name: "catégorie", body: "#catégorie hardware", check: category},
		{name: "cc", body: "#cc marc@corp.example", check: func(t *testing.T, tk, got *tickets.Ticket) {
			if len(got.Watchers) != 1 || got.Watchers[0] != "marc@corp.example" {
				t.Fatalf("watchers %v", got.Watchers)
			}
		}},
		{name: "cc -", setup: "#cc marc@corp.example", body: "#cc -marc@corp.example", check: func(t *testing.T, tk, got *tickets.Ticket) {
			if len(got.Watchers) != 0 {
				t.Fatalf("watchers %v", got.Watchers)
			}
		}},
		{name: "several in order", body: "#priority urgent\n#assign bob@corp.example\n#note Bob connaît ce client.", check: func(t *testing.T, tk, got *tickets.Ticket) {
			if got.Priority != tickets.PriorityUrgent || got.Assignee != bob {
				t.Fatalf("priority %s assignee %s", got.Priority, got.Assignee)
			}
			var order []string
			all, _ := f.dm.desk.Store.Events(f.ctx, tk.ID)
			for _, e := range all {
				if e.Actor == alice && (e.Kind == "priority" || e.Kind == "assign" || e.Kind == "note") {
					order = append(order, e.Kind)
				}
			}
			if strings.Join(order, ",") != "priority,assign,note" {
				t.Fatalf("order %v", order)
			}
			if m := f.one(bob, "update", tk.ID); !strings.Contains(f.text(m), "Bob connaît ce client.") {
				t.Fatalf("Bob's note: %q", f.text(m))
			}
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk := f.openVPN(fmt.Sprintf("cmd%d@corp.example", i))
			if tk.Assignee != alice {
				t.Fatalf("assigned to %s", tk.Assignee)
			}
			if c.setup != "" {
				f.command(tk, c.setup)
			}
			f.command(tk, c.body)
			if ev := f.events(tk.ID, "rejected"); len(ev) > 0 {
				t.Fatalf("rejected: %+v", ev)
			}
			c.check(t, tk, f.ticket(tk.ID))
		})
	}

	for _, verbs := range [][2]string{{"take", "back"}, {"prendre", "retour"}} {
		t.Run(verbs[0], func(t *testing.T) {
			tk := f.openVPN("take-" + verbs[0] + "@corp.example")
			f.staffWrite(bob, tk, "#"+verbs[0])
			if got := f.ticket(tk.ID); got.Assignee != bob {
				t.Fatalf("assignee %s", got.Assignee)
			}
			if ms := f.mails(bob, "assigned", tk.ID); len(ms) != 0 {
				t.Fatalf("Bob told of his own #take")
			}
		})
	}

	for _, verbs := range [][2]string{{"away until 2099-01-31", "back"}, {"absent jusqu'au 31/01/2099", "retour"}} {
		t.Run(verbs[0], func(t *testing.T) {
			tk := f.openVPN("away-" + verbs[1] + "@corp.example")
			f.command(tk, "#"+verbs[0])
			until := f.awayUntil(alice)
			if want := time.Date(2099, 2, 1, 0, 0, 0, 0, f.cfg.Location()); !until.Equal(want) {
				t.Fatalf("away until %v, want %v", until, want)
			}
			// While Alice is away a network request goes to the other tier-1 technician.
			if other := f.openVPN("while-away-" + verbs[1] + "@corp.example"); other.Assignee != bob {
				t.Fatalf("assigned to %s while Alice is away", other.Assignee)
			}
			f.command(tk, "#"+verbs[1])
			if until := f.awayUntil(alice); !until.IsZero() {
				t.Fatalf("still away until %v", until)
			}
			if again := f.openVPN("after-away-" + verbs[1] + "@corp.example"); again.Assignee != alice {
				t.Fatalf("assigned to %s after Alice is back", again.Assignee)
			}
		})
	}
}
