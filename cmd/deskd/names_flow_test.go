package main

import (
	"net/mail"
	"strings"
	"testing"
)

// TestFlowDirectoryNames: Outlook and Exchange name people as the directory does, "Dupont,
// Marie". The desk greets Marie as "Marie Dupont", and the To and Cc headers of its mails name
// every recipient as their mail named them: quoted, so that the comma does not split one
// address in two, and encoded when the name is not ASCII.
func TestFlowDirectoryNames(t *testing.T) {
	f := newFlow(t, "")
	const marie, helene = "marie.dupont@corp.example", "helene.lefevre@corp.example"
	tk := f.open(msg{from: marie, name: "Dupont, Marie",
		cc:      []string{(&mail.Address{Name: "Lefèvre, Hélène", Address: helene}).String()},
		headers: dkimPass, // The organisation's server vouches for Marie: her copies become watchers.
		subject: "Le VPN ne se connecte plus", body: "Bonjour,\n\nLe VPN refuse de se connecter depuis ce matin.\n\nMarie"})

	for _, who := range []string{marie, helene} {
		ack := f.one(who, "ack", tk.ID)
		if body := f.text(ack); !strings.Contains(body, "Bonjour Marie Dupont,") {
			t.Errorf("%s's acknowledgement does not greet Marie by her name:\n%s", who, body)
		}
		if raw := ack.Header.Get("To"); raw != `"Dupont, Marie" <`+marie+`>` {
			t.Errorf("%s's copy: To: %s", who, raw)
		}
		cc, err := ack.Header.AddressList("Cc")
		if err != nil || len(cc) != 1 || cc[0].Name != "Lefèvre, Hélène" || cc[0].Address != helene {
			t.Errorf("%s's copy: Cc: %s: %v, %v", who, ack.Header.Get("Cc"), cc, err)
		}
	}
	// The technician reads who asked, as people say it.
	if body := f.text(f.one(alice, "assigned", tk.ID)); !strings.Contains(body, "Marie Dupont <"+marie+">") {
		t.Errorf("the assignment does not name the requester:\n%s", body)
	}
}
