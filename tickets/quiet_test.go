package tickets

import (
	"context"
	"testing"
	"time"
)

// TestIngestAutomaticAlertOpensQuietTicket: a monitoring tool's alert (automatic, neither a
// bounce nor an auto-reply) is work: it opens a ticket, with no acknowledgement, and the desk
// never mails that sender automatically afterwards. The recovery that answers the alert is
// recorded on its ticket; a technician's own reply still goes.
func TestIngestAutomaticAlertOpensQuietTicket(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	alert := request("problem@nagios", "nagios@corp.example", "PROBLEM: printer3 is DOWN", "Host printer3 is DOWN. Ping: 100% packet loss.")
	alert.Verdict, alert.VerdictReason = VerdictBulk, "Auto-Submitted: auto-generated"
	o := ingest(t, d, t0, alert)
	if o[0].Action != ActionOpened || o[0].TicketID != 1 {
		t.Fatalf("alert: %+v, want a ticket opened", o[0])
	}
	sent := func() int {
		return countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%nagios@%' AND state != 'suppressed'`)
	}
	if n := sent(); n != 0 {
		t.Fatalf("%d mails to the monitoring tool: %v", n, outbox(t, d))
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'assigned'`); n != 1 {
		t.Fatalf("technician not told: %v", outbox(t, d))
	}

	recovery := request("recovery@nagios", "nagios@corp.example", "RECOVERY: printer3 is UP", "Host printer3 is UP.")
	recovery.Verdict, recovery.VerdictReason, recovery.InReplyTo = VerdictBulk, "Auto-Submitted: auto-generated", []string{"problem@nagios"}
	if o := ingest(t, d, t0.Add(time.Minute), recovery); o[0].Action != ActionRecorded || o[0].TicketID != 1 {
		t.Fatalf("recovery: %+v, want recorded on ticket 1", o[0])
	}

	err := d.Update(ctx, t0.Add(time.Hour), func(tx *Tx) error {
		tk, err := tx.Ticket(1)
		if err != nil {
			return err
		}
		if err := tx.Escalate(tk, "printer still down", tk.Assignee); err != nil {
			return err
		}
		return tx.Resolve(tk, "Imprimante redémarrée.", tk.Assignee)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := sent(); n != 0 {
		t.Fatalf("%d automatic mails to the monitoring tool: %v", n, outbox(t, d))
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Fatalf("%d tickets", n)
	}

	// A technician's own reply is a person's act: it goes.
	err = d.Update(ctx, t0.Add(2*time.Hour), func(tx *Tx) error {
		tk, err := tx.Ticket(1)
		if err != nil {
			return err
		}
		return tx.Reply(tk, "Fixed by hand.", tk.Assignee, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := sent(); n != 1 {
		t.Fatalf("technician's reply: %d mails to the requester, want 1: %v", n, outbox(t, d))
	}
}

// TestNoReplyRequesterNotMailed: a request from an address nobody reads gets no automatic mail
// at all, not only no acknowledgement (an escalation notice, a resolution).
func TestNoReplyRequesterNotMailed(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("portal@m", "no-reply@supplier.example", "Commande 42 bloquée", "La commande 42 est bloquée."))
	err := d.Update(context.Background(), t0.Add(time.Hour), func(tx *Tx) error {
		tk, err := tx.Ticket(1)
		if err != nil {
			return err
		}
		if err := tx.Escalate(tk, "supplier", tk.Assignee); err != nil {
			return err
		}
		return tx.Resolve(tk, "Débloquée.", tk.Assignee)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%no-reply@%' AND state != 'suppressed'`); n != 0 {
		t.Fatalf("%d mails to a no-reply address: %v", n, outbox(t, d))
	}
}

// TestIngestReplyWithNothingNew: a requester's reply with no text of its own (mailin found only
// quoted history) is recorded on the ticket; it reopens nothing and pages nobody.
func TestIngestReplyWithNothingNew(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("req@m", "celine@corp.example", "VPN", "Le VPN ne marche plus."))
	err := d.Update(context.Background(), t0.Add(time.Hour), func(tx *Tx) error {
		tk, err := tx.Ticket(1)
		if err != nil {
			return err
		}
		return tx.Resolve(tk, "Profil réinstallé.", tk.Assignee)
	})
	if err != nil {
		t.Fatal(err)
	}
	mails := countRows(t, d, `SELECT COUNT(*) FROM outbox`)
	empty := request("empty@m", "celine@corp.example", "RE: [HD #1] VPN", "")
	empty.InReplyTo = []string{rootID(t, d, 1)}
	o := ingest(t, d, t0.Add(2*time.Hour), empty)
	if o[0].Action != ActionNothingNew || o[0].TicketID != 1 {
		t.Fatalf("outcome %+v", o[0])
	}
	tk, err := d.Store.Ticket(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != StatusResolved {
		t.Fatalf("status %s, want resolved", tk.Status)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox`); n != mails {
		t.Fatalf("%d mails queued for a reply with nothing new: %v", n-mails, outbox(t, d))
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE message_id = 'empty@m'`); n != 1 {
		t.Fatal("the reply was not recorded")
	}
}
