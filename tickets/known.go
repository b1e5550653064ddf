package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Known answers: the resolved tickets like a new request, shown in its assignment notice. They
// are ranked outside the store's one writer, on the read pool: Ingest computes them for the
// batch's likely new requests in parallel before its transaction (prepareBatch), from the
// request's own text analysed as the index will hold it, with the counts taking the request in
// as the transaction will (countPending). Open then only copies them into the notice. Tickets
// of the same batch are not in the read pool's view: a request does not find a ticket resolved
// earlier in its own batch (nor count the batch's other new tickets), which the next batch's
// requests do.

// preparedKnown are the known answers computed for a request before the transaction that opens
// its ticket, and the document they are for: Open uses them only for a ticket of that very
// subject, text and language.
type preparedKnown struct {
	subject, text, language string
	answers                 []KnownAnswer
}

// fits reports whether the answers were computed for a ticket of this subject, text and language.
func (p *preparedKnown) fits(subject, text, language string) bool {
	return p != nil && p.subject == subject && p.text == text && p.language == language
}

// prepareOne computes the known answers of one mail. A failure, or a panic (on a goroutine of
// its own, which the mail reader's recovery does not reach), is logged and leaves them to Open.
func (d *Desk) prepareOne(ctx context.Context, cfg *Config, in *Incoming) {
	defer func() {
		if p := recover(); p != nil {
			d.Log.Error("known answers: panic", "message_id", in.MessageID, "panic", p)
		}
	}()
	subject, text, lang := newRequest(cfg, in)
	if subject == "" {
		return // Open names it: it finds its answers itself.
	}
	doc := in.prepared.document(subject, text, lang) // As prepareRequest analysed it, when it did.
	if doc == nil {
		doc = append(subjectTerms(subject, lang), requestTerms(text, lang)...)
	}
	answers, err := d.knownAnswersOfDoc(ctx, cfg.Incidents, lang, doc)
	if err != nil {
		d.Log.Warn("known answers", "message_id", in.MessageID, "err", err)
		return
	}
	in.known = &preparedKnown{subject: subject, text: text, language: lang, answers: answers}
}

// opensTicket tells whether a mail will likely open a ticket: a person's mail, or other automatic
// mail than a bounce or an auto-reply (a monitoring alert, quiet.go), that names none of
// the desk's tickets (no token of the desk in its references or addresses, no subject tag, no
// reference to a mail of a ticket). Which mails do is decided in the transaction (ingestOne,
// thread); a wrong guess costs only work on the read pool, or, for a mail that opens a ticket
// unforeseen (a reply to a closed ticket), a ranking in Open.
func (d *Desk) opensTicket(ctx context.Context, cfg *Config, in *Incoming) bool {
	if (in.Verdict != VerdictPerson && in.Verdict != VerdictBulk && in.Verdict != "") || cfg.IsDeskAddress(in.From) || in.MessageID == "" {
		return false
	}
	refs := append(append([]string{}, in.InReplyTo...), in.References...)
	for _, id := range refs {
		if _, err := d.Signer.TicketFromMessageID(id); err == nil {
			return false
		}
	}
	for _, a := range append(append([]string{}, in.To...), in.Cc...) {
		if _, err := d.Signer.TicketFromAddress(a); err == nil && cfg.IsDeskAddress(a) {
			return false
		}
	}
	if subjectTag(OneLine(in.Subject, maxSubjectIn), cfg.Desk.Tag) != 0 {
		return false
	}
	if len(refs) == 0 {
		return true
	}
	args := make([]any, len(refs))
	for i, r := range refs {
		args[i] = r
	}
	var one int
	err := d.Store.Reader().QueryRowContext(ctx, `SELECT 1 FROM messages WHERE message_id IN (?`+
		strings.Repeat(", ?", len(refs)-1)+`) AND ticket_id IS NOT NULL LIMIT 1`, args...).Scan(&one)
	return err != nil // None (or the guess could not be made): prepare.
}

// newRequest is the subject, text and language of the ticket a mail opens when it follows up no
// older ticket, as openFrom and Open make them; subject "" when Open would name it.
func newRequest(cfg *Config, in *Incoming) (subject, text, lang string) {
	_, subject, text, lang = newRequestCleaned(cfg, in)
	return subject, text, lang
}

// newRequestCleaned is newRequest with the mail's subject as Open triages it (cleaned, not yet
// cut to a ticket's subject): CleanSubject's regular expressions run once for both.
func newRequestCleaned(cfg *Config, in *Incoming) (cleaned, subject, text, lang string) {
	text = in.Text
	switch {
	case in.Forwarded != "":
		text = in.Forwarded
	case in.History != "":
		text = in.History
	}
	lang = in.Language
	if lang == "" {
		lang = cfg.Desk.Language
	}
	cleaned = CleanSubject(OneLine(in.Subject, maxSubjectIn), cfg.Desk.Tag)
	subject = OneLine(cleaned, maxSubject)
	if subject == "" {
		subject = textSubject(text, 80)
	}
	return cleaned, subject, text, lang
}

// knownAnswersOf ranks, on the read pool, the known answers to a request of this subject, text
// and language not indexed yet.
func (d *Desk) knownAnswersOf(ctx context.Context, cfg IncidentsConfig, subject, text, lang string) ([]KnownAnswer, error) {
	return d.knownAnswersOfDoc(ctx, cfg, lang, append(subjectTerms(subject, lang), requestTerms(text, lang)...))
}

// knownAnswersOfDoc is knownAnswersOf of the request's analysed document.
func (d *Desk) knownAnswersOfDoc(ctx context.Context, cfg IncidentsConfig, lang string, doc []string) ([]KnownAnswer, error) {
	q := d.known.reader(d.Store.Reader(), d.Store.search)
	ranked, self, err := knownRanked(ctx, q, d.Store.search, &d.known, searchDocument{terms: doc}, lang, cfg.KnownAnswers, cfg.KnownSimilarity)
	if err != nil || len(ranked) == 0 {
		return nil, err
	}
	return d.known.answerRows(ctx, q, d.Store.search, ranked, self)
}

// knownRow is a known answer as knownAnswerRows reads it, but its similarity; incident tells an
// incident's, whose count of requests changes without an event of its own.
type knownRow struct {
	KnownAnswer
	incident bool
	gone     bool // Not resolved, closed and unlinked: not an answer.
}

// answerRows is knownAnswerRows with the rows kept from one ranking to the next (SQLite): a
// ticket's row is kept until refresh reads an event of it (every change of its status, incident
// or public text writes one, and its subject does not change), so a row read again is the same
// as the index's refresh saw it. An incident's row is read each time (its count of requests
// changes with its requests' events), and so is every row on PostgreSQL, where refresh may miss
// an event (its todo) and the query's own check is what leaves out a ticket no longer known. On
// the desk of 10,000 seeded tickets (BenchmarkNewRequestsDeskSize), the query cost a new request
// about 94 thousand instructions (1,321k → 1,227k a request, callgrind, 2x less 1x).
func (x *knownIndex) answerRows(ctx context.Context, q querier, d searchDialect, ranked []rankedTicket, self float64) ([]KnownAnswer, error) {
	if d == dialectPG {
		return knownAnswerRows(ctx, q, ranked, self, nil)
	}
	x.rowsMu.Lock()
	gen := x.rowsGen
	var missing []rankedTicket
	kept := make([]knownRow, len(ranked)) // By place in ranked; ID 0 until read.
	for i, r := range ranked {
		if row, ok := x.rows[r.id]; ok {
			kept[i] = row
		} else {
			missing = append(missing, r)
		}
	}
	x.rowsMu.Unlock()
	if len(missing) > 0 {
		read := map[int64]knownRow{}
		if _, err := knownAnswerRows(ctx, q, missing, self, read); err != nil {
			return nil, err
		}
		x.rowsMu.Lock()
		if x.rowsGen == gen { // No refresh since: the rows are as it left them.
			if x.rows == nil || len(x.rows) >= maxKnownRows {
				x.rows = map[int64]knownRow{}
			}
			for id, row := range read {
				if !row.incident {
					x.rows[id] = row
				}
			}
		}
		x.rowsMu.Unlock()
		for i, r := range ranked {
			if row, ok := read[r.id]; ok {
				kept[i] = row
			}
		}
	}
	var out []KnownAnswer
	for i, r := range ranked {
		if row := kept[i]; row.ID != 0 && !row.gone {
			ka := row.KnownAnswer
			ka.Similarity = int(100*similarity(r.score, self) + 0.5)
			out = append(out, ka)
		}
	}
	return out, nil
}

// maxKnownRows bounds the rows answerRows keeps: past it, they are read anew.
const maxKnownRows = 2 * maxKnownHeld

// knownAnswerRows reads the ranked tickets' subjects and resolution notes in one query, in their
// order, and how many requests an incident among them answered. A ticket no longer resolved,
// closed and unlinked (changed since the index was refreshed) is left out. Only the answers
// shown are read (at most the limit of knownRanked), whatever the size of the desk: the count of
// an incident's requests says "l.incident != 0" so that SQLite walks the partial index
// tickets_incident (WHERE incident != 0), which "l.incident = t.id" alone does not prove it may
// use: it would scan every ticket of the desk for each incident shown. With read not nil, it
// also gets each ticket's row, a ticket left out as gone.
func knownAnswerRows(ctx context.Context, q querier, ranked []rankedTicket, self float64, read map[int64]knownRow) ([]KnownAnswer, error) {
	args := make([]any, 0, len(ranked)+2)
	args = append(args, string(StatusResolved), string(StatusClosed))
	for _, r := range ranked {
		args = append(args, r.id)
	}
	rows, err := q.QueryContext(ctx, knownAnswerRowsQuery(len(ranked)), args...)
	if err != nil {
		return nil, fmt.Errorf("known answers: %w", err)
	}
	defer rows.Close()
	byID := map[int64]knownRow{}
	for rows.Next() {
		var row knownRow
		var resolved sql.NullInt64
		if err := rows.Scan(&row.ID, &row.Subject, &resolved, &row.Note, &row.Requests, &row.incident); err != nil {
			return nil, fmt.Errorf("known answers: %w", err)
		}
		row.ResolvedAt = fromUnix(resolved)
		byID[row.ID] = row
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known answers: %w", err)
	}
	var out []KnownAnswer
	for _, r := range ranked {
		row, ok := byID[r.id]
		if read != nil {
			if !ok {
				row = knownRow{KnownAnswer: KnownAnswer{ID: r.id}, gone: true}
			}
			read[r.id] = row
		}
		if ok {
			ka := row.KnownAnswer
			ka.Similarity = int(100*similarity(r.score, self) + 0.5)
			out = append(out, ka)
		}
	}
	return out, nil
}

// knownAnswerRowsQuery is knownAnswerRows' query of n tickets.
func knownAnswerRowsQuery(n int) string {
	return `SELECT t.id, t.subject, t.resolved_at, COALESCE((SELECT e.text FROM events e
		WHERE e.ticket_id = t.id AND e.kind = 'reply' AND e.public != 0 ORDER BY e.id DESC LIMIT 1), ''),
		CASE WHEN t.kind = 'incident' THEN (SELECT COUNT(*) FROM tickets l WHERE l.incident = t.id AND l.incident != 0) ELSE 0 END,
		t.kind = 'incident'
		FROM tickets t WHERE t.status IN (?, ?) AND t.incident = 0 AND t.id IN (?` + strings.Repeat(", ?", n-1) + `)`
}

// knownAnswersFor returns the known answers of a new ticket tk whose request's text is text: those
// prepared for it, else ranked now on the read pool. The writer's transaction never ranks them.
func (t *Tx) knownAnswersFor(tk *Ticket, text string, prepared *preparedKnown) ([]KnownAnswer, error) {
	if t.cfg.Incidents.KnownAnswers == 0 {
		return nil, nil
	}
	if prepared.fits(tk.Subject, text, tk.Language) {
		return prepared.answers, nil
	}
	t.d.lateKnown.Add(1)
	if err := t.d.known.refresh(context.Background(), t.d.Store.Reader(), t.d.Store.search); err != nil {
		return nil, err
	}
	return t.d.knownAnswersOf(context.Background(), t.cfg.Incidents, tk.Subject, text, tk.Language)
}
