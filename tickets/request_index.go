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
	p := &t.pending
	if p.terms == nil {
		p.terms = map[string]int{}
	}
	p.terms[tokensKey] += len(terms)
	p.terms[""]++
	for _, term := range distinct(terms, nil) {
		p.terms[term]++
	}
	return nil
}
