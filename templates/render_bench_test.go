package templates

import (
	"testing"

	"github.com/deskd/deskd/tickets"
)

// BenchmarkRender measures one mail's subject, text and HTML, for the two mails every new ticket
// sends (its acknowledgement and its assignment notice), in French.
//
//	go test ./templates -run '^$' -bench Render -benchmem
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
