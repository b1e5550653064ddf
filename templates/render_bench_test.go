package templates

import (
	"testing"

	"github.com/deskd/deskd/tickets"
)

// BenchmarkRender measures one mail's subject, text and HTML, for the two mails every new ticket
// sends (its acknowledgement and its assignment notice), in French.
//
//	go test ./templates -run '^$' -bench Render -benchmem
//
// For instruction counts, stable on a shared machine, run it at two lengths and take the
// difference (Load's own renders cancel out):
//
//	go test -c -tags sqlite_fts5 -o /tmp/templates.test ./templates
//	GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --toggle-collect='*templates.(*Set).Render' \
//	  /tmp/templates.test -test.run '^$' -test.bench Render -test.benchtime 2000x   # and 1000x
func BenchmarkRender(b *testing.B) {
	s, err := Load("")
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{tickets.KindAck, tickets.KindAssigned} {
		n := Samples(kind, "fr")[0]
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, _, err := s.Render(kind, "fr", n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
