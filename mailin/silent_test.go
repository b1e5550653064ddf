package mailin

import (
	"testing"
	"time"
)

// TestSilentWatchOverdue: only a command that waits counts, and the limit runs from the later
// of its start and the last bytes read.
func TestSilentWatchOverdue(t *testing.T) {
	const limit = time.Minute
	w := newSilentWatch(limit)
	t0 := time.Now()
	if w.overdue(t0.Add(time.Hour)) {
		t.Fatal("overdue with no command waiting (a quiet inbox on IDLE)")
	}
	end := w.begin()
	start := time.Unix(0, w.since.Load())
	if w.overdue(start.Add(limit)) {
		t.Fatal("overdue at the limit itself")
	}
	if !w.overdue(start.Add(limit + time.Millisecond)) {
		t.Fatal("not overdue past the limit with nothing read")
	}
	w.read()
	read := time.Unix(0, w.lastRead.Load())
	if w.overdue(read.Add(limit)) {
		t.Fatal("overdue though the server sent bytes within the limit (a long fetch that keeps coming)")
	}
	if !w.overdue(read.Add(limit + time.Millisecond)) {
		t.Fatal("not overdue past the limit after the last bytes")
	}
	end()
	if w.overdue(read.Add(time.Hour)) {
		t.Fatal("overdue after the command ended")
	}
	// Two commands: one ending leaves the other watched.
	end1, end2 := w.begin(), w.begin()
	end1()
	if !w.overdue(time.Unix(0, w.since.Load()).Add(2 * limit)) {
		t.Fatal("the second command is not watched once the first ended")
	}
	end2()
}
