package tickets

import (
	"context"
	"fmt"
	"strings"
)

// indexRequest writes a new ticket's search document with its request's text: the subject's
// terms, then the text's, in one row and one count of terms, as indexTicket and indexMessage
// write them in two of each.
func (t *Tx) indexRequest(tk *Ticket, text string) error {
	terms := append(subjectTerms(tk.Subject, tk.Language), analyze(text, tk.Language)...)
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
	return t.countTerms(len(terms), append([]string{""}, distinct(terms, nil)...))
}
