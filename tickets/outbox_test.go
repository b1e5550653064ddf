package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	s := d.Store
	tk := openTicket(t, d, t0, NewTicket{Subject: "Le VPN ne marche plus", Text: "Bonjour, le vpn ne se connecte plus.",
		Requester: "celine@corp.example", Watchers: []string{"priya@corp.example"}, Language: "fr", MessageID: "abc@mail.example"})

	due, err := s.DueMail(ctx, "", t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Kind != KindAck || due[1].Kind != KindAssigned {
		t.Fatalf("due %+v", due)
	}
	ack := due[0]
	if ack.TicketID != tk.ID || ack.Language != "fr" || !ack.Automatic || ack.To[0] != "celine@corp.example" ||
		len(ack.Cc) != 1 || ack.InReplyTo != "abc@mail.example" || len(ack.References) != 1 ||
		ack.Notice.Ticket.ID != tk.ID || !strings.HasPrefix(ack.MessageID, "dkm.") || !ack.CreatedAt.Equal(t0) {
		t.Fatalf("ack %+v", ack)
	}
	if due[1].Automatic {
		t.Fatal("assignment notice counted as automatic")
	}

	// Claimed rows are not handed out again while the lease runs.
	if again, err := s.DueMail(ctx, "", t0.Add(time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed rows due again: %v, %v", again, err)
	}
	if again, _ := s.DueMail(ctx, "", t0.Add(ClaimLease), 10); len(again) != 2 {
		t.Fatalf("lease did not run out: %d rows", len(again))
	}
	if err := s.Release(ctx, []int64{ack.ID, due[1].ID}, t0); err != nil {
		t.Fatal(err)
	}

	for _, r := range append(ack.To, ack.Cc...) {
		if err := s.MarkDelivered(ctx, ack.ID, r, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkSent(ctx, ack.ID, t0); err != nil {
		t.Fatal(err)
	}
	// The hourly limit counts by mailbox: case and +tag make no other budget.
	for addr, want := range map[string]int{"celine@corp.example": 1, "Celine+x@corp.example": 1, "priya@corp.example": 1, "alice@corp.example": 0} {
		if n, err := s.AutoMailsSince(ctx, addr, t0.Add(-time.Hour)); err != nil || n != want {
			t.Errorf("AutoMailsSince(%s) = %d, %v; want %d", addr, n, err, want)
		}
	}
	if n, _ := s.AutoMailsSince(ctx, "celine@corp.example", t0); n != 0 {
		t.Errorf("a mail sent at t0 counts after t0")
	}
	if again, err := s.DueMail(ctx, "", t0.Add(ClaimLease), 10); err != nil || len(again) != 1 || again[0].ID == ack.ID {
		t.Fatalf("due after the ack was sent: %+v, %v", again, err)
	} else if err := s.Release(ctx, []int64{again[0].ID}, t0); err != nil {
		t.Fatal(err)
	}

	next := t0.Add(time.Minute)
	if err := s.Retry(ctx, due[1].ID, t0, next, "451 try later"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.DueMail(ctx, "", t0.Add(30*time.Second), 10); len(d) != 0 {
		t.Fatal("retried mail due before its time")
	}
	d2, err := s.DueMail(ctx, "", next, 10)
	if err != nil || len(d2) != 1 || d2[0].Attempts != 1 || d2[0].LastError != "451 try later" {
		t.Fatalf("after retry: %+v, %v", d2, err)
	}
	if err := s.MarkFailed(ctx, d2[0].ID, next, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != EventFailed || last.Actor != ActorDesk || !strings.Contains(last.Text, "550 no such user") ||
		!strings.Contains(last.Text, "alice@corp.example") || last.MessageID != d2[0].MessageID {
		t.Fatalf("last event %+v", last)
	}
	if state, _, _ := outboxState(t, d, d2[0].ID); state != OutboxFailed {
		t.Fatalf("state %q", state)
	}
	if d, _ := s.DueMail(ctx, "", next.Add(48*time.Hour), 10); len(d) != 0 {
		t.Fatalf("sent or failed mail due again: %+v", d)
	}

	counts, err := s.OutboxCounts(ctx)
	if err != nil || counts[OutboxSent] != 1 || counts[OutboxFailed] != 1 || counts[OutboxPending] != 0 {
		t.Fatalf("counts %v, %v", counts, err)
	}
}

func TestOutboxSuppression(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	s := d.Store
	tk := openTicket(t, d, t0, NewTicket{Subject: "printer", Text: "the printer jams", Requester: "r@corp.example", Language: "en"})

	if ok, err := s.Suppressed(ctx, "r@corp.example", t0); err != nil || ok {
		t.Fatalf("suppressed before any bounce: %v, %v", ok, err)
	}
	if ok, _ := s.Suppressed(ctx, "nobody@corp.example", t0); ok {
		t.Fatal("unknown address suppressed")
	}
	setBounced(t, d, "R@corp.example", t0.Add(24*time.Hour))
	if ok, _ := s.Suppressed(ctx, "r@corp.example", t0); !ok {
		t.Fatal("bounced address not suppressed")
	}
	if ok, _ := s.Suppressed(ctx, "r@corp.example", t0.Add(25*time.Hour)); ok {
		t.Fatal("still suppressed after bounced_until")
	}
	setBounced(t, d, "r@corp.example", time.Time{})
	if ok, _ := s.Suppressed(ctx, "r@corp.example", t0); ok {
		t.Fatal("lifting the bounce did not lift suppression")
	}

	due, err := s.DueMail(ctx, "", t0, 10)
	if err != nil || len(due) == 0 {
		t.Fatalf("due %v, %v", due, err)
	}
	if err := s.MarkSuppressed(ctx, due[0].ID, t0, "rate limit: r@corp.example"); err != nil {
		t.Fatal(err)
	}
	if state, lastError, ticketID := outboxState(t, d, due[0].ID); state != OutboxSuppressed || lastError != "rate limit: r@corp.example" || ticketID != tk.ID {
		t.Fatalf("%q %q ticket %d", state, lastError, ticketID)
	}

	// Only what was sent counts, and only for automatic mail.
	if err := s.MarkDelivered(ctx, due[1].ID, due[1].To[0], t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, due[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.AutoMailsSince(ctx, due[1].To[0], t0.Add(-time.Hour)); n != 0 {
		t.Fatalf("a non-automatic mail counted: %d", n)
	}
	if err := s.PruneSentLog(ctx, t0); err != nil {
		t.Fatal(err)
	}
}

// TestQueuedMailIsDueOnTheRealClock: a job run "as if" at a later time (deskd run escalation
// --now) queues mail that the sender, on the real clock, must send at once.
func TestQueuedMailIsDueOnTheRealClock(t *testing.T) {
	d := newTestDesk(t)
	future := time.Now().Add(48 * time.Hour)
	openTicket(t, d, future, NewTicket{Subject: "wifi", Text: "wifi", Requester: "r@corp.example"})
	due, err := d.Store.DueMail(context.Background(), "", time.Now(), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("%d mails due now, want the ack and the notice (%v)", len(due), err)
	}
}

// TestLostClaimIsNotSentTwice: a drain slower than ClaimLease loses its rows to another drain;
// its Renew before each send says so, and only the new holder sends (review finding).
func TestLostClaimIsNotSentTwice(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	openTicket(t, d, t0, NewTicket{Subject: "wifi", Text: "wifi", Requester: "r@corp.example"})
	now := time.Now()
	first, err := d.Store.DueMail(ctx, "", now, 10)
	if err != nil || len(first) != 2 {
		t.Fatalf("first claim: %d %v", len(first), err)
	}
	second, err := d.Store.DueMail(ctx, "", now.Add(ClaimLease+time.Second), 10)
	if err != nil || len(second) != 2 {
		t.Fatalf("re-claim after the lease: %d %v", len(second), err)
	}
	for _, m := range first {
		if ok, err := d.Store.Renew(ctx, m, now.Add(ClaimLease)); err != nil || ok {
			t.Fatalf("the first drain still holds mail %d (%v)", m.ID, err)
		}
	}
	for _, m := range second {
		if ok, err := d.Store.Renew(ctx, m, now.Add(ClaimLease)); err != nil || !ok {
			t.Fatalf("the second drain lost mail %d (%v)", m.ID, err)
		}
	}
}

// outboxState reads an outbox row's state, last error and ticket.
func outboxState(t testing.TB, d *Desk, id int64) (state, lastError string, ticketID int64) {
	t.Helper()
	if err := d.Store.Reader().QueryRow(`SELECT state, last_error, ticket_id FROM outbox WHERE id = ?`, id).Scan(&state, &lastError, &ticketID); err != nil {
		t.Fatal(err)
	}
	return state, lastError, ticketID
}

// setBounced records that mail to an address bounces until a time (the zero time lifts it).
func setBounced(t testing.TB, d *Desk, email string, until time.Time) {
	t.Helper()
	if err := d.Update(context.Background(), t0, func(tx *Tx) error { return tx.setBounced(email, until, "550 mailbox full") }); err != nil {
		t.Fatal(err)
	}
}

// TestReleaseClaims: the claims of one claimant are listed while they hold and given back at
// once, due now and with no attempt counted; another claimant's stay, and so does a mail
// waiting for its retry.
func TestReleaseClaims(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	s := d.Store
	openTicket(t, d, t0, NewTicket{Subject: "wifi", Text: "wifi", Requester: "a@corp.example"})
	openTicket(t, d, t0, NewTicket{Subject: "vpn", Text: "vpn", Requester: "b@corp.example"})
	dead, err := s.DueMail(ctx, "dead", t0, 2)
	if err != nil || len(dead) != 2 {
		t.Fatalf("claim: %d %v", len(dead), err)
	}
	live, err := s.DueMail(ctx, "live", t0, 1)
	if err != nil || len(live) != 1 {
		t.Fatalf("claim: %d %v", len(live), err)
	}
	retry, err := s.DueMail(ctx, "retried", t0, 1)
	if err != nil || len(retry) != 1 {
		t.Fatalf("claim: %d %v", len(retry), err)
	}
	if err := s.Retry(ctx, retry[0].ID, t0, t0.Add(time.Hour), "451 later"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Claimants(ctx, t0)
	if err != nil || strings.Join(got, ",") != "dead,live" && strings.Join(got, ",") != "live,dead" {
		t.Fatalf("claimants %v, %v; want dead and live (a retry is no claim)", got, err)
	}
	now := t0.Add(time.Second)
	if n, err := s.ReleaseClaims(ctx, "dead", now); err != nil || n != 2 {
		t.Fatalf("released %d, %v", n, err)
	}
	due, err := s.DueMail(ctx, "next", now, 10)
	if err != nil || len(due) != 2 || due[0].ID != dead[0].ID || due[1].ID != dead[1].ID {
		t.Fatalf("due after the release: %+v, %v; want the dead claimant's two", due, err)
	}
	for _, m := range due {
		if m.Attempts != 0 {
			t.Errorf("mail %d: %d attempts after a release", m.ID, m.Attempts)
		}
	}
	if ok, err := s.Renew(ctx, live[0], now.Add(ClaimLease)); err != nil || !ok {
		t.Fatalf("the live claimant lost its mail: %v", err)
	}
}

// TestWithheldAcknowledgement: a request opened with NoAck (a first run's old mail) gets its
// ticket and its assignment notice; its acknowledgement is recorded, not sent, and still roots
// the ticket's thread.
func TestWithheldAcknowledgement(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	out, err := d.Ingest(ctx, t0, []*Incoming{{MessageID: "old@mail.example", From: "celine@corp.example",
		To: []string{"helpdesk@corp.example"}, Subject: "Le VPN ne marche plus", Text: "le vpn ne se connecte plus",
		Language: "fr", Verdict: VerdictPerson, NoAck: "arrived long ago"}})
	if err != nil || out[0].Err != nil || out[0].Action != ActionOpened {
		t.Fatalf("ingest: %+v, %v", out, err)
	}
	due, err := d.Store.DueMail(ctx, "", t0, 10)
	if err != nil || len(due) != 1 || due[0].Kind != KindAssigned {
		t.Fatalf("due %+v, %v; want the assignment notice alone", due, err)
	}
	var state, why, id string
	if err := d.Store.Reader().QueryRow(`SELECT state, last_error, message_id FROM outbox WHERE kind = 'ack'`).Scan(&state, &why, &id); err != nil {
		t.Fatal(err)
	}
	if state != OutboxSuppressed || why != "arrived long ago" {
		t.Fatalf("acknowledgement %s (%q), want suppressed with the reason", state, why)
	}
	if due[0].InReplyTo != id {
		t.Errorf("the notice answers %q, want the withheld acknowledgement %q (the thread's root)", due[0].InReplyTo, id)
	}
	evs, err := d.Store.Events(ctx, out[0].TicketID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range evs {
		found = found || ev.Kind == EventNotify && strings.Contains(ev.Text, "ack → celine@corp.example not sent: arrived long ago")
	}
	if !found {
		t.Errorf("the ticket's history does not say the acknowledgement was withheld: %+v", evs)
	}
}
