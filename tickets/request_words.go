package tickets

// requestWords are a request's subject and text split once into clauses and folded words, with
// their plural-stripped stems (stem). The classifier's features (Features), its keyword rules
// (classifyByRules), the priority phrases (judgePriority) and the search document (analyze) all
// read them: each used to split and fold the text again (three passes a new request, a fifth
// of its preparation).
//
// The text is read without its signature block and disclaimers (requestBody,
// signature_request.go): body is what is left of it. The clauses are those of
// splitClauses(subject + "\n" + body): a clause break is never inside a word (foldedWords cuts at
// every rune splitClauses cuts at), so the words of the clauses, one after the other, are
// foldedWords(subject) then foldedWords(body).
type requestWords struct {
	clauses  []clauseWords // The subject's clauses, then the text's; none is empty.
	ws, st   []string      // Every folded word and its stem, in order: the clauses are slices of them.
	nSubject int           // The subject's words: ws[:nSubject].
	body     string        // requestBody(text): the text the words are of.
}

// wordsOfRequest splits a request's subject and text into clauses and words (requestWords).
func wordsOfRequest(subject, text string) requestWords { return splitRequest(subject, text, true) }

// wordsOfBody is wordsOfRequest(subject, text), body being requestBody(text).
func wordsOfBody(subject, body string) requestWords { return splitBody(subject, body, true) }

// splitRequest is wordsOfRequest, with where phrases may begin in each clause only when phrases
// is set (the classifier's training reads none).
func splitRequest(subject, text string, phrases bool) requestWords {
	return splitBody(subject, requestBody(text), phrases)
}

// splitBody is splitRequest(subject, text, phrases), text being read as its body,
// requestBody(text).
func splitBody(subject, text string, phrases bool) requestWords {
	var r requestWords
	r.body = text
	// Room for a word every four bytes, as foldedWords, and for the clause breaks.
	ws := make([]string, 0, (len(subject)+len(text))/4+4)
	var cutBuf [32]int
	cuts := cutBuf[:0] // Where clauses end in ws; empty clauses are left out below.
	ws, cuts = appendFoldedWordsCut(ws, cuts, subject, true)
	r.nSubject = len(ws)
	cuts = append(cuts, len(ws))
	ws, cuts = appendFoldedWordsCut(ws, cuts, text, true)
	cuts = append(cuts, len(ws))

	st := make([]string, len(ws))
	for i, w := range ws {
		st[i] = stem(w)
	}
	n := 0
	for i, from := range cuts {
		if i == 0 || from != cuts[i-1] {
			n++
		}
	}
	r.clauses = make([]clauseWords, 0, n)
	var firsts []int // One array for where phrases may begin, every clause's.
	from := 0
	for _, to := range cuts {
		if to <= from {
			continue
		}
		f := len(firsts)
		for j := from; j < to; j++ {
			if phrases && phraseFirsts[st[j]] {
				firsts = append(firsts, j-from)
			}
		}
		r.clauses = append(r.clauses, clauseWords{ws: ws[from:to:to], st: st[from:to:to], firsts: firsts[f:len(firsts):len(firsts)]})
		from = to
	}
	r.ws, r.st = ws, st
	return r
}

// subject is the subject's stems (terms(subject)), text the text's (terms(requestBody(text))).
func (r *requestWords) subject() []string { return r.st[:r.nSubject] }
func (r *requestWords) text() []string    { return r.st[r.nSubject:] }

// isClauseBreak reports the runes splitClauses cuts at.
func isClauseBreak(r rune) bool {
	switch r {
	case '.', '!', '?', ';', ',', ':', '\n', '(', ')', '"', '«', '»':
		return true
	}
	return false
}
