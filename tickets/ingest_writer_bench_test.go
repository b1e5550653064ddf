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
// it (prepareBatch, which runs on other goroutines in the daemon) left out of the timer. Under
// callgrind, --toggle-collect='*tickets.writerIngest' counts the timed transactions' instructions only
// (b.N of them, writerBatch mails each; the first, which prepares the statements, is left out):
//
//	go test -tags sqlite_fts5 -c -o /tmp/tickets.test ./tickets
//	cd tickets && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --toggle-collect='*tickets.writerIngest' /tmp/tickets.test -test.run '^$' -test.bench 'IngestWriter' -test.benchtime 5x
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

// writerIngest is the timed transaction of BenchmarkIngestWriter, a function of its own for
// callgrind's --toggle-collect.
//
//go:noinline
func writerIngest(ctx context.Context, d *Desk, batch []*Incoming) ([]Outcome, error) {
	return d.ingest(ctx, t0, batch, false)
}
