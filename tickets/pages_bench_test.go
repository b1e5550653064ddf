package tickets_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/tickets"
)

// BenchmarkNewRequestPages opens new requests, 50 a transaction as mailin batches them, and sends
// their two mails (the acknowledgement and the assignment notice) to an in-process SMTP sink, on
// desks seeded as bench/run.sh seeds them (0, 10,000 and 100,000 tickets; kept in
// $DESKD_BENCH_SEEDED, see ingestDesk). b.N is the number of requests. The write-ahead log is held
// back from the checkpoints while it runs: wal-pages/request is the pages the writer committed,
// one frame each; built with -tags sqlite_dbstat, the log names the b-trees they belong to
// (-test.v). A first batch, sent too, runs before: the page cache and the known answers' index
// are read then.
//
//	DESKD_BENCH_SEEDED=DIR go test -tags 'sqlite_fts5 sqlite_dbstat' ./tickets -run '^$' -bench NewRequestPages -benchtime 1000x -v
func BenchmarkNewRequestPages(b *testing.B) {
	for _, size := range tickets.BenchDeskSizes() {
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d, out, k := benchSending(b, size)
			ctx := context.Background()
			i := 0
			open := func(n int) {
				batch := make([]*tickets.Incoming, n)
				for j := range batch {
					i++
					p := bench.Requester("p", int64(i))
					subject, body, _ := bench.Topic(int64(i), p.Language)
					batch[j] = &tickets.Incoming{MessageID: fmt.Sprintf("p%d@client.example", i), From: p.Email, FromName: p.Name,
						To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: tickets.VerdictPerson}
				}
				if _, err := d.Ingest(ctx, tickets.BenchT0, batch); err != nil {
					b.Fatal(err)
				}
			}
			send := func(want int) {
				sent, err := out.Drain(ctx, time.Now()) // The real clock: see benchSending.
				if err != nil || sent != want || k.copies.Load() != int64(sent) {
					b.Fatalf("sent %d copies of %d, the sink got %d: %v", sent, want, k.copies.Load(), err)
				}
				k.copies.Store(0)
			}
			open(50)
			send(100)
			d.Store.BenchHoldLog(b)
			var ingestCPU, sendCPU time.Duration
			b.ResetTimer()
			for done := 0; done < b.N; done += 50 {
				n := min(50, b.N-done)
				c0 := cpuTime()
				open(n)
				c1 := cpuTime()
				send(2 * n)
				ingestCPU, sendCPU = ingestCPU+c1-c0, sendCPU+cpuTime()-c1
			}
			b.StopTimer()
			pages := d.Store.BenchLogPages(b)
			b.ReportMetric(float64(len(pages))/float64(b.N), "wal-pages/request")
			b.ReportMetric(float64(ingestCPU.Microseconds())/float64(b.N), "ingest-cpu-µs/request")
			b.ReportMetric(float64(sendCPU.Microseconds())/float64(b.N), "send-cpu-µs/request")
			if owners := d.Store.BenchPageOwners(b); owners != nil {
				by := map[string]int{}
				for _, p := range pages {
					by[cmp.Or(owners[p], "(free)")]++
				}
				names := slices.SortedFunc(maps.Keys(by), func(x, y string) int { return cmp.Or(by[y]-by[x], strings.Compare(x, y)) })
				var lines []string
				for _, n := range names {
					lines = append(lines, fmt.Sprintf("%-32s %7.3f", n, float64(by[n])/float64(b.N)))
				}
				b.Logf("pages a request by b-tree, desk of %d:\n%s", size, strings.Join(lines, "\n"))
			}
		})
	}
}
