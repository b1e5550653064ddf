package tickets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Verdict says who or what wrote an incoming mail; mailin judges it, the desk acts on it: only a
// person's mail opens or updates a ticket, and no automatic mail is ever answered.
type Verdict string

// Verdicts, from the most to the least specific.
const (
	VerdictPerson    Verdict = "person"     // A person wrote it: open or update a ticket.
	VerdictAutoReply Verdict = "auto-reply" // Out-of-office and other automatic responses (RFC 3834).
	VerdictBounce    Verdict = "bounce"     // A delivery failure report (RFC 3464).
	VerdictDelay     Verdict = "delay"      // A delivery delay warning (RFC 3464 Action: delayed): nothing failed yet, no address is suppressed.
	VerdictFeedback  Verdict = "feedback"   // An abuse feedback report (RFC 5965).
	VerdictBulk      Verdict = "bulk"       // List or bulk mail.
	VerdictLoop      Verdict = "loop"       // One of the desk's own mails, or a mail marked as looping.
)

// Incoming is a received mail as the desk needs it; mailin builds it from the raw message.
type Incoming struct {
	MessageID        string   // Lower-case, without <>.
	InReplyTo        []string // As received (Message-IDs are case-sensitive), without <>.
	References       []string
	From             string // Lower-case address.
	FromName         string
	ReplyTo          string // A person's Reply-To, "" when none.
	ReplyToName      string
	To, Cc           []string // Lower-case addresses.
	Subject          string
	Date             time.Time
	Text             string // The visible new text: quoted history and signature removed.
	Signature        string // What followed a "-- " signature delimiter, quoted history left out: a technician may put a command there.
	Forwarded        string // A forwarded mail's text with the forwarded message kept: a new ticket's request. "" when not a forward.
	History          string // A reply chain's text with its quoted history kept: a new ticket's context. "" when the mail quotes nothing.
	Language         string // "fr" or "en", detected.
	HeaderPriority   int    // X-Priority 1..5, 0 if absent.
	AuthResults      []string
	Attachments      []IncomingAttachment
	Verdict          Verdict // person, auto-reply, bounce, delay, feedback, bulk, loop.
	VerdictReason    string
	FailedRecipients []string          // Bounces: who could not be reached.
	FailedStatus     map[string]string // Bounces: the DSN Status of each failed recipient ("5.1.1"), "" when not given.
	ReturnedIDs      []string          // Bounces and auto-replies: Message-IDs of our mail they return.
	// DeliveredTo lists the envelope recipients the receiving servers recorded (Delivered-To,
	// X-Original-To, Envelope-To): a bounce comes back to the bounce address of the copy it
	// returns.
	DeliveredTo []string
	// AmbiguousFrom: the From field, unreadable as the standard writes it, names more than one
	// address; which one sent the mail is the reader's guess, so it is not authenticated.
	AmbiguousFrom bool
	// Repeated names the fields among From, Sender, Subject, Message-ID, In-Reply-To,
	// References and Date that the mail has more than once. DKIM signs the last copy of a field
	// and readers show the first, so a signed mail with such a field prepended is a replay:
	// it is not authenticated.
	Repeated     []string
	Raw          []byte
	OmittedFiles int // Files of the mail past the reader's limit: neither read nor kept (Raw has them).
	// NoAck says why a request gets no acknowledgement if it opens a ticket ("" sends one): the
	// mail reader's first run found it too old.
	NoAck string
	// ThreadIndex and ThreadTopic are Outlook's conversation headers (Thread-Index, base64, and
	// Thread-Topic), "" when the mail has none: the desk's mails about a ticket carry the
	// conversation of the mail that opened it, so Outlook shows them in the requester's thread.
	ThreadIndex string
	ThreadTopic string
	// Names are the display names the mail gives From, Reply-To, To and Cc, by lower-case
	// address: the desk names people by them where it knows no better.
	Names map[string]string
	// Meeting is what the mail's own calendar part says (meeting.go), nil when it has none.
	Meeting *Meeting
	// Request is Text as triage reads it (requestBody), found with the language by the mail
	// reader (DetectLanguageText); the zero value when not, and ignored once Text changes.
	Request RequestText
	// known are the known answers Ingest ranked for the mail before its transaction, should it
	// open a ticket (known.go).
	known *preparedKnown
	// prepared is the triage and search document Ingest made for the mail before its
	// transaction, should it open a ticket (prepare.go).
	prepared *preparedRequest
	scrubbed bool     // scrubLinks ran (desklinks.go).
	spend    []string // Nonces of the desk's sign-in links the mail quotes: spent when it is recorded.
}

// MaxText is the most of one mail's text a ticket keeps as its visible text: 256 KB, some
// fifty pages, more than anyone writes to a help desk, and small enough for every mail that
// quotes it. The reader keeps a longer text whole as a file of the ticket (mailin's
// message.txt), and the raw mail keeps everything. A 24 MB text used to take 12 s and 650 MB,
// and made the technician's notice too large to send.
const MaxText = 256 << 10

// IncomingAttachment is a file received with a mail.
type IncomingAttachment struct {
	Name        string
	ContentType string
	Size        int64
	Data        []byte
	Omitted     bool
}

// Outcome is what the desk did with one incoming mail.
type Outcome struct {
	MessageID string
	TicketID  int64  // The ticket it went to, 0 if none.
	Action    string // opened, appended, reply, command, rejected, duplicate, ignored, recorded.
	Err       error  // Not processed: nothing of it was committed.
}

// Outcome actions.
const (
	ActionOpened    = "opened"
	ActionAppended  = "appended"
	ActionReply     = "reply"
	ActionCommand   = "command"
	ActionRejected  = "rejected"
	ActionDuplicate = "duplicate"
	ActionIgnored   = "ignored"  // Automatic mail about no ticket.
	ActionRecorded  = "recorded" // Automatic mail recorded on its ticket.
	ActionThanked   = "thanked"  // A reply that only thanks, recorded on its resolved ticket.
	// ActionNothingNew is a reply with no text of its own, recorded on its ticket.
	ActionNothingNew = "nothing-new"
	// ActionUnauthenticated is a staff mail kept as a note: it was not authenticated.
	ActionUnauthenticated = "unauthenticated"
)

// Ingest processes a batch of incoming mails in one transaction (group commit), each under its
// own savepoint: a mail that fails is rolled back alone and reported in its Outcome, the others
// commit. The returned error is for the batch as a whole (nothing committed).
//
// A savepoint costs every mail (SQLite copies each page a mail first changes into the savepoint's
// journal), and a mail seldom fails: the batch runs first without them, and only if a mail fails
// is it rolled back whole and run again with one savepoint a mail.
func (d *Desk) Ingest(ctx context.Context, now time.Time, batch []*Incoming) ([]Outcome, error) {
	// Triaged and analysed, and ranked on the read pool, outside the one writer.
	d.prepareBatch(ctx, batch)
	out, err := d.ingest(ctx, now, batch, false)
	if errors.Is(err, errMailFailed) {
		out, err = d.ingest(ctx, now, batch, true)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errMailFailed ends a batch run without savepoints at the first mail that fails.
var errMailFailed = errors.New("a mail of the batch failed")

// ingest runs a batch in one transaction, each mail under a savepoint of its own if savepoints,
// else failing whole (errMailFailed) at the first mail that fails.
func (d *Desk) ingest(ctx context.Context, now time.Time, batch []*Incoming, savepoints bool) ([]Outcome, error) {
	out := make([]Outcome, len(batch))
	err := d.Update(ctx, now, func(tx *Tx) error {
		if err := tx.lookUpBatch(batch); err != nil {
			return err
		}
		tx.pending.holdTickets = true
		for i, in := range batch {
			if !savepoints {
				o, err := tx.ingestOne(in)
				if err == nil {
					err = tx.pending.err // A write its statements made first failed.
				}
				if err != nil {
					return fmt.Errorf("%w: %s: %w", errMailFailed, in.MessageID, err)
				}
				out[i] = o
				continue
			}
			out[i] = Outcome{MessageID: in.MessageID}
			rollback, err := tx.savepoint("mail")
			if err != nil {
				return err
			}
			o, err := tx.ingestOne(in)
			if err == nil {
				err = tx.flushPending() // Its rows are written under its savepoint.
			}
			if err != nil {
				if rerr := rollback(); rerr != nil {
					return errors.Join(err, rerr)
				}
				o = Outcome{MessageID: in.MessageID, Err: err}
			}
			if _, err := tx.exec(`RELEASE mail`); err != nil {
				return err
			}
			out[i] = o
		}
		if err := tx.flushPending(); err != nil {
			if !savepoints {
				return fmt.Errorf("%w: %w", errMailFailed, err) // Whose rows, savepoints tell.
			}
			return err
		}
		return nil
	})
	return out, err
}

// HasMessage reports whether a mail with this Message-ID was already recorded.
func (d *Desk) HasMessage(ctx context.Context, messageID string) (bool, error) {
	return d.Store.HasMessage(ctx, messageID)
}

// MailboxState returns what the mail reader last recorded of a mailbox, nil for nothing.
func (d *Desk) MailboxState(ctx context.Context, mailbox string) ([]byte, error) {
	return d.Store.MailboxState(ctx, mailbox)
}

// SetMailboxState records the mail reader's state of a mailbox; the desk does not read it.
func (d *Desk) SetMailboxState(ctx context.Context, mailbox string, state []byte) error {
	return d.Store.SetMailboxState(ctx, mailbox, state)
}

func (t *Tx) ingestOne(in *Incoming) (Outcome, error) {
	o := Outcome{MessageID: in.MessageID}
	cleanIncoming(in)
	if err := t.spendSignIns(in.spend); err != nil {
		return o, err
	}
	t.source, t.cause = in.MessageID, Mailbox(in.From)
	t.direct = nil // Made for the first address that is not the desk's: a new request most often has none.
	for _, list := range [...][]string{in.To, in.Cc} {
		for _, a := range list {
			if !t.cfg.IsDeskAddress(a) {
				if t.direct == nil {
					t.direct = map[string]bool{}
				}
				t.direct[strings.ToLower(a)] = true
			}
		}
	}
	defer func() { t.source, t.cause, t.direct = "", "", nil }()
	if te, ok := t.cfg.Technician(in.From); ok {
		in.From = te.Email // A technician writing from an alias acts as themselves.
	}
	if in.MessageID == "" {
		return o, errors.New("mail without Message-ID")
	}
	if folded, err := t.foldedMessage(in.MessageID); err != nil || folded {
		o.Action = ActionDuplicate
		return o, err
	}
	thread := Conversation{Index: conversationHeader(in.ThreadIndex), Topic: OneLine(in.ThreadTopic, 255)}
	if dup, err := t.recordMessage(in, thread); err != nil || dup {
		o.Action = ActionDuplicate
		return o, err
	}
	t.rememberThread(in.MessageID, thread)
	cfg := t.cfg.Config
	if in.Verdict == "" {
		in.Verdict = VerdictPerson
	}
	if in.Verdict == VerdictPerson && cfg.IsDeskAddress(in.From) {
		in.Verdict, in.VerdictReason = VerdictLoop, "sent from the desk's own address"
	}
	if in.Verdict == VerdictPerson {
		if err := t.rememberNames(in); err != nil {
			return o, err
		}
	}

	tk, th, err := t.thread(in)
	if err != nil {
		return o, err
	}
	if in.Meeting != nil && in.Verdict == VerdictPerson {
		if o, done, err := t.meetingInvitation(in, tk, th); done || err != nil {
			return o, err // A staff's invitation (meeting.go).
		}
	}
	if in.Verdict == VerdictBulk && tk == nil {
		// Other automatic mail (a monitoring tool's alert, a report) is work: it opens a
		// ticket, whose requester is never mailed automatically (quiet.go).
		return t.openFrom(in, 0)
	}
	if in.Verdict != VerdictPerson {
		return t.recordAutomatic(in, tk)
	}
	if tk != nil && th.composed {
		// A new request written to a finished ticket's remembered address: a ticket of its own
		// that names the old one (composedAnew).
		return t.openFrom(in, tk.ID)
	}
	if tk != nil && (th.stranger || !t.cfg.IsStaff(in.From) && t.opensNoMore(tk)) {
		// A second mail that would follow up the same old ticket, from the same person, goes into
		// the request their first one opened (followUpOf): the detail they forgot, the screenshot.
		fu, err := t.followUpOf(tk.ID, in.From)
		if err != nil {
			return o, err
		}
		if fu != nil {
			tk, th = fu, threading{}
		}
	}
	if tk != nil && th.stranger {
		// A tag or someone else's token from a person not on the ticket: a new ticket that
		// mentions the old one.
		return t.openFrom(in, tk.ID)
	}
	if tk == nil && t.cfg.IsStaff(in.From) && answersNoTicket(in) {
		return t.aboutNoTicket(in) // A digest's, a summary's, a sign-in mail's answer (noticket.go).
	}
	if tk == nil {
		return t.openFrom(in, 0)
	}
	o.TicketID = tk.ID
	if err := t.linkMessage(in, tk.ID); err != nil {
		return o, err
	}
	reason, authentic, err := t.authenticate(tk, in, th)
	if err != nil {
		return o, err
	}
	if authentic && t.cfg.IsStaff(in.From) {
		// Whatever it does (a command, a reply, a requester's own text), a staff mail to others
		// shows them its sender's token.
		if err := t.noteExposure(tk, in); err != nil {
			return o, err
		}
	}
	// Staff act on tickets by mail; on their own request, only when they write commands.
	if t.cfg.IsStaff(in.From) && (in.From != tk.Requester || hasCommand(in.Text+"\n"+in.Signature)) {
		if !authentic {
			return t.unauthenticated(tk, in, reason)
		}
		// The hourly budget of mail one sender causes is for strangers: staff proven by their
		// mail cause what their work needs (an escalation tells each requester).
		t.cause = ""
		action, err := t.staffMail(tk, in)
		o.Action = action
		return o, err
	}
	// The requester, a watcher, or someone the conversation reached.
	if t.opensNoMore(tk) {
		return t.openFrom(in, tk.ID)
	}
	if err := t.watchersFrom(tk, in, authentic); err != nil {
		return o, err
	}
	if err := t.storeAttachments(tk, in); err != nil {
		return o, err
	}
	if strings.TrimSpace(in.Text) == "" && len(in.Attachments) == 0 {
		// Nothing new (only the quoted history of the desk's own mail): recorded as the empty
		// reply it is, the raw mail kept; nothing reopens, nobody is paged.
		o.Action = ActionNothingNew
		return o, t.said(tk, EventMessage, in.From, false, Phrase{Code: JournalNoNewText}, in.MessageID)
	}
	// "Merci beaucoup !" to a resolution is recorded, nothing reopens; any other reply reopens.
	thanked, err := t.RequesterReply(tk, in.Text, in.From, in.FromName, in.MessageID)
	o.Action = ActionAppended
	if thanked {
		o.Action = ActionThanked
	}
	return o, err
}

// staffMail handles a technician's or coordinator's mail into a ticket: commands, notes, or a
// public reply.
func (t *Tx) staffMail(tk *Ticket, in *Incoming) (string, error) {
	// An authenticated staff reply-all: who it names in To and Cc had it, no relayed copy.
	// Anyone else's headers may name people the mail never went to.
	t.staffDirect = true
	defer func() { t.staffDirect = false }()
	if err := t.storeAttachments(tk, in); err != nil {
		return "", err
	}
	return t.HandleStaffMail(tk, in)
}

// openFrom opens a ticket for a person's new request. link is an older ticket it follows up.
func (t *Tx) openFrom(in *Incoming, link int64) (Outcome, error) {
	cfg := t.cfg.Config
	// The requester is the sender. Reply-To names another requester only within the
	// organisation (an assistant writing for her manager), and the sender then gets nothing of
	// the ticket: the technician is told who wrote it, on behalf of whom.
	requester, name, writtenBy := in.From, in.FromName, ""
	if in.Verdict == VerdictBulk {
		in.NoAck = bulkNoAck(in)
	}
	if in.Verdict != VerdictBulk && in.ReplyTo != "" && in.ReplyTo != in.From && !cfg.IsDeskAddress(in.ReplyTo) && !noReply(in.ReplyTo) &&
		cfg.InOrganisation(in.From) && cfg.InOrganisation(in.ReplyTo) && Sendable(in.ReplyTo) {
		requester, name, writtenBy = in.ReplyTo, in.ReplyToName, in.From
	}
	cc := t.sortCopied(append(append([]string{}, in.To...), in.Cc...), map[string]bool{requester: true, in.From: true})
	if why := t.unvouchedNew(in); why.Code != "" {
		// Only a mail of the organisation, authenticated when the desk can tell, makes the
		// people it copies watchers of a new ticket; anyone else's copies are only recorded.
		cc.withhold(why)
	}
	// A forwarded mail that opens a ticket: the forwarded message is the request. In a ticket's
	// conversation (ingestOne) only the new text counts.
	text := in.Text
	switch {
	case in.Forwarded != "":
		text = in.Forwarded
	case in.History != "" && link == 0:
		// A reply chain sent to the desk: the history is the request's context. Quoting an old
		// ticket's mail (link) only repeats the desk's own words.
		text = in.History
	}
	subject := CleanSubject(in.Subject, cfg.Desk.Tag)
	if link != 0 {
		// A new request written as a reply to an old ticket's mail keeps that ticket's subject:
		// its own first line says better what it is about.
		// Only for a participant of the old ticket, who was told its subject: to anyone else,
		// the subject of their acknowledgement would tell whether they guessed it.
		if old, err := t.Ticket(link); err == nil && participant(old, in.From) && strings.EqualFold(subject, old.Subject) {
			subject = followUpSubject(old.Subject, text)
		}
	}
	var key [16]byte
	if link == 0 && in.Verdict == VerdictPerson {
		rep, k, err := t.repeatOf(in, requester, in.Subject, text)
		if err != nil {
			return Outcome{MessageID: in.MessageID}, err
		}
		if rep != nil {
			return t.repeated(rep, in)
		}
		key = k
	}
	withheld := noAck(in.NoAck, requester)
	tk, err := t.Open(NewTicket{
		Subject: subject, Text: text, Requester: requester, RequesterName: name,
		Watchers: cc.add, Language: in.Language, MessageID: in.MessageID, HeaderPriority: in.HeaderPriority,
		LinkedTicket: link, Actor: in.From, NoAck: withheld, WrittenBy: writtenBy, noAckWhy: t.noAckLine(withheld, in, requester),
		Quiet: in.Verdict == VerdictBulk, known: in.known, prepared: in.prepared,
	})
	if err != nil {
		return Outcome{MessageID: in.MessageID}, err
	}
	if err := cc.record(t, tk, in.From, in.MessageID); err != nil {
		return Outcome{}, err
	}
	if err := t.linkMessage(in, tk.ID); err != nil {
		return Outcome{}, err
	}
	if err := t.storeAttachments(tk, in); err != nil {
		return Outcome{}, err
	}
	if key != ([16]byte{}) {
		t.d.recent.remember(key, tk.ID, t.Now)
	}
	return Outcome{MessageID: in.MessageID, TicketID: tk.ID, Action: ActionOpened}, nil
}

// repeated records a request's exact repeat on the ticket the first one opened (repeated.go):
// its mail and files are kept there, a line says what it is, nothing is sent.
func (t *Tx) repeated(tk *Ticket, in *Incoming) (Outcome, error) {
	o := Outcome{MessageID: in.MessageID, TicketID: tk.ID, Action: ActionDuplicate}
	if err := t.linkMessage(in, tk.ID); err != nil {
		return o, err
	}
	if err := t.storeAttachments(tk, in); err != nil {
		return o, err
	}
	return o, t.said(tk, EventMessage, in.From, false, Phrase{Code: JournalRepeated}, in.MessageID)
}

// noAck says why a request's acknowledgement is withheld: the reason mailin gave, or the
// requester's address being one nobody reads. A mail from such an address that is not automatic
// by its headers (a supplier's portal, a monitoring tool) still opens a ticket.
func noAck(reason, requester string) string {
	if reason == "" && noReply(requester) {
		return "nobody reads " + requester
	}
	return reason
}

// bulkNoAck is why an automatic mail's ticket gets no acknowledgement.
func bulkNoAck(in *Incoming) string {
	if in.NoAck != "" {
		return in.NoAck
	}
	return "automatic mail (" + in.VerdictReason + ")"
}

// noReply reports whether an address's local part says nobody reads it: "no-reply",
// "do_not_reply", "ne-pas-repondre", "mailer-daemon", "postmaster", plus tags ignored.
func noReply(addr string) bool {
	local, _, _ := strings.Cut(strings.ToLower(addr), "@")
	local, _, _ = strings.Cut(local, "+")
	local = noReplySeparators.Replace(local)
	for _, p := range []string{"noreply", "donotreply", "nepasrepondre", "nepasrépondre", "noreponse", "noréponse"} {
		if strings.HasPrefix(local, p) {
			return true
		}
	}
	return local == "mailerdaemon" || local == "maildaemon" || local == "postmaster"
}

// noReplySeparators are left out of a local part before it is compared.
var noReplySeparators = strings.NewReplacer("-", "", "_", "", ".", "")

// recordAutomatic records an automatic mail (auto-reply, bounce, our own mail coming back, list
// mail answering a ticket) on the ticket it refers to, if any. It never opens a ticket and never
// sends mail.
func (t *Tx) recordAutomatic(in *Incoming, tk *Ticket) (Outcome, error) {
	o := Outcome{MessageID: in.MessageID, Action: ActionIgnored}
	if in.Verdict == VerdictBounce {
		// Anyone can write a bounce: only one sent back to the bounce address of a copy counts,
		// against that copy's recipient, and only when delivery failed for good (bounce.go).
		hard := hardFailure(in)
		for _, c := range t.bouncedCopies(in) {
			if hard {
				if err := t.recordBounce(c, clip(in.Subject, 200)); err != nil {
					return o, err
				}
			}
			if tk == nil && c.ticket != 0 {
				var err error
				if tk, err = t.ticketIfExists(c.ticket); err != nil {
					return o, err
				}
			}
		}
	}
	if tk == nil {
		return o, nil
	}
	if err := t.linkMessage(in, tk.ID); err != nil {
		return o, err
	}
	kind := EventAutoMail
	if in.Verdict == VerdictBounce {
		kind = EventBounce
	}
	line := automaticLine(in)
	if in.Meeting != nil {
		line = t.meetingLine(in) // "Paul accepted the meeting …" (meeting.go).
	}
	if err := t.said(tk, kind, in.From, false, line, in.MessageID); err != nil {
		return o, err
	}
	if in.Meeting != nil {
		if err := t.meetingWords(tk, in); err != nil { // What its sender wrote (meeting.go).
			return o, err
		}
	}
	if err := t.tellRecovery(in, tk); err != nil {
		return o, err
	}
	o.TicketID, o.Action = tk.ID, ActionRecorded
	return o, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// recordMessage records an incoming mail, unless a mail of its Message-ID is recorded already
// (dup). Its row waits with the transaction's other rows (pendingRows.messages), so that the
// ticket it goes to is written with it.
func (t *Tx) recordMessage(in *Incoming, thread Conversation) (dup bool, err error) {
	p := &t.pending
	if _, ok := p.msgAt[in.MessageID]; ok {
		return true, nil
	}
	if rec, ok := p.recorded[in.MessageID]; ok {
		if rec {
			return true, nil // Recorded before the batch, or by an earlier mail of it.
		}
	} else {
		// The rows that wait were looked up in memory: the row this finds is not among them.
		var one int
		err = t.lookup(`SELECT 1 FROM messages WHERE message_id = ?`, in.MessageID).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, fmt.Errorf("record message: %w", err)
		}
	}
	if p.recorded != nil {
		p.recorded[in.MessageID] = true
	}
	if p.msgAt == nil {
		p.msgAt = map[string]int{}
	}
	p.msgAt[in.MessageID] = len(p.messages)
	p.messages = append(p.messages, []any{in.MessageID, "in", t.textArg(string(in.Verdict)), in.From, in.Subject, t.nowArg(), in.Raw,
		thread.Index, thread.Topic, nil})
	return false, nil
}

// linkMessage records the ticket an incoming mail went to: in its row if that still waits.
func (t *Tx) linkMessage(in *Incoming, ticketID int64) error {
	if i, ok := t.pending.msgAt[in.MessageID]; ok {
		t.pending.messages[i][len(t.pending.messages[i])-1] = t.idArg(ticketID)
		return nil
	}
	_, err := t.exec(`UPDATE messages SET ticket_id = ? WHERE message_id = ?`, ticketID, in.MessageID)
	return err
}

// watchersFrom adds the people a participant put in copy, and the sender if new to the ticket,
// when the mail is authenticated for its sender; otherwise it only records them: a mail that
// merely claims to come from the requester adds nobody.
func (t *Tx) watchersFrom(tk *Ticket, in *Incoming, authentic bool) error {
	skip := map[string]bool{tk.Requester: true}
	for _, w := range tk.Watchers {
		skip[w] = true
	}
	cc := t.sortCopied(append(append([]string{in.From}, in.To...), in.Cc...), skip)
	if !authentic {
		if len(cc.add) > 0 {
			p := Phrase{Code: JournalCopied, List: []Phrase{{Code: JournalCopiedWithheld,
				Parts: map[string]Phrase{"reason": {Code: JournalMailNotAuth}, "addresses": listedPhrase(cc.add)}}}}
			if err := t.said(tk, EventCopied, in.From, false, p, in.MessageID); err != nil {
				return err
			}
		}
		cc.add = nil
	}
	for _, a := range cc.add {
		if err := t.addWatcher(tk, a); err != nil {
			return err
		}
		if err := t.event(tk, EventWatcher, in.From, false, "+"+a, in.MessageID); err != nil {
			return err
		}
	}
	return cc.record(t, tk, in.From, in.MessageID)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (t *Tx) storeAttachments(tk *Ticket, in *Incoming) error {
	max := int64(t.cfg.Desk.MaxAttachment)
	for _, a := range in.Attachments {
		omitted := a.Omitted || (max > 0 && a.Size > max)
		var data []byte
		if !omitted {
			data = a.Data
		}
		name := a.Name
		if name == "" {
			name = "attachment"
		}
		sum, same, err := t.storedCopy(tk.ID, data, omitted)
		if err != nil {
			return err
		}
		if same != 0 {
			data = nil // The ticket has it already: this row only names it.
		}
		if _, err := t.exec(`INSERT INTO attachments (ticket_id, message_id, name, content_type, size, omitted, data, sha256, same_as)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tk.ID, in.MessageID, name, a.ContentType, a.Size, omitted, data, sum, same); err != nil {
			return fmt.Errorf("store attachment: %w", err)
		}
	}
	if in.OmittedFiles > 0 {
		if err := t.said(tk, EventNote, ActorDesk, false, say(JournalFilesNotKept, "count", fmt.Sprint(in.OmittedFiles)), in.MessageID); err != nil {
			return err
		}
	}
	return nil
}

// storedCopy returns the SHA-256 of a file to store (hex, "" when it is omitted) and the row of
// the ticket that already holds the same content, 0 if none: the same logo or document sent
// again in each mail of a conversation is stored once per ticket.
func (t *Tx) storedCopy(ticketID int64, data []byte, omitted bool) (string, int64, error) {
	if omitted || data == nil {
		return "", 0, nil
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	var id int64
	err := t.queryRow(`SELECT id FROM attachments WHERE ticket_id = ? AND sha256 = ? AND same_as = 0 AND data IS NOT NULL
		ORDER BY id LIMIT 1`, ticketID, sum).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", 0, fmt.Errorf("store attachment: %w", err)
	}
	return sum, id, nil
}

// thread finds the ticket an incoming mail belongs to, in the contract's order: a desk-issued
// (signed) Message-ID in In-Reply-To/References; a signed plus-address; a Message-ID of a mail
// already on a ticket, from one of its participants; the subject tag [TAG #N], from one of the
// ticket's participants. It says how (threading): a sender who is not on the ticket and came by
// its tag, or by a token issued to someone else, is a stranger.
func (t *Tx) thread(in *Incoming) (*Ticket, threading, error) {
	refs := append(append([]string{}, in.InReplyTo...), reverse(in.References)...)
	if in.Verdict != VerdictPerson && in.Verdict != "" {
		// A bounce or auto-reply carries our mail inside it. A person's mail with an old desk
		// mail attached is a new request, not a reply: it must not pull its sender into
		// that ticket.
		refs = append(refs, in.ReturnedIDs...)
	}
	byToken := func(tk *Ticket) (*Ticket, threading, error) {
		th := threading{bound: t.boundToSender(in, tk.ID, refs)}
		// Someone else's token (a version 2 token says whose it is), or a version 1 token,
		// which names the ticket only and so proves nothing of its holder: from a person not on
		// the ticket, a stranger's mail, as by the subject tag.
		th.stranger = !th.bound && !t.participates(tk, in.From)
		return tk, th, nil
	}
	for _, id := range refs {
		if tid, err := t.d.Signer.TicketFromMessageID(id); err == nil {
			if tk, err := t.ticketIfExists(tid); err != nil {
				return nil, threading{}, err
			} else if tk != nil {
				return byToken(tk)
			}
		}
	}
	for _, a := range append(append([]string{}, in.To...), in.Cc...) {
		if !t.cfg.IsDeskAddress(a) {
			continue
		}
		if tid, err := t.d.Signer.TicketFromAddress(a); err == nil {
			if tk, err := t.ticketIfExists(tid); err != nil {
				return nil, threading{}, err
			} else if tk != nil && t.composedAnew(in, tk) {
				return tk, threading{composed: true}, nil
			} else if tk != nil {
				return byToken(tk)
			}
		}
	}
	var answered *Ticket // A ticket whose mail a stranger answers (reply-all to its request).
	for _, id := range refs {
		tid, err := t.messageTicket(id)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !tid.Valid) {
			continue
		}
		if err != nil {
			return nil, threading{}, err
		}
		tk, err := t.ticketIfExists(tid.Int64)
		if err != nil {
			return nil, threading{}, err
		}
		if tk != nil && t.participates(tk, in.From) {
			return tk, threading{}, nil
		}
		if answered == nil {
			answered = tk
		}
	}
	if id := subjectTag(in.Subject, t.cfg.Desk.Tag); id > 0 {
		tk, err := t.ticketIfExists(id)
		if err != nil || tk == nil {
			return nil, threading{}, err
		}
		return tk, threading{stranger: !t.participates(tk, in.From)}, nil
	}
	if answered != nil && in.Verdict == VerdictPerson {
		// Someone not on the ticket answered one of its mails: a new request that names it, as
		// by its tag, so that its technician sees what it is about.
		return answered, threading{stranger: true}, nil
	}
	tk, err := t.recoveredProblem(in)
	if tk == nil && err == nil {
		tk, err = t.chasedRequest(in) // "TR : <the subject of my open request>" (chase.go).
	}
	return tk, threading{}, err
}

// messageTicket returns the ticket of the mail of Message-ID id (sameMessageID, the ID as
// received first), sql.ErrNoRows when no mail of a ticket has it, without writing the rows that
// wait (a reply by In-Reply-To wrote every row of the batch that waited, 3.3 M instructions): a
// mail of the batch whose row waits (pendingRows.messages) is read from memory, the only row of
// its exact ID (recordMessage), and newer than the rows folded to lower case.
func (t *Tx) messageTicket(id string) (sql.NullInt64, error) {
	if i, ok := t.pending.msgAt[id]; ok {
		if tid, ok := t.pending.messages[i][len(t.pending.messages[i])-1].(int64); ok {
			return sql.NullInt64{Int64: tid, Valid: true}, nil
		}
	}
	var tid sql.NullInt64
	// No row that waits has the ID, or a ticket: they do not change the answer.
	err := t.lookup(`SELECT ticket_id FROM messages WHERE `+sameMessageID+` AND ticket_id IS NOT NULL
			ORDER BY message_id = ? DESC LIMIT 1`, id, strings.ToLower(id), id).Scan(&tid)
	return tid, err
}

// composedAnew reports whether a mail that reaches a finished ticket by its plus-address alone
// is a new request written to an address the mail client remembered: Outlook, Gmail and Apple
// Mail offer "helpdesk+TOKEN@…" among the addresses they complete, so a person starting a new
// mail to the desk often picks it. A reply says it is one (In-Reply-To, References, a reply
// prefix, the ticket's tag); a mail that says the problem goes on ("toujours", "encore",
// "again", "still") or names what the ticket's subject names, in its subject or its text,
// follows the ticket up; thanks belong to the ticket. Anything else is a new request, which
// opens a ticket linked to the old one (its technician sees both) instead of reopening it.
// Staff use tokens on purpose, and an open ticket keeps whatever comes by its token (the
// contract's threading order).
func (t *Tx) composedAnew(in *Incoming, tk *Ticket) bool {
	if tk.Status != StatusResolved && tk.Status != StatusClosed || t.cfg.IsStaff(in.From) ||
		len(in.InReplyTo) > 0 || len(in.References) > 0 {
		return false
	}
	subject := strings.Join(strings.Fields(in.Subject), " ")
	if subject == "" || answerPrefixRE.MatchString(gatewayTagRE.ReplaceAllString(subject, "")) ||
		subjectTag(subject, t.cfg.Desk.Tag) > 0 || deskPrefixRE.MatchString(subject) {
		return false
	}
	if OnlyThanks(in.Text, in.FromName) {
		return false
	}
	text := in.Text
	if len(text) > 2000 {
		text = text[:2000] // What a person writes first says what it is about.
	}
	said := subjectWords(subject + "\n" + text)
	for _, w := range said {
		if goesOn[w] {
			return false
		}
	}
	old := map[string]bool{}
	for _, w := range subjectWords(CleanSubject(tk.Subject, t.cfg.Desk.Tag)) {
		old[w] = true
	}
	for _, w := range said {
		if old[w] {
			return false
		}
	}
	return true
}

// answerPrefixRE matches a reply's prefix at the start of a subject (English, French "RE :",
// "Réf. :", "Rép :", German "AW:", Nordic "SV:", "VS:", Dutch "Antw:", Polish "Odp:"); a
// forward's ("TR :", "Fwd:", "WG:") is not an answer: it brings something new.
var answerPrefixRE = regexp.MustCompile(`(?i)^[\s\p{Z}]*(` + answerPrefixes + `)[\s\p{Z}]*(\[\d+\])?[\s\p{Z}]*[:：]`)

// gatewayTagRE matches the tags mail gateways put first in a subject ("[EXTERNAL]").
var gatewayTagRE = regexp.MustCompile(`(?i)^[\s\p{Z}]*(\[(` + gatewayTags + `)\][\s\p{Z}]*)+`)

// goesOn are the words (folded, stemmed as subjectWords gives them) by which a person says a
// problem goes on or came back: "toujours pas réglé", "ça recommence", "same problem again".
var goesOn = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`toujours encore recommence recommencer revient revenu reapparu
		persiste persistant meme again still persists persisting recurring same`) {
		m[stem(Fold(w))] = true
	}
	return m
}()

// helpdeskWords are the words any request may have in its subject, which say nothing of what it
// is about: two mails sharing one of them are not about the same thing.
var helpdeskWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`probleme problemes souci soucis demande demandes question questions aide besoin
		urgent urgence support ticket incident bonjour merci info information informations
		problem problems issue issues request requests help need hello thanks please`) {
		m[stem(Fold(w))] = true
	}
	return m
}()

// joinWord takes a word's hyphens and apostrophes away: "wi-fi" and "wifi" are one word.
var joinWord = strings.NewReplacer("-", "", "'", "", "’", "")

// subjectWords are the words of a subject that say what it is about: folded, hyphens and
// plurals away ("Wi-Fi", "wifi"; "imprimantes", "imprimante"), three letters or more, no
// grammar, time or help-desk word ("le", "the", "depuis", "problème", "demande").
func subjectWords(s string) []string {
	var out []string
	for _, w := range words(s) {
		w = stem(joinWord.Replace(w))
		if utf8.RuneCountInString(w) >= 3 && !stopwords[w] && !helpdeskWords[w] || goesOn[w] {
			out = append(out, w)
		}
	}
	return out
}

func reverse(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func (t *Tx) ticketIfExists(id int64) (*Ticket, error) {
	tk, err := t.Ticket(id)
	if errors.Is(err, ErrNoTicket) {
		return nil, nil
	}
	return tk, err
}

// isParticipant reports whether the address is the ticket's requester, a watcher, or staff.
func (t *Tx) isParticipant(tk *Ticket, addr string) bool {
	return addr == tk.Requester || t.cfg.IsStaff(addr) || contains(tk.Watchers, addr)
}

// participates is isParticipant for threading, where the writer of a request made on someone
// else's behalf counts too: Sophie writes with Reply-To the service's shared mailbox, which
// becomes the requester (openFrom); she reads the acknowledgement there and answers it from her
// own address. Her answer is hers to give, not a stranger's.
func (t *Tx) participates(tk *Ticket, addr string) bool {
	if t.isParticipant(tk, addr) {
		return true
	}
	var sender string
	if err := t.queryRow(`SELECT sender FROM messages WHERE ticket_id = ? AND direction = 'in' ORDER BY id LIMIT 1`, tk.ID).Scan(&sender); err != nil {
		return false // No such row: a ticket opened by hand.
	}
	return sender != "" && strings.EqualFold(sender, addr)
}

var tagRE = regexp.MustCompile(`\[([A-Za-z0-9._-]+)\s*#(\d{1,12})\]`)

// subjectTag returns N from a "[TAG #N]" subject tag, 0 if none.
func subjectTag(subject, tag string) int64 {
	for _, m := range tagRE.FindAllStringSubmatch(subject, -1) {
		if strings.EqualFold(m[1], tag) {
			n, _ := strconv.ParseInt(m[2], 10, 64)
			return n
		}
	}
	return 0
}

// replyPrefixRE matches the reply and forward prefixes of mail clients (English, French "RE :",
// "TR :", "Réf. :", German "AW:", "WG:", Dutch "Antw:", Nordic "SV:", "VS:", Spanish "RV:",
// Portuguese "ENC:", Polish "Odp:"), with any space or a full-width colon, and the tags mail
// gateways put first ("[EXTERNAL]", "[EXT]", "[EXTERNE]").
var replyPrefixRE = regexp.MustCompile(`(?i)^[\s\p{Z}]*((` + answerPrefixes + `|` + forwardPrefixes + `)[\s\p{Z}]*(\[\d+\])?[\s\p{Z}]*[:：][\s\p{Z}]*|\[(` + gatewayTags + `)\][\s\p{Z}]*)+`)

// The prefixes of replyPrefixRE: a reply's, a forward's, and the tags of mail gateways. Each
// alternative must end at the prefix's colon, so their order changes no match.
const (
	answerPrefixes  = `re|aw|sv|vs|antw|odp|rif|r|réf\.?|ref\.?|rép|rep`
	forwardPrefixes = `tr|fw|fwd|wg|rv|enc`
	gatewayTags     = `external|ext|externe|extern|external sender|externo|esterno`
)

// deskPrefixRE matches the prefixes of the desk's mails to requesters (templates/*/*.txt; a test
// there keeps the two in step), so that a requester's reply comes back to the ticket's subject.
// Staff-only prefixes ("Update:") are left alone: a requester may well write them.
var deskPrefixRE = regexp.MustCompile(`(?i)^\s*(request received|request resolved|priority raised|handed to a specialist|request closed|progress|demande reçue|demande résolue|priorité relevée|demande transmise à un spécialiste|demande close|point d'avancement)\s*:\s*`)

// CleanSubject removes reply prefixes, our tag and the desk's own subject prefixes from a subject.
func CleanSubject(s, tag string) string {
	if !strings.ContainsAny(s, "[:：") {
		// Every one of the expressions below needs a bracket or a colon to match (a tag, a
		// gateway's tag, a prefix's colon): without any, only the spaces change. A new request's
		// subject seldom has one, and the expressions were 13,000 instructions of its 500,000 in
		// the writer (BenchmarkIngestWriter; TestCleanSubjectWithoutMarks holds the two ways equal).
		return strings.Join(strings.Fields(s), " ")
	}
	return cleanSubjectByExpressions(s, tag)
}

// cleanSubjectByExpressions is CleanSubject by its expressions alone.
func cleanSubjectByExpressions(s, tag string) string {
	for {
		before := s
		s = tagRE.ReplaceAllStringFunc(s, func(m string) string {
			if sub := tagRE.FindStringSubmatch(m); strings.EqualFold(sub[1], tag) {
				return ""
			}
			return m
		})
		s = replyPrefixRE.ReplaceAllString(strings.TrimSpace(s), "")
		s = deskPrefixRE.ReplaceAllString(strings.TrimSpace(s), "")
		if s == before {
			break
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// opensNoMore reports whether a reply to the ticket opens a request that follows it up instead
// of reopening it: it is closed, or resolved longer ago than [desk] reopen_days.
func (t *Tx) opensNoMore(tk *Ticket) bool {
	return tk.Status == StatusClosed || (tk.Status == StatusResolved &&
		t.Now.Sub(tk.ResolvedAt) > time.Duration(t.cfg.Desk.ReopenDays)*24*time.Hour)
}

// followUpQuery finds the open follow-up of a ticket by its requester, through the partial index
// tickets_linked ("linked_ticket != 0" lets SQLite use it: "= ?" alone does not imply it).
const followUpQuery = `SELECT id FROM tickets WHERE linked_ticket = ? AND linked_ticket != 0 AND requester = ?
	AND status IN ('new', 'open', 'pending') ORDER BY id DESC LIMIT 1`

// followUpOf returns the request still open that follows up ticket old and that from opened, nil
// when there is none. The new tickets whose rows wait are looked among in memory
// (heldFollowUp), not written for the query: a reply to a finished ticket wrote the batch's
// waiting tickets, in pieces of nine rows on the bench.
func (t *Tx) followUpOf(old int64, from string) (*Ticket, error) {
	if id := t.pending.heldFollowUp(old, from); id != 0 {
		return t.Ticket(id)
	}
	var id int64
	err := t.lookup(followUpQuery, old, from).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("follow-up of ticket %d: %w", old, err)
	}
	return t.Ticket(id)
}
