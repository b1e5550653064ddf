package main

import (
	"strings"
	"testing"
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
