package mailin

import (
	"strings"
	"unicode/utf8"
)

// Acknowledgements of receipt sent by responders that set no header of RFC 3834: an Exchange
// inbox rule's "reply using a specific message", a vendor's ticket system that answers every
// mail with a new one ("Your message has been received and ticket ACME-4568 has been created"),
// a shared mailbox's "This is an automated response". As for absence notices (absence.go), such
// a mail is judged automatic when its new text is the acknowledgement and nothing else: a
// statement that the mail was received or is answered automatically, and around it only what
// these notices say (thanks, when an answer comes, not to reply), a greeting and a signature. A
// person who says they got a message writes something else too, or asks.

// ackStartRe finds the statement: the mail was received, a ticket was made of it, or this is an
// automated answer.
var ackStartRe = lazyCompile(`(?i)(?:` + ackStartExpr + `)`)

// ackStartExpr is ackStartRe's alternatives.
const ackStartExpr = `` +
	`\bautomated (?:response|reply|message|acknowledge?ment|notification|e-?mail)|` +
	`\bautomatic(?:ally generated)? (?:response|reply|message|acknowledge?ment|notification)|` +
	`\b(?:message|e-?mail|request|enquiry|inquiry) (?:has been|was|is) (?:successfully )?received|` +
	`\bwe (?:have )?received your (?:message|e-?mail|request|enquiry|inquiry)|` +
	`\b(?:ticket|case|request|incident) (?:number |n°|#)?\S* ?(?:has been|was) (?:created|opened|logged|registered)|` +
	`\br[ée]ponse automatique|\bmessage (?:automatique|g[ée]n[ée]r[ée] automatiquement)|\baccus[ée] de r[ée]ception|` +
	`\b(?:message|mail|courriel|e-mail|demande) (?:a (?:bien )?[ée]t[ée]|est bien) (?:bien )?re[çc]u|` +
	`\bnous avons (?:bien )?re[çc]u votre (?:message|mail|courriel|e-mail|demande)|` +
	`\b(?:ticket|dossier|demande|incident) (?:n°|num[ée]ro |#)?\S* ?a [ée]t[ée] (?:cr[ée][ée]|ouvert|enregistr[ée])`

// ackMarkerRe is what makes a new mail's acknowledgement surely a machine's: it says so, or it
// says both that the mail was received and that a ticket was made of it (ackReceivedRe,
// ackTicketRe).
var (
	ackMarkerRe = lazyCompile(`(?i)\bautomat(?:ed|ic|ique|iquement)\b|\bdo not reply\b|\bdon['’]t reply\b|` +
		`\bne (?:pas|rien) (?:y )?r[ée]pondre\b|\bno-?reply\b`)
	ackReceivedRe = lazyCompile(`(?i)\breceived\b|\bre[çc]u`)
	ackTicketRe   = lazyCompile(`(?i)\b(?:ticket|case|dossier)\b`)
)

// ackClauseRe is what the rest of an acknowledgement says, clause by clause: thanks, that an
// answer comes (and when), not to reply, a reference, a polite close. Single words would not do:
// "ne répond toujours pas" is a person's problem, not a notice.
var ackClauseRe = lazyCompile(`(?i)(?:^(?:thank|many thanks|merci)|` +
	`\b(?:will|shall|'ll|’ll) (?:respond|reply|answer|get back|be in touch|contact|review|process|handle)|` +
	`\bas soon as (?:possible|we can)|\bwithin (?:\d+|one|two|a few|the next)\b|\b(?:high|large) volume\b|` +
	`\b(?:reference|ticket|case) (?:number|n°|#)|^(?:kind |best |warm )?regards\b|^sincerely\b|` +
	`\b(?:sera|seront|serons) (?:trait|[ée]tudi|pris)|\bvous (?:r[ée]pondr|recontacter|contacter)|` +
	`\b(?:r[ée]pondrons|reviendrons|recontacterons|traiterons)\b|\bdans les (?:meilleurs|plus brefs) d[ée]lais|` +
	`\bsous (?:\d+|quelques|deux|trois) (?:heures?|jours?)|\b(?:num[ée]ro|r[ée]f[ée]rence) (?:de |du )?(?:ticket|dossier|demande)|` +
	`^(?:bien )?cordialement\b|^(?:sinc[èe]res )?salutations\b|^bonne (?:journ[ée]e|soir[ée]e)\b|` +
	// The end of "ne pas y répondre": splitClauses cuts at "y", a Spanish conjunction.
	`^r[ée]pondre\b|\bne pas$)`)

// ackNotice reports whether the new text of a mail is an acknowledgement of receipt and nothing
// else. text is the mail's text with any quoted history; only its beginning is read. A new mail
// (inReply false) needs ackMarkerRe's certainty as well.
func ackNotice(text string, inReply bool) bool {
	if !ackStatement(head(text, maxNotice)) {
		return false
	}
	v := VisibleText(text)
	if len(v) > maxNotice || strings.ContainsRune(v, '?') {
		return false
	}
	if !inReply && !ackMarkerRe.MatchString(v) && !(ackReceivedRe.MatchString(v) && ackTicketRe.MatchString(v)) {
		return false
	}
	return onlyNotice(v, ackStartRe.MatchString, func(c string) bool { return ackClauseRe.MatchString(c) || ackMarkerRe.MatchString(c) })
}

// ackStems are words one of which every ackStartRe statement holds, in lower case.
var ackStems = []string{"automat", "receiv", "reçu", "recu", "creat", "créé", "cree", "open", "ouvert", "logged",
	"register", "enregistr", "accus"}

// ackFoldedLetters are the characters other than ASCII that a statement's word of ackStems may be
// written with under ackStartRe's (?i) where mayAcknowledge does not see the stem: the accented
// letters of the expression in both cases, the Kelvin sign (k) and the long s (ſ).
var ackFoldedLetters = []string{"é", "É", "ç", "Ç", "\u212a", "ſ"}

// ackStatement reports what mayAcknowledge(top) && ackStartRe.MatchString(top) report, with the
// expression run on the lines that may hold a statement only. No alternative of ackStartRe
// crosses a line (its spaces are literal, \S stops at the line's end, and it has no anchor),
// and a line without a stem of ackStems (its ASCII letters folded) nor a letter of
// ackFoldedLetters cannot match: the expression's automaton read every byte of the 1,200 of a
// notice's head, 600,000 instructions on a mail with a stem, where its lines cost a tenth.
//
// The stems are looked for in one pass (nextStem), again only past a line that holds one: the
// thirteen searches of the head, and again of each line, were 12,800 of a generated mail's
// 272,700 instructions (BenchmarkParseGenerated).
func ackStatement(top string) bool {
	if len(top) > maxNotice {
		return mayAcknowledge(top) && ackStartRe.MatchString(top)
	}
	stem := nextStem(top, 0)
	if stem == len(top) {
		return false
	}
	for start := 0; start < len(top); {
		end := len(top)
		if n := strings.IndexByte(top[start:], '\n'); n >= 0 {
			end = start + n + 1
		}
		if stem < start {
			stem = nextStem(top, start)
		}
		// A line holds a stem when one begins in it: no stem holds a "\n" to run past its end.
		line := top[start:end]
		if (stem < end || hasFoldedLetter(line)) && ackStartsIn(line) {
			return true
		}
		start = end
	}
	return false
}

// nextStem returns where the first word of ackStems in s at or after from begins, its ASCII
// letters folded, len(s) when there is none. A byte that begins no stem (stemSecond) is passed
// over, and so is one whose next byte, folded, is no second letter of a stem beginning with it.
func nextStem(s string, from int) int {
	for i := from; i+1 < len(s); i++ {
		m := stemSecond[s[i]]
		if m == 0 {
			continue
		}
		// c is s[i+1] folded when that is an ASCII letter, else out of a-z (a byte past ASCII
		// has its top bit set).
		if c := s[i+1] | 0x20; c < 'a' || c > 'z' || m&(1<<(c-'a')) == 0 {
			continue
		}
		for _, w := range ackStems {
			if hasStemAt(s[i:], w) {
				return i
			}
		}
	}
	return len(s)
}

// stemSecond is, for each byte a word of ackStems begins with (either ASCII case), the set of
// the second letters of those words, bit c-'a' for letter c.
var stemSecond = func() (t [256]uint32) {
	for _, w := range ackStems {
		t[w[0]] |= 1 << (w[1] - 'a')
		t[w[0]-'a'+'A'] |= 1 << (w[1] - 'a')
	}
	return t
}()

// hasStemAt reports whether s begins with w, a word of ackStems, the ASCII letters of s
// folded.
func hasStemAt(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		if asciiLower(s[j]) != w[j] {
			return false
		}
	}
	return true
}

// ackStartsIn is ackStartRe.MatchString(line), the expression tried at the words that may open
// a statement only, anchored there (ackStartAt): each alternative opens with \b and an ASCII
// letter of ackStartAt.first, and (?i) folds none of these letters to another character, so
// a match begins where such a letter follows no ASCII letter, digit or "_" (\b is ASCII in Go).
// The unanchored expression's automaton took about 700 instructions a byte of the line.
func ackStartsIn(line string) bool {
	at := ackStartAt.compiled()
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c >= utf8.RuneSelf || !at.first[c] || i > 0 && isWordByte(line[i-1]) {
			continue
		}
		if at.re.MatchString(line[i:]) {
			return true
		}
	}
	return false
}

// ackStartAt is ackStartRe anchored at the start of the text.
var ackStartAt = mustAnchored(`(?i)^(?:` + ackStartExpr + `)`)

// isWordByte reports whether c is a word character of \b: an ASCII letter, digit or "_".
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// hasFoldedLetter reports whether a line holds a letter of ackFoldedLetters.
func hasFoldedLetter(line string) bool {
	if !hasNonASCII(line) {
		return false
	}
	for _, l := range ackFoldedLetters {
		if strings.Contains(line, l) {
			return true
		}
	}
	return false
}

// hasNonASCII reports whether s holds a byte other than ASCII.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// mayAcknowledge reports whether a text has one of ackStems, its ASCII letters folded (an
// uppercase "É" is rare in these words): 1-2 µs, where ackStartRe takes tens on a text without a
// statement and strings.ToLower, which decodes every rune, ten.
func mayAcknowledge(s string) bool {
	return nextStem(s, 0) < len(s)
}

// lowerASCII writes s into dst, which must hold it, with its ASCII letters in lower case, and
// returns that part of dst.
func lowerASCII(dst []byte, s string) []byte {
	dst = dst[:len(s)]
	for i := 0; i < len(s); i++ {
		dst[i] = asciiLower(s[i])
	}
	return dst
}
