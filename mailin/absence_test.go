package mailin

import "testing"

// TestAbsenceNoticeInReply: an out-of-office notice sent by a client-side rule has an ordinary
// "RE:" subject and no automatic header; when it is the whole new text of a reply it is an
// auto-reply (review finding F5). A person who mentions an absence among a request of their own,
// and a new mail about absence, stay a person's.
func TestAbsenceNoticeInReply(t *testing.T) {
	opt := ParseOptions{DeskAddresses: []string{"helpdesk@corp.example"}}
	const reply = "From: Karen Li <karen@corp.example>\nSubject: RE: [HD #18] Request resolved: Email not working\n" +
		"In-Reply-To: <dk.18.abc@corp.example>\nReferences: <dk.18.abc@corp.example>\n" +
		"Content-Type: text/plain; charset=utf-8\n\n"
	const gmailQuote = "\n\nOn Thu, Nov 26, 2026 at 10:05 AM Support <helpdesk@corp.example> wrote:\n> Your request [HD #18] is resolved.\n> Have you tried turning it off and on again?\n"
	const outlookQuote = "\n\n________________________________\nDe : Support Informatique <helpdesk@corp.example>\n" +
		"Envoyé : jeudi 26 novembre 2026 10:05\nÀ : Isabelle Roux <isabelle@corp.example>\nObjet : [HD #25] Demande résolue : Messagerie\n\n" +
		"Votre demande est résolue. Pouvez-vous confirmer ?\n"
	autos := []string{
		"Thank you for your message. I am out of the office until Monday 7 December with limited access to email. For urgent matters please contact jane.doe@corp.example.",
		"Je suis absente du bureau jusqu'au 7 décembre inclus. En cas d'urgence, contactez Marc Petit.",
		"I am out of the office until Monday 7 December with no access to email. For anything urgent contact Chloé Dubois.",
		"Je suis actuellement absente et de retour le lundi 7 décembre. Pour toute urgence, merci de contacter le support au 01 23 45 67 89.",
		"Bonjour,\n\nJe suis absent(e) du bureau jusqu'au 4 janvier. Je traiterai votre message à mon retour.\n\nCordialement,\nMarc Petit\nResponsable Comptabilité",
		"Hello,\n\nI'm currently on annual leave, returning on 12 January. Your email will not be forwarded.\n\nKind regards,\nKaren Li",
		"Ich bin bis zum 7. Dezember nicht im Büro. In dringenden Fällen wenden Sie sich bitte an Marc Petit.",
		"Estoy fuera de la oficina hasta el 7 de diciembre. Para asuntos urgentes, contacte con Marc Petit.",
	}
	persons := []string{
		"I'll be out of office tomorrow, can you fix it before?",
		"Je suis absente demain. Le VPN ne marche toujours pas.",
		"I am out of the office until Monday but the printer on floor 2 is still jammed, please have a look.",
		"I am on vacation next week and my laptop still will not start.",
		"Thanks, works now.",
		"Je suis absente jusqu'au 7.\nVPN toujours en panne",
		"I'm away from my desk today, please call me on my mobile 06 12 34 56 78.",
		"Je suis absente du bureau cet après-midi. Contactez-moi sur mon portable.",
	}
	for _, quote := range []string{"", gmailQuote, outlookQuote} {
		for _, text := range autos {
			m := mustParse(t, reply+text+quote, opt)
			if m.Verdict != VerdictAutoReply {
				t.Errorf("notice %q (quote %d bytes): verdict %s (%s), want auto-reply", text, len(quote), m.Verdict, m.VerdictReason)
			}
		}
		for _, text := range persons {
			if m := mustParse(t, reply+text+quote, opt); m.Verdict != VerdictPerson {
				t.Errorf("person %q (quote %d bytes): verdict %s (%s), want person", text, len(quote), m.Verdict, m.VerdictReason)
			}
		}
	}
	// The README's exception: a new mail, without threading headers, is a person's.
	const fresh = "From: Karen Li <karen@corp.example>\nSubject: Message d'absence\nContent-Type: text/plain; charset=utf-8\n\n"
	if m := mustParse(t, fresh+autos[1], opt); m.Verdict != VerdictPerson {
		t.Errorf("a new mail: verdict %s (%s), want person", m.Verdict, m.VerdictReason)
	}
}
