package tickets

import (
	"sort"
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
)

// The similarity engine's analyser: it turns a ticket's text into the terms the full-text index
// holds and queries ask for. Both sides go through it, so that an English and a French request
// about the same thing meet on the same terms:
//
//   - words are folded (lower case, no accents) and cut at apostrophes ("l'imprimante");
//   - French and English stopwords go (the classifier's list, less "down": "VPN down" says much),
//     as written, before stemming: a word whose stem is a stopword stays ("Teams" → "team",
//     French "Notes" → "not": product names); single letters stay ("drive Z", "building B");
//   - ordinals lose their suffix ("3e", "3ème", "3rd" → "3");
//   - each word is stemmed in the ticket's language (Snowball, github.com/kljensen/snowball: a
//     maintained implementation of the reference stemmers, rather than our own suffix rules);
//   - a small bilingual lexicon of the help desk's words maps French and English stems to one
//     term ("imprimantes", "printers" → "printer"; "étage", "floor" → "floor").
//
// The index stores the terms separated by spaces: SQLite's tokenizer only splits them.

// maxIndexedRunes bounds the text of one message that goes into the index: a request says what
// it is about early; pasted logs further down only weigh on every query.
const maxIndexedRunes = 4000

// subjectWeight is how many times a ticket's subject counts in its document: a subject names the
// problem in a few words, the body says much else besides.
const subjectWeight = 2

// maxQueryTerms bounds the terms a similarity query asks for (pickTerms). Long mails would
// otherwise match most of the index.
const maxQueryTerms = 12

// analyze returns the index terms of a text written in lang ("fr", "en"; any other is read as
// English), in order, repeats kept.
func analyze(text, lang string) []string {
	return analyzeWords(foldedWords(firstRunes(text, maxIndexedRunes)), lang)
}

// analyzeWords is analyze of a text's folded words (foldedWords), the text cut at maxIndexedRunes.
func analyzeWords(ws []string, lang string) []string {
	lex := lexicon()
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		w = strings.ReplaceAll(w, "-", "")
		if w == "" {
			continue
		}
		if n, ok := ordinal(w); ok {
			out = append(out, strings.Clone(n)) // Not a slice of the text (foldedWords): the index may keep it.
			continue
		}
		if searchStopwords[w] {
			continue
		}
		if c, ok := lex.words[w]; ok {
			out = append(out, c)
			continue
		}
		s := stemIn(w, lang)
		if c, ok := lex.stems[lang+":"+s]; ok {
			out = append(out, c)
			continue
		}
		// Stopwords are words, not stems: "Teams" stems to "team" and "Notes" (in French) to
		// "not", and a product's name must stay searchable.
		out = append(out, s)
	}
	return out
}

// stemIn stems a folded word with the Snowball stemmer of lang. What it returns is never a slice
// of w: the index may keep it.
func stemIn(w, lang string) string {
	if isNumber(w) || len(w) <= 2 {
		return strings.Clone(w)
	}
	c := &stemCaches[0]
	if lang == "fr" {
		c = &stemCaches[1]
	}
	c.mu.RLock()
	s, ok := c.stems[w]
	c.mu.RUnlock()
	if ok {
		return s
	}
	if lang == "fr" {
		s = french.Stem(w, true)
	} else {
		s = english.Stem(w, true)
	}
	if len(w) <= maxCachedWord {
		c.mu.Lock()
		if len(c.stems) < maxCachedStems {
			if c.stems == nil {
				c.stems = map[string]string{}
			}
			c.stems[strings.Clone(w)] = s
		}
		c.mu.Unlock()
	}
	return s
}

// stemCaches keep the Snowball stems of the words met, English then French: the stemmer turns
// each word into runes and back, a tenth of a request's preparation, and a desk's requests use
// the same words again and again. The first maxCachedStems words of at most maxCachedWord bytes
// are kept, for the life of the process (about 2 MB at most).
var stemCaches [2]struct {
	mu    sync.RWMutex
	stems map[string]string
}

const (
	maxCachedStems = 20000
	maxCachedWord  = 24
)

// firstRunes is s cut after its first n runes (an invalid byte counts as one), without the copy
// of the whole text into runes.
func firstRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	k := 0
	for i := range s {
		if k == n {
			return s[:i]
		}
		k++
	}
	return s
}

// ordinal reads "3e", "3eme", "3er", "1st", "2nd", "3rd", "4th" as the number.
func ordinal(w string) (string, bool) {
	i := 0
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	if i == 0 || i == len(w) {
		return "", false
	}
	switch w[i:] {
	case "e", "eme", "er", "ere", "st", "nd", "rd", "th":
		return w[:i], true
	}
	return "", false
}

// searchStopwords are the grammar words, with "down" kept, and the words every request says
// whatever it is about. Not "team": Microsoft Teams is half of an office's requests.
var searchStopwords = func() map[string]bool {
	m := map[string]bool{}
	for w := range grammarStopwords {
		m[w] = true
	}
	delete(m, "down")
	for _, w := range strings.Fields(`hey anyone someone something everything thing things since
		today yesterday morning afternoon tonight still again urgent asap possible quickly know let
		would could need needs needed help problem problems issue issues seem seems
		aujourd hui hier matin soir apres-midi depuis besoin aide probleme problemes souci soucis
		savoir pouvoir quelqu quelque chose rapidement urgent urgente possible semble`) {
		m[w] = true
	}
	return m
}()

// lexiconGroups are the help desk's words in French and English, each group under the term both
// languages meet on. A word is read as the stem of its language: inflections follow.
var lexiconGroups = []struct {
	term   string
	fr, en string
}{
	{"printer", "imprimante imprimantes imprimer impression photocopieur copieur", "printer printers print printing copier"},
	{"floor", "etage etages niveau", "floor floors level storey"},
	{"building", "batiment batiments bat", "building buildings bldg"},
	{"network", "reseau reseaux", "network networks"},
	{"wifi", "wifi wlan borne", "wifi wireless wlan hotspot"},
	{"connect", "connexion connexions connecter connecte connectee deconnecte deconnexion connect login", "connect connection connecting connected disconnected disconnect connectivity login logon signin sign"},
	{"mail", "courriel courriels mail mails messagerie email emails", "mail email emails mailbox inbox"},
	{"password", "mdp passe", "password passwords passcode"},
	{"account", "compte comptes identifiant", "account accounts username"},
	{"locked", "bloque bloquee verrouille verrouillee", "locked lockout blocked"},
	{"screen", "ecran ecrans moniteur", "screen screens monitor display"},
	{"keyboard", "clavier claviers", "keyboard keyboards"},
	{"mouse", "souris", "mouse mice"},
	{"laptop", "portable ordinateur pc poste", "laptop computer pc workstation desktop"},
	{"software", "logiciel logiciels application appli", "software application app"},
	{"slow", "lent lente lents lentes lenteur lenteurs rame", "slow slowness sluggish lag"},
	{"down", "panne coupe coupent coupure coupures hs indisponible inaccessible introuvable disparu", "down outage unavailable offline drop drops dropping dropped cut cuts unreachable inaccessible missing disappeared"},
	{"call", "appel appels appeler", "call calls calling"},
	{"choppy", "hache hachee saccade robotique", "choppy robotic stutter stuttering"},
	{"work", "marche fonctionne fonctionner", "work works working"},
	{"sync", "synchronisation synchronise synchroniser synchro sync", "sync synchronize synchronise synchronization syncing"},
	{"calendar", "agenda calendrier", "calendar agenda"},
	{"share", "partage partages lecteur", "share shared drive"},
	{"folder", "dossier dossiers repertoire", "folder folders directory"},
	{"file", "fichier fichiers", "file files"},
	{"access", "acces acceder", "access accessing"},
	{"error", "erreur erreurs", "error errors"},
	{"crash", "plante plantage crash ferme", "crash crashes crashing freezes"},
	{"start", "demarre demarrer demarrage allume", "start starts boot booting startup"},
	{"jam", "bourrage bourre coince", "jam jams jammed jamming stuck"},
	{"paper", "papier papiers feuille feuilles", "paper sheet sheets"},
	{"phone", "telephone telephones telephonie combine", "phone phones telephone handset"},
	{"room", "salle salles", "room rooms"},
	{"server", "serveur serveurs", "server servers"},
	{"browser", "navigateur", "browser"},
	{"send", "envoyer envoi envoie envoyes", "send sending sent"},
	{"receive", "recevoir recois recu recus reception", "receive receiving received"},
	{"install", "installer installation", "install installation installing"},
	{"update", "mise jour maj", "update updates upgrade"},
	{"meeting", "reunion reunions visio visioconference", "meeting meetings videoconference"},
	{"badge", "badge badges", "badge badges card"},
	{"door", "porte portes", "door doors"},
	{"camera", "camera webcam", "camera webcam"},
	{"sound", "son micro microphone audio", "sound microphone mic audio headset"},
	{"new", "nouveau nouvelle nouveaux", "new"},
	{"page", "page pages", "page pages website"},
	{"intranet", "intranet", "intranet"},
	{"license", "licence licences", "license licence licenses"},
}

// lexiconTables are the lexicon ready for lookups: by folded word and by "lang:stem".
type lexiconTables struct {
	words map[string]string
	stems map[string]string
}

var (
	lexiconOnce sync.Once
	lexiconData lexiconTables
)

// lexicon builds the lookup tables once: every word of a group maps to its term, and so does its
// stem in its language.
func lexicon() lexiconTables {
	lexiconOnce.Do(func() {
		l := lexiconTables{words: map[string]string{}, stems: map[string]string{}}
		for _, g := range lexiconGroups {
			for lang, ws := range map[string]string{"fr": g.fr, "en": g.en} {
				for _, w := range strings.Fields(ws) {
					l.words[w] = g.term
					l.stems[lang+":"+stemIn(w, lang)] = g.term
				}
			}
		}
		lexiconData = l
	})
	return lexiconData
}

// pickTerms chooses the terms a similarity query for a document asks for: at most
// maxQueryTerms, those that say most about it, by tf·idf (as Lucene's "more like this" does).
// Rare terms find the few tickets that share them; common ones would make every query match
// most of the desk. Terms only this document has find nothing and are left out, unless nothing
// else is left. df and n are the documents holding each term and the documents in all.
func pickTerms(doc []string, df map[string]int, n int) []string {
	tf := map[string]int{}
	var order []string
	for _, t := range doc {
		if tf[t] == 0 {
			order = append(order, t)
		}
		tf[t]++
	}
	type scored struct {
		term  string
		score float64
	}
	var shared, own []scored
	for _, t := range order {
		s := scored{t, float64(tf[t]) * bm25IDF(float64(n), float64(max(1, df[t])))}
		if df[t] > 1 {
			shared = append(shared, s)
		} else {
			own = append(own, s)
		}
	}
	if len(shared) == 0 {
		shared = own
	}
	sort.SliceStable(shared, func(i, j int) bool { return shared[i].score > shared[j].score })
	out := make([]string, 0, min(len(shared), maxQueryTerms))
	postings := 0
	for _, s := range shared {
		if len(out) == maxQueryTerms {
			break
		}
		// Every ticket a term is in is a row the engine scores: past the budget, a common term
		// costs more time than it adds to the ranking (its weight is small).
		if postings+df[s.term] > maxPostings && len(out) >= minQueryTerms {
			continue
		}
		postings += df[s.term]
		out = append(out, s.term)
	}
	return out
}

// maxPostings bounds the tickets a similarity query's terms are in, together: on a large desk,
// the query keeps its rarer terms (at least minQueryTerms).
const (
	maxPostings   = 3000
	minQueryTerms = 3
)
