//go:build linux && cgo

package main

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The malloc arenas are bounded for deskd serve only, found on the command line as main reads it.
func TestIsServeLine(t *testing.T) {
	for _, tt := range []struct {
		argv []string
		want bool
	}{
		{[]string{"deskd", "serve"}, true},
		{[]string{"deskd", "serve", "--config", "/etc/deskd.toml"}, true},
		{[]string{"deskd", "--config", "serve.toml", "serve"}, true},
		{[]string{"deskd", "--config=/etc/deskd.toml", "-v", "serve"}, true},
		{[]string{"deskd", "--config", "serve"}, false}, // "serve" is the file.
		{[]string{"deskd", "poll", "--once"}, false},
		{[]string{"deskd", "ticket", "show", "serve"}, false},
		{[]string{"deskd"}, false},
	} {
		if got := isServeLine(tt.argv...); got != tt.want {
			t.Errorf("%q: serve %v, want %v", tt.argv, got, tt.want)
		}
	}
}

// exeMapped is a mapping of the test's executable, as /proc/self/smaps lists it.
type exeMapped struct {
	perms string
	rss   int  // kB resident.
	rr    bool // VmFlags rr: MADV_RANDOM, no read-ahead.
}

// exeSmaps lists the mappings of this process's executable in /proc/self/smaps.
func exeSmaps(t *testing.T) []exeMapped {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var maps []exeMapped
	var cur *exeMapped
	for _, line := range strings.Split(string(smaps), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && !strings.HasSuffix(fields[0], ":"):
			cur = nil
			if len(fields) == 6 && fields[5] == exe {
				maps = append(maps, exeMapped{perms: fields[1]})
				cur = &maps[len(maps)-1]
			}
		case cur != nil && len(fields) >= 2 && fields[0] == "Rss:":
			cur.rss, _ = strconv.Atoi(fields[1])
		case cur != nil && fields[0] == "VmFlags:":
			cur.rr = slices.Contains(fields[1:], "rr")
		}
	}
	if len(maps) == 0 {
		t.Fatalf("no mapping of %s in /proc/self/smaps", exe)
	}
	return maps
}

// codeRSS is the resident kB of the executable's code (its r-xp mapping).
func codeRSS(t *testing.T) int {
	t.Helper()
	for _, m := range exeSmaps(t) {
		if m.perms == "r-xp" {
			return m.rss
		}
	}
	t.Fatal("no r-xp mapping of the executable")
	return 0
}

// deskd serve reads its binary's pages one by one as it touches them: when the command line says
// serve, every mapping of the executable is advised MADV_RANDOM before Go starts; serve unmaps
// the binary's pages at start and every trimInterval, and works as before (a request is
// acknowledged). Other commands keep the kernel's read-ahead. The test runs itself again with
// "serve" on the command line, where the constructor reads it.
func TestServeReadsItsBinaryAsTouched(t *testing.T) {
	if os.Getenv("DESKD_TEST_LAZY_EXE") != "" {
		serveOnLazyExe(t)
		return
	}
	if n := lazyExeMappings(); n != -1 {
		t.Errorf("a test command line: %d mappings advised, want none", n)
	}
	for _, m := range exeSmaps(t) {
		if m.rr {
			t.Errorf("a test command line: the executable's %s mapping has MADV_RANDOM, want none", m.perms)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeReadsItsBinaryAsTouched$", "-test.count=1", "-test.v", "serve")
	cmd.Env = append(os.Environ(), "DESKD_TEST_LAZY_EXE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestServeReadsItsBinaryAsTouched") {
		t.Fatalf("with serve on the command line: %v\n%s", err, out)
	}
}

// serveOnLazyExe is the child of TestServeReadsItsBinaryAsTouched.
func serveOnLazyExe(t *testing.T) {
	maps := exeSmaps(t)
	if n := lazyExeMappings(); n != len(maps) {
		t.Errorf("%d mappings advised, want the executable's %d", n, len(maps))
	}
	for _, m := range maps {
		if !m.rr {
			t.Errorf("the executable's %s mapping has no MADV_RANDOM", m.perms)
		}
	}
	a, logs, w := servedWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serveLimited(ctx) }()
	from := "paul.durand@corp.example"
	if err := w.deliver(from, desk, requestMail(from, "Imprimante en panne", "L'imprimante du 2e ne répond plus.")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the acknowledgement", func() bool { return len(w.received(from)) == 1 }, logs.String)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}

	// What serve touched is unmapped, and faulted back in as the test's own code runs.
	before := codeRSS(t)
	if err := releaseExe(false); err != nil {
		t.Fatal(err)
	}
	after := codeRSS(t)
	if after > before/2 {
		t.Errorf("the code's resident pages %d kB after releaseExe, %d kB before", after, before)
	}
	t.Logf("the code's resident pages: %d kB, %d kB after releaseExe", before, after)
}
