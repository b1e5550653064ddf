package tickets

import (
	"database/sql"
	"testing"
)

// What the benchmarks of package tickets_test (outbox_bench_test.go, which sends with mailout and
// so cannot be in package tickets) take from the package's own tests.

// BenchDesk is ingestDesk: a desk of size tickets seeded as bench/run.sh seeds them.
func BenchDesk(b *testing.B, size int64) *Desk { return ingestDesk(b, size) }

// BenchDeskSizes is benchDeskSizes.
func BenchDeskSizes() []int64 { return benchDeskSizes() }

// BenchT0 is the tests' clock (t0).
var BenchT0 = t0

// BenchDB is the store's writing connection, for the benchmark's own queries.
func (s *Store) BenchDB() *sql.DB { return s.w }
