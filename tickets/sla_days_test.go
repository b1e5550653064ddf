package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseSLATime(t *testing.T) {
	for in, want := range map[string]SLATime{
		"3d": {Days: 3}, "4h": {Time: 4 * time.Hour}, "90m": {Time: 90 * time.Minute}, "1d4h": {Days: 1, Time: 4 * time.Hour},
		"0": {}, " 2d ": {Days: 2},
	} {
		got, err := ParseSLATime(in)
		if err != nil || got != want {
			t.Errorf("%q = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "2.5d", "-1d", "-4h", "1d-1h", "3days", "3 d", "x"} {
		if got, err := ParseSLATime(bad); err == nil {
			t.Errorf("%q = %+v, want an error", bad, got)
		}
	}
	for _, s := range []string{"3d", "1d4h0m0s", "4h0m0s"} {
		if got, _ := ParseSLATime(s); got.String() != s {
			t.Errorf("%q reads back as %q", s, got.String())
		}
	}
}

// TestSLAInWorkingDays: "Nd" is N working days of the calendar, "Nh" N business hours.
func TestSLAInWorkingDays(t *testing.T) {
	off := office(t) // Monday to Friday 09:00–18:00 in Paris; Wednesday 11 November is a holiday.
	always := mustCalendar(t, CalendarConfig{Always: true, Start: "09:00", End: "18:00", Timezone: "Europe/Paris"})
	sla := func(first, resolve string) SLAConfig {
		fr, err := ParseSLATime(first)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ParseSLATime(resolve)
		if err != nil {
			t.Fatal(err)
		}
		return SLAConfig{FirstResponse: fr, Resolve: res}
	}
	for _, tt := range []struct {
		name            string
		cal             *Calendar
		sla             SLAConfig
		opened          time.Time
		paused          time.Duration
		first, resolved time.Time
	}{
		{"Friday afternoon, 3 working days: the next Wednesday at the same hour", off, sla("4h", "3d"),
			at("2026-11-27 15:00"), 0, at("2026-11-30 10:00"), at("2026-12-02 15:00")},
		{"a holiday counts nothing", off, sla("1d", "2d"),
			at("2026-11-10 10:00"), 0, at("2026-11-12 10:00"), at("2026-11-13 10:00")},
		{"opened on Saturday: the first working day is Monday", off, sla("1d", "3d"),
			at("2026-11-28 11:00"), 0, at("2026-11-30 18:00"), at("2026-12-02 18:00")},
		{"days and hours", off, sla("4h", "1d4h"),
			at("2026-11-30 10:00"), 0, at("2026-11-30 14:00"), at("2026-12-01 14:00")},
		{"pending time pushes working days back", off, sla("4h", "3d"),
			at("2026-11-27 15:00"), 9 * time.Hour, at("2026-12-01 10:00"), at("2026-12-03 15:00")},
		{"a 24/7 desk: a day is 24 hours", always, sla("1h", "3d"),
			at("2026-11-27 15:00"), 0, at("2026-11-27 16:00"), at("2026-11-30 15:00")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dl := Due(tt.sla, tt.opened, tt.paused, tt.cal)
			if !dl.FirstResponse.Equal(tt.first) || !dl.Resolve.Equal(tt.resolved) {
				t.Errorf("deadlines %s, %s; want %s, %s", dl.FirstResponse.In(paris), dl.Resolve.In(paris), tt.first.In(paris), tt.resolved.In(paris))
			}
		})
	}
}

// TestSLADaysInConfig: a desk configured with resolve = "3d" gives a ticket opened on Friday its
// resolution deadline on Wednesday, and escalates when that passes, not 72 hours later.
func TestSLADaysInConfig(t *testing.T) {
	d := newDeskTOML(t, officeHours, func(s string) string {
		return strings.Replace(s, "[sla.normal]\nfirst_response = \"4h\"\nresolve = \"24h\"", "[sla.normal]\nfirst_response = \"1d\"\nresolve = \"3d\"", 1)
	})
	if got := d.Config().SLA["normal"].Resolve; got != (SLATime{Days: 3}) {
		t.Fatalf("sla.normal.resolve = %+v, want 3 days", got)
	}
	tk := openTicket(t, d, at("2026-11-27 15:00"), NewTicket{Subject: "Écran qui clignote", Text: "mon écran clignote",
		Requester: "celine@corp.example", Language: "fr"})
	if tk.Priority != PriorityNormal {
		t.Fatalf("priority %s, want normal: the test needs a request of normal priority", tk.Priority)
	}
	if !tk.FirstResponseDue.Equal(at("2026-11-30 15:00")) || !tk.ResolveDue.Equal(at("2026-12-02 15:00")) {
		t.Fatalf("deadlines %s, %s; want Monday 15:00 and Wednesday 15:00", tk.FirstResponseDue.In(paris), tk.ResolveDue.In(paris))
	}
	// A first response, then the resolution deadline passes on Wednesday at 15:00.
	if err := d.Do(context.Background(), tk.ID, at("2026-11-30 09:30"), func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "Nous regardons.", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now       time.Time
		escalated int
	}{{at("2026-12-02 14:59"), 0}, {at("2026-12-02 15:00"), 1}} {
		rep, err := d.RunEscalation(context.Background(), tt.now)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Escalated) != tt.escalated {
			t.Errorf("escalation at %s: escalated %v, want %d", tt.now.In(paris), rep.Escalated, tt.escalated)
		}
	}
}

// TestSLADaysValidated: first_response longer than resolve is refused in business time, days counted
// on the calendar.
func TestSLADaysValidated(t *testing.T) {
	cfg := parseTestConfig(t, officeHours(testConfigTOML))
	cfg.SLA["normal"] = SLAConfig{FirstResponse: SLATime{Days: 1}, Resolve: SLATime{Time: 8 * time.Hour}}
	if err := cfg.Validate([]string{"fr", "en"}); err == nil || !strings.Contains(err.Error(), "first_response 1d is longer than resolve 8h0m0s") {
		t.Errorf("1d before 8h on a 9-hour day: %v", err)
	}
	cfg.SLA["normal"] = SLAConfig{FirstResponse: SLATime{Days: 1}, Resolve: SLATime{Time: 9 * time.Hour}}
	if err := cfg.Validate([]string{"fr", "en"}); err != nil {
		t.Errorf("1d before 9h on a 9-hour day: %v", err)
	}
}
