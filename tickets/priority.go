package tickets

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// urgencyPhrase is a phrase that says something about a request's urgency, folded.
type urgencyPhrase struct {
	words []string
	text  string // As written here, for the reasons.
}

// phraseSet is a list of phrases, indexed by their first word.
type phraseSet struct {
	list    []urgencyPhrase
	byFirst map[string][]int // Indexes in list, ascending.
}

// phrases folds a list of phrases, once each: two spellings that fold to the same words ("dès
// que possible", "des que possible") are one phrase, so they cannot count twice.
func phrases(list ...string) *phraseSet {
	set := &phraseSet{byFirst: map[string][]int{}}
	seen := map[string]bool{}
	for _, p := range list {
		w := foldedWords(p)
		for i := range w {
			w[i] = stem(w[i])
		}
		if k := strings.Join(w, " "); len(w) > 0 && !seen[k] {
			seen[k] = true
			set.byFirst[w[0]] = append(set.byFirst[w[0]], len(set.list))
			phraseFirsts[w[0]] = true
			set.list = append(set.list, urgencyPhrase{words: w, text: p})
		}
	}
	return set
}

// clauseWords are a clause's folded words and their stems, computed once for every check, and
// where in them a phrase of some set may begin (phraseFirsts): judgePriority looks for a
// dozen sets of phrases, and most words begin none.
type clauseWords struct {
	ws, st []string
	firsts []int
}

// phraseFirsts are the stems every phrase of every set (phrases) begins with.
var phraseFirsts = map[string]bool{}

// The priority is decided by what a request says about its impact, not by how pressing its
// words are. Each list is a kind of evidence; a request has it or not, however many of its
// phrases it uses. Phrases are matched on folded words, within one clause, not after a negation
// ("pas bloquant", "not urgent") nor after a greeting ("Bonjour à tout le monde").
var (
	// critical events stop the business whoever reports them.
	criticalPhrases = phrases("outage", "service interruption", "interruption de service", "panne générale",
		"coupure totale", "total outage", "complete outage", "production is stopped", "production stopped",
		"production is down", "production down", "prod down", "production arrêtée", "production est arrêtée",
		"production est à l'arrêt", "ligne de production", "production line", "ransomware", "rançongiciel",
		"ransom note", "rançon", "piraté", "piratage", "hacked", "compromised", "compromis", "security incident",
		"incident de sécurité", "data loss", "perte de données", "fuite d'eau", "water leak", "water dripping",
		"alarme de température", "temperature alarm", "overheating", "surchauffe", "corrompue", "corrupted",
		"saisi leur mot de passe", "entered their credentials", "entered their password", "cyberattaque",
		"cyberattack", "cyber attack", "cheval de troie", "trojan", "malware", "logiciel malveillant", "virus",
		"power is out", "power outage", "courant est coupé", "coupure de courant", "coupure électrique",
		"perdons toutes les ventes", "losing every sale", "losing sales", "perdons des ventes", "à l'arrêt", "halted",
		"at a standstill", "taken over", "taken it over", "prendre la main dessus", "pris la main sur", "prise de contrôle",
		"fausses factures", "fake invoices", "usurpation")

	// scope: many people, a whole place, or the customers.
	scopePhrases = phrases("toute l'équipe", "tout le service", "tous les utilisateurs", "tout le monde",
		"tout le bâtiment", "tout le site", "tout le siège", "tout l'étage", "toute l'agence", "tout le magasin",
		"tout l'hôpital", "toutes les caisses", "tous les commerciaux", "tous les téléphones", "aucun utilisateur",
		"personne ne peut", "plus personne", "pour tous", "tous nos clients", "les clients ne peuvent",
		"nos clients ne peuvent", "clients ne peuvent", "démo client", "démonstration client",
		"whole team", "entire team", "whole department", "entire department", "whole office", "entire office",
		"whole building", "entire building", "whole site", "entire site", "whole company", "site-wide",
		"company-wide", "all users", "all the users", "all staff", "all the phones", "all clinics", "all our customers",
		"everyone", "everybody", "for everyone", "nobody can", "no one can", "no one in", "none of the",
		"customers cannot", "customers can't", "customer demo", "client demo", "every customer",
		"une dizaine de personnes", "about ten people", "dozens of", "des dizaines", "for every", "pour chaque",
		"l'ensemble des", "l'ensemble du", "l'ensemble de la", "any of our", "all of our", "all our")

	// several: more than one person, fewer than a team.
	severalPhrases = phrases("plusieurs d'entre nous", "plusieurs collègues", "several of us", "several colleagues",
		"two of us", "deux secrétaires", "patients attendent", "patients are waiting")

	// blocking: the person cannot work.
	// Folded, "expiré" and "volé" are also "expire" and "vole" (it expires, I fly) and "expirés" is
	// "expires": the past is said with its auxiliary. "Stuck" is a fault ("paper stuck", "stuck on
	// a screen"), not a person who cannot work.
	blockingPhrases = phrases("bloqué", "bloquée", "bloqués", "bloquant", "blocked", "blocking",
		"je suis dehors", "outside since", "can't work", "cannot work", "unable to work", "can't do anything",
		"ne peux pas travailler", "ne peux plus travailler", "impossible de travailler", "ne peux rien faire",
		"plus rien ne marche", "plus rien ne fonctionne", "nothing works", "nothing saves", "plus rien ne s'enregistre",
		"locked out", "verrouillé", "verrouillée", "account is locked", "expired", "expirée", "expirées", "a expiré", "est expiré", "sont expirés", "ont expiré",
		"expiré depuis",
		"won't turn on", "doesn't power on", "does not power on", "ne s'allume plus", "ne démarre plus",
		"black screen", "écran noir", "reste noir", "stays black", "screen is black", "écran est noir", "white screen", "écran blanc",
		"no longer opens", "ne m'ouvre plus", "lost access", "plus accès", "n'ai accès à aucun", "can't reach any",
		"no longer reach", "access denied", "accès refusé", "can't log in", "cannot log in", "ne peux plus ouvrir",
		"ne peut pas ouvrir de session", "can't send", "ne peux plus envoyer", "stopped getting email",
		"ne reçois plus mes mails", "ne reçois plus de mail", "ne reçois plus aucun", "ne répondent plus", "respond on my", "stolen", "été volé", "été volée", "été volés", "a volé", "ont volé", "fait voler", "dérobé", "dérobée", "screen is cracked",
		"écran est cassé", "en panne", "hors service", "down", "not working at all", "crashes on startup",
		"plante à l'ouverture", "refuse la connexion", "vpn fails", "refuse mon certificat", "rejects my certificate",
		"ne peux pas ouvrir ma session", "ne peux pas me connecter", "ne peux plus me connecter", "ne peux accéder à rien",
		"ne peux rien", "can't sign in", "cannot sign in", "can't log on", "can't get to anything", "can't access anything",
		"n'ai pas pu l'utiliser", "haven't been able to use", "unable to use", "en boucle", "in a loop", "keeps rebooting",
		"refuse l'accès", "me refuse", "denies me access", "denied access", "won't start", "won't boot", "no boot device",
		"can't authenticate", "cannot authenticate", "ne peux plus m'authentifier", "ne peux pas m'authentifier")

	// failure: something is broken, blocking or not.
	failurePhrases = phrases("ne fonctionne plus", "ne marche plus", "ne fonctionne pas", "ne marche pas",
		"ne répond plus", "plante", "crash", "crashes", "erreur", "error", "not working", "doesn't work",
		"stopped working", "stopped", "won't start", "ne se lance plus", "broken", "cassé", "impossible",
		"can't", "cannot", "unable", "n'arrive plus", "refuse", "rejects", "fails", "failing", "failure",
		"échoue", "n'a plus accès", "no longer", "disconnected", "déconnectés", "unavailable", "indisponible",
		"inaccessible", "frozen", "figé", "coupé", "coupure", "perdu", "lost", "jammed", "bourrage", "ne sort plus rien",
		"returns a 500", "erreur 502", "disparu", "is empty", "est vide", "dead", "ne répond pas", "doesn't respond",
		"plus de réseau", "plus d'internet", "sans accès", "without any", "no one can", "nobody can",
		"personne ne peut", "customers cannot", "customers can't", "clients ne peuvent", "doesn't detect",
		"does not detect", "not recognised", "not recognized", "isn't recognised", "isn't recognized",
		"doesn't", "does not", "don't", "won't", "isn't", "didn't", "can no longer", "no sound", "throws",
		"injoignable", "unreachable", "hors ligne", "offline", "no network", "no internet", "no connection",
		"no access", "no wifi", "no wi-fi", "no email", "no phone", "jams", "bourre", "bloque", "stuck")

	// infrastructure: a shared system; when it fails, many are affected.
	infraPhrases = phrases("serveur", "server", "réseau", "network", "internet", "intranet", "extranet", "erp",
		"crm", "messagerie", "exchange", "site web", "website", "base de données", "database", "téléphonie",
		"standard", "lecteur partagé", "lecteur réseau", "shared drive", "file server", "serveur de fichiers")

	// workaround: the requester can go on meanwhile.
	workaroundPhrases = phrases("en attendant", "in the meantime", "meanwhile", "for now", "pour l'instant",
		"je passe par", "i'm using", "i am using", "j'utilise", "je peux travailler", "i can work", "but i can work",
		"ensuite ça va", "fine after that", "works afterwards", "tout fonctionne ensuite", "everything works afterwards",
		"printing is fine", "l'impression fonctionne", "à la place", "instead", "now and then", "de temps en temps",
		"speakers work", "haut-parleurs du pc marchent", "works on my colleague", "fonctionne sur celui", "books my leave",
		"je les ai copiés", "copied them by hand", "c'est gênant mais", "à la main", "manually", "by hand")

	// claims of urgency: they raise a fault, never a plain request.
	claimPhrases = phrases("urgent", "urgente", "urgently", "urgence", "emergency", "critical", "critique",
		"asap", "as soon as possible", "au plus vite", "dès que possible", "au plus tôt", "immediately",
		"immédiatement", "tout de suite", "right away", "time-sensitive", "time sensitive", "high priority",
		"priorité haute", "haute priorité", "résolution immédiate")

	// deadlines: the fault matters today.
	deadlinePhrases = phrases("today", "aujourd'hui", "tonight", "ce soir", "avant ce soir", "before tonight",
		"this afternoon", "cet après-midi", "end of day", "fin de journée", "in an hour", "dans une heure",
		"dernier délai", "due today", "before noon", "avant midi", "demain midi", "before noon tomorrow",
		"avant demain", "by end of day", "trucks leave", "les camions partent", "before the meeting")
)

// calmPhrases say a request can wait; they lower it to low when nothing else raises it.
var calmPhrases = phrases(
	"not urgent", "pas urgent", "pas urgente", "no rush", "no hurry", "rien d'urgent", "nothing urgent",
	"no urgency", "aucune urgence", "sans urgence", "when you have time", "when you have a moment",
	"when you get a chance", "whenever you can", "whenever you have time", "whenever convenient",
	"when you can", "at your convenience", "quand vous aurez le temps", "quand vous aurez un moment",
	"quand vous pourrez", "quand vous voulez", "quand vous passerez", "à votre convenance", "low priority",
	"basse priorité", "priorité basse", "pas pressé", "pas pressée", "rien ne presse", "rien de pressé",
	"ce n'est pas pressé", "par curiosité", "out of curiosity", "suggestion", "pour plus tard", "for later",
	"someday", "un jour", "at my own pace", "tranquillement", "any time", "feel free", "take them whenever",
	"prochain budget", "next budget", "prochain renouvellement", "next refresh", "not before", "pas avant",
	"à l'occasion", "at some point", "peut attendre", "can wait", "sans importance", "unimportant", "not important",
	"pas important", "rien de grave", "nothing serious", "simple question", "just a question", "juste une question",
	"when you have", "whenever you have", "lorsque vous aurez", "quand vous aurez", "l'an prochain",
	"l'année prochaine", "next year", "serait un plus", "would be a plus", "si vous avez le temps", "if you have time",
	"un de ces jours", "one of these days", "pas grave", "not a big deal", "no big deal", "whenever you", "up whenever", "au printemps",
	"in the spring", "cet été", "this summer", "à l'automne", "in the autumn", "in the fall", "cet hiver")

// negations cancel an urgency phrase that follows them in the same clause, past fillers; so do
// greetings ("Hi everyone", "Bonjour à tout le monde").
var negations = map[string]bool{"not": true, "no": true, "isn": true, "aren": true, "wasn": true,
	"never": true, "nothing": true, "pas": true, "non": true, "rien": true, "sans": true, "jamais": true,
	"ni": true, "aucun": true, "aucune": true, "hi": true, "hello": true, "dear": true, "bonjour": true, "salut": true, "bonsoir": true}

var negationFillers = map[string]bool{"very": true, "so": true, "that": true, "really": true, "too": true,
	"t": true, "at": true, "all": true, "super": true, "tres": true, "si": true, "trop": true,
	"vraiment": true, "d": true, "du": true, "tout": true, "encore": true, "a": true}

// matchPhrasesIn reports the phrases found in clauses already split into words, each once: those
// no negation cancels, and (when negatable) those found only negated. Found phrases come clause
// by clause, in the order of the list within a clause.
func matchPhrasesIn(clauses []clauseWords, set *phraseSet, negatable bool) (found, cancelled []urgencyPhrase) {
	var seen, neg map[int]bool
	type hit struct{ k, i int }
	var hits []hit
	for _, c := range clauses {
		hits = hits[:0]
		for _, i := range c.firsts {
			for _, k := range set.byFirst[c.st[i]] {
				if p := set.list[k]; i+len(p.words) <= len(c.st) && equalWords(c.st[i:i+len(p.words)], p.words) {
					hits = append(hits, hit{k, i})
				}
			}
		}
		slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(a.k-b.k, a.i-b.i) })
		for _, h := range hits {
			if seen[h.k] {
				continue
			}
			if negatable && negated(c.ws, h.i) {
				if neg == nil {
					neg = map[int]bool{}
				}
				neg[h.k] = true
				continue
			}
			if seen == nil {
				seen = map[int]bool{}
			}
			seen[h.k] = true
			found = append(found, set.list[h.k])
		}
	}
	if len(neg) == 0 { // Most requests negate nothing: the list is not walked for them.
		return found, cancelled
	}
	for k := range set.list {
		if neg[k] && !seen[k] {
			cancelled = append(cancelled, set.list[k])
		}
	}
	return found, cancelled
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// notDown are the verbs "down" completes without meaning an outage ("slow down", "shut down").
var notDown = map[string]bool{"slow": true, "slows": true, "slowed": true, "scroll": true, "scrolled": true,
	"turn": true, "turned": true, "calm": true, "write": true, "wrote": true, "written": true, "sit": true,
	"put": true, "narrow": true, "step": true, "cut": true, "cutting": true, "count": true, "upside": true,
	"shut": true, "shuts": true, "shutting": true, "scale": true}

// negated reports whether the word at i follows a negation: "not urgent", "pas très urgent",
// "isn't urgent", "rien d'urgent"; or is a "down" that says no outage ("scroll down").
func negated(ws []string, i int) bool {
	if ws[i] == "down" && i > 0 && notDown[ws[i-1]] {
		return true
	}
	for j := i - 1; j >= 0 && i-j <= 3; j-- {
		if negations[ws[j]] {
			return true
		}
		if !negationFillers[ws[j]] {
			return false
		}
	}
	return false
}

// judgePriority sets a request's priority from its words (French and English), its X-Priority or
// Importance header, its sender and its category, and says why. Impact decides, not insistence:
//
//   - urgent: a critical event (outage, service interruption, production stopped, ransomware,
//     security incident, a mailbox taken over, data loss, water leak, power out), or a fault
//     that reaches many people (a team, a site, "tout le …", "l'ensemble des …", "aucun … ne",
//     25 collaborateurs, all users, the customers), or a shared system down with a claim of
//     urgency or a deadline;
//   - high: one person cannot work (blocked, locked out, laptop dead, lost or stolen), a fault
//     with a deadline today, a claim of urgency or several people affected, or a shared system
//     down;
//   - low: the request says it can wait ("pas urgent", "quand vous aurez le temps", "no rush",
//     "when you have a moment") and nothing above applies;
//   - normal otherwise: a plain request stays normal however politely pressed ("rapidement",
//     "dès que possible", "ASAP"), and a fault the requester works around is normal.
//
// Each kind of evidence counts once, however many of its phrases a request uses.
func judgePriority(cfg *Config, req NewTicket, category string) (Priority, []string) {
	w := wordsOfRequest(req.Subject, req.Text)
	return judgePriorityWords(cfg, req, category, &w)
}

// judgePriorityWords is judgePriority of the request's words, wordsOfRequest(req.Subject,
// req.Text).
func judgePriorityWords(cfg *Config, req NewTicket, category string, w *requestWords) (Priority, []string) {
	p, err := ParsePriority(cfg.Priority.Default)
	if err != nil {
		p = PriorityNormal
	}
	var why []string
	raised := false
	raise := func(to Priority, reason string) {
		if to > p {
			p = to
			raised = true
			why = append(why, reason)
		}
	}
	clauses := w.clauses
	has := func(set *phraseSet) []string {
		found, _ := matchPhrasesIn(clauses, set, true)
		var out []string
		for _, f := range found {
			out = append(out, f.text)
		}
		sort.Strings(out)
		return out
	}
	critical, scope, several := has(criticalPhrases), has(scopePhrases), has(severalPhrases)
	blocking, failure, infra := has(blockingPhrases), has(failurePhrases), has(infraPhrases)
	workaround, claim := has(workaroundPhrases), has(claimPhrases)
	deadline := has(deadlinePhrases)
	if t := deadlineTime(clauses); t != "" {
		deadline = append(deadline, t)
	}
	if f := frenchNegatedVerb(clauses); f != "" {
		failure = append(failure, f)
	}
	if n := peopleCount(clauses); n != "" {
		scope = append(scope, n)
	}
	if q := quantifiedScope(clauses); q != "" {
		scope = append(scope, q)
	}
	if l := lostDevice(clauses); l != "" {
		blocking = append(blocking, l)
	}
	fault := len(blocking) > 0 || len(failure) > 0
	sharedDown := len(infra) > 0 && fault
	first := func(l []string) string { return l[0] }

	switch {
	case len(critical) > 0:
		raise(PriorityUrgent, "critical: "+strings.Join(critical, ", "))
	case len(scope) > 0 && fault:
		raise(PriorityUrgent, "many affected: "+first(scope)+", "+first(append(blocking, failure...)))
	case len(workaround) > 0 && fault:
		// The requester goes on meanwhile: the fault is ordinary.
		why = append(why, "workaround: "+first(workaround))
	case sharedDown && (len(claim) > 0 || len(deadline) > 0 || len(several) > 0):
		raise(PriorityUrgent, "shared system down: "+first(infra)+", "+first(append(append(claim, deadline...), several...)))
	case len(blocking) > 0:
		raise(PriorityHigh, "cannot work: "+first(blocking))
	case sharedDown:
		raise(PriorityHigh, "shared system down: "+first(infra)+", "+first(failure))
	case len(failure) > 0 && (len(deadline) > 0 || len(claim) > 0 || len(several) > 0):
		raise(PriorityHigh, "fault with "+first(append(append(deadline, claim...), several...))+": "+first(failure))
	}

	// X-Priority 1–2 or Importance: high; 4–5 or Importance: low.
	switch h := req.HeaderPriority; {
	case h == 1 || h == 2:
		raise(PriorityHigh, fmt.Sprintf("X-Priority %d", h))
	case h == 4 || h == 5:
		if !raised && p > PriorityLow && len(claim) == 0 {
			p = PriorityLow
			why = append(why, fmt.Sprintf("X-Priority %d", h))
		}
	}
	if !raised && p > PriorityLow && len(claim) == 0 {
		calm, _ := matchPhrasesIn(clauses, calmPhrases, false)
		_, cancelled := matchPhrasesIn(clauses, claimPhrases, true)
		for _, ph := range cancelled {
			if strings.HasPrefix(Fold(ph.text), "urgen") {
				calm = append(calm, urgencyPhrase{text: "not " + ph.text})
			}
		}
		if len(calm) > 0 {
			p = PriorityLow
			why = append(why, "can wait: "+calm[0].text)
		}
	}

	if isVIP(cfg.Priority.VIP, req.Requester) {
		raise(PriorityHigh, "VIP sender")
	}
	if c, ok := cfg.Category(category); ok && c.Priority != "" {
		if cp, err := ParsePriority(c.Priority); err == nil {
			raise(cp, "category "+category+" is at least "+cp.String())
		}
	}
	if len(why) == 0 {
		why = []string{"default " + p.String()}
	}
	return p, why
}

// peopleWords are the folded, stemmed nouns that count people.
var peopleWords = map[string]bool{"people": true, "person": true, "personne": true, "user": true,
	"utilisateur": true, "staff": true, "collaborateur": true, "employee": true, "salarie": true, "agent": true,
	"colleague": true, "collegue": true, "operator": true, "operateur": true, "rep": true, "commerciaux": true}

// units are the folded, stemmed words a number counts that are not people or things affected.
var units = map[string]bool{"minute": true, "heure": true, "hour": true, "jour": true, "day": true, "semaine": true,
	"week": true, "moi": true, "mois": true, "month": true, "an": true, "annee": true, "year": true, "seconde": true,
	"second": true, "page": true, "euro": true, "dollar": true, "fois": true, "time": true, "mile": true, "metre": true,
	"degre": true, "degree": true, "file": true, "fichier": true, "mail": true, "message": true, "email": true,
	"tentative": true, "attempt": true, "click": true, "cable": true}

// peopleCount finds a number of at least five people or things affected: "les 25 collaborateurs",
// "around 60 people", "the 40 designers", "400 people are not paid"; not units ("20 minutes").
func peopleCount(clauses []clauseWords) string {
	for _, c := range clauses {
		ws, st := c.ws, c.st
		for i := 0; i+1 < len(ws); i++ {
			if !isNumber(ws[i]) {
				continue // Not strconv's error, a value built for every word.
			}
			n, err := strconv.Atoi(ws[i])
			if err != nil || n < 5 || n > 1000000 {
				continue
			}
			// Five digits and a word are more often a postcode and its town ("75002 Paris",
			// "37000 Tours") than a crowd: they count only with a word that names people.
			postcode := len(ws[i]) == 5
			for j := i + 1; j < len(ws) && j <= i+2; j++ {
				if peopleWords[st[j]] || !postcode && j == i+1 && len(ws[j]) > 3 && strings.HasSuffix(ws[j], "s") && !units[st[j]] {
					return ws[i] + " " + ws[j]
				}
			}
		}
	}
	return ""
}

// notScope are the nouns after "tout le", "every", "all the" that say when or how often, not
// who: "tous les jours", "every morning", "all the time", and greetings' "tout le monde" (kept
// in scopePhrases, where the greeting rule applies).
var notScope = map[string]bool{"jour": true, "journee": true, "temps": true, "matin": true, "soir": true,
	"semaine": true, "moi": true, "mois": true, "annee": true, "an": true, "reste": true, "monde": true,
	"day": true, "morning": true, "evening": true, "night": true, "week": true, "month": true, "year": true,
	"time": true, "so": true, "other": true, "single": false, "now": true, "fois": true, "week-end": true,
	"weekend": true, "my": true, "mes": true, "ses": true, "his": true, "her": true, "of": true, "de": true}

// notGroup are the things "aucun … ne" names that are no group of people or equipment: what a
// person receives, hears, sees or opens ("plus aucun mail ne rentre dans ma boîte", "aucun son ne
// sort"). Folded and stemmed as clauseWords' st.
var notGroup = map[string]bool{"mail": true, "email": true, "e-mail": true, "courriel": true, "messag": true,
	"message": true, "son": true, "imag": true, "image": true, "fichi": true, "fichier": true, "document": true,
	"pag": true, "page": true, "impress": true, "impression": true, "notif": true, "notification": true,
	"sms": true, "text": true, "texte": true, "caracter": true, "caractere": true, "touch": true, "touche": true}

// quantifiedScope finds a whole group named by a quantifier: "tout le pôle", "toute la
// compta", "tous les postes", "l'entrepôt entier", "aucun collaborateur", "the whole unit",
// "the entire warehouse", "every sale", "all the printers", "not a single employee". Words of time
// ("tous les jours", "every morning") and possessives ("all my files") do not count.
func quantifiedScope(clauses []clauseWords) string {
	for _, c := range clauses {
		ws, st := c.ws, c.st
		for i, w := range ws {
			next := func(k int) string {
				if i+k < len(ws) {
					return st[i+k]
				}
				return ""
			}
			var noun string
			switch {
			case (w == "tout" || w == "toute" || w == "tous" || w == "toutes") && (next(1) == "le" || next(1) == "la" || next(1) == "les" || next(1) == "l"):
				noun = next(2)
			case w == "aucun" || w == "aucune":
				// "aucun poste ne sonne" is a group; "je ne peux m'authentifier sur aucune
				// application" is one person.
				for k := 2; k <= 6; k++ {
					if n := next(k); n == "ne" || n == "n" {
						noun = next(1)
					}
				}
			case w == "whole" || w == "entire" || w == "every":
				noun = next(1)
			case w == "all" && next(1) == "the":
				noun = next(2)
			case (w == "entier" || w == "entiere") && i > 0:
				noun = st[i-1]
			case w == "not" && next(1) == "a" && next(2) == "single":
				noun = next(3)
			default:
				continue
			}
			if (w == "aucun" || w == "aucune") && notGroup[noun] {
				continue // "plus aucun mail ne rentre": one mailbox, not a group.
			}
			if noun != "" && !notScope[noun] && !isNumber(noun) {
				return w + " " + noun
			}
		}
	}
	return ""
}

// frenchNegatedVerb finds a French verb in the negative, the usual way to say a thing fails:
// "ne détecte pas", "n'imprime plus", "ne s'ouvre plus". It returns the words, or "".
func frenchNegatedVerb(clauses []clauseWords) string {
	for _, c := range clauses {
		ws := c.ws
		for i, w := range ws {
			if w != "ne" && w != "n" {
				continue
			}
			for k := i - 1; k >= 0 && k >= i-6; k-- {
				if ws[k] == "aucun" || ws[k] == "aucune" {
					// "aucun poste ne sonne", "aucun collaborateur ne peut envoyer".
					return strings.Join(ws[k:min(i+2, len(ws))], " ")
				}
			}
			for j := i + 1; j < len(ws) && j <= i+3; j++ {
				if ws[j] == "pas" || ws[j] == "plus" {
					if i > 0 && (ws[i-1] == "personne" || ws[i-1] == "rien") {
						break // "personne ne …" is scope, "rien ne …" is calm or said elsewhere.
					}
					if j == i+1 {
						break // "n'est plus", "ne plus" without a verb between.
					}
					return strings.Join(ws[i:j+1], " ")
				}
			}
		}
	}
	return ""
}

// devices are the folded, stemmed nouns of the equipment a person works with.
var devices = map[string]bool{"ordinateur": true, "portable": true, "pc": true, "laptop": true, "phone": true,
	"telephone": true, "smartphone": true, "tablette": true, "tablet": true, "computer": true, "badge": true,
	"mobile": true}

// lostDevice finds a device lost, forgotten or stolen: "j'ai oublié mon ordinateur portable dans
// un taxi", "I left my laptop in a cab", "lost my phone". The person cannot work, and the data
// on it is at risk.
func lostDevice(clauses []clauseWords) string {
	for _, c := range clauses {
		ws, st := c.ws, c.st
		for i, w := range ws {
			switch w {
			case "perdu", "oublie", "lost", "left", "vole", "stolen", "forgot":
			default:
				continue
			}
			for j := i + 1; j < len(ws) && j <= i+3; j++ {
				if devices[st[j]] {
					return w + " " + ws[j]
				}
			}
		}
	}
	return ""
}

// deadlineTime finds a time of day the request must be met by: "à 14h", "avant 16h", "at 2pm",
// "by 3pm", "before 11:00". A time after "depuis" or "since" is when the fault began, not a
// deadline.
func deadlineTime(clauses []clauseWords) string {
	for _, c := range clauses {
		ws := c.ws
		for i := 1; i < len(ws); i++ {
			switch ws[i-1] {
			case "a", "avant", "at", "by", "before", "pour":
			default:
				continue
			}
			if isClockTime(ws[i]) {
				return ws[i-1] + " " + ws[i]
			}
		}
	}
	return ""
}

// isClockTime reports whether a folded word is a time of day: "14h", "14h30", "2pm", "11am".
func isClockTime(w string) bool {
	n := 0
	for n < len(w) && n < 2 && w[n] >= '0' && w[n] <= '9' {
		n++
	}
	if n == 0 {
		return false
	}
	rest := w[n:]
	if rest == "pm" || rest == "am" || rest == "h" {
		return true
	}
	if len(rest) == 3 && rest[0] == 'h' && rest[1] >= '0' && rest[1] <= '5' && rest[2] >= '0' && rest[2] <= '9' {
		return true
	}
	return false
}

// isVIP reports whether the sender is listed in [priority] vip, by address or by "@domain".
func isVIP(vips []string, sender string) bool {
	sender = strings.ToLower(sender)
	for _, v := range vips {
		if v == sender || strings.HasPrefix(v, "@") && strings.HasSuffix(sender, v) {
			return true
		}
	}
	return false
}
