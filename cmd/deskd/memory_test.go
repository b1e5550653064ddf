package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
)

func TestLimitMemory(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	t.Setenv("GOMEMLIMIT", "")
	limitMemory(config.Serve{MemoryLimit: 64 << 20}, log)
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("memory_limit 64MB: the runtime's limit is %d", got)
	}
	limitMemory(config.Serve{}, log)
	if got := debug.SetMemoryLimit(-1); got <= 1<<50 {
		t.Errorf("memory_limit 0: the runtime's limit is %d, want none", got)
	}
	t.Setenv("GOMEMLIMIT", "48MiB") // Read by the runtime at start only: deskd leaves the limit alone.
	debug.SetMemoryLimit(48 << 20)
	limitMemory(config.Serve{MemoryLimit: 24 << 20}, log)
	if got := debug.SetMemoryLimit(-1); got != 48<<20 {
		t.Errorf("with GOMEMLIMIT set, memory_limit changed the limit to %d", got)
	}
}
