package main

import (
	"strings"
	"testing"
)

// TestFlowOutOfOfficeWithoutHeaders: an out-of-office notice sent by a client-side rule has an
// ordinary "RE:" subject and no automatic header. A requester's, answering a resolution, is
// recorded and reopens nothing, pages nobody; a technician's, answering an assignment notice,
// reaches nobody and is no first response (review finding F5). A reply that mentions an absence
// among a request still reopens.
func TestFlowOutOfOfficeWithoutHeaders(t *testing.T) {
	f := newFlow(t, "")
	const celine = "celine@corp.example"
	tk := f.openVPN(celine)

	f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID),
		"Je suis actuellement absente et de retour le lundi 7 décembre. En cas d'urgence, contactez Chloé Dubois.\n\nAlice Martin", outlookFR, nil)
	f.step()
	if ms := f.mails(celine, "reply", tk.ID); len(ms) != 0 {
		t.Fatalf("the technician's out-of-office notice reached the requester: %q", f.text(ms[0]))
	}
	if got := f.ticket(tk.ID); !got.FirstResponseAt.IsZero() {
		t.Fatalf("an out-of-office notice counted as the first response at %v", got.FirstResponseAt)
	}
	if len(f.events(tk.ID, "auto-reply")) != 1 {
		t.Fatalf("the notice is not recorded as an auto-reply: %+v", f.show(tk.ID).Events)
	}

	f.command(tk, "#resolve Profil VPN réinstallé.")
	resolved := f.one(celine, "resolved", tk.ID)
	updates := len(f.mails(alice, "update", tk.ID))
	for _, text := range []string{
		"Thank you for your message. I am out of the office until Monday 7 December with limited access to email. For urgent matters please contact jane.doe@corp.example.",
		"Je suis absente du bureau jusqu'au 7 décembre inclus. En cas d'urgence, contactez Marc Petit.",
	} {
		f.reply(celine, "Céline Dupré", resolved, text, gmailFR, nil)
		f.step()
		if st := f.ticket(tk.ID).Status; st != "resolved" {
			t.Fatalf("an out-of-office notice reopened the ticket (%s): %q", st, text)
		}
		if n := len(f.mails(alice, "update", tk.ID)); n != updates {
			t.Fatalf("the technician was paged for an out-of-office notice: %s", f.kinds(alice))
		}
	}
	if n := len(f.events(tk.ID, "auto-reply")); n != 3 {
		t.Fatalf("%d auto-reply events, want 3", n)
	}

	f.reply(celine, "Céline Dupré", resolved, "Je serai absente demain, pouvez-vous regarder avant ? Le VPN coupe toujours.", gmailFR, nil)
	f.step()
	if st := f.ticket(tk.ID).Status; st != "open" {
		t.Fatalf("a request that mentions an absence did not reopen the ticket: %s", st)
	}
	if !strings.Contains(f.text(f.last(alice, "update", tk.ID)), "coupe toujours") {
		t.Fatalf("the technician was not told")
	}
}
