package tickets

import (
	"strings"
	"testing"
)

// TestRequestBody cuts signatures and disclaimers from what triage reads, and nothing of the
// request. Fixtures written for the test, in French and English.
func TestRequestBody(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"closing, name, company and contact",
			"Bonjour,\n\nL'imprimante du 2e étage n'imprime plus.\n\nCordialement,\nJean Dupont\nService comptabilité — Groupe X — 01 23 45 67 89 — www.groupe-x.fr",
			"Bonjour,\n\nL'imprimante du 2e étage n'imprime plus."},
		{"closing with the name on its line",
			"Hello,\nMy laptop will not start since this morning.\nThanks, Bob Smith\nIT Analyst | Acme Ltd",
			"Hello,\nMy laptop will not start since this morning."},
		{"best regards and a job title",
			"Hi team,\nOutlook keeps asking for my password.\n\nBest regards,\n\nSarah Connor\nHead of Finance\nAcme Corp\n+44 20 7946 0958",
			"Hi team,\nOutlook keeps asking for my password."},
		{"merci d'avance followed by a name",
			"Bonjour,\nJe n'ai plus accès au dossier partagé Compta.\nMerci d'avance\nMarie",
			"Bonjour,\nJe n'ai plus accès au dossier partagé Compta."},
		{"bien à vous",
			"Le VPN se coupe toutes les cinq minutes depuis hier.\n\nBien à vous,\nP. Martin\nDirection financière",
			"Le VPN se coupe toutes les cinq minutes depuis hier."},
		{"contact block without a closing",
			"Bonjour\nle scanner du 3e ne répond plus\n\nJean Dupont\nService comptabilité — Groupe X\nTél. : 01 23 45 67 89\n12 rue de la Paix\n75002 Paris",
			"Bonjour\nle scanner du 3e ne répond plus"},
		{"contact lines in the request's paragraph",
			"Impossible d'ouvrir Excel depuis la mise à jour.\nJean Dupont\nTél : 01 23 45 67 89\njean.dupont@groupe-x.fr",
			"Impossible d'ouvrir Excel depuis la mise à jour."},
		{"signature delimiter",
			"Please reset my password.\n-- \nBob\nAcme",
			"Please reset my password."},
		{"mobile signature",
			"Le wifi ne marche plus en salle B.\n\nEnvoyé de mon iPhone",
			"Le wifi ne marche plus en salle B."},
		{"sent from outlook for android",
			"Teams crashes when I share my screen.\n\nSent from Outlook for Android",
			"Teams crashes when I share my screen."},
		{"disclaimer after the signature",
			"Bonjour,\nmon compte est bloqué.\nCordialement\nJean\n\nCe message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses destinataires.\nIf you are not the intended recipient, please notify the sender immediately.",
			"Bonjour,\nmon compte est bloqué."},
		{"disclaimer and its English version, no signature",
			"Mon écran reste noir au démarrage.\n\nCe courriel est confidentiel. Si vous n'êtes pas le destinataire, merci de le détruire immédiatement.\n\nThis e-mail is confidential and intended solely for the addressee. Any unauthorised use is strictly prohibited.",
			"Mon écran reste noir au démarrage."},
		{"printing notice",
			"Can you install Visio on my PC?\nThanks\nAnna\n\nPlease consider the environment before printing this e-mail.",
			"Can you install Visio on my PC?"},
		{"pensez à l'environnement",
			"Je n'arrive pas à imprimer en couleur.\n\nPensez à l'environnement avant d'imprimer ce message.",
			"Je n'arrive pas à imprimer en couleur."},
		{"english contact block with short labels",
			"The printer on floor 2 jams.\n\nKind regards\nTom Baker\nFacilities Manager\nAcme Ltd, 1 Main Street, London\nt: +44 20 7946 0000 | m: +44 7700 900123",
			"The printer on floor 2 jams."},
		{"thanks and a team",
			"Could you add Paul to the finance mailing list?\nThanks - The Finance Team",
			"Could you add Paul to the finance mailing list?"},
		{"e-mail and web lines after the name",
			"Je ne reçois plus les mails externes.\n\nAnne Petit\nanne.petit@groupe-x.fr\nhttps://www.groupe-x.fr",
			"Je ne reçois plus les mails externes."},

		// What stays.
		{"a request that starts with merci",
			"Merci de réinitialiser mon mot de passe",
			"Merci de réinitialiser mon mot de passe"},
		{"a request that starts with merci, on lines",
			"Merci de réinitialiser mon mot de passe\nJean",
			"Merci de réinitialiser mon mot de passe\nJean"},
		{"text after a closing",
			"Le serveur de fichiers est lent.\nMerci,\nEn fait le souci est revenu ce matin et plus personne ne peut enregistrer ses fichiers.",
			"Le serveur de fichiers est lent.\nMerci,\nEn fait le souci est revenu ce matin et plus personne ne peut enregistrer ses fichiers."},
		{"a post-scriptum after the closing",
			"Mon PC redémarre tout seul.\nCordialement,\nJean\nPS : c'est urgent",
			"Mon PC redémarre tout seul.\nCordialement,\nJean\nPS : c'est urgent"},
		{"a signature that is the whole text keeps its first line",
			"Cordialement,\nJean Dupont\nTél : 01 23 45 67 89",
			"Cordialement,\nJean Dupont"},
		{"a phone number as the request",
			"Rappelez-moi au 01 23 45 67 89",
			"Rappelez-moi au 01 23 45 67 89"},
		{"a phone number asked for on its own line",
			"Pouvez-vous me rappeler ? Mon numéro :\n06 12 34 56 78",
			"Pouvez-vous me rappeler ? Mon numéro :"},
		{"an address as the request's own",
			"Bonjour,\nLivraison du nouveau PC au 12 rue de la Paix, merci de prévenir l'accueil avant de venir.",
			"Bonjour,\nLivraison du nouveau PC au 12 rue de la Paix, merci de prévenir l'accueil avant de venir."},
		{"an IP address is no phone",
			"L'imprimante ne répond plus.\nAdresse :\n192.168.10.25",
			"L'imprimante ne répond plus.\nAdresse :\n192.168.10.25"},
		{"sent from my desk is a sentence",
			"The screen flickers.\nSent from my desk, the one near the window",
			"The screen flickers.\nSent from my desk, the one near the window"},
		{"a confidential request is a request",
			"Ce message est confidentiel : merci de supprimer le compte de Paul Durand dès aujourd'hui.",
			"Ce message est confidentiel : merci de supprimer le compte de Paul Durand dès aujourd'hui."},
		{"short lines after a greeting only",
			"Bonjour,\nMerci,\nImprimante HS",
			"Bonjour,\nMerci,\nImprimante HS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := requestBody(tc.text); got != tc.want {
				t.Errorf("requestBody(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

// TestRequestBodyKeepsText: the cut text is a prefix of the text's lines, never empty when the
// text is not.
func TestRequestBodyKeepsText(t *testing.T) {
	for _, text := range []string{"", "\n", "Cordialement", "Cordialement,\nJean", "Envoyé de mon iPhone",
		"-- \nBob", "Ce message est confidentiel.\nIf you are not the intended recipient, delete it.",
		"Bonjour,\n\nTél : 01 23 45 67 89"} {
		got := requestBody(text)
		if strings.TrimSpace(text) != "" && strings.TrimSpace(got) == "" {
			t.Errorf("requestBody(%q) = %q: all of it cut", text, got)
		}
	}
}

// BenchmarkRequestBody is the cut of a request without a signature, and of one with a company
// signature and a disclaimer.
//
//	go test -tags sqlite_fts5 ./tickets -run '^$' -bench RequestBody -benchmem
func BenchmarkRequestBody(b *testing.B) {
	for name, text := range map[string]string{
		"plain":  "Bonjour,\n\nL'imprimante du 2e étage n'imprime plus depuis ce matin.\nLe voyant clignote en orange.\n\nMerci",
		"signed": signedBy("Bonjour,\n\nL'imprimante du 2e étage n'imprime plus depuis ce matin.\nLe voyant clignote en orange.", "Anne Petit") + groupeXLegal,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				requestBody(text)
			}
		})
	}
}
