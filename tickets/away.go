package tickets

// assignedAway is told when a person hands a ticket to a technician who is away (#assign, the
// CLI, the web desk). It is accepted, as a coordinator may mean it (the ticket can wait for them,
// or only they can do it), but nobody works on it meanwhile and its deadlines run: the history
// says so, and the one who assigned it is told, in their language, with how to hand it on.
func (t *Tx) assignedAway(tk *Ticket, email, actor string) error {
	until, away := t.Away(email)
	if !away || email == actor || actor == ActorDesk {
		return nil
	}
	p := say(PhraseAssignedAway, "who", t.nameOf(email), "until", t.localTime(until))
	if err := t.said(tk, EventNote, actor, false, say(JournalAssignedAway, "who", email, "until", t.localTime(until)), ""); err != nil {
		return err
	}
	if !validAddress(actor) {
		return nil // The CLI prints the history; nobody to mail.
	}
	lang := t.staffLanguage(actor)
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{actor}, Language: lang,
		Notice: Notice{Audience: "staff", Event: "assigned-away", Reason: t.say(lang, p)}})
}
