package mailin

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
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

// TestVisibleTextInTheWild covers replies seen cut wrong on real desks. The mails are written
// for the test, after the formats of the clients named.
func TestVisibleTextInTheWild(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Quoted lines re-wrapped by the client: the continuation lost its "> ".
		{"hard-wrapped quote",
			"It works again, thank you.\n\nOn Mon, 23 Nov 2026 at 10:05, Alice Martin <alice@corp.example> wrote:\n" +
				"> Could you please restart the laptop and tell us whether the error message\n" +
				"is still shown on the display? If it is, please send us a photo of the\n" +
				"> screen, with the serial number label on the back if you can find it.\n" +
				">\n> Alice Martin\n> IT support",
			"It works again, thank you."},
		{"hard-wrapped quote, several",
			"Merci, c'est réglé.\n\nLe lun. 23 nov. 2026 à 10:05, Support Informatique <helpdesk@corp.example> a écrit :\n" +
				"> Bonjour Céline, pourriez-vous redémarrer l'imprimante du deuxième étage et\n" +
				"nous dire si le message d'erreur est toujours affiché sur l'écran de\n" +
				"> contrôle ? Si c'est le cas, envoyez-nous une photo de l'écran et de\n" +
				"l'étiquette au dos de l'appareil, avec le numéro de série lisible.\n" +
				"> Cordialement,\n> Alice",
			"Merci, c'est réglé."},

		// A footer after the quote.
		{"legal footer after the quote",
			"C'est réparé, merci.\n\nLe lun. 23 nov. 2026 à 10:05, Support <helpdesk@corp.example> a écrit :\n> Pouvez-vous redémarrer ?\n\n" +
				"Ce message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses destinataires.\n" +
				"Toute utilisation ou diffusion non autorisée est interdite.\n" +
				"Si vous avez reçu ce message par erreur, merci d'en avertir immédiatement l'expéditeur et de le détruire.",
			"C'est réparé, merci."},
		{"disclaimer after the quote en",
			"Fixed, thanks.\n\nOn Mon, 23 Nov 2026 at 10:05, Support <helpdesk@corp.example> wrote:\n> Please restart.\n\n" +
				"CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for the addressee.\n" +
				"If you are not the intended recipient, please notify the sender and delete it.\n" +
				"Any unauthorised use is prohibited.",
			"Fixed, thanks."},
		{"list footer after the quote",
			"Same here since this morning.\n\nOn Mon, 23 Nov 2026 at 10:05, Bob <bob@corp.example> wrote:\n> Is the wiki down for anyone else?\n\n" +
				"You received this message because you are subscribed to the Google Groups \"IT users\" group.\n" +
				"To unsubscribe from this group and stop receiving emails from it, send an email to it-users+unsubscribe@corp.example.\n" +
				"To view this discussion visit https://groups.example.com/d/msgid/it-users/abc.",
			"Same here since this morning."},
		{"closing line that is not a footer",
			"Hello,\n\nThe printer on the 2nd floor is broken again.\n\nIf you received my mail from yesterday, please ignore it.",
			"Hello,\n\nThe printer on the 2nd floor is broken again.\n\nIf you received my mail from yesterday, please ignore it."},
		{"french closing line that is not a footer",
			"Bonjour,\n\nLe serveur sera redémarré ce soir.\n\nCe message est destiné à toute l'équipe.",
			"Bonjour,\n\nLe serveur sera redémarré ce soir.\n\nCe message est destiné à toute l'équipe."},
		{"disclaimer closing a new request",
			"Hello,\n\nThe badge reader at door 3 refuses every badge since 9am.\n\nPriya\n\n" +
				"This e-mail and any attachments are confidential and may be privileged. If you are not the intended recipient, delete it.",
			"Hello,\n\nThe badge reader at door 3 refuses every badge since 9am.\n\nPriya"},

		// Attributions without their colon.
		{"on wrote without colon",
			"Works now.\n\nOn Mon, Nov 23, 2026 at 10:05 AM Alice Martin <alice@corp.example> wrote\n> Please restart.\n> Alice",
			"Works now."},
		{"on wrote without colon nor address",
			"Works now.\n\nOn 23 Nov 2026, at 10:05, Alice Martin wrote\n\n> Please restart.",
			"Works now."},
		{"le a écrit without colon",
			"Ça marche.\n\nLe 23/11/2026 à 10:05, Alice Martin a écrit\n> Redémarrez.",
			"Ça marche."},
		{"wrote without colon but not an attribution",
			"On Monday, Bob wrote\nthe procedure on the wiki, and it still fails.",
			"On Monday, Bob wrote\nthe procedure on the wiki, and it still fails."},

		// Separators in more languages.
		{"danish", "Tak.\n\n-------- Oprindelig besked --------\nFra: Support <helpdesk@corp.example>\nDato: 23.11.2026 10:05\nTil: Jens\nEmne: VPN\n\ngammel tekst", "Tak."},
		{"danish outlook", "Tak.\n\n-----Oprindelig meddelelse-----\nFra: Support\nSendt: 23. november 2026 10:05\nTil: Jens\nEmne: VPN\n\ngammel", "Tak."},
		{"german android", "Danke.\n\n-------- Ursprüngliche Nachricht --------\nVon: Support <helpdesk@corp.example>\nDatum: 23.11.26 10:05 (GMT+01:00)\nAn: Jonas\nBetreff: VPN\n\nalt", "Danke."},
		{"german no dashes", "Danke.\n\nUrsprüngliche Nachricht\nVon: Support <helpdesk@corp.example>\nGesendet: Montag, 23. November 2026 10:05\nAn: Jonas\nBetreff: VPN\n\nalt", "Danke."},
		{"spanish outlook", "Gracias.\n\n-----Mensaje original-----\nDe: Soporte <helpdesk@corp.example>\nEnviado el: lunes, 23 de noviembre de 2026 10:05\nPara: Ana\nAsunto: VPN\n\nviejo", "Gracias."},
		{"spanish headers only", "Gracias.\n\nDe: Soporte <helpdesk@corp.example>\nEnviado el: lunes, 23 de noviembre de 2026 10:05\nPara: Ana\nAsunto: VPN\n\nviejo", "Gracias."},
		{"italian", "Grazie.\n\n-------- Messaggio originale --------\nDa: Supporto <helpdesk@corp.example>\nData: 23/11/2026 10:05\nA: Marco\nOggetto: VPN\n\nvecchio", "Grazie."},
		{"italian outlook", "Grazie.\n\n-----Messaggio originale-----\nDa: Supporto\nInviato: lunedì 23 novembre 2026 10:05\nA: Marco\nOggetto: VPN\n\nvecchio", "Grazie."},
		{"dutch", "Bedankt.\n\n-------- Oorspronkelijk bericht --------\nVan: Support <helpdesk@corp.example>\nDatum: 23-11-2026 10:05\nAan: Jan\nOnderwerp: VPN\n\noud", "Bedankt."},
		{"portuguese outlook", "Obrigado.\n\nDe: Suporte <helpdesk@corp.example>\nEnviada em: segunda-feira, 23 de novembro de 2026 10:05\nPara: João\nAssunto: VPN\n\nantigo", "Obrigado."},
		{"portuguese android", "Obrigado.\n\n-------- Mensagem original --------\nDe: Suporte <helpdesk@corp.example>\nData: 23/11/2026 10:05\nPara: João\nAssunto: VPN\n\nantigo", "Obrigado."},
		{"swedish", "Tack.\n\n-------- Ursprungligt meddelande --------\nFrån: Support <helpdesk@corp.example>\nDatum: 2026-11-23 10:05\nTill: Erik\nÄmne: VPN\n\ngammal", "Tack."},
		{"french message du", "Merci, c'est bon.\n\nMessage du : 23/11/2026 10:05\nDe : Support <helpdesk@corp.example>\nA : celine@corp.example\nObjet : [HD #42] Imprimante\n\nBonjour Céline,\nPouvez-vous redémarrer ?", "Merci, c'est bon."},
		{"french message du quoted", "Merci, c'est bon.\n\n> Message du 23/11/26 10:05\n> De : \"Support\" <helpdesk@corp.example>\n> A : celine@corp.example\n> Objet : [HD #42] Imprimante\n>\n> Pouvez-vous redémarrer ?", "Merci, c'est bon."},
		{"equals rule", "Merci.\n\n========================================\nDe : Support <helpdesk@corp.example>\nEnvoyé : lundi 23 novembre 2026 10:05\nÀ : Céline\nObjet : Imprimante\n\nancien", "Merci."},
		{"equals original message", "Thanks.\n\n==== Original Message ====\nFrom: Support <helpdesk@corp.example>\nTo: Priya\nSent: Monday\n\nold", "Thanks."},
		{"equals in a request stays", "Here is the log:\n\n====================\nERROR 809 at 10:05\n====================\n\nCan you look?", "Here is the log:\n\n====================\nERROR 809 at 10:05\n====================\n\nCan you look?"},

		// Inline answers keep the questions they answer, and the answers.
		{"inline answers, long quotes",
			"Hi Alice, answers below.\n\nOn Mon, 23 Nov 2026 at 10:05, Alice Martin <alice@corp.example> wrote:\n" +
				"> Hello Priya,\n>\n> To look into the VPN problem we need a few details from you.\n" +
				"> 1. Which version of the VPN client do you run? You can find it in the\n> About box of the client.\n\n" +
				"4.2.1\n\n> 2. Does it fail at home only, or also in the office?\n\nAt home only.\n\n" +
				"> Thanks,\n> Alice\n> IT support",
			"Hi Alice, answers below.\n\n> Hello Priya,\n>\n> To look into the VPN problem we need a few details from you.\n" +
				"> 1. Which version of the VPN client do you run? You can find it in the\n> About box of the client.\n\n" +
				"4.2.1\n\n> 2. Does it fail at home only, or also in the office?\n\nAt home only."},
		{"inline answer, one",
			"On Mon, 23 Nov 2026 at 10:05, Alice Martin <alice@corp.example> wrote:\n> Which building are you in?\n\nBuilding B, room 204.\n\n> Alice\n> IT support",
			"> Which building are you in?\n\nBuilding B, room 204."},
		{"inline answers in a wrapped quote",
			"On Mon, 23 Nov 2026 at 10:05, Alice Martin <alice@corp.example> wrote:\n" +
				"> Could you tell us which version of the VPN client you run, and whether\nit fails at home only?\n" +
				"4.2.1, and yes, at home only.\n> Thanks.",
			"> Could you tell us which version of the VPN client you run, and whether\nit fails at home only?\n4.2.1, and yes, at home only."},
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

func TestVisibleForward(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"outlook original message",
			"Can you look at this?\n\n-----Original Message-----\nFrom: Bob <bob@corp.example>\nSent: Monday, November 23, 2026 10:05 AM\nTo: Priya\nSubject: Badge\n\nMy badge does not open door 3.",
			"Can you look at this?\n\n-----Original Message-----\nFrom: Bob <bob@corp.example>\nSent: Monday, November 23, 2026 10:05 AM\nTo: Priya\nSubject: Badge\n\nMy badge does not open door 3."},
		{"new outlook rule and header block",
			"Pour info.\n\nCéline\n\n________________________________\nDe : Bob <bob@corp.example>\nEnvoyé : lundi 23 novembre 2026 10:05\nÀ : Céline\nObjet : Badge\n\nMon badge n'ouvre plus la porte 3.",
			"Pour info.\n\nCéline\n\nDe : Bob <bob@corp.example>\nEnvoyé : lundi 23 novembre 2026 10:05\nÀ : Céline\nObjet : Badge\n\nMon badge n'ouvre plus la porte 3."},
		{"signature before the forward",
			"FYI\n\n-- \nPriya Raman\nFinance\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nSubject: Badge\n\nDoor 3 is stuck.",
			"FYI\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nSubject: Badge\n\nDoor 3 is stuck."},
		{"nothing before",
			"---------- Forwarded message ---------\nFrom: Bob <bob@corp.example>\nDate: Mon, 23 Nov 2026 at 10:05\nSubject: Badge\n\nDoor 3 is stuck.",
			"---------- Forwarded message ---------\nFrom: Bob <bob@corp.example>\nDate: Mon, 23 Nov 2026 at 10:05\nSubject: Badge\n\nDoor 3 is stuck."},
		{"quoted forward",
			"See below.\n\nOn Mon, 23 Nov 2026 at 10:05, Bob <bob@corp.example> wrote:\n> Door 3 is stuck.",
			"See below.\n\nOn Mon, 23 Nov 2026 at 10:05, Bob <bob@corp.example> wrote:\n> Door 3 is stuck."},
		{"no separator", "Door 3 is stuck.\n\nSent from my iPhone", "Door 3 is stuck."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VisibleForward(tt.in); got != tt.want {
				t.Errorf("VisibleForward:\n%s\n--- want:\n%s", got, tt.want)
			}
		})
	}
}

// TestIncomingForward: a forwarded mail carries both its new words (for a ticket it answers) and
// the forwarded message (for a ticket it opens); a reply carries only its new words.
func TestIncomingForward(t *testing.T) {
	const fwd = "From: Priya <priya@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: FW: Badge\r\nMessage-ID: <f1@corp.example>\r\n\r\n" +
		"Can you look at this?\r\n\r\n-----Original Message-----\r\nFrom: Bob <bob@corp.example>\r\nSent: Monday, November 23, 2026 10:05 AM\r\n" +
		"To: Priya <priya@corp.example>\r\nSubject: Badge\r\n\r\nMy badge does not open door 3 since this morning.\r\n"
	in := Incoming(mustParse(t, fwd, ParseOptions{}), "en")
	if in.Text != "Can you look at this?" {
		t.Errorf("text %q", in.Text)
	}
	if !strings.Contains(in.Forwarded, "Can you look at this?") || !strings.Contains(in.Forwarded, "My badge does not open door 3") {
		t.Errorf("forwarded %q", in.Forwarded)
	}
	reply := strings.Replace(fwd, "Subject: FW: Badge", "Subject: RE: Badge", 1)
	if in := Incoming(mustParse(t, reply, ParseOptions{}), "en"); in.Forwarded != "" || in.Text != "Can you look at this?" {
		t.Errorf("reply: text %q, forwarded %q", in.Text, in.Forwarded)
	}
	html := "From: Priya <priya@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: TR: Badge\r\nMessage-ID: <f2@corp.example>\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<div>Pour info.</div><div id=\"divRplyFwdMsg\"><b>De :</b> Bob<br><b>Envoyé :</b> lundi<br><b>Objet :</b> Badge</div>" +
		"<div>Mon badge n'ouvre plus la porte 3.</div>\r\n"
	in = Incoming(mustParse(t, html, ParseOptions{}), "fr")
	if in.Text != "Pour info." || !strings.Contains(in.Forwarded, "porte 3") {
		t.Errorf("html: text %q, forwarded %q", in.Text, in.Forwarded)
	}
}

// TestIncomingHistory: a reply chain carries its new words (for a ticket it answers) and, for a
// ticket it opens, its quoted history; a mail that quotes nothing carries no history.
func TestIncomingHistory(t *testing.T) {
	const chain = "From: Celine <celine@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: RE: Partage Compta\r\n" +
		"Message-ID: <c1@corp.example>\r\nIn-Reply-To: <old@corp.example>\r\n\r\nPouvez-vous me donner l'accès ?\r\n\r\n" +
		"----- Mail original -----\r\nDe: \"Marc\" <marc@corp.example>\r\nÀ: celine@corp.example\r\nEnvoyé: Lundi 23 Novembre 2026 10:05:00\r\n" +
		"Objet: Partage Compta\r\n\r\nDemande au support l'accès au dossier Compta.\r\n"
	in := Incoming(mustParse(t, chain, ParseOptions{}), "fr")
	if in.Text != "Pouvez-vous me donner l'accès ?" {
		t.Errorf("text %q", in.Text)
	}
	if !strings.HasPrefix(in.History, "Pouvez-vous me donner l'accès ?\n\n----- Mail original -----") || !strings.Contains(in.History, "Demande au support") || in.Forwarded != "" {
		t.Errorf("history %q, forwarded %q", in.History, in.Forwarded)
	}
	html := "From: Celine <celine@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: RE: Partage\r\nMessage-ID: <c2@corp.example>\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<div>Et maintenant ?</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">Le lun. 23 nov. 2026 à 10:05, Marc &lt;marc@corp.example&gt; a écrit :</div>" +
		"<blockquote class=\"gmail_quote\">Demande au support.</blockquote></div>\r\n"
	in = Incoming(mustParse(t, html, ParseOptions{}), "fr")
	if in.Text != "Et maintenant ?" || !strings.Contains(in.History, "> Demande au support.") {
		t.Errorf("html: text %q, history %q", in.Text, in.History)
	}
	plain := "From: Celine <celine@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: Partage\r\nMessage-ID: <c3@corp.example>\r\n\r\nBonjour,\r\nle partage ne s'ouvre pas.\r\n\r\nCordialement\r\n-- \r\nCéline\r\n"
	if in := Incoming(mustParse(t, plain, ParseOptions{}), "fr"); in.History != "" {
		t.Errorf("plain: history %q", in.History)
	}
}

// TestVisibleTextSeparators checks the reply separators of the clients French and English
// requesters use, each followed by a quoted header block or by the old text itself, quoted or not.
func TestVisibleTextSeparators(t *testing.T) {
	seps := []string{
		// Zimbra.
		"----- Mail original -----", "----- Original Message -----", "----- Message d'origine -----",
		"----- Courriel original -----",
		// Thunderbird.
		"-------- Message original --------", "-------- Original Message --------",
		"Le 30/11/2026 à 19:38, Support Informatique a écrit :",
		"Le 30/11/2026 19:38, Support Informatique a écrit :",
		"Le 2026-11-30 19:38, helpdesk@corp.example a écrit :",
		"On 30/11/2026 19:38, Support Informatique wrote:",
		// Outlook.
		"-----Original Message-----", "-----Message d'origine-----",
		// Apple Mail.
		"Le 30 nov. 2026 à 19:38, Support Informatique <helpdesk@corp.example> a écrit :",
		"Le 30 nov. 2026 à 19:38, \"Support Informatique\" <helpdesk@corp.example> a écrit :",
		"Le 30 nov. 2026 à 19:38, Support Informatique<helpdesk@corp.example> a écrit :",
		"On 30 Nov 2026, at 19:38, Support Informatique <helpdesk@corp.example> wrote:",
		// Gmail, with Gmail's no-break space before the colon.
		"Le lun. 30 nov. 2026 à 19:38, Support Informatique <helpdesk@corp.example> a écrit\u00a0:",
		"Le lun. 30 nov. 2026 à 19:38, Support Informatique <\nhelpdesk@corp.example> a écrit :",
		// Evolution, Yahoo.
		"Le lundi 30 novembre 2026 à 19:38 +0100, Support Informatique a écrit :",
		"Le lundi 30 novembre 2026 à 19:38:12 UTC+1, Support Informatique <helpdesk@corp.example> a écrit :",
		"Support Informatique <helpdesk@corp.example> a écrit :",
	}
	afters := []string{
		"De: \"Support Informatique\" <helpdesk@corp.example>\nÀ: \"Lucas\" <l@corp.example>\nEnvoyé: Lundi 30 Novembre 2026 19:37:00\nObjet: [HD #5] Demande reçue\n\nBonjour Lucas,\nNous avons bien reçu.",
		"Bonjour Lucas,\nNous avons bien reçu votre demande.\nCordialement",
		"> Bonjour Lucas,\n> Nous avons bien reçu votre demande.\n>\n> Cordialement",
	}
	for _, sep := range seps {
		for _, after := range afters {
			got := VisibleText("Toujours pareil ce matin.\n\n" + sep + "\n" + after)
			if got != "Toujours pareil ce matin." {
				t.Errorf("%q then %.20q:\n%q", sep, after, got)
			}
		}
	}
	// Outlook's header blocks, French and English, under its rule or not.
	for _, block := range []string{
		"De : Support Informatique <helpdesk@corp.example>\nEnvoyé : lundi 30 novembre 2026 19:38\nÀ : Lucas Martin <l@corp.example>\nCc : Équipe <eq@corp.example>\nObjet : RE: [HD #5] Demande reçue",
		"________________________________\nDe : Support Informatique <helpdesk@corp.example>\nEnvoyé : lundi 30 novembre 2026 19:38\nÀ : Lucas Martin <l@corp.example>\nObjet : [HD #5] Demande reçue",
		"________________________________\nDe\u00a0: Support Informatique <helpdesk@corp.example>\nDate\u00a0: lundi 30 novembre 2026 à 19:38\nÀ\u00a0: Lucas Martin <l@corp.example>\nObjet\u00a0: [HD #5] Demande reçue",
		"From: Support Informatique <helpdesk@corp.example>\nDate: Monday, 30 November 2026 at 19:38\nTo: Lucas Martin <l@corp.example>\nSubject: [HD #5] Request received",
		"De : \"Support Informatique\" <helpdesk@corp.example>\nDate : lun. 30 nov. 2026 à 19:38\nÀ : l@corp.example\nObjet : [HD #5] Demande reçue",
	} {
		got := VisibleText("Toujours pareil ce matin.\n\n" + block + "\n\nBonjour Lucas,\nNous avons bien reçu.")
		if got != "Toujours pareil ce matin." {
			t.Errorf("%.40q:\n%q", block, got)
		}
	}
}

// TestMobileSignOffs: the one-line signatures of mail apps, French and English, leave the text.
func TestMobileSignOffs(t *testing.T) {
	for _, sig := range []string{
		"Sent from my iPhone", "Envoyé de mon iPhone", "Envoyé de mon iPad", "Sent from my Samsung Galaxy smartphone.",
		"Get Outlook for Android", "Get Outlook for iOS<https://aka.ms/o0ukef>", "Téléchargez Outlook pour Android",
		"Obtenir Outlook pour iOS", "Obtenez Outlook pour Android", "Envoyé à partir de Outlook pour Android",
		"Envoyé depuis mon appareil mobile Huawei", "Sent from Mail for Windows",
	} {
		for _, in := range []string{
			"L'écran reste noir.\n\n" + sig,
			"L'écran reste noir.\n\n" + sig + "\n\nLe lun. 30 nov. 2026 à 19:38, Support <helpdesk@corp.example> a écrit :\n> Redémarrez.",
			"L'écran reste noir.\n\n" + sig + "\n\n________________________________\nDe : Support <helpdesk@corp.example>\nEnvoyé : lundi\nObjet : Écran\n\nRedémarrez.",
		} {
			if got := VisibleText(in); got != "L'écran reste noir." {
				t.Errorf("%q: %q", sig, got)
			}
		}
	}
	if got := VisibleText("Sent from my desk, it is easier.\nThe printer is fine now."); !strings.HasPrefix(got, "Sent from my desk") {
		t.Errorf("a sentence taken for a signature: %q", got)
	}
}

// TestForwardSubject: forward prefixes, after a mail gateway's tag, with French spacing.
func TestForwardSubject(t *testing.T) {
	for s, want := range map[string]bool{
		"Fwd: Badge": true, "TR: Badge": true, "TR : Badge": true, "TR\u00a0: Badge": true, "WG: Badge": true,
		"[EXTERNAL] FW: Badge": true, "[EXT] Fwd: Badge": true, "[EXTERNE] TR : Badge": true, "VS: Badge": true,
		"RE: Badge": false, "[EXTERNAL] RE: Badge": false, "Trust issue": false, "Transfert de fichiers": false,
	} {
		if got := IsForwardSubject(s); got != want {
			t.Errorf("IsForwardSubject(%q) = %v", s, got)
		}
	}
}

// TestAttrLead holds attrLead, and its table of first letters, to attrLeadRe.
func TestAttrLead(t *testing.T) {
	var texts []string
	for c1 := 0; c1 < 128; c1++ {
		for c2 := 0; c2 < 128; c2++ {
			p := string([]byte{byte(c1), byte(c2)})
			texts = append(texts, p, p+"niu x", p+"ui x", p+"n, 12 mars")
		}
		texts = append(texts, string([]byte{byte(c1)}))
	}
	const some = "abcdefghijklmnopqrstuvwxyzAEIMNOSTUW (1-.:"
	for i := range len(some) {
		for j := range len(some) {
			for k := range len(some) {
				texts = append(texts, string([]byte{some[i], some[j], some[k]}))
			}
		}
	}
	// Every word of the expression, as it is, in capitals and capitalised.
	expr := attrLeadRe.String()
	words := strings.Split(expr[strings.Index(expr, "]*(")+3:len(expr)-1], "|")
	if len(words) < 30 {
		t.Fatalf("the words of attrLeadRe not found in %s", expr)
	}
	for _, w := range words {
		w = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(w, `\s`, " "), `\d`, "7"), `\(`, "(")
		texts = append(texts, w+" 12", strings.ToUpper(w)+" 12", strings.ToUpper(w[:1])+w[1:]+" 12")
	}
	texts = append(texts, "", "På tis", "vào lúc", "в 12", "Вторник", "在 2026", "(12)", "-- On Mon", "__ле", "ſun", "*", "**Le 12")
	for _, x := range underrace.Sample(texts) {
		for _, lead := range []string{"", " ", "-- ", "*_\t"} {
			s := lead + x
			if got, want := attrLead(s), attrLeadRe.MatchString(s); got != want {
				t.Errorf("attrLead(%q) = %v, attrLeadRe says %v", s, got, want)
			}
		}
	}
}

// TestMayBeOriginalBare holds mayBeOriginalBare to originalBareRe: it turns away no line the
// expression takes.
func TestMayBeOriginalBare(t *testing.T) {
	texts := []string{"", "Cordialement,", "Alice Martin", "Original Message", "-- ", "mail"}
	for _, p := range strings.Split(originalPhrases, "|") {
		for _, v := range []string{p, strings.ToUpper(p), strings.ToUpper(p[:1]) + p[1:]} {
			for _, around := range [][2]string{{"", ""}, {"> ", ":"}, {"*", " :*"}, {" ", " : "}, {"_", "_ "}, {"", "\t:\t"}} {
				texts = append(texts, around[0]+v+around[1], around[0]+v[1:]+around[1], around[0]+v[:len(v)-1]+around[1])
			}
		}
	}
	for _, x := range texts {
		if originalBareRe.MatchString(x) && !mayBeOriginalBare(x) {
			t.Errorf("mayBeOriginalBare(%q) = false, originalBareRe matches", x)
		}
	}
}
