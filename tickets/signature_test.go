package tickets

import (
	"context"
	"testing"
	"time"
)

// staffMail is a technician's reply into ticket 1 with the signature block mailin found below a
// "-- " delimiter.
func staffMail(t *testing.T, d *Desk, id, from, text, signature string) *Incoming {
	in := techReply(t, d, id, from, text)
	in.Signature = signature
	return in
}

// TestCommandBelowSignature: a command of a known verb written below the signature is obeyed,
// whether the signature follows a "-- " delimiter (mailin hands it over apart) or only the
// technician's name; the signature itself reaches nobody.
func TestCommandBelowSignature(t *testing.T) {
	for _, tt := range []struct {
		name, text, signature string
		status                Status
		note                  string // The resolution note or the reply, as the requester gets it.
	}{
		{"below a -- delimiter", "C'est réparé, le pilote était corrompu.",
			"Alice Martin\nSupport Informatique – Niveau 1\nTél. : 01 23 45 67 89\n\n#resolve pilote réinstallé",
			StatusResolved, "C'est réparé, le pilote était corrompu.\n\npilote réinstallé"},
		{"below the name", "Le spooler est relancé.\n\nAlice Martin\nTechnicienne N1 | DSI\n#résolu\u00a0: file d'impression vidée",
			"", StatusResolved, "Le spooler est relancé.\n\nfile d'impression vidée"},
		{"below a sign-off", "Je repasse demain matin avec un câble neuf.\n\nBien cordialement,\nA. Martin\n#pending",
			"", StatusPending, "Je repasse demain matin avec un câble neuf.\n\nBien cordialement,"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDesk(t)
			ingest(t, d, t0, request("q@m", "celine@corp.example", "Imprimante", "l'imprimante du 2e ne marche plus"))
			o := ingest(t, d, t0.Add(time.Minute), staffMail(t, d, "t@m", "alice@corp.example", tt.text, tt.signature))[0]
			if o.Action != ActionCommand {
				t.Fatalf("action %s (refused: %q)", o.Action, lastEvent(t, d, EventRejected))
			}
			tk, _ := d.Store.Ticket(context.Background(), 1)
			if tk.Status != tt.status {
				t.Fatalf("status %s, want %s", tk.Status, tt.status)
			}
			if got := lastEvent(t, d, EventReply); got != tt.note {
				t.Fatalf("to the requester %q, want %q", got, tt.note)
			}
		})
	}
}

// TestHashtagsInSignature: a lone unknown "#Word" in a technician's signature block is not a
// command; in the body it still refuses the mail, and so does a misspelt verb anywhere.
func TestHashtagsInSignature(t *testing.T) {
	for _, tt := range []struct {
		name, text, signature string
		action                string
		reply                 string // The reply to the requester, for ActionReply.
	}{
		{"below the name", "Bonjour, je passe dans 5 minutes.\n\nAlice Martin\nSupport Informatique\n#TeamIT", "",
			ActionReply, "Bonjour, je passe dans 5 minutes."},
		{"in a title line", "Je regarde ça demain matin.\n\nAlice Martin | Support Informatique\n#ProudToServe\nTél. 01 23 45 67 89", "",
			ActionReply, "Je regarde ça demain matin."},
		{"ending the text", "Merci pour l'info, je relance le fournisseur.\n#merci", "",
			ActionReply, "Merci pour l'info, je relance le fournisseur."},
		{"below a -- delimiter", "Le poste est prêt, vous pouvez passer le chercher.", "Alice\n#SupportDSI",
			ActionReply, "Le poste est prêt, vous pouvez passer le chercher."},
		{"unknown in the body", "#frobnicate maintenant\nLe poste est prêt.", "", ActionRejected, ""},
		{"unknown with its argument before the text", "Bonjour,\n#urgence haute\nJe regarde.", "", ActionRejected, ""},
		{"commands only", "#priority high\n#TeamIT", "", ActionRejected, ""},
		{"misspelt below the name", "Câble remplacé.\n\nAlice Martin\n#resolv câble réseau changé", "", ActionRejected, ""},
		{"misspelt ending the text", "Câble remplacé.\n#resolv", "", ActionRejected, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDesk(t)
			ingest(t, d, t0, request("q@m", "celine@corp.example", "Imprimante", "l'imprimante du 2e ne marche plus"))
			o := ingest(t, d, t0.Add(time.Minute), staffMail(t, d, "t@m", "alice@corp.example", tt.text, tt.signature))[0]
			if o.Action != tt.action {
				t.Fatalf("action %s, want %s (refused: %q)", o.Action, tt.action, lastEvent(t, d, EventRejected))
			}
			replies := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply'`)
			if tt.action == ActionRejected {
				if replies != 0 {
					t.Fatal("a refused mail was relayed to the requester")
				}
				return
			}
			if got := lastEvent(t, d, EventReply); got != tt.reply || replies != 1 {
				t.Fatalf("%d replies, %q, want %q", replies, got, tt.reply)
			}
		})
	}
}

// TestStaffTextDropsTheSignature: the text relayed from a technician loses their signature
// block, however it is written; the desk signs its mails itself. Contact details that are the
// answer stay.
func TestStaffTextDropsTheSignature(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"name and title on one line", "Redémarrez le poste.\n\nAlice Martin | Technicienne N1 | DSI\nTél. : 01 23 45 67 89", "Redémarrez le poste."},
		{"surname first, in capitals", "Redémarrez le poste.\n\nMARTIN Alice\nDirection des Systèmes d'Information", "Redémarrez le poste."},
		{"name with a comma and a title", "Please restart.\n\nAlice Martin, IT Support\n+33 1 23 45 67 89", "Please restart."},
		{"name and pronouns", "Please restart.\n\nAlice Martin (she/her)\nIT Support", "Please restart."},
		{"first name and a dash", "Le câble est changé.\n\nAlice – Support N1\nPoste 4521", "Le câble est changé."},
		{"abbreviated sign-off", "Le câble est changé.\n\nCdlt,\nA. Martin\nSupport", "Le câble est changé.\n\nCdlt,"},
		{"sign-off with a no-break space", "Le câble est changé.\n\nBonne journée\u00a0!\nA. Martin", "Le câble est changé.\n\nBonne journée\u00a0!"},
		{"logo and phones without a name", "Le câble est changé.\n\n[image: logo-dsi.png]\nTél. : 01 23 45 67 89 | Mobile : 06 12 34 56 78", "Le câble est changé."},
		{"attribution with a no-break space", "Le câble est changé.\n\nLe 30 nov. 2026 à 19:38, Support a écrit\u00a0:\n> Bonjour", "Le câble est changé."},
		{"a number that is the answer", "Appelez le service paie au\n01 23 45 67 89", "Appelez le service paie au\n01 23 45 67 89"},
		{"a link that is the answer", "La procédure est ici :\nhttps://intranet.corp.example/vpn", "La procédure est ici :\nhttps://intranet.corp.example/vpn"},
		{"a colleague's name", "Je transmets à Bob.\nBob Durand passera demain.", "Je transmets à Bob.\nBob Durand passera demain."},
	} {
		if got := staffText(tt.in, "Alice Martin", "Alice"); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestEditDistance pins the misspelling rule's arithmetic.
func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"resolv", "resolve", 1}, {"prioirty", "priority", 2}, {"merci", "retour", 5}, {"", "note", 4}, {"é", "e", 1}} {
		if d := editDistance(tt.a, tt.b); d != tt.d {
			t.Errorf("%q %q: %d, want %d", tt.a, tt.b, d, tt.d)
		}
	}
	for _, w := range []string{"teamit", "merci", "proudtoserve", "support", "staysafe", "dsi"} {
		if misspelt(Command{Line: "#" + w}) {
			t.Errorf("#%s taken for a misspelt command", w)
		}
	}
}
