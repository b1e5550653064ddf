package mailin

import "testing"

// TestIncomingOnlyHistory: a reply that adds nothing to the history it quotes (a bare quote
// under its attribution, or a mail app's signature above it) has no visible text: the desk's own
// words are not taken for new ones. A reply with a word of its own keeps it.
func TestIncomingOnlyHistory(t *testing.T) {
	const head = "From: Bob <bob.user@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: RE: [HD #1] Imprimante\r\n" +
		"Message-ID: <h1@corp.example>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
	cases := []struct{ name, body, want string }{
		{"bare quote", "Le lun. 30 nov. 2026 à 23:30, Support Informatique <helpdesk@corp.example> a écrit :\r\n> Bonjour,\r\n> Votre demande est enregistrée.\r\n", ""},
		{"wrapped attribution", "Le lun. 30 nov. 2026 à 23:30, Support Informatique <\r\nhelpdesk@corp.example> a écrit :\r\n> Bonjour,\r\n", ""},
		{"mobile signature", "\r\n\r\nEnvoyé de mon iPhone\r\n\r\n> Le 1 déc. 2026 à 00:30, Support Informatique <helpdesk@corp.example> a écrit :\r\n> \r\n> Bonjour,\r\n", ""},
		{"a word of its own", "Toujours en panne.\r\n\r\nLe lun. 30 nov. 2026 à 23:30, Support Informatique <helpdesk@corp.example> a écrit :\r\n> Bonjour,\r\n", "Toujours en panne."},
		{"a question then the attribution", "Et maintenant ?\r\nLe lun. 23 nov. 2026 à 10:05, Marc <marc@corp.example> a écrit :\r\n\r\n> Demande au support.\r\n", "Et maintenant ?"},
	}
	for _, c := range cases {
		in := Incoming(mustParse(t, head+c.body, ParseOptions{}), "fr")
		if in.Text != c.want {
			t.Errorf("%s: text %q, want %q", c.name, in.Text, c.want)
		}
	}
}
