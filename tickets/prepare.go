package tickets

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// The work of a new ticket that needs no database: its triage (classifier, priority phrases) and
// its search document (analyze: folding, stemming). Ingest does it for the batch's likely new
// requests before its transaction, on every processor, so that the store's one writer only
// writes: Open uses what was prepared when it fits the ticket it opens, and does the work itself
// otherwise.

// preparedRequest is the triage and search document of a request, computed before the
// transaction, with what they were computed from.
type preparedRequest struct {
	// Triage's input: the configuration and model, and the request as Open gives it to Triage.
	cfg                                *Config
	model                              *Model
	subject, text, language, requester string
	headerPriority                     int
	judgement                          Judgement
	// The document's input, the ticket's subject among it, and its terms.
	docSubject string
	terms      []string
}

// triage returns the prepared judgement of req, ok false when it was prepared for another
// request, configuration or model.
func (p *preparedRequest) triage(cfg *Config, m *Model, req NewTicket) (Judgement, bool) {
	if p == nil || p.cfg != cfg || p.model != m || p.subject != req.Subject || p.text != req.Text ||
		p.language != req.Language || p.requester != req.Requester || p.headerPriority != req.HeaderPriority {
		return Judgement{}, false
	}
	return p.judgement, true
}

// document returns the prepared terms of a ticket's search document (subject and request), nil
// when they were prepared for another.
func (p *preparedRequest) document(subject, text, language string) []string {
	if p == nil || p.docSubject != subject || p.text != text || p.language != language {
		return nil
	}
	return p.terms
}

// Prepare does before Ingest, outside the store's one writer, the part of the work of the batch's
// likely new requests (opensTicket) that depends only on the mail, the configuration and the
// classifier: their triage and search document (prepareRequest). The mail reader calls it for a
// batch while the batch before it commits. What it prepared is only a cache, used by Open where it
// still fits the ticket opened (same configuration, model, subject, text, language, requester): a
// mail that turns out to follow up a ticket the batch before opened is threaded into it in the
// transaction, and what was prepared for it goes unused. The known answers, which depend on the
// desk's tickets as committed, are left to Ingest (prepareBatch).
func (d *Desk) Prepare(ctx context.Context, batch []*Incoming) {
	cfg := d.Config()
	var todo []*Incoming
	for _, in := range batch {
		d.scrubLinks(in)
		if in.prepared != nil {
			continue
		}
		if !d.opensTicket(ctx, cfg, in) {
			in.prepared = followsUp // A mail that names a ticket now still names it at Ingest.
			continue
		}
		todo = append(todo, in)
	}
	eachParallel(len(todo), func(i int) { d.prepareRequest(cfg, todo[i]) })
}

// followsUp is the preparation of a mail Prepare judged to follow up a ticket: nothing, and no
// reason for prepareBatch to judge it again. Its triage and document fit no request.
var followsUp = &preparedRequest{}

// prepareBatch prepares the batch's mails that will likely open a ticket (opensTicket), on as
// many goroutines as there are processors: their triage and search document (prepareRequest,
// unless Prepare made them), and their known answers (prepareOne, known.go) from the known
// answers' index, brought up to date first. A mail it cannot tell of is left to Open.
func (d *Desk) prepareBatch(ctx context.Context, batch []*Incoming) {
	cfg := d.Config()
	known := cfg.Incidents.KnownAnswers > 0
	var todo []*Incoming
	for _, in := range batch {
		d.scrubLinks(in)
		if in.prepared != followsUp && (in.prepared == nil || known && in.known == nil) && d.opensTicket(ctx, cfg, in) {
			todo = append(todo, in)
		}
	}
	if len(todo) == 0 {
		return
	}
	if known {
		if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
			d.Log.Warn("known answers", "err", err)
			known = false
		}
	}
	eachParallel(len(todo), func(i int) {
		in := todo[i]
		if in.prepared == nil {
			d.prepareRequest(cfg, in)
		}
		if known && in.known == nil {
			d.prepareOne(ctx, cfg, in)
		}
	})
}

// eachParallel calls fn(0) … fn(n-1) on as many goroutines as there are processors, and returns
// when all are done.
func eachParallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// prepareRequest prepares one mail as openFrom and Open will see it when it follows up no older
// ticket. A panic (on a goroutine of its own, which the mail reader's recovery does not reach)
// is logged and leaves the work to Open.
func (d *Desk) prepareRequest(cfg *Config, in *Incoming) {
	defer func() {
		if p := recover(); p != nil {
			d.Log.Error("prepare request: panic", "message_id", in.MessageID, "panic", p)
		}
	}()
	cleaned, subject, text, lang := newRequestCleaned(cfg, in)
	req := NewTicket{Subject: cleaned, Text: text,
		Language: lang, Requester: in.From, HeaderPriority: in.HeaderPriority}
	if te, ok := cfg.Technician(in.From); ok {
		req.Requester = te.Email
	}
	p := &preparedRequest{cfg: cfg, subject: req.Subject, text: text, language: lang,
		requester: req.Requester, headerPriority: req.HeaderPriority}
	m, err := d.liveModel(context.Background())
	if err != nil {
		return // Open logs it.
	}
	// Split and folded once for all of it; the text's body as the mail reader cut it, when it did.
	w := wordsOfBody(req.Subject, in.Request.bodyOf(text))
	p.model, p.judgement = m, triageWords(cfg, m, req, &w)
	// The ticket's subject, ticketSubject(req.Subject, text): newRequest made it so already.
	if p.docSubject = subject; p.docSubject != "" {
		p.terms = documentTerms(&w, req.Subject, p.docSubject, lang)
	}
	in.prepared = p
}

// documentTerms are the terms of the search document of a ticket of subject docSubject opened
// by a request of words w (wordsOfRequest(subject, text)), as subjectTerms(docSubject, lang) and
// requestTerms(text, lang) make them: from the words already split where they are the same.
func documentTerms(w *requestWords, subject, docSubject, lang string) []string {
	var one []string
	if docSubject == subject && len(firstRunes(subject, maxIndexedRunes)) == len(subject) {
		one = analyzeWords(w.ws[:w.nSubject], lang)
	} else {
		one = analyze(docSubject, lang)
	}
	var body []string
	if len(firstRunes(w.body, maxIndexedRunes)) == len(w.body) {
		body = analyzeWords(w.ws[w.nSubject:], lang)
	} else {
		body = analyze(w.body, lang) // requestTerms(text, lang): w.body is requestBody(text).
	}
	if len(one)+len(body) == 0 {
		return nil // As append(subjectTerms(…), requestTerms(…)...) is.
	}
	out := make([]string, 0, subjectWeight*len(one)+len(body))
	for range subjectWeight {
		out = append(out, one...)
	}
	return append(out, body...)
}

// requestTerms are the index terms of a requester's message: analyze of its text without its
// signature block and disclaimers (requestBody), so that two colleagues' requests do not meet on
// their company's signature, nor any request on a disclaimer's words.
func requestTerms(text, lang string) []string { return analyze(requestBody(text), lang) }

// ticketSubject is the subject of a ticket opened with this subject and text, "" when neither
// gives one (Open then names it).
func ticketSubject(subject, text string) string {
	subject = OneLine(subject, maxSubject)
	if subject == "" {
		subject = textSubject(text, 80)
	}
	if utf8.RuneCountInString(subject) <= maxSubject {
		return subject
	}
	if r := []rune(subject); len(r) > maxSubject {
		subject = strings.TrimSpace(string(r[:maxSubject-1])) + "…"
	}
	return subject
}
