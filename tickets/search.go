package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// The similarity engine: full-text search over the tickets' subjects and visible text, ranked
// with BM25 (search_sql.go has the SQL, analyze.go the terms). It serves incident detection (a
// new request like other recent ones), known answers (resolved tickets like a new one: the
// assignment notice, `deskd ticket similar`, #reuse) and the desk's search box.

// Match is a ticket the engine found, as `deskd ticket similar --json` prints it.
type Match struct {
	ID         int64      `json:"id"`
	Subject    string     `json:"subject"`
	Status     string     `json:"status"`
	Category   string     `json:"category"`
	Language   string     `json:"language"`
	Kind       string     `json:"kind"`
	Incident   int64      `json:"incident,omitempty"` // The incident it is linked to.
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Score      float64    `json:"score"`          // BM25 for the query's terms; higher is better.
	Similarity float64    `json:"similarity"`     // Similar only: Score over the ticket's own score for its terms, 0 to 1.
	Note       string     `json:"note,omitempty"` // A resolved ticket's resolution note.
}

// Search finds the tickets that match a free-text query (in French or English: both meet on the
// same terms), best first, at most limit (10 when 0). The query's words are analysed as the
// index's are; a ticket matches when it has any of them. A ticket the query names ("12", "#12",
// "[HD #12]", TicketRef) comes first.
func (d *Desk) Search(ctx context.Context, query string, f SearchFilter, limit int) ([]Match, error) {
	if limit <= 0 {
		limit = 10
	}
	lang := f.Language
	if lang == "" {
		lang = DetectLanguage("", query, d.Config().Desk.Language)
	}
	r := d.Store.Reader()
	words := distinct(analyze(query, lang), nil)
	df, n, err := docFreqs(ctx, r, words)
	if err != nil {
		return nil, err
	}
	// A search box query asks for its words, the rarest first when there are many.
	terms := pickTerms(words, df, n)
	if len(terms) < len(words) && len(terms) < maxQueryTerms {
		terms = words[:min(len(words), maxQueryTerms)]
	}
	f.allWords = true
	ranked, err := rankTickets(ctx, r, d.Store.search, terms, f, limit)
	if err != nil {
		return nil, err
	}
	found, err := matches(ctx, r, ranked, 0)
	if err != nil {
		return nil, err
	}
	// Then the tickets where staff wrote all the words (search_staff.go).
	if found, err = withStaffMatches(ctx, r, d.Store.search, query, f, found, limit); err != nil {
		return nil, err
	}
	// "12", "#12", "[HD #12]": the ticket asked for first, whatever the filter.
	return withReferenced(ctx, r, referencedTickets(query, d.Config().Desk.Tag), found, limit)
}

// Similar returns up to limit resolved or closed tickets most like ticket id (3 when 0), with
// their resolution notes: the known answers to it. Tickets linked to an incident are left out
// (the incident stands for them). Tickets in the ticket's own language come first: only when
// fewer than limit are found are the others searched too.
func (d *Desk) Similar(ctx context.Context, id int64, limit int) ([]Match, error) {
	if limit <= 0 {
		limit = 3
	}
	if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
		return nil, err
	}
	return knownAnswers(ctx, d.Store.Reader(), d.Store.search, &d.known, id, limit, 0)
}

// knownAnswers is Similar on any querier (the read pool, or a transaction), keeping matches of
// at least min similarity, ranked from the known answers' index x.
func knownAnswers(ctx context.Context, q querier, dia searchDialect, x *knownIndex, id int64, limit int, min float64) ([]Match, error) {
	tk, err := loadTicket(ctx, q, id)
	if err != nil {
		return nil, err
	}
	doc, err := searchDoc(ctx, q, dia, id)
	if err != nil {
		return nil, err
	}
	return knownAnswersTo(ctx, q, dia, x, searchDocument{terms: doc, id: id}, tk.Language, limit, min)
}

// searchDocument is a ticket's analysed terms as the index holds them: of ticket id, indexed
// already, or (id 0) of a request not indexed yet, which the counts then take in as the
// transaction that opens its ticket will (pending).
type searchDocument struct {
	terms []string
	id    int64
}

// knownAnswersTo returns up to limit resolved or closed tickets, not linked to an incident,
// most like doc, of at least min similarity: those of the language lang first, the others
// only when fewer than limit are found. They are ranked from the known answers' index x (which
// the caller refreshed), with the counts of search_terms.
func knownAnswersTo(ctx context.Context, q querier, dia searchDialect, x *knownIndex, doc searchDocument, lang string, limit int, min float64) ([]Match, error) {
	ranked, self, err := knownRanked(ctx, q, dia, x, doc, lang, limit, min)
	if err != nil {
		return nil, err
	}
	return matches(ctx, q, ranked, self)
}

// knownRanked is knownAnswersTo's ranking, with the document's own score.
func knownRanked(ctx context.Context, q querier, dia searchDialect, x *knownIndex, doc searchDocument, lang string, limit int, min float64) ([]rankedTicket, float64, error) {
	var pending []string
	if doc.id == 0 {
		pending = doc.terms
	}
	terms, self, df, n, err := docScoreCounts(ctx, q, doc.terms, pending)
	if err != nil || self == 0 {
		return nil, 0, err
	}
	ranked, err := x.rankDesk(ctx, q, dia, terms, lang, doc.id, limit, df, n)
	if err != nil {
		return nil, 0, err
	}
	ranked = keepSimilar(ranked, self, min)
	if len(ranked) < limit {
		more, err := x.rankDesk(ctx, q, dia, terms, "", doc.id, limit+len(ranked), df, n)
		if err != nil {
			return nil, 0, err
		}
		seen := map[int64]bool{}
		for _, r := range ranked {
			seen[r.id] = true
		}
		for _, r := range keepSimilar(more, self, min) {
			if !seen[r.id] && len(ranked) < limit {
				ranked = append(ranked, r)
			}
		}
		sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].score > ranked[j].score })
	}
	return ranked, self, nil
}

// selfScore returns a ticket's query terms and its own BM25 for all its terms: the score a
// ticket with the very same text would get, which similarities are measured against.
func selfScore(ctx context.Context, q querier, dia searchDialect, id int64) ([]string, float64, error) {
	doc, err := searchDoc(ctx, q, dia, id)
	if err != nil {
		return nil, 0, err
	}
	return docScore(ctx, q, doc, nil)
}

// docScore is selfScore of a document's terms; pending, when not nil, is a document the counts
// take in as if it were indexed (the document itself, before the transaction that indexes it).
func docScore(ctx context.Context, q querier, doc, pending []string) ([]string, float64, error) {
	terms, self, _, _, err := docScoreCounts(ctx, q, doc, pending)
	return terms, self, err
}

// docScoreCounts is docScore with the counts it read: df of each of the document's terms, and n.
func docScoreCounts(ctx context.Context, q querier, doc, pending []string) ([]string, float64, map[string]int, int, error) {
	all := distinct(doc, nil)
	df, n, err := docFreqs(ctx, q, all)
	if err != nil {
		return nil, 0, nil, 0, err
	}
	n = countPending(df, n, pending)
	// The query asks for the telling terms; the ticket's own score counts all its terms, so
	// that a similarity says how much of the whole request another ticket shares.
	return pickTerms(doc, df, n), ownScore(doc, all[:min(len(all), maxSelfTerms)], df, n), df, n, nil
}

// maxSelfTerms bounds the terms of a ticket's own score.
const maxSelfTerms = 48

// keepSimilar keeps the ranked tickets whose similarity (score / self) is at least min.
func keepSimilar(ranked []rankedTicket, self, min float64) []rankedTicket {
	var out []rankedTicket
	for _, r := range ranked {
		if similarity(r.score, self) >= min {
			out = append(out, r)
		}
	}
	return out
}

// similarity is a score relative to the query's own, at most 1.
func similarity(score, self float64) float64 {
	if self <= 0 {
		return 0
	}
	return min(1, score/self)
}

// matches loads the ranked tickets; self, when not 0, gives their similarity.
func matches(ctx context.Context, q querier, ranked []rankedTicket, self float64) ([]Match, error) {
	out := []Match{}
	for _, r := range ranked {
		tk, err := loadTicket(ctx, q, r.id)
		if err != nil {
			return nil, err
		}
		m := Match{ID: tk.ID, Subject: tk.Subject, Status: string(tk.Status), Category: tk.Category,
			Language: tk.Language, Kind: tk.Kind, Incident: tk.Incident, CreatedAt: tk.CreatedAt,
			ResolvedAt: ptime(tk.ResolvedAt), Score: r.score, Similarity: similarity(r.score, self)}
		if tk.Status == StatusResolved || tk.Status == StatusClosed {
			if m.Note, err = resolutionNote(ctx, q, tk.ID); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// resolutionNote is the last public answer of a resolved ticket: the note it was resolved with.
func resolutionNote(ctx context.Context, q querier, id int64) (string, error) {
	var note string
	err := q.QueryRowContext(ctx, `SELECT text FROM events WHERE ticket_id = ? AND kind = 'reply' AND public != 0
		ORDER BY id DESC LIMIT 1`, id).Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("resolution note of %d: %w", id, err)
	}
	return note, nil
}

// ScoreExplanation says how one ticket scored against another's terms: `deskd ticket explain`
// prints it.
type ScoreExplanation struct {
	Ticket     int64       `json:"ticket"` // Whose terms were asked for.
	Other      int64       `json:"other"`  // The ticket scored.
	Dialect    string      `json:"dialect"`
	Score      float64     `json:"score"`      // The other's BM25: the sum of Terms' scores.
	Self       float64     `json:"self"`       // The ticket's own BM25 for its terms.
	Similarity float64     `json:"similarity"` // Score / Self, at most 1.
	Terms      []TermScore `json:"terms"`      // The terms asked for, most telling first.
}

// TermScore is one term's share of a BM25 score.
type TermScore struct {
	Term  string  `json:"term"`
	Score float64 `json:"score"` // Its BM25 in the other ticket (0: not there).
	Self  float64 `json:"self"`  // Its BM25 in the ticket itself.
}

// ExplainSimilarity breaks down how ticket other scores for ticket id's terms: BM25 is a sum over
// the terms, and each term's share is its score alone.
func (d *Desk) ExplainSimilarity(ctx context.Context, id, other int64) (ScoreExplanation, error) {
	q, dia := d.Store.Reader(), d.Store.search
	terms, self, err := selfScore(ctx, q, dia, id)
	if err != nil {
		return ScoreExplanation{}, err
	}
	ex := ScoreExplanation{Ticket: id, Other: other, Dialect: string(dia), Self: self, Terms: []TermScore{}}
	for _, term := range terms {
		s, err := scoreOf(ctx, q, dia, []string{term}, other)
		if err != nil {
			return ex, err
		}
		own, err := scoreOf(ctx, q, dia, []string{term}, id)
		if err != nil {
			return ex, err
		}
		ex.Score += s
		ex.Terms = append(ex.Terms, TermScore{Term: term, Score: s, Self: own})
	}
	sort.SliceStable(ex.Terms, func(i, j int) bool { return ex.Terms[i].Score > ex.Terms[j].Score })
	ex.Similarity = similarity(ex.Score, self)
	return ex, nil
}
