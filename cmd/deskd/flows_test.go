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
			defer f.use(t)()
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
			defer f.use(t)()
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
			defer f.use(t)()
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

// snapshot is what a refused mail must leave as it was.
func snapshot(tk *tickets.Ticket) string {
	return fmt.Sprintf("%s %s %s %s %d %v %s", tk.Status, tk.Priority, tk.Assignee, tk.Category, tk.Tier, tk.Watchers, tk.FirstResponseAt)
}

// TestFlowRefusals: a refused mail changes nothing, records a rejected event, relays nothing to
// the requester, and tells its author why in the author's language.
func TestFlowRefusals(t *testing.T) {
	f := newFlow(t, "")
	closed := f.openVPN("closed@corp.example")
	f.command(closed, "#resolve Profil VPN réinstallé.")
	if err := f.dm.jobs()["autoclose"](f.ctx, time.Now().Add(8*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := f.ticket(closed.ID); got.Status != tickets.StatusClosed {
		t.Fatalf("setup: ticket %d is %s, not closed", closed.ID, got.Status)
	}
	f.step()

	cases := []struct {
		name, body, line string
		closed           bool
	}{
		{name: "resolve without note", body: "#resolve", line: "#resolve"},
		{name: "résolu without note", body: "#résolu", line: "#résolu"},
		{name: "unknown command", body: "#frobnicate now", line: "#frobnicate now"},
		{name: "unknown command after good ones", body: "Je regarde ça tout de suite.\n#priority urgent\n#frobnicate\n#assign bob@corp.example", line: "#frobnicate"},
		{name: "closed ticket", body: "#priority urgent", line: "#priority urgent", closed: true},
		{name: "reply on closed ticket", body: "Je regarde ça.", closed: true},
		{name: "assign to a coordinator", body: "#assign nadia@corp.example", line: "#assign nadia@corp.example"},
		{name: "assign to a stranger", body: "#assigner marc@corp.example", line: "#assigner marc@corp.example"},
		{name: "unknown priority", body: "#priority asap", line: "#priority asap"},
		{name: "unknown category", body: "#category plumbing", line: "#category plumbing"},
	}
	for i, c := range cases {
		for _, who := range []struct{ addr, lang, says string }{
			{alice, "fr", "Votre commande n'a pas été appliquée"},
			{bob, "en", "Your command was not applied"},
		} {
			t.Run(c.name+"/"+who.lang, func(t *testing.T) {
				defer f.use(t)()
				tk := closed
				if !c.closed {
					tk = f.openVPN(fmt.Sprintf("refused%d-%s@corp.example", i, who.lang))
				}
				before := f.ticket(tk.ID)
				toRequester := len(f.mails(tk.Requester, "", tk.ID))
				rejectedBefore := len(f.events(tk.ID, "rejected"))
				counts := func() string {
					return fmt.Sprint(len(f.events(tk.ID, "reply")), len(f.events(tk.ID, "note")), len(f.events(tk.ID, "priority")), len(f.events(tk.ID, "assign")), len(f.events(tk.ID, "status")))
				}
				countsBefore := counts()
				f.staffWrite(who.addr, tk, c.body)

				if after := f.ticket(tk.ID); snapshot(after) != snapshot(before) {
					t.Fatalf("changed:\n%s\n%s", snapshot(before), snapshot(after))
				}
				ev := f.events(tk.ID, "rejected")
				if len(ev) != rejectedBefore+1 || ev[len(ev)-1].Actor != who.addr || !strings.Contains(ev[len(ev)-1].Text, c.line) {
					t.Fatalf("rejected events %+v", ev)
				}
				if c := counts(); c != countsBefore {
					t.Fatalf("events survived the refusal: reply, note, priority, assign, status counts %s → %s", countsBefore, c)
				}
				if n := len(f.mails(tk.Requester, "", tk.ID)); n != toRequester {
					t.Fatalf("the requester got mail: %s", f.kinds(tk.Requester))
				}
				m := f.last(who.addr, "rejected", tk.ID)
				body := f.text(m)
				if m.Header.Get("Content-Language") != who.lang || !strings.Contains(body, who.says) || !strings.Contains(body, c.line) {
					t.Fatalf("rejected mail in %s: %q", m.Header.Get("Content-Language"), body)
				}
				if m.Header.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(subjectOf(m), fmt.Sprintf("[HD #%d]", tk.ID)) {
					t.Fatalf("rejected mail headers: %v", m.Header)
				}
			})
		}
	}
}

// TestFlowForgedTechnician: with [security] trusted_authserv_id set, a mail from a technician's
// address is obeyed only with that server's DKIM or DMARC pass.
func TestFlowForgedTechnician(t *testing.T) {
	f := newFlow(t, "[security]\ntrusted_authserv_id = \"mx.corp.example\"\n")
	cases := []struct {
		name, auth string
		obeyed     bool
	}{
		{"no header", "", false},
		{"dkim fail", "mx.corp.example; dkim=fail header.d=corp.example; dmarc=fail header.from=corp.example", false},
		{"pass from another server", "evil.example; dkim=pass header.d=corp.example", false},
		{"pass for another domain", "mx.corp.example; dkim=pass header.d=evil.example", false},
		{"dkim pass", "mx.corp.example; dkim=pass header.d=corp.example header.s=sel", true},
		{"dmarc pass", "mx.corp.example 1; spf=fail smtp.mailfrom=corp.example; dmarc=pass header.from=corp.example", true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer f.use(t)()
			tk := f.openVPN(fmt.Sprintf("forged%d@corp.example", i))
			var h map[string]string
			if c.auth != "" {
				h = map[string]string{"Authentication-Results": c.auth}
			}
			f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), "Votre compte est débloqué.\n#priority urgent", plainStyle, h)
			f.step()
			got := f.ticket(tk.ID)
			replies := f.mails(tk.Requester, "reply", tk.ID)
			if c.obeyed {
				if got.Priority != tickets.PriorityUrgent || len(replies) != 1 || len(f.events(tk.ID, "rejected")) != 0 {
					t.Fatalf("not obeyed: priority %s, %d replies, rejected %+v", got.Priority, len(replies), f.events(tk.ID, "rejected"))
				}
				return
			}
			if got.Priority == tickets.PriorityUrgent || len(replies) != 0 || len(f.events(tk.ID, "reply")) != 0 {
				t.Fatalf("forged mail obeyed: priority %s, requester got %s", got.Priority, f.kinds(tk.Requester))
			}
			if ev := f.events(tk.ID, "rejected"); len(ev) != 1 || !strings.Contains(ev[0].Text, "not authenticated") {
				t.Fatalf("rejected events %+v", ev)
			}
		})
	}
}
