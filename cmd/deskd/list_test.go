package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// TestTicketListStreamsTheSameJSON: ticket list --json, written a ticket at a time, prints the
// bytes the whole list encoded at once would; filters and --limit select as they say.
func TestTicketListStreamsTheSameJSON(t *testing.T) {
	path := cliConfig(t)
	if code, out, errOut := cli(t, "ticket", "list", "--json", "--config", path); code != 0 || out != "[]\n" {
		t.Fatalf("empty desk: exit %d, %q %s", code, out, errOut)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := openDesk(context.Background(), cfg, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(d.Store, discardLog())
	var batch []*tickets.Incoming
	for i, text := range []string{"Le vpn refuse de se connecter.", "L'imprimante <b>du 2e</b> & le scanner ne marchent plus.",
		"My account is locked, urgent please", "Excel plante à l'ouverture"} {
		in := &tickets.Incoming{MessageID: fmt.Sprintf("q%d@client", i), From: fmt.Sprintf("user%d@corp.example", i),
			To: []string{"helpdesk@corp.example"}, Subject: fmt.Sprintf("Demande %d", i), Text: text, Language: "fr", Verdict: "person"}
		if i == 1 {
			in.Cc = []string{"priya.raman@corp.example", "a.colleague@corp.example"}
		}
		batch = append(batch, in)
	}
	if _, err := d.Ingest(context.Background(), time.Now(), batch); err != nil {
		t.Fatal(err)
	}
	want := func(f tickets.ListFilter) string {
		t.Helper()
		list, err := d.Store.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]tickets.TicketJSON, 0, len(list))
		for _, tk := range list {
			out = append(out, tk.JSON())
		}
		var b bytes.Buffer
		if err := printJSON(&b, out); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, tt := range []struct {
		args []string
		f    tickets.ListFilter
		n    int
	}{
		{nil, tickets.ListFilter{}, 4},
		{[]string{"--limit", "2"}, tickets.ListFilter{Limit: 2}, 2},
		{[]string{"--category", "hardware"}, tickets.ListFilter{Category: "hardware"}, 1},
		{[]string{"--priority", "urgent,high"}, tickets.ListFilter{Priorities: []tickets.Priority{tickets.PriorityUrgent, tickets.PriorityHigh}}, -1},
		{[]string{"--assignee", "ALICE@corp.example", "--status", "open"}, tickets.ListFilter{Assignee: "alice@corp.example", Status: tickets.StatusOpen}, -1},
		{[]string{"--since", "1h"}, tickets.ListFilter{Since: time.Now().Add(-time.Hour)}, 4},
		{[]string{"--since", "2000-01-01"}, tickets.ListFilter{}, 4},
		{[]string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, tickets.ListFilter{Since: time.Now().Add(time.Hour)}, 0},
	} {
		args := append([]string{"ticket", "list", "--json", "--config", path}, tt.args...)
		code, out, errOut := cli(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut)
		}
		if w := want(tt.f); out != w {
			t.Errorf("%v: streamed\n%s\nwant\n%s", tt.args, out, w)
		}
		var got []tickets.TicketJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if tt.n >= 0 && len(got) != tt.n {
			t.Errorf("%v: %d tickets, want %d", tt.args, len(got), tt.n)
		}
	}
	// The table: a header and a line per ticket, columns aligned.
	code, out, _ := cli(t, "ticket", "list", "--config", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 5 || !strings.HasPrefix(lines[0], "ID  STATUS") || strings.Index(lines[1], "user3@") != strings.Index(lines[0], "REQUESTER") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--since", "yesterday"}, {"--priority", "soon"}, {"--limit", "-1"}, {"--status", "x"}} {
		if code, _, _ := cli(t, append([]string{"ticket", "list", "--config", path}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// TestTicketListFiltersAlike: an unknown category or assignee is a usage error listing what
// exists, as an unknown status or priority is; a technician without tickets, an alias, and a
// former technician who still has tickets are valid; --status takes a list as --priority does.
func TestTicketListFiltersAlike(t *testing.T) {
	path := cliConfig(t)
	seed(t, path)
	seed(t, path, "q2@client", "marc.leroy@corp.example")
	code, out, errOut := cli(t, "ticket", "list", "--json", "--config", path)
	var all []struct {
		ID       int64
		Status   string
		Assignee string
		Category string
	}
	if err := json.Unmarshal([]byte(out), &all); code != 0 || err != nil || len(all) != 2 || all[0].Assignee == "" {
		t.Fatalf("list: exit %d %v %s: %s", code, err, errOut, out)
	}
	former := all[0].Assignee
	if code, _, errOut := cli(t, "ticket", "pending", fmt.Sprint(all[0].ID), "--config", path); code != 0 {
		t.Fatalf("pending: exit %d %s", code, errOut)
	}
	ids := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, append([]string{"ticket", "list", "--json", "--config", path}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		var got []struct{ ID int64 }
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, g := range got {
			s = append(s, fmt.Sprint(g.ID))
		}
		return strings.Join(s, ",")
	}
	if got := ids("--status", "pending,new,open"); got != "2,1" {
		t.Errorf("--status pending,new,open: %q", got)
	}
	if got := ids("--status", "pending"); got != fmt.Sprint(all[0].ID) {
		t.Errorf("--status pending: %q", got)
	}
	if got := ids("--status", "resolved, closed"); got != "" {
		t.Errorf("--status resolved, closed: %q", got)
	}
	if got := ids("--category", "accounts"); got != "" { // A category of the desk, no ticket in it.
		t.Errorf("--category accounts: %q", got)
	}
	if got := ids("--assignee", "dev@corp.example"); strings.Contains(got, fmt.Sprint(all[0].ID)) && former != "dev@corp.example" {
		t.Errorf("--assignee dev: %q", got)
	}
	if got := ids("--assignee", strings.ToUpper(former)); !strings.Contains(got, fmt.Sprint(all[0].ID)) {
		t.Errorf("--assignee %s: %q", former, got)
	}
	for _, tt := range []struct{ args, want []string }{
		{[]string{"--category", "nosuch"}, []string{`--category "nosuch": no such category`, "network, hardware, accounts, software"}},
		{[]string{"--assignee", "nobody@x.example"}, []string{`--assignee "nobody@x.example": not on the team`, "alice@corp.example, bob@corp.example"}},
		{[]string{"--status", "open,bogus"}, []string{`--status: unknown status "bogus"`}},
		{[]string{"--priority", "high,bogus"}, []string{`--priority: unknown priority "bogus"`}},
	} {
		code, out, errOut := cli(t, append([]string{"ticket", "list", "--config", path}, tt.args...)...)
		if code != 2 || out != "" {
			t.Errorf("%v: exit %d, out %q; want 2 and nothing", tt.args, code, out)
		}
		for _, w := range tt.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: %q lacks %q", tt.args, errOut, w)
			}
		}
	}
	// The technician leaves the team: their tickets stay listable by their address, and the
	// category the desk no longer has stays listable while tickets have it.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "[[technician]]\nname = \""+strings.Split(former, "@")[0])
	if start < 0 {
		i := strings.Index(text, "email = \""+former+"\"")
		start = strings.LastIndex(text[:i], "[[technician]]")
	}
	end := start + len("[[technician]]") + strings.Index(text[start+len("[[technician]]"):], "\n[")
	text = text[:start] + text[end+1:]
	if all[0].Category != "" {
		text = strings.Replace(text, "name = \""+all[0].Category+"\"", "name = \"gone\"", 1)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err != nil {
		t.Fatalf("config without %s: %v", former, err)
	}
	if got := ids("--assignee", former); !strings.Contains(got, fmt.Sprint(all[0].ID)) {
		t.Errorf("former technician %s: %q", former, got)
	}
	if code, _, errOut := cli(t, "ticket", "list", "--assignee", former, "--status", "closed", "--config", path); code != 0 {
		t.Errorf("former technician, no closed ticket: exit %d %s", code, errOut)
	}
	if all[0].Category != "" {
		if got := ids("--category", all[0].Category); !strings.Contains(got, fmt.Sprint(all[0].ID)) {
			t.Errorf("category %s no longer configured: %q", all[0].Category, got)
		}
	}
}
