package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// multipartBody is a text part and one attached file, as a mail client sends them.
func multipartBody(text, name, ctype string, data []byte) (headers map[string]string, body string) {
	const b = "deskd-test-boundary"
	var s strings.Builder
	fmt.Fprintf(&s, "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n", b, text)
	fmt.Fprintf(&s, "--%s\nContent-Type: %s; name=%q\nContent-Disposition: attachment; filename=%q\nContent-Transfer-Encoding: base64\n\n%s\n--%s--\n",
		b, ctype, name, name, wrap76(base64.StdEncoding.EncodeToString(data)), b)
	return map[string]string{"MIME-Version": "1.0", "Content-Type": "multipart/mixed; boundary=" + b}, s.String()
}

// wrap76 breaks base64 text into lines of 76 characters (RFC 2045 section 6.8).
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
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

// TestNoteFileStaysInternal: a technician's mail with an internal note, its file and a
// resolution: the resolution reaches the requester without the file (a mail with a #note keeps
// its files among the staff); the same file with a resolution alone reaches her.
func TestNoteFileStaysInternal(t *testing.T) {
	for _, note := range []bool{true, false} {
		t.Run(fmt.Sprint("note=", note), func(t *testing.T) {
			f := newFlow(t, "")
			tk := f.openVPN("celine@corp.example")
			text := "#resolve Profil VPN réinstallé."
			if note {
				text = "#note Journal d'audit RH ci-joint, strictement interne.\n" + text
			}
			h, body := multipartBody(text, "audit-rh-celine.txt", "text/plain", []byte("CONFIDENTIEL"))
			f.reply(alice, "Alice Martin", f.one(alice, "assigned", tk.ID), body, plainStyle, h)
			f.step()
			res := f.mails("celine@corp.example", "resolved", tk.ID)
			if len(res) != 1 {
				t.Fatalf("resolved mails %d: %s\n%s", len(res), f.kinds("celine@corp.example"), f.outbox(tk.ID))
			}
			b, err := io.ReadAll(res[0].Body)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(b), "audit-rh-celine.txt"); got == note {
				t.Errorf("file in the resolution: %v, want %v", got, !note)
			}
		})
	}
}

// TestFlowFilesLeftOutAreNamed: a file over the desk's max_attachment is recorded, not kept, and
// so not relayed; the mail that would have carried it names it and says why, in its reader's
// language (the assignment in French to Alice, the specialist's escalation in French too, the
// reply in English to an English requester).
func TestFlowFilesLeftOutAreNamed(t *testing.T) {
	f := newFlowWith(t, func(text string) string { return config.SetKey(text, "desk", "max_attachment", `"2KB"`) })
	big := []byte(strings.Repeat("\x89PNG capture ", 400)) // 5.2 KB.
	h, body := multipartBody("Bonjour,\nle VPN affiche l'erreur 809, capture jointe.\nCéline", "erreur-809.png", "image/png", big)
	tk := f.open(msg{from: "celine@corp.example", name: "Céline Dupré", subject: "Erreur VPN 809", body: body, headers: h})

	assigned := f.text(f.one(alice, "assigned", tk.ID))
	if !strings.Contains(assigned, "Pièces jointes absentes de ce message :\n  - erreur-809.png (6 Ko) — plus volumineux que ce qu'accepte le support") {
		t.Errorf("the assignment does not name the file left out:\n%s", assigned)
	}
	if ack := f.text(f.one("celine@corp.example", "ack", tk.ID)); strings.Contains(ack, "erreur-809.png") {
		t.Errorf("the acknowledgement, which carries no file, speaks of one:\n%s", ack)
	}

	// Bob answers an English requester with a log too large to keep.
	tk2 := f.open(msg{from: "tom@corp.example", name: "Baker, Tom", subject: "Cannot log in to my account",
		body: "Hello,\nmy account is locked since this morning.\nTom"})
	if tk2.Assignee != bob {
		t.Fatalf("ticket %+v", tk2)
	}
	h, body = multipartBody("Here is the lock-out log; please try again now.", "lockout.log", "text/plain", big)
	h["Authentication-Results"] = dkimPass["Authentication-Results"]
	f.send(msg{from: bob, name: "Bob Smith", subject: fmt.Sprintf("[HD #%d] %s", tk2.ID, tk2.Subject), body: body, headers: h})
	f.step()
	reply := f.last("tom@corp.example", "reply", tk2.ID)
	text := f.text(reply)
	if !strings.Contains(text, "Not attached to this mail:\n  - lockout.log (6 KB) — larger than the desk accepts, so it was not kept") {
		t.Errorf("the reply does not name the file left out:\n%s", text)
	}
}
