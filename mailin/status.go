package mailin

import (
	"sync"
	"time"
)

// Status is where the ingester's connection to the inbox stands, for readiness checks.
type Status struct {
	Running   bool      // Run is going.
	Connected bool      // A session is up.
	Since     time.Time // When it connected, or when the last session ended.
	RetryAt   time.Time // When the next connection is tried; zero while connected.
	LastErr   string    // Why the last session ended, "" for none.
	// FailingSince is when the first of the connection attempts that failed in a row was made:
	// zero while connected, and after a session that ended until an attempt to reconnect fails.
	FailingSince time.Time
}

// status holds the Status, updated by Run.
type status struct {
	mu sync.Mutex
	s  Status
}

func (st *status) set(f func(*Status)) {
	st.mu.Lock()
	f(&st.s)
	st.mu.Unlock()
}

// Status tells where the connection to the inbox stands.
func (g *Ingester) Status() Status {
	g.status.mu.Lock()
	defer g.status.mu.Unlock()
	return g.status.s
}
