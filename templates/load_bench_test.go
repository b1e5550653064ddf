package templates

import (
	"runtime"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// retainedHeap is the heap a Set of the embedded templates keeps, as deskd serve keeps it for as
// long as it runs: the live heap after a collection with the Set, less before it. The package's
// caches (field lookups, regular expressions …) are filled by a Load beforehand, so that only the
// Set is counted.
func retainedHeap(tb testing.TB) uint64 {
	tb.Helper()
	if _, err := Load(""); err != nil {
		tb.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // The second empties the pools the first only moved aside.
	runtime.ReadMemStats(&before)
	s, err := Load("")
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return after.HeapAlloc - before.HeapAlloc
}

// BenchmarkLoad measures Load of the embedded templates (every process start: deskd serve, each
// deskd poll --once) and reports the heap the Set keeps (retained-B, retainedHeap).
//
//	go test ./templates -run '^$' -bench Load -benchmem
//
// Instructions, at two lengths (the difference is 10 Loads):
//
//	go test -c -tags sqlite_fts5 -o /tmp/templates.test ./templates
//	GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  /tmp/templates.test -test.run '^$' -test.bench 'Load$' -test.benchtime 20x   # and 10x
func BenchmarkLoad(b *testing.B) {
	retained := retainedHeap(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(retained), "retained-B")
}

// BenchmarkLoadAndAck is what a `deskd poll --once` that sends one acknowledgement pays for the
// templates: Load of the embedded templates, and a first mail of a kind (which readies it).
func BenchmarkLoadAndAck(b *testing.B) {
	n := Samples(tickets.KindAck, "fr")[0]
	b.ReportAllocs()
	for b.Loop() {
		s, err := Load("")
		if err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := s.Render(tickets.KindAck, "fr", n); err != nil {
			b.Fatal(err)
		}
	}
}
