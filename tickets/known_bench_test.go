package tickets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/tickets/storetest"
)

// seededDesk opens the test desk on a database that holds size tickets written as bench/run.sh
// seeds them, with its full-text index and classifier. With $DESKD_BENCH_SEEDED naming a
// directory, the seeded database is kept there and copied for the next run of the same size and
// engine: a desk of 1,000,000 tickets takes minutes to write.
func seededDesk(b *testing.B, size int64) *Desk {
	b.Helper()
	storetest.SQLiteOnly(b)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "deskd.db")
	cfg := parseTestConfig(b, testConfigTOML)
	store, err := OpenStore(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	var kept string
	if dir := os.Getenv("DESKD_BENCH_SEEDED"); dir != "" && size > 0 {
		kept = filepath.Join(dir, fmt.Sprintf("desk-%d-%s.db", size, store.search))
		if data, err := os.ReadFile(kept); err == nil {
			if err := store.Close(); err != nil {
				b.Fatal(err)
			}
			for _, f := range []string{path + "-wal", path + "-shm"} {
				_ = os.Remove(f)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				b.Fatal(err)
			}
			if store, err = OpenStore(ctx, path); err != nil {
				b.Fatal(err)
			}
			kept = ""
		}
	}
	b.Cleanup(func() { _ = store.Close() })
	d, err := NewDesk(cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		b.Fatal(err)
	}
	d.SetWords(catalogueWords(b))
	var n int64
	if err := store.w.QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 && size > 0 {
		var team []bench.Technician
		for _, te := range d.Config().Technicians {
			team = append(team, bench.Technician{Email: te.Email, Skills: te.Skills, Tier: te.Tier})
		}
		if _, err := bench.Seed(ctx, store.w, bench.SeedOptions{Tickets: size, Team: team, Now: t0, RawFor: 0.1}); err != nil {
			b.Fatal(err)
		}
		if _, err := store.w.Exec(`DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
			b.Fatal(err)
		}
		if err := store.ensureSearchIndex(ctx); err != nil {
			b.Fatal(err)
		}
		if err := d.TrainModel(ctx); err != nil {
			b.Fatal(err)
		}
		if kept != "" {
			if _, err := store.w.Exec(`VACUUM INTO ?`, kept); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := d.PrepareModel(ctx); err != nil { // The counts a kept desk holds are read, not learned again.
		b.Fatal(err)
	}
	return d
}

// BenchmarkKnownAnswersDeskSize measures the known answers to a new request (what Ingest
// prepares for each new ticket) on desks of 0, 10,000 and 100,000 tickets (and 1,000,000 with
// DESKD_BENCH_BIG=1), seeded as bench/run.sh seeds them: the cost must not grow with the desk.
//
//	go test -tags sqlite_fts5 ./tickets -run '^$' -bench KnownAnswersDeskSize
func BenchmarkKnownAnswersDeskSize(b *testing.B) {
	for _, size := range benchDeskSizes() {
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d := seededDesk(b, size)
			ctx := context.Background()
			cfg := d.Config()
			i := 0
			found := 0
			// The index is loaded once, at the desk's first batch.
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			load := cpuTime()
			if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
				b.Fatal(err)
			}
			loadCPU := cpuTime() - load
			runtime.GC()
			runtime.ReadMemStats(&after)
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if i%50 == 49 { // A batch: Ingest refreshes the index once for it.
					if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
						b.Fatal(err)
					}
				}
				i++
				p := bench.Requester("k", int64(i))
				subject, body, _ := bench.Topic(int64(i), p.Language)
				ka, err := d.knownAnswersOf(ctx, cfg.Incidents, subject, "Bonjour,\n\n"+body, p.Language)
				if err != nil {
					b.Fatal(err)
				}
				found += len(ka)
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/request")
			b.ReportMetric(float64(found)/float64(b.N), "answers/request")
			b.ReportMetric(float64(loadCPU.Microseconds())/1000, "load-cpu-ms")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "index-MB")
		})
	}
}

// BenchmarkKnownRank measures the ranking of the known answers' index alone (no query of the
// store), on 10,000 tickets of the bench's requests (bench.Topic: many alike) held as on a desk
// of 100,000: with MaxScore (rank) and scoring every posting the walk reaches (rankFull, as it
// was before).
//
//	go test -tags sqlite_fts5 ./tickets -run '^$' -bench KnownRank -benchtime 2000x
func BenchmarkKnownRank(b *testing.B) {
	r := rand.New(rand.NewPCG(20, 4))
	var docs []string
	for i := int64(1); i <= maxKnownHeld; i++ {
		lang := []string{"fr", "en"}[i%3/2]
		subject, body, _ := bench.Topic(i, lang)
		docs = append(docs, strings.Join(append(subjectTerms(subject, lang), analyze(body, lang)...), " "))
	}
	var x knownIndex
	var rd rankDocs
	rd.fill(&x, r, docs, []string{"fr", "fr", "en"})
	df, n := rd.counts(r, 10)
	type query struct {
		terms []string
		lang  string
	}
	var queries []query
	for i := int64(1); i <= 500; i++ {
		p := bench.Requester("k", i)
		subject, body, _ := bench.Topic(i, p.Language)
		doc := append(subjectTerms(subject, p.Language), analyze("Bonjour,\n\n"+body, p.Language)...)
		queries = append(queries, query{pickTerms(doc, df, n), p.Language})
	}
	for _, name := range []string{"maxscore", "full"} {
		rank := x.rank
		if name == "full" {
			rank = x.rankFull
		}
		b.Run(name, func(b *testing.B) {
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				q := queries[i%len(queries)]
				i++
				if len(rank(dialectFTS5, q.terms, q.lang, 0, 3, df, n)) == 0 {
					b.Fatal("nothing ranked")
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1000/float64(b.N), "cpu-µs/ranking")
		})
	}
}
