package mailin

import (
	"math/rand/v2"
	"syscall"
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
	raws, size := generatedMail()
	opts := ParseOptions{DeskAddresses: []string{"helpdesk@" + bench.Domain}}
	b.SetBytes(int64(size / len(raws)))
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		raw := raws[i%len(raws)]
		i++
		head, err := Parse(headerOf(raw), opts)
		if err != nil {
			b.Fatal(err)
		}
		m, err := parseWhole(raw, head, opts)
		if err != nil {
			b.Fatal(err)
		}
		_ = Incoming(m, "fr")
	}
	reportCPU(b, cpu0)
}

// BenchmarkParseGeneratedSteps measures the steps of BenchmarkParseGenerated apart: the header
// pass, the whole mail after it (parseWhole), and Incoming of the parsed mail.
func BenchmarkParseGeneratedSteps(b *testing.B) {
	raws, size := generatedMail()
	opts := ParseOptions{DeskAddresses: []string{"helpdesk@" + bench.Domain}}
	parsed := make([]*Message, len(raws))
	heads := make([]*Message, len(raws))
	for i, raw := range raws {
		m, err := Parse(raw, opts)
		if err != nil {
			b.Fatal(err)
		}
		parsed[i] = m
		if heads[i], err = Parse(headerOf(raw), opts); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("header", func(b *testing.B) {
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			if _, err := Parse(headerOf(raws[i%len(raws)]), opts); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportCPU(b, cpu0)
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(size / len(raws)))
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			if _, err := parseWhole(raws[i%len(raws)], heads[i%len(raws)], opts); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportCPU(b, cpu0)
	})
	b.Run("incoming", func(b *testing.B) {
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			_ = Incoming(parsed[i%len(parsed)], "fr")
			i++
		}
		reportCPU(b, cpu0)
	})
}

// generatedMail is the mail of BenchmarkParseGenerated, and its size.
func generatedMail() (raws [][]byte, size int) {
	g := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: "p",
		Mix: bench.Mix{OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(1, 2)), Now: time.Now()}
	for i := range 500 {
		m := g.Make(i)
		raws = append(raws, m.Raw)
		size += len(m.Raw)
	}
	return raws, size
}

// headerOf is a mail's header, as IMAP's BODY.PEEK[HEADER] returns it: up to and with the
// blank line, CRLF or LF (the generator writes LF, as a Maildir file has it).
func headerOf(raw []byte) []byte {
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] != '\n' {
			continue
		}
		if raw[i+1] == '\n' {
			return raw[:i+2]
		}
		if i+2 < len(raw) && raw[i+1] == '\r' && raw[i+2] == '\n' {
			return raw[:i+3]
		}
	}
	return raw
}

// cpuTime is the process's user and system time so far: what a benchmark on a shared machine
// can measure without the time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since cpu0, garbage collection included.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
