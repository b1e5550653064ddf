package mailin

import "testing"

// TestDetachedSignatureIsNoFile: the smime.p7s of an S/MIME-signed mail (Outlook with a signing
// certificate) and the signature.asc of an OpenPGP one sign the sender's mail: no file of the
// ticket (they stay in the parsed mail, decorative), so none is relayed to a requester. A .p7s attached to a mail that is not signed (a
// certificate sent on purpose) stays a file.
func TestDetachedSignatureIsNoFile(t *testing.T) {
	for _, tt := range []struct{ name, ctype, file string }{
		{"S/MIME", `application/pkcs7-signature; name="smime.p7s"`, "smime.p7s"},
		{"S/MIME, old type", `application/x-pkcs7-signature; name="smime.p7s"`, "smime.p7s"},
		{"OpenPGP", `application/pgp-signature; name="signature.asc"`, "signature.asc"},
	} {
		raw := "From: bob@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Re: [HD #81] x\r\nMessage-ID: <s@x>\r\n" +
			"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n#resolve Dongle remplacé.\r\n" +
			"--b\r\nContent-Type: " + tt.ctype + "\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"" + tt.file + "\"\r\n\r\nMIIGpQYJKoZIhvcNAQcCoIIGljCCBpICAQExDzANBglghkgBZQMEAgEFADALBgkqhkiG9w0BBwGgggPm\r\n--b--\r\n"
		m := mustParse(t, raw, ParseOptions{})
		if len(m.Attachments) != 1 || !m.Attachments[0].Decorative || m.Attachments[0].Name != tt.file || m.Text != "#resolve Dongle remplacé." {
			t.Errorf("%s: attachments %v, text %q", tt.name, m.Attachments, m.Text)
		}
		if in := Incoming(m, "fr"); len(in.Attachments) != 0 {
			t.Errorf("%s: files of the ticket %v", tt.name, in.Attachments)
		}
	}
	raw := "From: a@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: certificat\r\nMessage-ID: <c@x>\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nVoici le certificat.\r\n" +
		"--b\r\nContent-Type: application/pkcs7-signature; name=\"cert.p7s\"\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIGpQYJKoZIhvcNAQcC\r\n--b--\r\n"
	if m := mustParse(t, raw, ParseOptions{}); len(m.Attachments) != 1 || m.Attachments[0].Decorative {
		t.Errorf("a .p7s sent on purpose: attachments %v", m.Attachments)
	}
}
