package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
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
var incidentNoise = analysedSet(incidentNoiseWords)

// substantive reports whether an index term may say what a request is about: not a number, a
// single letter, a place word or a generic complaint word.
func substantive(term string) bool {
	return len(term) > 1 && !isNumber(term) && !incidentNoise()[term]
}

// A person's account is not what fails. "Mot de passe oublié", "account locked", "password
// expired", "reset my password", "I need an account": the commonest requests a desk gets, each
// one person's, and three of them in half an hour on a Monday morning are three requests, not an
// outage. So in a request that speaks of its writer's own account (an account word and a state
// of one person's account, forgotten, expired, locked, to reset, unlock, change or create), and
// says nothing of the service failing (refused, rejected, not accepted, wrong, fails, nobody,
// everyone, colleagues, down, an error code such as AADSTS50076), the account words and those
// states are not substantive either. Where the account service fails for people who use it right
// ("mot de passe refusé alors qu'il est correct", "nobody can log in", "sign in fails for me and
// two colleagues"), the account words are what fails, as before; and what is not an account word
// ("SSO", "MFA", "authentification", an error code) is substantive whatever the request says.

// incidentAccountWords are the words of a person's account; incidentAccountStates the states of
// one person's account; incidentServiceWords say the account service fails. Analysed as the
// index's words are: "bloqué" and "verrouillé" are the term locked, "identifiant" account, "log
// in" and "se connecter" connect (a complaint word already).
var (
	incidentAccountWords = map[string]string{
		"fr": `mot passe motdepasse compte comptes identifiant identifiants`,
		"en": `password passwords account accounts username credentials log login logon`,
	}
	incidentAccountStates = map[string]string{
		"fr": `oublie oubli expire expiration verrouille bloque deverrouiller debloquer reinitialiser reinitialisation
			changer changement creer creation`,
		"en": `forgot forgotten expired expiry expire locked lockout unlock reset change changed create creation`,
	}
	incidentServiceWords = map[string]string{
		"fr": `refuse refusee refuses rejete rejetee personne monde collegue collegues`,
		"en": `refused refuses rejected accepted wrong fails failed failing nobody everyone everybody colleague colleagues down`,
	}
)

// A setup is not what fails either. "Nouvel arrivant lundi : préparer un PC", "please install Visio
// on my new PC", "onboarding: new account and workstation for Jane": each asks for a job done
// for one person, and two of them in the same hour share a device and the words of the asking,
// not an outage. So two requests that both ask for a setup (a new device, an installation, a
// configuration, a new hire's arrival) and neither says something fails (a complaint word such as
// error, fails, crash, down, "ne marche plus", an outage sign such as nobody or everyone, an error
// code) are never alike, however alike their words; a setup request is compared with any other
// request as before, so one that fails ("Teams installation fails with error 0x80070643", three
// times) still makes its incident. Like the account rule, it asks what a request is for, not how
// alike two are: a margin on the similarity threshold cost recall.
//
// The index holds no "can't", "cannot", "ne ... plus" or "problème" (stopwords: every request says
// them), so what a request says fails is read from its words as written too (failureSaid): "I
// can't install Teams" says something fails, it asks for nothing.

// incidentSetupAsks are the words of asking for a setup; incidentSetupNew and incidentDevices make
// one together ("nouveau PC", "new phone"); incidentFailureWords say something fails. "Arrivant"
// is left out: the index reads it as "arrive" ("je n'arrive pas", a complaint).
var (
	incidentSetupAsks = map[string]string{
		"fr": `installer installation configurer configuration parametrer parametrage preparer preparation
			onboarding embauche recrue`,
		"en": `install installation setup configure configuration prepare provision provisioning onboarding onboard
			hire starter joiner newhire`,
	}
	incidentSetupNew = map[string]string{"fr": `nouveau nouvelle nouvel`, "en": `new`}
	incidentDevices  = map[string]string{
		"fr": `ordinateur portable poste pc telephone smartphone tablette ecran`,
		"en": `laptop computer workstation pc phone smartphone device tablet monitor`,
	}
	incidentFailureWords = map[string]string{
		"fr": `marche fonctionne panne hs plante plantage erreur echoue echec bloque casse bug impossible lent lente
			refuse refusee hors ko fige gele`,
		"en": `work working fail fails failed failure error crash crashed down broken stopped unable impossible
			refused rejected denied dead faulty slow bug glitch outage offline frozen freezes hangs timeout`,
	}
)

// analysedSet builds, once, the set of index terms of a list of words per language.
func analysedSet(words map[string]string) func() map[string]bool {
	return sync.OnceValue(func() map[string]bool {
		m := map[string]bool{}
		for lang, list := range words {
			for _, w := range strings.Fields(list) {
				for _, term := range analyze(w, lang) {
					m[term] = true
				}
			}
		}
		return m
	})
}

var (
	accountTerms = analysedSet(incidentAccountWords)
	accountState = analysedSet(incidentAccountStates)
	serviceTerms = analysedSet(incidentServiceWords)
)

var (
	setupAsks    = analysedSet(incidentSetupAsks)
	setupNew     = analysedSet(incidentSetupNew)
	deviceTerms  = analysedSet(incidentDevices)
	failureTerms = analysedSet(incidentFailureWords)
)

// setupRequest reports whether a request, its document (its index terms) and its subject and
// text as written, asks for a setup and says nothing fails.
func setupRequest(doc []string, text string) bool {
	if failureSaid(text) {
		return false
	}
	ask, fresh, device := false, false, false
	for _, term := range doc {
		if failureTerms()[term] || serviceTerms()[term] || errorCode(term) {
			return false
		}
		ask = ask || setupAsks()[term]
		fresh = fresh || setupNew()[term]
		device = device || deviceTerms()[term]
	}
	return ask || fresh && device
}

// failureSaid reports whether a text, as written, says something fails in the words the index
// does not hold: "can't", "cannot", "won't", "unable", "not working", "no longer"; "ne ... plus",
// "ne ... pas" (not "je ne sais pas", "n'est pas": a question, a state), "n'arrive pas"; "problème",
// "souci", "problem", "issue".
func failureSaid(text string) bool {
	ws := foldedWords(text)
	for i, w := range ws {
		next := func(k int) string {
			if i+k < len(ws) {
				return ws[i+k]
			}
			return ""
		}
		switch w {
		case "cannot", "unable", "probleme", "problemes", "souci", "soucis", "problem", "problems", "issue", "issues":
			return true
		case "can", "couldn", "won", "doesn", "don", "isn", "aren", "wasn", "didn":
			if next(1) == "t" && (w != "don" || next(2) == "work") {
				return true
			}
		case "not", "no":
			if n := next(1); w == "not" && (strings.HasSuffix(n, "ing") || incidentNotStates[n]) || w == "no" && n == "longer" {
				return true
			}
		case "ne", "n":
			stated := false // "ne" of a state or a question: "n'est pas", "ne sais pas".
			for k := 1; k <= 4 && i+k < len(ws); k++ {
				switch n := ws[i+k]; {
				case n == "plus", n == "arrive", n == "arrivons", n == "arrivent":
					return true
				case n == "pas" && !stated:
					return true
				case n == "pas":
				default:
					stated = stated || incidentNeNotFailing[n]
					continue
				}
				break
			}
		}
	}
	return false
}

// incidentNotStates say something fails after "not" ("not available"); incidentNeNotFailing, in
// "ne ... pas", say something is not known or not so, not that it fails ("je ne sais pas",
// "n'est pas installé", "n'ai pas de badge"); "ne ... plus" says it fails ("n'ai plus accès").
var (
	incidentNotStates    = map[string]bool{"available": true, "accessible": true, "reachable": true, "accepted": true, "found": true, "detected": true, "recognised": true, "recognized": true}
	incidentNeNotFailing = map[string]bool{"sais": true, "sait": true, "savons": true, "savez": true, "est": true, "sont": true, "suis": true,
		"ai": true, "avons": true, "a": true, "ont": true, "comprends": true}
)

// errorCode reports whether an index term looks like an error code: letters and at least three
// digits ("aadsts50076", "sc542"), or a hexadecimal number of four digits or more ("0x80070005",
// "0x800ccc0e": Windows and Office codes, whose only letter may be the x), not a time or a count
// ("14h", "2pm").
func errorCode(term string) bool {
	if len(term) >= 6 && strings.HasPrefix(term, "0x") && strings.Trim(term[2:], "0123456789abcdef") == "" {
		return true
	}
	digits, letters := 0, 0
	for _, r := range term {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z':
			letters++
		}
	}
	return digits >= 3 && letters >= 2
}

// personalAccount reports whether a request's document (its index terms) speaks of its writer's
// own account and not of the account service failing.
func personalAccount(doc []string) bool {
	account, state := false, false
	for _, term := range doc {
		if serviceTerms()[term] || errorCode(term) {
			return false
		}
		account = account || accountTerms()[term]
		state = state || accountState()[term]
	}
	return account && state
}

// accountTerm reports whether an index term is an account word or a state of one person's account.
func accountTerm(term string) bool { return accountTerms()[term] || accountState()[term] }

// Two places, two error codes: two problems. A printer "du 2ème étage" that jams and the one "du
// 3ème étage" that shows SC542 share a device and a few words; the floors and the codes tell them
// apart. So two requests whose subjects both name a floor (a building, a room) and none in common,
// or whose texts both give an error code and none in common, are not alike, however alike their
// words. Places count in subjects only: a place in the subject names the thing that fails ("Imprimante
// 2ème étage"), one in the text often only where its writer sits ("au 4e étage le lecteur Z: a
// disparu"), and a network drive gone is gone on every floor.
// A place is a number, a letter or an ordinal next to a place word ("2ème étage", "floor 3",
// "bâtiment B", "salle 204", "third floor"), or the ground floor ("RDC"); an error code a term of
// letters and digits ("SC542", "0x80070005", "AADSTS50076") or a number of three digits or more
// after "error", "erreur" or "code" ("erreur 809").
//
// The index reads "a" and "y" as stopwords ("building A", "bâtiment A"): a subject's places are
// read from its terms with its single letters kept (placeTerms).

// incidentPlaceKinds are the place words whose number tells places apart, by kind; incidentOrdinals
// the ordinals people write before them, with their number; incidentCodeWords the words before
// an error code.
var (
	incidentPlaceKinds = map[string]map[string]string{
		"floor":    {"fr": "etage niveau", "en": "floor level storey"},
		"building": {"fr": "batiment bat", "en": "building"},
		"room":     {"fr": "salle bureau", "en": "room"},
	}
	incidentOrdinals = map[string]map[string]string{
		"fr": {"premier": "1", "premiere": "1", "1er": "1", "deuxieme": "2", "second": "2", "seconde": "2", "troisieme": "3",
			"quatrieme": "4", "cinquieme": "5", "sixieme": "6", "septieme": "7", "huitieme": "8", "neuvieme": "9", "dixieme": "10"},
		"en": {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
			"eighth": "8", "ninth": "9", "tenth": "10"},
	}
	incidentGroundFloor = map[string]string{"fr": "rdc rez-de-chaussee", "en": "ground"}
	incidentCodeWords   = map[string]string{"fr": "erreur code", "en": "error code"}
)

// placeLexicon is the index terms of the place words (term → kind), the ordinals (term →
// number) and the ground floor, built once.
var placeLexicon = sync.OnceValue(func() (l struct {
	kinds    map[string]string
	ordinals map[string]string
	ground   map[string]bool
}) {
	l.kinds, l.ordinals, l.ground = map[string]string{}, map[string]string{}, map[string]bool{}
	for kind, words := range incidentPlaceKinds {
		for lang, list := range words {
			for _, w := range strings.Fields(list) {
				for _, term := range analyze(w, lang) {
					l.kinds[term] = kind
				}
			}
		}
	}
	for lang, words := range incidentOrdinals {
		for w, n := range words {
			for _, term := range analyze(w, lang) {
				l.ordinals[term] = n
			}
		}
	}
	for lang, list := range incidentGroundFloor {
		for _, w := range strings.Fields(list) {
			for _, term := range analyze(w, lang) {
				l.ground[term] = true
			}
		}
	}
	return l
})

var codeWords = analysedSet(incidentCodeWords)

// marks are the places and error codes a request names, from its index terms.
type marks struct {
	places map[string]map[string]bool // Kind → the numbers or letters of that kind.
	codes  map[string]bool
}

// placeTerms are a subject's index terms, with the single letters the index drops as stopwords
// ("bâtiment A", "building A") kept where they stood.
func placeTerms(subject, lang string) []string {
	var out []string
	for _, w := range foldedWords(subject) {
		if len(w) == 1 && w[0] >= 'a' && w[0] <= 'z' {
			out = append(out, w)
			continue
		}
		out = append(out, analyze(w, lang)...)
	}
	return out
}

// marksOf reads the error codes of a document (its index terms, in order) and the places of a
// subject (its index terms).
func marksOf(doc, subject []string) marks {
	lex := placeLexicon()
	m := marks{places: map[string]map[string]bool{}, codes: map[string]bool{}}
	place := func(kind, v string) {
		if m.places[kind] == nil {
			m.places[kind] = map[string]bool{}
		}
		m.places[kind][v] = true
	}
	for i, term := range doc {
		if errorCode(term) || (isNumber(term) && len(term) >= 3 && i > 0 && codeWords()[doc[i-1]]) {
			m.codes[term] = true
		}
	}
	for i, term := range subject {
		if lex.ground[term] {
			place("floor", "0")
		}
		v := term
		if n, ok := lex.ordinals[term]; ok {
			v = n
		} else if !isNumber(term) && len(term) != 1 {
			continue
		}
		for _, j := range []int{i - 1, i + 1} {
			if j < 0 || j >= len(subject) || lex.ground[subject[j]] {
				continue
			}
			if kind, ok := lex.kinds[subject[j]]; ok {
				place(kind, v)
			}
		}
	}
	return m
}

// apart reports whether two requests name different places of a kind, or different error codes:
// both name one, and none in common.
func (m marks) apart(o marks) bool {
	disjoint := func(a, b map[string]bool) bool {
		if len(a) == 0 || len(b) == 0 {
			return false
		}
		for v := range a {
			if b[v] {
				return false
			}
		}
		return true
	}
	for kind, vs := range m.places {
		if disjoint(vs, o.places[kind]) {
			return true
		}
	}
	return disjoint(m.codes, o.codes)
}

// One service failing, worded apart. When the VPN goes down, one writes "Le VPN ne fonctionne
// plus", another "Impossible de me connecter au VPN", a third "VPN down": short mails that share
// the service's name and nothing else, once the complaint words are set aside, and whose
// signatures (names, titles, departments) weigh more than that name. A desk that sees an outage
// (a major incident in ITIL's words) goes by the service that fails, its configuration item,
// not by the wording: several people within the window saying that one service fails are one
// outage. So two requests are alike too when both say something fails (a complaint word, an
// outage word, an error code, "can't", "ne ... plus": failureSaid; not only slowly) and their subjects name the
// same thing: each one's subject names nothing the other's subject and text do not (failing).
// What a subject names is its substantive terms but those that say it fails or ask for a setup,
// the kinds of things ("logiciel", "application", "site", "service": the payroll software and
// the planning software are two), the words of asking ("Demande 2", "Support request") and nothing at all when it names a person's own device ("mon
// clavier", "my laptop", "écran"): three keyboards that fail the same morning are three
// requests, a keyboard is nobody else's. A setup request ("installer le VPN sur mon nouveau
// portable", "demande d'accès VPN") and a request about one's own account say nothing fails for
// anyone else: never alike this way. Places and error codes still keep requests apart (marks).

// incidentKinds are the words of kinds of things, which name no service by themselves;
// incidentOwnDevices a person's own devices, with incidentDevices.
var (
	incidentKinds = map[string]string{
		"fr": `logiciel logiciels application applications appli programme outil outils site page fichier fichiers
			dossier dossiers document documents service services systeme version
			demande demandes requete question questions assistance support ticket signalement`,
		"en": `software application applications app apps program programs tool tools site page file files folder folders
			document documents service services system version
			request requests query question questions assistance support ticket report`,
	}
	incidentOwnDevices = map[string]string{
		"fr": `clavier souris ecran casque micro webcam badge chargeur batterie station`,
		"en": `keyboard mouse screen headset microphone webcam badge charger battery dock docking`,
	}
)

// incidentSlow say a service works, slowly: "Wifi lent bâtiment A" is not the Wi-Fi of building
// B gone; slowness joins an outage on its words only.
var incidentSlow = map[string]string{"fr": "lent lente lenteur lenteurs", "en": "slow slowly slowness"}

var (
	slowTerms      = analysedSet(incidentSlow)
	kindTerms      = analysedSet(incidentKinds)
	ownDeviceTerms = analysedSet(incidentOwnDevices)
)

// namedThings returns what a subject (its index terms) names as failing: its substantive terms
// that neither say it fails nor ask for a setup, nor name a kind of thing; none when it names a
// person's own device, or when personal (a request about its writer's account) only account words.
func namedThings(subject []string, personal bool) []string {
	var out []string
	for _, term := range subject {
		switch {
		case deviceTerms()[term] || ownDeviceTerms()[term]:
			return nil
		case !substantive(term), failureTerms()[term], setupAsks()[term], setupNew()[term], kindTerms()[term],
			personal && accountTerm(term), slices.Contains(out, term):
		default:
			out = append(out, term)
		}
	}
	return out
}

// failing is what a request says fails, for sameFailure.
type failing struct {
	things []string // What its subject names (namedThings); none when it says nothing fails.
	doc    []string // Its index terms.
}

// failingOf reads what a request says fails: its document, its subject's terms, its text as
// written; setup and personal as setupRequest and personalAccount read it. An incident fails by
// being one.
func failingOf(doc, subject []string, text string, incident, setup, personal bool) failing {
	f := failing{doc: doc}
	if setup || personal && !incident {
		return f
	}
	fails := incident || failureSaid(text)
	for _, term := range doc {
		fails = fails || failureTerms()[term] && !slowTerms()[term] || errorCode(term)
	}
	if fails {
		f.things = namedThings(subject, personal)
	}
	return f
}

// sameFailure reports whether two requests say the same thing fails: both fail, and what each
// subject names the other's document holds.
func (f failing) sameFailure(o failing) bool {
	if len(f.things) == 0 || len(o.things) == 0 {
		return false
	}
	return containsAll(o.doc, f.things) && containsAll(f.doc, o.things)
}

// containsAll reports whether doc holds every one of terms.
func containsAll(doc, terms []string) bool {
	for _, term := range terms {
		if !slices.Contains(doc, term) {
			return false
		}
	}
	return true
}

// firstText returns the subject and the first message of a ticket, as written ("" for an
// incident the desk opened, which has none of its own).
func firstText(ctx context.Context, q querier, tk *Ticket) (string, error) {
	var text string
	err := q.QueryRowContext(ctx, `SELECT text FROM events WHERE ticket_id = ? AND kind = 'message' ORDER BY id LIMIT 1`, tk.ID).Scan(&text)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("first message of %d: %w", tk.ID, err)
	}
	return tk.Subject + "\n" + text, nil
}

// substance is a request's similarity counted on its substantive terms only: its query terms
// that are substantive, and its own score for them. Unlike the similarity on all terms, its own
// score leaves out the terms no other ticket has: of what the request shares with others, it
// asks how much is the thing that fails.
type substance struct {
	terms   []string
	self    float64
	account bool    // Some of terms are account words: another request's count only if it is not about its writer's own account.
	setup   bool    // It asks for a setup: another request that does too is not alike.
	marks   marks   // Its places and error codes.
	failing failing // What it says fails.
}

// substanceOf returns the substance of ticket tk (indexed), whose query terms are terms.
func substanceOf(ctx context.Context, q querier, dia searchDialect, tk *Ticket, terms []string) (substance, error) {
	doc, err := searchDoc(ctx, q, dia, tk.ID)
	if err != nil {
		return substance{}, err
	}
	text, err := firstText(ctx, q, tk)
	if err != nil {
		return substance{}, err
	}
	personal, subject := personalAccount(doc), analyze(tk.Subject, tk.Language)
	s := substance{marks: marksOf(doc, placeTerms(tk.Subject, tk.Language)), setup: setupRequest(doc, text)}
	s.failing = failingOf(doc, subject, text, tk.IsIncident(), s.setup, personal)
	for _, term := range terms {
		switch {
		case !substantive(term), personal && accountTerm(term):
		default:
			s.terms = append(s.terms, term)
			s.account = s.account || accountTerm(term)
		}
	}
	if len(s.terms) == 0 {
		return s, nil
	}
	df, n, err := docFreqs(ctx, q, s.terms)
	if err != nil {
		return substance{}, err
	}
	s.self = ownScore(doc, s.terms, df, n)
	return s, nil
}

// similarityTo is how alike ticket other is to the request on substantive terms, 0 to 1: 0 when
// they share none, or name different places or error codes; and whether both say the same thing
// fails (sameFailure). doc is other's document, nil to read it.
func (s substance) similarityTo(ctx context.Context, q querier, dia searchDialect, other *Ticket, doc []string) (float64, bool, error) {
	if s.self == 0 {
		return 0, false, nil
	}
	var err error
	if doc == nil {
		if doc, err = searchDoc(ctx, q, dia, other.ID); err != nil {
			return 0, false, err
		}
	}
	subject := analyze(other.Subject, other.Language)
	if s.marks.apart(marksOf(doc, placeTerms(other.Subject, other.Language))) {
		return 0, false, nil // Another place, another error code: another problem.
	}
	// Its text as written only when it may tell: the request names something failing that
	// other's document holds.
	text := ""
	if len(s.failing.things) > 0 && containsAll(doc, s.failing.things) || s.setup && !other.IsIncident() {
		if text, err = firstText(ctx, q, other); err != nil {
			return 0, false, err
		}
	}
	otherSetup := setupRequest(doc, text)
	if s.setup && !other.IsIncident() && otherSetup {
		return 0, false, nil // Two setups: two jobs.
	}
	personal := personalAccount(doc)
	same := text != "" && s.failing.sameFailure(failingOf(doc, subject, text, other.IsIncident(), otherSetup, personal))
	terms := s.terms
	if s.account && personal {
		terms = slices.DeleteFunc(slices.Clone(terms), accountTerm)
	}
	if len(terms) == 0 {
		return 0, same, nil
	}
	score, err := scoreOf(ctx, q, dia, terms, other.ID)
	if err != nil {
		return 0, false, err
	}
	return similarity(score, s.self), same, nil
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
	ids, err := t.ticketIDs(`SELECT id FROM tickets WHERE incident = ? AND incident != 0 ORDER BY id LIMIT ?`, inc.ID, incidentDocRequests)
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
