package main

import (
	"runtime/debug"
	"testing"
)

// TestHoldGC: poll --once's collector is off while it starts, then runs at pollGCPercent, or
// at the percent it had when GOGC is set.
func TestHoldGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	t.Setenv("GOGC", "")
	collect := holdGC()
	if held := debug.SetGCPercent(-1); held != -1 {
		t.Errorf("while starting the collector runs at %d, want it off", held)
	}
	collect()
	if got := debug.SetGCPercent(100); got != pollGCPercent {
		t.Errorf("after start-up %d, want %d", got, pollGCPercent)
	}

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50) // As the runtime read it at start.
	holdGC()()
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("with GOGC=50, %d after start-up", got)
	}
}
