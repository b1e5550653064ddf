package tickets

import "testing"

// setupRequests are labelled groups of requests that ask for a setup, each group written by
// different people within minutes: outage true when they are one problem.
var setupRequests = []labelledGroup{
	{"new hires' devices (fr)", false, []mailIn{
		{"agathe@corp.example", "Nouvel arrivant lundi : PC portable", "Bonjour, merci de préparer un PC portable pour Marc Petit qui arrive lundi au service achats."},
		{"bruno@corp.example", "Préparation poste nouvelle recrue", "Bonjour, pouvez-vous préparer le poste de notre nouvelle recrue, Léa Roux, pour le 4 janvier ? Merci."},
		{"cecile@corp.example", "Nouveau téléphone pour une embauche", "Bonjour, nous avons une embauche le 7 : il lui faut un nouveau téléphone et un PC portable."},
	}},
	{"installations (both)", false, []mailIn{
		{"damien@corp.example", "Installer Visio sur mon nouveau PC", "Bonjour, pouvez-vous installer Visio sur mon nouveau PC ? Merci."},
		{"elena@corp.example", "Please install Visio on my new PC", "Hi, could you install Visio on my new PC? Thanks."},
		{"felix@corp.example", "Installation Visio", "Bonjour, j'aurais besoin de l'installation de Visio sur mon poste, merci."},
	}},
	{"onboarding (en)", false, []mailIn{
		{"gina@corp.example", "Onboarding: new account + workstation", "Hello, onboarding for Jane Doe starting Monday: she needs a new account and a workstation."},
		{"hank@corp.example", "New hire laptop setup", "Hi, we have a new hire starting on the 4th, please set up a laptop for him."},
		{"ines@corp.example", "New starter on Monday", "Hello, a new starter joins my team on Monday: please prepare a laptop and a phone."},
	}},
	{"the installer fails (both)", true, []mailIn{
		{"jules@corp.example", "Installation de Teams en erreur", "L'installation de Teams échoue avec l'erreur 0x80070643 sur mon poste."},
		{"karen@corp.example", "Teams install fails", "Teams installation fails with error 0x80070643."},
		{"louis@corp.example", "Erreur 0x80070643", "Impossible d'installer Teams : erreur 0x80070643."},
	}},
}

// TestIncidentNotOnSetupRequests: requests that ask for a setup (a new hire's devices, an
// installation, an onboarding) are each their own job however many arrive together and however
// alike their words: they make no incident. An installation that fails for several people with
// one error still makes one.
func TestIncidentNotOnSetupRequests(t *testing.T) { testLabelledGroups(t, setupRequests) }

// TestSetupRequest: a request that asks for a setup, and one where something fails, told apart
// from their index terms.
func TestSetupRequest(t *testing.T) {
	for _, c := range []struct {
		lang, text string
		setup      bool
	}{
		{"fr", "Merci de préparer un PC portable pour le nouvel arrivant.", true},
		{"fr", "Pouvez-vous installer Visio sur mon poste ?", true},
		{"fr", "Il me faut un nouveau téléphone.", true},
		{"en", "Please set up a laptop for our new hire.", true},
		{"en", "Onboarding: new account and workstation for Jane.", true},
		{"en", "I need a new phone.", true},
		{"fr", "L'installation de Teams échoue.", false},
		{"fr", "Mon nouveau PC ne marche plus.", false},
		{"en", "Visio installation fails with error 1603.", false},
		{"en", "The installer shows AADSTS50076.", false}, // An error code.
		{"en", "Nobody can install the update.", false},
		{"en", "The printer on the third floor is jammed.", false}, // Nothing asked.
		{"en", "I can't install Teams on my laptop.", false},       // Words the index does not hold.
		{"en", "Cannot install the VPN client.", false},
		{"fr", "Je n'arrive pas à installer Teams.", false},
		{"fr", "Problème d'installation de Teams.", false},
		{"fr", "Je ne sais pas comment installer le VPN.", true},
		{"fr", "Teams n'est pas installé sur mon nouveau poste.", true},
	} {
		if got := setupRequest(analyze(c.text, c.lang), c.text); got != c.setup {
			t.Errorf("%q: setup %v, want %v (terms %v)", c.text, got, c.setup, analyze(c.text, c.lang))
		}
	}
}
