package tickets

import (
	"regexp"
	"strings"
	"unicode"
)

// A meeting answer, cancellation or counter-proposal may carry words of its sender: Outlook's
// "Edit the response before sending" ("Accepté : … — mon PC ne démarre plus du tout, apportez un
// portable de prêt"), Google Calendar's note, an organiser's reason for cancelling. They are the
// sender's message, kept on the ticket as a reply would be (meetingWords). Around them the
// clients write text of their own, which is no one's message: Gmail the answer ("Marc Petit has
// accepted this invitation."), the event's summary, date and zone, its join links and "Invitation
// from Google Calendar" with its footer; Outlook a Teams block and, below a separator, the
// original appointment; Apple Mail its one sentence. MeetingWords keeps what is left once the
// client's text is taken out, and falls back on the part's own COMMENT (Outlook) or note (Google).

// meetingClientLine matches a line a calendar client writes about the answer, the event or its
// invitation, lower-case, in English and French.
var meetingClientLine = regexp.MustCompile(`^(` +
	// The answer, as Gmail, Apple Mail and Outlook on the web say it.
	`(accepted|declined|tentative|canceled|cancelled|accepté|refusé|provisoire|annulé)\s*:.*|` +
	`.*\b(has|have) (accepted|declined|tentatively accepted|replied|proposed|canceled|cancelled|updated)\b.*\b(invitation|event|meeting|time)\b.*|` +
	// (Go's \b knows ASCII letters only: French words are bounded by spaces.)
	`.* (a|ont) (accepté|refusé|répondu|proposé|annulé|modifié) .*(invitation|événement|réunion|horaire).*|` +
	`.*\bhas (accepted|declined|tentatively accepted) your invitation.*|` +
	`this event has been (canceled|cancelled|updated|changed).*|cet événement a été (annulé|modifié).*|` +
	`(you have|you've) been invited.*|vous avez été invité.*|` +
	`.*\b(and added a note|and says|a ajouté une note|et a ajouté une note)\s*:?|` +
	// The event, as Gmail and Outlook summarise it.
	`(when|where|quand|où|lieu|date|heure|organizer|organiser|organisateur|organisatrice|guests|invités|participants|attendees|calendar|agenda|joining info|informations de connexion|meeting link|lien de la réunion)\s*:.*|` +
	`(organizer|organiser|organisateur|organisatrice|guests|invités|participants|attendees)|` +
	`.*⋅.*|` +
	`.*\b(view all guest info|afficher toutes les informations sur les invités|reply for|répondre pour|more options|plus d'options|rsvp)\b.*|` +
	`.*\b(join with google meet|participer avec google meet|rejoindre avec google meet|join by phone|rejoindre par téléphone|participer par téléphone|more phone numbers|autres numéros de téléphone)\b.*|` +
	`.*\b(meeting id|id de réunion|passcode|code secret|code d'accès|pin)\s*:.*|` +
	`.*\b(microsoft teams meeting|réunion microsoft teams|join the meeting now|rejoindre la réunion maintenant|click here to join the meeting|cliquez ici pour rejoindre la réunion|join on your computer|rejoindre sur votre ordinateur|download teams|télécharger teams|join on the web|rejoindre sur le web|meeting options|options de réunion|zoom meeting|réunion zoom)\b.*|` +
	`(learn more|en savoir plus|meeting options|options de réunion|help|aide)( \| .*)?|` +
	// A zone as Gmail names it under the date: "Central European Time - Paris", "Heure normale d'Europe centrale - Paris".
	`[a-zà-ÿ ]*\btime - [a-zà-ÿ/_ -]+|(heure normale|heure d’été|heure d'été|temps universel)[^.!?]* - [a-zà-ÿ/_ -]+|` +
	`\(utc[+-−]?[0-9:.]*\).*|\(gmt[+-−]?[0-9:.]*\).*` +
	`)$`)

// meetingFooter matches the first line of what a client writes below the event, to the end of
// its text: Google's footer, Outlook's original appointment, a Teams block's rule.
var meetingFooter = regexp.MustCompile(`^(invitation from google calendar|invitation de google agenda|` +
	`you are receiving this (email|e-mail|courtesy email)|vous recevez (cet e-mail|cet email|ce message)|` +
	`forwarding this invitation|le transfert de cette invitation|` +
	`-+ *(original appointment|rendez-vous d'origine|rendez-vous d’origine|original message|message d'origine) *-+|` +
	`_{10,}|` +
	`(invitation from|invitation de)[^:]*$)`)

// meetingHeading matches a heading Gmail writes above a block of the event (its organiser, its
// guests, how to join): the block, to its blank line, is Gmail's.
var meetingHeading = regexp.MustCompile(`^(organizer|organiser|organisateur|organisatrice|guests|invités|participants|attendees|` +
	`joining info|informations de connexion|join with google meet|participer avec google meet|rejoindre avec google meet|` +
	`join by phone|rejoindre par téléphone|participer par téléphone|more phone numbers|autres numéros de téléphone)$`)

// onlyURL matches a line that is a link and nothing else (a join link, "<https://…>").
var onlyURL = regexp.MustCompile(`^<?(https?://|mailto:|tel:)\S*>?$`)

// MeetingWords returns what the sender of a meeting mail wrote of their own: its new text
// without the calendar client's, else the calendar part's COMMENT; "" when there is none.
func MeetingWords(in *Incoming, tag string) string {
	if in == nil || in.Meeting == nil {
		return ""
	}
	m := in.Meeting
	titles := map[string]bool{}
	for _, s := range []string{m.Summary, in.ThreadTopic, in.Subject} {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			titles[s] = true
			titles[strings.ToLower(meetingTitle(s, tag, true))] = true
		}
	}
	var kept []string
	block := false // Within a block under one of Gmail's headings.
	for line := range strings.Lines(in.Text) {
		l := strings.TrimSpace(line)
		low := strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(l, "\u00a0", " ")), " "))
		if meetingFooter.MatchString(low) {
			break
		}
		if meetingHeading.MatchString(low) {
			block = true
		}
		if low == "" {
			block = false
		}
		if block || low == "" || titles[low] || titles[strings.ToLower(meetingTitle(low, tag, true))] ||
			onlyURL.MatchString(low) || meetingClientLine.MatchString(low) {
			continue
		}
		kept = append(kept, strings.Trim(l, `"“”«» `))
	}
	words := strings.TrimSpace(strings.Join(kept, "\n"))
	if !hasLetter(words) {
		words = ""
	}
	if words == "" && hasLetter(m.Comment) {
		words = strings.TrimSpace(m.Comment)
	}
	return words
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}
