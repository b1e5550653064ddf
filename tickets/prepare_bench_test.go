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
	mails := benchRequestMails(n)
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
	mails := benchRequestMails(n)
	for i := range mails {
		m := &mails[i]
		first := strings.Fields(m.FromName)[0]
		text := "Bonjour,\n\n" + m.Text + "\nPouvez-vous m'aider ?\n\nCordialement,\n" + first
		if m.Language == "en" {
			text = "Hello,\n\n" + m.Text + "\nCould you help?\n\nBest regards,\n" + first
		}
		m.Text = text
		m.Language, m.Request = DetectLanguageText("", m.Subject, text, "fr")
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

// benchRequestMails are n new requests of bench/run.sh's requesters and topics, as the mail
// reader hands them over (the request's body alone as its text).
func benchRequestMails(n int) []Incoming {
	mails := make([]Incoming, n)
	for i := range mails {
		p := bench.Requester("b", int64(i+1))
		subject, body, _ := bench.Topic(int64(i+1), p.Language)
		mails[i] = Incoming{MessageID: fmt.Sprintf("b%d@client.example", i+1), From: p.Email, FromName: p.Name,
			To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson}
	}
	return mails
}
