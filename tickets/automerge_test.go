package tickets

import (
	"context"
	"path/filepath"
	"testing"
)

// TestFTS5Automerge: a desk's FTS5 tables merge fts5Automerge segments of a level at a time
// (store.go), set when the store is opened, and kept when it is opened again.
func TestFTS5Automerge(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "deskd.db")
	for range 2 {
		s, err := OpenStore(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if s.search != dialectFTS5 {
			_ = s.Close()
			t.Skip("built without FTS5 (-tags sqlite_fts5)")
		}
		for _, tbl := range []string{s.search.table(), s.search.staffTable()} {
			var v int
			if err := s.w.QueryRowContext(ctx, `SELECT v FROM `+tbl+`_config WHERE k = 'automerge'`).Scan(&v); err != nil {
				t.Fatalf("%s: %v", tbl, err)
			}
			if v != fts5Automerge {
				t.Errorf("%s: automerge %d, want %d", tbl, v, fts5Automerge)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
