package tickets

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
)

// BenchmarkRepliesDeskSize ingests 1,000 mails (an op), 50 a transaction, into the seeded desks
// of BenchmarkNewRequestsDeskSize: each batch 45 new requests and 5 replies of requesters into
// their tickets, two to tickets opened earlier in the same batch, three to older tickets of the
// seeded desk (the first of them a thank-you note when the ticket is resolved). It reports what
// a mail costs, the CPU of the whole process and of the writer's thread.
//
//	DESKD_BENCH_SEEDED=DIR go test -tags sqlite_fts5 ./tickets -run '^$' -bench RepliesDeskSize -benchtime 3x
func BenchmarkRepliesDeskSize(b *testing.B) {
	const perOp, batch = 1000, 50
	for _, size := range benchDeskSizes() {
		if size == 0 {
			continue // No older tickets to reply to.
		}
		b.Run(fmt.Sprintf("desk=%d", size), func(b *testing.B) {
			d := ingestDesk(b, size)
			ctx := context.Background()
			var requesters []string
			rows, err := d.Store.w.Query(`SELECT requester FROM tickets WHERE id <= ? ORDER BY id`, size)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var r string
				if err := rows.Scan(&r); err != nil {
					b.Fatal(err)
				}
				requesters = append(requesters, r)
			}
			if err := rows.Close(); err != nil || len(requesters) == 0 {
				b.Fatal("no seeded tickets", err)
			}
			i, old, replies := 0, int64(0), 0
			reply := func(id int64, from, subject string) *Incoming {
				i++
				p := bench.Requester("r", int64(i))
				_, body, _ := bench.Topic(int64(i)+7, p.Language)
				return &Incoming{MessageID: fmt.Sprintf("r%d@client.example", i), From: from, To: []string{"helpdesk@corp.example"},
					Subject: fmt.Sprintf("RE: [HD #%d] %s", id, subject), Text: body, Language: p.Language, Verdict: VerdictPerson}
			}
			ingest := func() {
				in := make([]*Incoming, 0, batch)
				for len(in) < batch {
					switch len(in) % 10 {
					case 7: // A reply to the request three mails before, opened in this batch.
						r := in[len(in)-3]
						re := reply(0, r.From, "")
						re.Subject, re.InReplyTo, re.References = "Re: "+r.Subject, []string{r.MessageID}, []string{r.MessageID}
						in = append(in, re)
					case 9: // A reply to an older ticket.
						old = old*7919%int64(len(requesters)) + 1
						in = append(in, reply(old, requesters[old-1], "Suivi"))
					default:
						i++
						in = append(in, benchRequest("n", int64(i)))
					}
				}
				out, err := d.Ingest(ctx, t0, in)
				if err != nil {
					b.Fatal(err)
				}
				for _, o := range out {
					if o.Action == ActionAppended || o.Action == ActionThanked {
						replies++
					}
				}
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ingest()
			var writer time.Duration
			replies = 0
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				for range perOp / batch {
					w0 := threadCPUTime()
					ingest()
					writer += threadCPUTime() - w0
				}
			}
			n := float64(perOp * b.N)
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/n, "cpu-µs/mail")
			b.ReportMetric(float64(writer.Microseconds())/n, "writer-cpu-µs/mail")
			b.ReportMetric(float64(replies)/n, "replies/mail")
		})
	}
}
