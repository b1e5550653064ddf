package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestFlowTextBesideCommands: what a technician or coordinator writes beside a hand-over command
// (#assign, #escalate, #priority, #category, #incident, #away, #back) is for colleagues: an
// internal note, which neither the requester nor a watcher receives and which is no first
// response. Beside #pending, #take, #reopen, #cc or #reuse, it is an answer to the requester.
// Nadia once wrote "#assign dev@corp.example" and "Dev, peux-tu prendre celle-ci en priorité ?":
// the requester and a watcher received that line, and it counted as the first response.
func TestFlowTextBesideCommands(t *testing.T) {
	f := newFlow(t, "")
	const (
		nadia   = "nadia@corp.example"
		dev     = "dev@corp.example"
		watcher = "marc@corp.example"
	)
	internal := []struct {
		name, from, command, text string
		to                        string // The colleague who must read the text, "" for none.
		kind                      string // In a mail of this kind.
	}{
		{"assign", nadia, "#assign dev@corp.example", "Dev, peux-tu prendre celle-ci en priorité ? Le 3e étage ne peut plus imprimer.", dev, tickets.KindAssigned},
		{"escalate", alice, "#escalate Certificat expiré sur la passerelle", "Chloé, le certificat a expiré hier soir, je n'ai pas les droits.", chloe, tickets.KindEscalated},
		{"priority", alice, "#priorité haute", "C'est la directrice financière : à traiter avant la clôture.", "", ""},
		{"category", alice, "#category hardware", "Ce n'est pas le VPN, c'est la carte réseau du portable.", "", ""},
		{"incident", alice, "#incident", "Sans doute la passerelle : d'autres appels arrivent.", "", ""},
		{"away", alice, "#away until 2099-01-31", "Je pars en congé, Bob reprend mes tickets réseau.", "", ""},
		{"back", alice, "#back", "De retour, je reprends la file.", "", ""},
	}
	for i, c := range internal {
		t.Run("internal/"+c.name, func(t *testing.T) {
			defer f.use(t)()
			tk := f.openVPN(fmt.Sprintf("internal%d@corp.example", i), watcher)
			if tk.Assignee != alice || len(tk.Watchers) != 1 {
				t.Fatalf("ticket %+v", tk)
			}
			f.staffWrite(c.from, tk, c.command+"\n"+c.text)
			if ev := f.events(tk.ID, "rejected"); len(ev) > 0 {
				t.Fatalf("rejected: %+v", ev)
			}
			for _, who := range []string{tk.Requester, watcher} {
				for _, m := range f.mails(who, "", tk.ID) {
					if strings.Contains(f.text(m), c.text) {
						t.Fatalf("%s received the text meant for colleagues (%s): %q", who, m.Header.Get("X-Deskd-Kind"), f.text(m))
					}
				}
				if ms := f.mails(who, tickets.KindReply, tk.ID); len(ms) != 0 {
					t.Fatalf("%s got a reply", who)
				}
			}
			if got := f.ticket(tk.ID); !got.FirstResponseAt.IsZero() {
				t.Fatalf("a note counted as the first response (%v)", got.FirstResponseAt)
			}
			if ev := f.events(tk.ID, "reply"); len(ev) != 0 {
				t.Fatalf("reply events %+v", ev)
			}
			var noted []tickets.Event
			for _, e := range f.events(tk.ID, "note") {
				if e.Text == c.text {
					noted = append(noted, e)
				}
			}
			if len(noted) != 1 || noted[0].Public || noted[0].Actor != c.from {
				t.Fatalf("note events %+v", f.events(tk.ID, "note"))
			}
			if c.to != "" {
				if m := f.last(c.to, c.kind, tk.ID); !strings.Contains(f.text(m), c.text) {
					t.Fatalf("%s's %s mail lacks the text: %q", c.to, c.kind, f.text(m))
				}
			}
			if c.name == "away" {
				f.staffWrite(alice, tk, "#back")
			}
		})
	}

	known := f.openVPN("known@corp.example")
	f.command(known, "#resolve Profil VPN réinstallé depuis le portail.")
	public := []struct {
		name, from, setup, command, text string
		want                             []string // What the requester reads, besides the text.
	}{
		{"pending", alice, "", "#pending", "Pouvez-vous redémarrer le poste et me dire si l'erreur 809 persiste ?", nil},
		{"take", bob, "", "#take", "Je m'en occupe, je passe vous voir à 14 h.", nil},
		{"cc", alice, "", "#cc paul@corp.example", "J'ajoute Paul, votre responsable, en copie.", nil},
		{"reopen", alice, "#resolve Profil réinstallé.", "#reopen", "Je rouvre : le correctif n'a pas tenu, je reviens vers vous.", nil},
		{"reuse", alice, "", fmt.Sprintf("#reuse %d", known.ID), "Bonjour, voici ce qui a réglé le même problème :", []string{"Profil VPN réinstallé depuis le portail."}},
		{"reuse with a hand-over", alice, "", fmt.Sprintf("#reuse %d\n#priority haute", known.ID), "Bonjour, voici ce qui a réglé le même problème :", []string{"Profil VPN réinstallé depuis le portail."}},
	}
	for i, c := range public {
		t.Run("public/"+c.name, func(t *testing.T) {
			defer f.use(t)()
			tk := f.openVPN(fmt.Sprintf("public%d@corp.example", i), watcher)
			if c.setup != "" {
				f.staffWrite(alice, tk, c.setup)
			}
			f.staffWrite(c.from, tk, c.command+"\n"+c.text)
			if ev := f.events(tk.ID, "rejected"); len(ev) > 0 {
				t.Fatalf("rejected: %+v", ev)
			}
			for _, who := range []string{tk.Requester, watcher} {
				body := f.text(f.last(who, tickets.KindReply, tk.ID))
				for _, w := range append([]string{c.text}, c.want...) {
					if !strings.Contains(body, w) {
						t.Fatalf("%s's reply lacks %q: %q", who, w, body)
					}
				}
			}
			if got := f.ticket(tk.ID); got.FirstResponseAt.IsZero() {
				t.Fatal("the answer is no first response")
			}
			if notes := f.events(tk.ID, "note"); len(notes) != 0 {
				t.Fatalf("note events %+v", notes)
			}
		})
	}
}
