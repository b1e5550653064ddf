//go:build !race

// The race detector flags a data race inside go-imap v2 (beta.8) when a connection drops in the
// middle of a FETCH literal: the consumer discards the literal while the client's reader
// goroutine moves on. deskd throws away everything from a failed fetch and reconnects, so the
// behaviour is safe, but the library's race fails -race runs; .ci/run runs this file without it.
// todo: report upstream and drop the build tag once fixed.

package mailin

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flakyProxy forwards TCP to the server and cuts every connection after limit bytes from the
// server, until told to stop cutting; with hang, it holds the connection open instead, sending
// nothing more (a server that hangs, or a path that drops packets).
type flakyProxy struct {
	addr  string
	limit atomic.Int64
	cuts  atomic.Int64
	hang  atomic.Bool
	done  chan struct{}
}

func newFlakyProxy(t testing.TB, target string, limit int64) *flakyProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{addr: ln.Addr().String(), done: make(chan struct{})}
	p.limit.Store(limit)
	t.Cleanup(func() { ln.Close(); close(p.done) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c, target)
		}
	}()
	return p
}

func (p *flakyProxy) serve(c net.Conn, target string) {
	defer c.Close()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(s, c)
		s.Close()
	}()
	limit := p.limit.Load()
	if limit > 0 {
		if n, _ := io.CopyN(c, s, limit); n == limit {
			p.cuts.Add(1)
			if p.hang.Load() {
				<-p.done
			}
		}
		c.Close()
	} else {
		_, _ = io.Copy(c, s)
	}
	wg.Wait()
}

// TestConnectionDroppedMidFetch: the server goes away in the middle of a big fetch, again and
// again; every run that gets through processes what it can; in the end every mail is in exactly
// one ticket.
func TestConnectionDroppedMidFetch(t *testing.T) {
	srv := newTestServer(t)
	const n = 30
	for i := 0; i < n; i++ {
		srv.deliver(t, "INBOX", testMail(fmt.Sprintf("m%d@x", i), fmt.Sprintf("u%d@corp.example", i), "wifi", strings.Repeat("the wifi is down. ", 200)))
	}
	proxy := newFlakyProxy(t, srv.addr, 40_000)
	d := newDesk(t, proxy.addr, "", 10)
	g := d.ingester()
	ctx := context.Background()
	failures := 0
	for i := 0; i < 20; i++ {
		if _, err := g.Once(ctx); err != nil {
			failures++
		}
		if _, seen := srv.mailbox(t, "INBOX"); seen == n {
			break
		}
		if i == 10 {
			proxy.limit.Store(0) // The network heals.
		}
	}
	if failures == 0 || proxy.cuts.Load() == 0 {
		t.Fatalf("the proxy never cut a connection (failures %d)", failures)
	}
	// Alike mails make an incident besides their own tickets: count the requests.
	if got := count(t, d, `SELECT COUNT(*) FROM tickets WHERE kind = 'request'`); got != n {
		t.Fatalf("%d tickets for %d mails", got, n)
	}
	if got := count(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack'`); got != n {
		t.Fatalf("%d acknowledgements for %d mails", got, n)
	}
	if _, seen := srv.mailbox(t, "INBOX"); seen != n {
		t.Fatalf("%d of %d flagged", seen, n)
	}
}

// TestConnectionDroppedWhenSilent: the server stops sending in the middle of a fetch and holds
// the connection open. The run ends with an error that says so, instead of waiting as long as
// the kernel keeps the connection; once the server answers again, every mail is in exactly one
// ticket.
func TestConnectionDroppedWhenSilent(t *testing.T) {
	defer func(l time.Duration) { silentLimit = l }(silentLimit)
	silentLimit = 300 * time.Millisecond
	srv := newTestServer(t)
	const n = 10
	for i := 0; i < n; i++ {
		srv.deliver(t, "INBOX", testMail(fmt.Sprintf("s%d@x", i), fmt.Sprintf("s%d@corp.example", i), "printer", strings.Repeat("the printer jams. ", 200)))
	}
	proxy := newFlakyProxy(t, srv.addr, 20_000)
	proxy.hang.Store(true)
	d := newDesk(t, proxy.addr, "", 10)
	g := d.ingester()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := g.Once(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "sent nothing for 300ms") {
			t.Fatalf("Once on a silent server: %v", err)
		}
	case <-time.After(time.Minute): // A bound for a hang, not a measure.
		t.Fatal("Once still waits on a server silent for a minute")
	}
	if proxy.cuts.Load() == 0 {
		t.Fatal("the proxy never held a connection")
	}
	proxy.limit.Store(0) // The server answers again.
	if _, err := g.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(t, d, `SELECT COUNT(*) FROM tickets WHERE kind = 'request'`); got != n {
		t.Fatalf("%d tickets for %d mails", got, n)
	}
	if _, seen := srv.mailbox(t, "INBOX"); seen != n {
		t.Fatalf("%d of %d flagged", seen, n)
	}
}
