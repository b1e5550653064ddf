package mailin

import (
	"strings"
	"testing"
)

func TestVisibleText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Bonjour,\n\nL'imprimante du 2e étage ne répond plus.\n\nMerci\nCéline", "Bonjour,\n\nL'imprimante du 2e étage ne répond plus.\n\nMerci\nCéline"},
		{"empty", " \n\n ", ""},
		{"crlf", "Hello\r\n\r\nThe VPN is down.\r\n", "Hello\n\nThe VPN is down."},

		// Outlook.
		{"outlook en", "Done, thanks.\n\nFrom: Support Informatique <helpdesk@corp.example>\nSent: Monday, November 23, 2026 10:05 AM\nTo: Priya Raman <priya.raman@corp.example>\nSubject: [HD #42] VPN\n\nHello Priya,\nWhich building are you in?",
			"Done, thanks."},
		{"outlook fr", "C'est réparé, merci !\n\nDe : Support Informatique <helpdesk@corp.example>\nEnvoyé : lundi 23 novembre 2026 10:05\nÀ : Céline Dupré <celine.dupre@corp.example>\nObjet : [HD #42] Imprimante\n\nBonjour Céline,",
			"C'est réparé, merci !"},
		{"outlook fr nbsp", "Bâtiment B, salle 204.\n\nDe\u00a0: Support <helpdesk@corp.example>\nEnvoyé\u00a0: lundi 23 novembre 2026 10:05\nÀ\u00a0: Céline\nObjet\u00a0: [HD #42] Wifi\n\nDans quel bâtiment ?",
			"Bâtiment B, salle 204."},
		{"outlook bold", "Yes.\n\n*From:* Support <helpdesk@corp.example>\n*Sent:* Monday, November 23, 2026 10:05\n*To:* Priya\n*Subject:* VPN\n\nQuestion?", "Yes."},
		{"outlook underscore rule", "Still broken.\n\n________________________________\nFrom: Support <helpdesk@corp.example>\nSent: Monday\n\nold", "Still broken."},
		{"original message", "See attached log.\n\n-----Original Message-----\nFrom: Alice\nSent: Monday\nTo: Bob\n\nold text", "See attached log."},
		{"message d'origine", "Voir pièce jointe.\n\n-----Message d'origine-----\nDe : Alice\nEnvoyé : lundi\n\nancien texte", "Voir pièce jointe."},
		{"german outlook", "Passt.\n\nVon: Support <helpdesk@corp.example>\nGesendet: Montag, 23. November 2026 10:05\nAn: Jonas\nBetreff: VPN\n\nalt", "Passt."},

		// Gmail.
		{"gmail en", "It works now.\n\nOn Mon, 23 Nov 2026 at 10:05, Support Informatique <helpdesk@corp.example> wrote:\n\n> Please restart the laptop.\n>\n> Alice",
			"It works now."},
		{"gmail en wrapped", "It works now.\n\nOn Mon, 23 Nov 2026 at 10:05, Support Informatique <\nhelpdesk@corp.example> wrote:\n\n> Please restart the laptop.",
			"It works now."},
		{"gmail en wrapped verb", "It works now.\n\nOn Mon, 23 Nov 2026 at 10:05, Support Informatique <helpdesk@corp.example>\nwrote:\n\n> Please restart the laptop.",
			"It works now."},
		{"gmail fr", "Ça marche, merci.\n\nLe lun. 23 nov. 2026 à 10:05, Support Informatique <helpdesk@corp.example> a écrit :\n\n> Pouvez-vous redémarrer ?",
			"Ça marche, merci."},
		{"gmail fr wrapped", "Ça marche, merci.\n\nLe lun. 23 nov. 2026 à 10:05, Support Informatique <\nhelpdesk@corp.example> a écrit :\n\n> Pouvez-vous redémarrer ?",
			"Ça marche, merci."},

		// Apple Mail and iOS.
		{"apple en", "Thanks!\n\nOn 23 Nov 2026, at 10:05, Alice Martin wrote:\n\n> Try again now.", "Thanks!"},
		{"apple fr", "Merci !\n\nLe 23 nov. 2026 à 10:05, Alice Martin a écrit :\n\n> Réessayez maintenant.", "Merci !"},
		{"iphone sig fr", "Merci !\n\nEnvoyé de mon iPhone\n\nLe 23 nov. 2026 à 10:05, Alice Martin <alice@corp.example> a écrit :\n\n> Réessayez.", "Merci !"},

		// Thunderbird.
		{"thunderbird en", "Works.\n\nOn 23/11/2026 10:05, Alice Martin wrote:\n> Try again.", "Works."},
		{"thunderbird fr", "Ça fonctionne.\n\nLe 23/11/2026 à 10:05, Alice Martin a écrit :\n> Réessayez.", "Ça fonctionne."},

		// Other languages.
		{"german gmail", "Danke.\n\nAm Mo., 23. Nov. 2026 um 10:05 Uhr schrieb Alice <alice@corp.example>:\n\n> Bitte neu starten.", "Danke."},
		{"spanish", "Gracias.\n\nEl lun, 23 nov 2026 a las 10:05, Alice (<alice@corp.example>) escribió:\n\n> Reinicie.", "Gracias."},
		{"italian", "Grazie.\n\nIl giorno lun 23 nov 2026 alle ore 10:05 Alice <alice@corp.example> ha scritto:\n\n> Riavvia.", "Grazie."},
		{"dutch", "Bedankt.\n\nOp ma 23 nov. 2026 om 10:05 schreef Alice <alice@corp.example>:\n\n> Herstart.", "Bedankt."},
		{"portuguese", "Obrigado.\n\nEm seg., 23 de nov. de 2026 às 10:05, Alice <alice@corp.example> escreveu:\n\n> Reinicie.", "Obrigado."},
		{"swedish", "Tack.\n\nDen 23 nov. 2026 kl. 10:05 skrev Alice <alice@corp.example>:\n\n> Starta om.", "Tack."},

		// Attributions not followed by quote marks: the history is unquoted.
		{"unquoted history", "Here is the log.\n\nOn Mon, 23 Nov 2026 at 10:05, Alice <alice@corp.example> wrote:\n\nCan you send the log?\n\nAlice", "Here is the log."},

		// Inline answers.
		{"inline answers", "On Mon, 23 Nov 2026 at 10:05, Alice <alice@corp.example> wrote:\n> Which building are you in?\nBuilding B.\n> Which room?\nRoom 204.\n> Since when?\n\nSince this morning.\n\n> Alice",
			"> Which building are you in?\nBuilding B.\n> Which room?\nRoom 204.\n> Since when?\n\nSince this morning."},
		{"hand-picked quote", "> the printer says PC LOAD LETTER\n\nThat means it needs paper.", "> the printer says PC LOAD LETTER\n\nThat means it needs paper."},
		{"quote wraps closing", "Fixed it.\n\nOn Mon, 23 Nov 2026 at 10:05, Alice <alice@corp.example> wrote:\n> Try this.\n\nRegards, Priya", "Fixed it.\n\nRegards, Priya"},

		// Signatures.
		{"sig delimiter", "The screen is black.\n\n-- \nPriya Raman\nFinance, ext. 4321", "The screen is black."},
		{"sent from iphone", "Yes please.\n\nSent from my iPhone", "Yes please."},
		{"sent from android", "Yes please.\n\nSent from my Android phone", "Yes please."},
		{"envoye de mon iphone", "Oui.\n\nEnvoyé de mon iPhone", "Oui."},
		{"envoye depuis", "Oui.\n\nEnvoyé depuis mon appareil mobile", "Oui."},
		{"get outlook", "OK.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>", "OK."},
		{"obtenir outlook", "D'accord.\n\nObtenir Outlook pour Android<https://aka.ms/ghei36>", "D'accord."},
		{"not a signature", "Here it is.\n\nSent from my desk, it is easier than my phone.", "Here it is.\n\nSent from my desk, it is easier than my phone."},

		// Forwards are content.
		{"gmail forward", "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@corp.example>\nDate: Mon, 23 Nov 2026 at 10:05\nSubject: Broken badge\nTo: <alice@corp.example>\n\nMy badge does not open door 3.",
			"FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@corp.example>\nDate: Mon, 23 Nov 2026 at 10:05\nSubject: Broken badge\nTo: <alice@corp.example>\n\nMy badge does not open door 3."},
		{"apple forward fr", "Pour info.\n\nDébut du message réexpédié :\n\nDe: Bob <bob@corp.example>\nObjet: Badge\nDate: 23 novembre 2026 à 10:05\n\nMon badge ne marche pas.",
			"Pour info.\n\nDébut du message réexpédié :\n\nDe: Bob <bob@corp.example>\nObjet: Badge\nDate: 23 novembre 2026 à 10:05\n\nMon badge ne marche pas."},

		// Never empty.
		{"all quoted", "> only a quote\n> here", "> only a quote\n> here"},
		{"text after top attribution", "On Mon, 23 Nov 2026 at 10:05, Alice <alice@corp.example> wrote:\n\nMy own text below the header.", "My own text below the header."},
		{"no false attribution", "On Monday the VPN failed:\nerror 809 at 10:05.", "On Monday the VPN failed:\nerror 809 at 10:05."},
		{"on at line start", "Blah\nOn blah-blah", "Blah\nOn blah-blah"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := VisibleText(tt.in)
			if got != tt.want {
				t.Errorf("VisibleText:\n%s\n--- want:\n%s", got, tt.want)
			}
		})
	}
}

// outlookReply builds a typical Outlook reply of about n bytes: a short
// answer, a signature, and a long thread of headers and old messages.
func outlookReply(n int) string {
	var b strings.Builder
	b.WriteString("Hello,\r\n\r\nThe printer on the 2nd floor works again after the restart, thanks a lot.\r\n\r\nBest regards,\r\nPriya Raman\r\nFinance department\r\n\r\n")
	for i := 0; b.Len() < n; i++ {
		b.WriteString("________________________________\r\nFrom: Support Informatique <helpdesk@corp.example>\r\nSent: Monday, November 23, 2026 10:05 AM\r\nTo: Priya Raman <priya.raman@corp.example>\r\nSubject: RE: [HD #42] Printer on the 2nd floor\r\n\r\n")
		b.WriteString("Hello Priya,\r\n\r\nCould you please restart the printer and tell us whether the error message is still shown on the display? If it is, please send us a photo.\r\n\r\n> Which building are you in?\r\n> Building B, room 204.\r\n\r\nAlice Martin\r\nIT support, tier 1\r\n\r\n")
	}
	return b.String()
}

func BenchmarkVisibleText(b *testing.B) {
	in := outlookReply(8 << 10)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		VisibleText(in)
	}
}

func TestOutlookReplyBench(t *testing.T) {
	got := VisibleText(outlookReply(8 << 10))
	want := "Hello,\n\nThe printer on the 2nd floor works again after the restart, thanks a lot.\n\nBest regards,\nPriya Raman\nFinance department"
	if got != want {
		t.Errorf("got:\n%s", got)
	}
}
