package tickets

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

var paris = mustLoc("Europe/Paris")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at parses a Paris wall-clock time "2006-01-02 15:04".
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
	if err != nil {
		panic(err)
	}
	return t
}

func mustCalendar(t testing.TB, cc CalendarConfig) *Calendar {
	t.Helper()
	c, err := cc.Build()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// office is Monday to Friday, 09:00–18:00 in Paris, with two holidays: Wednesday 11 November
// and Friday 25 December 2026.
func office(t testing.TB) *Calendar {
	return mustCalendar(t, CalendarConfig{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00",
		Timezone: "Europe/Paris", Holidays: []string{"2026-11-11", "2026-12-25"}})
}

func TestCalendarAdd(t *testing.T) {
	off := office(t)
	allDay := mustCalendar(t, CalendarConfig{Days: []string{"Monday", "mardi", "wed", "thu", "fri", "sat", "sun"},
		Start: "00:00", End: "24:00", Timezone: "Europe/Paris"})
	night := mustCalendar(t, CalendarConfig{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
		Start: "01:00", End: "04:00", Timezone: "Europe/Paris"})
	always := mustCalendar(t, CalendarConfig{Always: true, Start: "09:00", End: "18:00", Timezone: "Europe/Paris"})
	tests := []struct {
		name string
		cal  *Calendar
		from string
		d    time.Duration
		want time.Time
	}{
		{"within a day", off, "2026-11-26 10:00", 2 * time.Hour, at("2026-11-26 12:00")},
		{"before hours", off, "2026-11-26 07:00", time.Hour, at("2026-11-26 10:00")},
		{"after hours", off, "2026-11-26 19:00", time.Hour, at("2026-11-27 10:00")},
		{"at start, zero", off, "2026-11-26 09:00", 0, at("2026-11-26 09:00")},
		{"at end", off, "2026-11-26 18:00", 30 * time.Minute, at("2026-11-27 09:30")},
		{"ends exactly at end", off, "2026-11-26 17:00", time.Hour, at("2026-11-26 18:00")},
		{"overflows to next day", off, "2026-11-26 17:00", 2 * time.Hour, at("2026-11-27 10:00")},
		{"over the weekend", off, "2026-11-27 17:00", 2 * time.Hour, at("2026-11-30 10:00")},
		{"from a Saturday", off, "2026-11-28 12:00", time.Hour, at("2026-11-30 10:00")},
		{"zero on a Saturday", off, "2026-11-28 12:00", 0, at("2026-11-30 09:00")},
		{"over a holiday", off, "2026-11-10 17:00", 2 * time.Hour, at("2026-11-12 10:00")},
		{"over Christmas and the weekend", off, "2026-12-24 17:00", 2 * time.Hour, at("2026-12-28 10:00")},
		{"several days", off, "2026-11-30 09:00", 24 * time.Hour, at("2026-12-02 15:00")},
		{"72h low SLA", off, "2026-11-26 09:00", 72 * time.Hour, at("2026-12-07 18:00")},
		{"spring DST weekend", off, "2026-03-27 17:00", 2 * time.Hour, at("2026-03-30 10:00")},
		{"autumn DST weekend", off, "2026-10-23 17:00", 2 * time.Hour, at("2026-10-26 10:00")},
		{"24/7 across spring DST", allDay, "2026-03-28 23:00", 4 * time.Hour, at("2026-03-29 04:00")},
		{"24/7 across autumn DST", allDay, "2026-10-24 23:00", 4 * time.Hour, time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)},
		{"short night on spring DST", night, "2026-03-29 01:00", 150 * time.Minute, at("2026-03-30 01:30")},
		{"long night on autumn DST", night, "2026-10-25 01:00", 210 * time.Minute, at("2026-10-25 03:30")},
		{"always", always, "2026-11-28 12:00", 5 * time.Hour, at("2026-11-28 17:00")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.Add(at(tc.from), tc.d)
			if !got.Equal(tc.want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tc.from, tc.d, got.In(paris), tc.want)
			}
			if b := tc.cal.Between(at(tc.from), got); b != tc.d {
				t.Fatalf("Between(%s, Add) = %s, want %s", tc.from, b, tc.d)
			}
		})
	}
}

func TestCalendarBetween(t *testing.T) {
	off := office(t)
	allDay := mustCalendar(t, CalendarConfig{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
		Start: "00:00", End: "24:00", Timezone: "Europe/Paris"})
	night := mustCalendar(t, CalendarConfig{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"},
		Start: "01:00", End: "04:00", Timezone: "Europe/Paris"})
	tests := []struct {
		name     string
		cal      *Calendar
		from, to string
		want     time.Duration
	}{
		{"same day", off, "2026-11-26 10:00", "2026-11-26 12:00", 2 * time.Hour},
		{"reversed", off, "2026-11-26 12:00", "2026-11-26 10:00", 0},
		{"equal", off, "2026-11-26 12:00", "2026-11-26 12:00", 0},
		{"before hours", off, "2026-11-26 06:00", "2026-11-26 08:00", 0},
		{"start before hours", off, "2026-11-26 06:00", "2026-11-26 10:00", time.Hour},
		{"end after hours", off, "2026-11-26 17:00", "2026-11-26 23:00", time.Hour},
		{"exact working day", off, "2026-11-26 09:00", "2026-11-26 18:00", 9 * time.Hour},
		{"overnight", off, "2026-11-26 17:00", "2026-11-27 10:00", 2 * time.Hour},
		{"weekend", off, "2026-11-27 17:00", "2026-11-30 10:00", 2 * time.Hour},
		{"inside a weekend", off, "2026-11-28 10:00", "2026-11-29 20:00", 0},
		{"holiday", off, "2026-11-10 17:00", "2026-11-12 10:00", 2 * time.Hour},
		{"on the holiday", off, "2026-11-11 10:00", "2026-11-11 16:00", 0},
		{"one week", off, "2026-11-30 00:00", "2026-12-07 00:00", 45 * time.Hour},
		{"spring DST weekend", off, "2026-03-27 17:00", "2026-03-30 10:00", 2 * time.Hour},
		{"autumn DST weekend", off, "2026-10-23 17:00", "2026-10-26 10:00", 2 * time.Hour},
		{"23-hour day", allDay, "2026-03-29 00:00", "2026-03-30 00:00", 23 * time.Hour},
		{"25-hour day", allDay, "2026-10-25 00:00", "2026-10-26 00:00", 25 * time.Hour},
		{"short night", night, "2026-03-29 00:00", "2026-03-29 12:00", 2 * time.Hour},
		{"long night", night, "2026-10-25 00:00", "2026-10-25 12:00", 4 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.Between(at(tc.from), at(tc.to)); got != tc.want {
				t.Fatalf("Between(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

// TestCalendarRoundTrip checks Between(t, Add(t, d)) == d over a year of random instants.
func TestCalendarRoundTrip(t *testing.T) {
	off := office(t)
	r := rand.New(rand.NewPCG(1, 2))
	start := at("2026-01-01 00:00")
	for i := 0; i < 2000; i++ {
		from := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Minute)
		d := time.Duration(r.Int64N(int64(80 * time.Hour))).Truncate(time.Minute)
		to := off.Add(from, d)
		if got := off.Between(from, to); got != d {
			t.Fatalf("Between(%s, Add(%s)) = %s", from.In(paris), d, got)
		}
		if d > 0 && !off.IsWorking(to.Add(-time.Nanosecond)) {
			t.Fatalf("Add(%s, %s) = %s is not at the end of working time", from.In(paris), d, to.In(paris))
		}
	}
}

func TestCalendarBuildErrors(t *testing.T) {
	for _, cc := range []CalendarConfig{
		{Days: []string{"mon"}, Start: "18:00", End: "09:00", Timezone: "UTC"},
		{Days: []string{"funday"}, Start: "09:00", End: "18:00", Timezone: "UTC"},
		{Days: []string{"mon"}, Start: "9h", End: "18:00", Timezone: "UTC"},
		{Days: []string{"mon"}, Start: "09:00", End: "18:00", Timezone: "Mars/Olympus"},
		{Days: []string{"mon"}, Start: "09:00", End: "18:00", Timezone: "UTC", Holidays: []string{"25/12/2026"}},
		{Start: "09:00", End: "18:00", Timezone: "UTC"},
		{Days: []string{""}, Start: "09:00", End: "18:00", Timezone: "UTC"},
	} {
		if _, err := cc.Build(); err == nil {
			t.Errorf("%+v: no error", cc)
		}
	}
}

func TestDue(t *testing.T) {
	off := office(t)
	sla := SLAConfig{FirstResponse: SLATime{Time: 2 * time.Hour}, Resolve: SLATime{Time: 8 * time.Hour}}
	// Opened Friday 16:00 before the spring DST change: two hours left on Friday.
	dl := Due(sla, at("2026-03-27 16:00"), 0, off)
	if !dl.FirstResponse.Equal(at("2026-03-27 18:00")) || !dl.Resolve.Equal(at("2026-03-30 15:00")) {
		t.Fatalf("deadlines %s, %s", dl.FirstResponse.In(paris), dl.Resolve.In(paris))
	}
	// Three business hours pending push both deadlines back by three business hours.
	dl = Due(sla, at("2026-03-27 16:00"), 3*time.Hour, off)
	if !dl.FirstResponse.Equal(at("2026-03-30 12:00")) || !dl.Resolve.Equal(at("2026-03-30 18:00")) {
		t.Fatalf("deadlines after pause %s, %s", dl.FirstResponse.In(paris), dl.Resolve.In(paris))
	}
}

// TestPendingStopsTheClock runs a ticket through pending on a desk with office hours: the
// business time spent pending moves its deadlines back; the weekend costs nothing.
func TestPendingInBusinessHours(t *testing.T) {
	d := newDeskTOML(t, officeHours)
	ctx := context.Background()
	tk := openTicket(t, d, at("2026-11-26 10:00"), NewTicket{Subject: "Écran qui clignote", Text: "mon écran clignote",
		Requester: "celine@corp.example", Language: "fr"})
	// Normal priority: first response 4h, resolve 24h of business time.
	if !tk.FirstResponseDue.Equal(at("2026-11-26 14:00")) || !tk.ResolveDue.Equal(at("2026-11-30 16:00")) {
		t.Fatalf("deadlines %s, %s", tk.FirstResponseDue.In(paris), tk.ResolveDue.In(paris))
	}
	do := func(now time.Time, fn func(*Tx, *Ticket) error) {
		t.Helper()
		if err := d.Do(ctx, tk.ID, now, fn); err != nil {
			t.Fatal(err)
		}
	}
	do(at("2026-11-26 11:00"), func(tx *Tx, tk *Ticket) error { return tx.Pending(tk, "alice@corp.example") })
	// Pending from Thursday 11:00 to Monday 10:00: 7h + 9h + 1h = 17 business hours.
	do(at("2026-11-30 10:00"), func(tx *Tx, tk *Ticket) error {
		return tx.Message(tk, "toujours noir", "celine@corp.example", "")
	})
	got, err := d.Store.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusOpen || got.Paused != 17*time.Hour {
		t.Fatalf("status %s, paused %s", got.Status, got.Paused)
	}
	if !got.FirstResponseDue.Equal(at("2026-11-30 13:00")) || !got.ResolveDue.Equal(at("2026-12-02 15:00")) {
		t.Fatalf("deadlines after pending %s, %s", got.FirstResponseDue.In(paris), got.ResolveDue.In(paris))
	}
}
