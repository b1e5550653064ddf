package tickets

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestTextSubject: the subject taken from a text when the mail has none is its first line of
// substance, not the salutation that opens it (review finding F3).
func TestTextSubject(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"Bonjour,\n\nLe VPN a de nouveau coupé ce matin, même message d'erreur 809.\n\nCéline", "Le VPN a de nouveau coupé ce matin, même message d'erreur 809."},
		{"Hi,\n\nOutlook shows Disconnected again since 10 minutes.\n\nMark", "Outlook shows Disconnected again since 10 minutes."},
		{"Hello Bob,\nMy laptop will not start.", "My laptop will not start."},
		{"Madame, Monsieur,\n\nJe souhaite un second écran.", "Je souhaite un second écran."},
		{"Bonjour à tous,\r\nL'imprimante est en panne.", "L'imprimante est en panne."},
		{"Dear all: the printer is down", "the printer is down"},
		{"Hi, my VPN is down since this morning", "my VPN is down since this morning"},
		{"Bonjour.\nPlus de réseau.", "Plus de réseau."},
		{"Guten Tag Frau Müller,\nDer Drucker ist defekt.", "Der Drucker ist defekt."},
		{"Bonjour je n'arrive pas à me connecter", "Bonjour je n'arrive pas à me connecter"},
		{"Monsieur Dupont a perdu son badge.", "Monsieur Dupont a perdu son badge."},
		{"Printer on the 3rd floor keeps jamming", "Printer on the 3rd floor keeps jamming"},
		{"Bonjour,", "Bonjour,"},
		{"", ""},
	} {
		if got := textSubject(tt.text, 80); got != tt.want {
			t.Errorf("textSubject(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestFollowUpSubject: a reply to a closed ticket's resolution opens a follow-up named by the
// first line of substance of its text, not by its "Bonjour,", and by the old ticket's subject when
// the text has no such line; a request with no subject is named by its first line of substance
// (review finding F3).
func TestFollowUpSubject(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	ingest(t, d, t0, request("f1@m", "celine@corp.example", "Le VPN ne se connecte plus", "Bonjour,\n\nerreur 809"))
	if err := d.Do(ctx, 1, t0, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Profil réinstallé.", "bob@corp.example") }); err != nil {
		t.Fatal(err)
	}
	for i, subject := range []string{"RE : [HD #1] Demande résolue : Le VPN ne se connecte plus", "RE: [HD #1] Request resolved: Le VPN ne se connecte plus"} {
		o := ingest(t, d, t0.Add(time.Duration(40+i)*24*time.Hour), request(fmt.Sprintf("f2%d@m", i), "celine@corp.example", subject,
			"Bonjour,\n\nLe VPN a de nouveau coupé ce matin, même message d'erreur 809.\n\nCéline"))
		if o[0].Action != ActionOpened {
			t.Fatalf("outcome %+v", o[0])
		}
		if tk, _ := d.Store.Ticket(ctx, o[0].TicketID); tk.Subject != "Le VPN a de nouveau coupé ce matin, même message d'erreur 809." || tk.LinkedTicket != 1 {
			t.Fatalf("follow-up subject %q, linked %d", tk.Subject, tk.LinkedTicket)
		}
		// Resolved: the next answer to the old ticket's mail opens a request again, instead of
		// joining this one (TestSecondReplyJoinsFollowUp).
		if err := d.Do(ctx, o[0].TicketID, t0.Add(time.Duration(40+i)*24*time.Hour+time.Hour), func(tx *Tx, tk *Ticket) error {
			return tx.Resolve(tk, "Profil réinstallé.", "bob@corp.example")
		}); err != nil {
			t.Fatal(err)
		}
	}
	o := ingest(t, d, t0.Add(45*24*time.Hour), request("f4@m", "celine@corp.example", "RE: [HD #1] Demande résolue : Le VPN ne se connecte plus", "Bonjour,\n\n"))
	if tk, _ := d.Store.Ticket(ctx, o[0].TicketID); tk.Subject != "Le VPN ne se connecte plus" {
		t.Fatalf("follow-up with only a greeting: subject %q", tk.Subject)
	}
	o = ingest(t, d, t0.Add(50*24*time.Hour), request("f3@m", "mark@corp.example", "", "Hi,\n\nOutlook shows Disconnected again since 10 minutes.\n\nMark"))
	if tk, _ := d.Store.Ticket(ctx, o[0].TicketID); tk.Subject != "Outlook shows Disconnected again since 10 minutes." {
		t.Fatalf("subject from the text %q", tk.Subject)
	}
}
