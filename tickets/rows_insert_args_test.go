package tickets

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// TestAppendRowsInsertReusedArgs: the INSERT and arguments built into a list that held another
// statement's (insertRows' pooled lists) are those rowsInsert builds afresh, and nothing of the
// earlier list is bound.
func TestAppendRowsInsertReusedArgs(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 1))
	texts := []string{"", "note", "desk", "a@x", "{}", "text"}
	event := func() []any {
		r := []any{int64(rng.IntN(3)), int64(rng.IntN(2)), "", "", rng.IntN(2) == 0, "", "", ""}
		for i := 2; i < len(r); i++ {
			if i != 4 {
				r[i] = texts[rng.IntN(len(texts))]
			}
		}
		return r
	}
	var buf []any
	for range underrace.Rounds(2000) {
		rows := make([][]any, 1+rng.IntN(64))
		for i := range rows {
			rows[i] = event()
		}
		wantQ, wantArgs := rowsInsert("events", eventRowColumns, rows)
		if len(buf) > 0 && rng.IntN(2) == 0 {
			buf = buf[:rng.IntN(len(buf))] // A list left longer or shorter than the next.
		}
		q, args := appendRowsInsert(buf[:0], "events", eventRowColumns, rows)
		if q != wantQ || !reflect.DeepEqual(args, wantArgs) {
			t.Fatalf("reused list: %s %q\nfresh: %s %q", q, args, wantQ, wantArgs)
		}
		buf = args
	}
}

// rowsInsert is the INSERT of rows (of columns' values) into table and its arguments, in a list
// of its own.
func rowsInsert(table, columns string, rows [][]any) (string, []any) {
	return appendRowsInsert(nil, table, columns, rows)
}
