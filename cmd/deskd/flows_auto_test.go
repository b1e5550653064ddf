package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestFlowAutomaticAlertOpensQuietTicket: automatic mail that is neither a bounce nor an
// auto-reply (a monitoring tool's alert, a list's mail) is work: it opens a ticket, and the desk
// never mails its sender automatically (no acknowledgement, no resolution), while the technician
// is told as for any request.
func TestFlowAutomaticAlertOpensQuietTicket(t *testing.T) {
	f := newFlow(t, "")
	cases := []struct {
		name    string
		headers map[string]string
	}{
		{"auto-generated", map[string]string{"Auto-Submitted": "auto-generated"}},
		{"precedence bulk", map[string]string{"Precedence": "bulk"}},
		{"precedence list", map[string]string{"Precedence": "list"}},
		{"list-id", map[string]string{"List-Id": "<alerts.corp.example>"}},
		{"list-unsubscribe", map[string]string{"List-Unsubscribe": "<mailto:leave@corp.example>"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer f.use(t)()
			sender := fmt.Sprintf("nagios%d@corp.example", i)
			tk := f.open(msg{from: sender, subject: "PROBLEM: printer3 is DOWN", headers: c.headers,
				body: "***** Nagios *****\n\nHost: printer3\nState: DOWN\nInfo: PING CRITICAL - Packet loss = 100%"})
			if tk.Assignee == "" {
				t.Fatalf("ticket %d has no assignee", tk.ID)
			}
			if n := len(f.mails(sender, "", 0)); n != 0 {
				t.Fatalf("the desk mailed the automatic sender: %s\n%s", f.kinds(sender), f.outbox(tk.ID))
			}
			assigned := f.one(tk.Assignee, "assigned", tk.ID)
			f.reply(tk.Assignee, "", assigned, "#resolve Imprimante redémarrée.", plainStyle, nil)
			f.step()
			if st := f.ticket(tk.ID).Status; st != "resolved" {
				t.Fatalf("status %s\n%s", st, f.outbox(tk.ID))
			}
			if n := len(f.mails(sender, "", 0)); n != 0 {
				t.Fatalf("the desk mailed the automatic sender: %s\n%s", f.kinds(sender), f.outbox(tk.ID))
			}
		})
	}
}

// TestFlowReplyWithNothingNew: a reply that only quotes the desk's mail says nothing. A
// technician's ("Envoyé de mon iPhone" over the quote) sends nothing to the requester, does not
// count as the first response, and the technician is told why; a requester's reopens nothing and
// pages nobody.
func TestFlowReplyWithNothingNew(t *testing.T) {
	f := newFlow(t, "")
	const celine = "celine@corp.example"
	tk := f.openVPN(celine)
	f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), "Envoyé de mon iPhone", gmailFR, nil)
	f.step()
	if ms := f.mails(celine, "reply", tk.ID); len(ms) != 0 {
		t.Fatalf("the requester got an empty reply: %q", f.text(ms[0]))
	}
	if got := f.ticket(tk.ID); !got.FirstResponseAt.IsZero() {
		t.Fatalf("an empty reply counted as the first response at %v", got.FirstResponseAt)
	}
	f.one(alice, "rejected", tk.ID)

	f.command(tk, "#resolve Profil VPN réinstallé.")
	resolved := f.one(celine, "resolved", tk.ID)
	updates := len(f.mails(alice, "update", tk.ID))
	f.reply(celine, "Céline Dupré", resolved, "", gmailFR, nil)
	f.step()
	if st := f.ticket(tk.ID).Status; st != "resolved" {
		t.Fatalf("a reply with nothing new reopened the ticket: %s", st)
	}
	if n := len(f.mails(alice, "update", tk.ID)); n != updates {
		t.Fatalf("the technician was paged for a reply with nothing new: %s", f.kinds(alice))
	}
	for _, ev := range f.events(tk.ID, "message") {
		if strings.Contains(ev.Text, "Profil VPN réinstallé") {
			t.Fatalf("the desk's own words were recorded as the requester's: %q", ev.Text)
		}
	}
}
