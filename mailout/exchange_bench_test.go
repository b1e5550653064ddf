package mailout

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/textproto"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// BenchmarkSMTPExchange weighs what sending costs a mail, on one connection to the in-process
// sink, for one rendered acknowledgement:
//
//   - build-go-mail: compose the message with go-mail and write it (go-mail's MIME writer) into a
//     buffer, no SMTP;
//   - build: write the same bytes as the sender does (drain.build), no SMTP;
//   - go-mail: compose and send it with go-mail (MAIL, RCPT, DATA, the message: four round
//     trips);
//   - transact: build and send it as the sender does (drain.send: with PIPELINING, the message
//     goes with the next one's MAIL, RCPT and DATA in one write, one round trip);
//   - pipelined: the message's bytes built once beforehand, sent with MAIL, RCPT and DATA in one
//     write (RFC 2920) and the message in a second: two round trips and nothing built.
//
// The CPU figure is the whole process's, the sink's included.
//
//	go test ./mailout -run '^$' -bench SMTPExchange -benchtime 3000x
func BenchmarkSMTPExchange(b *testing.B) {
	e := newEnv(b)
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: e.sender.box}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	n := templates.Samples(tickets.KindAck, "fr")[0]
	m := tickets.OutboxMail{ID: 1, TicketID: n.Ticket.ID, Kind: tickets.KindAck, Language: "fr", To: []string{n.Recipient},
		Notice: n, MessageID: "root.x@deskd.corp.example"}
	r, err := d.render(m, m.To, nil)
	if err != nil {
		b.Fatal(err)
	}
	rcpt := m.To[0]
	report := func(b *testing.B, start time.Time, cpu0 time.Duration) {
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mails/s")
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/mail")
	}
	b.Run("build", func(b *testing.B) {
		var buf bytes.Buffer
		start, cpu0 := time.Now(), cpuTime()
		for range b.N {
			buf.Reset()
			if _, err := d.build(&buf, m, r, m.To, nil, rcpt); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start, cpu0)
	})
	b.Run("build-go-mail", func(b *testing.B) {
		var buf bytes.Buffer
		start, cpu0 := time.Now(), cpuTime()
		for range b.N {
			buf.Reset()
			msg, err := d.compose(m, r, m.To, nil, rcpt)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := msg.WriteTo(&buf); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start, cpu0)
	})
	b.Run("go-mail", func(b *testing.B) {
		c, err := d.dial(context.Background(), set.smtp)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		start, cpu0 := time.Now(), cpuTime()
		for range b.N {
			msg, err := d.compose(m, r, m.To, nil, rcpt)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Send(msg); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start, cpu0)
	})
	b.Run("transact", func(b *testing.B) {
		c, err := d.dial(context.Background(), set.smtp)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		d.client = c
		defer func() { d.client = nil }()
		start, cpu0 := time.Now(), cpuTime()
		failed := func(err error) {
			if err != nil {
				b.Fatal(err)
			}
		}
		for range b.N {
			failed(d.send(m, r, m.To, nil, rcpt, failed))
			d.deliver()
		}
		d.flush()
		report(b, start, cpu0)
	})
	b.Run("pipelined", func(b *testing.B) {
		msg, err := d.compose(m, r, m.To, nil, rcpt)
		if err != nil {
			b.Fatal(err)
		}
		var data bytes.Buffer
		if _, err := msg.WriteTo(&data); err != nil {
			b.Fatal(err)
		}
		conn, err := net.Dial("tcp", e.sink.addr)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		tp := textproto.NewConn(conn)
		expect := func(code int) {
			if _, _, err := tp.ReadResponse(code); err != nil {
				b.Fatal(err)
			}
		}
		expect(220)
		if err := tp.PrintfLine("EHLO bench.example"); err != nil {
			b.Fatal(err)
		}
		expect(250)
		envelope := fmt.Sprintf("MAIL FROM:<helpdesk@corp.example>\r\nRCPT TO:<%s>\r\nDATA\r\n", rcpt)
		start, cpu0 := time.Now(), cpuTime()
		for range b.N {
			if _, err := tp.W.WriteString(envelope); err != nil {
				b.Fatal(err)
			}
			if err := tp.W.Flush(); err != nil {
				b.Fatal(err)
			}
			expect(250)
			expect(250)
			expect(354)
			w := tp.DotWriter()
			if _, err := w.Write(data.Bytes()); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			expect(250)
		}
		report(b, start, cpu0)
	})
}

// BenchmarkCopyBytes weighs what deskd's own code spends on the bytes of a new ticket's two
// mails (its acknowledgement to the requester and its assignment notice to the technician, in
// French, with the web desk's links): render, relink, build and the DATA command's dot-stuffing,
// no SMTP and no store. For instruction counts, stable on a shared machine:
//
//	go test -c -o /tmp/mailout.test ./mailout
//	cd mailout && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --toggle-collect=github.com/deskd/deskd/mailout.copyBytes \
//	  /tmp/mailout.test -test.run '^$' -test.bench 'CopyBytes$' -test.benchtime 300x
//
// counts the instructions of 301 passes (the benchmark runs once before), two copies each.
func BenchmarkCopyBytes(b *testing.B) {
	e := newEnv(b)
	e.sender.SetLinker(goldenLinker{})
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: e.sender.box}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	var mails []tickets.OutboxMail
	for i, kind := range []string{tickets.KindAck, tickets.KindAssigned} {
		n := templates.Samples(kind, "fr")[0]
		mails = append(mails, tickets.OutboxMail{ID: int64(i + 1), TicketID: n.Ticket.ID, Kind: kind, Language: "fr", To: []string{n.Recipient},
			Automatic: kind == tickets.KindAck, Notice: n, MessageID: fmt.Sprintf("dkm.%08d@deskd.corp.example", i+1),
			InReplyTo: "CAB+x=1@mail.example", References: []string{"CAB+x=1@mail.example"}})
	}
	var data bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := copyBytes(d, mails, &data); err != nil {
			b.Fatal(err)
		}
	}
}

// copyBytes renders and writes every copy of mails as BenchmarkCopyBytes weighs them: a function
// of its own, for callgrind's --toggle-collect=github.com/deskd/deskd/mailout.copyBytes.
func copyBytes(d *drain, mails []tickets.OutboxMail, data *bytes.Buffer) error {
	for _, m := range mails {
		r, err := d.render(m, m.To, nil)
		if err != nil {
			return err
		}
		for _, rcpt := range m.To {
			rr, err := d.relink(m, r, rcpt)
			if err != nil {
				return err
			}
			w := bufs.Get().(*bytes.Buffer)
			if _, err := d.build(w, m, rr, m.To, nil, rcpt); err != nil {
				return err
			}
			data.Reset()
			dotStuff(data, w.Bytes())
			w.Reset()
			bufs.Put(w)
		}
	}
	return nil
}

// BenchmarkCopyBytesCc weighs the bytes of an assignment notice to a technician with two
// colleagues in Cc (three copies with the same words): "each" encodes every copy's parts, as the
// sender did, "shared" encodes them once for the three (encoded).
//
//	go test ./mailout -run '^$' -bench CopyBytesCc -benchmem
func BenchmarkCopyBytesCc(b *testing.B) {
	e := newEnv(b)
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: e.sender.box}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	n := templates.Samples(tickets.KindAssigned, "fr")[0]
	m := tickets.OutboxMail{ID: 1, TicketID: n.Ticket.ID, Kind: tickets.KindAssigned, Language: "fr", To: []string{n.Recipient},
		Cc: []string{"bob@corp.example", "nadia@corp.example"}, Notice: n, MessageID: "dkm.00000001@deskd.corp.example"}
	for _, shared := range []bool{false, true} {
		b.Run(map[bool]string{false: "each", true: "shared"}[shared], func(b *testing.B) {
			var data bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				r, err := d.render(m, m.To, m.Cc)
				if err != nil {
					b.Fatal(err)
				}
				if shared {
					r.shared = &encoded{}
				}
				for _, rcpt := range append(append([]string{}, m.To...), m.Cc...) {
					w := bufs.Get().(*bytes.Buffer)
					if _, err := d.build(w, m, r, m.To, m.Cc, rcpt); err != nil {
						b.Fatal(err)
					}
					data.Reset()
					dotStuff(&data, w.Bytes())
					w.Reset()
					bufs.Put(w)
				}
			}
		})
	}
}
