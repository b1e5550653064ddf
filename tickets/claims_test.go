package tickets

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentClaims: senders in two processes claim the outbox at once; every mail is claimed
// by exactly one of them (on PostgreSQL each skips the rows another is claiming).
func TestConcurrentClaims(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	for i := range 60 {
		openTicket(t, d, t0, NewTicket{Subject: "vpn", Text: "vpn down", Requester: fmt.Sprintf("r%d@corp.example", i)})
	}
	other, err := OpenStore(ctx, d.Store.database)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	now := time.Now()
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		s := d.Store
		if g%2 == 1 {
			s = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ms, err := s.DueMail(ctx, fmt.Sprintf("sender %d", g), now, 5)
				if err != nil {
					errs <- err
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					claimed[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var pending int
	if err := d.Store.Reader().QueryRow(`SELECT COUNT(*) FROM outbox WHERE state = 'pending'`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if len(claimed) != pending || pending == 0 {
		t.Fatalf("%d mails claimed of %d pending", len(claimed), pending)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("mail %d claimed %d times", id, n)
		}
	}
}
