package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// TestCLIEscalationTiers: `deskd ticket assign` puts the ticket at the technician's tier, an
// escalation goes one tier above it, the coordinator acting is not mailed about it, and an
// escalation that can raise nothing exits with the reason.
func TestCLIEscalationTiers(t *testing.T) {
	path := cliConfig(t)
	t.Setenv("DESKD_CONFIG", path)
	seed(t, path)
	show := func() tickets.TicketJSON {
		t.Helper()
		code, out, stderr := cli(t, "ticket", "show", "1", "--json")
		var tk tickets.TicketJSON
		if err := json.Unmarshal([]byte(out), &tk); err != nil || code != 0 {
			t.Fatalf("show: %v %s", err, stderr)
		}
		return tk
	}
	if code, _, stderr := cli(t, "ticket", "assign", "1", "chloe@corp.example"); code != 0 {
		t.Fatalf("assign: %s", stderr)
	}
	if tk := show(); tk.Tier != 2 || tk.Assignee != "chloe@corp.example" {
		t.Fatalf("assigned to a tier-2 technician: tier %d, %s", tk.Tier, tk.Assignee)
	}
	if code, _, stderr := cli(t, "ticket", "escalate", "1", "--reason", "certificat expiré."); code != 0 {
		t.Fatalf("escalate: %s", stderr)
	}
	tk := show()
	if tk.Tier != 3 || tk.Assignee != "dev@corp.example" {
		t.Fatalf("escalated from tier 2: tier %d, %s", tk.Tier, tk.Assignee)
	}
	var told []string
	for _, e := range tk.Events {
		if e.Kind == "notify" && strings.HasPrefix(e.Text, "escalated → ") {
			told = append(told, strings.TrimPrefix(e.Text, "escalated → "))
		}
	}
	if got := strings.Join(told, " | "); strings.Contains(got, "nadia@corp.example") || !strings.Contains(got, "sam@corp.example") {
		t.Fatalf("escalation notices to %s (Nadia acted)", got)
	}
	if code, _, stderr := cli(t, "ticket", "priority", "1", "urgent"); code != 0 {
		t.Fatalf("priority: %s", stderr)
	}
	code, _, stderr := cli(t, "ticket", "escalate", "1", "--reason", "again")
	if code == 0 || !strings.Contains(stderr, "nothing can go up") {
		t.Fatalf("escalating at the top: exit %d, %q", code, stderr)
	}
	if tk := show(); tk.Escalations != 1 || tk.Tier != 3 {
		t.Fatalf("after a refused escalation: %d escalations, tier %d", tk.Escalations, tk.Tier)
	}
}

// TestCLIRunEscalationCountsCopies: `deskd run escalation` says how many mails went out as the
// recipients count them, one per copy: the requester's notice to her and her colleague in copy
// is two.
func TestCLIRunEscalationCountsCopies(t *testing.T) {
	w, err := startWorld(desk, "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	path := filepath.Join(t.TempDir(), "deskd.toml")
	if err := os.WriteFile(path, []byte(onTestDatabase(t, config.Local(config.Sample(), w.IMAPAddr, w.Password, w.SMTPAddr))), 0o600); err != nil {
		t.Fatal(err)
	}
	copies := func() int {
		w.mu.Lock()
		defer w.mu.Unlock()
		n := 0
		for rcpt, ms := range w.mail {
			if !strings.HasPrefix(rcpt, "helpdesk") {
				n += len(ms)
			}
		}
		return n
	}
	raw := strings.Replace(string(requestMail("celine.dupre@corp.example", "Le VPN ne marche plus", "Le vpn refuse de se connecter.")),
		"\r\nSubject:", "\r\nCc: priya.raman@corp.example\r\nSubject:", 1)
	if err := w.deliver("celine.dupre@corp.example", desk, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := cli(t, "poll", "--once", "--config", path); code != 0 || !strings.Contains(out, fmt.Sprintf("sent %d\n", copies())) {
		t.Fatalf("poll: exit %d, %d copies received\n%s%s", code, copies(), out, stderr)
	}
	before := copies()
	code, out, stderr := cli(t, "run", "escalation", "--now", time.Now().Add(30*time.Hour).Format(time.RFC3339), "--config", path)
	sent := copies() - before
	if code != 0 || sent < 4 || !strings.Contains(out, fmt.Sprintf("escalation: done; sent %d mails\n", sent)) {
		t.Fatalf("run escalation: exit %d, %d copies received\n%s%s", code, sent, out, stderr)
	}
}
