package mailout

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestDotStuff(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\r\nb\r\n", "a\r\nb\r\n.\r\n"},
		{".a\r\n..b\r\nc.\r\n", "..a\r\n...b\r\nc.\r\n.\r\n"},
		{"a\nb", "a\r\nb\r\n.\r\n"}, // Bare LF and no final line end.
		{".\r\n", "..\r\n.\r\n"},
		{"", ".\r\n"},
	} {
		var b bytes.Buffer
		dotStuff(&b, []byte(c.in))
		if b.String() != c.want {
			t.Errorf("dotStuff(%q) = %q, want %q", c.in, b.String(), c.want)
		}
	}
}

// TestDotStuffAsLineByLine: dotStuff writes what stuffing line by line writes (its former
// form), for texts of dots, CR and LF in every order.
func TestDotStuffAsLineByLine(t *testing.T) {
	byLine := func(w *bytes.Buffer, data []byte) {
		for len(data) > 0 {
			if data[0] == '.' {
				w.WriteByte('.')
			}
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				i = len(data)
			}
			line := data[:i]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			w.Write(line)
			w.WriteString("\r\n")
			data = data[min(i+1, len(data)):]
		}
		w.WriteString(".\r\n")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const alphabet = "ab.\r\n"
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var want, got bytes.Buffer
		byLine(&want, b)
		got.WriteString("head")
		dotStuff(&got, b)
		if got.String() != "head"+want.String() {
			t.Fatalf("%q:\n got %q\nwant %q", b, got.String()[4:], want.String())
		}
	}
}

// scripted is an SMTP server on 127.0.0.1 that offers the given extensions and answers each
// command line with answer (the message lines after DATA's 354 are collected, then answer(".")
// is the reply to the final dot). An empty answer drops the connection unanswered; after a 421 it
// closes the connection. It serves one
// connection after another, and records what arrived in each read, to tell pipelined commands
// from one-by-one ones.
type scripted struct {
	addr   string
	reads  chan string // Each command line, prefixed with "+" when it came in the same read as the previous one.
	data   chan string
	ends   chan bool    // For each message's final dot: whether more (the next commands) came with it.
	nreads atomic.Int64 // Reads that returned bytes, over all connections.
	answer func(line string) string
}

func newScripted(t *testing.T, exts []string, answer func(line string) string) *scripted {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &scripted{addr: l.Addr().String(), reads: make(chan string, 1000), data: make(chan string, 100),
		ends: make(chan bool, 100), answer: answer}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.serve(c, exts)
		}
	}()
	return s
}

// countedConn counts the reads that return bytes.
type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.n.Add(1)
	}
	return n, err
}

func (s *scripted) serve(c net.Conn, exts []string) {
	defer c.Close()
	r := bufio.NewReader(countedConn{c, &s.nreads})
	c.Write([]byte("220 scripted\r\n"))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		if strings.HasPrefix(verb, "EHLO") {
			out := "250-scripted\r\n"
			for _, e := range exts {
				out += "250-" + e + "\r\n"
			}
			c.Write([]byte(out + "250 HELP\r\n"))
			continue
		}
		prefix := ""
		if r.Buffered() > 0 {
			prefix = "+" // More arrived with this line: the next one was pipelined after it.
		}
		s.reads <- line + prefix
		if verb == "QUIT" {
			c.Write([]byte("221 bye\r\n"))
			return
		}
		a := s.answer(line)
		if a == "" {
			return
		}
		c.Write([]byte(a + "\r\n"))
		if verb == "DATA" && strings.HasPrefix(a, "354") {
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.data <- msg.String()
			s.ends <- r.Buffered() > 0
			a := s.answer(".")
			if a == "" {
				return
			}
			c.Write([]byte(a + "\r\n"))
		}
		if strings.HasPrefix(a, "421") {
			return // The server closes the connection (RFC 5321 section 3.8).
		}
	}
}

func (s *scripted) lines() []string {
	var out []string
	for {
		select {
		case l := <-s.reads:
			out = append(out, l)
		default:
			return out
		}
	}
}

// transactOne runs one transaction and waits for its outcome, as a worker does with no mail
// after it.
func transactOne(c *client, tx transaction) (delivered bool, err error) {
	var p pipe
	var outcome error
	if err := c.transact(&p, tx, func(err error) { outcome = err }); err != nil {
		return false, err
	}
	c.flush(&p)
	for _, o := range p.take() {
		o.done(o.err)
	}
	return outcome == nil, outcome
}

func dialScripted(t *testing.T, addr string) *client {
	t.Helper()
	s := &Sender{timeout: 5 * time.Second}
	c, err := s.dial(context.Background(), Config{Address: addr, Security: "none"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTransactPipelines: with PIPELINING, MAIL, RCPT and DATA arrive in one write; the message
// follows, dot-stuffed.
func TestTransactPipelines(t *testing.T) {
	s := newScripted(t, []string{"PIPELINING", "8BITMIME"}, func(line string) string {
		if line == "DATA" {
			return "354 go on"
		}
		return "250 ok"
	})
	c := dialScripted(t, s.addr)
	ok, err := transactOne(c, transaction{from: "desk@corp.example", rcpts: []string{"a@corp.example"}, data: []byte("Subject: x\r\n\r\n.dot\r\n")})
	if !ok || err != nil {
		t.Fatalf("delivered %v, %v", ok, err)
	}
	if got := <-s.data; got != "Subject: x\r\n\r\n..dot\r\n" {
		t.Fatalf("message %q", got)
	}
	got := s.lines()
	want := []string{"MAIL FROM:<desk@corp.example> BODY=8BITMIME+", "RCPT TO:<a@corp.example>+", "DATA"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("commands %q, want %q", got, want)
	}
}

// TestTransactOneByOne: without PIPELINING each command waits for the reply to the one before.
func TestTransactOneByOne(t *testing.T) {
	s := newScripted(t, nil, func(line string) string {
		if line == "DATA" {
			return "354 go on"
		}
		return "250 ok"
	})
	c := dialScripted(t, s.addr)
	if ok, err := transactOne(c, transaction{from: "desk@corp.example", rcpts: []string{"a@corp.example"}, data: []byte("x\r\n")}); !ok || err != nil {
		t.Fatalf("delivered %v, %v", ok, err)
	}
	<-s.data
	want := []string{"MAIL FROM:<desk@corp.example>", "RCPT TO:<a@corp.example>", "DATA"}
	if got := s.lines(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("commands %q, want %q", got, want)
	}
}

// TestTransactRefusedRecipientOpenData: a server that refuses the recipient yet opens DATA gets
// an empty message ended at once, then RSET; the refusal is the recipient's, with its code, and
// the session serves the next transaction.
func TestTransactRefusedRecipientOpenData(t *testing.T) {
	var dots int
	s := newScripted(t, []string{"PIPELINING"}, func(line string) string {
		switch {
		case strings.HasPrefix(line, "RCPT TO:<gone@"):
			return "550 5.1.1 no such user"
		case line == "DATA":
			return "354 go on"
		case line == ".":
			dots++
			if dots == 1 {
				return "554 no valid recipients"
			}
		}
		return "250 ok"
	})
	c := dialScripted(t, s.addr)
	ok, err := transactOne(c, transaction{from: "desk@corp.example", rcpts: []string{"gone@corp.example"}, data: []byte("x\r\n")})
	if code, broken := classify(err); ok || code != 550 || broken || !strings.Contains(err.Error(), "gone@corp.example") {
		t.Fatalf("delivered %v, code %d, broken %v: %v", ok, code, broken, err)
	}
	if got := <-s.data; got != "" {
		t.Fatalf("the refused transaction carried %q", got)
	}
	if ok, err := transactOne(c, transaction{from: "desk@corp.example", rcpts: []string{"a@corp.example"}, data: []byte("x\r\n")}); !ok || err != nil {
		t.Fatalf("next transaction: delivered %v, %v", ok, err)
	}
	if got := strings.Join(s.lines(), "|"); !strings.Contains(got, "DATA|RSET|MAIL FROM") {
		t.Fatalf("commands %s", got)
	}
}

// TestTransactRefusedSender: a sender refused for good is told apart (envelopeRefused), and the
// replies to the rest of the pipelined group are read, not left for the next transaction.
func TestTransactRefusedSender(t *testing.T) {
	open := false // A transaction is open (MAIL FROM accepted).
	s := newScripted(t, []string{"PIPELINING"}, func(line string) string {
		switch {
		case strings.HasPrefix(line, "MAIL FROM:<bounce"):
			return "553 5.7.1 sender not owned"
		case strings.HasPrefix(line, "MAIL"):
			open = true
		case !open && (strings.HasPrefix(line, "RCPT") || line == "DATA"):
			return "503 5.5.1 MAIL first"
		case line == "RSET", line == ".":
			open = false
		}
		if line == "DATA" {
			return "354 go on"
		}
		return "250 ok"
	})
	c := dialScripted(t, s.addr)
	ok, err := transactOne(c, transaction{from: "bounce+x@corp.example", rcpts: []string{"a@corp.example"}, data: []byte("x\r\n")})
	if ok || !envelopeRefused(err) {
		t.Fatalf("delivered %v: %v", ok, err)
	}
	if ok, err := transactOne(c, transaction{from: "desk@corp.example", rcpts: []string{"a@corp.example"}, data: []byte("x\r\n")}); !ok || err != nil {
		t.Fatalf("next transaction: delivered %v, %v", ok, err)
	}
}

// TestQuickReplyAsReadResponse: reply's reading of a one-line reply in the buffer gives the code
// and error textproto's ReadResponse gives, for replies that match the code wanted or not, are
// short, lack their CR, run over several lines or come in pieces; and reads the same bytes, so
// the next reply is read alike.
func TestQuickReplyAsReadResponse(t *testing.T) {
	replies := []string{"250 2.0.0 Ok\r\n", "251 forwarded\r\n", "354 go ahead\r\n", "421 4.7.0 closing\r\n",
		"550 5.1.1 no such user\r\n", "250 \r\n", "250\r\n", "25 x\r\n", "2x0 x\r\n", "250 bare LF\n",
		"250-first\r\n250 second\r\n", "099 low\r\n", "250 Ok\r\n250 next\r\n"}
	for _, raw := range replies {
		for _, want := range []int{250, 25, 2, 354, 0} {
			for _, chunk := range []int{len(raw), 3} { // At once, or three bytes a read.
				got := textproto.NewConn(&chunked{r: strings.NewReader(raw + "999 after\r\n"), n: chunk})
				ref := textproto.NewConn(&chunked{r: strings.NewReader(raw + "999 after\r\n"), n: len(raw) + 11})
				code, err := reply(got, want)
				rcode, _, rerr := ref.ReadResponse(want)
				if te := (*textproto.Error)(nil); rerr != nil && !errors.As(rerr, &te) {
					rcode = 0
				}
				if code != rcode || (err == nil) != (rerr == nil) || err != nil && err.Error() != rerr.Error() {
					t.Errorf("%q want %d, reads of %d: reply %d %v, ReadResponse %d %v", raw, want, chunk, code, err, rcode, rerr)
				}
				next := 999
				if raw == "250 Ok\r\n250 next\r\n" {
					next = 250 // raw's second reply.
				}
				if code, _ := reply(got, next); code != next {
					t.Errorf("%q want %d: the next reply read as %d", raw, want, code)
				}
			}
		}
	}
}

// chunked reads at most n bytes a Read.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error)  { return c.r.Read(p[:min(len(p), c.n)]) }
func (c *chunked) Write(p []byte) (int, error) { return len(p), nil }
func (c *chunked) Close() error                { return nil }
