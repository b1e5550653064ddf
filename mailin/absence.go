package mailin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Out-of-office notices sent by client-side rules (Outlook's "reply using a specific template",
// Thunderbird's "Reply with template", some webmail responders) answer a mail with an ordinary
// "RE:" subject and none of the headers of RFC 3834: only their text says what they are. Such a
// reply is judged automatic when its new text is the notice and nothing else: a first-person
// statement of absence ("I am out of the office until …", "Je suis absente du bureau jusqu'au …")
// that says when it ends or that it is a leave, with around it only what notices say (whom to contact, when they come back, how mail is read),
// a greeting and a signature. A person who mentions an absence among a request of their own
// ("I'll be out of office tomorrow, can you fix it before?") writes something else too.

// absenceStartRe finds a first-person statement of absence.
var absenceStartRe = lazyCompile(`(?i)(?:^|[^\pL'])(?:` +
	`(?:i am|i['’]m|i will be|i['’]ll be|i shall be)\s+(?:(?:currently|presently|now|temporarily)\s+)?` +
	`(?:out of (?:the )?office|ooo\b|away(?: from (?:the |my )?(?:office|desk))?|on (?:annual |parental |sick |maternity )?(?:vacation|holiday|leave)|off work|travell?ing|absent)|` +
	`(?:je suis|je serai)\s+(?:(?:actuellement|absent|présentement|en ce moment)\s+)?` +
	`(?:absente?|absent\(e\)|en (?:congés?|vacances|déplacement|formation|arrêt)|hors du bureau|pas au bureau|loin du bureau)|` +
	`ich bin\s+(?:(?:derzeit|zurzeit|momentan|aktuell|bis)\s+)?(?:\S+\s+){0,3}?(?:nicht im büro|außer haus|abwesend|im urlaub)|` +
	`(?:estoy|estaré)\s+(?:(?:actualmente|ahora)\s+)?(?:fuera de la oficina|de vacaciones|ausente)` +
	`)`)

// absenceOpenings are the words that open absenceStartRe's statements, in lower case.
var absenceOpenings = []string{"i am", "i'm", "i’m", "i will be", "i'll be", "i’ll be", "i shall be",
	"je suis", "je serai", "ich bin", "estoy", "estaré"}

// mayStateAbsence reports whether a text has one of absenceOpenings: absenceStartRe, with its
// alternatives, case folding and word boundary, took some 70 µs on the top of a reply without
// one; this search takes a few.
func mayStateAbsence(s string) bool {
	l := strings.ToLower(s)
	for _, w := range absenceOpenings {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// noticeWordRe finds what the rest of a notice speaks of: urgency and whom to contact, the
// return, reading and forwarding of mail, thanks for the message, a polite close.
var noticeWordRe = lazyCompile(`(?i)(?:urgen|emergenc|contact|reach|call|phone|mobile|` +
	`return|back|reply|respond|answer|access|e-?mails?\b|messages?\b|inbox|forward|` +
	`delay|regards|thank|colleague|in my absence|` +
	`urgence|urgent|contacte|joindre|appele|retour|revien|répond|réponse|traite|accès|courriel|transmis|` +
	`jusqu|cordialement|salutations|merci|absence|collègue|` +
	`dringend|kontakt|wenden|erreich|zurück|antwort|beantwort|zugriff|nachricht|weitergeleitet|ab dem|grüß|gruß|danke|vertretung|` +
	`urgente|contacte|regres|respond|acceso|mensaje|correo|reenv|saludos|gracias|hasta)`)

// returnRe finds when the absence ends, or that it is a leave: notices say it, a person away
// from their desk for the day does not ("I'm away from my desk today, please call me").
var returnRe = lazyCompile(`(?i)(?:until|till|through|return|back (?:on|in|at|from)|\bfrom \d|` +
	`vacation|holiday|leave\b|jusqu|retour|reviens|reviendrai|à partir d|congé|vacances|` +
	`\bbis\b|zurück|urlaub|\bab dem\b|hasta|regres|vacaciones)`)

// greetingLineRe is a line of greeting alone: "Hello,", "Bonjour Madame,", "Guten Tag".
var greetingLineRe = lazyCompile(`(?i)^(?:hello|hi|dear|good (?:morning|afternoon|day)|bonjour|bonsoir|madame|monsieur|` +
	`hallo|guten tag|sehr geehrte|hola|buenos días|buenas tardes)\b[^.!?]{0,40}[,!.]?$`)

// maxNotice is the longest new text taken for a notice: they are a few lines.
const maxNotice = 1200

// absenceNotice reports whether the new text of a reply is an out-of-office notice and nothing
// else. text is the mail's text with its quoted history; only its beginning is read.
func absenceNotice(text string) bool {
	top := head(text, maxNotice)
	if !mayStateAbsence(top) || !absenceStartRe.MatchString(top) {
		return false // most replies: no statement of absence at their top
	}
	v := VisibleText(text)
	if len(v) > maxNotice || strings.ContainsRune(v, '?') || !returnRe.MatchString(v) {
		return false
	}
	return onlyNotice(v, absenceStartRe.MatchString, noticeWordRe.MatchString)
}

// onlyNotice reports whether a text says only what a notice says: clause by clause, its statement
// (start, at least once), what else such notices say (around), a greeting line or a line of a
// signature. Anything else is a person's.
func onlyNotice(v string, start, around func(string) bool) bool {
	seen := false
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || greetingLineRe.MatchString(line) {
			continue
		}
		for _, clause := range splitClauses(line) {
			switch {
			case start(clause):
				seen = true
			case around(clause):
			case signatureLine(clause):
			default:
				return false // something a notice does not say
			}
		}
	}
	return seen
}

// conjunctionRe joins two clauses: "I am away until Monday but the printer is still down".
var conjunctionRe = lazyCompile(`(?i)\s(?:but|and|however|mais|et|cependant|aber|und|pero|y)\s`)

// sentenceEndRe ends a sentence: a full stop and a space, not after a digit ("bis zum 7. Dezember").
var sentenceEndRe = lazyCompile(`[^\d\s]\.\s`)

// sentences cuts a text after each full stop that ends a sentence.
func sentences(s string) []string {
	var out []string
	start := 0
	for _, loc := range sentenceEndRe.FindAllStringIndex(s, -1) {
		out = append(out, s[start:loc[1]-1]) // up to the full stop; \s is one byte
		start = loc[1]
	}
	return append(out, s[start:])
}

// splitClauses cuts a line at the ends of sentences, at commas and semicolons, and at
// conjunctions.
func splitClauses(line string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == '!' || r == '…' }) {
		for _, s := range sentences(c) {
			for _, p := range conjunctionRe.Split(s, -1) {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// signatureLine reports whether a clause reads as a line of a signature: a name, a title, a
// telephone number or an address, each word capitalised or not a word ("Marc Petit",
// "Head of Finance", "+33 1 23 45 67 89").
func signatureLine(clause string) bool {
	words := strings.Fields(clause)
	if len(words) > 5 {
		return false
	}
	for _, w := range words {
		switch strings.ToLower(w) {
		case "of", "and", "de", "du", "des", "la", "le", "et", "&", "-", "|", "von", "und", "y":
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}
