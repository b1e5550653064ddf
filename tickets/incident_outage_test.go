package tickets

import (
	"context"
	"testing"
	"time"
)

// outageMail is a request of an outage scenario: outage names the outage it reports, "" for a
// request that must stay on its own.
type outageMail struct {
	mailIn
	outage string
}

// Signatures as mail clients leave them below the text (no "-- " delimiter: Outlook's and most
// people's): names, titles, departments, telephone numbers, a disclaimer.
const (
	sigSandrine = "\n\nCordialement,\n\nSandrine Lefèvre\nAssistante de direction | Direction des Achats\nCorp Example – 12 rue de la Paix, 75002 Paris\nTél. : 01 44 55 66 77 – Mob. : 06 12 34 56 78\n\nPensez à l'environnement avant d'imprimer ce courriel."
	sigJerome   = "\n\nMerci d'avance,\nJérôme Caron\nContrôleur de gestion\nDirection Financière – Corp Example\n+33 1 44 55 66 80"
	sigAurelie  = "\n\nBien à vous,\n\nAurélie Masson\nChargée de recrutement – Ressources Humaines\nTél. 01 44 55 67 12\nCe message et ses pièces jointes sont confidentiels et destinés exclusivement à leurs destinataires."
	sigTom      = "\n\nThanks,\nTom Becker\nSenior Account Manager, Sales EMEA\nCorp Example Ltd · +44 20 7946 0958"
	sigPriyanka = "\n\nBest regards,\n\nPriyanka Shah\nFinancial Analyst | Group Finance\nCorp Example\nM: +44 7700 900123"
	sigMarcus   = "\n\nCheers,\nMarcus\n\nMarcus O'Neill | Logistics Coordinator | Warehouse Operations\nCorp Example | Unit 4, Riverside Park"
	sigNathan   = "\n\nCordialement,\nNathan Girard\nTechnicien méthodes – Atelier\nPoste 4471"
	sigLouise   = "\n\nKind regards,\nLouise Fabre\nLegal Counsel\nThis e-mail and any attachments are confidential and intended solely for the addressee."
)

// outageScenarios are realistic mornings: each scenario's mails arrive four minutes apart, from
// different people unless said otherwise, in French and English, subjects and bodies as people
// write them.
var outageScenarios = []struct {
	name  string
	mails []outageMail
}{
	{"VPN, French, three wordings", []outageMail{
		{mailIn{"sandrine.lefevre@corp.example", "Le VPN ne fonctionne plus", "Bonjour,\n\nLe VPN ne fonctionne plus depuis 10 minutes, je ne peux plus accéder aux serveurs." + sigSandrine}, "vpn"},
		{mailIn{"jerome.caron@corp.example", "Impossible de me connecter au VPN", "Bonjour,\nimpossible de me connecter au VPN ce matin, le client tourne dans le vide." + sigJerome}, "vpn"},
		{mailIn{"nathan.girard@corp.example", "VPN en panne ?", "Bonjour, le VPN est en panne ? Je suis en télétravail aujourd'hui." + sigNathan}, "vpn"},
	}},
	{"VPN, English, three wordings", []outageMail{
		{mailIn{"tom.becker@corp.example", "VPN down", "Hi,\n\nVPN is down for me since about 10:05, the client just spins." + sigTom}, "vpn"},
		{mailIn{"priyanka.shah@corp.example", "Can't connect to the VPN", "Hello,\n\nI can't connect to the VPN this morning, I tried twice from home." + sigPriyanka}, "vpn"},
		{mailIn{"marcus.oneill@corp.example", "VPN not working", "Hi there, VPN not working on my side, anyone else?" + sigMarcus}, "vpn"},
	}},
	{"VPN, French and English in one outage", []outageMail{
		{mailIn{"louise.fabre@corp.example", "VPN down?", "Hi, is the VPN down? I can't get in from home." + sigLouise}, "vpn"},
		{mailIn{"aurelie.masson@corp.example", "VPN HS", "Bonjour, le VPN est HS chez moi depuis 9h45." + sigAurelie}, "vpn"},
		{mailIn{"tom.becker@corp.example", "Cannot connect to VPN", "The VPN won't connect, it times out every time." + sigTom}, "vpn"},
		{mailIn{"jerome.caron@corp.example", "VPN ne répond plus", "Bonjour, le VPN ne répond plus depuis un quart d'heure." + sigJerome}, "vpn"},
	}},
	{"SAP and Outlook fail at once: two outages", []outageMail{
		{mailIn{"sandrine.lefevre@corp.example", "SAP hors service", "Bonjour, SAP est hors service, impossible de saisir les commandes." + sigSandrine}, "sap"},
		{mailIn{"tom.becker@corp.example", "Outlook not responding", "Outlook is not responding, it hangs at \"Loading profile\"." + sigTom}, "outlook"},
		{mailIn{"priyanka.shah@corp.example", "SAP down", "Hi, SAP is down for the whole finance team." + sigPriyanka}, "sap"},
		{mailIn{"aurelie.masson@corp.example", "Outlook plante", "Outlook plante dès que je l'ouvre, depuis 10 minutes." + sigAurelie}, "outlook"},
		{mailIn{"nathan.girard@corp.example", "Problème SAP", "SAP ne répond plus, les écrans restent blancs." + sigNathan}, "sap"},
		{mailIn{"louise.fabre@corp.example", "Outlook keeps crashing", "Outlook crashes as soon as it starts." + sigLouise}, "outlook"},
	}},
	{"the VPN fails, then people ask how to set it up", []outageMail{
		{mailIn{"marcus.oneill@corp.example", "VPN down", "VPN is down, can't reach anything from home." + sigMarcus}, "vpn"},
		{mailIn{"sandrine.lefevre@corp.example", "Le VPN ne fonctionne plus", "Bonjour, le VPN ne fonctionne plus." + sigSandrine}, "vpn"},
		{mailIn{"priyanka.shah@corp.example", "VPN not working", "VPN not working since 9:50." + sigPriyanka}, "vpn"},
		{mailIn{"louise.fabre@corp.example", "How do I install the VPN on my new laptop?", "Hi, I just got my new laptop. How do I install the VPN client on it?" + sigLouise}, ""},
		{mailIn{"aurelie.masson@corp.example", "Demande d'accès VPN pour un nouvel arrivant", "Bonjour, pouvez-vous créer un accès VPN pour Paul Henry, qui arrive lundi au service RH ?" + sigAurelie}, ""},
		{mailIn{"nathan.girard@corp.example", "Configurer le VPN sur mon téléphone", "Bonjour, comment configurer le VPN sur mon téléphone professionnel ?" + sigNathan}, ""},
	}},
	{"the intranet, French and English", []outageMail{
		{mailIn{"marcus.oneill@corp.example", "Intranet unreachable", "Hi, the intranet is unreachable, the browser just says the site can't be reached." + sigMarcus}, "intranet"},
		{mailIn{"aurelie.masson@corp.example", "Intranet KO", "Bonjour,\nl'intranet est KO, je ne peux pas poster l'offre d'emploi." + sigAurelie}, "intranet"},
		{mailIn{"nathan.girard@corp.example", "L'intranet ne s'affiche plus", "Bonjour, l'intranet ne s'affiche plus depuis 11h." + sigNathan}, "intranet"},
	}},
	{"the Wi-Fi of building B gone, building A's slow", []outageMail{
		{mailIn{"louise.fabre@corp.example", "No Wi-Fi in building B", "Hi, there is no Wi-Fi at all in building B since 8:40, the network doesn't show up." + sigLouise}, "wifi"},
		{mailIn{"sandrine.lefevre@corp.example", "Wifi HS bâtiment B", "Bonjour, le wifi est HS dans tout le bâtiment B." + sigSandrine}, "wifi"},
		{mailIn{"jerome.caron@corp.example", "Wifi lent bâtiment A", "Bonjour, le wifi est très lent dans le bâtiment A ce matin." + sigJerome}, ""},
		{mailIn{"tom.becker@corp.example", "Wi-Fi down, building B", "Wi-Fi is down on the 2nd floor of building B." + sigTom}, "wifi"},
		{mailIn{"priyanka.shah@corp.example", "Wifi ne marche plus bâtiment A", "Le wifi ne marche plus au bâtiment A non plus ?" + sigPriyanka}, ""},
	}},
	{"Teams will not install, for anyone", []outageMail{
		{mailIn{"tom.becker@corp.example", "I can't install Teams", "Hi, I can't install Teams, the installer closes after a few seconds." + sigTom}, "teams"},
		{mailIn{"nathan.girard@corp.example", "Impossible d'installer Teams", "Bonjour, impossible d'installer Teams sur mon poste, l'installeur se ferme." + sigNathan}, "teams"},
		{mailIn{"louise.fabre@corp.example", "Teams won't install", "Teams won't install on my laptop, the installer gets halfway and rolls back." + sigLouise}, "teams"},
	}},
	{"one person writes three times", []outageMail{
		{mailIn{"jerome.caron@corp.example", "VPN en panne", "Bonjour, le VPN est en panne." + sigJerome}, ""},
		{mailIn{"jerome.caron@corp.example", "VPN toujours en panne", "Toujours impossible de me connecter au VPN !" + sigJerome}, ""},
		{mailIn{"Jerome.Caron+vpn@corp.example", "URGENT VPN", "Le VPN ne fonctionne toujours pas, je ne peux pas travailler." + sigJerome}, ""},
	}},
	{"three people, each their own keyboard", []outageMail{
		{mailIn{"sandrine.lefevre@corp.example", "Mon clavier ne marche plus", "Bonjour, mon clavier ne marche plus depuis ce matin." + sigSandrine}, ""},
		{mailIn{"tom.becker@corp.example", "Keyboard not working", "My keyboard is not working, no key responds." + sigTom}, ""},
		{mailIn{"nathan.girard@corp.example", "Clavier HS", "Mon clavier est HS, plusieurs touches ne répondent plus." + sigNathan}, ""},
	}},
	{"three programs, each failing", []outageMail{
		{mailIn{"jerome.caron@corp.example", "Logiciel de paie en erreur", "Le logiciel de paie affiche une erreur à l'export." + sigJerome}, ""},
		{mailIn{"aurelie.masson@corp.example", "Logiciel de planning plante", "Le logiciel de planning plante à l'ouverture." + sigAurelie}, ""},
		{mailIn{"priyanka.shah@corp.example", "Expense software not working", "The expense software is not working, it won't load my receipts." + sigPriyanka}, ""},
	}},
}

// TestIncidentOnOutagesWordedApart: people reporting one service failing, each in their own words
// and language, with their signatures, make one incident; asking how to set that service up,
// another service failing at the same time, one person writing again and again, and everyone's
// own device or program do not.
func TestIncidentOnOutagesWordedApart(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			at := seedOneOffs(t, d)
			if err := d.SetConfig(parseTestConfig(t, incidentConfigTOML)); err != nil {
				t.Fatal(err)
			}
			for _, sc := range outageScenarios {
				at = at.Add(2 * time.Hour) // Each scenario out of the others' window.
				var group []mailIn
				for _, m := range sc.mails {
					group = append(group, m.mailIn)
				}
				tks := ingestApart(t, d, at, 4*time.Minute, group)
				incidentOf := map[string]int64{} // Outage → its incident.
				for i, tk := range tks {
					got, want := mustTicket(t, d, tk.ID), sc.mails[i].outage
					switch {
					case want == "" && got.Incident != 0:
						t.Errorf("%s: %q linked to incident #%d: %s", sc.name, got.Subject, got.Incident, got.Explain)
					case want == "":
					case got.Incident == 0:
						t.Errorf("%s: %q (%s) not linked (outage %s): %s", sc.name, got.Subject, got.Category, want, got.Explain)
					case incidentOf[want] == 0:
						incidentOf[want] = got.Incident
					case incidentOf[want] != got.Incident:
						t.Errorf("%s: %q linked to #%d, its outage's incident is #%d", sc.name, got.Subject, got.Incident, incidentOf[want])
					}
				}
				seen := map[int64]string{}
				for o, inc := range incidentOf {
					if other, ok := seen[inc]; ok {
						t.Errorf("%s: outages %s and %s joined in incident #%d", sc.name, o, other, inc)
					}
					seen[inc] = o
					// Fixed: the next scenario's requests are on their own.
					if err := d.Do(context.Background(), inc, at.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
						return tx.Resolve(tk, "Fixed.", "alice@corp.example")
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

// TestFailureSaid: what says something fails in the words the index does not hold, and what
// only asks or states.
func TestFailureSaid(t *testing.T) {
	for text, want := range map[string]bool{
		"Can't connect to the VPN":                    true,
		"I cannot open Outlook":                       true,
		"Teams won't install":                         true,
		"VPN not working":                             true,
		"The portal is not available":                 true,
		"Le VPN ne fonctionne plus":                   true,
		"Je n'arrive pas à me connecter":              true,
		"Je n'ai plus accès au partage":               true,
		"L'imprimante ne s'allume pas":                true,
		"Problème d'accès à SAP":                      true,
		"How do I install the VPN on my new laptop?":  false,
		"Je ne sais pas comment configurer le VPN.":   false,
		"Teams n'est pas installé sur mon poste.":     false,
		"Paul Henry arrive lundi au service RH.":      false,
		"Please create VPN access for our contractor": false,
		"I don't know how to set up my phone":         false,
	} {
		if got := failureSaid(text); got != want {
			t.Errorf("%q: failure said %v, want %v", text, got, want)
		}
	}
}

// TestSameFailure: two requests say the same thing fails when both say something fails and each
// subject names what the other holds; not when one asks for a setup, names a person's own device,
// or names another thing of a kind.
func TestSameFailure(t *testing.T) {
	read := func(lang, subject, text string) failing {
		doc := append(analyze(subject, lang), analyze(text, lang)...)
		return failingOf(doc, analyze(subject, lang), subject+"\n"+text, false, setupRequest(doc, subject+"\n"+text), personalAccount(doc))
	}
	for _, c := range []struct {
		a, b [3]string // Language, subject, text.
		same bool
	}{
		{[3]string{"fr", "Le VPN ne fonctionne plus", "Bonjour, plus rien ne passe."}, [3]string{"en", "Can't connect to the VPN", "Tried twice from home."}, true},
		{[3]string{"fr", "VPN en panne ?", ""}, [3]string{"en", "VPN not working", ""}, true},
		{[3]string{"fr", "SAP hors service", ""}, [3]string{"en", "SAP down", ""}, true},
		{[3]string{"fr", "SAP hors service", ""}, [3]string{"en", "Outlook down", ""}, false},
		{[3]string{"en", "VPN down", ""}, [3]string{"en", "How do I install the VPN on my new laptop?", ""}, false},
		{[3]string{"en", "VPN down", ""}, [3]string{"fr", "Demande d'accès VPN pour un nouvel arrivant", "Pouvez-vous créer un accès VPN ?"}, false},
		{[3]string{"fr", "Mon clavier ne marche plus", ""}, [3]string{"en", "Keyboard not working", ""}, false},
		{[3]string{"fr", "Logiciel de paie en erreur", ""}, [3]string{"fr", "Logiciel de planning plante", ""}, false},
		{[3]string{"fr", "Outlook plante", ""}, [3]string{"en", "Outlook search broken", ""}, false},
		{[3]string{"fr", "Wifi lent", ""}, [3]string{"en", "Wi-Fi down", ""}, false}, // Slow is not gone.
		{[3]string{"fr", "Demande 0", "Le vpn refuse de se connecter."}, [3]string{"fr", "Demande 3", "Excel plante à l'ouverture"}, false},
		{[3]string{"en", "Support request", "Outlook crashes."}, [3]string{"en", "Support request", "The VPN is down."}, false},
		{[3]string{"fr", "Mot de passe oublié", ""}, [3]string{"en", "Forgot my password", "Can't log in."}, false},
	} {
		a, b := read(c.a[0], c.a[1], c.a[2]), read(c.b[0], c.b[1], c.b[2])
		if got := a.sameFailure(b); got != c.same {
			t.Errorf("%q / %q: same failure %v, want %v (things %q / %q)", c.a[1], c.b[1], got, c.same, a.things, b.things)
		}
	}
}
