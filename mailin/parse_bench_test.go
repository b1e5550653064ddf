package mailin

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
)

// BenchmarkParseGenerated parses the mail bench/run.sh delivers (French and English requests,
// plain, HTML and Latin-1, some with attachments, out-of-office replies), the header pass and
// the whole mail as the ingester does, and turns it into the desk's Incoming.
//
//	go test ./mailin -run '^$' -bench ParseGenerated -cpuprofile cpu.out
func BenchmarkParseGenerated(b *testing.B) {
	g := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: "p",
		Mix: bench.Mix{OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(1, 2)), Now: time.Now()}
	var raws [][]byte
	var size int
	for i := range 500 {
		m := g.Make(i)
		raws = append(raws, m.Raw)
		size += len(m.Raw)
	}
	opts := ParseOptions{DeskAddresses: []string{"helpdesk@" + bench.Domain}}
	b.SetBytes(int64(size / len(raws)))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		raw := raws[i%len(raws)]
		i++
		if _, err := Parse(headerOf(raw), opts); err != nil {
			b.Fatal(err)
		}
		m, err := Parse(raw, opts)
		if err != nil {
			b.Fatal(err)
		}
		_ = Incoming(m, "fr")
	}
}

// headerOf is a mail's header, as IMAP's BODY.PEEK[HEADER] returns it.
func headerOf(raw []byte) []byte {
	for i := 0; i+3 < len(raw); i++ {
		if raw[i] == '\r' && raw[i+1] == '\n' && raw[i+2] == '\r' && raw[i+3] == '\n' {
			return raw[:i+4]
		}
	}
	return raw
}
