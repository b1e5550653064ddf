package tickets

import (
	"strings"
	"testing"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		name, header, text, fallback, want string
	}{
		{"header fr", "fr-FR", "Hello, my laptop is broken.", "en", "fr"},
		{"header en", "en-GB", "Bonjour, mon écran est noir.", "fr", "en"},
		{"header list", "de, fr", "", "en", "fr"},
		{"header underscore", "fr_CA", "", "en", "fr"},
		{"header other", "de-DE", "Hello, the VPN does not connect since this morning.", "fr", "en"},
		{"french", "", "Bonjour,\nl'imprimante du 2e étage ne fonctionne plus depuis ce matin.\nMerci d'avance,\nCéline", "en", "fr"},
		{"french without accents", "", "bonjour, mon mot de passe a expire et je ne peux plus me connecter. merci", "en", "fr"},
		{"english", "", "Hi,\nmy laptop won't start since this morning. Can you help?\nThanks,\nPriya", "fr", "en"},
		{"english with a french name", "", "Hello,\nthe printer on the second floor is jammed again.\nBest regards,\nHélène Lefèvre-Désirée", "fr", "en"},
		{"english short", "", "VPN is down", "fr", "en"},
		{"french short", "", "VPN en panne", "en", "fr"},
		{"nothing to go on", "", "VPN 2FA", "fr", "fr"},
		{"french under an english disclaimer", "", "Imprimante\nBonjour, mon imprimante ne marche plus.\n\nCordialement\nJean Dupont\nService comptabilité\n\n" +
			"This e-mail and any attachments are confidential and intended solely for the addressee. If you have received this e-mail in error please notify the sender immediately and delete it. " +
			"Any views expressed in this message are those of the individual sender and do not necessarily reflect the views of the company.", "en", "fr"},
		{"english under a french disclaimer", "", "Printer\nHi, the printer is jammed again.\nThanks\n\nCe message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses destinataires. " +
			"Toute utilisation ou diffusion non autorisée est interdite. Si vous avez reçu ce message par erreur, merci de le détruire et d'en avertir immédiatement l'expéditeur.", "fr", "en"},
		{"empty", "", "", "en", "en"},
		{"third language as fallback", "", "", "de", "de"},
		{"no fallback", "", "", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectLanguage(tt.header, tt.text, tt.fallback); got != tt.want {
				t.Errorf("DetectLanguage(%q, %q, %q) = %q, want %q", tt.header, tt.text, tt.fallback, got, tt.want)
			}
		})
	}
}

// guessLanguageByExpression is guessLanguage as first written, with wordRE, Fold and
// splitElision: the hand-written scanner must give the same answer on any text.
func guessLanguageByExpression(text string) string {
	var fr, en float64
	accented := 0
	for _, w := range wordRE.FindAllString(strings.ToLower(text), 300) {
		if strings.ContainsFunc(w, isFrenchLetter) {
			accented++
		}
		for _, part := range splitElision(Fold(w)) {
			fr += frenchWords[part]
			en += englishWords[part]
		}
	}
	fr += 0.5 * float64(min(accented, 6))
	switch {
	case fr == 0 && en == 0:
		return ""
	case fr > en:
		return "fr"
	case en > fr:
		return "en"
	}
	return ""
}

// languageSamples are texts where the scanner and the expression could part: elisions with
// both apostrophes, hyphens and apostrophes at word ends or doubled, letters that lower-case to
// ASCII (Kelvin sign, dotted capital I), ligatures and ß, invalid UTF-8, digits of other
// scripts, and the 300-word limit.
var languageSamples = []string{
	"", "'", "-", "l'imprimante d’accueil ne marche plus", "aujourd'hui aujourd’hui AUJOURD'HUI",
	"c'est-à-dire", "rock'n'roll -- l'' l-'x x'- 'x x' x- -x", "we're can't won’t doesn't",
	"\u212Aelvin İstanbul ÉCRAN RÉSEAU Œuvre ŒUVRE straße STRASSE", "Ⓐⓑ Ⅻ ٣٤ 五 ǅemal",
	"bonjour\xff\xfemerci \xc3 d\xc3\xa9j\xc3 probl\xe8me", "ÇA NE MARCHE PAS, MERCI",
	"Hello, my printer is broken since yesterday. Thanks!", "Le VPN ne se connecte plus depuis ce matin.",
	strings.Repeat("the printer ", 200) + strings.Repeat("le la les ", 200),
	strings.Repeat("x ", 299) + "bonjour", strings.Repeat("x ", 300) + "bonjour",
	strings.Repeat("é ", 10) + "hello hello",
}

func TestGuessLanguageMatchesExpression(t *testing.T) {
	texts := append([]string(nil), languageSamples...)
	alphabet := []string{"a", "E", "é", "É", "ç", "'", "’", "-", " ", "\n", "l", "le", "the", "je", "I", "ß", "œ", "K", "İ", "\xff", "1", ".", "—", "ǅ", "‐"}
	texts = append(texts, randomTexts(3, 4, alphabet, 20000, 40)...)
	for _, s := range texts {
		if got, want := guessLanguage(s), guessLanguageByExpression(s); got != want {
			t.Errorf("guessLanguage(%q) = %q, the expression gives %q", s, got, want)
		}
	}
}

func FuzzGuessLanguage(f *testing.F) {
	for _, s := range languageSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := guessLanguage(s), guessLanguageByExpression(s); got != want {
			t.Errorf("guessLanguage(%q) = %q, the expression gives %q", s, got, want)
		}
	})
}

func BenchmarkDetectLanguage(b *testing.B) {
	text := "Problème d'imprimante\nBonjour,\n\nL'imprimante du 2e étage affiche « bourrage papier » depuis ce matin " +
		"alors qu'il n'y a plus de papier coincé. Pouvez-vous m'aider ?\n\nCordialement,\nCéline"
	b.ReportAllocs()
	for b.Loop() {
		DetectLanguage("", text, "en")
	}
}

// requestTextSamples are subjects and texts for DetectLanguageText: subjects of content, a
// greeting, a closing, blank, and texts with signatures, disclaimers, delimiters, a greeting
// alone, a contact line alone.
var requestTextSamples = struct{ subjects, texts []string }{
	subjects: []string{"Problème d'imprimante", "Bonjour", "Merci", "", "   ", "Cordialement, Jean",
		"Tél : 01 23 45 67 89", "--", "Ce message est confidentiel et destiné uniquement à son destinataire"},
	texts: []string{"", "\n", "Cordialement", "Cordialement,\nJean", "Envoyé de mon iPhone", "-- \nBob",
		"Bonjour,\n\nTél : 01 23 45 67 89", "Bonjour,\n--\nBob", "Bonjour,\nMerci,\nImprimante HS",
		"Ce message est confidentiel.\nIf you are not the intended recipient, delete it.",
		"Bonjour,\n\nL'imprimante du 2e étage n'imprime plus.\n\nCordialement,\nJean Dupont\nService comptabilité — Groupe X — 01 23 45 67 89 — www.groupe-x.fr",
		"Hello,\nMy laptop will not start since this morning.\nThanks, Bob Smith\nIT Analyst | Acme Ltd",
		"\n\nHi team,\nOutlook keeps asking for my password.\n\nBest regards,\n\nSarah Connor\nHead of Finance\nAcme Corp\n+44 20 7946 0958\n\n",
		"Bonjour\nle scanner du 3e ne répond plus\n\nJean Dupont\nService comptabilité — Groupe X\nTél. : 01 23 45 67 89\n12 rue de la Paix\n75002 Paris",
		"Merci\n\nJean Dupont\n01 23 45 67 89",
		signedBy("Bonjour,\n\nL'imprimante du 2e étage n'imprime plus depuis ce matin.", "Anne Petit") + groupeXLegal,
		"Bonjour,\n\nLe VPN ne marche plus." + groupeXLegal + "\n\nCordialement\nAnne",
		"Bonjour,\n-----\nLe VPN ne marche plus.\n-----\nEnvoyé de mon iPhone"},
}

// checkDetectLanguageText checks DetectLanguageText(cl, subject, text, fallback) against
// DetectLanguage of the subject's line and the text, and the body it knows against
// requestBody(text); it reports whether it knew one.
func checkDetectLanguageText(t *testing.T, cl, subject, text, fallback string) bool {
	t.Helper()
	lang, r := DetectLanguageText(cl, subject, text, fallback)
	if want := DetectLanguage(cl, subject+"\n"+text, fallback); lang != want {
		t.Errorf("DetectLanguageText(%q, %q, %q) = %q, DetectLanguage gives %q", cl, subject, text, lang, want)
	}
	if !r.known {
		return false
	}
	b, ok := textBody(r.subject, r.text, r.body, r.cut, r.first, r.reach)
	if want := requestBody(text); ok && b != want {
		t.Errorf("DetectLanguageText(%q, %q): body %q, requestBody gives %q", subject, text, b, want)
	}
	if r.bodyOf(text) != requestBody(text) || r.bodyOf(text+" ") != requestBody(text+" ") {
		t.Errorf("bodyOf(%q) is not requestBody", text)
	}
	return ok
}

// TestDetectLanguageText: the language is DetectLanguage's, and the body it keeps is the text's
// requestBody, for the labelled requests (and their texts under other subjects) and for
// subjects and texts at the edges of the cut.
func TestDetectLanguageText(t *testing.T) {
	for _, s := range requestTextSamples.subjects {
		for _, text := range requestTextSamples.texts {
			checkDetectLanguageText(t, "", s, text, "fr")
		}
	}
	known, n := 0, 0
	for _, r := range loadLabelledRequests(t) {
		for _, s := range []string{r.Subject, "Bonjour", ""} {
			n++
			if checkDetectLanguageText(t, "", s, r.Text, "") {
				known++
			}
			signed := signedBy(r.Text, "Anne Petit") + groupeXLegal
			if checkDetectLanguageText(t, "", s, signed, "") {
				known++
			}
			n++
		}
	}
	// The body is found for nearly every request: else triage cuts the text again.
	t.Logf("the body is known for %d of %d requests", known, n)
	if known < n*9/10 {
		t.Errorf("the body is known for %d of %d requests", known, n)
	}
	if lang, r := DetectLanguageText("en-GB", "Imprimante", "Bonjour,\nImprimante HS\nMerci", "fr"); lang != "en" || r.known || r.bodyOf(r.text) != "" {
		t.Errorf("Content-Language en-GB: %q, known %v", lang, r.known)
	}
}

func FuzzDetectLanguageText(f *testing.F) {
	for _, s := range requestTextSamples.subjects {
		for _, text := range requestTextSamples.texts {
			f.Add(s, text)
		}
	}
	f.Fuzz(func(t *testing.T, subject, text string) {
		checkDetectLanguageText(t, "", subject, text, "")
	})
}
