package tickets

import (
	"regexp"
	"strings"
)

// A ticket's subject is the request's subject, once the reply prefixes, the desk's tag and the
// desk's own wording ("Demande résolue : …", CleanSubject) are removed. When nothing is left,
// or when it is only the subject of the closed ticket the mail answers, the subject is the first
// line of substance of the text: not the salutation that opens most mails ("Bonjour,", "Hello
// Bob,", "Madame, Monsieur,").

// salutationRE matches a salutation at the start of a line, with what follows it up to a
// comma, a colon or the end of the line: "Bonjour,", "Hello Bob,", "Hi team,", "Dear all,",
// "Bonjour à tous,", "Madame, Monsieur,", "Guten Tag Frau Müller,".
var salutationRE = regexp.MustCompile(`(?i)^(?:` +
	`(?:hello|hi|hey|dear|good (?:morning|afternoon|evening|day)|greetings|` +
	`bonjour|bonsoir|salut|coucou|cher|chère|chers|chères|madame|monsieur|mesdames|messieurs|` +
	`hallo|guten (?:morgen|tag|abend)|sehr geehrte[rs]?|liebe[rs]?|hola|buenos días|buenas tardes|estimad[oa]s?)` +
	`(?:[\s\p{Z}]*\.|(?:[\s\p{Z}]+[^\s,:;.!?]+){0,3}?[\s\p{Z}]*(?:[,:;!]+|$))[\s\p{Z}]*` +
	`)+`)

// textSubject is the first line of substance of a text, cut at n characters: the first line
// that is not blank, without a salutation that opens it. A text of salutations only gives its
// first line.
func textSubject(text string, n int) string {
	if s := substanceLine(text, n); s != "" {
		return s
	}
	return firstLine(text, n)
}

// substanceLine is textSubject, "" when the text has no line of substance.
func substanceLine(text string, n int) string {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if rest := strings.TrimSpace(salutationRE.ReplaceAllString(line, "")); rest != "" && !strings.HasPrefix(line, ">") {
			return firstLine(rest, n)
		}
	}
	return ""
}

// followUpSubject is the subject of a new request written as a reply to a closed ticket's mail
// by one of its participants, whose subject, once cleaned, is the old ticket's: the first line
// of substance of its text, which says what comes back or what else is wrong ("Le VPN a de
// nouveau coupé ce matin", "Autre chose : mon écran externe ne s'allume plus"), never the
// "Bonjour," above it; the old ticket's subject when the text has none.
func followUpSubject(old, text string) string {
	if s := substanceLine(text, 80); s != "" {
		return s
	}
	return strings.TrimSpace(old)
}
