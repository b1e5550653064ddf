package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestOnlyThanks(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		want bool
	}{
		{"merci beaucoup", "Merci beaucoup !", true},
		{"thanks, works now", "Thanks, works now", true},
		{"merci pour votre aide", "Bonjour,\n\nMerci pour votre aide, tout fonctionne.\n\nBonne journée", true},
		{"thanks for your help", "Hi Alice,\nThanks a lot for your help!\nBest,\nPriya", true},
		{"merci, compte débloqué", "Merci, mon compte est débloqué.", true},
		{"with a signature block", "Merci beaucoup !\n\nCéline Dupré\nService Comptabilité\nTél. 01 23 45 67 89\n12 rue de la Paix, 75002 Paris", true},
		{"with a -- signature and a disclaimer", "Thanks, works now\n\n-- \nPriya Raman | Marketing\nThis e-mail and any attachments are confidential. If you are not the intended recipient, please notify the sender and delete it; any error in transmission does not waive confidentiality.", true},
		{"quoted text below", "Merci !\n\nLe jeu. 26 nov. 2026 à 10:05, Support Informatique <helpdesk@corp.example> a écrit :\n> Votre demande est résolue.\n> Le VPN ne fonctionnait pas : profil réinstallé.\n> Si le problème revient, répondez à ce mail.", true},
		{"outlook original below", "Parfait, merci.\n\n________________________________\nDe : Support Informatique <helpdesk@corp.example>\nEnvoyé : jeudi 26 novembre 2026 10:05\nObjet : [HD #1] Résolu : VPN\n\nLe problème ne revient pas ? Répondez.", true},
		{"sent from my iphone", "Thank you!\n\nSent from my iPhone", true},
		{"a phone's line, then the original", "Merci, c'est bon !\n\nEnvoyé à partir de Outlook pour Android\nDe : Support Informatique <helpdesk@corp.example>\nÀ quand une nouvelle imprimante ?", true},
		{"get outlook for ios", "Merci beaucoup\n\nObtenir Outlook pour iOS\n\nLe problème est-il revenu ?", true},
		{"sent from my desk is a sentence", "Thanks! Sent from my desk because the laptop still does not boot.", false},
		{"merci, mais toujours pas", "Merci, mais ça ne marche toujours pas", false},
		{"another question", "Thanks! Another question: can I also get access to the shared drive?", false},
		{"question without a question mark", "Merci. Pouvez-vous aussi regarder mon imprimante.", false},
		{"still broken", "Thanks, but it still doesn't work after a reboot.", false},
		{"curly apostrophe", "Thanks, it doesn’t work though", false},
		{"erreur", "Merci, par contre j'ai une erreur 809 maintenant", false},
		{"ça marche plus", "merci mais ça marche plus", false},
		{"no thanks word", "OK", false},
		{"empty", "", false},
		{"only a quote", "> Votre demande est résolue.", false},
		{"too long", "Merci beaucoup " + strings.Repeat("vraiment ", 30) + "!", false},
		{"new problem after thanks", "Thanks, works now. The printer on floor 3 is jammed again though.", false},
		{"need", "Merci. J'ai besoin d'un deuxième écran.", false},
		// Review finding F10: the common English ways, and the French ones, of saying it works again.
		{"cheers, all good now", "Cheers, all good now.", true},
		{"works again, thank you", "Works again, thank you so much for the quick fix!", true},
		{"all sorted", "All sorted, thanks", true},
		{"that did it", "Perfect, that did it, thanks!", true},
		{"working again", "It's working again, many thanks.", true},
		{"thanks again", "Thanks again for your help!", true},
		{"no more issues", "No more issues since this morning, thank you.", true},
		{"ça fonctionne à nouveau", "Ça fonctionne à nouveau, merci beaucoup !", true},
		{"de nouveau ok", "C'est de nouveau OK, merci.", true},
		{"encore merci", "Tout est rentré dans l'ordre. Encore merci !", true},
		{"plus de souci", "Plus de souci depuis ce matin, merci.", true},
		{"thanks, but still broken", "thanks, but it's still broken", false},
		{"merci mais toujours pas", "merci mais toujours pas", false},
		{"works again but", "Works again, thanks, but now my printer is offline.", false},
		{"broken again", "Thanks. It is broken again.", false},
		{"again down", "Cheers. Outlook disconnected again this morning.", false},
		{"ne fonctionne plus à nouveau", "Merci, mais ça ne fonctionne de nouveau plus.", false},
		{"thanks but again", "Thanks but again the VPN drops.", false},
		// Saying the problem is solved, or that the ticket may be closed, is thanks too.
		{"problème résolu", "Merci, problème résolu !\n\nLéa", true},
		{"vous pouvez fermer", "Merci, vous pouvez fermer.", true},
		{"vous pouvez clôturer le ticket", "C'est revenu, vous pouvez clôturer le ticket. Merci !", true},
		{"no need to reply", "Works for me now, cheers. No need to reply.", true},
		{"issue fixed", "Thanks, my issue is fixed.", true},
		{"le souci a été réglé", "Le souci a été réglé, merci beaucoup.", true},
		{"you can close it", "All good, you can close it. Thanks!", true},
		{"pas besoin de répondre", "Merci, pas besoin de me répondre.", true},
		{"problème non résolu", "Merci, problème non résolu.", false},
		{"problème pas résolu", "Merci, le problème n'est pas résolu.", false},
		{"problem not fixed", "Thanks, problem not fixed though", false},
		{"close, but another", "Merci, vous pouvez fermer. J'ai un autre souci avec l'imprimante.", false},
		{"you can't close it", "Thanks, but you can't close it yet.", false},
		{"ne pas fermer", "Merci de ne pas fermer, le problème revient.", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OnlyThanks(tt.text, "Céline Dupré"); got != tt.want {
				t.Errorf("OnlyThanks(%q) = %v, want %v (body %q)", tt.text, got, tt.want, thanksBody(tt.text, []string{"Céline Dupré"}))
			}
		})
	}
}

// TestThanksDoNotReopen: a short thanks to a resolution is recorded on the ticket, which stays
// resolved, and nobody is mailed; anything more reopens it and pages the assignee, as before.
func TestThanksDoNotReopen(t *testing.T) {
	for _, tt := range []struct {
		text     string
		reopened bool
	}{
		{"Merci beaucoup !\n\nCéline", false},
		{"Thanks, works now", false},
		{"Merci, mais ça ne marche toujours pas", true},
		{"Thanks! Another question: can I also get a second screen?", true},
	} {
		t.Run(tt.text, func(t *testing.T) {
			d := newTestDesk(t)
			ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
			if err := d.Do(context.Background(), 1, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
				return tx.Resolve(tk, "Borne wifi redémarrée.", "alice@corp.example")
			}); err != nil {
				t.Fatal(err)
			}
			mails := countRows(t, d, `SELECT COUNT(*) FROM outbox`)
			in := request("r@m", "celine@corp.example", "RE: [HD #1] Wifi", tt.text)
			in.FromName = "Céline Dupré"
			in.InReplyTo = []string{rootID(t, d, 1)}
			o := ingest(t, d, t0.Add(2*time.Hour), in)[0]
			tk, err := d.Store.Ticket(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE kind = 'message' AND message_id = 'r@m' AND text = ?`, tt.text); n != 1 {
				t.Errorf("the reply is not recorded on the ticket (%d events)", n)
			}
			newMails := countRows(t, d, `SELECT COUNT(*) FROM outbox`) - mails
			if tt.reopened {
				if tk.Status != StatusOpen || o.Action != ActionAppended || newMails != 1 {
					t.Errorf("status %s, action %s, %d new mails; want open, %s and the assignee told", tk.Status, o.Action, newMails, ActionAppended)
				}
				return
			}
			if tk.Status != StatusResolved || o.Action != ActionThanked || newMails != 0 {
				t.Errorf("status %s, action %s, %d new mails; want resolved, %s, no mail", tk.Status, o.Action, newMails, ActionThanked)
			}
			if !tk.ResolvedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("resolved_at moved to %s: auto-close would wait longer", tk.ResolvedAt)
			}
		})
	}
}
