package mailout

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// One mail transaction (RFC 5321 section 3.3) over a session go-mail dialled and logged in: go-mail
// keeps the connection, TLS, EHLO and the login, and the transaction is written here, because
// go-mail waits for the reply to each command (MAIL, RCPT, DATA, the message: four round trips)
// and writes the message through a dot-writer a byte at a time.
//
// With PIPELINING (RFC 2920, which Postfix and most servers offer) the transactions of one
// connection are pipelined across mails: a message, dot-stuffed and ended, is held (pipe) until
// the next transaction's MAIL, RCPT and DATA, and goes with them in one write; the reply to its
// final dot is read with theirs. DATA ends each group, and the message waits for DATA's 354
// (RFC 2920 section 3.1): one write and one round trip a mail. The last message goes when no
// transaction follows (flush). A copy's outcome (its dot's reply) is thus known only with the
// next transaction's replies, or at the flush: it is handed to the copy's callback, through
// pipe.ready, once the client is done with the connection (drain.deliver), never before.
// Without PIPELINING each command waits for the reply to the one before, the message's too.
// BenchmarkSMTPExchange weighs them (go-mail, transact): pipelined across mails, transact went
// from 238 to 162 CPU-µs a mail (whole process, sink included; −32 %, p=0.015), and a drain of
// 3,000 mails (BenchmarkSend, one connection) from 29.0 to 24.0 system calls a mail (strace -c
// -f: writes 7.0 → 6.0, reads 8.5 → 6.5, epoll_pwait 5.3 → 3.6), on a loaded 2-core machine.

// txError is a transaction that failed: the stage it failed at, the server's reply code (0 when
// the connection failed: nothing was answered) and the reply or the error.
type txError struct {
	stage string // "MAIL FROM", "RCPT TO", "DATA" or "message" (the end of data).
	code  int
	err   error
}

func (e *txError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *txError) Unwrap() error { return e.err }

// transaction is what one copy's transaction sends: the envelope and the message as it goes on
// the wire.
type transaction struct {
	from  string   // The address MAIL FROM: takes, without its angle brackets.
	rcpts []string // Likewise, RCPT TO:.
	data  []byte   // The message, CRLF line ends, not yet dot-stuffed but for the spans stuffed.
	// stuffed are spans of data (start, end) build wrote already dot-stuffed (its quoted-printable
	// parts, wireParts), each beginning a line: copied as they are (dotStuffSpans).
	stuffed [][2]int
}

// bufs are the buffers of a transaction's writes, kept from mail to mail.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// errLostBefore is a transaction that failed because the connection was lost with the message
// before it, whose reply came first: the transaction itself was not answered, and may go again
// at once on another connection.
var errLostBefore = errors.New("connection lost with the message before")

// pipe is what a connection carries from one transaction to the next: the message whose final
// dot is not answered yet, and the outcomes read but not yet handed to their copies. A
// connection has at most one message unanswered (so a crash right after the server took it
// doubles at most one mail a connection, as without pipelining).
type pipe struct {
	held  bytes.Buffer // The unanswered message, dot-stuffed and ended, when not yet written; then the next commands.
	await func(error)  // The unanswered message's callback; nil: none.
	ready []outcome    // Outcomes read, in order, for deliver.
}

// outcome is a copy's outcome: nil when the server accepted its message (250 to its final dot).
type outcome struct {
	done func(error)
	err  error
}

// settle records the unanswered message's outcome.
func (p *pipe) settle(err error) {
	if p.await != nil {
		p.ready = append(p.ready, outcome{p.await, err})
		p.await = nil
	}
	p.held.Reset()
}

// take returns the outcomes read so far, in order, and forgets them.
func (p *pipe) take() []outcome {
	out := p.ready
	p.ready = nil
	return out
}

// transact starts one mail transaction, after the message the pipe holds if any. An error means
// the transaction was refused or failed before its message went: done is never called. A
// refusal leaves the session ready for the next transaction (RSET); an error with code 0 or 421
// means the connection can no longer be used. With nil, the message is on its way (held, with
// PIPELINING): done gets its outcome through p.ready, from this call (without PIPELINING), the
// next transact or flush. Either way the previous message's outcome is in p.ready when
// transact returns.
func (c *client) transact(p *pipe, tx transaction, done func(error)) (err error) {
	s := c.session
	defer func() {
		if err == nil {
			return // Without classify, whose errors.As target would cost an allocation.
		}
		if code, broken := classify(err); broken {
			p.settle(&txError{"message", code, fmt.Errorf("connection lost before the reply: %w", err)})
		}
	}()
	if err := c.renewDeadline(); err != nil {
		return &txError{"connection", 0, err}
	}
	for i := -1; i < len(tx.rcpts); i++ {
		a := tx.from
		if i >= 0 {
			a = tx.rcpts[i]
		}
		if strings.ContainsAny(a, "\r\n") {
			return &txError{"envelope", 500, fmt.Errorf("address %q holds a line break", "<"+a+">")}
		}
	}
	caps := c.capabilities()
	if !caps.pipelining {
		c.flush(p) // Nothing is held without PIPELINING; for safety.
	}
	w := &p.held // After the held message: one write.
	held := w.Len()
	w.WriteString("MAIL FROM:<")
	w.WriteString(tx.from)
	w.WriteByte('>')
	if caps.eightBit {
		w.WriteString(" BODY=8BITMIME")
	}
	if caps.utf8 {
		w.WriteString(" SMTPUTF8")
	}
	w.WriteString("\r\n")
	for _, r := range tx.rcpts {
		w.WriteString("RCPT TO:<")
		w.WriteString(r)
		w.WriteString(">\r\n")
	}
	w.WriteString("DATA\r\n")
	cmds := len(tx.rcpts) + 2 // MAIL FROM, each RCPT TO, DATA (command).

	text := s.Text
	var refused *txError // The first refusal.
	dataOpen := false
	if caps.pipelining {
		_, err := text.W.Write(w.Bytes())
		if err == nil {
			err = text.W.Flush()
		}
		if err != nil && p.await != nil {
			return &txError{"MAIL FROM", 0, fmt.Errorf("%w: %w", errLostBefore, err)}
		} else if err != nil {
			return &txError{"MAIL FROM", 0, err}
		}
		w.Reset()
		if p.await != nil {
			code, err := reply(text, 250)
			if err != nil {
				err = &txError{"message", code, err}
			}
			p.settle(err)
			if code == 0 || code == 421 {
				// The server is gone, or closes (RFC 5321 section 3.8): no reply to this
				// transaction's commands will come.
				return &txError{"MAIL FROM", code, fmt.Errorf("%w: %w", errLostBefore, err)}
			}
		}
		for i := range cmds {
			cmd := command(i, cmds)
			code, err := reply(text, expect(cmd))
			if code == 0 {
				return &txError{cmd, 0, err}
			}
			if err != nil && refused == nil {
				refused = &txError{cmd, code, err}
				if cmd == "RCPT TO" {
					refused.err = fmt.Errorf("<%s>: %w", tx.rcpts[i-1], err)
				}
			}
			dataOpen = cmd == "DATA" && err == nil
		}
	} else {
		lines := bytes.SplitAfter(w.Bytes()[held:], []byte("\r\n"))
		defer w.Reset()
		for i := range cmds {
			cmd := command(i, cmds)
			if _, err := text.W.Write(lines[i]); err != nil {
				return &txError{cmd, 0, err}
			}
			if err := text.W.Flush(); err != nil {
				return &txError{cmd, 0, err}
			}
			code, err := reply(text, expect(cmd))
			if code == 0 {
				return &txError{cmd, 0, err}
			}
			if err != nil {
				refused = &txError{cmd, code, err}
				if cmd == "RCPT TO" {
					refused.err = fmt.Errorf("<%s>: %w", tx.rcpts[i-1], err)
				}
				break
			}
			dataOpen = cmd == "DATA"
		}
	}
	if refused != nil {
		if dataOpen {
			// A server that opened DATA although a recipient was refused gets an empty message,
			// ended at once (RFC 2920 section 3.1), and no mail goes.
			if _, err := text.W.WriteString(".\r\n"); err != nil {
				return &txError{"DATA", 0, err}
			}
			if err := text.W.Flush(); err != nil {
				return &txError{"DATA", 0, err}
			}
			if code, _ := reply(text, 250); code == 0 {
				return &txError{"DATA", 0, refused}
			} else if code == 250 {
				// It took the message nonetheless: an empty mail went, the refused recipient's
				// copy did not. Nothing more can be done than to report the refusal.
				return refused
			}
		}
		if refused.code == 421 {
			return refused // The server closes the connection.
		}
		if err := c.reset(); err != nil {
			return &txError{refused.stage, 0, fmt.Errorf("%w; RSET: %v", refused.err, err)}
		}
		return refused
	}
	w.Reset()
	dotStuffSpans(w, tx.data, tx.stuffed)
	p.await = done
	if !caps.pipelining {
		c.flush(p)
	}
	return nil
}

// flush sends the message the pipe holds, if any, and reads the reply to its final dot: its
// outcome is then in p.ready.
func (c *client) flush(p *pipe) {
	if p.await == nil {
		p.held.Reset()
		return
	}
	text := c.session.Text
	err := c.renewDeadline()
	if err == nil && p.held.Len() > 0 {
		if _, err = text.W.Write(p.held.Bytes()); err == nil {
			err = text.W.Flush()
		}
	}
	if err != nil {
		p.settle(&txError{"message", 0, err})
		return
	}
	if code, err := reply(text, 250); err != nil {
		p.settle(&txError{"message", code, err})
		return
	}
	p.settle(nil)
}

// command names the i-th of a transaction's n commands: MAIL FROM, its RCPT TO, DATA.
func command(i, n int) string {
	switch {
	case i == 0:
		return "MAIL FROM"
	case i == n-1:
		return "DATA"
	}
	return "RCPT TO"
}

// renewDeadline moves the connection's deadline to the client's timeout from now, unless it was
// moved less than a thirtieth of the timeout ago (one second of 30): the deadline is then
// between 29/30 of the timeout and the timeout away, and a pipelined drain sets it once a second
// rather than twice a mail (each a lock and a timer moved in the runtime's heap).
func (c *client) renewDeadline() error {
	now := time.Now()
	if d := now.Sub(c.deadlineSet); d >= 0 && d < c.timeout/30 && !c.deadlineSet.IsZero() {
		return nil
	}
	if err := c.session.UpdateDeadline(c.timeout); err != nil {
		return err
	}
	c.deadlineSet = now
	return nil
}

// reply reads one reply; code 0 when none could be read. A one-line reply with the code wanted,
// all in the reader's buffer (nearly all of them), is read there without textproto's strings
// (quickReply); any other goes through textproto.Reader.ReadResponse.
func reply(text *textproto.Conn, want int) (int, error) {
	if code, ok, err := quickReply(text.R, want); ok || err != nil {
		return code, err
	}
	code, _, err := text.ReadResponse(want)
	if err != nil {
		if te := (*textproto.Error)(nil); !errors.As(err, &te) {
			return 0, err
		}
	}
	return code, err
}

// quickReply reads a reply of one line that ReadResponse would accept for want (the same rule:
// want of one, two or three digits matches the code's first digits) from r's buffer, reading the
// connection only when nothing is buffered: ok with its code. Not ok, nothing is consumed and
// the reply is left to ReadResponse; err when the connection could not be read (ReadResponse
// returns the same error).
func quickReply(r *bufio.Reader, want int) (code int, ok bool, err error) {
	if r.Buffered() == 0 {
		if _, err := r.Peek(1); err != nil {
			return 0, false, err
		}
	}
	buf, _ := r.Peek(r.Buffered())
	end := bytes.IndexByte(buf, '\n')
	if end < 5 || buf[end-1] != '\r' || buf[3] != ' ' {
		return 0, false, nil // Not whole, a line of several, or not "ddd " text CRLF.
	}
	for _, c := range buf[:3] {
		if c < '0' || c > '9' {
			return 0, false, nil
		}
		code = code*10 + int(c-'0')
	}
	switch {
	case code < 100,
		want >= 1 && want < 10 && code/100 != want,
		want >= 10 && want < 100 && code/10 != want,
		want >= 100 && want < 1000 && code != want:
		return 0, false, nil
	}
	_, _ = r.Discard(end + 1) // Buffered: cannot fail.
	return code, true, nil
}

// expect is the reply code that accepts a command (textproto: a prefix of the code).
func expect(cmd string) int {
	switch cmd {
	case "RCPT TO":
		return 25 // 250 or 251.
	case "DATA":
		return 354
	}
	return 250
}

// reset sends RSET and reads its reply.
func (c *client) reset() error {
	text := c.session.Text
	if _, err := text.W.WriteString("RSET\r\n"); err != nil {
		return err
	}
	if err := text.W.Flush(); err != nil {
		return err
	}
	_, err := reply(text, 250)
	return err
}

// dotStuff appends data to w as the DATA command sends it (RFC 5321 section 4.5.2): a dot that
// begins a line doubled, every line ending in CRLF, and the final ".\r\n". What needs no change
// (CRLF lines not beginning with a dot: all of a message build writes, but for its
// quoted-printable lines that begin with one) is copied in runs, found by IndexByte, not line by
// line: a fifth of the instructions (BenchmarkCopyBytes).
func dotStuff(w *bytes.Buffer, data []byte) {
	w.Grow(len(data) + len(data)/64 + 5)
	stuffEnd(w, data, 0)
}

// dotStuffSpans is dotStuff for data whose spans (start, end) are dot-stuffed already, each
// beginning a line (build's quoted-printable parts, wireParts): the same bytes as dotStuff of
// data with those spans not stuffed (TestDotStuffSpansAsDotStuff). The spans are copied as they
// are and the rest is stuffed as dotStuff does: dotStuff looked at every line of the parts a
// second time.
func dotStuffSpans(w *bytes.Buffer, data []byte, spans [][2]int) {
	if len(spans) == 0 {
		dotStuff(w, data)
		return
	}
	w.Grow(len(data) + 5)
	at := 0 // data[at:] is not stuffed yet.
	for _, s := range spans {
		start := stuffLines(w, data, at, s[0])
		w.Write(data[start:s[1]])
		at = s[1]
	}
	stuffEnd(w, data, at)
}

// stuffEnd writes data[from:] as dotStuff does and ends the DATA: a last line without its line
// end given one, then ".\r\n".
func stuffEnd(w *bytes.Buffer, data []byte, from int) {
	start := stuffLines(w, data, from, len(data))
	w.Write(data[start:])
	if n := len(data); n > 0 && data[n-1] != '\n' {
		if data[n-1] != '\r' {
			w.WriteByte('\r')
		}
		w.WriteByte('\n')
	}
	w.WriteString(".\r\n")
}

// stuffLines writes data[from:to] as dotStuff writes it, a dot that begins a line doubled (a
// dot at to is left to what follows) and an LF without its CR given one, but for its last bytes
// that need no change: it returns where they begin, for the caller to write.
func stuffLines(w *bytes.Buffer, data []byte, from, to int) (start int) {
	if from < to && data[from] == '.' && (from == 0 || data[from-1] == '\n') {
		w.WriteByte('.')
	}
	start = from // data[start:] is not written yet.
	for i := from; i < to; {
		j := bytes.IndexByte(data[i:to], '\n')
		if j < 0 {
			break
		}
		j += i
		bare := j == 0 || data[j-1] != '\r'
		dot := j+1 < to && data[j+1] == '.'
		if bare || dot {
			if bare {
				w.Write(data[start:j])
				w.WriteString("\r\n")
			} else {
				w.Write(data[start : j+1])
			}
			if dot {
				w.WriteByte('.')
			}
			start = j + 1
		}
		i = j + 1
	}
	return start
}

// capabilities are the EHLO extensions a transaction uses, and the server's size limit (maxSize).
type capabilities struct {
	pipelining, eightBit, utf8 bool
	maxSize                    int64
}

func (c *client) capabilities() capabilities {
	c.capsOnce.Do(func() {
		s := c.session
		c.caps.pipelining, _ = s.Extension("PIPELINING")
		c.caps.eightBit, _ = s.Extension("8BITMIME")
		c.caps.utf8, _ = s.Extension("SMTPUTF8")
		c.caps.maxSize = sizeOf(s)
	})
	return c.caps
}
