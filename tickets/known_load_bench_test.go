package tickets

import (
	"context"
	"testing"
)

// BenchmarkKnownIndexLoad measures the known answers' index read whole, as at deskd's first
// batch, on the desk of 10,000 seeded tickets (ingestDesk: kept in $DESKD_BENCH_SEEDED).
//
//	DESKD_BENCH_SEEDED=DIR go test -tags sqlite_fts5 ./tickets -run '^$' -bench KnownIndexLoad -benchtime 3x
func BenchmarkKnownIndexLoad(b *testing.B) {
	d := ingestDesk(b, 10_000)
	ctx := context.Background()
	held := 0
	for b.Loop() {
		var x knownIndex
		if err := x.load(ctx, d.Store.Reader(), d.Store.search); err != nil {
			b.Fatal(err)
		}
		held = len(x.byID)
	}
	if held == 0 {
		b.Fatal("no ticket held")
	}
}
