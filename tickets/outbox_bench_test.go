package tickets_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/tickets"
)

// BenchmarkSendDeskSize sends the due mails of incoming mail to an in-process SMTP sink, as
// bench/run.sh's send stage does, from desks that already hold 0, 10,000 and 100,000 tickets
// (and 1,000,000 with DESKD_BENCH_BIG=1), seeded as bench/run.sh seeds them (two sent outbox
// rows a ticket; kept in $DESKD_BENCH_SEEDED, see ingestDesk): nothing in sending a mail may
// depend on how many were sent before.
//
// b.N is the number of incoming mails, made as bench/run.sh makes them (bench.Generator: new
// requests, 8 % replies and 2 % thank-you notes into seeded tickets, 2 % out-of-office replies)
// and ingested 50 a transaction before the timer; then one Drain sends their acknowledgements and
// notices over the default connections. cpu-µs/mail is the whole process's CPU (the sink's
// included) over the copies sent. A first drain of 50 mails' mail runs before, and its cost is
// reported apart (first-cpu-µs/mail): it pays the page cache, cold at start, and the templates'
// first use. The drain runs under the pprof label stage=send: with -cpuprofile,
// `go tool pprof -tagfocus stage=send` shows it alone.
//
// On a seeded desk the assignment notices name similar resolved tickets (Notice.Similar), which
// an empty desk has none of: those mails are longer to render and write.
//
//	DESKD_BENCH_SEEDED=/work/seeded-scale go test -tags sqlite_fts5 ./tickets -run '^$' -bench SendDeskSize -benchtime 2000x
func BenchmarkSendDeskSize(b *testing.B) {
	for _, size := range tickets.BenchDeskSizes() {
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d, out, k := benchSending(b, size)
			ctx := context.Background()
			gen := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: "s", Seeded: size,
				Mix: bench.Mix{Replies: 8, Thanks: 2, OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(1, 2)), Now: tickets.BenchT0}
			i := 0
			queue := func(n int) int64 {
				i = ingestGenerated(b, d, gen, i, n)
				var pending int64
				if err := d.Store.BenchDB().QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`).Scan(&pending); err != nil {
					b.Fatal(err)
				}
				return pending
			}
			var size int64 // Bytes the sink received in the last drain.
			send := func(pending int64) (int, time.Duration) {
				cpu0 := cpuTime()
				var sent int
				var err error
				// Labelled, for a profile of the drain alone: go tool pprof -tagfocus stage=send.
				now := time.Now() // The real clock: see benchSending.
				pprof.Do(ctx, pprof.Labels("stage", "send"), func(ctx context.Context) { sent, err = out.Drain(ctx, now) })
				cpu := cpuTime() - cpu0
				if err != nil || int64(sent) < pending || k.copies.Load() != int64(sent) {
					b.Fatalf("sent %d copies of %d pending mails, the sink got %d: %v", sent, pending, k.copies.Load(), err)
				}
				k.copies.Store(0)
				size = k.bytes.Swap(0)
				return sent, cpu
			}
			firstSent, first := send(queue(50))
			pending := queue(b.N)
			b.ResetTimer()
			sent, cpu := send(pending)
			b.ReportMetric(float64(cpu.Microseconds())/float64(sent), "cpu-µs/mail")
			b.ReportMetric(float64(first.Microseconds())/float64(firstSent), "first-cpu-µs/mail")
			b.ReportMetric(float64(sent)/float64(b.N), "copies/mail-in")
			b.ReportMetric(float64(size)/float64(sent), "bytes/copy")
		})
	}
}

// ingestGenerated ingests n of the mails gen makes, from the i-th on, 50 a transaction, read by
// mailin as deskd reads them; it returns the index of the next.
func ingestGenerated(b *testing.B, d *tickets.Desk, gen *bench.Generator, i, n int) int {
	b.Helper()
	opt := mailin.DeskOptions(d.Config().Desk, d.Signer)
	for n > 0 {
		batch := make([]*tickets.Incoming, min(n, 50))
		for j := range batch {
			m, err := mailin.Parse(bytes.ReplaceAll(gen.Make(i).Raw, []byte("\n"), []byte("\r\n")), opt)
			if err != nil {
				b.Fatal(err)
			}
			batch[j] = mailin.Incoming(m, d.Config().Desk.Language)
			i++
		}
		if _, err := d.Ingest(context.Background(), tickets.BenchT0, batch); err != nil {
			b.Fatal(err)
		}
		n -= len(batch)
	}
	return i
}

// benchSending is what the sending benchmarks share: a desk seeded with size tickets
// (tickets.BenchDesk), a sender with the default settings and an in-process SMTP sink it sends
// to. Their drains run on the real clock, as deskd's do: a drain renews its claim on a mail
// before sending it once half the lease has gone by the real clock (mailout's work), and a drain
// run as of the tests' clock, days back, would renew every mail's claim, a transaction each.
func benchSending(b *testing.B, size int64) (*tickets.Desk, *mailout.Sender, *benchSink) {
	b.Helper()
	d := tickets.BenchDesk(b, size)
	k := newBenchSink(b)
	cfg := mailout.DefaultConfig()
	cfg.Address = k.addr
	out, err := mailout.New(cfg, d.Config().Desk, d.Store, d.Signer, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return d, out, k
}

// benchSink is an SMTP server that takes every mail and keeps only their count.
type benchSink struct {
	addr   string
	copies atomic.Int64 // Copies accepted: one per recipient.
	bytes  atomic.Int64 // Their size, as received.
}

func newBenchSink(b *testing.B) *benchSink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	k := &benchSink{addr: l.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &benchSession{k: k}, nil }))
	srv.Domain = "sink.example"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	return k
}

type benchSession struct {
	k     *benchSink
	rcpts int64
}

func (s *benchSession) Reset()                                    { s.rcpts = 0 }
func (s *benchSession) Logout() error                             { return nil }
func (s *benchSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *benchSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.rcpts++; return nil }
func (s *benchSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s.k.copies.Add(s.rcpts)
	s.k.bytes.Add(n * s.rcpts)
	return nil
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDueMail measures the store side of claiming mail: b.N incoming mails, made as
// BenchmarkSendDeskSize makes them, are ingested before the timer, and then DueMail claims the
// mails they queued (acknowledgements and notices), 200 at a time as the sender claims them,
// until none is left. Counting instructions, a dump before each DueMail gives each call's cost
// (--toggle-collect on it, or on scanOutbox, counted more than the whole run: callgrind loses
// track of Go's stack switches there):
//
//	go test -tags sqlite_fts5 -c -o /tmp/tickets.test ./tickets
//	cd tickets && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --callgrind-out-file=/tmp/cg.%p --dump-before='*tickets.(*Store).DueMail' \
//	  /tmp/tickets.test -test.run '^$' -test.bench 'DueMail$' -test.benchtime 600x
//
// BenchmarkScanOutbox reads the rows alone.
func BenchmarkDueMail(b *testing.B) {
	d := tickets.BenchDesk(b, 0)
	ctx := context.Background()
	gen := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: "s",
		Mix: bench.Mix{Replies: 8, Thanks: 2, OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(1, 2)), Now: tickets.BenchT0}
	ingestGenerated(b, d, gen, 0, b.N)
	now := tickets.BenchT0.Add(time.Minute)
	b.ResetTimer()
	rows := 0
	for {
		due, err := d.Store.DueMail(ctx, "", now, 200)
		if err != nil {
			b.Fatal(err)
		}
		if len(due) == 0 {
			break
		}
		rows += len(due)
	}
	b.StopTimer()
	if rows < b.N {
		b.Fatalf("%d mails claimed for %d mails in", rows, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/mail-in")
}
