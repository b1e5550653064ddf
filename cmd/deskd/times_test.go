package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
)

// TestFmtTimeSaysItsZone: the CLI's times name their zone, by its abbreviation, or by its
// offset when the zone has none of letters (Go writes "-03").
func TestFmtTimeSaysItsZone(t *testing.T) {
	at := time.Date(2026, 12, 1, 13, 30, 0, 0, time.UTC)
	for zone, want := range map[string]string{
		"Europe/Paris":      "2026-12-01 14:30 CET",
		"America/Sao_Paulo": "2026-12-01 10:30 UTC-3",
		"Asia/Kolkata":      "2026-12-01 19:00 IST",
		"Asia/Kathmandu":    "2026-12-01 19:15 UTC+5:45",
		"UTC":               "2026-12-01 13:30 UTC",
	} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmtTime(&at, loc); got != want {
			t.Errorf("%s: %q, want %q", zone, got, want)
		}
	}
}

// TestInstancesTimesInDeskZone: `deskd check` says when each job last ran in the desk's zone,
// named (it printed the machine's local time, with no zone).
func TestInstancesTimesInDeskZone(t *testing.T) {
	ctx := context.Background()
	s, err := tickets.OpenStore(ctx, storetest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	if ok, err := s.ClaimRun(ctx, "digest", "host-1", at, time.Hour); err != nil || !ok {
		t.Fatalf("claim run: %v %v", ok, err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printInstances(ctx, &out, s, at, paris); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "job digest: last run 2026-12-01 08:00 CET by host-1\n") {
		t.Errorf("want the digest's run at 08:00 CET:\n%s", out.String())
	}
}
