package tickets

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Known answers: the resolved tickets like a new request, shown in its assignment notice. They
// are ranked outside the store's one writer, on the read pool: Ingest computes them for the
// batch's likely new requests in parallel before its transaction (prepareKnown), from the
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

// prepareKnown computes the known answers of the batch's mails that will likely open a ticket, on
// as many goroutines as there are processors. A mail it cannot tell of, or gets wrong (a reply
// that opens a new ticket after all), is ranked by Open on the read pool (knownAnswersFor).
func (d *Desk) prepareKnown(ctx context.Context, batch []*Incoming) {
	cfg := d.Config()
	if cfg.Incidents.KnownAnswers == 0 {
		return
	}
	var todo []*Incoming
	for _, in := range batch {
		if in.known == nil && d.opensTicket(ctx, cfg, in) {
			todo = append(todo, in)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(todo), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(todo); i = int(next.Add(1) - 1) {
				d.prepareOne(ctx, cfg, todo[i])
			}
		})
	}
	wg.Wait()
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
	answers, err := d.knownAnswersOf(ctx, cfg.Incidents, subject, text, lang)
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
	subject = OneLine(CleanSubject(OneLine(in.Subject, maxSubjectIn), cfg.Desk.Tag), maxSubject)
	if subject == "" {
		subject = firstLine(text, 80)
	}
	return subject, text, lang
}

// knownAnswersOf ranks, on the read pool, the known answers to a request of this subject, text
// and language not indexed yet.
func (d *Desk) knownAnswersOf(ctx context.Context, cfg IncidentsConfig, subject, text, lang string) ([]KnownAnswer, error) {
	doc := append(subjectTerms(subject, lang), analyze(text, lang)...)
	ms, err := knownAnswersTo(ctx, d.Store.Reader(), d.Store.search, searchDocument{terms: doc}, lang, cfg.KnownAnswers, cfg.KnownSimilarity)
	if err != nil {
		return nil, err
	}
	var out []KnownAnswer
	for _, m := range ms {
		ka := KnownAnswer{ID: m.ID, Subject: m.Subject, Note: m.Note, Similarity: int(100*m.Similarity + 0.5)}
		if m.ResolvedAt != nil {
			ka.ResolvedAt = *m.ResolvedAt
		}
		out = append(out, ka)
	}
	return out, nil
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
	return t.d.knownAnswersOf(context.Background(), t.cfg.Incidents, tk.Subject, text, tk.Language)
}

// maxFewKnown bounds the resolved and closed tickets that the known answers score one by one
// (fewKnown) rather than by the engine's match. The match walks every ticket that has one of the
// request's terms, open ones too, to keep the resolved: on a desk of few resolved tickets (a new
// desk, or the one BenchmarkIngestDeskSize fills with open requests) it reads hundreds of rows
// for a handful of answers, or none.
const maxFewKnown = 200

// knownDocs are the documents of the desk's resolved and closed tickets not linked to an incident.
type knownDocs []knownDoc

type knownDoc struct {
	id        int64
	lang, doc string
}

// fewKnown returns the documents of the resolved and closed tickets not linked to an incident
// when the desk has at most maxFewKnown resolved or closed tickets; nil when it has more.
func fewKnown(ctx context.Context, q querier, d searchDialect) (knownDocs, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE status IN (?, ?) LIMIT ?) k`,
		string(StatusResolved), string(StatusClosed), maxFewKnown+1).Scan(&n); err != nil {
		return nil, fmt.Errorf("count known tickets: %w", err)
	}
	if n > maxFewKnown {
		return nil, nil
	}
	out := knownDocs{}
	join := `CROSS JOIN ` + d.table() + ` s ON s.rowid = t.id`
	if d == dialectPG {
		join = `JOIN search_pg s ON s.id = t.id`
	}
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.language, s.doc FROM tickets t `+join+`
		WHERE t.status IN (?, ?) AND t.incident = 0`, string(StatusResolved), string(StatusClosed))
	if err != nil {
		return nil, fmt.Errorf("known tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k knownDoc
		if err := rows.Scan(&k.id, &k.lang, &k.doc); err != nil {
			return nil, fmt.Errorf("known tickets: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// rank is rankTickets over the documents, for a filter of known answers (its Language and
// Exclude; the documents are of the statuses it asks for), scored as rankCandidates scores.
func (ks knownDocs) rank(d searchDialect, terms []string, f SearchFilter, limit int, df map[string]int, n int) []rankedTicket {
	var out []rankedTicket
	for _, k := range ks {
		if k.id == f.Exclude || (f.Language != "" && k.lang != f.Language) {
			continue
		}
		if score := d.score(k.doc, terms, df, n); score > 0 {
			out = append(out, rankedTicket{id: k.id, score: score})
		}
	}
	sortRanked(out)
	return out[:min(len(out), limit)]
}
