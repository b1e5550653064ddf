package tickets

import (
	"regexp"
	"strings"
)

// A requester who answers a resolution with "Merci beaucoup !" says the ticket is done, not that
// it is not: such a reply is recorded on the ticket and reopens nothing. Anything that may be
// more than thanks reopens, as every other reply does: the rule errs on the side of reopening.

// maxThanks is the longest text, in characters once quotes and signature are cut, that can be
// only thanks.
const maxThanks = 200

// thanksRE finds a word of thanks, in folded text (lower-case, no accents).
var thanksRE = regexp.MustCompile(`\b(merci|remercie\w*|remerciements?|thanks?|thankyou|thx|ty|cheers|appreciated?|grateful|reconnaissante?)\b`)

// fineAgainRE finds the words of a reply that says all is well again, in folded text, which
// moreRE would take for a problem: "works again", "ça fonctionne à nouveau", "de nouveau OK",
// "thanks again", "encore merci", "no more issues", "plus de souci", "problème résolu", "vous
// pouvez fermer", "no need to reply". OnlyThanks reads the text without them.
var fineAgainRE = regexp.MustCompile(`\b(?:` +
	`((?:works?|working|worked|runs?|running|(?:re)?fonctionne\w*|(?:re)?marche\w*|(?:re)?connecte\w*|ok|up|online|en ligne|operationnel\w*|fonctionnel\w*|good|fine|normal)` +
	`(?: (?:now|fine|perfectly|properly|correctement|normalement|bien|maintenant))?) (?:again|a nouveau|de nouveau)|` +
	`(?:again|a nouveau|de nouveau) (ok|operationnel\w*|fonctionnel\w*|up|online|en ligne)|` +
	`((?:thanks?|thank you|merci)(?: \w+)?) (?:again|encore)|(?:again|encore) (thanks?|thank you|merci)|` +
	`(?:no more|no|plus de|plus aucun|pas de|aucun) (?:more )?(?:problems?|issues?|worries|soucis?|problemes?)(?: \w+)?|` +
	// "problème résolu", "my issue is fixed", "le souci a été réglé": solved, said of the problem.
	`(?:(?:le|mon|ce|notre|votre|the|my|our|this) )?(?:problemes?|soucis?|incidents?|problems?|issues?)(?: (?:est|sont|a ete|ont ete|is|was|are|has been|have been))? ` +
	`(?:resolue?s?|reglee?s?|reparee?s?|corrigee?s?|solved|resolved|fixed|sorted)|` +
	// "vous pouvez fermer", "you can close the ticket": leave to close, not a request to do more.
	`(?:vous pouvez|tu peux|you can|you may|feel free to|please)(?: (?:le|la|l'|it))? (?:fermer|clore|cloturer|close)` +
	`(?: (?:le|la|l'|the|this|ce|cette|it)(?: (?:ticket|demande|request|incident|case|dossier))?)?|` +
	// "no need to reply", "pas besoin de répondre".
	`(?:no need to (?:reply|answer|respond)|pas besoin de (?:me |nous )?(?:repondre|reponse))` +
	`)\b`)

// moreRE finds what makes a reply more than thanks, in folded text: a negation or a "but", a
// problem, a request or another question, in French or English. "Merci, mais ça ne marche
// toujours pas" and "Thanks, can you also look at my printer" reopen.
var moreRE = regexp.MustCompile(`\b(` +
	// French: negations, "but", still/again, problems, requests, another thing.
	`ne|n'|pas|plus|jamais|rien|aucune?|mais|cependant|pourtant|sauf|toujours|encore|` +
	`probleme\w*|soucis?|erreurs?|bug\w*|beug\w*|plant\w*|panne|bloque\w*|impossible|revien\w*|recommence\w*|` +
	`questions?|autres?|aussi|egalement|pouvez|pourriez|pourrais|peux-tu|svp|s'il|besoin|urgent\w*|` +
	// English.
	`not|no|\w+n't|cannot|still|again|but|however|although|though|yet|except|` +
	`problems?|issues?|errors?|bugs?|fail\w*|broken|crash\w*|wrong|stuck|unable|stopp\w*|` +
	`questions?|another|also|please|can you|could you|would you|need\w*|urgent\w*` +
	`)\b`)

// originalRE matches the first header line of a message quoted below a reply by Outlook.
var originalRE = regexp.MustCompile(`^(de|from|envoye|sent)\s?:\s`)

// OnlyThanks reports whether a requester's reply says thanks and nothing more: a thanks word; no
// question mark; no negation, problem or request word; under 200 characters once the quoted
// history and the signature are cut. names are the sender's names: a line with one of them
// starts the signature.
func OnlyThanks(text string, names ...string) bool {
	body := thanksBody(text, names)
	if body == "" || len([]rune(body)) > maxThanks || strings.ContainsAny(body, "?¿？") {
		return false
	}
	f := strings.NewReplacer("’", "'", "‘", "'").Replace(Fold(body))
	f = fineAgainRE.ReplaceAllString(f, " $1$2$3$4 ")
	return thanksRE.MatchString(f) && !moreRE.MatchString(f)
}

// thanksBody is the text a requester wrote, without what a mail client or the requester adds
// around it: quoted lines and their attribution, the signature (after "-- ", from a line with
// the sender's name, after a closing line such as "Cordialement"), a phone's "Sent from my".
func thanksBody(text string, names []string) string {
	var lines []string
	content := false
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		l := strings.TrimSpace(line)
		f := strings.TrimSpace(Fold(l))
		if l == "--" || strings.HasPrefix(l, "-----") || strings.HasPrefix(l, "____") || isMobileLine(l) ||
			(content && originalRE.MatchString(f)) {
			break // A signature, or an original message below.
		}
		if strings.HasPrefix(l, ">") || (attributionRE.MatchString(l) && len(l) < 200) {
			continue
		}
		if content && isName(f, names) {
			break
		}
		if l != "" {
			lines = append(lines, l)
		}
		// A closing line ends the text, but not the first line: "Merci beaucoup !" is the text.
		if content && signOffRE.MatchString(f) && !thanksRE.MatchString(f) {
			break
		}
		content = content || l != ""
	}
	return strings.Join(lines, "\n")
}

// isName reports whether a folded line is one of the sender's names (full, or first name).
func isName(f string, names []string) bool {
	f = strings.Trim(f, " ,.-")
	for _, n := range names {
		n = strings.TrimSpace(Fold(n))
		if n == "" || strings.Contains(n, "@") {
			continue
		}
		if f == n || f == strings.Fields(n)[0] {
			return true
		}
	}
	return false
}

// RequesterReply records a reply of the requester or a watcher on their ticket, by mail or from their
// page: a reply that only thanks for a resolution (OnlyThanks) is recorded and changes nothing,
// nobody is paged; any other is a Message, which reopens. fromName is the name the reply came
// with ("" for the desk's record of the sender). thanked says which it was.
func (t *Tx) RequesterReply(tk *Ticket, text, from, fromName, messageID string) (thanked bool, err error) {
	if fromName == "" {
		fromName = t.nameOf(from)
	}
	if tk.Status == StatusResolved && OnlyThanks(text, fromName, tk.RequesterName) {
		return true, t.event(tk, EventMessage, from, true, text, messageID)
	}
	return false, t.Message(tk, text, from, messageID)
}
