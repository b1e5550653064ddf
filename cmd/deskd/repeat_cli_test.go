package main

import (
	"context"
	"strings"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// TestCLIRepeatedStatusChange: resolving a resolved ticket or closing a closed one again is a
// no-op that says so, exit 0: the requester is not mailed again and the history does not repeat.
func TestCLIRepeatedStatusChange(t *testing.T) {
	path := cliConfig(t)
	seed(t, path) // #1: a VPN request.
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"ticket", "resolve", "1", "--note", "Profil VPN réinstallé."}, "ticket 1: done"},
		{[]string{"ticket", "resolve", "1", "--note", "Profil VPN réinstallé."}, "ticket 1 is already resolved: nothing done, nothing sent"},
		{[]string{"ticket", "close", "1"}, "ticket 1: done"},
		{[]string{"ticket", "close", "1"}, "ticket 1 is already closed: nothing done, nothing sent"},
	}
	for _, s := range steps {
		code, out, errOut := cli(t, append(s.args, "--config", path)...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("deskd %s: exit %d, want 0 with %q:\n%s%s", strings.Join(s.args, " "), code, s.want, out, errOut)
		}
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
	for _, kind := range []string{tickets.KindResolved, tickets.KindUpdate} {
		var n int
		if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM outbox WHERE ticket_id = 1 AND kind = ? AND recipients LIKE '%celine.dupre%'`, kind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d %s mails to the requester, want 1", n, kind)
		}
	}
	evs, err := d.Store.Events(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	replies, changes := 0, 0
	for _, e := range evs {
		switch e.Kind {
		case tickets.EventReply:
			replies++
		case tickets.EventStatus:
			changes++
		}
	}
	if replies != 1 {
		t.Errorf("the resolution note is %d times in the history", replies)
	}
	if changes != 2 { // open → resolved, resolved → closed
		t.Errorf("%d status lines in the history:\n%+v", changes, evs)
	}
}
