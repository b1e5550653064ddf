package tickets

import (
	"context"
	"testing"
	"time"
)

// writerBatch is the batch size of mailin's default configuration (batch_size).
const writerBatch = 200

// BenchmarkIngestWriter measures the one writer alone: the transaction Ingest runs for a batch of
// 200 new requests on an empty desk, the triage, search documents and known answers made before
// it (prepareBatch, which runs on other goroutines in the daemon) left out of the timer.
//
// Under callgrind, a dump of the counts at the entries of writerIngest and writerDone isolates
// the timed transactions (1 + 3 of them with -test.benchtime 3x, writerBatch mails each; the
// first transaction of a desk, which prepares the statements, is left out). Callgrind follows Go's
// goroutine switches badly: --toggle-collect counted prepareBatch's goroutines too, and it takes
// the return into writerIngest for a second entry, so a transaction's count is the dump that a
// writerIngest entry triggered right after another one (the one before it holds prepareBatch):
//
//	go test -tags sqlite_fts5 -c -o /tmp/tickets.test ./tickets
//	cd tickets && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --callgrind-out-file=/tmp/cg.out --dump-before='*tickets.writerIngest' --dump-before='*tickets.writerDone' \
//	  /tmp/tickets.test -test.run '^$' -test.bench 'IngestWriter' -test.benchtime 3x
//	for f in $(ls /tmp/cg.out.* | sort -t. -k3 -n); do
//	  echo "$(grep -m1 Trigger $f | grep -c writerIngest) $(grep -h '^totals:' $f | cut -d' ' -f2)"
//	done | awk 'prev == 1 && $1 == 1 {s += $2; n++} {prev = $1} END {print n, s / n / 200, "instructions/mail"}'
func BenchmarkIngestWriter(b *testing.B) {
	d := ingestDesk(b, 0)
	ctx := context.Background()
	i := 0
	next := func() []*Incoming {
		batch := make([]*Incoming, writerBatch)
		for j := range batch {
			i++
			batch[j] = benchRequest("w", int64(i))
		}
		d.prepareBatch(ctx, batch)
		return batch
	}
	run := func(batch []*Incoming) {
		out, err := writerIngest(ctx, d, batch)
		writerDone()
		if err != nil {
			b.Fatal(err)
		}
		if out[0].Action != ActionOpened {
			b.Fatalf("outcome %+v", out[0])
		}
	}
	if _, err := d.Ingest(ctx, t0, next()); err != nil { // Statements prepared, caches filled.
		b.Fatal(err)
	}
	var cpu time.Duration // The process's user and system time in the transactions.
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		batch := next()
		b.StartTimer()
		cpu0 := cpuTime()
		run(batch)
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(writerBatch*b.N), "ns/mail")
	b.ReportMetric(float64(cpu.Microseconds())/float64(writerBatch*b.N), "cpu-µs/mail")
}

// writerIngest is the timed transaction of BenchmarkIngestWriter, and writerDone its end:
// functions of their own for callgrind's --dump-before.
//
//go:noinline
func writerIngest(ctx context.Context, d *Desk, batch []*Incoming) ([]Outcome, error) {
	return d.ingest(ctx, t0, batch, false)
}

//go:noinline
func writerDone() {}
