package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestFlowThanks: requesters answer a resolution from real mail clients. A short reply that only
// thanks, with its signature and the quoted resolution below, is recorded on the ticket, which
// stays resolved, and nobody is mailed; a thanks with a "but" or a new question reopens it and
// pages the technician.
func TestFlowThanks(t *testing.T) {
	f := newFlow(t, "")
	const celine = "celine@corp.example"
	for _, tt := range []struct {
		body     string
		style    replyStyle
		reopened bool
	}{
		{"Merci beaucoup !\n\nCéline Dupré\nService Comptabilité\nTél. 01 23 45 67 89", gmailFR, false},
		{"Thanks, works now\n\nSent from my iPhone", gmailEN, false},
		{"Parfait, merci pour votre aide.\n\nCordialement,\nCéline", outlookFR, false},
		{"Merci beaucoup !", outlookHTMLOnly, false},
		{"Merci, mais ça ne marche toujours pas.\n\nCéline", gmailFR, true},
		{"Thanks! Another question: can I also get the VPN on my phone?", gmailEN, true},
		// Review finding F10.
		{"Cheers, all good now.\n\nJames", gmailEN, false},
		{"Works again, thank you so much for the quick fix!", outlookHTMLOnly, false},
		{"Ça fonctionne à nouveau, encore merci !\n\nCéline", outlookFR, false},
		{"thanks, but it's still broken", gmailEN, true},
		{"Merci mais toujours pas.", gmailFR, true},
	} {
		// Each time another mail: the same one again within minutes is a repeat, not a request.
		tk := f.open(msg{from: celine, name: "Céline Dupré", subject: "Le VPN ne se connecte plus",
			body: fmt.Sprintf("Bonjour,\n\nLe VPN refuse de se connecter depuis ce matin (%d).\n\nMerci,\nCéline", f.total())})
		f.command(tk, "#resolve Profil VPN réinstallé.")
		before := f.total()
		f.reply(celine, "Céline Dupré", f.one(celine, "resolved", tk.ID), tt.body, tt.style, nil)
		f.step()
		got := f.ticket(tk.ID)
		msgs := f.events(tk.ID, "message")
		last := msgs[len(msgs)-1].Text
		if !strings.Contains(last, strings.SplitN(tt.body, "\n", 2)[0]) || strings.Contains(last, "Profil VPN réinstallé") {
			t.Errorf("%q: the reply is not recorded as written, without the quote: %q", tt.body, last)
		}
		switch {
		case tt.reopened && (got.Status != tickets.StatusOpen || !strings.Contains(f.text(f.last(alice, "update", tk.ID)), strings.SplitN(tt.body, "\n", 2)[0])):
			t.Errorf("%q: status %s; want it reopened and Alice told", tt.body, got.Status)
		case !tt.reopened && (got.Status != tickets.StatusResolved || f.total() != before):
			t.Errorf("%q: status %s, %d new mails (%s); want resolved and no mail", tt.body, got.Status, f.total()-before, f.kinds(alice))
		}
	}
}
