package mailin

import (
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// challengeCases are texts with and without a challenge, in the forms challengeTextRe knows,
// some in capitals or with the letters (?i) folds (the long s, the Kelvin sign).
var challengeCases = []string{
	"Please confirm that you are a human by clicking the link below.",
	"PLEASE VERIFY YOU ARE NOT A ROBOT", "Prove you are real perſon", "Verify your e-mail", "RELEASE YOUR MESSAGE",
	"Your message to bob@x.example has been held", "This mailbox only accepts mail from approved senders",
	"Challenge/Response system", "Click to be added to my whitelist", "Merci de confirmer que vous êtes bien un humain",
	"Veuillez VÉRIFIER QUE VOUS N'ÊTES PAS UN ROBOT", "Votre courriel à destination de x@y est en attente",
	"Vous êtes sur liste blanche", "Bitte bestätigen Sie, dass Sie ein Mensch sind", "I got this: your message was held",
	"Merci, c'est réparé.\n> nous avons bien reçu votre demande", "Hello, your email is fine", "",
}

// TestOpensWithChallenge: opensWithChallenge says what opensWithReport with challengeTextRe
// says, on crafted texts and on every corpus file's text.
func TestOpensWithChallenge(t *testing.T) {
	texts := append([]string(nil), challengeCases...)
	texts = append(texts, underrace.Sample(corpusBodies(t))...)
	opens := 0
	for _, text := range texts {
		want := opensWithReport(text, challengeTextRe)
		if got := opensWithChallenge(text); got != want {
			t.Errorf("opensWithChallenge(%.80q) = %v, the expression %v", text, got, want)
		}
		if want {
			opens++
		}
	}
	t.Logf("%d texts, %d open with a challenge", len(texts), opens)
	if opens < 10 {
		t.Errorf("%d texts open with a challenge: too few to tell", opens)
	}
}

// FuzzOpensWithChallenge: opensWithChallenge says what opensWithReport with challengeTextRe says.
func FuzzOpensWithChallenge(f *testing.F) {
	for _, s := range challengeCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := opensWithChallenge(s), opensWithReport(s, challengeTextRe); got != want {
			t.Errorf("opensWithChallenge(%q) = %v, want %v", s, got, want)
		}
	})
}
