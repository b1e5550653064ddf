package mailout

import (
	"context"
	"time"
)

// Follow drains the outbox at each Wake until stop is closed, and returns how many copies it
// delivered. It lets a one-shot pass (`deskd poll --once`) send what its ingest queues while the
// ingest goes on, on the other core, instead of after it; the caller drains once more after
// closing stop, for what the last commits queued. Follow gives up at the first failed drain
// (an unreachable server, say): the mail stays queued and the caller's last Drain meets the
// same failure and reports it. A drain under way when stop closes runs to its end: mail handed
// to the server is recorded as sent.
func (s *Sender) Follow(ctx context.Context, stop <-chan struct{}) (sent int) {
	for {
		select {
		case <-stop:
			return sent
		case <-ctx.Done():
			return sent
		case <-s.wake:
		}
		n, err := s.Drain(ctx, time.Now())
		sent += n
		if err != nil {
			return sent
		}
	}
}
