package main

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"time"
)

// What the sink's SMTP server says (RFC 5321), with what go-smtp said in its place: the same
// extensions but CHUNKING (no client of the benchmark sends BDAT), the same limits.
const (
	greeting = "220 sink.example ESMTP Service Ready\r\n"
	ehlo     = "250-Hello\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 67108864\r\n250 LIMITS RCPTMAX=1000\r\n"
	ok       = "250 2.0.0 OK\r\n"
	goAhead  = "354 Go ahead. End your data with <CR><LF>.<CR><LF>\r\n"
	bye      = "221 2.0.0 Bye\r\n"

	maxMessage    = 64 << 20 // Bytes: SIZE, as go-smtp's MaxMessageBytes was.
	maxRecipients = 1000
	idle          = time.Minute // A connection silent this long is closed.
	lineMax       = 4096        // The longest command line (RFC 5321 section 4.5.3.1.4 asks 512).
)

// serve accepts connections on l until it is closed, each served by a goroutine of its own.
func (k *sink) serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go k.conn(c)
	}
}

// conn serves one SMTP connection. Replies are buffered and written when no command waits in the
// read buffer (RFC 2920 section 3.2: a pipelined group gets its replies in one write), and before
// the message after DATA's 354.
func (k *sink) conn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriterSize(c, 4<<10)
	w.WriteString(greeting)
	var (
		mail    bool // MAIL FROM was given.
		rcpts   int
		lastSet time.Time // When the read deadline was last moved.
	)
	for {
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
			if now := time.Now(); now.Sub(lastSet) > time.Second {
				if c.SetDeadline(now.Add(idle)) != nil {
					return
				}
				lastSet = now
			}
		}
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || err == nil && len(line) > lineMax {
			w.WriteString("500 5.5.2 Line too long\r\n")
			w.Flush()
			return
		}
		if err != nil {
			return
		}
		var verb [4]byte // Every command the sink knows has four letters.
		if len(line) < 4 || len(line) > 4 && line[4] != ' ' && line[4] != '\r' && line[4] != '\n' {
			verb = [4]byte{}
		} else {
			for i := range verb {
				verb[i] = line[i] &^ ('a' - 'A') // Upper case; any other byte makes no known verb but by chance.
			}
		}
		switch string(verb[:]) { // Compared, not allocated.
		case "EHLO":
			mail, rcpts = false, 0
			w.WriteString(ehlo)
		case "HELO":
			mail, rcpts = false, 0
			w.WriteString("250 2.0.0 Hello\r\n")
		case "MAIL":
			mail, rcpts = true, 0
			w.WriteString(ok)
		case "RCPT":
			switch {
			case !mail:
				w.WriteString("502 5.5.1 Missing MAIL FROM command.\r\n")
			case rcpts >= maxRecipients:
				w.WriteString("452 4.5.3 Maximum limit of 1000 recipients reached\r\n")
			default:
				rcpts++
				w.WriteString(ok)
			}
		case "DATA":
			if !mail || rcpts == 0 {
				w.WriteString("502 5.5.1 Missing RCPT TO command.\r\n")
				continue
			}
			w.WriteString(goAhead)
			if w.Flush() != nil {
				return
			}
			h, size, perr, err := readMessage(r)
			if err != nil {
				return
			}
			if size > maxMessage {
				w.WriteString("552 5.3.4 Maximum message size exceeded\r\n")
			} else {
				k.add(time.Now(), rcpts, size, h, perr)
				w.WriteString(ok)
			}
			mail, rcpts = false, 0
		case "RSET":
			mail, rcpts = false, 0
			w.WriteString(ok)
		case "NOOP":
			w.WriteString(ok)
		case "QUIT":
			w.WriteString(bye)
			w.Flush()
			return
		default:
			w.WriteString("500 5.5.2 Unknown command\r\n")
		}
	}
}

// errHeader is a header line that is neither a field nor the continuation of one.
var errHeader = errors.New("malformed MIME header line")

// readMessage reads a message after DATA's 354 up to its final dot, and returns the fields the
// sink keeps, its size (dot-unstuffed, without the final dot) and perr when its header could
// not be parsed; err when the connection failed. It reads line by line from r's buffer; a line
// longer than the buffer comes in pieces.
func readMessage(r *bufio.Reader) (h fields, size int64, perr error, err error) {
	inHeader := true
	lineStart := true // The next piece begins a line.
	var field *string // The field a continuation line adds to; nil: one not kept.
	for {
		piece, err := r.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return h, size, perr, err
		}
		whole := err == nil // piece ends its line.
		if lineStart && len(piece) > 0 && piece[0] == '.' {
			if whole && (string(piece) == ".\r\n") {
				return h, size, perr, nil
			}
			piece = piece[1:] // Dot-stuffed (RFC 5321 section 4.5.2).
		}
		size += int64(len(piece))
		if inHeader && lineStart {
			text := bytes.TrimRight(piece, "\r\n")
			switch {
			case len(text) == 0:
				inHeader = false
			case text[0] == ' ' || text[0] == '\t':
				if field != nil {
					if *field != "" {
						*field += " "
					}
					*field += string(bytes.TrimSpace(text))
				}
			default:
				name, value, found := bytes.Cut(text, []byte(":"))
				if !found || len(name) == 0 || bytes.ContainsAny(name, " \t") {
					if perr == nil {
						perr = errHeader
					}
					field = nil
					break
				}
				field = h.field(name)
				if field != nil {
					*field = string(bytes.TrimSpace(value))
				}
			}
		}
		lineStart = whole
	}
}

// field returns where the field called name is kept, if it is one the sink keeps and the first
// of its name.
func (h *fields) field(name []byte) *string {
	var f *string
	switch {
	case bytes.EqualFold(name, []byte("Message-Id")):
		f = &h.messageID
	case bytes.EqualFold(name, []byte("X-Deskd-Kind")):
		f = &h.kind
	case bytes.EqualFold(name, []byte("X-Deskd-Ticket")):
		f = &h.ticket
	case bytes.EqualFold(name, []byte("In-Reply-To")):
		f = &h.inReplyTo
	default:
		return nil
	}
	if *f != "" {
		return nil // textproto's Get gives the first.
	}
	return f
}
