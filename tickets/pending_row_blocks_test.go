package tickets

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// TestPendingRowBlocks: each row cut from the blocks holds its values whatever is cut after it
// (its capacity ends where it does), a row longer than a block is its own, and release leaves
// the blocks it returns cleared.
func TestPendingRowBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 2))
	for range underrace.Rounds(50) {
		var p pendingRows
		var rows, want [][]any
		for range 1 + rng.IntN(600) {
			n := 1 + rng.IntN(20)
			if rng.IntN(100) == 0 {
				n = rowBlock + 1
			}
			vals := make([]any, n)
			for i := range vals {
				vals[i] = int64(rng.IntN(1000))
			}
			r := p.row(vals...)
			if len(r) != n || cap(r) != n {
				t.Fatalf("row of %d values: len %d cap %d", n, len(r), cap(r))
			}
			rows, want = append(rows, r), append(want, vals)
		}
		for i := range rows {
			if !slices.Equal(rows[i], want[i]) {
				t.Fatalf("row %d: %v, want %v", i, rows[i], want[i])
			}
		}
		blocks := slices.Clone(p.blocks)
		p.release()
		for _, b := range blocks {
			if slices.ContainsFunc(*b, func(v any) bool { return v != nil }) {
				t.Fatal("a released block still holds values")
			}
		}
		if p.blocks != nil || p.free != nil {
			t.Fatal("release kept blocks")
		}
	}
}
