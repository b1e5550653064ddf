package tickets

import (
	"context"
	"strings"
	"sync"
)

// What makes two requests one outage. A help desk sees an outage when people describe the same
// thing failing (the VPN, the printer on the third floor, Outlook), not when they sit on the
// same floor or complain in the same words. In short mails a floor number and "ne marche plus"
// are most of the text: counted like any other term they make a keyboard, a scanner and a badge
// of one floor alike. So incident detection asks more than the similarity threshold of two
// requests: that they share a substantive term, and that the similarity counted on substantive
// terms alone reaches [incidents] similarity too (not raised across categories: the similarity on
// all terms carries that margin). A substantive term is one that is not
//
//   - a number or a single letter ("3ème", "3rd" → 3; "bâtiment B", "lecteur Z:");
//   - a place word ("étage", "floor", "salle", "room", "bureau", "building", "third"…);
//   - a generic complaint word ("ne marche plus", "doesn't work", "broken", "panne", "error",
//     "can't connect", "slow", "nobody can"…): it says how something fails, not what.
//
// The similarity counted on all terms stays as it was, so near misses it keeps apart (another
// floor's printer) stay apart: the rule only ever removes links.

// incidentNoiseWords are the place and complaint words of each language, as people write them;
// they are analysed as the index's words are, so inflections and the lexicon's groups follow
// ("étage" is the term floor, which "level" and "storey" are too). Ambiguous words stay out:
// English "office" is also Microsoft Office, "site" also a web site, "local" also a local disk,
// "stuck" the printer's paper jam.
var incidentNoiseWords = map[string]string{
	"fr": `
		etage etages niveau batiment batiments bat salle salles bureau bureaux aile plateau couloir
		rdc rez-de-chaussee sous-sol open-space accueil chez domicile maison
		premier premiere deuxieme second seconde troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme
		marche marchait fonctionne fonctionnait fonctionnement dysfonctionnement panne hs casse cassee
		defectueux defectueuse mort morte bug bugue beugue plante plantage erreur erreurs impossible
		repond repondre arrete arreter bloque bloquee lent lente connexion connecter acces acceder
		demarre allume refuse refusee rien nouveau nouvelle anomalie incident bizarre etrange
		normalement correctement fois collegue collegues personne monde
		affiche indique dit ouvrir ouvre essaye essaie tente tentative voir trouve arrive reussis
		message messages correct accepte aucun aucune travailler travail minute minutes`,
	"en": `
		floor building room rooms wing basement ground corridor hallway upstairs downstairs desk home
		first second third fourth fifth sixth seventh eighth ninth tenth
		work working broken broke break down fail fails failed failing failure error errors dead
		faulty crash crashed stopped stop stops impossible unable respond responding wrong weird
		strange odd locked slow connect access start refused rejected denied new nothing anymore
		properly correctly bug buggy glitch malfunction incident keep keeps kept time times affected
		colleague colleagues everyone everybody nobody
		reach give gives get gets say says show shows open opening try tried see find appear
		message messages accept accepted right correct every minute minutes`,
}

// incidentNoise is the set of index terms that are not substantive, built once from
// incidentNoiseWords.
var incidentNoise = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for lang, words := range incidentNoiseWords {
		for _, w := range strings.Fields(words) {
			for _, term := range analyze(w, lang) {
				m[term] = true
			}
		}
	}
	return m
})

// substantive reports whether an index term may say what a request is about: not a number, a
// single letter, a place word or a generic complaint word.
func substantive(term string) bool {
	return len(term) > 1 && !isNumber(term) && !incidentNoise()[term]
}

// substance is a request's similarity counted on its substantive terms only: its query terms
// that are substantive, and its own score for them. Unlike the similarity on all terms, its own
// score leaves out the terms no other ticket has: of what the request shares with others, it
// asks how much is the thing that fails.
type substance struct {
	terms []string
	self  float64
}

// substanceOf returns the substance of ticket id (indexed), whose query terms are terms.
func substanceOf(ctx context.Context, q querier, dia searchDialect, id int64, terms []string) (substance, error) {
	var s substance
	for _, term := range terms {
		if substantive(term) {
			s.terms = append(s.terms, term)
		}
	}
	if len(s.terms) == 0 {
		return s, nil
	}
	doc, err := searchDoc(ctx, q, dia, id)
	if err != nil {
		return substance{}, err
	}
	df, n, err := docFreqs(ctx, q, s.terms)
	if err != nil {
		return substance{}, err
	}
	s.self = ownScore(doc, s.terms, df, n)
	return s, nil
}

// similarityTo is how alike ticket other is to the request on substantive terms, 0 to 1: 0 when
// they share none.
func (s substance) similarityTo(ctx context.Context, q querier, dia searchDialect, other int64) (float64, error) {
	if s.self == 0 {
		return 0, nil
	}
	score, err := scoreOf(ctx, q, dia, s.terms, other)
	if err != nil {
		return 0, err
	}
	return similarity(score, s.self), nil
}
