package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLimitsAsOneByOne: the limits of a batch read at once say what AutoMailsSince,
// CausedMailsSince and Suppressed say address by address (case and +tag included).
func TestLimitsAsOneByOne(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	s := d.Store
	openTicket(t, d, t0, NewTicket{Subject: "Le VPN ne marche plus", Text: "Bonjour, le vpn ne se connecte plus.",
		Requester: "celine@corp.example", Watchers: []string{"priya@corp.example"}, Language: "fr", MessageID: "abc@mail.example"})
	due, err := s.DueMail(ctx, "", t0, 10)
	if err != nil || len(due) == 0 {
		t.Fatalf("due %v, %v", due, err)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE outbox SET cause = 'celine@corp.example' WHERE id = ?`, due[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, due[0].ID, t0); err != nil {
		t.Fatal(err)
	}
	setBounced(t, d, "Priya@corp.example", t0.Add(24*time.Hour))
	setBounced(t, d, "old@corp.example", t0.Add(-time.Minute))

	emails := []string{"celine@corp.example", "Celine+x@corp.example", "priya@corp.example", "PRIYA@corp.example",
		"old@corp.example", "nobody@corp.example", "alice@corp.example"}
	causes := []string{"celine@corp.example", "nobody@corp.example"}
	for _, at := range []time.Time{t0, t0.Add(30 * time.Minute), t0.Add(2 * time.Hour)} {
		since := at.Add(-time.Hour)
		l, err := s.Limits(ctx, emails, causes, since, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range emails {
			n, err := s.AutoMailsSince(ctx, e, since)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Auto[Mailbox(e)]; got != n {
				t.Errorf("at %v: %s: %d automatic mails at once, %d alone", at, e, got, n)
			}
			b, err := s.Suppressed(ctx, e, at)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Bounced[strings.ToLower(e)]; got != b {
				t.Errorf("at %v: %s: bounced %v at once, %v alone", at, e, got, b)
			}
		}
		for _, c := range causes {
			n, err := s.CausedMailsSince(ctx, c, since)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Caused[c]; got != n {
				t.Errorf("at %v: cause %s: %d at once, %d alone", at, c, got, n)
			}
		}
	}
	if l, _ := s.Limits(ctx, emails, causes, t0.Add(-time.Hour), t0); l.Auto["celine@corp.example"] != 1 || l.Caused["celine@corp.example"] != 1 || !l.Bounced["priya@corp.example"] {
		t.Fatalf("the test counts nothing: %+v", l)
	}
}
