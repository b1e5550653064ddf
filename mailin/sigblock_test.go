package mailin

import (
	"strings"
	"testing"
)

// TestSignatureBlock: what follows a "-- " delimiter is handed over apart (a technician may
// write a command below their name), up to the quoted history, which is never part of it.
func TestSignatureBlock(t *testing.T) {
	for _, tt := range []struct{ name, text, visible, signature string }{
		{"command below the signature",
			"C'est réparé.\n\n-- \nAlice Martin\nSupport Informatique\n\n#resolve pilote réinstallé",
			"C'est réparé.", "Alice Martin\nSupport Informatique\n\n#resolve pilote réinstallé"},
		{"stops at a quote",
			"Je regarde.\n\n-- \nAlice\n#take\n\nLe 30/11/2026 à 19:38, Support Informatique a écrit :\n> #resolve NOTE\n> Bonjour",
			"Je regarde.", "Alice\n#take"},
		{"stops at an Outlook header block",
			"Je regarde.\n-- \nAlice\n\nDe : Support Informatique <helpdesk@corp.example>\nEnvoyé : lundi 30 novembre 2026 19:38\nÀ : Alice\nObjet : [HD #6]\n\n#resolve NOTE",
			"Je regarde.", "Alice"},
		{"no delimiter", "Je regarde.\n\nAlice Martin", "Je regarde.\n\nAlice Martin", ""},
	} {
		v, sig := visibleParts(tt.text)
		if v != tt.visible || sig != tt.signature {
			t.Errorf("%s:\n visible %q\n     sig %q\nwant %q\n     %q", tt.name, v, sig, tt.visible, tt.signature)
		}
	}
	raw := "From: Alice Martin <alice@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: Re: [HD #6] Imprimante\r\n" +
		"Message-ID: <s1@corp.example>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<div>C'est réparé.</div><div class=\"gmail_signature\"><span class=\"gmail_signature_prefix\">-- </span><br>Alice Martin<br>Support<br><br>#resolve pilote réinstallé</div>" +
		"<div class=\"gmail_quote\"><div>Le lun. 30 nov. 2026, Support a écrit :</div><blockquote>#resolve NOTE</blockquote></div>\r\n"
	in := Incoming(mustParse(t, raw, ParseOptions{}), "fr")
	if !strings.Contains(in.Signature, "#resolve pilote réinstallé") || strings.Contains(in.Signature, "NOTE") || strings.Contains(in.Text, "#resolve") {
		t.Errorf("html: text %q, signature %q", in.Text, in.Signature)
	}
}

// TestMobileSignatureIsNoText: a mail whose only words are its app's signature has no text (an
// image sent from a phone), rather than "Envoyé de mon iPhone" as its request and subject.
func TestMobileSignatureIsNoText(t *testing.T) {
	for _, body := range []string{
		"Envoyé de mon iPhone", "\n\nSent from my iPhone\n", "Sent from my Android phone", "Get Outlook for iOS",
		"Télécharger Outlook pour Android", "Envoyé à partir de Outlook pour iOS",
	} {
		if got := VisibleText(body); got != "" {
			t.Errorf("%q: visible %q", body, got)
		}
	}
	raw := "From: Lucas <lucas@corp.example>\r\nTo: helpdesk@corp.example\r\nMessage-ID: <m1@corp.example>\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\nEnvoyé de mon iPhone\r\n" +
		"--b\r\nContent-Type: image/jpeg; name=IMG_4410.jpg\r\nContent-Disposition: attachment; filename=IMG_4410.jpg\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + base64Std(make([]byte, 4000)) + "\r\n--b--\r\n"
	in := Incoming(mustParse(t, raw, ParseOptions{}), "fr")
	if in.Text != "" || len(in.Attachments) != 1 {
		t.Errorf("text %q, %d files", in.Text, len(in.Attachments))
	}
}
