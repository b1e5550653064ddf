package main

import (
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestFlowFollowUpSubject: Céline answers, from Outlook, the resolution of a ticket closed long
// ago with "Bonjour," first: the follow-up is named by what she wrote, not by "Bonjour,", in the
// queue and in her acknowledgement (review finding F3).
func TestFlowFollowUpSubject(t *testing.T) {
	f := newFlow(t, "")
	const celine = "celine@corp.example"
	tk := f.openVPN(celine)
	f.command(tk, "#resolve Profil VPN réinstallé.")
	old := time.Now().Add(-time.Duration(f.cfg.Desk.ReopenDays+1) * 24 * time.Hour).Unix()
	if _, err := f.sqlDB().ExecContext(f.ctx, `UPDATE tickets SET resolved_at = ? WHERE id = ?`, old, tk.ID); err != nil {
		t.Fatal(err)
	}
	f.reply(celine, "Céline Dupré", f.one(celine, "resolved", tk.ID),
		"Bonjour,\n\nLe VPN a de nouveau coupé ce matin, même message d'erreur 809.\n\nCéline", outlookFR, nil)
	f.step()
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	next := list[0]
	const want = "Le VPN a de nouveau coupé ce matin, même message d'erreur 809."
	if next.ID == tk.ID || next.LinkedTicket != tk.ID || next.Subject != want {
		t.Fatalf("follow-up #%d linked %d subject %q, want %q", next.ID, next.LinkedTicket, next.Subject, want)
	}
	if s := subjectOf(f.one(celine, "ack", next.ID)); !strings.HasSuffix(s, want) {
		t.Fatalf("ack subject %q", s)
	}

	mark := f.open(msg{from: "mark@corp.example", name: "Mark Evans", body: "Hi,\n\nOutlook shows Disconnected again since 10 minutes.\n\nMark"})
	if mark.Subject != "Outlook shows Disconnected again since 10 minutes." {
		t.Fatalf("subject from the text %q", mark.Subject)
	}
}
