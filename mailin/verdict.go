package mailin

import (
	"regexp"
	"strings"

	gomail "github.com/emersion/go-message/mail"
)

// Subjects of delivery failure reports, in the languages our users meet.
// A forwarded bounce ("Fwd: Undeliverable") is a person asking for help, so
// the phrase must start the subject.
var bounceSubjectRe = regexp.MustCompile(`(?i)^\s*(?:` +
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

// Bounce phrases in the body; only trusted with other machine evidence.
var bounceTextRe = regexp.MustCompile(`(?i)(could not be delivered|couldn't be delivered|` +
	`delivery (?:to the following recipients? )?(?:has )?failed|undeliverable|permanent (?:fatal )?error|` +
	`user unknown|unknown user|no such user|mailbox (?:is )?(?:full|unavailable|not found)|` +
	`the following addresses had permanent fatal errors|message was not delivered|` +
	`following address(?:es)? failed|delivery to the following recipient|returned to sender|` +
	`this is the mail system at host|i'm sorry to have to inform you|i'm afraid i wasn't able to deliver|` +
	`unable to deliver|550[ -]5\.\d|554[ -]5\.\d|5\.\d\.\d|could not deliver|delivery status notification|` +
	`non remis|n'a pas pu être remis|impossible de remettre|retry timeout exceeded|host unknown|` +
	`message rejected|rejected your message|address rejected|recipient rejected)`)

var complaintSubjectRe = regexp.MustCompile(`(?i)^\s*complaint about message from`)

// Amazon SES forwards bounces, complaints and delivery notices as JSON
// through SNS.
var sesBounceRe = regexp.MustCompile(`\\?"notificationType\\?"\s*:\s*\\?"(?:Bounce|Complaint|Delivery)`)

// Out-of-office subjects: the phrase starts the subject and a colon follows
// it, as automatic replies put it before the original subject.
var autoReplySubjectRe = regexp.MustCompile(`(?i)^\s*(?:` +
	`out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|auto[- ]?response|autoresponse|` +
	`auto-?antwort|automatische antwort|abwesenheitsnotiz|abwesend|` +
	`r[ée]ponse automatique|absence|absent|message d'absence|` +
	`respuesta automática|respuesta automatica|fuera de (?:la )?oficina|risposta automatica|fuori sede|` +
	`automatisch antwoord|afwezig|autosvar|resposta automática|ausente|` +
	`vacation(?: reply)?|on vacation|away from (?:the )?office|out of office autoreply|自動応答|自动回复|` +
	`automatyczna odpowiedź|nieobecność|automaattinen vastaus|frånvaro)\b[^:]{0,40}:`)

var daemonLocalRe = regexp.MustCompile(`^(?:mailer-daemon|mailer_daemon|maildaemon|postmaster|post_master|mail-daemon|` +
	`mailerdaemon|mdaemon|mail\.delivery|bounces?|double-bounce|bounce-notification|` +
	`nobody-bounce|microsoftexchange[0-9a-f]*|mailadmin|mail-delivery-system)$`)

var daemonNameRe = regexp.MustCompile(`(?i)^(?:mail delivery (?:sub)?system|mail delivery service|` +
	`mailer[- ]daemon|postmaster|mail administrator|microsoft outlook|microsoft exchange|` +
	`delivery status notification|mail system|internet mail delivery|mail server|` +
	`message delivery|email delivery|returned mail)$`)

// judge applies the verdict rules. Order matters: a bounce often also looks
// like an auto-reply and carries a Precedence header, so reports come first,
// then our own mail coming back, then automatic responses, then bulk.
func judge(h gomail.Header, opt ParseOptions, f *bodyFacts) (Verdict, string) {
	from := parseAddressList(h.Get("From"))
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
		raw := strings.ToLower(decodeHeaderText(h.Get("From")))
		for _, w := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune(" \t<>\"'(),@", r) }) {
			if daemonLocalRe.MatchString(w) {
				local = w
				break
			}
		}
	}
	subject := decodeHeaderText(h.Get("Subject"))
	ct, params := parseParams(h.Get("Content-Type"))
	reportType := ""
	if ct == "multipart/report" {
		reportType = strings.ToLower(params["report-type"])
	}
	if f != nil && f.reportType != "" && reportType == "" {
		reportType = f.reportType
	}
	returnPath := strings.TrimSpace(h.Get("Return-Path"))
	nullSender := returnPath == "<>" || returnPath == "<<>>" || (h.Has("Return-Path") && returnPath == "")

	// RFC 5965: abuse feedback reports.
	if reportType == "feedback-report" || (f != nil && f.feedback) {
		return VerdictFeedback, "multipart/report; report-type=feedback-report"
	}
	// Feedback loops that predate ARF: Hotmail's JMRP, and Apple's
	// unsubscribe replies.
	if complaintSubjectRe.MatchString(subject) && (h.Has("X-Hmxmroriginalrecipient") || strings.HasSuffix(fromEmail, "@hotmail.com")) {
		return VerdictFeedback, "feedback loop report"
	}
	if strings.EqualFold(strings.TrimSpace(h.Get("X-Apple-Unsubscribe")), "true") {
		return VerdictFeedback, "X-Apple-Unsubscribe"
	}
	if f != nil && sesBounceRe.MatchString(f.text) {
		if strings.Contains(f.text, `Complaint`) {
			return VerdictFeedback, "Amazon SES complaint notification"
		}
		return VerdictBounce, "Amazon SES bounce notification"
	}

	// RFC 3464 / RFC 6522: delivery status notifications.
	if reportType == "delivery-status" || reportType == "global-delivery-status" {
		return VerdictBounce, "multipart/report; report-type=delivery-status"
	}
	if f != nil && f.deliveryStatus {
		return VerdictBounce, "message/delivery-status part"
	}
	if h.Has("X-Failed-Recipients") {
		return VerdictBounce, "X-Failed-Recipients"
	}
	daemon := daemonLocalRe.MatchString(local) || daemonNameRe.MatchString(strings.TrimSpace(fromName))
	bounceSubject := bounceSubjectRe.MatchString(subject)
	if daemon && !autoReplySubjectRe.MatchString(subject) {
		return VerdictBounce, "From " + fromEmail
	}
	// A person may write "Undeliverable mail" to the desk: the subject needs
	// another machine sign.
	if bounceSubject && (nullSender || isAutoSubmitted(h) || (f != nil && (f.returned || bounceTextRe.MatchString(f.text)))) {
		return VerdictBounce, "bounce subject: " + truncate(subject, 60)
	}
	if nullSender && f != nil && (f.returned || bounceTextRe.MatchString(f.text)) && !autoReplySubjectRe.MatchString(subject) && !isAutoReplied(h) {
		return VerdictBounce, "Return-Path <> and a bounce text"
	}

	// The desk's own mail coming back.
	for _, a := range opt.DeskAddresses {
		if a = strings.ToLower(a); a != "" && (fromEmail == a || stripPlus(fromEmail) == stripPlus(a)) {
			return VerdictLoop, "From the desk's own address"
		}
	}
	if h.Has("X-Deskd-Ticket") {
		return VerdictLoop, "X-Deskd-Ticket"
	}
	if opt.IsOwnMessageID != nil {
		if id := firstMsgID(h.Get("Message-Id")); id != "" && opt.IsOwnMessageID(id) {
			return VerdictLoop, "Message-ID issued by the desk"
		}
	}

	// RFC 3834 section 5: automatic responses.
	if v := autoSubmitted(h); v != "" && v != "no" {
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
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autoreply-From", "X-Mail-Autoreply", "X-Vacation"} {
		if v := strings.ToLower(strings.TrimSpace(h.Get(k))); h.Has(k) && v != "no" && v != "false" {
			return VerdictAutoReply, k
		}
	}
	if strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) == "auto_reply" {
		return VerdictAutoReply, "Precedence: auto_reply"
	}
	// Exchange marks its out-of-office replies this way; clients do not send it.
	if v := strings.ToLower(h.Get("X-Auto-Response-Suppress")); strings.Contains(v, "all") || strings.Contains(v, "oof") || strings.Contains(v, "autoreply") {
		return VerdictAutoReply, "X-Auto-Response-Suppress: " + h.Get("X-Auto-Response-Suppress")
	}
	if h.Has("X-Ms-Exchange-Generated-Message-Source") {
		return VerdictAutoReply, "X-MS-Exchange-Generated-Message-Source"
	}
	// A person may write "Absence : comment l'activer ?" to the desk: an out-of-office subject
	// needs another sign. An automatic reply answers a mail, so it names it.
	if autoReplySubjectRe.MatchString(subject) && (h.Has("In-Reply-To") || h.Has("References")) {
		return VerdictAutoReply, "out-of-office subject in reply"
	}
	if nullSender {
		return VerdictAutoReply, "Return-Path <>"
	}

	// Lists and bulk mail.
	switch p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p {
	case "bulk", "junk", "list":
		return VerdictBulk, "Precedence: " + p
	}
	if h.Has("List-Id") {
		return VerdictBulk, "List-Id"
	}
	if h.Has("List-Unsubscribe") {
		return VerdictBulk, "List-Unsubscribe"
	}
	for _, k := range []string{"X-Mlserver", "X-Ml-Name", "X-Mailing-List", "X-List"} {
		if h.Has(k) {
			return VerdictBulk, k
		}
	}
	if h.Has("X-Loop") {
		return VerdictLoop, "X-Loop"
	}
	return VerdictPerson, "no machine evidence"
}

// autoSubmitted returns the Auto-Submitted keyword, lower-case, "" if absent.
func autoSubmitted(h gomail.Header) string {
	v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	if i := strings.IndexAny(v, "; \t("); i >= 0 {
		v = v[:i]
	}
	return v
}

func isAutoSubmitted(h gomail.Header) bool {
	v := autoSubmitted(h)
	return v != "" && v != "no"
}

func isAutoReplied(h gomail.Header) bool {
	return autoSubmitted(h) == "auto-replied"
}

func stripPlus(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local := email[:at]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return local + email[at:]
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
