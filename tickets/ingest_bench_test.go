package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/tickets/storetest"
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
// written as bench/run.sh seeds them (kept in $DESKD_BENCH_SEEDED, see ingestDesk): the cost of a
// mail must not grow with the desk.
//
// The first batch of a process pays once what the next ones find ready: the page cache, empty
// at start, and the known answers' index, read whole (known_index.go). It runs before the timer
// and its cost is reported apart (first-cpu-µs/mail).
//
//	go test -tags sqlite_fts5 ./tickets -run '^$' -bench IngestDeskSize -benchtime 20x
func BenchmarkIngestDeskSize(b *testing.B) {
	for _, size := range benchDeskSizes() {
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d := ingestDesk(b, size)
			ctx := context.Background()
			i := 0
			next := func() *Incoming {
				i++
				return benchRequest("b", int64(i))
			}
			// The writer's own time: Ingest's goroutine, on a thread of its own, runs the
			// transaction; what it hands to other goroutines (the known answers) is not counted.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ingest := func() {
				batch := make([]*Incoming, 50)
				for j := range batch {
					batch[j] = next()
				}
				if _, err := d.Ingest(ctx, t0, batch); err != nil {
					b.Fatal(err)
				}
			}
			cpu0 := cpuTime()
			ingest()
			first := cpuTime() - cpu0
			var writer time.Duration
			cpu0 = cpuTime()
			b.ResetTimer()
			for b.Loop() {
				w0 := threadCPUTime()
				ingest()
				writer += threadCPUTime() - w0
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(50*b.N), "cpu-µs/mail")
			b.ReportMetric(float64(writer.Microseconds())/float64(50*b.N), "writer-cpu-µs/mail")
			b.ReportMetric(float64(first.Microseconds())/50, "first-cpu-µs/mail") // After ResetTimer, which drops metrics.
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

// benchRequest is the i-th generated new request of the series prefix (bench.Requester and
// bench.Topic, its Message-ID "PREFIXi@client.example"), as mailin leaves it.
func benchRequest(prefix string, i int64) *Incoming {
	p := bench.Requester(prefix, i)
	subject, body, _ := bench.Topic(i, p.Language)
	return &Incoming{MessageID: fmt.Sprintf("%s%d@client.example", prefix, i), From: p.Email, FromName: p.Name,
		To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson}
}

// ingestDesk is the desk of BenchmarkIngestDeskSize: size tickets seeded as bench/run.sh seeds
// them, with the full-text index and the classifier, and nothing left in the write-ahead log.
// With $DESKD_BENCH_SEEDED naming a directory, the seeded file is kept there for the next runs, as
// written: a copy made by VACUUM (seededDesk's) has every page full, and the first rows inserted at
// random places of a full index split a page each, which a desk that grew by its mail seldom does.
// A kept file that opening changed (a migration, a reindex for a new analyser) is written again
// once, so that the next runs measure the ingest only.
func ingestDesk(b *testing.B, size int64) *Desk {
	b.Helper()
	storetest.SQLiteOnly(b)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "deskd.db")
	var kept, before string
	if dir := os.Getenv("DESKD_BENCH_SEEDED"); dir != "" && size > 0 {
		kept = filepath.Join(dir, fmt.Sprintf("ingest-%d.db", size))
		switch err := copyDatabase(path, kept); {
		case err == nil:
			before = databaseState(b, path)
		case !errors.Is(err, fs.ErrNotExist):
			b.Fatal(err)
		}
	}
	store, err := OpenStore(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if before != "" && databaseState(b, path) == before {
		kept = "" // Up to date.
	}
	b.Cleanup(func() { _ = store.Close() })
	d, err := NewDesk(parseTestConfig(b, testConfigTOML), store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		b.Fatal(err)
	}
	d.SetWords(catalogueWords(b))
	var n int64
	if err := d.Store.w.QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 && size > 0 {
		var team []bench.Technician
		for _, te := range d.Config().Technicians {
			team = append(team, bench.Technician{Email: te.Email, Skills: te.Skills, Tier: te.Tier})
		}
		if _, err := bench.Seed(ctx, d.Store.w, bench.SeedOptions{Tickets: size, Team: team, Now: t0, RawFor: 0.1}); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Store.w.Exec(`DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
			b.Fatal(err)
		}
		if err := d.Store.ensureSearchIndex(ctx); err != nil {
			b.Fatal(err)
		}
		if err := d.TrainModel(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// A desk seeded before keeps its classifier's counts: deskd reads them, and trains only a
	// desk that has none (5.9 CPU-s on the kept desk of 1,000,000 tickets, each run, when this
	// trained again).
	if err := d.PrepareModel(ctx); err != nil {
		b.Fatal(err)
	}
	// What the setup wrote is in the database file, not in the log the ingest would copy back.
	// The pragma answers with a row, not an error, when a reader kept it from finishing: a copy
	// made then would miss the log's pages (a kept desk came out malformed once). The store's own
	// checkpoint, which the setup's commits started, may be running: it is waited for.
	var busy, logPages, done int
	for try := 0; try == 0 || busy != 0 && try < 100; try++ {
		if try > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		if err := d.Store.w.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
			b.Fatal(err)
		}
	}
	if busy != 0 {
		b.Fatalf("the checkpoint before copying the desk did not finish (%d of %d pages): a reader held it", done, logPages)
	}
	if kept != "" {
		if err := copyDatabase(kept+".new", path); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(kept+".new", kept); err != nil {
			b.Fatal(err)
		}
	}
	return d
}

// copyDatabase copies the database file from to the new file to (0600), a block at a time: the
// kept desk of 1,000,000 tickets is 2.2 GB.
func copyDatabase(to, from string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		return err
	}
	return dst.Close()
}

// databaseState is what opening the SQLite database at path may change: its schema's version,
// the index kv search_index names and whether the classifier's counts are stored.
func databaseState(b *testing.B, path string) string {
	b.Helper()
	db, err := sql.Open(deskdDriver(false), "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var state string
	if err := db.QueryRow(`SELECT (SELECT MAX(version) FROM schema_migrations) || ' ' ||
		COALESCE((SELECT value FROM kv WHERE key = 'search_index'), '') || ' ' ||
		COALESCE((SELECT value FROM kv WHERE key = 'model_built'), '')`).Scan(&state); err != nil {
		b.Fatal(err)
	}
	return state
}
