package tickets

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Who may do what, as the desk decides it for each incoming mail. From is only a claim: anyone
// can write any address there. A mail is authenticated for its sender when
//   - it answers a desk mail that was sent to that very address: it carries a ticket token bound
//     to the sender's mailbox (see Signer), in In-Reply-To/References or in the plus-address it
//     was sent to; or
//   - [security] trusted_authserv_id is set and that server's Authentication-Results show a DKIM
//     or DMARC pass for the sender's domain (RFC 8601). A pass proves the domain, not the
//     mailbox: the domain's own servers must keep its users from writing as one another.
//
// and it repeats none of the fields a reader takes the first copy of (see Incoming.Repeated).
// Only an authenticated staff mail runs commands or is relayed to the requester; only an
// authenticated mail adds the people it copies as watchers.

// threading is how thread found an incoming mail's ticket, for the decisions after it.
type threading struct {
	stranger bool // The sender is not on the ticket and came in by its tag, or by someone else's token.
	bound    bool // The mail carries a token of this ticket issued to its sender.
	composed bool // A new request written to a finished ticket's plus-address (composedAnew).
}

// Limits on what a mail's sender writes that the desk keeps and shows.
const (
	maxName      = 100 // Display names, in runes.
	maxSubjectIn = 500 // An incoming mail's subject, in runes (a ticket's own is maxSubject).
	maxListed    = 50  // Addresses named in one event; the rest are counted.
	noticeWindow = time.Hour
)

// OneLine returns s as one line of at most max runes: control characters and line breaks
// (decoded from a header's encoded words, say) become spaces, runs of spaces one, and a longer
// text is cut with "…". Display names and subjects go through it wherever they are stored or
// shown.
func OneLine(s string, max int) string {
	if oneLineAlready(s, max) {
		return s
	}
	return oneLineByMap(s, max)
}

// oneLineAlready reports whether OneLine(s, max) is s: at most max runes, no rune it maps to a
// space, no space but single ones between words. Most names and subjects are, and the map,
// the fields and their join were 17,000 instructions a new request in the writer
// (BenchmarkIngestWriter; TestOneLineAlready holds the two ways equal).
func oneLineAlready(s string, max int) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	n, space := 0, false
	for _, r := range s {
		n++
		switch {
		case r == ' ':
			if space {
				return false
			}
			space = true
			continue
		case r < ' ' || r == 0x7f:
			return false
		case r >= utf8.RuneSelf && (r == utf8.RuneError || r == '\ufeff' || unicode.IsSpace(r) || unicode.IsControl(r) ||
			unicode.Is(unicode.Bidi_Control, r)):
			return false
		}
		space = false
	}
	return max <= 0 || n <= max
}

// oneLineByMap is OneLine's every step.
func oneLineByMap(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); max > 0 && len(r) > max {
		s = strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return s
}

// Sendable reports whether an address can be given to the mail server as it is: net/mail (the
// parser the sender's library, go-mail, checks recipients with) reads it as one bare address.
// "x@y@evil.example", "a@b, c@d" and "Name <a@b>" are not.
//
// A PlainAddress, as nearly every recipient is, is what net/mail reads as that same bare
// address, and is taken without the parser and its five allocations (TestSendableSameAsParser
// holds the two to each other): 442 instructions instead of 4,006 for
// alice.martin+desk@corp.example (BenchmarkSendable, callgrind).
func Sendable(addr string) bool {
	if addr == "" || len(addr) > 254 {
		return false
	}
	if PlainAddress(addr) {
		return true
	}
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Name == "" && strings.EqualFold(a.Address, addr)
}

// PlainAddress reports whether s is local@domain, both RFC 5322 dot-atoms of ASCII (atext, no dot
// first, last or doubled): the form nearly every address has, which net/mail reads as itself with
// no name. mailin reads such addresses, and mailout writes such recipients, without net/mail.
func PlainAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && dotAtom(s[:at]) && dotAtom(s[at+1:])
}

// dotAtom reports whether s is an RFC 5322 dot-atom of ASCII: atext, dots between.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' && s[i-1] == '.' || c != '.' && !atext[c] {
			return false
		}
	}
	return true
}

// atext says which bytes are RFC 5322's atext, as net/mail reads it in ASCII: the visible
// characters but the specials.
var atext = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`()<>[]:;@\,".`, c)
	}
	return t
}()

// InOrganisation reports whether an address is in one of the organisation's domains ([desk]
// domains): only such people become watchers from a mail's copy.
func (c *Config) InOrganisation(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(addr[at+1:])
	for _, d := range c.Desk.Domains {
		if domain == d {
			return true
		}
	}
	return false
}

// cleanIncoming makes what the sender wrote in header fields fit to store and show.
func cleanIncoming(in *Incoming) {
	in.FromName = OneLine(in.FromName, maxName)
	in.ReplyToName = OneLine(in.ReplyToName, maxName)
	in.Subject = OneLine(in.Subject, maxSubjectIn)
}

// boundToSender reports whether the mail carries a ticket token of ticket id bound to its sender.
func (t *Tx) boundToSender(in *Incoming, id int64, refs []string) bool {
	s := t.d.Signer
	for _, ref := range refs {
		if tok, err := s.ParseMessageID(ref); err == nil && tok.ID == id && s.Bound(tok, in.From) {
			return true
		}
	}
	for _, a := range append(append([]string{}, in.To...), in.Cc...) {
		if tok, err := s.ParseAddress(a); err == nil && t.cfg.IsDeskAddress(a) && tok.ID == id && s.Bound(tok, in.From) {
			return true
		}
	}
	return false
}

// authenticate says whether a mail into ticket tk is authenticated for its sender (see the top
// of this file), and if not, why.
func (t *Tx) authenticate(tk *Ticket, in *Incoming, th threading) (Phrase, bool, error) {
	if len(in.Repeated) > 0 {
		return say(PhraseRepeatedHeader, "field", in.Repeated[0]), false, nil
	}
	if in.AmbiguousFrom {
		return say(PhraseAmbiguousFrom), false, nil
	}
	noToken := say(PhraseNoToken)
	if th.bound && t.cfg.IsStaff(in.From) {
		exposed, err := t.KV(exposedKey(tk.ID, in.From))
		if err != nil {
			return Phrase{}, false, err
		}
		if exposed == "" {
			return Phrase{}, true, nil
		}
		noToken = say(PhraseTokenExposed)
	} else if th.bound {
		return Phrase{}, true, nil
	}
	phrase, ok := t.authResults(in)
	if phrase.Code == PhraseNoToken {
		phrase = noToken
	}
	return phrase, ok, nil
}

// exposedKey is the kv key that records that a staff member's token for a ticket went to others.
func exposedKey(ticket int64, staff string) string {
	return "exposed-token:" + strconv.FormatInt(ticket, 10) + ":" + Mailbox(staff)
}

// noteExposure records that a staff mail into tk, which carries its sender's own token of the
// ticket, went to other people than the desk: a reply to all. Their copies hold the token in
// In-Reply-To and in the desk's plus-address; anyone of them could then write "From:" the staff
// member with it. From then on the token proves nothing of the staff member on that ticket
// (authenticate): their mail needs a DKIM or DMARC pass, or the web desk. The token is the same
// in every later desk mail to them on the ticket, so it cannot be renewed by a reply.
func (t *Tx) noteExposure(tk *Ticket, in *Incoming) error {
	refs := append(append([]string{}, in.InReplyTo...), in.References...)
	if !t.boundToSender(in, tk.ID, refs) {
		return nil
	}
	for _, a := range append(append([]string{}, in.To...), in.Cc...) {
		if !t.cfg.IsDeskAddress(a) && Mailbox(a) != Mailbox(in.From) {
			return t.SetKV(exposedKey(tk.ID, in.From), strconv.FormatInt(t.Now.Unix(), 10))
		}
	}
	return nil
}

// authResults says whether the trusted server's Authentication-Results vouch for the sender's
// domain, and if not, why.
func (t *Tx) authResults(in *Incoming) (Phrase, bool) {
	id := strings.ToLower(t.cfg.Security.TrustedAuthservID)
	_, domain, _ := strings.Cut(in.From, "@")
	if id == "" {
		return say(PhraseNoToken), false
	}
	for _, h := range in.AuthResults {
		if authservID(h) != id {
			continue
		}
		// Only the topmost header of that server counts: the ones below it were in the mail
		// when it arrived, so anyone could have written them.
		if AuthPass(h, id, domain) {
			return Phrase{}, true
		}
		break
	}
	return say(PhraseNotAuthenticated, "server", id, "domain", domain), false
}

// unauthenticated keeps a staff mail that is not authenticated as an internal note of the desk:
// nothing runs, nothing is relayed, nobody else is told. The staff address is told why, at most
// once an hour, so that a forger cannot flood it.
func (t *Tx) unauthenticated(tk *Ticket, in *Incoming, reason Phrase) (Outcome, error) {
	o := Outcome{MessageID: in.MessageID, TicketID: tk.ID, Action: ActionUnauthenticated}
	p := say(JournalUnauthenticated, "from", in.From, "text", strings.TrimSpace(in.Text)) // The mail's text stays as written.
	if n := len(in.Attachments); n > 0 {
		p.Args["files"] = fmt.Sprint(n)
	}
	p.Parts = map[string]Phrase{"reason": reason}
	if err := t.said(tk, EventNote, ActorDesk, false, p, in.MessageID); err != nil {
		return o, err
	}
	key := "unauthenticated-notice:" + Mailbox(in.From)
	last, err := t.KV(key)
	if err != nil {
		return o, err
	}
	if at, err := strconv.ParseInt(last, 10, 64); err == nil && t.Now.Sub(time.Unix(at, 0)) < noticeWindow {
		return o, nil
	}
	if err := t.SetKV(key, strconv.FormatInt(t.Now.Unix(), 10)); err != nil {
		return o, err
	}
	cmds, _ := ParseCommands(in.Text)
	var line string
	if len(cmds) > 0 {
		line = cmds[0].Line
	}
	// A technician who answered the requester's own mail with the desk in copy: the requester
	// has the answer already, and sending it again would double it.
	direct := contains(in.To, tk.Requester) || contains(in.Cc, tk.Requester)
	lang := t.staffLanguage(in.From)
	return o, t.queue(tk, Mail{Kind: KindRejected, To: []string{in.From}, Language: lang, Automatic: true,
		Notice: Notice{Audience: "staff", Command: line, Kept: true, Direct: direct,
			Problems: []string{t.say(lang, reason), t.say(lang, say(PhraseKeptAsNote))}}})
}

// copied sorts the people a mail copies into those who become watchers of a ticket and those
// only recorded: outside the organisation's domains, over [desk] max_watchers, or not an address
// mail can be sent to. It is linear in the number of addresses: a mail may copy tens of
// thousands.
type copied struct {
	add                       []string
	outside, over, unsendable []string
	withheld                  []string // Of the organisation, but the mail may make no watchers (withheldWhy).
	withheldWhy               Phrase
}

// withhold records the would-be watchers as only copied, for the reason why (in the journal's
// words): the mail may make nobody a watcher.
func (c *copied) withhold(why Phrase) {
	c.withheld, c.withheldWhy, c.add = append(c.withheld, c.add...), why, nil
}

func (t *Tx) sortCopied(cands []string, skip map[string]bool) copied {
	cfg := t.cfg.Config
	var c copied
	seen := map[string]bool{}
	for _, a := range cands {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || seen[a] || skip[a] || cfg.IsDeskAddress(a) || cfg.IsStaff(a) {
			continue
		}
		seen[a] = true
		switch {
		case !Sendable(a):
			c.unsendable = append(c.unsendable, a)
		case !cfg.InOrganisation(a):
			c.outside = append(c.outside, a)
		case len(c.add) >= cfg.Desk.MaxWatchers:
			c.over = append(c.over, a)
		default:
			c.add = append(c.add, a)
		}
	}
	return c
}

// record notes on the ticket who was copied but not made a watcher, and why.
func (c copied) record(t *Tx, tk *Ticket, actor, messageID string) error {
	var parts []Phrase
	for _, g := range []struct {
		p     Phrase
		addrs []string
	}{
		{Phrase{Code: JournalCopiedWithheld, Parts: map[string]Phrase{"reason": c.withheldWhy}}, c.withheld},
		{Phrase{Code: JournalCopiedOutside}, c.outside},
		{say(JournalCopiedOver, "max", fmt.Sprint(t.cfg.Desk.MaxWatchers)), c.over},
		{Phrase{Code: JournalCopiedUnsendable}, c.unsendable},
	} {
		if len(g.addrs) > 0 {
			if g.p.Parts == nil {
				g.p.Parts = map[string]Phrase{}
			}
			g.p.Parts["addresses"] = listedPhrase(g.addrs)
			parts = append(parts, g.p)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return t.said(tk, EventCopied, actor, false, Phrase{Code: JournalCopied, List: parts}, messageID)
}

// listedPhrase names at most maxListed addresses and counts the others.
func listedPhrase(addrs []string) Phrase {
	if len(addrs) <= maxListed {
		return say(JournalAddresses, "addresses", strings.Join(addrs, ", "))
	}
	return say(JournalAddresses, "addresses", strings.Join(addrs[:maxListed], ", "), "more", fmt.Sprint(len(addrs)-maxListed))
}

// unvouchedNew says why a mail opening a ticket may not make the people it copies watchers
// ("" when it may): it must come from the organisation's domains and, when the desk has a
// trusted server ([security] trusted_authserv_id), that server must vouch for its sender.
// Without one, the MTA's rules (README, "Security model") are what keep a stranger from writing
// as a colleague. The reason is in the journal's words.
func (t *Tx) unvouchedNew(in *Incoming) Phrase {
	if !t.cfg.InOrganisation(in.From) {
		return Phrase{Code: JournalSenderOutside}
	}
	if t.cfg.Security.TrustedAuthservID == "" {
		if len(in.Repeated) > 0 {
			return Phrase{Code: JournalMailRepeated}
		}
		if in.AmbiguousFrom {
			return Phrase{Code: JournalMailNotAuth}
		}
		return Phrase{}
	}
	if _, ok, _ := t.authenticate(nil, in, threading{}); !ok {
		return Phrase{Code: JournalMailNotAuth}
	}
	return Phrase{}
}

// participant reports whether addr is a ticket's requester or one of its watchers.
func participant(tk *Ticket, addr string) bool {
	if strings.EqualFold(tk.Requester, addr) {
		return true
	}
	for _, w := range tk.Watchers {
		if strings.EqualFold(w, addr) {
			return true
		}
	}
	return false
}
