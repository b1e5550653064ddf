package main

import (
	"context"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// mallocArenas is how many glibc malloc arenas deskd serve lets SQLite's threads share. glibc
// gives each thread that finds the arenas busy one of its own, up to eight per core; SQLite runs
// on whichever thread cgo calls it from, so its freed pages end up spread over many arenas that
// each keep them. The bound is set when the program is loaded, before any thread runs, unless
// MALLOC_ARENA_MAX is set (memory_glibc.go, DESKD_MALLOC_ARENAS). On the memory stage of
// bench/run.sh at a desk of 100,000 tickets (300 requests, 70 web pages, escalation and digest
// every 10 s), VmHWM was 51-53 MB with glibc's default (6 arenas there), 49-50 MB with 2 and
// 47 MB with 1; the CPU of the 300 requests did not move (3.1-3.5 s).
const mallocArenas = 1

// trimInterval is how often deskd serve gives back to the system the pages that SQLite freed but
// malloc keeps (malloc_trim). Measured on the same run: of the 10 MB malloc held at the end, 5
// MB were free pages inside the arenas, and the share grew as the run went on. As often, it
// unmaps the binary's pages (releaseExe), which the code it runs faults back in: on the memory
// stage, 13 MB of the binary mapped at the end without it, 7 MB with it, for the same CPU.
const trimInterval = 30 * time.Second

// exeOnDemand says whether deskd serve reads its binary's pages as it touches them and unmaps
// them every trimInterval, unless DESKD_EXE_READAHEAD is set (read at load too: memory_glibc.go).
func exeOnDemand() bool { return os.Getenv("DESKD_EXE_READAHEAD") == "" }

// trimEvery calls trimMalloc, and releaseExe if release, every trimInterval until ctx ends.
func trimEvery(ctx context.Context, release bool) {
	t := time.NewTicker(trimInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			trimMalloc()
			if release {
				_ = releaseExe(false)
			}
		}
	}
}

// limitMemory applies [serve] memory_limit as the Go runtime's soft memory limit, unless the
// GOMEMLIMIT environment variable set one. It is called when serve starts and on every reload.
func limitMemory(s config.Serve, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(s.MemoryLimit)
	if limit == 0 {
		limit = math.MaxInt64 // No limit: the runtime's default.
	}
	if prev := debug.SetMemoryLimit(limit); prev != limit {
		log.Debug("memory limit", "bytes", limit)
	}
}

// serveLimited is serve with the process's memory bounded by [serve]: the serve command's. The
// demo and the tests call serve, in a process that holds their servers too.
func (a *app) serveLimited(ctx context.Context) error {
	a.mu.Lock()
	a.limits = true
	limitMemory(a.cfg.Serve, a.log)
	a.mu.Unlock()
	release := exeOnDemand()
	if release {
		// What start-up touched, and the large folios a read of the binary left in the page
		// cache (google.golang.org/protobuf's detrand samples it at init), go.
		err := releaseExe(true)
		a.log.Debug("the binary's pages are read as touched", "mappings at load", lazyExeMappings(), "release", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go trimEvery(ctx, release)
	return a.serve(ctx)
}
