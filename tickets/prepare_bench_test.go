package tickets

import (
	"fmt"
	"strings"
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

// BenchmarkPrepareRequestText is BenchmarkPrepareRequest of texts as the mail reader leaves
// bench/run.sh's requests (a greeting, the request, a closing and a first name; the "-- "
// signature cut), with the body the reader found with the language (Incoming.Request, "kept")
// or without it ("cut"): triage then cuts the signature itself (requestBody).
//
//	go test -c -tags sqlite_fts5 -o /tmp/tk.test ./tickets
//	cd tickets && valgrind --tool=callgrind /tmp/tk.test -test.run '^$' -test.bench 'PrepareRequestText/kept$' -test.benchtime 1000x   (and 500x)
func BenchmarkPrepareRequestText(b *testing.B) {
	d := ingestDesk(b, 0)
	cfg := d.Config()
	const n = 500
	mails := make([]Incoming, n)
	for i := range mails {
		p := bench.Requester("b", int64(i+1))
		subject, body, _ := bench.Topic(int64(i+1), p.Language)
		first := strings.Fields(p.Name)[0]
		text := "Bonjour,\n\n" + body + "\nPouvez-vous m'aider ?\n\nCordialement,\n" + first
		if p.Language == "en" {
			text = "Hello,\n\n" + body + "\nCould you help?\n\nBest regards,\n" + first
		}
		mails[i] = Incoming{MessageID: fmt.Sprintf("b%d@client.example", i+1), From: p.Email, FromName: p.Name,
			To: []string{"helpdesk@corp.example"}, Subject: subject, Text: text, Verdict: VerdictPerson}
		mails[i].Language, mails[i].Request = DetectLanguageText("", subject, text, "fr")
	}
	for _, kept := range []bool{false, true} {
		name := "cut"
		if kept {
			name = "kept"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				in := mails[i%n]
				i++
				if !kept {
					in.Request = RequestText{}
				}
				d.prepareRequest(cfg, &in)
				if in.prepared == nil {
					b.Fatal("not prepared")
				}
			}
		})
	}
}
