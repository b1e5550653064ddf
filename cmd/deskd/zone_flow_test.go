package main

import (
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestFlowTimesInDeskZone runs the jobs on a fixed clock for a desk in Paris and reads every
// time in the mails they send: the reminder to the assignee, the escalation to the specialist,
// the digest to the coordinators. Each shows the deadline as it is in Paris, and none shows a
// UTC time as if it were local. The reminder once said "avant le lundi 30 novembre à 22:42"
// while its own summary said 23:42.
func TestFlowTimesInDeskZone(t *testing.T) {
	f := newFlow(t, "")
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	tk := f.openVPN("celine@corp.example")
	if tk.Priority != tickets.PriorityNormal || tk.Assignee != alice {
		t.Fatalf("ticket %+v", tk)
	}
	// Time travel to a fixed clock: opened Monday 30 November at 18:31 UTC, first answer due at
	// 22:42 UTC (23:42 in Paris); its events at 17:05 UTC.
	created := time.Date(2026, 11, 30, 18, 31, 0, 0, time.UTC)
	firstDue := time.Date(2026, 11, 30, 22, 42, 0, 0, time.UTC)
	resolveDue := time.Date(2026, 12, 1, 16, 42, 0, 0, time.UTC)
	db := f.sqlDB()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE tickets SET created_at = ?, first_response_due = ?, resolve_due = ? WHERE id = ?`,
			[]any{created.Unix(), firstDue.Unix(), resolveDue.Unix(), tk.ID}},
		{`UPDATE events SET at = ? WHERE ticket_id = ?`, []any{time.Date(2026, 11, 30, 17, 5, 0, 0, time.UTC).Unix(), tk.ID}},
	} {
		if _, err := db.ExecContext(f.ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	// Every instant a mail may show; none may appear as its UTC clock time.
	instants := []time.Time{firstDue, resolveDue,
		created.Add(time.Hour), created.Add(8 * time.Hour)} // The high-priority deadlines after the escalation.
	noUTC := func(t *testing.T, who string, body string, extra ...time.Time) {
		t.Helper()
		for _, tm := range append(instants, extra...) {
			if utc := tm.UTC().Format("15:04"); strings.Contains(body, utc) {
				t.Errorf("%s's mail shows %s, %s in UTC (%s in Paris):\n%s", who, utc, tm.Format(time.RFC3339), tm.In(paris).Format("15:04"), body)
			}
		}
	}
	drain := func() {
		if _, err := f.dm.out.Drain(f.ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	// 22:00 UTC: 42 minutes left of four hours, the reminder.
	if _, err := f.dm.desk.RunEscalation(f.ctx, time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	drain()
	reminder := f.text(f.one(alice, tickets.KindReminder, tk.ID))
	if !strings.Contains(reminder, "attend une première réponse avant le lundi 30 novembre à 23:42 (heure de Paris, UTC+1)") {
		t.Errorf("the reminder does not give the deadline in Paris time:\n%s", reminder)
	}
	noUTC(t, "Alice", reminder)

	// 22:43 UTC: the first response is late, the ticket goes to Chloé (tier 2).
	if _, err := f.dm.desk.RunEscalation(f.ctx, time.Date(2026, 11, 30, 22, 43, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	drain()
	escalated := f.text(f.one(chloe, tickets.KindEscalated, tk.ID))
	if !strings.Contains(escalated, ", lundi 30 novembre à 23:42 (heure de Paris, UTC+1),") || !strings.Contains(escalated, "30 nov. 18:05 UTC+1") {
		t.Errorf("the escalation does not give the deadline and the history in Paris time:\n%s", escalated)
	}
	noUTC(t, "Chloé", escalated)

	// Tuesday 1 December, 07:00 UTC (08:00 in Paris): the digest lists the ticket as overdue, due
	// at 20:31 in Paris (its first answer at high priority).
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	if _, err := f.dm.desk.RunDigest(f.ctx, now); err != nil {
		t.Fatal(err)
	}
	drain()
	for who, want := range map[string][]string{
		"nadia@corp.example": {"au 1 déc. à 08:00 (heure de Paris, UTC+1)", "échéance 30 nov. 20:31 UTC+1"},
		"sam@corp.example":   {"as of 1 Dec 08:00 CET (UTC+1)", "due 30 Nov 20:31 CET"},
	} {
		ms := f.mails(who, tickets.KindDigest, 0)
		if len(ms) != 1 {
			t.Fatalf("%s got %d digests", who, len(ms))
		}
		digest := f.text(ms[0])
		for _, w := range want {
			if !strings.Contains(digest, w) {
				t.Errorf("%s's digest lacks %q:\n%s", who, w, digest)
			}
		}
		noUTC(t, who, digest, now)
	}
}
