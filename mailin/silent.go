package mailin

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// silentLimit is how long a command may wait on a server that sends nothing: past it the
// connection is closed, the command fails, and the session ends as if the server had gone away
// (serve reconnects with backoff; `deskd poll --once` fails). A TCP connection whose server
// hangs, or whose path drops packets without a reset, otherwise blocks a read for as long as the
// kernel keeps the connection (hours): deskd then ingested nothing and said nothing. The limit
// counts from the last bytes read, not from the command's start: a large fetch that keeps coming
// is never cut. Nothing is lost: a mail is flagged only after its effect is committed, and one
// committed but not flagged is known again by its Message-ID on the next session.
var silentLimit = 2 * time.Minute

// silentWatch ends a session whose server stops answering while a command waits on it. IDLE's
// wait for news is no command waiting: only what the client asked and must have an answer to
// counts (begin), so a quiet inbox on IDLE is never taken for a silent server.
type silentWatch struct {
	lastRead atomic.Int64 // Unix nanoseconds of the last read that brought bytes (silentReader).
	since    atomic.Int64 // Unix nanoseconds at which a command last began to wait.
	waiting  atomic.Int32 // Commands waiting on the server.
	silent   atomic.Bool  // The watch closed the connection.
	limit    time.Duration
	stop     chan struct{}
	stopOnce sync.Once
}

func newSilentWatch(limit time.Duration) *silentWatch {
	return &silentWatch{limit: limit, stop: make(chan struct{})}
}

// begin marks a command waiting on the server until the function it returns is called.
func (w *silentWatch) begin() (end func()) {
	w.since.Store(time.Now().UnixNano())
	w.waiting.Add(1)
	return func() { w.waiting.Add(-1) }
}

// read notes bytes read from the server.
func (w *silentWatch) read() { w.lastRead.Store(time.Now().UnixNano()) }

// run closes the connection (hangUp) once a command has waited the watch's limit without a byte
// from the server, checking eight times a limit, until stopped.
func (w *silentWatch) run(hangUp func()) {
	t := time.NewTicker(w.limit / 8)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			if w.overdue(now) {
				w.silent.Store(true)
				hangUp()
				return
			}
		}
	}
}

// overdue says whether at now a command has waited longer than the limit since the server last
// sent anything (or since the command began, if later).
func (w *silentWatch) overdue(now time.Time) bool {
	return w.waiting.Load() > 0 && now.UnixNano()-max(w.lastRead.Load(), w.since.Load()) > int64(w.limit)
}

func (w *silentWatch) close() { w.stopOnce.Do(func() { close(w.stop) }) }

// explain says why a command failed when the watch hung up on a silent server.
func (w *silentWatch) explain(err error) error {
	if err == nil || !w.silent.Load() {
		return err
	}
	return fmt.Errorf("the imap server sent nothing for %s while a command waited: connection closed (%w)", w.limit, err)
}
