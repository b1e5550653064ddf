package tickets

// indexRequest writes a new ticket's search document with its request's text, terms: the
// subject's terms (subjectTerms), then the text's (analyze), in one row and one count of terms,
// as indexTicket and indexMessage write them in two of each.
func (t *Tx) indexRequest(tk *Ticket, terms []string) error {
	if err := t.insertDoc(tk.ID, terms); err != nil {
		return err
	}
	// Counted with the other documents of the transaction (pendingRows.terms): the words of
	// a batch's requests are much the same, and each costs an upsert.
	t.pending.countTerms(1, len(terms), distinct(terms, nil))
	return nil
}

// countTerms adds docs documents, tokens terms and one document for each of terms to the counts
// that wait (terms).
func (p *pendingRows) countTerms(docs, tokens int, terms []string) {
	if p.terms == nil {
		p.terms = map[string]int{}
	}
	if docs != 0 {
		p.terms[""] += docs
	}
	p.terms[tokensKey] += tokens
	for _, term := range terms {
		p.terms[term]++
	}
}
