package main

import (
	"bufio"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"testing"
)

// start serves a sink on 127.0.0.1, port 0, until the test ends.
func start(t *testing.T) (*sink, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &sink{}
	go k.serve(l)
	t.Cleanup(func() { l.Close() })
	return k, l.Addr().String()
}

// client is an SMTP client of the test, pipelining as deskd does: a transaction's commands in
// one write, its message with the next one's commands.
type client struct {
	t  *testing.T
	tp *textproto.Conn
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t, textproto.NewConn(c)}
	cl.expect(220)
	cl.send("EHLO test.example\r\n")
	_, msg, err := cl.tp.ReadResponse(250)
	if err != nil || !strings.Contains(msg, "PIPELINING") || !strings.Contains(msg, "8BITMIME") || !strings.Contains(msg, "SIZE 67108864") {
		t.Fatalf("EHLO: %q %v", msg, err)
	}
	return cl
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.tp.W.WriteString(s); err != nil {
		c.t.Fatal(err)
	}
	if err := c.tp.W.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) expect(codes ...int) {
	c.t.Helper()
	for _, code := range codes {
		if got, msg, err := c.tp.ReadResponse(code); err != nil {
			c.t.Fatalf("want %d, got %d %q: %v", code, got, msg, err)
		}
	}
}

// mail sends one message (header and body, LF line ends, not dot-stuffed) to rcpts recipients,
// pipelined: MAIL, RCPT and DATA in one write, then the message.
func (c *client) mail(rcpts int, msg string) {
	c.t.Helper()
	cmds := "MAIL FROM:<desk@corp.example> BODY=8BITMIME\r\n"
	for i := range rcpts {
		cmds += fmt.Sprintf("RCPT TO:<r%d@corp.example>\r\n", i)
	}
	c.send(cmds + "DATA\r\n")
	c.expect(250)
	for range rcpts {
		c.expect(250)
	}
	c.expect(354)
	var b strings.Builder
	for _, line := range strings.SplitAfter(msg, "\n") {
		if line == "" {
			continue
		}
		if line[0] == '.' {
			b.WriteByte('.')
		}
		b.WriteString(strings.TrimSuffix(line, "\n") + "\r\n")
	}
	c.send(b.String() + ".\r\n")
	c.expect(250)
}

func ack(id, ticket, irt string) string {
	return "Message-ID: <" + id + ">\nX-Deskd-Kind: ack\nX-Deskd-Ticket: " + ticket + "\nIn-Reply-To: <" + irt + ">\n\nBonjour,\n.\n..point\nfin\n"
}

// TestSinkCounts: what the benchmark reads of the sink (bench/run.sh check_sink, sink_stat):
// copies by recipient, a mail's copies counted once by their shared Message-ID part, mails by
// kind, Message-IDs seen twice, tickets with two acknowledgements, when each ack was accepted
// by the request it answers; and the message bytes, dot-unstuffed.
func TestSinkCounts(t *testing.T) {
	k, addr := start(t)
	c := dial(t, addr)
	c.mail(1, ack("dk.tokena.r1@deskd.example", "1", "REQ-1@Mail.Example"))
	c.mail(1, ack("dk.tokenb.r1@deskd.example", "1", "REQ-1@Mail.Example")) // Another copy of the same mail.
	c.mail(2, "message-id:\n <dk.tokenc.r2@deskd.example>\nx-deskd-kind: assigned\nX-DESKD-TICKET: 1\n\nbody\n")
	c.mail(1, ack("dk.tokend.r3@deskd.example", "2", "req-2@mail.example"))
	c.mail(1, ack("dk.tokend.r3@deskd.example", "2", "req-2@mail.example")) // The same copy again.
	c.mail(1, ack("dk.tokene.r4@deskd.example", "3", "req-3@mail.example"))
	c.mail(1, ack("dk.tokenf.r5@deskd.example", "3", "req-3@mail.example")) // A second ack for ticket 3.
	c.mail(1, "X-Deskd-Kind: escalated\nX-Deskd-Kind: ack\nMessage-ID: <plain@deskd.example>\n\n")
	c.mail(1, "Subject: x\nno colon here\n\n")
	c.send("RSET\r\nMAIL FROM:<a@b>\r\nDATA\r\nRSET\r\nNOOP\r\n")
	c.expect(250, 250, 502, 250, 250)
	c.send("QUIT\r\n")
	c.expect(221)

	st := k.stats()
	want := Stats{Mails: 7, Recipients: 10, Kinds: map[string]int{"ack": 4, "assigned": 1, "escalated": 1},
		DupMessageIDs: 1, Doubled: 1}
	if st.Mails != want.Mails || st.Recipients != want.Recipients || fmt.Sprint(st.Kinds) != fmt.Sprint(want.Kinds) ||
		st.DupMessageIDs != want.DupMessageIDs || st.Doubled != want.Doubled || len(st.Errors) != 1 {
		t.Errorf("stats %+v, want %+v and one error", st, want)
	}
	acks := k.acks()
	if len(acks) != 3 || acks["req-1@mail.example"] == 0 || acks["req-3@mail.example"] == 0 {
		t.Errorf("acks %v", acks)
	}
	one := int64(len(strings.ReplaceAll(ack("dk.tokena.r1@deskd.example", "1", "REQ-1@Mail.Example"), "\n", "\r\n")))
	if k.bytes < 7*one {
		t.Errorf("%d bytes, want at least %d", k.bytes, 7*one)
	}
}

// TestSinkFieldsAsTextproto: the fields the sink keeps are what textproto's ReadMIMEHeader, which
// it used before, gives: the first of each name, any case, unfolded and trimmed.
func TestSinkFieldsAsTextproto(t *testing.T) {
	for _, h := range []string{
		"Message-ID: <a@b>\r\nX-Deskd-Kind: ack\r\n\r\n",
		"Message-ID:\r\n <dk.x.y@z>\r\nIn-Reply-To:   <p@q>  \r\n\r\nbody\r\n",
		"message-id: <a@b>\r\nMESSAGE-ID: <c@d>\r\nx-deskd-ticket: 42\r\n\r\n",
		"Subject: long\r\n folded\r\nX-Deskd-Kind: reply\r\n\tcontinued\r\n  again\r\n\r\n",
		"X-Deskd-Ticket:7\r\nIn-Reply-To: <a@b>\r\n <c@d>\r\n\r\n",
	} {
		got, _, perr, err := readMessage(bufio.NewReader(strings.NewReader(h + ".\r\n")))
		if err != nil || perr != nil {
			t.Fatalf("%q: %v %v", h, perr, err)
		}
		m, err := textproto.NewReader(bufio.NewReader(strings.NewReader(h))).ReadMIMEHeader()
		if err != nil {
			t.Fatal(err)
		}
		want := fields{m.Get("Message-Id"), m.Get("X-Deskd-Kind"), m.Get("X-Deskd-Ticket"), m.Get("In-Reply-To")}
		if got != want {
			t.Errorf("%q: %+v, textproto %+v", h, got, want)
		}
	}
}

// BenchmarkSink weighs the sink's side of a mail, the acknowledgement of testdata in mailout's
// golden file sent as deskd sends it; the client's work is in the figure too. For the sink alone
// run it as a process of its own under callgrind, driven by another (as bench/README.md says).
func BenchmarkSink(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	k := &sink{}
	go k.serve(l)
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tp := textproto.NewConn(c)
	expect := func(code int) {
		if _, _, err := tp.ReadResponse(code); err != nil {
			b.Fatal(err)
		}
	}
	expect(220)
	tp.PrintfLine("EHLO bench.example")
	expect(250)
	body := strings.Repeat("Bonjour C=C3=A9line Dupr=C3=A9, nous avons bien re=C3=A7u votre demande.\r\n", 50)
	b.ReportAllocs()
	held := ""
	for i := range b.N {
		msg := fmt.Sprintf("Message-ID:\r\n <dk.token.%08d@deskd.example>\r\nX-Deskd-Kind: ack\r\nX-Deskd-Ticket: %d\r\nIn-Reply-To: <r%d@mail.example>\r\n\r\n%s.\r\n", i, i, i, body)
		tp.W.WriteString(held + "MAIL FROM:<desk@corp.example>\r\nRCPT TO:<r@corp.example>\r\nDATA\r\n")
		tp.W.Flush()
		if held != "" {
			expect(250)
		}
		expect(250)
		expect(250)
		expect(354)
		held = msg
	}
	tp.W.WriteString(held)
	tp.W.Flush()
	expect(250)
}
