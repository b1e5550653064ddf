package tickets

import (
	"context"
	"fmt"
	"sort"
	"strconv"
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

// An incident as a known answer. Its linked requests are never known answers (thirty of them
// would repeat one outage); the incident stands for them all, with its resolution note. Its own
// search document is its subject, often its first request's, which says little of what failed:
// when it is first resolved, it takes in what its requests said fails (learnIncident), and the
// known answers' index reads it again from the resolution's events, as it reads any ticket's.

const (
	// incidentDocRequests is how many of an incident's requests, the first linked, its document
	// takes its terms from: an outage's first reports say what its later ones do.
	incidentDocRequests = 8
	// maxIncidentTerms bounds the terms an incident's document takes in: a document much
	// longer than a request's would score low for every request (BM25 divides by its length).
	maxIncidentTerms = 40
)

// learntKey keeps the terms an incident's document took in, so that the index, rebuilt from
// the tickets (backfillSearch), holds them again; resolved again after a reopening, an incident
// that has them takes in nothing more.
func learntKey(id int64) string { return learntPrefix + fmt.Sprint(id) }

// learntPrefix begins the keys of learntKey.
const learntPrefix = "incident-terms:"

// learnIncident adds to a resolved incident's search document what its requests said fails
// (incidentTerms of its title and its first incidentDocRequests linked requests), once.
func (t *Tx) learnIncident(inc *Ticket) error {
	if v, err := t.KV(learntKey(inc.ID)); err != nil || v != "" {
		return err
	}
	ids, err := t.ticketIDs(`SELECT id FROM tickets WHERE incident = ? ORDER BY id LIMIT ?`, inc.ID, incidentDocRequests)
	if err != nil || len(ids) == 0 {
		return err
	}
	ctx, dia := context.Background(), t.d.Store.search
	own, err := searchDoc(ctx, t.tx, dia, inc.ID)
	if err != nil {
		return err
	}
	// Its title first: a technician's #incident TITLE names the outage in the desk's words.
	docs := [][]string{analyze(inc.Subject, inc.Language)}
	for _, id := range ids {
		doc, err := searchDoc(ctx, t.tx, dia, id)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
	}
	terms := incidentTerms(own, docs)
	if len(terms) == 0 {
		return nil
	}
	if err := t.SetKV(learntKey(inc.ID), strings.Join(terms, " ")); err != nil {
		return err
	}
	return t.appendDoc(inc.ID, terms)
}

// learntTerms returns the terms the incidents' documents took in, by incident.
func learntTerms(ctx context.Context, q querier) (map[int64][]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM kv WHERE key LIKE ?`, learntPrefix+"%")
	if err != nil {
		return nil, fmt.Errorf("incidents' terms: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return nil, fmt.Errorf("incidents' terms: %w", err)
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(key, learntPrefix), 10, 64)
		if err != nil {
			continue // Not one of ours.
		}
		out[id] = strings.Fields(value)
	}
	return out, rows.Err()
}

// incidentTerms picks the terms an incident's document, own, takes in from its requests' docs:
// those own has not, substantive (above) or a number of at least three digits that two of them
// gave (an error code, not a floor or a room); those most of them share first, then in the order
// they came; once each, twice when two of them share it (BM25 counts a term's occurrences, as it
// counts the subject's twice); at most maxIncidentTerms.
func incidentTerms(own []string, docs [][]string) []string {
	type candidate struct {
		term string
		n    int // The documents that have it.
	}
	has := map[string]bool{}
	for _, term := range own {
		has[term] = true
	}
	var cands []*candidate
	byTerm := map[string]*candidate{}
	for _, doc := range docs {
		seen := map[string]bool{}
		for _, term := range doc {
			if has[term] || seen[term] || !(substantive(term) || (isNumber(term) && len(term) >= 3)) {
				continue
			}
			seen[term] = true
			c := byTerm[term]
			if c == nil {
				c = &candidate{term: term}
				byTerm[term] = c
				cands = append(cands, c)
			}
			c.n++
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].n > cands[j].n })
	var out []string
	for _, c := range cands {
		if isNumber(c.term) && c.n < 2 {
			continue
		}
		if out = append(out, c.term); len(out) == maxIncidentTerms {
			break
		}
		if c.n >= 2 {
			if out = append(out, c.term); len(out) == maxIncidentTerms {
				break
			}
		}
	}
	return out
}
