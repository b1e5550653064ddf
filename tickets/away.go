package tickets

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// assignedAway is told when a person hands a ticket to a technician who is away (#assign, the
// CLI, the web desk). It is accepted, as a coordinator may mean it (the ticket can wait for them,
// or only they can do it), but nobody works on it meanwhile and its deadlines run: the history
// says so, and the one who assigned it is told, in their language, with how to hand it on.
func (t *Tx) assignedAway(tk *Ticket, email, actor string) error {
	until, away := t.Away(email)
	if !away || email == actor || actor == ActorDesk {
		return nil
	}
	p := say(PhraseAssignedAway, "who", t.nameOf(email), "until", t.stamp(until))
	if err := t.said(tk, EventNote, actor, false, say(JournalAssignedAway, "who", email, "until", t.stamp(until)), ""); err != nil {
		return err
	}
	if !validAddress(actor) {
		return nil // The CLI prints the history; nobody to mail.
	}
	lang := t.staffLanguage(actor)
	return t.queue(tk, Mail{Kind: KindUpdate, To: []string{actor}, Language: lang,
		Notice: Notice{Audience: "staff", Event: "assigned-away", Reason: t.say(lang, p)}})
}

// Errors of AwayThrough.
var (
	ErrDateFormat = errors.New("want a date YYYY-MM-DD")
	ErrDatePast   = errors.New("the date is past")
)

// AwayThrough is the end of an absence through the day given as YYYY-MM-DD in loc: the next day's
// midnight. A day already over at now is refused (ErrDatePast): it would end the absence without
// saying so. The command line and the web desk both read the date through it.
func AwayThrough(day string, loc *time.Location, now time.Time) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(day), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", day, ErrDateFormat)
	}
	end := d.AddDate(0, 0, 1)
	if !end.After(now) {
		return time.Time{}, fmt.Errorf("%s: %w", day, ErrDatePast)
	}
	return end, nil
}
