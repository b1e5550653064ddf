package tickets

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkNewRequestsDeskSize ingests 1,000 new requests (an op), 50 a transaction as mailin
// batches them, into desks seeded with 0, 10,000 and 100,000 tickets (and 1,000,000 with
// DESKD_BENCH_BIG=1; kept in $DESKD_BENCH_SEEDED, see ingestDesk), and reports what one request
// costs: CPU of the whole process and of the writer's thread, and the read system calls and
// bytes the process made (SQLite reads a page it does not hold with one pread): the figures
// issue 20 wants flat, within 10 % from the empty desk to the largest.
//
// The first batch (the page cache empty, the known answers' index read whole) runs before the
// timer, as in BenchmarkIngestDeskSize.
//
//	DESKD_BENCH_SEEDED=DIR go test -tags sqlite_fts5 ./tickets -run '^$' -bench NewRequestsDeskSize -benchtime 3x
func BenchmarkNewRequestsDeskSize(b *testing.B) {
	const perOp, batch = 1000, 50
	for _, size := range benchDeskSizes() {
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d := ingestDesk(b, size)
			ctx := context.Background()
			i := 0
			ingest := func() {
				in := make([]*Incoming, batch)
				for j := range in {
					i++
					in[j] = benchRequest("n", int64(i))
				}
				if _, err := d.Ingest(ctx, t0, in); err != nil {
					b.Fatal(err)
				}
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ingest()
			var writer time.Duration
			io0 := readIO(b)
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				for range perOp / batch {
					w0 := threadCPUTime()
					ingest()
					writer += threadCPUTime() - w0
				}
			}
			cpu := cpuTime() - cpu0
			io := readIO(b)
			n := float64(perOp * b.N)
			b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/request")
			b.ReportMetric(float64(writer.Microseconds())/n, "writer-cpu-µs/request")
			b.ReportMetric(float64(io["syscr"]-io0["syscr"])/n, "reads/request")
			b.ReportMetric(float64(io["rchar"]-io0["rchar"])/1024/n, "read-KiB/request")
		})
	}
}

// readIO is the process's I/O counters (/proc/self/io): syscr, the read system calls (pread
// included), and rchar, the bytes they read, from the page cache or the disk.
func readIO(b *testing.B) map[string]int64 {
	b.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		b.Skip("no /proc/self/io:", err)
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

// BenchmarkSearchAfterIngest measures the search box's full-text queries (Desk.Search, the 50
// best) on the desk of 100,000 tickets after 5,000 new requests came in 50 a transaction, each
// transaction a segment of the full-text index that the merges (fts5Automerge) fold into
// larger ones: more segments left unmerged cost every search.
//
//	DESKD_BENCH_SEEDED=DIR go test -tags sqlite_fts5 ./tickets -run '^$' -bench SearchAfterIngest -benchtime 200x
func BenchmarkSearchAfterIngest(b *testing.B) {
	d := ingestDesk(b, 100_000)
	ctx := context.Background()
	for i := 0; i < 5000; i += 50 {
		in := make([]*Incoming, 50)
		for j := range in {
			in[j] = benchRequest("s", int64(i+j))
		}
		if _, err := d.Ingest(ctx, t0, in); err != nil {
			b.Fatal(err)
		}
	}
	queries := []string{"imprimante bloqué", "vpn certificate error", "password account login", "outlook crash", "écran noir"}
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		for _, q := range queries {
			m, err := d.Search(ctx, q, SearchFilter{}, 50)
			if err != nil {
				b.Fatal(err)
			}
			n += len(m)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*len(queries)), "cpu-µs/search")
	b.ReportMetric(float64(n)/float64(b.N*len(queries)), "matches/search")
}
