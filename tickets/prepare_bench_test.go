package tickets

import (
	"fmt"
	"testing"

	"github.com/deskd/deskd/bench"
)

// BenchmarkPrepareRequest is the preparation of a new request apart from the writer and the
// known answers (prepareRequest: triage, priority, search document), on the mail
// BenchmarkIngestDeskSize ingests, on one goroutine. cpu-ns/op is the process's CPU a mail,
// garbage collection included.
//
//	go test -tags sqlite_fts5 ./tickets -run '^$' -bench PrepareRequest -benchtime 4000x -benchmem
func BenchmarkPrepareRequest(b *testing.B) {
	d := ingestDesk(b, 0)
	cfg := d.Config()
	const n = 500
	mails := make([]Incoming, n)
	for i := range mails {
		p := bench.Requester("b", int64(i+1))
		subject, body, _ := bench.Topic(int64(i+1), p.Language)
		mails[i] = Incoming{MessageID: fmt.Sprintf("b%d@client.example", i+1), From: p.Email, FromName: p.Name,
			To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson}
	}
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		in := mails[i%n]
		i++
		d.prepareRequest(cfg, &in)
		if in.prepared == nil {
			b.Fatal("not prepared")
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
