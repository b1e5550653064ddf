package tickets

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Command is one "#verb argument" line of a technician's mail.
type Command struct {
	Verb string // Canonical English verb: resolve, note, escalate, priority, assign, take, pending, reopen, cc, category, away, back, incident, link, unlink, update, reuse.
	Arg  string
	Line string // The line as written.
	Text string // The free lines under the command, up to the next command line.
}

// commandAliases maps every accepted spelling (folded: lower-case, no accents) to its verb.
var commandAliases = map[string]string{
	"resolve": "resolve", "resolved": "resolve", "resolu": "resolve", "resolue": "resolve", "resoudre": "resolve", "solved": "resolve",
	"note": "note", "internal": "note", "interne": "note",
	"escalate": "escalate", "escalader": "escalate", "escalade": "escalate", "remonter": "escalate",
	"priority": "priority", "priorite": "priority", "prio": "priority",
	"assign": "assign", "assigner": "assign", "attribuer": "assign", "affecter": "assign",
	"take": "take", "prendre": "take", "jeprends": "take",
	"pending": "pending", "attente": "pending", "en-attente": "pending", "enattente": "pending",
	"reopen": "reopen", "rouvrir": "reopen", "reouvrir": "reopen",
	"cc": "cc", "copie": "cc",
	"category": "category", "categorie": "category", "cat": "category",
	"away": "away", "absent": "away", "absence": "away",
	"back": "back", "retour": "back", "present": "back",
	"incident": "incident",
	"link":     "link", "lier": "link", "rattacher": "link", "relier": "link",
	"unlink": "unlink", "delier": "unlink", "detacher": "unlink", "dissocier": "unlink",
	"update": "update", "maj": "update", "miseajour": "update", "mise-a-jour": "update", "point": "update",
	"reuse": "reuse", "reutiliser": "reuse", "reprendre": "reuse",
}

// commandRE matches a command line: "#verb", then a space or a colon, then its argument. Any
// Unicode space counts, and a colon may follow it: French typography (and Outlook's autocorrect)
// puts a no-break space before a colon, "#résolu\u00a0: …", and a narrow one, U+202F, is common
// too. Accents may come decomposed (macOS writes "e" and U+0301): the line is composed first.
var commandRE = regexp.MustCompile(`^#(\p{L}[\p{L}\p{M}-]*)(?:(?:[\p{Z}\t]+[:：]?|[\p{Z}\t]*[:：])[\p{Z}\t]*(.*))?$`)

// ParseCommands splits a technician's visible text into commands and the free text around them.
// Unknown "#word" lines are returned as commands with an empty Verb, so they can be refused.
func ParseCommands(text string) (cmds []Command, rest string) {
	lead, cmds := splitCommands(text)
	free := []string{lead}
	for _, c := range cmds {
		free = append(free, c.Text)
	}
	return cmds, strings.TrimSpace(strings.Join(free, "\n"))
}

// splitCommands splits a technician's visible text into the free lines above every command
// (lead) and the commands, each with the free lines under it (Command.Text).
func splitCommands(text string) (lead string, cmds []Command) {
	var free []string
	flush := func() {
		s := strings.Join(free, "\n")
		if len(cmds) == 0 {
			lead = s
		} else {
			cmds[len(cmds)-1].Text = s
		}
		free = nil
	}
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "#") && !norm.NFC.IsNormalString(l) {
			l = norm.NFC.String(l)
		}
		m := commandRE.FindStringSubmatch(l)
		// "#TeamIT #StaySafe" in a signature is hashtags, not a command.
		if m == nil || (commandAliases[Fold(m[1])] == "" && strings.Count(l, "#") > 1) {
			free = append(free, line)
			continue
		}
		flush()
		cmds = append(cmds, Command{Verb: commandAliases[Fold(m[1])], Arg: strings.TrimSpace(m[2]), Line: l})
	}
	flush()
	return strings.TrimSpace(lead), cmds
}

// hasCommand reports whether a text has a line with a known command.
func hasCommand(text string) bool {
	cmds, _ := ParseCommands(text)
	for _, c := range cmds {
		if c.Verb != "" {
			return true
		}
	}
	return false
}

// signOffRE matches a closing line of a mail: everything after it is the signature.
// Lines are folded (lower case, no accents) before they are matched.
var signOffRE = regexp.MustCompile(`^(bien |tres |tres bien )?(cordialement|cdlt|cdt|bav|a bientot|bien a (vous|toi)|(sinceres |meilleures )?salutations( distinguees)?|(merci et )?(bonne|belle) (journee|soiree|fin de journee|semaine|continuation)( a (vous|toi|tous))?|merci( beaucoup| d'avance)?|(with )?(best|kind|warm)( regards| wishes)?|regards|br|thanks|thx|thank you|many thanks|cheers|all the best|sincerely|(mit )?freundliche(n)? grussen?|viele grusse|gruss)[\p{Z} ,.!]*$`)

// attributionRE matches the line a mail client writes above a quote ("a écrit\u00a0:" too).
var attributionRE = regexp.MustCompile(`(?i)(wrote|a écrit|a ecrit|écrit|schrieb|escribió|ha scritto)[\s\p{Z}]*:[\s\p{Z}]*$`)

// staffText prepares a technician's free text to go to a requester or into a note: quoted lines
// and the lines that introduce them are dropped (a bottom-posted or inline reply quotes staff-only
// notices), and the signature is cut after the sign-off, or from the technician's own name (see
// ownNameLine), and so are contact lines that end it; the desk adds its own signature. A sign-off
// alone is no text.
func staffText(text string, names ...string) string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, ">") || (attributionRE.MatchString(l) && len(l) < 200) {
			continue
		}
		lines = append(lines, line)
	}
	content := false
	for i, line := range lines {
		f := strings.TrimSpace(Fold(line))
		if f == "" {
			continue
		}
		if content && signOffRE.MatchString(f) {
			lines = lines[:i+1]
			break
		}
		if content && ownNameLine(f, names) {
			lines = lines[:i]
			break
		}
		content = true
	}
	out := trimContact(strings.Join(lines, "\n"))
	if signOffRE.MatchString(Fold(out)) {
		return "" // Only "Cordialement," is left.
	}
	return out
}

// errRefused is a command refused for a reason the technician is told: a phrase, worded in the
// journal's language for the event and in the technician's for the mail.
type errRefused struct {
	cmd    Command
	reason Phrase
}

// refusedByDomain turns a rule of the domain into the refusal of a command.
func refusedByDomain(c Command, err error) *errRefused {
	p := say(PhraseTransition, "detail", err.Error())
	switch {
	case errors.Is(err, ErrNoteRequired):
		p = say(PhraseNoteRequired)
	case errors.Is(err, ErrClosed):
		p = say(PhraseClosed)
	case errors.Is(err, ErrNotStaff):
		p = say(PhraseNotStaff, "detail", err.Error())
	case errors.Is(err, ErrNoTechnician):
		p = say(PhraseNoTechnician)
	}
	var r *Refusal
	if errors.As(err, &r) {
		p = r.Phrase
	}
	return &errRefused{c, p}
}

func (e *errRefused) Error() string { return e.cmd.Line + ": " + e.reason.String() }

// refusals are the commands of one mail refused before any applied: its author is told of all of
// them in one mail.
type refusals []*errRefused

func (rs refusals) Error() string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.Error()
	}
	return strings.Join(s, "; ")
}

// HandleStaffMail applies a technician's or coordinator's mail, authenticated (trust.go), to a
// ticket: the commands in it, in order, all or nothing; the free text as the resolution note
// (#resolve), the internal note
// (#note), or else a public reply to the requester. A refused mail changes nothing but a
// `rejected` event, and its author is told why.
func (t *Tx) HandleStaffMail(tk *Ticket, in *Incoming) (string, error) {
	var names []string
	if te, ok := t.cfg.Technician(in.From); ok {
		names = append(names, te.Name, strings.Fields(te.Name)[0])
	} else if co, ok := t.cfg.CoordinatorByEmail(in.From); ok && co.Name != "" {
		names = append(names, co.Name, strings.Fields(co.Name)[0])
	}
	lead, cmds := staffParts(in.Text, in.Signature, names)
	for _, c := range cmds {
		// A mail with an internal note: its files may be part of it; they reach no requester.
		t.internal = t.internal || c.Verb == "note"
	}
	defer func() { t.internal = false }()
	rollback, err := t.savepoint("commands")
	if err != nil {
		return "", err
	}
	err = t.applyCommands(tk, in, cmds, lead)
	var refused *errRefused
	var all refusals
	if err != nil && (errors.As(err, &all) || errors.As(err, &refused) || isDomainRefusal(err)) {
		if rerr := rollback(); rerr != nil {
			return "", rerr
		}
		if _, rerr := t.exec(`RELEASE commands`); rerr != nil {
			return "", rerr
		}
		fresh, lerr := t.Ticket(tk.ID)
		if lerr != nil {
			return "", lerr
		}
		*tk = *fresh
		switch {
		case all != nil:
		case refused != nil:
			all = refusals{refused}
		default:
			all = refusals{refusedByDomain(Command{Line: firstLine(in.Text, 200)}, err)}
		}
		return ActionRejected, t.reject(tk, in.From, all...)
	}
	if err != nil {
		return "", err
	}
	if _, err := t.exec(`RELEASE commands`); err != nil {
		return "", err
	}
	if len(cmds) == 0 {
		return ActionReply, nil
	}
	t.count(&t.d.counters.CommandsObeyed, len(cmds))
	return ActionCommand, nil
}

// isDomainRefusal reports whether err is a rule of the domain (not a storage failure).
func isDomainRefusal(err error) bool {
	for _, e := range []error{ErrNoteRequired, ErrTransition, ErrClosed, ErrNotStaff, ErrNoTechnician, ErrAlready} {
		if errors.Is(err, e) {
			return true
		}
	}
	return isRefusal(err)
}

// takesText reports whether a command takes the free lines of a staff mail.
func takesText(verb string) bool { return verb == "resolve" || verb == "note" || verb == "update" }

// commandTexts says which text each command of a staff mail takes (texts[i] for cmds[i], only for
// #resolve, #note and #update) and the text of the public reply when no command takes any. The
// rule, from the README's commands section:
//
//   - free lines above every command belong to the first command that takes text;
//   - in a mail with a #note, every free line under a command is internal: it belongs to the
//     nearest #note above it, or to the first #note (fail closed: where a line sits never makes
//     text written near a note public);
//   - in a mail without a #note, free lines under a command belong to the nearest command above
//     them that takes text, or (under commands that take none) to the first that takes text;
//   - with no command that takes text, the free lines are a reply to the requester.
//
// extra (a #reuse's note) goes to the first #resolve or #update, or else to the reply.
func commandTexts(cmds []Command, lead, extra string) (texts []string, reply string) {
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, "\n\n")
	}
	texts = make([]string, len(cmds))
	first, firstNote, firstPublic := -1, -1, -1
	for i, c := range cmds {
		if !takesText(c.Verb) {
			continue
		}
		if first < 0 {
			first = i
		}
		if c.Verb == "note" && firstNote < 0 {
			firstNote = i
		}
		if c.Verb != "note" && firstPublic < 0 {
			firstPublic = i
		}
	}
	var orphan []string // Under commands taking no text, none above taking any.
	owner := -1
	for i, c := range cmds {
		if takesText(c.Verb) && (firstNote < 0 || c.Verb == "note") {
			owner = i
		}
		if owner >= 0 {
			texts[owner] = join(texts[owner], c.Text)
		} else {
			orphan = append(orphan, c.Text)
		}
	}
	orphans := join(orphan...)
	switch {
	case first < 0:
		return texts, join(lead, orphans, extra)
	case firstNote >= 0:
		texts[firstNote] = join(texts[firstNote], orphans)
		orphans = ""
	}
	// Lines written above the first command that takes text come before its own words, in the
	// order they were written ("Bonjour Quentin," then the resolution note).
	above := join(lead, orphans)
	for i, c := range cmds {
		if takesText(c.Verb) {
			texts[i] = join(c.Arg, texts[i])
		}
	}
	texts[first] = join(above, texts[first])
	if firstPublic >= 0 {
		texts[firstPublic] = joinOnce(texts[firstPublic], extra)
	} else {
		reply = extra
	}
	return texts, reply
}

// joinOnce adds extra (a #reuse's note) after text, unless text says it already: a technician
// who writes the note on the #resolve line as well does not send it twice. Case, spacing and
// final punctuation aside.
func joinOnce(text, extra string) string {
	text, extra = strings.TrimSpace(text), strings.TrimSpace(extra)
	norm := func(s string) string {
		return strings.TrimRight(strings.Join(strings.Fields(strings.ToLower(s)), " "), ".!;:…")
	}
	switch {
	case extra == "" || norm(extra) == "" || strings.Contains(norm(text), norm(extra)):
		return text
	case text == "":
		return extra
	}
	return text + "\n\n" + extra
}

func (t *Tx) applyCommands(tk *Ticket, in *Incoming, cmds []Command, lead string) error {
	who := in.From
	var reused []string
	for _, c := range cmds {
		if c.Verb == "reuse" {
			// #reuse N: ticket N's resolution note goes out after the technician's own words,
			// under their name, as their answer or with their #resolve.
			id, ok := ticketArg(c.Arg)
			if !ok {
				return &errRefused{c, say(PhraseTicketNumber, "command", "#reuse")}
			}
			note, err := t.reuseNote(id)
			if err != nil {
				if isRefusal(err) {
					return refusedByDomain(c, err)
				}
				return err
			}
			reused = append(reused, note)
		}
	}
	if tk.Status == StatusClosed {
		c := Command{Line: "(reply)"}
		if len(cmds) > 0 {
			c = cmds[0]
		}
		return &errRefused{c, say(PhraseClosed)}
	}
	texts, rest := commandTexts(cmds, lead, strings.Join(reused, "\n\n"))
	if len(cmds) == 0 && rest == "" {
		return &errRefused{Command{Line: "(empty)"}, say(PhraseNoText)}
	}
	// First every command is checked on its own, and every refusal found is told at once: a mail
	// with "#resolve" (no note) and "#frobnicat" gets both refusals, not one after the other.
	var refused refusals
	for i, c := range cmds {
		text := c.Arg
		if takesText(c.Verb) {
			text = texts[i]
		}
		if r := t.refusal(c, text, who); r != nil {
			refused = append(refused, r)
		}
	}
	if len(refused) > 0 {
		return refused
	}
	// Watchers change first: the person a #cc adds reads the answer written beside it, the one
	// it removes does not.
	for _, c := range cmds {
		if c.Verb != "cc" {
			continue
		}
		var err error
		if addr, remove := addressArg(c.Arg); remove {
			err = t.RemoveWatcher(tk, addr, who)
		} else {
			err = t.AddWatcher(tk, addr, who)
		}
		if err != nil {
			if isDomainRefusal(err) {
				return refusedByDomain(c, err)
			}
			return err
		}
	}
	if rest != "" && textIsInternal(cmds) {
		// Text beside a hand-over command is for colleagues: a note.
		if err := t.Note(tk, rest, who); err != nil {
			return err
		}
	} else if rest != "" {
		// Answering an incident is answering everyone it stands for (Reply).
		if err := t.Reply(tk, rest, who, in.MessageID); err != nil {
			return err
		}
	}
	for i, c := range cmds {
		var err error
		switch c.Verb {
		case "resolve":
			err = t.Resolve(tk, texts[i], who)
		case "note":
			err = t.Note(tk, texts[i], who)
		case "escalate":
			err = t.Escalate(tk, c.Arg, who)
		case "priority":
			p, _ := ParsePriority(c.Arg) // Checked by refusal.
			err = t.SetPriority(tk, p, who, "set by "+who)
		case "assign":
			addr, _ := addressArg(c.Arg)
			err = t.Assign(tk, addr, who)
		case "take":
			err = t.Assign(tk, who, who)
		case "pending":
			err = t.Pending(tk, who)
		case "reopen":
			err = t.Reopen(tk, who)
		case "cc":
			// Done above, before the answer.
		case "category":
			cat, _ := t.cfg.CategoryNamed(c.Arg) // Checked by refusal.
			err = t.SetCategory(tk, cat.Name, who)
		case "away":
			until, _ := parseAway(c.Arg, t.Now, t.cfg.Location()) // Checked by refusal.
			err = t.SetAway(who, until)
		case "back":
			err = t.SetAway(who, time.Time{})
		case "incident":
			err = t.IncidentCommand(tk, c.Arg, who)
		case "link":
			id, ok := ticketArg(c.Arg)
			if !ok {
				return &errRefused{c, say(PhraseTicketNumber, "command", "#link")}
			}
			err = t.Link(tk, id, who)
		case "unlink":
			// On an incident's mail, "#unlink N" detaches its request N: a technician holds mail
			// of the incident, seldom of each request linked to it.
			target := tk
			if id, ok := ticketArg(c.Arg); ok && tk.IsIncident() && id != tk.ID {
				if target, err = t.ticketIfExists(id); err == nil && (target == nil || target.Incident != tk.ID) {
					return &errRefused{c, say(PhraseNotLinked)}
				}
			}
			if err == nil {
				err = t.Unlink(target, who)
			}
		case "update":
			err = t.IncidentUpdate(tk, texts[i], who)
		case "reuse":
			// Done above: the note is in the text.
		}
		if err != nil {
			if isDomainRefusal(err) {
				return refusedByDomain(c, err)
			}
			return err
		}
	}
	return nil
}

// handOver lists the commands addressed to colleagues: they hand the ticket over (#assign,
// #escalate), judge it (#priority, #category, #incident, #link, #unlink) or say who works
// (#away, #back). What a technician writes beside them is for the team ("Dev, can you take this
// one first?"), not for the requester.
var handOver = map[string]bool{"assign": true, "escalate": true, "priority": true, "category": true,
	"incident": true, "link": true, "unlink": true, "away": true, "back": true}

// textIsInternal reports whether the free text of a staff mail whose commands are cmds is an
// internal note rather than an answer to the requester. The text goes to the requester when no
// command takes it (#resolve, #note and #update do) and the mail has no hand-over command, or
// when it has #reuse, which answers: #take, #pending, #reopen and #cc keep it public. One
// hand-over command makes it internal: a line meant for a colleague must never reach the
// requester, nor count as the first response. But #pending waits on the requester: beside it the
// text is the question they must answer, also with #priority, #category or #incident, and a note
// only when the mail passes the ticket to someone (#assign, #escalate) or says who works.
func textIsInternal(cmds []Command) bool {
	internal, asks, passes := false, false, false
	for _, c := range cmds {
		switch c.Verb {
		case "reuse":
			return false
		case "pending":
			asks = true
		case "assign", "escalate", "away", "back":
			passes = true
		}
		internal = internal || handOver[c.Verb]
	}
	if asks && !passes {
		return false
	}
	return internal
}

// refusal is why a command cannot apply whatever the ticket's state — an unknown verb, an
// argument missing or not understood — or nil. text is what the command takes: its argument, and
// for #resolve and #note the mail's free text.
func (t *Tx) refusal(c Command, text, who string) *errRefused {
	var p Phrase
	switch c.Verb {
	case "":
		p = say(PhraseUnknownCommand)
	case "resolve":
		if text == "" {
			p = say(PhraseNoteRequired)
		}
	case "note":
		if text == "" {
			p = say(PhraseNoteEmpty)
		}
	case "escalate":
		if c.Arg == "" {
			p = say(PhraseEscalateReason)
		}
	case "priority":
		if _, err := ParsePriority(c.Arg); err != nil {
			p = say(PhraseUnknownPriority)
		}
	case "assign":
		if addr, remove := addressArg(c.Arg); addr == "" || remove {
			p = say(PhraseAssignAddress)
		} else if _, ok := t.cfg.Technician(addr); !ok {
			p = say(PhraseNotTechnician, "who", fmt.Sprintf("%q", addr))
		}
	case "take":
		if _, ok := t.cfg.Technician(who); !ok {
			p = say(PhraseTakeNotTechnician)
		}
	case "cc":
		if addr, remove := addressArg(c.Arg); !remove && !validAddress(addr) || remove && addr == "" {
			p = say(PhraseCcAddress)
		}
	case "category":
		if _, ok := t.cfg.CategoryNamed(c.Arg); !ok {
			p = say(PhraseUnknownCategory, "category", fmt.Sprintf("%q", c.Arg), "names", strings.Join(t.categoryNames(), ", "))
		}
	case "away":
		if _, err := parseAway(c.Arg, t.Now, t.cfg.Location()); err != nil {
			p = say(PhraseAwayDate, "detail", awayDay(c.Arg)) // The date as written: the phrase says what is wrong in the reader's words.
		}
	}
	if p.Code == "" {
		return nil
	}
	return &errRefused{c, p}
}

// addressPartRE finds the addresses in a command's argument: the characters around an "@" that
// neither brackets, quotes, white space nor a "mailto:" can hold.
var addressPartRE = regexp.MustCompile(`[^\s<>\[\]()"',;:?]+@[^\s<>\[\]()"',;:?]+`)

// addressArg reads the address of a command that takes one (#cc, #assign), lower-case, and
// whether a "-" asks to remove it. It is written as the technician's mail client writes it:
// "paul@corp.example", "<paul@corp.example>", "Paul Garnier <paul@corp.example>",
// "mailto:paul@corp.example", or as desktop Outlook's text part renders a typed address,
// "paul@corp.example<mailto:paul@corp.example>". The address is "" when the argument holds none,
// and the argument itself when it holds two different ones (which no command takes).
func addressArg(arg string) (addr string, remove bool) {
	a := strings.TrimSpace(arg)
	if rest, ok := strings.CutPrefix(a, "-"); ok {
		a, remove = strings.TrimSpace(rest), true
	}
	for _, m := range addressPartRE.FindAllString(a, -1) {
		m = strings.ToLower(strings.TrimRight(m, "."))
		if addr != "" && m != addr {
			return strings.ToLower(a), remove
		}
		addr = m
	}
	if addr == "" && a != "" && !remove {
		return strings.ToLower(a), false // not an address: the refusal names it
	}
	return addr, remove
}

// ticketArg reads a command's ticket number: "42" or "#42".
func ticketArg(arg string) (int64, bool) {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(f[0], "#"), 10, 64)
	return id, err == nil && id > 0
}

func (t *Tx) categoryNames() []string {
	var out []string
	for _, c := range t.cfg.Categories {
		n := c.Name
		var labels []string
		for _, l := range []string{c.LabelFR, c.LabelEN, c.Label} {
			if l != "" && Fold(l) != Fold(c.Name) && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		if len(labels) > 0 {
			n += " (" + strings.Join(labels, ", ") + ")"
		}
		out = append(out, n)
	}
	return out
}

// parseAway reads "#away until 2026-12-24", "#away jusqu'au 24/12/2026", or "#away" (a month).
func parseAway(arg string, now time.Time, loc *time.Location) (time.Time, error) {
	a := strings.TrimSpace(Fold(arg))
	for _, p := range []string{"until", "till", "jusqu'au", "jusqu’au", "jusqu'a", "jusqu au", "au"} {
		a = strings.TrimSpace(strings.TrimPrefix(a, p+" "))
	}
	if a == "" {
		return now.AddDate(0, 1, 0), nil
	}
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006", "02.01.2006"} {
		if d, err := time.ParseInLocation(layout, a, loc); err == nil {
			if !d.After(now) {
				return time.Time{}, fmt.Errorf("date %s is in the past", arg)
			}
			return d.AddDate(0, 0, 1), nil // Away through that whole day.
		}
	}
	return time.Time{}, fmt.Errorf("unknown date %q: use #away until YYYY-MM-DD", arg)
}

// awayDay is the date of an #away argument as written, without its "until" ("jusqu'au").
func awayDay(arg string) string {
	a := strings.TrimSpace(arg)
	for _, p := range []string{"until", "till", "jusqu'au", "jusqu’au", "jusqu'à", "jusqu’à", "jusqu'a", "jusqu au", "au"} {
		if len(a) > len(p) && strings.EqualFold(a[:len(p)], p) && a[len(p)] == ' ' {
			a = strings.TrimSpace(a[len(p):])
		}
	}
	return a
}

// authResultsTokens splits an Authentication-Results value into its ";"-separated parts, with
// comments (which nest) and quoted strings removed first, as RFC 8601 section 2.2 reads them:
// "dkim=pass (2048-bit key; unprotected) header.d=x" is one result, and a ";" or "dkim=pass"
// inside a comment or a quoted local part is not.
func authResultsTokens(v string) [][]string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range strings.ToLower(v) {
		switch {
		case escaped:
			escaped = false
			continue
		case r == '\\' && (quoted || depth > 0):
			escaped = true
			continue
		case quoted:
			if r == '"' {
				quoted = false
			}
			continue
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			continue
		case depth > 0:
			continue
		case r == '"':
			quoted = true
			b.WriteString("quoted")
			continue
		}
		b.WriteRune(r)
	}
	var out [][]string
	for _, part := range strings.Split(b.String(), ";") {
		// "method = result" may have spaces around "=".
		part = spacedEquals.ReplaceAllString(part, "=")
		out = append(out, strings.Fields(part))
	}
	return out
}

var spacedEquals = regexp.MustCompile(`\s*=\s*`)

// authservID returns the authserv-id of an Authentication-Results value.
func authservID(header string) string {
	parts := authResultsTokens(header)
	if len(parts) == 0 || len(parts[0]) == 0 {
		return ""
	}
	return parts[0][0]
}

// AuthPass reports whether an Authentication-Results header value from authserv-id shows a
// dkim or dmarc pass for exactly domain (RFC 8601 section 2.2).
func AuthPass(header, authservID, domain string) bool {
	parts := authResultsTokens(header)
	if len(parts) < 2 || len(parts[0]) == 0 || parts[0][0] != authservID {
		return false
	}
	for _, f := range parts[1:] {
		if len(f) == 0 || (f[0] != "dkim=pass" && f[0] != "dmarc=pass") {
			continue
		}
		for _, prop := range f[1:] {
			k, v, ok := strings.Cut(prop, "=")
			if !ok {
				continue
			}
			if at := strings.LastIndexByte(v, '@'); at >= 0 {
				v = v[at+1:]
			}
			// The domain itself only: a parent's pass (co.uk for corp.co.uk, or a university's
			// for one of its departments) vouches for every mailbox under it. Relaxed alignment
			// to the organisational domain would need the public suffix list to find where that
			// is; exact match needs nothing.
			if (k == "header.d" || k == "header.i" || k == "header.from") && v != "" && strings.EqualFold(v, domain) {
				return true
			}
		}
	}
	return false
}

// reject records refused commands, an event each, and tells their author in one mail, in the
// author's language, what was wrong and how to write it. One refusal names its line above the
// reason; several give each reason after its line.
func (t *Tx) reject(tk *Ticket, who string, rs ...*errRefused) error {
	t.count(&t.d.counters.CommandsRefused, 1)
	lang := t.staffLanguage(who)
	if !t.cfg.IsStaff(who) {
		lang = tk.Language
	}
	n := Notice{Audience: "staff"}
	for _, r := range rs {
		line := Phrase{Code: JournalRejected, Args: map[string]string{"line": r.cmd.Line}, Parts: map[string]Phrase{"reason": r.reason}}
		if err := t.said(tk, EventRejected, who, false, line, ""); err != nil {
			return err
		}
		if len(rs) == 1 {
			n.Command, n.Problems = r.cmd.Line, []string{t.say(lang, r.reason)}
		} else {
			n.Problems = append(n.Problems, r.cmd.Line+" — "+t.say(lang, r.reason))
		}
	}
	return t.queue(tk, Mail{Kind: KindRejected, To: []string{who}, Language: lang, Automatic: true, Notice: n})
}

// allStaff reports whether every recipient is a technician or coordinator.
func (t *Tx) allStaff(lists ...[]string) bool {
	for _, l := range lists {
		for _, a := range l {
			if !t.cfg.IsStaff(a) {
				return false
			}
		}
	}
	return true
}
