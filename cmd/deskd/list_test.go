package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
