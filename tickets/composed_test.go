package tickets

import (
	"context"
	"testing"
	"time"
)

// TestComposedToRememberedAddress: a person who starts a new mail to the plus-address their mail
// client remembered from an old ticket's Reply-To asks something new: a finished ticket is not
// reopened by it. A reply, a mail about the same thing, thanks, staff's mail and any mail to an
// open ticket keep threading by the token; so does a mail saying the problem goes on, or naming
// what the ticket's subject names. The new request names the old ticket.
func TestComposedToRememberedAddress(t *testing.T) {
	const celine = "celine@corp.example"
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		resolved bool
		from     string
		subject  string
		text     string
		replyTo  bool // In-Reply-To a mail the client does not know the desk made.
		opened   bool
	}{
		{"new subject to a resolved ticket", true, celine, "Installer une nouvelle imprimante", "Bonjour, pouvez-vous installer l'imprimante du 2e étage sur mon poste ?", false, true},
		{"English new subject", true, celine, "Need access to the finance share", "Hi, could I get access to \\\\files\\finance? Thanks", false, true},
		{"same subject word", true, celine, "Le wifi coupe encore", "Le wifi a encore coupé ce matin.", false, false},
		{"reply prefix", true, celine, "RE: autre chose", "Toujours pas de wifi.", false, false},
		{"In-Reply-To", true, celine, "Question", "Toujours pas de wifi.", true, false},
		{"thanks", true, celine, "Merci", "Merci beaucoup, tout marche !", false, false},
		{"technician", true, "alice@corp.example", "Point", "Je repasse demain.", false, false},
		{"open ticket", false, celine, "Installer une nouvelle imprimante", "Et aussi l'imprimante.", false, false},
		{"goes on, subject", true, celine, "Toujours pas réglé", "Ce n'est toujours pas réglé chez moi.\n\nCéline Dupré\nComptabilité", false, false},
		{"comes back, text", true, celine, "Ça recommence !", "Le réseau a de nouveau coupé ce matin.", false, false},
		{"same thing, body", true, celine, "Urgent", "Je n'ai plus de wifi depuis ce matin.", false, false},
		{"same thing, hyphen", true, celine, "Wi-Fi HS", "Rien ne passe.", false, false},
		{"English, again", true, celine, "Same problem again", "It dropped twice this morning.", false, false},
		{"a help-desk word only", true, celine, "Problème avec Outlook", "Outlook ne s'ouvre plus depuis la mise à jour.", false, true},
		{"a forward is new", true, celine, "TR: Facture impayée – action requise", "Je pense que c'est du hameçonnage.", false, true},
		{"a gateway tag is no reply", true, celine, "[EXTERNAL] New laptop request", "Could I get a laptop for our new hire?", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDesk(t)
			ingest(t, d, t0, request("req1@m", celine, "Plus de wifi au bâtiment B", "Le wifi ne marche plus au bâtiment B."))
			if tt.resolved {
				if err := d.Do(ctx, 1, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Borne redémarrée", "alice@corp.example") }); err != nil {
					t.Fatal(err)
				}
			}
			in := request("new@m", tt.from, tt.subject, tt.text)
			in.To = []string{d.Signer.PlusAddress("helpdesk@corp.example", 1, tt.from)}
			if tt.replyTo {
				in.InReplyTo = []string{"unknown@client.example"}
			}
			o := ingest(t, d, t0.Add(2*time.Hour), in)[0]
			tk, err := d.Store.Ticket(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if tt.opened {
				if o.Action != ActionOpened || o.TicketID != 2 {
					t.Fatalf("got %s ticket %d, want a new ticket", o.Action, o.TicketID)
				}
				if tk2, err := d.Store.Ticket(ctx, 2); err != nil || tk2.LinkedTicket != 1 {
					t.Fatalf("the new ticket names ticket %d, want 1 (%v)", tk2.LinkedTicket, err)
				}
				if tk.Status != StatusResolved {
					t.Fatalf("the old ticket is %s", tk.Status)
				}
				return
			}
			if o.TicketID != 1 {
				t.Fatalf("got %s ticket %d, want ticket 1", o.Action, o.TicketID)
			}
		})
	}
}
