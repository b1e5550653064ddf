package mailin

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/deskd/deskd/tickets"
)

// VerdictDelay is a delivery delay warning (RFC 3464 Action: delayed, or an MTA's "still being
// retried" notice): see tickets.VerdictDelay.
const VerdictDelay = tickets.VerdictDelay

// Subjects of delivery failure reports, in the languages our users meet.
// A forwarded bounce ("Fwd: Undeliverable") is a person asking for help, so
// the phrase must start the subject.
var bounceSubjectRe = mustAnchored(`(?i)^\s*(?:` +
	`undeliver(?:able|ed)|undelivered mail|delivery status notification|delivery (?:status )?notification|` +
	`delivery fail|delivery failure|delivery report|delivery problem|mail delivery fail|mail delivery system|` +
	`returned mail|return(?:ed)? to sender|failure notice|failed delivery|failed mail|` +
	`mail system error|non[- ]?remis|non distribuable|message non délivré|unzustellbar|` +
	`nondeliverable|not delivered|could not send message|message delivery failure|` +
	`delivery has failed|warning: could not send|mail could not be delivered|` +
	`notificación de estado de entrega|no se puede entregar|impossibile recapitare|onbestelbaar|` +
	`permanent delivery failure|delayed mail|delivery delayed|message you sent .* could not|` +
	`(?:mail|message) (?:was )?rejected|email address .* not found|sender address rejected|` +
	`error sending message|mail delivery error|message delivery report|` +
	`nicht zugestellt|benachrichtung zum übermittlungsstatus|échec de (?:la )?remise|` +
	`erreur de distribution|notification d'état de (?:la )?remise|メールエラー通知|配信エラー|` +
	`there was an error sending your mail)`)

// A bounce phrase ending the subject: "RE: Réunion - non remis", "Order 12 (undeliverable)".
// The expression is built from bounceSuffixPhrases, which bounceSuffix also reads.
var bounceSuffixRe = lazyCompile(`(?i)[-–:(\s](?:` + quotedAlternation(bounceSuffixPhrases) + `)\)?\s*$`)

// bounceSuffixPhrases are bounceSuffixRe's phrases.
var bounceSuffixPhrases = []string{"non remis", "non-remis", "nonremis", "undeliverable", "undelivered", "not delivered",
	"non distribuable", "unzustellbar", "onbestelbaar"}

// bounceSuffixLongest is the length of the longest of bounceSuffixPhrases.
var bounceSuffixLongest = len(slices.MaxFunc(bounceSuffixPhrases, func(a, b string) int { return len(a) - len(b) }))

// quotedAlternation is an expression's alternation of the literal strings in list.
func quotedAlternation(list []string) string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = regexp.QuoteMeta(s)
	}
	return strings.Join(quoted, "|")
}

// bounceSuffix is bounceSuffixRe.MatchString(s). A match ends with one of the phrases, then
// perhaps ")" and white space: one of the phrases ends s once these are trimmed, up to the case
// of its letters, and most subjects end with none (TestBounceSuffix). The expression's case
// folding takes an ASCII letter to no other ASCII one, and to two runes beyond ASCII only, ſ
// and the Kelvin sign (foldsToASCII); without them at its end, a phrase ends s in ASCII bytes, and
// strings.EqualFold on that many bytes finds it. Running the expression over every subject
// that ends with a letter a phrase ends with ("Imprimante bloquée") took a generated mail to
// 293,300 instructions, 291,400 without; over every subject whose end is not ASCII, 281,600
// against 277,500 (callgrind of BenchmarkParseGenerated).
func bounceSuffix(s string) bool {
	t := strings.TrimRight(s, " \t\n\f\r") // \s
	t = strings.TrimSuffix(t, ")")
	if t == "" {
		return false
	}
	tail := t[max(len(t)-bounceSuffixLongest, 0):]
	wide := t[max(len(t)-3*bounceSuffixLongest, 0):] // Where a phrase can end s with runes of up to 3 bytes.
	for _, r := range foldsToASCII {
		if strings.ContainsRune(wide, r) {
			return bounceSuffixRe.MatchString(s)
		}
	}
	for _, p := range bounceSuffixPhrases {
		if len(tail) >= len(p) && strings.EqualFold(tail[len(tail)-len(p):], p) {
			return bounceSuffixRe.MatchString(s)
		}
	}
	return false
}

// foldsToASCII are the runes beyond ASCII that unicode.SimpleFold (and so an expression's (?i))
// takes to an ASCII letter: ſ to s, the Kelvin sign to k (TestFoldsToASCII).
var foldsToASCII = []rune{'\u017f', '\u212a'}

// containsASCIIFold reports whether s contains lower, a lower-case ASCII string, up to the case of
// ASCII letters: strings.Contains(strings.ToUpper(s), strings.ToUpper(lower)) when no rune
// other than an ASCII letter upper-cases to one of lower's letters (only ı and ſ upper-case to
// ASCII, to I and S), without the copy.
func containsASCIIFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for j < len(lower) && asciiLower(s[i+j]) == lower[j] {
			j++
		}
		if j == len(lower) {
			return true
		}
	}
	return false
}

// Subjects and opening phrases of delay warnings (nothing failed yet).
var (
	delaySubjectRe = lazyCompile(`(?i)(\(delay\)|delivery (?:has been |is )?delayed|delayed mail|mail delivery delayed|` +
		`status notification: delayed|message \S+ delayed|could not send message for past|` +
		`remise (?:différée|retardée)|distribution (?:différée|retardée)|zustellung verzögert|verzögerte zustellung)`)
	delayTextRe = lazyCompile(`(?i)(this is a warning (?:message )?only|you do not need to resend|` +
		`has not yet been delivered|have not yet been delivered|(?:has|have) been delayed|` +
		`still being retried|will (?:continue to )?(?:retry|try again|keep trying)|delivery attempts will continue|` +
		`n'a pas encore été remis|ceci est un simple avertissement)`)
)

// delaySubject is delaySubjectRe.MatchString(s), the expression run only when s holds one of
// delayAnchors: it runs on Go's NFA, some 90k instructions a subject of 33 bytes, 2k a generated
// mail (callgrind of BenchmarkParseGenerated; TestDelaySubject).
func delaySubject(s string) bool {
	for _, a := range delayAnchors {
		if containsASCIIFold(s, a) {
			return delaySubjectRe.MatchString(s)
		}
	}
	return false
}

// delayAnchors are words, in lower case, one of which every match of delaySubjectRe holds with
// its ASCII letters folded: each alternative's, chosen without the letters k and s, which (?i)
// also matches with the Kelvin sign and the long s.
var delayAnchors = []string{"delay", "could not", "remi", "tribution", "tellung"}

// Bounce phrases in the body; only trusted with other machine evidence.
var bounceTextRe = lazyCompile(`(?i)(could not be delivered|couldn't be delivered|` +
	`delivery (?:to the following recipients? )?(?:has )?failed|undeliverable|permanent (?:fatal )?error|` +
	`user unknown|unknown user|no such user|mailbox (?:is )?(?:full|unavailable|not found)|` +
	`the following addresses had permanent fatal errors|message was not delivered|` +
	`following address(?:es)? failed|delivery to the following recipient|returned to sender|` +
	`this is the mail system at host|i'm sorry to have to inform you|i'm afraid i wasn't able to deliver|` +
	`unable to deliver|550[ -]5\.\d|554[ -]5\.\d|5\.\d\.\d|could not deliver|delivery status notification|` +
	`non remis|n'a pas pu être remis|impossible de remettre|retry timeout exceeded|host unknown|` +
	`message rejected|rejected your message|address rejected|recipient rejected|` +
	`did not reach (?:some or all of )?(?:the|its) (?:intended )?recipients?|delivery has failed to these recipients|` +
	`was not delivered to|wasn't delivered to|couldn't be delivered|n'a pas atteint certains|` +
	`la remise (?:a échoué|n'a pas abouti)|n'a pas pu être (?:remis|distribué|délivré)|` +
	`impossible de joindre le\(?s?\)? destinataire|not listed in (?:domino|the) directory)`)

// personalRe finds a person telling their own story: a first-person word or a question.
var personalRe = lazyCompile(`(?i)(?:^|[^\pL'])(?:i|i'm|my|me|we|our|je|j'|moi|mon|ma|mes|nous|notre|ich|mein|wir)(?:[^\pL']|$)|\?`)

// opensWithReport reports whether a text opens with a statement that re matches: within its
// first 500 bytes, and with nothing personal before it but a salutation. A person who quotes a
// bounce or a challenge to the desk tells their story first ("When I write to them I get ...").
func opensWithReport(text string, re *lazyRegexp) bool {
	text = strings.TrimSpace(text)
	if len(text) > 500 {
		text = text[:500]
	}
	loc := re.FindStringIndex(text)
	if loc == nil {
		return false
	}
	return !personalRe.MatchString(text[:loc[0]])
}

// Challenge/response anti-spam systems ask the sender to prove they are a person before the
// mail is delivered. Their request answers a mail, so it names it (or comes from <>).
var challengeTextRe = lazyCompile(`(?i)(` +
	`(?:confirm|prove|verify)(?: that)? you are (?:a )?(?:human|real person|not a (?:robot|bot|spammer))|` +
	`(?:confirm|verify|release) your (?:message|e-?mail)|` +
	`your (?:message|e-?mail)(?: to \S+)? (?:has been|is being|was|is) (?:held|quarantined|put on hold|pending)|` +
	`only accepts? (?:e-?mails?|messages?|mail) from (?:approved|known|verified|authori[sz]ed) senders|` +
	`challenge[- /]response|added to (?:my|the) (?:guest list|whitelist|white list|allow ?list)|` +
	`(?:confirmer|prouver|vérifier) que vous (?:n'êtes pas un robot|êtes (?:bien )?(?:un humain|une personne))|` +
	`votre (?:message|e-?mail|courriel)(?: à destination de \S+)? (?:est|a été) (?:mis )?en attente|liste blanche|` +
	`bestätigen sie,? dass sie (?:ein mensch|kein roboter))`)

// opensWithChallenge is opensWithReport(text, challengeTextRe), the expression run only when the
// text's head holds one of challengeAnchors: its automaton read the 500 bytes at 5,000
// instructions a byte, half of the parse of a reply with a long quoted history.
func opensWithChallenge(text string) bool {
	t := strings.TrimSpace(text)
	if len(t) > 500 {
		t = t[:500]
	}
	var buf [500]byte
	low := lowerASCII(buf[:], t)
	for _, a := range challengeAnchors {
		if bytes.Contains(low, []byte(a)) {
			return opensWithReport(text, challengeTextRe)
		}
	}
	return false
}

// challengeAnchors are words, in lower case, one of which every match of challengeTextRe holds
// with its ASCII letters folded: each alternative's, chosen without the letters k and s, which
// (?i) also matches with the Kelvin sign and the long s (TestOpensWithChallenge,
// FuzzOpensWithChallenge). "votre" and "your" alone would let most replies through.
var challengeAnchors = []string{
	"you are a ", "you are human", "you are real per", "you are not a ", // (?:confirm|prove|verify)(?: that)? you are …
	"your me", "your e", // (?:confirm|verify|release) your …, your (?:message|e-?mail) …
	"only accept", "challenge", "added to ",
	"confirmer que vou", "prouver que vou", "rifier que vou", // … que vous (?:n'êtes pas un robot|êtes …)
	"votre me", "votre e", "votre co", // votre (?:message|e-?mail|courriel) …
	"blanche", "tigen ", // liste blanche, bestätigen sie
}

// Automatic mail that says so in its subject: Lotus Notes' "AUTO: Name is out of the office" (no
// Auto-Submitted, no In-Reply-To) and "[AUTO GENERATED]" tags.
var (
	autoPrefixRe    = mustAnchored(`^\s*AUTO:\s`)
	absentRe        = lazyCompile(`(?i)(is out of (?:the )?office|will be out of (?:the )?office|is on (?:vacation|holiday|leave)|is away|est absente?(?:\(e\))?|sera absente?|n'est pas au bureau|est en congés?|ist außer haus|ist nicht im büro|ist abwesend|en vacaciones|está fuera de la oficina|è fuori ufficio|is afwezig)`)
	autoGeneratedRe = mustAnchored(`(?i)^\s*[\[(]\s*auto(?:matically)?[- ]?generated\s*[\])]`)
)

// A read receipt sent as plain text, not as a report (RFC 8098): Outlook's "Read: subject" or
// "Lu : objet", its body "Your message … was read on …" or "Votre message … a été lu le …" (and
// "… deleted without being read" / "supprimé sans avoir été lu"). Both are needed: a person may
// write "Lu : …" or quote such a text.
var (
	readSubjectRe = mustAnchored(`(?i)^\s*(?:read|not read|lu|non lu|gelesen|ungelesen|le[ií]do|no le[ií]do|letto|gelezen)\s*:`)
	readTextRe    = lazyCompile(`(?i)\b(?:was read on|was read at|was deleted without being read|` +
		`a été lu(?:e)? (?:le|à)|a été supprimée? sans avoir été lue?|wurde am .{0,40} gelesen|` +
		`ohne gelesen zu werden gelöscht|fue leído el|è stato letto)`)
)

var complaintSubjectRe = mustAnchored(`(?i)^\s*complaint about message from`)

// Amazon SES forwards bounces, complaints and delivery notices as JSON
// through SNS.
var sesBounceRe = lazyCompile(`\\?"notificationType\\?"\s*:\s*\\?"(?:Bounce|Complaint|Delivery)`)

// Out-of-office subjects: the phrase starts the subject and a colon follows
// it, as automatic replies put it before the original subject.
var autoReplySubjectRe = mustAnchored(`(?i)^\s*(?:` +
	`out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|auto[- ]?response|autoresponse|` +
	`auto-?antwort|automatische antwort|abwesenheitsnotiz|abwesend|` +
	`r[ée]ponse automatique|absence|absent|message d'absence|` +
	`respuesta automática|respuesta automatica|fuera de (?:la )?oficina|risposta automatica|fuori sede|` +
	`automatisch antwoord|afwezig|autosvar|resposta automática|ausente|` +
	`vacation(?: reply)?|on vacation|away from (?:the )?office|out of office autoreply|自動応答|自动回复|` +
	`automatyczna odpowiedź|nieobecność|automaattinen vastaus|frånvaro)\b[^:]{0,40}:`)

var daemonLocalRe = mustAnchored(`^(?:mailer-daemon|mailer_daemon|maildaemon|postmaster|post_master|mail-daemon|` +
	`mailerdaemon|mdaemon|mail\.delivery|bounces?|double-bounce|bounce-notification|` +
	`nobody-bounce|microsoftexchange[0-9a-f]*|mailadmin|mail-delivery-system)$`)

var daemonNameRe = mustAnchored(`(?i)^(?:mail delivery (?:sub)?system|mail delivery service|` +
	`mailer[- ]daemon|postmaster|mail administrator|microsoft outlook|microsoft exchange|` +
	`delivery status notification|mail system|internet mail delivery|mail server|` +
	`message delivery|email delivery|returned mail|mail router)$`)

// judge applies the verdict rules. Order matters: a bounce often also looks
// like an auto-reply and carries a Precedence header, so reports come first,
// then our own mail coming back, then automatic responses, then bulk.
//
// read holds what Parse has already read of the same header, nil when nothing was.
func judge(h Header, opt ParseOptions, f *bodyFacts, read *headerRead) (Verdict, string) {
	if read == nil {
		read = &headerRead{}
	}
	hv := read.values
	if hv == nil {
		hv = valuesOf(h)
	}
	from := read.from
	if !read.fromOK {
		from = parseAddressList(hv.Get("From"))
	}
	fromEmail, fromName := "", ""
	if len(from) > 0 {
		fromEmail, fromName = from[0].Email, from[0].Name
	}
	local := fromEmail
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	if local == "" {
		// "From: MAILER-DAEMON" or "MAILER-DAEMON <>": no address to parse.
		raw := strings.ToLower(decodeHeaderText(hv.Get("From")))
		for _, w := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune(" \t<>\"'(),@", r) }) {
			if daemonLocalRe.MatchString(w) {
				local = w
				break
			}
		}
	}
	subject := read.subject
	if !read.subjectOK {
		subject = decodeSubject(hv.Get("Subject"), "")
	}
	reportType := ""
	if mediaType(hv.Get("Content-Type")) == "multipart/report" {
		_, params := parseParams(hv.Get("Content-Type"))
		reportType = strings.ToLower(params.get("report-type"))
	}
	if f != nil && f.reportType != "" && reportType == "" {
		reportType = f.reportType
	}
	returnPath := strings.TrimSpace(hv.Get("Return-Path"))
	nullSender := returnPath == "<>" || returnPath == "<<>>" || (hv.Has("Return-Path") && returnPath == "")

	// RFC 5965: abuse feedback reports.
	if reportType == "feedback-report" || (f != nil && f.feedback) {
		return VerdictFeedback, "multipart/report; report-type=feedback-report"
	}
	// Feedback loops that predate ARF: Hotmail's JMRP, and Apple's
	// unsubscribe replies.
	if hv.once(judgedComplaintSubject, func() bool { return complaintSubjectRe.MatchString(subject) }) && (hv.Has("X-Hmxmroriginalrecipient") || strings.HasSuffix(fromEmail, "@hotmail.com")) {
		return VerdictFeedback, "feedback loop report"
	}
	if strings.EqualFold(strings.TrimSpace(hv.Get("X-Apple-Unsubscribe")), "true") {
		return VerdictFeedback, "X-Apple-Unsubscribe"
	}
	if f != nil && strings.Contains(f.text, "notificationType") && sesBounceRe.MatchString(f.text) {
		if strings.Contains(f.text, `Complaint`) {
			return VerdictFeedback, "Amazon SES complaint notification"
		}
		return VerdictBounce, "Amazon SES bounce notification"
	}

	// RFC 3464 / RFC 6522: delivery status notifications, and the reports of MTAs that send none.
	dsn := reportType == "delivery-status" || reportType == "global-delivery-status" || (f != nil && f.deliveryStatus)
	failed := hv.Has("X-Failed-Recipients") || (f != nil && len(f.failed) > 0)
	daemon := hv.once(judgedDaemon, func() bool {
		return daemonLocalRe.MatchString(local) || daemonNameRe.MatchString(strings.TrimSpace(fromName))
	})
	bounceSubject := hv.once(judgedBounceSubject, func() bool { return bounceSubjectRe.MatchString(subject) || bounceSuffix(subject) })
	autoReplySubject := func() bool {
		return hv.once(judgedAutoReplySubject, func() bool { return autoReplySubjectRe.MatchString(subject) })
	}
	// Only a machine's delay warning counts: the subject is not looked at without a sign of one.
	delaySubject := (dsn || daemon || nullSender || isAutoSubmitted(hv)) &&
		hv.once(judgedDelaySubject, func() bool { return delaySubject(subject) })

	// A delay warning says the mail is still queued: no recipient has failed (RFC 3464
	// Action: delayed, Postfix's "Delayed Mail (still being retried)", Exim's "Warning: message
	// … delayed 24 hours"). It is told apart from a bounce so that no address is suppressed.
	machine := dsn || daemon || ((nullSender || isAutoSubmitted(hv)) && (bounceSubject || delaySubject))
	if machine && !failed && (delaySubject || f != nil && delayTextRe.MatchString(head(f.text, 2000))) {
		return VerdictDelay, "delivery delayed: " + truncate(subject, 60)
	}
	if reportType == "delivery-status" || reportType == "global-delivery-status" {
		return VerdictBounce, "multipart/report; report-type=delivery-status"
	}
	if dsn {
		return VerdictBounce, "message/delivery-status part"
	}
	if hv.Has("X-Failed-Recipients") {
		return VerdictBounce, "X-Failed-Recipients"
	}
	if daemon && !autoReplySubject() {
		return VerdictBounce, "From " + fromEmail
	}
	// A person may write "Undeliverable mail" to the desk, or send a bounce on with their
	// question: the subject needs another machine sign, or a body that opens with the report.
	if bounceSubject && (nullSender || isAutoSubmitted(hv) || noReplyLocal(local) ||
		(f != nil && (opensWithReport(f.text, bounceTextRe) || f.returned && !personalRe.MatchString(head(strings.TrimSpace(f.text), 300))))) {
		return VerdictBounce, "bounce subject: " + truncate(subject, 60)
	}
	if nullSender && f != nil && (f.returned || bounceTextRe.MatchString(f.text)) && !autoReplySubject() && !isAutoReplied(hv) {
		return VerdictBounce, "Return-Path <> and a bounce text"
	}

	// The desk's own mail coming back.
	for _, a := range opt.DeskAddresses {
		if a = strings.ToLower(a); a != "" && (fromEmail == a || stripPlus(fromEmail) == stripPlus(a)) {
			return VerdictLoop, "From the desk's own address"
		}
	}
	if hv.Has("X-Deskd-Ticket") {
		return VerdictLoop, "X-Deskd-Ticket"
	}
	if opt.IsOwnMessageID != nil {
		id := read.messageID
		if !read.messageIDOK {
			id = firstMsgID(hv.Get("Message-Id"))
		}
		if id != "" && opt.IsOwnMessageID(id) {
			return VerdictLoop, "Message-ID issued by the desk"
		}
	}

	// RFC 5546: a calendar client's answer, cancellation or counter-proposal (calendar.go).
	if why := meetingResponse(f, hv, fromEmail, subject); why != "" {
		return VerdictAutoReply, why
	}

	// RFC 3834 section 5: automatic responses.
	if v := autoSubmitted(hv); v != "" && v != "no" {
		if v == "auto-replied" {
			return VerdictAutoReply, "Auto-Submitted: " + v
		}
		// auto-generated, auto-notified and extensions: a machine wrote it,
		// in answer to nothing.
		return VerdictBulk, "Auto-Submitted: " + v
	}
	if reportType == "disposition-notification" || (f != nil && f.mdn) {
		return VerdictAutoReply, "disposition notification (read receipt)"
	}
	if f != nil && hv.once(judgedReadSubject, func() bool { return readSubjectRe.MatchString(subject) }) && readTextRe.MatchString(head(f.text, 800)) {
		return VerdictAutoReply, "disposition notification (read receipt)"
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autoreply-From", "X-Mail-Autoreply", "X-Vacation", "X-Autogenerated"} {
		if v := strings.ToLower(strings.TrimSpace(hv.Get(k))); hv.Has(k) && v != "no" && v != "false" {
			return VerdictAutoReply, k
		}
	}
	if strings.ToLower(strings.TrimSpace(hv.Get("Precedence"))) == "auto_reply" {
		return VerdictAutoReply, "Precedence: auto_reply"
	}
	// Exchange marks its out-of-office replies this way; clients do not send it.
	if v := strings.ToLower(hv.Get("X-Auto-Response-Suppress")); strings.Contains(v, "all") || strings.Contains(v, "oof") || strings.Contains(v, "autoreply") {
		return VerdictAutoReply, "X-Auto-Response-Suppress: " + hv.Get("X-Auto-Response-Suppress")
	}
	if hv.Has("X-Ms-Exchange-Generated-Message-Source") {
		return VerdictAutoReply, "X-MS-Exchange-Generated-Message-Source"
	}
	// Exchange marks what an inbox rule sends: its "reply using a specific message" answers a
	// mail. A rule that forwards or redirects a person's new mail names none.
	if hv.Has("X-Ms-Exchange-Inbox-Rules-Loop") && (hv.Has("In-Reply-To") || hv.Has("References")) {
		return VerdictAutoReply, "X-MS-Exchange-Inbox-Rules-Loop"
	}
	// A person may write "Absence : comment l'activer ?" to the desk: an out-of-office subject
	// needs another sign. An automatic reply answers a mail, so it names it.
	if autoReplySubject() && (hv.Has("In-Reply-To") || hv.Has("References")) {
		return VerdictAutoReply, "out-of-office subject in reply"
	}
	// A client-side rule answers with an ordinary subject and no header of RFC 3834: a reply
	// whose whole new text is an out-of-office notice is one (absenceNotice). A new mail about
	// absence settings is a person's question.
	if f != nil && (hv.Has("In-Reply-To") || hv.Has("References")) && absenceNotice(f.text) {
		return VerdictAutoReply, "out-of-office text in reply"
	}
	// An acknowledgement of receipt with no header of RFC 3834 (acknotice.go): in reply, or a
	// new mail that says it is automatic (a vendor's ticket system answering the desk's mail).
	if f != nil && ackNotice(f.text, hv.Has("In-Reply-To") || hv.Has("References")) {
		return VerdictAutoReply, "acknowledgement of receipt"
	}
	// Lotus Notes writes "AUTO: Name is out of the office (returning …)" and nothing else.
	if hv.once(judgedAutoAbsentSubject, func() bool { return autoPrefixRe.MatchString(subject) && absentRe.MatchString(subject) }) {
		return VerdictAutoReply, "AUTO: out-of-office subject"
	}
	// Challenge/response anti-spam systems: TMDA marks its Message-IDs; the others answer our
	// mail with a request to prove the sender is a person.
	if containsASCIIFold(hv.Get("Message-Id"), ".tmda@") {
		return VerdictAutoReply, "challenge/response request (TMDA)"
	}
	if f != nil && (hv.Has("In-Reply-To") || hv.Has("References") || nullSender) && opensWithChallenge(f.text) {
		return VerdictAutoReply, "challenge/response request"
	}
	if nullSender {
		return VerdictAutoReply, "Return-Path <>"
	}
	if hv.once(judgedAutoGeneratedSubject, func() bool { return autoGeneratedRe.MatchString(subject) }) {
		return VerdictBulk, "[AUTO GENERATED] subject"
	}

	// Lists and bulk mail.
	switch p := strings.ToLower(strings.TrimSpace(hv.Get("Precedence"))); p {
	case "bulk", "junk", "list":
		return VerdictBulk, "Precedence: " + p
	}
	if hv.Has("List-Id") {
		return VerdictBulk, "List-Id"
	}
	if hv.Has("List-Unsubscribe") {
		return VerdictBulk, "List-Unsubscribe"
	}
	for _, k := range []string{"X-Mlserver", "X-Ml-Name", "X-Mailing-List", "X-List"} {
		if hv.Has(k) {
			return VerdictBulk, k
		}
	}
	if hv.Has("X-Loop") {
		return VerdictLoop, "X-Loop"
	}
	return VerdictPerson, "no machine evidence"
}

// headerRead is what judge reads of a header that Parse has read already, each with whether
// it is known: judge reads the From and the Subject without the message's charset hint, and
// they are only the same when the hint makes no difference (see hintless).
type headerRead struct {
	from        []Address     // parseAddressList(From)
	subject     string        // decodeSubject(Subject, "")
	messageID   string        // firstMsgID(Message-Id)
	values      *headerValues // valuesOf the header; nil: not read yet.
	fromOK      bool
	subjectOK   bool
	messageIDOK bool
}

// hintless reports whether a raw header value reads the same with the charset hint as without
// it, in parseAddresses and decodeHeader: valid UTF-8 without escapes is taken as it is, but
// with a UTF-7 hint.
func hintless(v, hint string) bool {
	if hint == "" {
		return true
	}
	l := strings.ToLower(hint)
	return isPlainText(v) && !isUTF7Label(l) && !isUTF7Label(strings.Trim(l, "\" '"))
}

// autoSubmitted returns the Auto-Submitted keyword, lower-case, "" if absent.
func autoSubmitted(h *headerValues) string {
	v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	return v
}

func isAutoSubmitted(h *headerValues) bool {
	v := autoSubmitted(h)
	return v != "" && v != "no"
}

func isAutoReplied(h *headerValues) bool {
	return autoSubmitted(h) == "auto-replied"
}

// noReplyLocal reports whether an address's local part says nobody reads it ("no-reply",
// "donotreply"): persons do not write from such addresses.
func noReplyLocal(local string) bool {
	l := strings.NewReplacer("-", "", "_", "", ".", "").Replace(strings.ToLower(local))
	return strings.HasPrefix(l, "noreply") || strings.HasPrefix(l, "donotreply")
}

func stripPlus(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local := email[:at]
	i := strings.IndexByte(local, '+')
	if i < 0 {
		return email // no copy
	}
	return local[:i] + email[at:]
}

// head returns at most the first n bytes of s, cut on a rune boundary.
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
