package mailin

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"

	"github.com/emersion/go-imap/v2/imapclient"
)

// readBuffer is how much of the server's answer one read from the connection takes. go-imap's
// client reads through a bufio.Reader of 4 KiB: a FETCH of a batch's bodies took a read system
// call for every 4 KiB of mail, and as many wake-ups of its reader goroutine. With 64 KiB under
// it, 2,000 generated mails of 2 KB (bench/run.sh's) take 150 reads instead of 1,230, and a mail
// of 40 KB one instead of ten.
const readBuffer = 64 << 10

// bufferedConn is a connection whose reads go through a buffer of readBuffer: what one read
// system call brings, the next reads take from memory. Writes go straight to the connection.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func newBufferedConn(c net.Conn, w *silentWatch) *bufferedConn {
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(silentReader{c, w}, readBuffer)}
}

// silentReader tells the watch of each read system call that brings bytes (not of each read
// from the buffer above it).
type silentReader struct {
	net.Conn
	w *silentWatch
}

func (r silentReader) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if n > 0 {
		r.w.read()
	}
	return n, err
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// dial connects to the server of cfg as imapclient's DialInsecure, DialTLS and DialStartTLS do,
// with the connection's reads buffered (bufferedConn): under TLS too, whose records the buffer
// brings in fewer reads. The reads are told to w.
func dial(cfg Config, opts *imapclient.Options, w *silentWatch) (*imapclient.Client, error) {
	conn, err := opts.Dialer.Dial("tcp", cfg.Address)
	if err != nil {
		return nil, err
	}
	raw := newBufferedConn(conn, w)
	switch cfg.Security {
	case "tls":
		tc := opts.TLSConfig.Clone()
		if tc.NextProtos == nil {
			tc.NextProtos = []string{"imap"}
		}
		t := tls.Client(raw, tc)
		ctx, cancel := context.WithTimeout(context.Background(), opts.Dialer.Timeout)
		defer cancel()
		if err := t.HandshakeContext(ctx); err != nil { // The dial's timeout, as tls.DialWithDialer.
			_ = conn.Close()
			return nil, err
		}
		return imapclient.New(t, opts), nil
	case "starttls":
		return imapclient.NewStartTLS(raw, opts)
	default:
		return imapclient.New(raw, opts), nil
	}
}
