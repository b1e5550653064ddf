package mailin

import (
	"bytes"
	"regexp"
	"strings"
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
var ackStartRe = regexp.MustCompile(`(?i)(?:` +
	`\bautomated (?:response|reply|message|acknowledge?ment|notification|e-?mail)|` +
	`\bautomatic(?:ally generated)? (?:response|reply|message|acknowledge?ment|notification)|` +
	`\b(?:message|e-?mail|request|enquiry|inquiry) (?:has been|was|is) (?:successfully )?received|` +
	`\bwe (?:have )?received your (?:message|e-?mail|request|enquiry|inquiry)|` +
	`\b(?:ticket|case|request|incident) (?:number |n°|#)?\S* ?(?:has been|was) (?:created|opened|logged|registered)|` +
	`\br[ée]ponse automatique|\bmessage (?:automatique|g[ée]n[ée]r[ée] automatiquement)|\baccus[ée] de r[ée]ception|` +
	`\b(?:message|mail|courriel|e-mail|demande) (?:a (?:bien )?[ée]t[ée]|est bien) (?:bien )?re[çc]u|` +
	`\bnous avons (?:bien )?re[çc]u votre (?:message|mail|courriel|e-mail|demande)|` +
	`\b(?:ticket|dossier|demande|incident) (?:n°|num[ée]ro |#)?\S* ?a [ée]t[ée] (?:cr[ée][ée]|ouvert|enregistr[ée])` +
	`)`)

// ackMarkerRe is what makes a new mail's acknowledgement surely a machine's: it says so, or it
// says both that the mail was received and that a ticket was made of it (ackReceivedRe,
// ackTicketRe).
var (
	ackMarkerRe = regexp.MustCompile(`(?i)\bautomat(?:ed|ic|ique|iquement)\b|\bdo not reply\b|\bdon['’]t reply\b|` +
		`\bne (?:pas|rien) (?:y )?r[ée]pondre\b|\bno-?reply\b`)
	ackReceivedRe = regexp.MustCompile(`(?i)\breceived\b|\bre[çc]u`)
	ackTicketRe   = regexp.MustCompile(`(?i)\b(?:ticket|case|dossier)\b`)
)

// ackClauseRe is what the rest of an acknowledgement says, clause by clause: thanks, that an
// answer comes (and when), not to reply, a reference, a polite close. Single words would not do:
// "ne répond toujours pas" is a person's problem, not a notice.
var ackClauseRe = regexp.MustCompile(`(?i)(?:^(?:thank|many thanks|merci)|` +
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
	top := head(text, maxNotice)
	if !mayAcknowledge(top) || !ackStartRe.MatchString(top) {
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

// mayAcknowledge reports whether a text has one of ackStems, its ASCII letters folded (an
// uppercase "É" is rare in these words): 1-2 µs, where ackStartRe takes tens on a text without a
// statement and strings.ToLower, which decodes every rune, ten.
func mayAcknowledge(s string) bool {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	for _, w := range ackStems {
		if bytes.Contains(b, []byte(w)) {
			return true
		}
	}
	return false
}
