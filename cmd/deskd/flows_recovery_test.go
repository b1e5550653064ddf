package main

import (
	"strings"
	"testing"
)

// TestFlowRecoveryWithoutThreading: Nagios mails its RECOVERY without In-Reply-To or References.
// It is recorded on the PROBLEM's ticket and its assignee is told, once; no second ticket is
// opened, assigned or acknowledged, and the monitoring address is mailed nothing (review finding
// F13).
func TestFlowRecoveryWithoutThreading(t *testing.T) {
	f := newFlow(t, "")
	const nagios = "nagios@monitoring.corp.example"
	auto := map[string]string{"Auto-Submitted": "auto-generated"}
	tk := f.open(msg{from: nagios, name: "Nagios", subject: "** PROBLEM Service Alert: srv-fichiers/SMB is CRITICAL **", headers: auto,
		body: "***** Nagios *****\n\nNotification Type: PROBLEM\nService: SMB\nHost: srv-fichiers\nState: CRITICAL"})
	if tk.Assignee == "" {
		t.Fatalf("ticket %d has no assignee", tk.ID)
	}
	f.one(tk.Assignee, "assigned", tk.ID)
	f.send(msg{from: nagios, name: "Nagios", subject: "** RECOVERY Service Alert: srv-fichiers/SMB is OK **", headers: auto,
		body: "***** Nagios *****\n\nNotification Type: RECOVERY\nService: SMB\nHost: srv-fichiers\nState: OK"})
	f.step()
	if n := f.ticketCount(); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	if got := f.ticket(tk.ID); got.Status != tk.Status {
		t.Fatalf("status %s, want %s", got.Status, tk.Status)
	}
	if text := f.text(f.one(tk.Assignee, "update", tk.ID)); !strings.Contains(text, "Notification Type: RECOVERY") {
		t.Fatalf("the assignee's notice %q", text)
	}
	if n := len(f.mails(tk.Assignee, "assigned", 0)); n != 1 {
		t.Fatalf("%d assignment notices, want 1: %s", n, f.kinds(tk.Assignee))
	}
	if n := len(f.mails(nagios, "", 0)); n != 0 {
		t.Fatalf("the desk mailed the monitoring address: %s", f.kinds(nagios))
	}
}
