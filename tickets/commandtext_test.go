package tickets

import "testing"

// TestTextIsInternal pins the rule of the README's command table: the free text of a staff mail
// is a note beside a hand-over command, an answer otherwise, and always an answer with #reuse.
func TestTextIsInternal(t *testing.T) {
	for _, c := range []struct {
		text     string
		internal bool
	}{
		{"Bonjour, pouvez-vous réessayer ?", false},
		{"#assign dev@corp.example\nDev, peux-tu la prendre ?", true},
		{"#escalate certificat\nChloé, à toi.", true},
		{"#priority high\nC'est urgent.", true},
		{"#category hardware\nC'est la carte réseau.", true},
		{"#incident\nD'autres appels arrivent.", true},
		{"#link 12\nMême panne.", true},
		{"#unlink\nFinalement autre chose.", true},
		{"#away until 2099-01-31\nBob reprend.", true},
		{"#back\nDe retour.", true},
		{"#pending\nPouvez-vous redémarrer ?", false},
		{"#take\nJe m'en occupe.", false},
		{"#reopen\nJe rouvre.", false},
		{"#cc paul@corp.example\nJ'ajoute Paul.", false},
		{"#reuse 12\nVoici ce qui a marché.", false},
		{"#take\n#priority high\nJe m'en occupe.", true},
		{"#reuse 12\n#priority high\nVoici ce qui a marché.", false},
		// #pending waits on the requester: the text beside it is their question, unless the mail
		// passes the ticket on.
		{"Bonjour Hugo, pouvez-vous m'envoyer une photo ?\n#priorité haute\n#attente", false},
		{"#pending\n#category hardware\nQuel est le numéro de série ?", false},
		{"#pending\n#assign dev@corp.example\nDev, il attend une pièce.", true},
		{"#pending\n#escalate fournisseur\nChloé, à toi.", true},
	} {
		cmds, _ := ParseCommands(c.text)
		if got := textIsInternal(cmds); got != c.internal {
			t.Errorf("%q: internal %v, want %v", c.text, got, c.internal)
		}
	}
}
