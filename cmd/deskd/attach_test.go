package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"
)

// multipartBody is a text part and one attached file, as a mail client sends them.
func multipartBody(text, name, ctype string, data []byte) (headers map[string]string, body string) {
	const b = "deskd-test-boundary"
	var s strings.Builder
	fmt.Fprintf(&s, "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n", b, text)
	fmt.Fprintf(&s, "--%s\nContent-Type: %s; name=%q\nContent-Disposition: attachment; filename=%q\nContent-Transfer-Encoding: base64\n\n%s\n--%s--\n",
		b, ctype, name, name, base64.StdEncoding.EncodeToString(data), b)
	return map[string]string{"MIME-Version": "1.0", "Content-Type": "multipart/mixed; boundary=" + b}, s.String()
}

// TestAttachmentsReachTheOtherSide: the requester's screenshot reaches the technician with the
// assignment notice (never echoed back in the acknowledgement), the technician's procedure
// reaches the requester with the reply, and the specialist gets every file on escalation.
func TestAttachmentsReachTheOtherSide(t *testing.T) {
	f := newFlow(t, "")
	png := []byte("\x89PNG\r\n\x1a\nfake screenshot")
	h, body := multipartBody("Bonjour,\nle VPN affiche l'erreur 809, capture jointe.\nCéline", "erreur-809.png", "image/png", png)
	tk := f.open(msg{from: "celine@corp.example", name: "Céline Dupré", subject: "Erreur VPN 809", body: body, headers: h})

	raw := func(addr, kind string) string {
		t.Helper()
		m := f.one(addr, kind, tk.ID)
		b, err := io.ReadAll(m.Body)
		if err != nil {
			t.Fatal(err)
		}
		return m.Header.Get("Content-Type") + "\n" + string(b)
	}
	if got := raw(alice, "assigned"); !strings.Contains(got, "erreur-809.png") || !strings.Contains(got, base64.StdEncoding.EncodeToString(png)) {
		t.Fatalf("the assignment notice does not carry the requester's file:\n%.600s", got)
	}
	if got := raw("celine@corp.example", "ack"); strings.Contains(got, "erreur-809.png") {
		t.Fatal("the acknowledgement echoed the requester's file back")
	}

	pdf := []byte("%PDF-1.4 procedure")
	h, body = multipartBody("Voici la procédure pour réinstaller le profil VPN.", "procedure-vpn.pdf", "application/pdf", pdf)
	h["Authentication-Results"] = dkimPass["Authentication-Results"]
	f.send(msg{from: alice, name: "Alice Martin", subject: fmt.Sprintf("[HD #%d] %s", tk.ID, tk.Subject), body: body, headers: h})
	f.step()
	if got := raw("celine@corp.example", "reply"); !strings.Contains(got, "procedure-vpn.pdf") || !strings.Contains(got, base64.StdEncoding.EncodeToString(pdf)) {
		t.Fatalf("the reply does not carry the technician's file:\n%.600s", got)
	}

	f.staffWrite(alice, tk, "#escalate profil corrompu, besoin du niveau 2")
	got := raw(chloe, "escalated")
	for _, name := range []string{"erreur-809.png", "procedure-vpn.pdf"} {
		if !strings.Contains(got, name) {
			t.Errorf("the specialist did not get %s", name)
		}
	}
}
