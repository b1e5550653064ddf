package tickets

import (
	"context"
	"testing"
)

// TestInsertDocsKeepTheirText: the search documents written from one JSON list are their text
// byte for byte, quotes, escapes and non-ASCII letters included, and a document JSON would
// change (invalid UTF-8) is written as it is, by the multi-row INSERTs.
func TestInsertDocsKeepTheirText(t *testing.T) {
	d := newTestDesk(t)
	if d.Store.search == dialectPG {
		t.Skip("PostgreSQL indexes a document as it is written (pgIndexDoc)")
	}
	docs := map[int64]string{
		9001: `vpn "quoted" <b>&amp;</b> back\slash tab	end`,
		9002: "écran noir ☃ \u2028 \U0001F600",
		9003: "",
	}
	broken := map[int64]string{9004: "broken \xff byte", 9005: "fine"}
	rows := func(m map[int64]string) [][]any {
		var out [][]any
		for id, doc := range m {
			out = append(out, []any{id, doc})
		}
		return out
	}
	err := d.Update(context.Background(), t0, func(tx *Tx) error {
		if err := tx.insertDocs(rows(docs)); err != nil {
			return err
		}
		return tx.insertDocs(rows(broken))
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, doc := range broken {
		docs[id] = doc
	}
	for id, want := range docs {
		var got string
		if err := d.Store.Reader().QueryRow(`SELECT doc FROM `+d.Store.search.table()+` WHERE rowid = ?`, id).Scan(&got); err != nil {
			t.Fatalf("document %d: %v", id, err)
		}
		if got != want {
			t.Errorf("document %d is %q, want %q", id, got, want)
		}
	}
}
