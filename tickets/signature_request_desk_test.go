package tickets

import (
	"strings"
	"testing"
	"time"
)

// groupeX is the signature every colleague of one company ends their mails with, and
// groupeXLegal its legal notice (written for the test).
const (
	groupeX = "\n\nCordialement,\n%s\nService comptabilité — Groupe X — 01 23 45 67 89 — www.groupe-x.fr\n" +
		"Groupe X, 12 rue de la Paix, 75002 Paris"
	groupeXLegal = "\n\nCe message et toutes les pièces jointes sont confidentiels et établis à l'intention " +
		"exclusive de ses destinataires. Si vous avez reçu ce message par erreur, merci de le détruire et d'en " +
		"avertir immédiatement l'expéditeur.\nPensez à l'environnement avant d'imprimer ce message."
)

// signedBy is text signed by a colleague of Groupe X.
func signedBy(text, name string) string { return text + strings.Replace(groupeX, "%s", name, 1) }

// TestSignatureJoinsNoIncident: colleagues of one company who sign alike and write, within
// minutes, about unrelated things make no incident, through the mail reader's path (Ingest); the
// stored and shown text keeps the signature.
func TestSignatureJoinsNoIncident(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newIncidentDesk(t, fts4)
			group := []mailIn{
				{"anne@corp.example", "Excel", signedBy("Bonjour,\nExcel se ferme quand j'ouvre le fichier des factures.", "Anne Petit")},
				{"bruno@corp.example", "Badge", signedBy("Bonjour,\nmon badge n'ouvre plus la porte du parking.", "Bruno Leroy")},
				{"chloe@corp.example", "Écran", signedBy("Bonjour,\nje voudrais un deuxième écran pour mon poste.", "Chloé Martin")},
			}
			tks := ingestApart(t, d, t0, 3*time.Minute, group)
			for i, tk := range tks {
				got := mustTicket(t, d, tk.ID)
				if got.Incident != 0 {
					t.Errorf("%q linked to incident #%d on the signature: %s", got.Subject, got.Incident, got.Explain)
				}
				var stored string
				if err := d.Store.Reader().QueryRow(`SELECT text FROM events WHERE ticket_id = ? AND kind = ?`, tk.ID, EventMessage).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				if stored != group[i].text {
					t.Errorf("stored text %q, want the mail's %q", stored, group[i].text)
				}
				if n := noticeOf(t, d, group[i].from, KindAck); !strings.Contains(n.Text, "www.groupe-x.fr") {
					t.Errorf("the acknowledgement's text lost the signature: %q", n.Text)
				}
			}
			// The search document holds the request, not the company.
			doc, err := searchDoc(t.Context(), d.Store.Reader(), d.Store.search, tks[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range doc {
				if w == "groupe" || w == "comptabilit" || w == "confidentiel" || w == "paix" {
					t.Fatalf("document %q holds the signature's %q", doc, w)
				}
			}
			// Three colleagues reporting one outage, signed alike, still make one.
			outage := ingestApart(t, d, t0.Add(2*time.Hour), 3*time.Minute, []mailIn{
				{"anne@corp.example", "VPN", signedBy("Le VPN refuse de se connecter, erreur 809.", "Anne Petit")},
				{"bruno@corp.example", "Plus de VPN", signedBy("Impossible de me connecter au VPN : erreur 809.", "Bruno Leroy")},
				{"chloe@corp.example", "VPN en panne", signedBy("Le VPN ne marche plus depuis 9h (erreur 809).", "Chloé Martin")},
			})
			if inc := mustTicket(t, d, outage[2].ID).Incident; inc == 0 || mustTicket(t, d, outage[0].ID).Incident != inc {
				t.Errorf("one VPN outage, signed alike, made no incident")
			}
		})
	}
}

// TestDisclaimerRaisesNoPriority: a disclaimer's "par erreur", "immédiatement", "notify the
// sender immediately" do not make a request urgent, nor a signature's words change its category;
// the same request without them is judged alike.
func TestDisclaimerRaisesNoPriority(t *testing.T) {
	d := newTestDesk(t)
	const body = "Bonjour,\nPourriez-vous installer Visio sur mon poste ?"
	const excel = "Hello,\nExcel crashes when I open the invoices file."
	disclaimerEN := "\n\nBest regards,\nAnne Petit\nAccounting | Groupe X | +33 1 23 45 67 89\n\n" +
		"This e-mail and any attachments are confidential and intended solely for the addressee. If you are not the " +
		"intended recipient, please notify the sender immediately and delete it. Any unauthorised use is strictly prohibited.\n" +
		"Please consider the environment before printing this e-mail."
	out := ingest(t, d, t0,
		request("plain1@m", "anne@corp.example", "Visio", body),
		request("signed1@m", "bruno@corp.example", "Visio", signedBy(body, "Bruno Leroy")+groupeXLegal),
		&Incoming{MessageID: "plain2@m", From: "chloe@corp.example", To: []string{"helpdesk@corp.example"}, Subject: "Excel",
			Text: excel, Verdict: VerdictPerson, Language: "en"},
		&Incoming{MessageID: "signed2@m", From: "dan@corp.example", To: []string{"helpdesk@corp.example"}, Subject: "Excel",
			Text: excel + disclaimerEN, Verdict: VerdictPerson, Language: "en"},
	)
	for _, pair := range [][2]int{{0, 1}, {2, 3}} {
		plain, signed := mustTicket(t, d, out[pair[0]].TicketID), mustTicket(t, d, out[pair[1]].TicketID)
		if signed.Priority != plain.Priority || signed.Category != plain.Category {
			t.Errorf("signed %q: %s %q, want %s %q as without the signature: %s", signed.Subject, signed.Priority,
				signed.Category, plain.Priority, plain.Category, signed.Explain)
		}
	}
	if p := mustTicket(t, d, out[3].TicketID).Priority; p > PriorityNormal {
		t.Errorf("a crash with a disclaimer is %s", p)
	}
}

// TestTriageReadsNoSignature: Desk.Triage (Open by hand, and the prepared path alike) judges a
// request on its text without signature and disclaimer.
func TestTriageReadsNoSignature(t *testing.T) {
	d := newTestDesk(t)
	cfg := d.Config()
	plain := NewTicket{Subject: "Visio", Text: "Pourriez-vous installer Visio sur mon poste ?", Language: "fr"}
	signed := plain
	signed.Text = signedBy(plain.Text, "Anne Petit") + groupeXLegal
	a, b := d.Triage(cfg, plain), d.Triage(cfg, signed)
	if a.Priority != b.Priority || a.Category != b.Category || strings.Join(a.PriorityReason, ";") != strings.Join(b.PriorityReason, ";") {
		t.Fatalf("signed: %s %q %q, plain: %s %q %q", b.Priority, b.Category, b.PriorityReason, a.Priority, a.Category, a.PriorityReason)
	}
}
