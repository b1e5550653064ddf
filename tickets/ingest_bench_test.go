package tickets

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
)

// benchDeskSizes are the desk sizes the desk-size benchmarks run at: 0, 10,000 and 100,000
// tickets, and 1,000,000 with DESKD_BENCH_BIG=1.
func benchDeskSizes() []int64 {
	sizes := []int64{0, 10_000, 100_000}
	if os.Getenv("DESKD_BENCH_BIG") != "" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

// BenchmarkIngestDeskSize ingests new requests, 50 a transaction as mailin batches them, into
// desks that already hold 0, 10,000 and 100,000 tickets (and 1,000,000 with DESKD_BENCH_BIG=1),
// written as bench/run.sh seeds them (kept in $DESKD_BENCH_SEEDED, as seededDesk says): the cost
// of a mail must not grow with the desk.
//
//	go test ./tickets -run '^$' -bench IngestDeskSize -benchtime 2000x
func BenchmarkIngestDeskSize(b *testing.B) {
	for _, size := range benchDeskSizes() {
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d := seededDesk(b, size)
			ctx := context.Background()
			i := 0
			next := func() *Incoming {
				i++
				p := bench.Requester("b", int64(i))
				subject, body, _ := bench.Topic(int64(i), p.Language)
				return &Incoming{MessageID: fmt.Sprintf("b%d@client.example", i), From: p.Email, FromName: p.Name,
					To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson}
			}
			// The writer's own time: Ingest's goroutine, on a thread of its own, runs the
			// transaction; what it hands to other goroutines (the known answers) is not counted.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var writer time.Duration
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				batch := make([]*Incoming, 50)
				for j := range batch {
					batch[j] = next()
				}
				w0 := threadCPUTime()
				if _, err := d.Ingest(ctx, t0, batch); err != nil {
					b.Fatal(err)
				}
				writer += threadCPUTime() - w0
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(50*b.N), "cpu-µs/mail")
			b.ReportMetric(float64(writer.Microseconds())/float64(50*b.N), "writer-cpu-µs/mail")
		})
	}
}

// cpuTime is the process's user and system time so far: on a shared machine it moves much less
// with the load than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPUTime is the calling thread's user and system time so far (RUSAGE_THREAD, Linux).
func threadCPUTime() time.Duration {
	const rusageThread = 1
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
