package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"reflect"
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

// openVPN opens a French network request (it goes to Alice) from a requester of its own. With
// people in copy, the mail comes from the organisation's server (DKIM verified by the inbound
// server), as a colleague's real mail does: only then do they become watchers.
func (f *flow) openVPN(requester string, cc ...string) *tickets.Ticket {
	f.t.Helper()
	var h map[string]string
	if len(cc) > 0 {
		h = dkimPass
	}
	return f.open(msg{from: requester, name: "Céline Dupré", cc: cc, headers: h, subject: "Le VPN ne se connecte plus",
		body: "Bonjour,\n\nLe VPN refuse de se connecter depuis ce matin.\n\nMerci,\nCéline"})
}

// command has Alice answer her assignment notice of a ticket with body, and processes it.
func (f *flow) command(tk *tickets.Ticket, body string) {
	f.t.Helper()
	f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), body, plainStyle, nil)
	f.step()
}

// staffWrite has a technician write into a ticket by its subject tag, from the organisation's
// server (DKIM verified by the inbound server), and processes it.
func (f *flow) staffWrite(from string, tk *tickets.Ticket, body string) {
	f.t.Helper()
	f.send(msg{from: from, subject: fmt.Sprintf("[HD #%d] %s", tk.ID, tk.Subject), body: body, headers: dkimPass})
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
	if err := f.dm.jobs["autoclose"](f.ctx, time.Now().Add(8*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := f.ticket(closed.ID); got.Status != tickets.StatusClosed {
		t.Fatalf("setup: ticket %d is %s, not closed", closed.ID, got.Status)
	}
	f.step()

	cases := []struct {
		name, body, line string
		closed           bool
		why              map[string]string // The reason, by language of the mail.
	}{
		{name: "resolve without note", body: "#resolve", line: "#resolve",
			why: map[string]string{"fr": "une note de résolution est obligatoire", "en": "a resolution note is required"}},
		{name: "résolu without note", body: "#résolu", line: "#résolu",
			why: map[string]string{"fr": "une note de résolution est obligatoire", "en": "a resolution note is required"}},
		{name: "unknown command", body: "#frobnicate now", line: "#frobnicate now",
			why: map[string]string{"fr": "commande inconnue", "en": "unknown command"}},
		{name: "unknown command after good ones", body: "Je regarde ça tout de suite.\n#priority urgent\n#frobnicate\n#assign bob@corp.example", line: "#frobnicate",
			why: map[string]string{"fr": "commande inconnue", "en": "unknown command"}},
		{name: "closed ticket", body: "#priority urgent", line: "#priority urgent", closed: true,
			why: map[string]string{"fr": "le ticket est clos", "en": "the ticket is closed"}},
		{name: "reply on closed ticket", body: "Je regarde ça.", closed: true,
			why: map[string]string{"fr": "le ticket est clos", "en": "the ticket is closed"}},
		{name: "assign to a coordinator", body: "#assign nadia@corp.example", line: "#assign nadia@corp.example",
			why: map[string]string{"fr": "n'est pas un technicien", "en": "is not a technician"}},
		{name: "assign to a stranger", body: "#assigner marc@corp.example", line: "#assigner marc@corp.example",
			why: map[string]string{"fr": "n'est pas un technicien", "en": "is not a technician"}},
		{name: "unknown priority", body: "#priority asap", line: "#priority asap",
			why: map[string]string{"fr": "priorité inconnue", "en": "unknown priority"}},
		{name: "unknown category", body: "#category plumbing", line: "#category plumbing",
			why: map[string]string{"fr": "catégorie inconnue", "en": "unknown category"}},
		{name: "pending on a resolved ticket", body: "#resolve Fait.\n#pending", line: "#pending",
			why: map[string]string{"fr": "ce changement de statut n'est pas possible", "en": "status change not allowed"}},
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
				if m.Header.Get("Content-Language") != who.lang || !strings.Contains(body, who.says) || !strings.Contains(body, c.line) ||
					!strings.Contains(body, c.why[who.lang]) {
					t.Fatalf("rejected mail in %s: %q", m.Header.Get("Content-Language"), body)
				}
				if m.Header.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(subjectOf(m), fmt.Sprintf("[HD #%d]", tk.ID)) {
					t.Fatalf("rejected mail headers: %v", m.Header)
				}
			})
		}
	}
}

// TestFlowForgedTechnician: with [security] trusted_authserv_id set, a mail written afresh from a
// technician's address (no desk mail of hers answered) is obeyed only with that server's DKIM or
// DMARC pass; otherwise it is kept as an unauthenticated note and she is told, once an hour.
func TestFlowForgedTechnician(t *testing.T) {
	f := newFlow(t, "")
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
			// #pending keeps the text public (a hand-over command would make it a note).
			f.send(msg{from: alice, name: "Alice Martin", subject: fmt.Sprintf("[HD #%d] %s", tk.ID, tk.Subject),
				body: "Votre compte est débloqué, pouvez-vous confirmer ?\n#pending", headers: h})
			f.step()
			got := f.ticket(tk.ID)
			replies := f.mails(tk.Requester, "reply", tk.ID)
			if c.obeyed {
				if got.Status != tickets.StatusPending || len(replies) != 1 || len(f.events(tk.ID, "rejected")) != 0 {
					t.Fatalf("not obeyed: status %s, %d replies, rejected %+v", got.Status, len(replies), f.events(tk.ID, "rejected"))
				}
				return
			}
			if got.Status == tickets.StatusPending || len(replies) != 0 || len(f.events(tk.ID, "reply")) != 0 {
				t.Fatalf("forged mail obeyed: status %s, requester got %s", got.Status, f.kinds(tk.Requester))
			}
			if ev := f.events(tk.ID, "note"); len(ev) != 1 || ev[0].Public || !strings.Contains(ev[0].Text, "unauthenticated mail from alice@corp.example") ||
				!strings.Contains(ev[0].Text, "Votre compte est débloqué, pouvez-vous confirmer ?") {
				t.Fatalf("note events %+v", ev)
			}
			// Alice is told once an hour, in French: the first forged mail tells her, the others not.
			notices := f.mails(alice, "rejected", 0)
			if len(notices) != 1 {
				t.Fatalf("Alice got %d notices of unauthenticated mail, want 1 in the hour", len(notices))
			}
			if body := f.text(notices[0]); !strings.Contains(body, "n'est pas authentifié") || !strings.Contains(body, "note interne") {
				t.Fatalf("Alice reads French: %q", body)
			}
		})
	}
}

// history are phrases of the desk's mails to technicians and requesters that a reply quoting
// them carries below the new text: none may reach the requester or the ticket's new text.
var history = []string{"Le VPN refuse de se connecter", "Demandeur", "Commandes, en début de ligne", "a écrit", "wrote:", "De :", "Envoyé", "Objet", "> "}

func leaked(s string) string {
	for _, h := range history {
		if strings.Contains(s, h) {
			return h
		}
	}
	return ""
}

// TestFlowMailClients: technicians answer from Outlook (text and HTML only) and Gmail (French
// and English): the commands act, the new text goes out, the quoted history never does.
func TestFlowMailClients(t *testing.T) {
	f := newFlow(t, "")
	styles := []struct {
		name  string
		style replyStyle
	}{{"outlook text", outlookFR}, {"outlook html only", outlookHTMLOnly}, {"gmail fr", gmailFR}, {"gmail en", gmailEN}}
	for i, s := range styles {
		t.Run(s.name+"/reply and command", func(t *testing.T) {
			defer f.use(t)()
			tk := f.openVPN(fmt.Sprintf("client%d@corp.example", i))
			f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID),
				"Bonjour Céline,\n\nLe profil VPN a été réinstallé, pouvez-vous réessayer ?\n\n#attente", s.style, nil)
			f.step()
			got := f.ticket(tk.ID)
			if got.Status != tickets.StatusPending || len(f.events(tk.ID, "rejected")) != 0 {
				t.Fatalf("status %s, rejected %+v", got.Status, f.events(tk.ID, "rejected"))
			}
			replies := f.events(tk.ID, "reply")
			if len(replies) != 1 || !strings.Contains(replies[0].Text, "pouvez-vous réessayer") || leaked(replies[0].Text) != "" {
				t.Fatalf("reply events %+v", replies)
			}
			m := f.one(tk.Requester, "reply", tk.ID)
			body := f.text(m)
			if !strings.Contains(body, "Le profil VPN a été réinstallé") || leaked(body) != "" || strings.Contains(body, "#attente") {
				t.Fatalf("to the requester (leaked %q): %q", leaked(body), body)
			}
		})
		t.Run(s.name+"/note", func(t *testing.T) {
			defer f.use(t)()
			tk := f.openVPN(fmt.Sprintf("client-note%d@corp.example", i))
			f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), "#note Profil corrompu après la mise à jour.", s.style, nil)
			f.step()
			notes := f.events(tk.ID, "note")
			if len(notes) != 1 || notes[0].Text != "Profil corrompu après la mise à jour." {
				t.Fatalf("notes %+v, rejected %+v", notes, f.events(tk.ID, "rejected"))
			}
			if n := len(f.mails(tk.Requester, "", tk.ID)); n != 1 {
				t.Fatalf("the requester got %s", f.kinds(tk.Requester))
			}
		})
		t.Run(s.name+"/resolve", func(t *testing.T) {
			defer f.use(t)()
			tk := f.openVPN(fmt.Sprintf("client-resolve%d@corp.example", i))
			f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), "#résolu Profil VPN réinstallé.", s.style, nil)
			f.step()
			if got := f.ticket(tk.ID); got.Status != tickets.StatusResolved {
				t.Fatalf("status %s, rejected %+v", got.Status, f.events(tk.ID, "rejected"))
			}
			body := f.text(f.one(tk.Requester, "resolved", tk.ID))
			if !strings.Contains(body, "Profil VPN réinstallé.") || leaked(body) != "" {
				t.Fatalf("resolution (leaked %q): %q", leaked(body), body)
			}
		})
	}
}

// TestFlowPublicReplies: a technician's plain answer goes to the requester and watchers from
// the desk, signed, counts as first response and moves new → open; internal notes reach the
// other technicians on the ticket and nobody else.
func TestFlowPublicReplies(t *testing.T) {
	f := newFlow(t, "")
	// Everybody away: the request stays new, unassigned.
	err := f.dm.desk.Update(f.ctx, time.Now(), func(tx *tickets.Tx) error {
		for _, te := range f.cfg.Technicians {
			if err := tx.SetAway(te.Email, time.Now().Add(24*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tk := f.openVPN("celine@corp.example", "tom@corp.example")
	if tk.Status != tickets.StatusNew || tk.Assignee != "" || !tk.FirstResponseAt.IsZero() {
		t.Fatalf("setup: %s, assignee %q", tk.Status, tk.Assignee)
	}
	f.one("nadia@corp.example", "update", tk.ID) // Unassigned: the coordinators are told.

	f.staffWrite(alice, tk, "Bonjour Céline,\n\nRedémarrez le poste puis relancez le VPN.")
	got := f.ticket(tk.ID)
	if got.Status != tickets.StatusOpen || got.Assignee != alice || got.FirstResponseAt.IsZero() {
		t.Fatalf("after the answer: %s, assignee %q, first response %v", got.Status, got.Assignee, got.FirstResponseAt)
	}
	if js := f.show(tk.ID); js.FirstResponseAt == nil {
		t.Fatalf("first_response_at null in JSON")
	}
	m := f.one("celine@corp.example", "reply", tk.ID)
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil || from.Address != desk || !strings.Contains(from.Name, "Alice Martin") {
		t.Fatalf("From %q", m.Header.Get("From"))
	}
	body := f.text(m)
	if !strings.Contains(body, "Redémarrez le poste puis relancez le VPN.") || !strings.Contains(body, "Alice Martin — Support Informatique") {
		t.Fatalf("reply body %q", body)
	}
	if m.Header.Get("Content-Language") != "fr" || m.Header.Get("In-Reply-To") == "" || !strings.Contains(m.Header.Get("References"), tk.OriginMessageID) ||
		!strings.Contains(subjectOf(m), fmt.Sprintf("[HD #%d]", tk.ID)) || m.Header.Get("X-Deskd-Ticket") != fmt.Sprint(tk.ID) {
		t.Fatalf("reply headers %v", m.Header)
	}
	if !strings.Contains(m.Header.Get("Cc"), "tom@corp.example") {
		t.Fatalf("Cc %q", m.Header.Get("Cc"))
	}
	f.one("tom@corp.example", "reply", tk.ID)

	// Internal notes.
	toRequester, toTom := len(f.mails("celine@corp.example", "", 0)), len(f.mails("tom@corp.example", "", 0))
	f.staffWrite(bob, tk, "#note The VPN concentrator was restarted at 9:00.")
	if m := f.one(alice, "update", tk.ID); !strings.Contains(f.text(m), "The VPN concentrator was restarted") || m.Header.Get("Content-Language") != "fr" {
		t.Fatalf("Alice's note mail: %q", f.text(m))
	}
	if n := len(f.mails(bob, "", tk.ID)); n != 0 {
		t.Fatalf("Bob told of his own note: %s", f.kinds(bob))
	}
	f.staffWrite(alice, tk, "#note Merci Bob, je surveille.")
	if m := f.one(bob, "update", tk.ID); !strings.Contains(f.text(m), "Merci Bob, je surveille.") || m.Header.Get("Content-Language") != "en" {
		t.Fatalf("Bob's note mail: %q", f.text(m))
	}
	if n := len(f.mails(chloe, "", tk.ID)); n != 0 {
		t.Fatalf("Chloé is not on the ticket, got %s", f.kinds(chloe))
	}
	if len(f.mails("celine@corp.example", "", 0)) != toRequester || len(f.mails("tom@corp.example", "", 0)) != toTom {
		t.Fatalf("notes reached the requester or a watcher: %s %s", f.kinds("celine@corp.example"), f.kinds("tom@corp.example"))
	}
	for _, e := range f.events(tk.ID, "note") {
		if e.Public {
			t.Fatalf("public note %+v", e)
		}
	}
}

// TestFlowRequesterReplies: the requester's reply is appended and the assignee gets the new text
// only; a reply to a resolved ticket reopens it; after reopen_days it opens a new ticket.
func TestFlowRequesterReplies(t *testing.T) {
	f := newFlow(t, "")
	const celine = "celine@corp.example"
	tk := f.openVPN(celine)
	f.reply(celine, "Céline Dupré", f.one(celine, "ack", tk.ID), "Je suis au bâtiment B, bureau 214.", gmailFR, nil)
	f.step()
	msgs := f.events(tk.ID, "message")
	if len(msgs) != 2 || msgs[1].Text != "Je suis au bâtiment B, bureau 214." || !msgs[1].Public {
		t.Fatalf("messages %+v", msgs)
	}
	m := f.one(alice, "update", tk.ID)
	if body := f.text(m); !strings.Contains(body, "Je suis au bâtiment B, bureau 214.") || strings.Contains(body, "Dans quel bâtiment") || strings.Contains(body, "Le jeu. 26 nov.") {
		t.Fatalf("Alice's update carries the history: %q", body)
	}
	if f.ticketCount() != 1 {
		t.Fatalf("%d tickets", f.ticketCount())
	}

	f.command(tk, "#resolve Profil VPN réinstallé.")
	resolved := f.one(celine, "resolved", tk.ID)
	f.reply(celine, "Céline Dupré", resolved, "Le problème est revenu ce matin.", outlookFR, nil)
	f.step()
	if got := f.ticket(tk.ID); got.Status != tickets.StatusOpen {
		t.Fatalf("not reopened: %s", got.Status)
	}
	if m := f.last(alice, "update", tk.ID); !strings.Contains(f.text(m), "Le problème est revenu ce matin.") || strings.Contains(f.text(m), "Si le problème persiste") {
		t.Fatalf("reopen notice %q", f.text(m))
	}

	// Resolved long ago: a reply opens a new ticket that follows up the old one.
	f.command(tk, "#resolve Profil VPN réinstallé une seconde fois.")
	db := f.sqlDB()
	old := time.Now().Add(-time.Duration(f.cfg.Desk.ReopenDays+1) * 24 * time.Hour).Unix()
	if _, err := db.ExecContext(f.ctx, `UPDATE tickets SET resolved_at = ? WHERE id = ?`, old, tk.ID); err != nil {
		t.Fatal(err)
	}
	f.reply(celine, "Céline Dupré", f.last(celine, "resolved", tk.ID), "Encore le VPN, cette fois en Wi-Fi.", gmailFR, nil)
	f.step()
	if got := f.ticket(tk.ID); got.Status != tickets.StatusResolved {
		t.Fatalf("old ticket %s", got.Status)
	}
	if f.ticketCount() != 2 {
		t.Fatalf("%d tickets", f.ticketCount())
	}
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	next := list[0]
	if next.ID == tk.ID || next.LinkedTicket != tk.ID || next.Requester != celine {
		t.Fatalf("new ticket %+v", next)
	}
	f.one(celine, "ack", next.ID)
}

// TestFlowWatchers: people in copy of the first mail get the public updates, and so do those
// added with #cc, until #cc -EMAIL.
func TestFlowWatchers(t *testing.T) {
	f := newFlow(t, "")
	const tom, ann = "tom@corp.example", "ann@corp.example"
	tk := f.openVPN("celine@corp.example", tom)
	if !reflect.DeepEqual(tk.Watchers, []string{tom}) {
		t.Fatalf("watchers %v", tk.Watchers)
	}
	f.one(tom, "ack", tk.ID)
	f.command(tk, "Pouvez-vous redémarrer le poste ?")
	f.one(tom, "reply", tk.ID)
	f.command(tk, "#cc ann@corp.example")
	f.command(tk, "Le poste a-t-il redémarré ?")
	if n := len(f.mails(tom, "reply", tk.ID)); n != 2 {
		t.Fatalf("Tom got %d replies", n)
	}
	f.one(ann, "reply", tk.ID)
	f.command(tk, "#copie -tom@corp.example")
	if got := f.ticket(tk.ID); !reflect.DeepEqual(got.Watchers, []string{ann}) {
		t.Fatalf("watchers %v", got.Watchers)
	}
	f.command(tk, "#resolve Profil VPN réinstallé.")
	f.one(ann, "resolved", tk.ID)
	f.one("celine@corp.example", "resolved", tk.ID)
	if n := len(f.mails(tom, "resolved", tk.ID)); n != 0 {
		t.Fatalf("Tom, removed, still got the resolution")
	}
}

// TestFlowNoMailForAutomaticMail: the desk never answers an automatic mail.
func TestFlowNoMailForAutomaticMail(t *testing.T) {
	f := newFlow(t, "")
	auto := []struct {
		name    string
		headers map[string]string
	}{
		{"auto-replied", map[string]string{"Auto-Submitted": "auto-replied"}},
		{"x-autoreply", map[string]string{"X-Autoreply": "yes"}},
		{"precedence junk", map[string]string{"Precedence": "junk"}},
		{"empty return-path", map[string]string{"Return-Path": "<>"}},
	}
	for i, c := range auto {
		t.Run(c.name, func(t *testing.T) {
			defer f.use(t)()
			requester := fmt.Sprintf("ooo%d@corp.example", i)
			tk := f.openVPN(requester)
			ack := f.one(requester, "ack", tk.ID)
			mails, count := f.total(), f.ticketCount()
			f.reply(requester, "Out of office", ack, "Je suis absente jusqu'au 30 novembre.", plainStyle, c.headers)
			f.step()
			if f.total() != mails || f.ticketCount() != count {
				t.Fatalf("the desk answered: %d mails, %d tickets (requester: %s, alice: %s)", f.total()-mails, f.ticketCount()-count, f.kinds(requester), f.kinds(alice))
			}
			if ev := f.events(tk.ID, "auto-reply"); len(ev) != 1 {
				t.Fatalf("auto-reply events %+v", ev)
			}
		})
	}

	t.Run("bounce", func(t *testing.T) {
		defer f.use(t)()
		const gone = "gone@corp.example"
		tk := f.openVPN(gone)
		// Three mails to the address, each bounced for good by its server, to the bounce address
		// of its copy (the envelope sender, which the final delivery wrote as Return-Path).
		for i := range 3 {
			if i > 0 {
				f.command(tk, fmt.Sprintf("Pouvez-vous réessayer (%d) ?", i))
			}
			ms := f.mails(gone, "", tk.ID)
			m := ms[len(ms)-1]
			mails, count := f.total(), f.ticketCount()
			f.sendRaw("", []string{returnPath(t, m)}, bounceReport(returnPath(t, m), gone, m, "5.1.1", "failed"))
			f.step()
			if f.total() != mails || f.ticketCount() != count {
				t.Fatalf("the desk answered a bounce: %d mails, %d tickets", f.total()-mails, f.ticketCount()-count)
			}
			if ev := f.events(tk.ID, "bounce"); len(ev) != i+1 || !strings.Contains(ev[i].Text, gone) {
				t.Fatalf("bounce events %+v", ev)
			}
		}
		// Further mail to the address is suppressed: Alice's answer is recorded, not sent to it.
		replies := len(f.mails(gone, "", tk.ID))
		f.command(tk, "Pouvez-vous réessayer une dernière fois ?")
		if len(f.events(tk.ID, "reply")) != 3 {
			t.Fatalf("the answer was not recorded")
		}
		if n := len(f.mails(gone, "", tk.ID)); n != replies {
			t.Fatalf("mail sent to a bouncing address: %s", f.kinds(gone))
		}
		var state string
		if err := f.dm.desk.Store.Reader().QueryRowContext(f.ctx, `SELECT state FROM outbox WHERE ticket_id = ? AND kind = 'reply' ORDER BY id DESC LIMIT 1`, tk.ID).Scan(&state); err != nil || state != "suppressed" {
			t.Fatalf("outbox state %q, %v\n%s", state, err, f.outbox(tk.ID))
		}
	})
}

// returnPath is the envelope sender of a mail the world delivered.
func returnPath(t *testing.T, m *mail.Message) string {
	t.Helper()
	a, err := mail.ParseAddress(m.Header.Get("Return-Path"))
	if err != nil {
		t.Fatalf("Return-Path %q: %v", m.Header.Get("Return-Path"), err)
	}
	return a.Address
}

// bounceReport is a delivery status notification (RFC 3464) as Postfix writes it, to the
// envelope sender to of the mail orig, about rcpt: action "failed" or "delayed", status "5.1.1".
func bounceReport(to, rcpt string, orig *mail.Message, status, action string) string {
	return strings.ReplaceAll(`From: Mail Delivery System <MAILER-DAEMON@mx.example>
To: `+to+`
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce.`+fmt.Sprint(time.Now().UnixNano())+`@mx.example>
Date: `+time.Now().Format(time.RFC1123Z)+`
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"

--BOUND
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.
I'm sorry to have to inform you that your message could not be delivered.

<`+rcpt+`>: user unknown

--BOUND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; `+rcpt+`
Original-Recipient: rfc822;`+rcpt+`
Action: `+action+`
Status: `+status+`
Diagnostic-Code: smtp; 550 5.1.1 <`+rcpt+`>: Recipient address rejected: User unknown

--BOUND
Content-Type: text/rfc822-headers

From: Support Informatique <helpdesk@corp.example>
To: `+rcpt+`
Subject: `+orig.Header.Get("Subject")+`
Message-ID: `+orig.Header.Get("Message-Id")+`

--BOUND--
`, "\n", "\r\n")
}

// TestFlowNoteUnderResolveStaysInternal: a technician resolves and leaves an internal note in one
// mail, the note's details on the lines under it: the requester's resolution carries only the
// #resolve line, the note keeps the details.
func TestFlowNoteUnderResolveStaysInternal(t *testing.T) {
	f := newFlow(t, "")
	tk := f.openVPN("celine@corp.example")
	f.command(tk, "#resolve Profil VPN réinstallé.\n#note Interne, ne pas transmettre :\nle manager de Céline nous a demandé de surveiller sa boîte (ticket RH 4411).")
	res := f.mails("celine@corp.example", "resolved", tk.ID)
	if len(res) != 1 {
		t.Fatalf("resolved mails %d; requester got %s", len(res), f.kinds("celine@corp.example"))
	}
	if body := f.text(res[0]); strings.Contains(body, "surveiller sa boîte") || !strings.Contains(body, "Profil VPN réinstallé.") {
		t.Errorf("the resolution mailed to the requester:\n%s", body)
	}
	notes := f.events(tk.ID, "note")
	if len(notes) == 0 || !strings.Contains(notes[len(notes)-1].Text, "surveiller sa boîte") {
		t.Errorf("the note lost its lines: %v", notes)
	}
}

// TestFlowCcHeaderKeepsAssigneeTold: the requester's reply names the assignee in its Cc header
// without sending it to her (the envelope goes to the desk alone): she is still told.
func TestFlowCcHeaderKeepsAssigneeTold(t *testing.T) {
	f := newFlow(t, "")
	tk := f.openVPN("celine@corp.example")
	before := len(f.mails(alice, "update", tk.ID))
	ack := f.one("celine@corp.example", "ack", tk.ID)
	to := ack.Header.Get("Reply-To")
	f.rawSend("celine@corp.example", []string{to},
		"From: Celine <celine@corp.example>",
		"To: "+to,
		"Cc: "+alice,
		fmt.Sprintf("Subject: RE: [HD #%d] %s", tk.ID, tk.Subject),
		"In-Reply-To: "+ack.Header.Get("Message-Id"),
		"Message-ID: {{ID}}",
		"Date: {{DATE}}",
		"", "Le VPN marche toujours pas, c'est urgent, je perds des clients.", "")
	if n := len(f.events(tk.ID, "message")); n < 2 {
		t.Fatalf("the reply is not on the ticket: %d messages", n)
	}
	if after := len(f.mails(alice, "update", tk.ID)); after != before+1 {
		t.Errorf("the assignee got %d notices of the reply, want 1", after-before)
	}
}

// TestFlowLongMessageID: a request whose Message-ID is thousands of characters long (folded) is
// answered: the ID is not kept, and no mail of its ticket has a References line over 998.
func TestFlowLongMessageID(t *testing.T) {
	f := newFlow(t, "")
	long := strings.Repeat(strings.Repeat("a", 900)+"\r\n ", 3) + "@evil.example"
	f.sendRaw("mallory@evil.example", []string{desk}, strings.Join([]string{
		"From: mallory@evil.example", "To: " + desk, "Subject: imprimante en panne",
		"Message-ID: <" + long + ">", "Date: " + time.Now().Format(time.RFC1123Z), "", "L'imprimante ne marche plus.", ""}, "\r\n"))
	f.step()
	acks := f.mails("mallory@evil.example", "ack", 0)
	if len(acks) != 1 {
		t.Fatalf("acknowledgements %d; outbox:\n%s", len(acks), f.outbox(1))
	}
	for _, m := range append(acks, f.w.received(alice)...) {
		if refs := m.Header.Get("References"); len(refs) > 998 || strings.Contains(refs, "aaaa") {
			t.Errorf("%s: References of %d characters", m.Header.Get("X-Deskd-Kind"), len(refs))
		}
	}
}
