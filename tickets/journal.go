package tickets

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The desk's own lines in a ticket's history are phrases (the Journal* codes of phrase.go): the
// event row keeps the phrase, as JSON, beside its text in JournalLanguage. A reader gets the
// phrase worded in their language — a mail's history in the mail's language (queue), the web
// desk in the staff member's — and a line written before phrases, or by a person, as stored.

// said appends a line the desk words to a ticket's history.
func (t *Tx) said(tk *Ticket, kind, actor string, public bool, p Phrase, messageID string) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode phrase: %w", err)
	}
	t.pending.events = append(t.pending.events, t.pending.row(tk.ID, t.Now.Unix(), kind, actor, public,
		t.say(JournalLanguage, p), messageID, string(data)))
	return nil
}

// readPhrase is an event's stored phrase; nil for none (a person's line, an older row) or one
// it cannot read.
func readPhrase(data string) *Phrase {
	if data == "" {
		return nil
	}
	var p Phrase
	if json.Unmarshal([]byte(data), &p) != nil || p.Code == "" {
		return nil
	}
	return &p
}

// Worded is an event's text for a reader of lang: its phrase in lang when it has one and words
// are given, else its stored text.
func (e Event) Worded(w Words, lang string) string {
	if w == nil {
		return e.Text
	}
	if e.Phrase == nil {
		if p, ok := notifyLine(e.Text); ok && e.Kind == EventNotify {
			return w.Say(lang, p)
		}
		return e.Text
	}
	return w.Say(lang, namedKind(*e.Phrase))
}

// wordHistory words the desk's lines of a mail's history in the mail's language. The entries
// are copied: a history may be shared by mails in other languages.
func (t *Tx) wordHistory(m *Mail) {
	h := m.Notice.History
	for i, e := range h {
		if e.Phrase == nil {
			continue
		}
		if &h[0] == &m.Notice.History[0] {
			h = append([]Entry(nil), h...)
		}
		h[i].Text, h[i].Phrase = t.say(m.Language, namedKind(*e.Phrase)), nil
	}
	m.Notice.History = h
}

// spoken is a duration as people write it, in signs every language of the desk reads: "30 min",
// "2 h", "1 h 30" (a day is 24 h).
func spoken(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int((d%time.Hour)/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %02d", h, m)
}

// stamp is a time for a phrase's date argument: RFC 3339 in the desk's zone, with the zone's
// name in brackets as RFC 9557 adds it ("2026-12-01T14:30:00+01:00[Europe/Paris]"), which the
// words say their language's way with the zone ({{date .due}}: "… 14:30 CET").
func (t *Tx) stamp(tm time.Time) string {
	loc := t.cfg.Location()
	s := tm.In(loc).Format(time.RFC3339)
	if name := loc.String(); name != "" && name != "Local" {
		s += "[" + name + "]"
	}
	return s
}

// priorityLine is a priority change's line: the reasons the desk gives (SetPriority's callers:
// a person's "set by WHO", an escalation, a linked request's priority) in words, any other
// reason as written.
func priorityLine(from, to Priority, actor, reason string) Phrase {
	p := say(JournalPriority, "from", from.String(), "to", to.String())
	var why *Phrase
	switch linked, isLinked := strings.CutPrefix(reason, "a linked request is "); {
	case reason == "":
	case reason == "set by "+actor:
		why = &Phrase{Code: JournalSetBy, Args: map[string]string{"who": actor}}
	case reason == "escalation":
		why = &Phrase{Code: JournalByEscalate}
	case isLinked:
		why = &Phrase{Code: JournalLinkedLevel, Args: map[string]string{"priority": linked}}
	default:
		p.Args["reason"] = reason
	}
	if why != nil {
		p.Parts = map[string]Phrase{"reason": *why}
	}
	return p
}

// automaticLine is the line of an automatic mail recorded on a ticket: a bounce's failed
// addresses, or the verdict, with mailin's reason.
func automaticLine(in *Incoming) Phrase {
	why := VerdictPhrase(in.VerdictReason)
	if in.Verdict == VerdictBounce {
		p := say(JournalBounced, "failed", strings.Join(in.FailedRecipients, ", "))
		if in.VerdictReason != "" {
			p.Parts = map[string]Phrase{"reason": why}
		}
		return p
	}
	return Phrase{Code: JournalAutomatic, Parts: map[string]Phrase{"verdict": {Code: VerdictWord(in.Verdict)}, "reason": why}}
}

// noAckLine is why a request's acknowledgement is withheld (noAck, bulkNoAck, the mail reader's
// first run) in words; nil for a reason written as it is.
func (t *Tx) noAckLine(reason string, in *Incoming, requester string) *Phrase {
	switch reason {
	case "":
		return nil
	case "automatic mail (" + in.VerdictReason + ")":
		return &Phrase{Code: JournalNoAckAuto, Parts: map[string]Phrase{"reason": VerdictPhrase(in.VerdictReason)}}
	case "nobody reads " + requester:
		return &Phrase{Code: JournalNobodyRead, Args: map[string]string{"who": requester}}
	}
	// mailin's first run: "arrived 2006-01-02 15:04 UTC, more than AGE before the desk first
	// read the mailbox ([imap] ack_max_age)".
	rest, ok := strings.CutPrefix(reason, "arrived ")
	rest, ok2 := strings.CutSuffix(rest, " before the desk first read the mailbox ([imap] ack_max_age)")
	date, age, ok3 := strings.Cut(rest, ", more than ")
	if at, err := time.Parse("2006-01-02 15:04 MST", date); ok && ok2 && ok3 && err == nil {
		return &Phrase{Code: JournalArrived, Args: map[string]string{"arrived": t.stamp(at), "age": age}}
	}
	return nil
}

// The outbox records a mail it could not send in the mail reader's words (mailout): the line's
// text is them, as written, and its phrase says the same to each reader, the mail server's own
// words kept as they are.

// writeLine inserts a line of the desk on a ticket outside a Tx (the outbox): its text as
// written, p its phrase (nil: the text for every reader).
func writeLine(ctx context.Context, tx *sql.Tx, ticketID int64, at time.Time, kind, text, messageID string, p *Phrase) error {
	phrase := ""
	if p != nil {
		data, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode phrase: %w", err)
		}
		phrase = string(data)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (ticket_id, at, kind, actor, public, text, message_id, phrase)
		VALUES (?, ?, ?, ?, 0, ?, ?, ?)`, ticketID, at.Unix(), kind, ActorDesk, text, messageID, phrase); err != nil {
		return fmt.Errorf("record send failure: %w", err)
	}
	return nil
}

// failedLine is a mail given up (MarkFailed): "gave up after N attempts: CAUSE", or the
// recipients' refusals.
func failedLine(kind string, to []string, errText string) *Phrase {
	p := say(JournalSendFailed, "kind", kind, "to", strings.Join(to, ", "), "error", errText)
	if n, cause, ok := strings.Cut(strings.TrimPrefix(errText, "gave up after "), " attempts: "); ok && strings.HasPrefix(errText, "gave up after ") {
		p.Code, p.Args["attempts"], p.Args["error"] = JournalSendGaveUp, n, cause
	}
	return &p
}

// partialLine is a mail sent to some of its recipients (RecordSendFailure): "refused: …" by
// the server, or "not sent to ADDRESS: REASON; …" by the desk; nil for another text.
func partialLine(kind, errText string) *Phrase {
	if refused, ok := strings.CutPrefix(errText, "refused: "); ok {
		return &Phrase{Code: JournalSendRefused, Args: map[string]string{"kind": kind, "error": refused}}
	}
	if list, ok := strings.CutPrefix(errText, "not sent to "); ok {
		return &Phrase{Code: JournalDropped, Args: map[string]string{"kind": kind}, List: droppedLines(list)}
	}
	return nil
}

// droppedLines are the addresses mailout leaves out of a mail, "ADDRESS: REASON; …", each with
// its reason in words when the desk gave it.
func droppedLines(list string) []Phrase {
	var out []Phrase
	for _, item := range strings.Split(list, "; ") {
		addr, reason, _ := strings.Cut(item, ": ")
		p := Phrase{Code: JournalDroppedOne, Args: map[string]string{"address": addr}}
		var n int
		switch {
		case reason == "not a sendable address":
			p.Parts = map[string]Phrase{"reason": {Code: JournalUnsendable}}
		case reason == "address bounces":
			p.Parts = map[string]Phrase{"reason": {Code: JournalBounces}}
		case fmtScan(reason, "rate limit (%d automatic mails in the last hour)", &n):
			p.Parts = map[string]Phrase{"reason": say(JournalRateLimit, "count", fmt.Sprint(n))}
		default:
			p.Args["reason"] = reason
		}
		out = append(out, p)
	}
	return out
}

// fmtScan reports whether s is format with its one number read into n.
func fmtScan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil && fmt.Sprintf(format, *n) == s
}

// writeSuppressed says on a mail's notify line that it was not sent (MarkSuppressed), with
// mailout's reason: " not sent: REASON" after its text, and the line as a phrase.
func writeSuppressed(ctx context.Context, tx *sql.Tx, ticketID int64, messageID, reason string) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, text FROM events WHERE ticket_id = ? AND message_id = ? AND kind = ?`,
		ticketID, messageID, EventNotify)
	if err != nil {
		return fmt.Errorf("record suppressed mail: %w", err)
	}
	type line struct {
		id   int64
		text string
	}
	var lines []line
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.id, &l.text); err != nil {
			rows.Close()
			return fmt.Errorf("record suppressed mail: %w", err)
		}
		lines = append(lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("record suppressed mail: %w", err)
	}
	for _, l := range lines {
		var p *Phrase
		if kind, to, ok := strings.Cut(l.text, " → "); ok && !strings.Contains(to, " not sent: ") {
			p = &Phrase{Code: JournalNotSent, Args: map[string]string{"kind": kind, "to": to},
				Parts: map[string]Phrase{"reason": {Code: JournalDroppedList, List: droppedLines(reason)}}}
		}
		phrase := ""
		if p != nil {
			data, err := json.Marshal(p)
			if err != nil {
				return fmt.Errorf("encode phrase: %w", err)
			}
			phrase = string(data)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET text = ?, phrase = ? WHERE id = ?`,
			l.text+" not sent: "+reason, phrase, l.id); err != nil {
			return fmt.Errorf("record suppressed mail: %w", err)
		}
	}
	return nil
}

// CategoryWorded is why the desk chose the ticket's category, for a reader of lang: in words
// when the explanation has them, else as recorded.
func (ex Explanation) CategoryWorded(w Words, lang string) []string {
	if w == nil || len(ex.CategoryWhy) != len(ex.CategoryReason) {
		return ex.CategoryReason
	}
	out := make([]string, len(ex.CategoryWhy))
	for i, p := range ex.CategoryWhy {
		out[i] = w.Say(lang, p)
	}
	return out
}
