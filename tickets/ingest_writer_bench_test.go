package tickets

import (
	"context"
	"fmt"
	"testing"

	"github.com/deskd/deskd/bench"
)

// writerBatch is the batch size of mailin's default configuration (batch_size).
const writerBatch = 200

// BenchmarkIngestWriter measures the one writer alone: the transaction Ingest runs for a batch of
// 200 new requests on an empty desk, the triage, search documents and known answers made before
// it (prepareBatch, which runs on other goroutines in the daemon) left out of the timer.
//
// Under callgrind, a dump of the counts at the entries of writerIngest and writerDone leaves the
// timed transactions' instructions in the dumps writerDone triggered (b.N of them, writerBatch
// mails each; the first transaction, which prepares the statements, is left out). Callgrind's
// --toggle-collect follows the call stack, which Go's goroutine switches confuse: it counted
// prepareBatch's goroutines too.
//
//	go test -tags sqlite_fts5 -c -o /tmp/tickets.test ./tickets
//	cd tickets && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --callgrind-out-file=/tmp/cg.out --dump-before='*tickets.writerIngest' --dump-before='*tickets.writerDone' \
//	  /tmp/tickets.test -test.run '^$' -test.bench 'IngestWriter' -test.benchtime 3x
//	grep -l 'Trigger: .*writerDone' /tmp/cg.out.* | xargs grep -h '^totals:' # b.N+1 dumps
func BenchmarkIngestWriter(b *testing.B) {
	d := ingestDesk(b, 0)
	ctx := context.Background()
	i := 0
	next := func() []*Incoming {
		batch := make([]*Incoming, writerBatch)
		for j := range batch {
			i++
			p := bench.Requester("w", int64(i))
			subject, body, _ := bench.Topic(int64(i), p.Language)
			batch[j] = &Incoming{MessageID: fmt.Sprintf("w%d@client.example", i), From: p.Email, FromName: p.Name,
				To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson}
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
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		batch := next()
		b.StartTimer()
		run(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(writerBatch*b.N), "ns/mail")
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
