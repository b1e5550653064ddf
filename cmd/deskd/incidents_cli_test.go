package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// TestCLIIncidents drives the incident commands of the CLI: ticket incident, link, update,
// unlink, similar (text and JSON), list --kind and the JSON of incidents, explain.
func TestCLIIncidents(t *testing.T) {
	path := cliConfig(t)
	seed(t, path) // #1: a VPN request.
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := openDesk(context.Background(), cfg, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range []*tickets.Incoming{
		{MessageID: "q2@client", From: "jacob@corp.example", Subject: "VPN error 809", Text: "The VPN will not connect, error 809.", Language: "en"},
		{MessageID: "q3@client", From: "ines@corp.example", Subject: "Imprimante en panne", Text: "L'imprimante du 2e étage ne répond plus.", Language: "fr"},
	} {
		in.To, in.Verdict = []string{"helpdesk@corp.example"}, tickets.VerdictPerson
		if _, err := d.Ingest(context.Background(), time.Now().Add(time.Duration(i)*time.Second), []*tickets.Incoming{in}); err != nil {
			t.Fatal(err)
		}
	}
	closeStore(d.Store, discardLog())

	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ticket", "link", "2", "1"}, 1, "is not an incident"},
		{[]string{"ticket", "incident", "1", "Panne du concentrateur VPN"}, 0, "ticket 1: done"},
		{[]string{"ticket", "show", "1"}, 0, "#1 Panne du concentrateur VPN"}, // Made an incident and titled in one call.
		{[]string{"ticket", "link", "2", "1"}, 0, "ticket 2: done"},
		{[]string{"ticket", "update", "2", "hello"}, 1, "linked to incident #1"},
		{[]string{"ticket", "update", "1", "Le concentrateur VPN redémarre."}, 0, "ticket 1: done"},
		{[]string{"ticket", "list", "--kind", "incident"}, 0, "[incident] Panne du concentrateur VPN"},
		{[]string{"ticket", "show", "1"}, 0, "incident · 1 linked: #2"},
		{[]string{"ticket", "resolve", "3", "--note", "Rouleau changé."}, 0, "ticket 3: done"},
		{[]string{"ticket", "similar", "3"}, 0, "no resolved ticket like #3"},
		{[]string{"ticket", "unlink", "2"}, 0, "ticket 2: done"},
		{[]string{"ticket", "unlink", "2"}, 1, "not linked to an incident"},
		{[]string{"ticket", "resolve", "2", "--note", "Profil VPN réinstallé."}, 0, "ticket 2: done"},
		{[]string{"ticket", "similar", "1"}, 0, "Profil VPN réinstallé."},
		{[]string{"ticket", "explain", "1"}, 0, "terms: vpn"},
	}
	for _, s := range steps {
		code, out, errOut := cli(t, append(s.args, "--config", path)...)
		if code != s.code || !strings.Contains(out+errOut, s.want) {
			t.Fatalf("deskd %s: exit %d, want %d with %q:\n%s%s", strings.Join(s.args, " "), code, s.code, s.want, out, errOut)
		}
	}
	code, out, _ := cli(t, "ticket", "similar", "1", "--json", "--config", path)
	var ms []tickets.Match
	if code != 0 || json.Unmarshal([]byte(out), &ms) != nil || len(ms) != 1 || ms[0].ID != 2 || ms[0].Similarity <= 0 || ms[0].Note == "" {
		t.Fatalf("similar --json: %d %s", code, out)
	}
	code, out, _ = cli(t, "ticket", "list", "--json", "--config", path)
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("list --json: %d %s", code, out)
	}
	for _, j := range list {
		if j["id"].(float64) == 1 && (j["kind"] != "incident" || j["linked"] == nil) {
			t.Fatalf("incident JSON %v", j)
		}
		if j["id"].(float64) == 3 && (j["kind"] != "request" || j["incident"] != nil) {
			t.Fatalf("request JSON %v", j)
		}
	}
}
