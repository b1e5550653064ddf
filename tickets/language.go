package tickets

import (
	"strings"
	"unicode"
)

// DetectLanguage returns the language of a mail: "fr" or "en" when the Content-Language header
// names one of them (RFC 3282), else the one whose common words and letters the text uses more,
// else fallback (the desk's language, which may be another one its templates have), else "en".
func DetectLanguage(contentLanguage, text, fallback string) string {
	for _, tag := range strings.Split(contentLanguage, ",") {
		primary, _, _ := strings.Cut(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"), "-")
		switch strings.ToLower(primary) {
		case "fr":
			return "fr"
		case "en":
			return "en"
		}
	}
	if lang := guessLanguage(text); lang != "" {
		return lang
	}
	if fallback != "" {
		return fallback
	}
	return "en"
}

// guessLanguage scores the text's function words and French diacritics; "" when it cannot tell.
// Only the first few hundred words count: a request says what it is about early, and quoted
// history or signatures further down are often in another language.
func guessLanguage(text string) string {
	var fr, en float64
	accented := 0
	n := 0
	for _, w := range wordRE.FindAllString(strings.ToLower(text), 300) {
		if strings.ContainsFunc(w, isFrenchLetter) {
			accented++
		}
		for _, part := range splitElision(Fold(w)) {
			n++
			fr += frenchWords[part]
			en += englishWords[part]
		}
	}
	// Accented words weigh little each and are capped, so a French name in an English mail does
	// not decide; a French mail written without accents still has its function words.
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

func isFrenchLetter(r rune) bool {
	return r > unicode.MaxASCII && strings.ContainsRune("àâçéèêëîïôûùüÿœæ", r)
}

// splitElision cuts a folded word at its apostrophes: "l'imprimante" gives "l" and "imprimante",
// "doesn't" gives "doesn" and "t".
func splitElision(w string) []string {
	if !strings.ContainsRune(w, '\'') {
		return []string{w}
	}
	return strings.FieldsFunc(w, func(r rune) bool { return r == '\'' })
}

// frenchWords and englishWords are function words and greetings that tell the two languages
// apart, folded, with a weight; words both languages use ("a", "on", "me", "message") are left out.
var frenchWords = weights(2, "bonjour bonsoir merci cordialement salutations madame monsieur",
	1, "le la les des du un une et est je j mon ma mes ne n pas plus que qu qui dans sur avec il elle "+
		"nous vous votre vos notre nos ce cette ces au aux ai suis sont avons avez peux pouvez peut "+
		"mais ou depuis ca c l d y tout tous toute rien aussi tres bien quand comment pourquoi "+
		"encore deja ici fait faire fonctionne svp mercredi jeudi vendredi lundi mardi "+
		"matin hier aujourd aujourd'hui demain semaine besoin aide probleme en panne ordinateur "+
		"imprimante ecran reseau passe connexion marche")

var englishWords = weights(2, "hello hi thanks regards dear please",
	1, "the is are was were be been my i i'm im you your to of and it it's its this that these those "+
		"with for not can can't cannot could would should will won doesn don didn isn aren wasn have has "+
		"had from at we our us when since what which who why how there their they all any some "+
		"just also very still again here work working works help need issue problem today yesterday "+
		"tomorrow morning monday tuesday wednesday thursday friday week get got does do broken "+
		"printer screen password computer")

func weights(args ...any) map[string]float64 {
	m := map[string]float64{}
	for i := 0; i+1 < len(args); i += 2 {
		w := float64(args[i].(int))
		for _, word := range strings.Fields(args[i+1].(string)) {
			m[word] = w
		}
	}
	return m
}
