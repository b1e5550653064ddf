package mailout

import (
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"sync"
)

// One mail transaction (RFC 5321 section 3.3) over a session go-mail dialled and logged in: go-mail
// keeps the connection, TLS, EHLO and the login, and the transaction is written here, because
// go-mail waits for the reply to each command (MAIL, RCPT, DATA, the message: four round trips)
// and writes the message through a dot-writer a byte at a time. With PIPELINING (RFC 2920, which
// Postfix and most servers offer) MAIL, RCPT and DATA go in one write and their replies are read
// together, then the message, dot-stuffed in one buffer, in a second write: two round trips and
// two writes a mail. BenchmarkSMTPExchange weighs both (go-mail, pipelined).

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
	from  string   // "<address>", as MAIL FROM: takes it.
	rcpts []string // Likewise.
	data  []byte   // The message, CRLF line ends, not yet dot-stuffed.
}

// bufs are the buffers of a transaction's writes, kept from mail to mail.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// transact runs one mail transaction. delivered is true once the server accepted the message (its
// reply to the end of data), even when err reports something after it. A refusal leaves the
// session ready for the next transaction (RSET); an error with code 0 means the connection can no
// longer be used.
func (c *client) transact(tx transaction) (delivered bool, err error) {
	s := c.session
	if err := s.UpdateDeadline(c.timeout); err != nil {
		return false, &txError{"connection", 0, err}
	}
	for _, a := range append([]string{tx.from}, tx.rcpts...) {
		if strings.ContainsAny(a, "\r\n") {
			return false, &txError{"envelope", 500, fmt.Errorf("address %q holds a line break", a)}
		}
	}
	caps := c.capabilities()
	w := bufs.Get().(*bytes.Buffer)
	defer func() { w.Reset(); bufs.Put(w) }()
	w.WriteString("MAIL FROM:")
	w.WriteString(tx.from)
	if caps.eightBit {
		w.WriteString(" BODY=8BITMIME")
	}
	if caps.utf8 {
		w.WriteString(" SMTPUTF8")
	}
	w.WriteString("\r\n")
	cmds := []string{"MAIL FROM"}
	for _, r := range tx.rcpts {
		w.WriteString("RCPT TO:")
		w.WriteString(r)
		w.WriteString("\r\n")
		cmds = append(cmds, "RCPT TO")
	}
	w.WriteString("DATA\r\n")
	cmds = append(cmds, "DATA")

	text := s.Text
	var refused *txError // The first refusal.
	dataOpen := false
	if caps.pipelining {
		if _, err := text.W.Write(w.Bytes()); err != nil {
			return false, &txError{"MAIL FROM", 0, err}
		}
		if err := text.W.Flush(); err != nil {
			return false, &txError{"MAIL FROM", 0, err}
		}
		for i, cmd := range cmds {
			code, err := reply(text, expect(cmd))
			if code == 0 {
				return false, &txError{cmd, 0, err}
			}
			if err != nil && refused == nil {
				refused = &txError{cmd, code, err}
				if cmd == "RCPT TO" {
					refused.err = fmt.Errorf("%s: %w", tx.rcpts[i-1], err)
				}
			}
			dataOpen = cmd == "DATA" && err == nil
		}
	} else {
		lines := bytes.SplitAfter(w.Bytes(), []byte("\r\n"))
		for i, cmd := range cmds {
			if _, err := text.W.Write(lines[i]); err != nil {
				return false, &txError{cmd, 0, err}
			}
			if err := text.W.Flush(); err != nil {
				return false, &txError{cmd, 0, err}
			}
			code, err := reply(text, expect(cmd))
			if code == 0 {
				return false, &txError{cmd, 0, err}
			}
			if err != nil {
				refused = &txError{cmd, code, err}
				if cmd == "RCPT TO" {
					refused.err = fmt.Errorf("%s: %w", tx.rcpts[i-1], err)
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
				return false, &txError{"DATA", 0, err}
			}
			if err := text.W.Flush(); err != nil {
				return false, &txError{"DATA", 0, err}
			}
			if code, _ := reply(text, 250); code == 0 {
				return false, &txError{"DATA", 0, refused}
			} else if code == 250 {
				// It took the message nonetheless: an empty mail went, the refused recipient's
				// copy did not. Nothing more can be done than to report the refusal.
				return false, refused
			}
		}
		if refused.code == 421 {
			return false, refused // The server closes the connection.
		}
		if err := c.reset(); err != nil {
			return false, &txError{refused.stage, 0, fmt.Errorf("%w; RSET: %v", refused.err, err)}
		}
		return false, refused
	}
	w.Reset()
	dotStuff(w, tx.data)
	if _, err := text.W.Write(w.Bytes()); err != nil {
		return false, &txError{"message", 0, err}
	}
	if err := text.W.Flush(); err != nil {
		return false, &txError{"message", 0, err}
	}
	code, err := reply(text, 250)
	if err != nil {
		return false, &txError{"message", code, err}
	}
	return true, nil
}

// reply reads one reply; code 0 when none could be read.
func reply(text *textproto.Conn, want int) (int, error) {
	code, _, err := text.ReadResponse(want)
	if te := (*textproto.Error)(nil); err != nil && !errors.As(err, &te) {
		return 0, err
	}
	return code, err
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
	if len(data) > 0 && data[0] == '.' {
		w.WriteByte('.')
	}
	start := 0 // data[start:] is not written yet.
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		j += i
		bare := j == 0 || data[j-1] != '\r'
		dot := j+1 < len(data) && data[j+1] == '.'
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
	if rest := data[start:]; len(rest) > 0 && rest[len(rest)-1] != '\n' {
		w.Write(rest) // A last line without its line end.
		if rest[len(rest)-1] != '\r' {
			w.WriteByte('\r')
		}
		w.WriteByte('\n')
	} else {
		w.Write(rest)
	}
	w.WriteString(".\r\n")
}

// capabilities are the EHLO extensions a transaction uses.
type capabilities struct {
	pipelining, eightBit, utf8 bool
}

func (c *client) capabilities() capabilities {
	c.capsOnce.Do(func() {
		s := c.session
		c.caps.pipelining, _ = s.Extension("PIPELINING")
		c.caps.eightBit, _ = s.Extension("8BITMIME")
		c.caps.utf8, _ = s.Extension("SMTPUTF8")
	})
	return c.caps
}
