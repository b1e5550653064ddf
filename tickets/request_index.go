package tickets

import (
	"context"
	"fmt"
	"strings"
)

// indexRequest writes a new ticket's search document with its request's text, terms: the
// subject's terms (subjectTerms), then the text's (analyze), in one row and one count of terms,
// as indexTicket and indexMessage write them in two of each.
func (t *Tx) indexRequest(tk *Ticket, terms []string) error {
	var err error
	if t.d.Store.search == dialectPG {
		err = pgIndexDoc(context.Background(), t.tx, tk.ID, terms)
	} else {
		_, err = t.exec(`INSERT INTO `+t.d.Store.search.table()+` (rowid, doc) VALUES (?, ?)`, tk.ID, strings.Join(terms, " "))
	}
	if err != nil {
		return fmt.Errorf("index ticket %d: %w", tk.ID, err)
	}
	t.rememberDoc(tk.ID, terms)
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
