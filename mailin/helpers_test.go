package mailin

import (
	"context"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// corporaRoot returns the folder of the public test corpora: $DESKD_CORPORA, else
// shared/corpora beside the repository (the folder that holds go.mod), so that any clone with
// shared/ next to it finds them.
func corporaRoot() string {
	if root := os.Getenv("DESKD_CORPORA"); root != "" {
		return root
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "..", "shared", "corpora")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "corpora")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "..", "shared", "corpora")
		}
	}
}

// corporaRequired reports whether a missing corpus must fail the test rather than skip it: in
// CI (CI set) or when DESKD_REQUIRE_CORPORA is set, as .ci/run does.
func corporaRequired() bool {
	for _, k := range []string{"DESKD_REQUIRE_CORPORA", "CI"} {
		if v := os.Getenv(k); v != "" && v != "0" && v != "false" {
			return true
		}
	}
	return false
}

// corpusDir returns the directory of a public test corpus. When it is absent the test skips,
// or fails when corpora are required (see corporaRequired).
func corpusDir(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(corporaRoot(), name)
	if _, err := os.Stat(dir); err != nil {
		if corporaRequired() {
			t.Fatalf("corpus %s is required (CI or DESKD_REQUIRE_CORPORA is set) but not available: %v", name, err)
		}
		t.Skipf("corpus %s not available: %v", name, err)
	}
	return dir
}

// running is an Ingester's Run in the background, as `deskd serve` runs it.
type running struct {
	t         testing.TB
	processed chan Stats
	done      chan error
	cancel    context.CancelFunc
}

// startRun starts g.Run, reporting each pass (g.Processed); the test's end stops it.
func startRun(t testing.TB, g *Ingester) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, processed: make(chan Stats, 10), done: make(chan error, 1), cancel: cancel}
	g.Processed = func(s Stats) { r.processed <- s }
	go func() { r.done <- g.Run(ctx) }()
	t.Cleanup(func() {
		if r.cancel != nil {
			r.stop()
		}
	})
	return r
}

// await returns the next pass's figures, failing the test with what did not happen after timeout.
func (r *running) await(what string, timeout time.Duration) Stats {
	r.t.Helper()
	select {
	case s := <-r.processed:
		return s
	case <-time.After(timeout):
		r.t.Fatal(what)
		return Stats{}
	}
}

// stop cancels Run and waits for it to return without an error.
func (r *running) stop() {
	r.t.Helper()
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Error(err)
		}
	case <-time.After(10 * time.Second):
		r.t.Error("Run did not stop")
	}
}

// corpusBodies returns what follows the header (the first blank line) of every file of the
// corpora, the whole file when it has none; it fails the test when the corpora are missing (fewer
// than 1,000 files).
func corpusBodies(t *testing.T) []string {
	t.Helper()
	root := corporaRoot()
	var bodies []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		s := string(raw)
		if _, body, ok := strings.Cut(s, "\n\n"); ok {
			s = body
		} else if _, body, ok := strings.Cut(s, "\r\n\r\n"); ok {
			s = body
		}
		bodies = append(bodies, s)
		return nil
	})
	if len(bodies) < 1000 {
		t.Fatalf("%d files: the corpora are missing (%s)", len(bodies), root)
	}
	return bodies
}
