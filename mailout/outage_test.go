package mailout

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// TestOutageHoldsThenSendsAtOnce: the server goes away while 50 requests (100 mails) are queued.
// The sender logs one WARN, charges no mail with an attempt, probes the server with growing
// intervals, and when it is back sends all 100 in the next probe's drain, each once, with one
// INFO that counts them.
func TestOutageHoldsThenSendsAtOnce(t *testing.T) {
	e := newEnv(t)
	logs := &lockedLog{}
	e.sender.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.sender.probeFirst, e.sender.probeMax = 20*time.Millisecond, 200*time.Millisecond
	e.sink.stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.sender.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	for i := range 50 {
		e.open(time.Now(), tickets.NewTicket{Subject: fmt.Sprint("wifi ", i), Text: "le wifi", Requester: fmt.Sprintf("r%d@corp.example", i)})
		e.sender.Wake() // As the ingester does after each batch.
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // Long enough for the probes to reach their longest interval.
	// Growing from 20 ms to 200 ms takes 4 probes, then one every 200 ms: with half as many
	// again for slack. The time is measured: opening 50 tickets takes longer on some stores.
	elapsed := time.Since(start)
	probes := strings.Count(logs.String(), "still unreachable")
	if most := 3 * (4 + int(elapsed/(200*time.Millisecond))) / 2; probes < 3 || probes > most {
		t.Errorf("%d probes in %v, want 3 to %d, at growing intervals up to 200 ms", probes, elapsed.Round(time.Millisecond), most)
	}
	for _, id := range pendingIDs(t, e) {
		if _, attempts, _ := e.row(t, id); attempts != 0 {
			t.Fatalf("mail %d charged with %d attempts during the outage", id, attempts)
		}
	}
	if got := len(e.sink.received()); got != 0 {
		t.Fatalf("%d mails received with the server down", got)
	}

	e.sink.start(t)
	back := time.Now()
	deadline := back.Add(10 * time.Second)
	for len(e.sink.received()) < 100 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 100 mails 10 s after the server came back; log:\n%s", len(e.sink.received()), logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("all 100 held mails received %v after the server came back (probes every 200 ms at most)", time.Since(back).Round(time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	ids := map[string]int{}
	for _, m := range e.sink.received() {
		ids[parse(t, m).Header.Get("Message-ID")]++
	}
	if len(ids) != 100 || len(e.sink.received()) != 100 {
		t.Fatalf("received %d mails, %d distinct; want 100 once each", len(e.sink.received()), len(ids))
	}
	if c := e.counts(); c[tickets.OutboxSent] != 100 {
		t.Fatalf("counts %v", c)
	}
	log := logs.String()
	if n := strings.Count(log, "level=WARN"); n != 1 || !strings.Contains(log, "smtp server unreachable") {
		t.Errorf("%d WARN lines, want the one that begins the outage:\n%s", n, log)
	}
	if n := strings.Count(log, "answers again"); n != 1 || !strings.Contains(log, "held=100") {
		t.Errorf("want one INFO that ends the outage with held=100:\n%s", log)
	}
}

// TestConnectionLostOnOneMail: a server that drops the link (421) on one mail but takes the next
// connection is up: that mail waits for its own retry, the others go on the new connection.
func TestConnectionLostOnOneMail(t *testing.T) {
	e := newEnv(t)
	e.sink.refuse(nil, func(n int) error {
		if n == 1 {
			return smtpErr(421, "closing")
		}
		return nil
	})
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "a@corp.example"})
	e.open(t0, tickets.NewTicket{Subject: "vpn", Text: "le vpn", Requester: "b@corp.example"})
	if n := e.drain(t0); n != 3 {
		t.Fatalf("sent %d, want the 3 others", n)
	}
	ids := pendingIDs(t, e)
	if len(ids) != 1 {
		t.Fatalf("pending %v", ids)
	}
	if _, attempts, lastError := e.row(t, ids[0]); attempts != 1 || !strings.Contains(lastError, "421") {
		t.Fatalf("the mail that met the 421: attempts %d, error %q", attempts, lastError)
	}
	if e.sender.down.Load() != nil {
		t.Fatal("a server that took the next connection is taken for down")
	}
}

// TestServerTakesFewerConnections: a server that takes one connection at a time and answers
// 421 to more gets every mail over that one in one drain, never two at once, and the sender
// keeps to one.
func TestServerTakesFewerConnections(t *testing.T) {
	e := newEnv(t)
	e.sink.mu.Lock()
	e.sink.maxConns = 1
	e.sink.mu.Unlock()
	cfg := e.smtp
	cfg.Connections = 3
	if err := e.sender.SetConfig(cfg, e.desk.Config().Desk, nil); err != nil {
		t.Fatal(err)
	}
	db := e.rawDB()
	n := templates.Samples(tickets.KindAck, "fr")[0]
	n.Ticket.ID = 0
	const mails = 40
	for i := range mails {
		e.queueRaw(db, tickets.KindAck, "fr", n, []string{fmt.Sprintf("r%d@corp.example", i)}, nil, false, t0)
	}
	sent, err := e.sender.Drain(context.Background(), t0)
	// A worker refused a connection hands its mail back to the batch, and the one still
	// connected sends it in the same drain: it used to be left claimed until its lease ran out
	// when the others had already found the queue empty.
	if err != nil || sent != mails {
		t.Fatalf("sent %d of %d: %v", sent, mails, err)
	}
	if left := pendingIDs(t, e); len(left) > 0 {
		t.Fatalf("mails %v left in the outbox", left)
	}
	e.sink.mu.Lock()
	peak := e.sink.peak
	e.sink.mu.Unlock()
	if got := len(e.sink.received()); got != mails || peak != 1 {
		t.Fatalf("the sink got %d mails, at most %d connections at once", got, peak)
	}
	if n := e.sender.connections(cfg); n != 1 {
		t.Fatalf("the sender goes on with %d connections, want the 1 the server took", n)
	}
}
