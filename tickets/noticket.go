package tickets

import "strings"

// Some of the desk's mails are about no ticket: the coordinators' digest, the escalation run's
// summary, a sign-in link. They go to staff, and staff answer them: a coordinator replies to the
// digest "Bob takes Alice's tickets" with an #assign line, a technician asks whether a sign-in
// mail they did not ask for is phishing. Such an answer is no request: as a new ticket it was
// one holding the whole quoted digest, made urgent and "network" by the digest's own lines,
// acknowledged, assigned, on an SLA. It opens nothing; the sender is told why, and how to act.

// answersNoTicket reports whether a mail answers a desk mail about no ticket: its In-Reply-To is
// a Message-ID the desk gives such mails (token.go, "dk.0.…").
func answersNoTicket(in *Incoming) bool {
	for _, id := range in.InReplyTo {
		if strings.HasPrefix(strings.ToLower(id), "dk.0.") {
			return true
		}
	}
	return false
}

// aboutNoTicket answers a staff member's reply to a desk mail about no ticket: nothing is done,
// the mail is recorded (as every mail is), and the sender gets a refusal that says what to do.
func (t *Tx) aboutNoTicket(in *Incoming) (Outcome, error) {
	t.count(&t.d.counters.CommandsRefused, 1)
	lang := t.staffLanguage(in.From)
	cmds, _ := ParseCommands(in.Text)
	var line string
	if len(cmds) > 0 {
		line = cmds[0].Line
	}
	return Outcome{MessageID: in.MessageID, Action: ActionRejected}, t.queue(nil, Mail{Kind: KindRejected, To: []string{in.From},
		Language: lang, Automatic: true, Notice: Notice{Audience: "staff", Command: line, Problems: []string{t.say(lang, say(PhraseAboutNoTicket))}}})
}
