package main

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
)

// TestInstancesSayAGoneSender: deskd check counts as alive the senders whose heartbeat is recent,
// except one on this machine whose process is gone (a SIGKILLed deskd, before its heartbeat runs
// out), which it says is gone.
func TestInstancesSayAGoneSender(t *testing.T) {
	self := mailout.Self()
	if self.Start == "" {
		t.Skip("no /proc here: a gone process cannot be told")
	}
	ctx := context.Background()
	s, err := tickets.OpenStore(ctx, storetest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := self
	dead.PID = cmd.Process.Pid // Exited and reaped.
	now := time.Now()
	for _, c := range []mailout.Claimant{self, dead} {
		if err := s.Heartbeat(ctx, c.String(), now.Add(-2*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := printInstances(ctx, &out, s, now, time.UTC); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "sender alive: ") != 1 || strings.Count(out.String(), "sender gone: ") != 1 ||
		!strings.Contains(out.String(), "sender gone: pid "+strconv.Itoa(dead.PID)+" ") {
		t.Fatalf("want one sender alive and the dead one gone:\n%s", out.String())
	}
}
