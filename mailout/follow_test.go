package mailout

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestFollow: the mail each commit queues leaves while the caller goes on (before stop closes),
// and Follow returns what it delivered once stop closes.
func TestFollow(t *testing.T) {
	e := newEnv(t)
	stop, done := make(chan struct{}), make(chan int, 1)
	go func() { done <- e.sender.Follow(context.Background(), stop) }()
	for i := range 3 {
		e.open(time.Now(), tickets.NewTicket{Subject: fmt.Sprint("wifi ", i), Text: "le wifi", Requester: fmt.Sprintf("r%d@corp.example", i)})
		e.sender.Wake()
		waitReceived(t, e, 2*(i+1)) // Ack and notice, before the next request comes in.
	}
	close(stop)
	select {
	case n := <-done:
		if n != 6 {
			t.Errorf("Follow delivered %d copies, want 6", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not return after stop closed")
	}
	if n := e.drain(time.Now()); n != 0 {
		t.Errorf("the last drain sent %d more, want nothing left", n)
	}
}

// TestFollowGivesUp: with the server down, Follow returns after its first drain, without waiting
// for stop, and leaves the mail queued for the caller's last drain.
func TestFollowGivesUp(t *testing.T) {
	e := newEnv(t)
	e.sink.stop()
	stop, done := make(chan struct{}), make(chan int, 1)
	defer close(stop)
	go func() { done <- e.sender.Follow(context.Background(), stop) }()
	e.open(time.Now(), tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	e.sender.Wake()
	select {
	case n := <-done:
		if n != 0 {
			t.Errorf("Follow delivered %d with the server down", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow went on after a drain that could not reach the server")
	}
	if c := e.counts(); c[tickets.OutboxPending] != 2 {
		t.Errorf("outbox %v, want both mails still pending", c)
	}
}

func waitReceived(t *testing.T, e *env, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(e.sink.received()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the sink received %d mails, want %d", len(e.sink.received()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
