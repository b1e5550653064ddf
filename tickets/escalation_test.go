package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// officeHours replaces the test config's 24/7 calendar by Paris office hours.
func officeHours(toml string) string {
	return strings.Replace(toml, "[calendar]\nalways = true", `[calendar]
days = ["mon", "tue", "wed", "thu", "fri"]
start = "09:00"
end = "18:00"
timezone = "Europe/Paris"
holidays = ["2026-11-11", "2026-12-25"]`, 1)
}

// newDeskTOML is newTestDesk with the test config edited first.
func newDeskTOML(t testing.TB, edits ...func(string) string) *Desk {
	t.Helper()
	toml := testConfigTOML
	for _, e := range edits {
		toml = e(toml)
	}
	return deskFromTOML(t, toml)
}

// vpnRequest is a normal-priority network request: first response in 4h, resolution in 24h on the
// test desk's 24/7 calendar; Alice (tier 1) gets it.
var vpnRequest = NewTicket{Subject: "Le VPN ne marche plus", Text: "Bonjour, le vpn ne se connecte plus.",
	Requester: "celine@corp.example", RequesterName: "Céline", Language: "fr"}

// countEvents counts a ticket's events of a kind.
func countEvents(t testing.TB, d *Desk, id int64, kind string) int {
	t.Helper()
	var n int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM events WHERE ticket_id = ? AND kind = ?`, id, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func runEscalation(t testing.TB, d *Desk, now time.Time) EscalationReport {
	t.Helper()
	rep, err := d.RunEscalation(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustTicket(t testing.TB, d *Desk, id int64) *Ticket {
	t.Helper()
	tk, err := d.Store.Ticket(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestCheckSLA(t *testing.T) {
	cal := &Calendar{loc: time.UTC, always: true} // A 24/7 desk.
	sla := SLAConfig{FirstResponse: SLATime{Time: 4 * time.Hour}, Resolve: SLATime{Time: 24 * time.Hour}}
	base := Ticket{Status: StatusOpen, CreatedAt: t0, FirstResponseDue: t0.Add(4 * time.Hour), ResolveDue: t0.Add(24 * time.Hour)}
	answered := base
	answered.FirstResponseAt = t0.Add(time.Hour)
	pending := base
	pending.Status = StatusPending
	resolved := base
	resolved.Status = StatusResolved
	escalatedFR := base
	escalatedFR.BreachedDue = base.FirstResponseDue
	remindedFR := base
	remindedFR.RemindedDue = base.FirstResponseDue
	remindedRes := base
	remindedRes.RemindedDue = base.ResolveDue
	tests := []struct {
		name  string
		tk    Ticket
		now   time.Time
		setAt time.Time
		want  slaAction
	}{
		{"early", base, t0.Add(time.Hour), t0, slaAction{}},
		{"just before the reminder", base, t0.Add(3*time.Hour + 11*time.Minute), t0, slaAction{}},
		{"first response reminder", base, t0.Add(3*time.Hour + 12*time.Minute), t0, slaAction{Remind: DeadlineFirstResponse, RemindDue: base.FirstResponseDue}},
		{"reminded already", remindedFR, t0.Add(3*time.Hour + 30*time.Minute), t0, slaAction{}},
		{"first response breached", base, t0.Add(4 * time.Hour), t0, slaAction{Escalate: DeadlineFirstResponse, Due: base.FirstResponseDue}},
		{"first response escalated already", escalatedFR, t0.Add(5 * time.Hour), t0, slaAction{}},
		{"answered: resolve reminder", answered, t0.Add(20 * time.Hour), t0, slaAction{Remind: DeadlineResolve, RemindDue: base.ResolveDue}},
		{"resolve reminder covers first response", base, t0.Add(20 * time.Hour), t0.Add(19 * time.Hour),
			slaAction{Settle: base.FirstResponseDue, Remind: DeadlineResolve, RemindDue: base.ResolveDue}},
		{"resolve reminded, first response escalated", remindedRes, t0.Add(21 * time.Hour), t0, slaAction{Escalate: DeadlineFirstResponse, Due: base.FirstResponseDue}},
		{"both breached: one escalation", base, t0.Add(25 * time.Hour), t0, slaAction{Escalate: DeadlineResolve, Due: base.ResolveDue}},
		{"resolve breached after first response escalation", escalatedFR, t0.Add(24 * time.Hour), t0, slaAction{Escalate: DeadlineResolve, Due: base.ResolveDue}},
		{"born past: settled", base, t0.Add(5 * time.Hour), t0.Add(4*time.Hour + time.Minute), slaAction{Settle: base.FirstResponseDue}},
		{"born past then a real breach", base, t0.Add(25 * time.Hour), t0.Add(5 * time.Hour), slaAction{Escalate: DeadlineResolve, Due: base.ResolveDue}},
		{"pending", pending, t0.Add(30 * time.Hour), t0, slaAction{}},
		{"resolved", resolved, t0.Add(30 * time.Hour), t0, slaAction{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkSLA(&tc.tk, tc.now, tc.setAt, sla, 0.8, cal); got != tc.want {
				t.Fatalf("checkSLA = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestEscalationOncePerBreach(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, vpnRequest)
	if tk.Priority != PriorityNormal || tk.Assignee != "alice@corp.example" {
		t.Fatalf("ticket %s %s", tk.Priority, tk.Assignee)
	}
	before := len(outbox(t, d))
	breach := t0.Add(4*time.Hour + time.Minute)
	for i := 0; i < 10; i++ {
		now := breach // Five runs at the same instant, then five a minute apart.
		if i >= 5 {
			now = breach.Add(time.Duration(i) * time.Minute)
		}
		rep := runEscalation(t, d, now)
		if want := i == 0; (len(rep.Escalated) == 1) != want || len(rep.Reminded) != 0 {
			t.Fatalf("run %d: %+v", i, rep)
		}
	}
	got := mustTicket(t, d, tk.ID)
	if got.Priority != PriorityHigh || got.Tier != 2 || got.Assignee != "chloe@corp.example" || got.Escalations != 1 {
		t.Fatalf("after the breach: %s tier %d %s escalations %d", got.Priority, got.Tier, got.Assignee, got.Escalations)
	}
	// High priority: its first response was due at t0+2h, already past and covered by this
	// escalation; the specialist's resolution target is the high SLA (8h) from the escalation.
	if !got.BreachedDue.Equal(t0.Add(4*time.Hour)) || !got.ResolveDue.Equal(breach.Add(8*time.Hour)) {
		t.Fatalf("breached_due %v resolve_due %v", got.BreachedDue, got.ResolveDue)
	}
	if n := countEvents(t, d, tk.ID, EventEscalate); n != 1 {
		t.Fatalf("%d escalate events", n)
	}
	want := []string{`escalated ["chloe@corp.example"]`, `escalated ["celine@corp.example"]`, `escalated ["nadia@corp.example"]`}
	if o := outbox(t, d)[before:]; strings.Join(o, "\n") != strings.Join(want, "\n") {
		t.Fatalf("outbox %v, want %v", o, want)
	}
	var reason string
	if err := d.Store.Reader().QueryRow(`SELECT text FROM events WHERE ticket_id = ? AND kind = 'escalate'`, tk.ID).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	if reason != "first response deadline missed, due Thursday 26 November at 14:00 CET (UTC+1)" { // In JournalLanguage; each reader gets it in theirs.
		t.Fatalf("reason %q", reason)
	}

	// That resolution target is a new deadline: its breach escalates again, once.
	second := breach.Add(8 * time.Hour)
	if rep := runEscalation(t, d, second.Add(-time.Minute)); len(rep.Escalated) != 0 {
		t.Fatalf("before the new target: %+v", rep)
	}
	for i := 0; i < 5; i++ {
		runEscalation(t, d, second)
	}
	got = mustTicket(t, d, tk.ID)
	if got.Priority != PriorityUrgent || got.Tier != 3 || got.Assignee != "dev@corp.example" || got.Escalations != 2 {
		t.Fatalf("after the second breach: %s tier %d %s escalations %d", got.Priority, got.Tier, got.Assignee, got.Escalations)
	}
	if !got.ResolveDue.Equal(second.Add(4 * time.Hour)) {
		t.Fatalf("urgent resolution target %v", got.ResolveDue)
	}
	// Urgent's first response (t0+30m) is past already; the resolution target, missed, escalates
	// once more (nothing can rise: the assignee and the coordinators are told), then nothing,
	// however long it lasts.
	for _, h := range []time.Duration{13, 17, 24, 100} {
		rep := runEscalation(t, d, t0.Add(h*time.Hour))
		if want := h == 17; (len(rep.Escalated) == 1) != want || len(rep.Reminded) != 0 && h != 13 {
			t.Fatalf("at +%dh: %+v", h, rep)
		}
	}
	if n := countEvents(t, d, tk.ID, EventEscalate); n != 3 {
		t.Fatalf("%d escalate events", n)
	}
}

func TestEscalationTopTier(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error {
		tk.Tier, tk.Assignee = 3, "dev@corp.example"
		return tx.save(tk)
	}); err != nil {
		t.Fatal(err)
	}
	before := len(outbox(t, d))
	for i := 0; i < 3; i++ {
		runEscalation(t, d, t0.Add(5*time.Hour))
	}
	got := mustTicket(t, d, tk.ID)
	if got.Tier != 3 || got.Assignee != "dev@corp.example" || got.Priority != PriorityHigh || got.Escalations != 1 {
		t.Fatalf("top tier: %s tier %d %s escalations %d", got.Priority, got.Tier, got.Assignee, got.Escalations)
	}
	// At the top tier nobody takes it over; the assignee, the requester and the coordinators are told.
	if o := strings.Join(outbox(t, d)[before:], " | "); o != `escalated ["dev@corp.example"] | escalated ["celine@corp.example"] | escalated ["nadia@corp.example"]` {
		t.Fatalf("at the top tier: %s", o)
	}
}

// TestEscalationTopTierUrgent checks a missed deadline of a ticket at the top tier and urgent
// already: nothing rises, the requester is not told anything new, the assignee and the
// coordinators are, once however often the job runs.
func TestEscalationTopTierUrgent(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error {
		if err := tx.Assign(tk, "dev@corp.example", "nadia@corp.example"); err != nil {
			return err
		}
		return tx.SetPriority(tk, PriorityUrgent, "nadia@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	before := len(outbox(t, d))
	for i := 0; i < 3; i++ {
		runEscalation(t, d, t0.Add(time.Hour+time.Duration(i)*time.Minute)) // First response due at t0+30m.
	}
	got := mustTicket(t, d, tk.ID)
	if got.Tier != 3 || got.Assignee != "dev@corp.example" || got.Priority != PriorityUrgent || got.Escalations != 1 {
		t.Fatalf("top tier, urgent: %s tier %d %s escalations %d", got.Priority, got.Tier, got.Assignee, got.Escalations)
	}
	if o := strings.Join(outbox(t, d)[before:], " | "); o != `escalated ["dev@corp.example"] | escalated ["nadia@corp.example"]` {
		t.Fatalf("top tier, urgent: %s", o)
	}
	var data string
	if err := d.Store.Reader().QueryRow(`SELECT data FROM outbox JOIN outbox_data USING (id) WHERE recipients = '["dev@corp.example"]' AND kind = 'escalated'`).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(data, `"unchanged":true`) {
		t.Fatalf("the assignee's notice does not say nothing rose: %s", data)
	}
}

// TestEscalationOverlappingRuns runs two escalation jobs at once over many breached tickets: each
// ticket is escalated exactly once.
func TestEscalationOverlappingRuns(t *testing.T) {
	d := newTestDesk(t)
	const n = 20
	var ids []int64
	for i := 0; i < n; i++ {
		ids = append(ids, openTicket(t, d, t0, vpnRequest).ID)
	}
	now := t0.Add(5 * time.Hour)
	var reps [2]EscalationReport
	var errs [2]error
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { reps[i], errs[i] = d.RunEscalation(context.Background(), now) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(reps[0].Escalated) + len(reps[1].Escalated); got != n {
		t.Fatalf("%d escalations in all (%v, %v), want %d", got, reps[0].Escalated, reps[1].Escalated, n)
	}
	for _, id := range ids {
		if c := countEvents(t, d, id, EventEscalate); c != 1 {
			t.Fatalf("ticket %d: %d escalations", id, c)
		}
	}
}

func TestReminderOnce(t *testing.T) {
	d := newDeskTOML(t, func(s string) string { return s + "\n[escalation]\nreminder_at = 0.75\n" })
	ctx := context.Background()
	tk := openTicket(t, d, t0, vpnRequest)
	before := len(outbox(t, d))
	// 75% of the 4h first response is 3h.
	if rep := runEscalation(t, d, t0.Add(2*time.Hour+59*time.Minute)); len(rep.Reminded) != 0 {
		t.Fatalf("too early: %+v", rep)
	}
	for i := 0; i < 3; i++ {
		rep := runEscalation(t, d, t0.Add(3*time.Hour+time.Duration(i)*10*time.Minute))
		if (len(rep.Reminded) == 1) != (i == 0) || len(rep.Escalated) != 0 {
			t.Fatalf("run %d: %+v", i, rep)
		}
	}
	if o := outbox(t, d)[before:]; len(o) != 1 || o[0] != `reminder ["alice@corp.example"]` {
		t.Fatalf("outbox %v", o)
	}
	var lang, data string
	if err := d.Store.Reader().QueryRow(`SELECT language, data FROM outbox JOIN outbox_data USING (id) WHERE kind = 'reminder'`).Scan(&lang, &data); err != nil {
		t.Fatal(err)
	}
	var nt Notice
	if err := json.Unmarshal([]byte(data), &nt); err != nil {
		t.Fatal(err)
	}
	if lang != "fr" || nt.Event != DeadlineFirstResponse || nt.Reason != "première réponse attendue avant jeudi 26 novembre à 14:00 (heure de Paris, UTC+1)" || nt.Ticket.ID != tk.ID {
		t.Fatalf("reminder %s %+v", lang, nt)
	}
	// Alice answers: the resolve deadline (t0+24h) gets its own reminder at 18h, once.
	if err := d.Do(ctx, tk.ID, t0.Add(3*time.Hour+30*time.Minute), func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "Pouvez-vous redémarrer ?", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, h := range []time.Duration{17, 18, 19, 20} {
		total += len(runEscalation(t, d, t0.Add(h*time.Hour)).Reminded)
	}
	if total != 1 || countEvents(t, d, tk.ID, EventRemind) != 2 {
		t.Fatalf("%d resolve reminders, %d reminder events", total, countEvents(t, d, tk.ID, EventRemind))
	}
}

func TestEscalationSkipsPending(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(context.Background(), tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Pending(tk, "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if rep := runEscalation(t, d, t0.Add(100*time.Hour)); len(rep.Escalated)+len(rep.Reminded) != 0 {
		t.Fatalf("pending ticket: %+v", rep)
	}
}

// TestManualEscalationDoesNotCascade: a technician escalates a ticket whose new, shorter first
// response deadline is already past; the job does not escalate it again for that deadline.
func TestManualEscalationDoesNotCascade(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, vpnRequest)
	if err := d.Do(context.Background(), tk.ID, t0.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Escalate(tk, "VPN down for the whole floor", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if rep := runEscalation(t, d, t0.Add(3*time.Hour+time.Duration(i)*time.Minute)); len(rep.Escalated) != 0 {
			t.Fatalf("run %d escalated again: %+v", i, rep)
		}
	}
	got := mustTicket(t, d, tk.ID)
	if got.Escalations != 1 || !got.BreachedDue.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("escalations %d breached_due %v", got.Escalations, got.BreachedDue)
	}
	// Its resolution target (high: 8h from the escalation) still escalates when missed.
	if rep := runEscalation(t, d, t0.Add(11*time.Hour-time.Second)); len(rep.Escalated) != 0 {
		t.Fatalf("before the resolution target: %+v", rep)
	}
	if rep := runEscalation(t, d, t0.Add(11*time.Hour)); len(rep.Escalated) != 1 {
		t.Fatalf("resolve breach: %+v", rep)
	}
}

// seedOpenTickets inserts n open tickets straight into the database, in one transaction: their
// first response given, their resolution due between one and thirty days after now. A few, one in
// ten thousand, are breached and already escalated for it.
func seedOpenTickets(t testing.TB, d *Desk, n int, now time.Time) {
	t.Helper()
	err := d.Store.write(context.Background(), func(tx *sql.Tx) error {
		st, err := tx.Prepare(`INSERT INTO tickets (subject, requester, status, priority, category, assignee, tier,
			language, created_at, updated_at, first_response_at, first_response_due, resolve_due, breached_due)
			VALUES (?, ?, 'open', ?, 'network', 'alice@corp.example', 1, 'fr', ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range n {
			created := now.Add(-time.Duration(i%1000) * time.Minute).Unix()
			due := now.Add(24*time.Hour + time.Duration(i%(29*24))*time.Hour).Unix()
			var breached any
			if i%10000 == 0 {
				due = now.Add(-time.Hour).Unix()
				breached = due
			}
			if _, err := st.Exec("ticket", "r@corp.example", i%4, created, created, created+60, created+3600, due, breached); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEscalationCandidatesUseIndexes checks the scan reads the partial due-date indexes, never the
// whole table.
func TestEscalationCandidatesUseIndexes(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL's planner needs no hint, and its plans read otherwise.
	d := newTestDesk(t)
	seedOpenTickets(t, d, 1000, t0)
	q, args := escalationQuery(d.cfg.Load(), t0)
	all := queryPlan(t, d.Store.Reader(), q, args...)
	if !strings.Contains(all, "tickets_resolve_due") || !strings.Contains(all, "tickets_first_response_due") || strings.Contains(all, "SCAN tickets") {
		t.Fatalf("query plan:\n%s", all)
	}
	if rep := runEscalation(t, d, t0); len(rep.Escalated)+len(rep.Reminded) != 0 {
		t.Fatalf("nothing is due, yet %+v", rep)
	}
}

// BenchmarkEscalationScan measures one escalation run over 100,000 open tickets of which nearly
// none is due.
func BenchmarkEscalationScan(b *testing.B) {
	d := newTestDesk(b)
	seedOpenTickets(b, d, 100_000, t0)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		rep, err := d.RunEscalation(ctx, t0)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Escalated)+len(rep.Reminded) != 0 {
			b.Fatalf("nothing is due, yet %+v", rep)
		}
	}
}
