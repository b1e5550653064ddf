package mailout

import (
	"sync"
	"time"
)

// Status is what the sender knows of the SMTP server, for readiness checks.
type Status struct {
	Tried     time.Time // The last connection attempt; zero before the first.
	Reachable bool      // It succeeded.
	LastErr   string    // Why it failed.
}

type status struct {
	mu sync.Mutex
	s  Status
}

func (st *status) record(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.s = Status{Tried: time.Now(), Reachable: err == nil}
	if err != nil {
		st.s.LastErr = oneLine(err)
	}
}

// Status tells whether the SMTP server was reachable at the last try.
func (s *Sender) Status() Status {
	s.status.mu.Lock()
	defer s.status.mu.Unlock()
	return s.status.s
}
