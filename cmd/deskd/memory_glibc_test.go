//go:build linux && cgo

package main

import (
	"context"
	"os"
	"os/exec"
	"slices"
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

// exeFlags returns, for each mapping of this process's executable in /proc/self/smaps, whether
// its VmFlags has "rr" (MADV_RANDOM: no read-ahead).
func exeFlags(t *testing.T) []bool {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var flags []bool
	ours := false
	for _, line := range strings.Split(string(smaps), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			ours = len(fields) == 6 && fields[5] == exe
		case ours && len(fields) > 0 && fields[0] == "VmFlags:":
			flags = append(flags, slices.Contains(fields[1:], "rr"))
		}
	}
	if len(flags) == 0 {
		t.Fatalf("no mapping of %s in /proc/self/smaps", exe)
	}
	return flags
}

// deskd serve reads its binary's pages one by one as it touches them: when the command line says
// serve, every mapping of the executable is advised MADV_RANDOM before Go starts, and serve works
// as before (a request is acknowledged). Other commands keep the kernel's read-ahead. The test
// runs itself again with "serve" on the command line, where the constructor reads it.
func TestServeReadsItsBinaryAsTouched(t *testing.T) {
	if os.Getenv("DESKD_TEST_LAZY_EXE") != "" {
		serveOnLazyExe(t)
		return
	}
	if n := lazyExeMappings(); n != -1 {
		t.Errorf("a test command line: %d mappings advised, want none", n)
	}
	if flags := exeFlags(t); slices.Contains(flags, true) {
		t.Errorf("a test command line: the executable's mappings' MADV_RANDOM %v, want none", flags)
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
	flags := exeFlags(t)
	if n := lazyExeMappings(); n != len(flags) {
		t.Errorf("%d mappings advised, want the executable's %d", n, len(flags))
	}
	if slices.Contains(flags, false) {
		t.Errorf("the executable's mappings' MADV_RANDOM %v, want all", flags)
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
}
