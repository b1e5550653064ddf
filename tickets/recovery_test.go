package tickets

import (
	"context"
	"testing"
	"time"
)

func TestAlertOf(t *testing.T) {
	for _, tt := range []struct {
		subject  string
		recovery bool
		key      string
		ok       bool
	}{
		{"** PROBLEM Service Alert: srv-fichiers/SMB is CRITICAL **", false, "service alert: srv-fichiers/smb", true},
		{"** RECOVERY Service Alert: srv-fichiers/SMB is OK **", true, "service alert: srv-fichiers/smb", true},
		{"** PROBLEM Host Alert: printer3 is DOWN **", false, "host alert: printer3", true},
		{"** RECOVERY Host Alert: printer3 is UP **", true, "host alert: printer3", true},
		{"[PROBLEM] SMB on srv-fichiers is CRITICAL!", false, "smb on srv-fichiers", true},
		{"[RECOVERY] SMB on srv-fichiers is OK!", true, "smb on srv-fichiers", true},
		{"Problem: Disk space is low on srv1", false, "disk space is low on srv1", true},
		{"Resolved: Disk space is low on srv1", true, "disk space is low on srv1", true},
		{"Resolved in 5m 0s: Disk space is low on srv1", true, "disk space is low on srv1", true},
		{"PROBLEM: printer3 is DOWN", false, "printer3", true},
		{"OK: printer3 is UP", true, "printer3", true},
		{"RESOLVED: printer3 is DOWN", true, "printer3", true},
		{"Ok pour la réunion", false, "", false},
		{"Problème imprimante 2ème étage", false, "", false},
		{"Le VPN ne se connecte plus", false, "", false},
	} {
		r, k, ok := alertOf(tt.subject)
		if r != tt.recovery || k != tt.key || ok != tt.ok {
			t.Errorf("alertOf(%q) = %v, %q, %v; want %v, %q, %v", tt.subject, r, k, ok, tt.recovery, tt.key, tt.ok)
		}
	}
}

// TestRecoveryRecordedOnProblem: Nagios sends its RECOVERY without threading headers; it is
// recorded on the open quiet ticket of the PROBLEM from the same sender, whose assignee is told,
// and opens no ticket (review finding F13). Another sender's, another service's, or one whose
// PROBLEM is resolved already opens its own.
func TestRecoveryRecordedOnProblem(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	alert := func(id, from, subject string) *Incoming {
		in := request(id, from, subject, "***** Nagios *****\n\nService: SMB\nHost: srv-fichiers\nState: "+subject)
		in.Verdict, in.VerdictReason = VerdictBulk, "Auto-Submitted: auto-generated"
		return in
	}
	const nagios = "nagios@monitoring.corp.example"
	p := ingest(t, d, t0, alert("p@m", nagios, "** PROBLEM Service Alert: srv-fichiers/SMB is CRITICAL **"))[0]
	problem, _ := d.Store.Ticket(ctx, p.TicketID)
	updates := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'update'`)
	o := ingest(t, d, t0.Add(10*time.Minute), alert("r@m", nagios, "** RECOVERY Service Alert: srv-fichiers/SMB is OK **"))[0]
	if o.Action != ActionRecorded || o.TicketID != problem.ID {
		t.Fatalf("recovery: %+v, want recorded on #%d", o, problem.ID)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'update' AND recipients = '["`+problem.Assignee+`"]'`); n != updates+1 {
		t.Fatalf("%d updates to the assignee, want %d", n, updates+1)
	}
	if tk, _ := d.Store.Ticket(ctx, problem.ID); tk.Status != problem.Status {
		t.Fatalf("status %s, want %s", tk.Status, problem.Status)
	}
	for i, in := range []*Incoming{
		alert("o1@m", "zabbix@monitoring.corp.example", "** RECOVERY Service Alert: srv-fichiers/SMB is OK **"),
		alert("o2@m", nagios, "** RECOVERY Service Alert: srv-fichiers/HTTP is OK **"),
	} {
		if o := ingest(t, d, t0.Add(time.Duration(20+i)*time.Minute), in)[0]; o.Action != ActionOpened {
			t.Errorf("%s %q: %+v, want a ticket of its own", in.From, in.Subject, o)
		}
	}
	if err := d.Do(ctx, problem.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Service relancé.", "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if o := ingest(t, d, t0.Add(2*time.Hour), alert("r2@m", nagios, "** RECOVERY Service Alert: srv-fichiers/SMB is OK **"))[0]; o.Action != ActionOpened {
		t.Errorf("a recovery after the resolution: %+v, want a ticket of its own", o)
	}
}
