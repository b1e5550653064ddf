package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// servedApp is deskd built on the embedded mail world, ready to serve, with its log kept.
func servedApp(t *testing.T) (*app, *syncWriter) {
	t.Helper()
	a, logs, _ := servedWorld(t)
	return a, logs
}

// servedWorld is servedApp, and the world it runs on.
func servedWorld(t *testing.T) (*app, *syncWriter, *world) {
	t.Helper()
	return servedWorldWith(t, func(text string) string { return text })
}

// servedWorldWith is servedWorld with its configuration's text changed by edit first.
func servedWorldWith(t *testing.T, edit func(text string) string) (*app, *syncWriter, *world) {
	t.Helper()
	w, err := startWorld(desk, "pw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close() })
	text := onTestDatabase(t, config.Local(config.Sample(), w.IMAPAddr, w.Password, w.SMTPAddr))
	text = config.SetKey(text, "imap", "poll_interval", `"1s"`)
	// These tests send many requests alike: no incident should gather them.
	text = config.SetKey(text, "incidents", "detect", "false")
	text = edit(text)
	path := filepath.Join(t.TempDir(), "deskd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncWriter{w: &bytes.Buffer{}}
	a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)), serving)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a, logs, w
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// fakeSystemd is a notify socket as systemd listens on it.
type fakeSystemd struct {
	conn *net.UnixConn
	msgs chan string
}

func newFakeSystemd(t *testing.T, name string) *fakeSystemd {
	t.Helper()
	addr := name
	if strings.HasPrefix(name, "@") {
		addr = "\x00" + name[1:]
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSystemd{conn: conn, msgs: make(chan string, 100)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(f.msgs)
				return
			}
			f.msgs <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { _ = conn.Close() })
	return f
}

// next returns the next message other than a watchdog ping, and how many pings came before it.
func (f *fakeSystemd) next(t *testing.T) (msg string, pings int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-f.msgs:
			if m == "WATCHDOG=1\n" {
				pings++
				continue
			}
			return m, pings
		case <-timeout:
			t.Fatalf("no message from deskd in 10 s (%d watchdog pings)", pings)
		}
	}
}

// TestServeTellsSystemd: under Type=notify, deskd serve says READY=1 once serving, pings the
// watchdog at half its interval, wraps a reload in RELOADING=1 (with the monotonic time it began)
// and READY=1, and says STOPPING=1 on its way out, which is a clean one.
func TestServeTellsSystemd(t *testing.T) {
	a, _ := servedApp(t)
	sock := filepath.Join(t.TempDir(), "notify")
	fake := newFakeSystemd(t, sock)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	sd := systemdFromEnv()
	if sd.socket != sock || sd.watchdog != 200*time.Millisecond {
		t.Fatalf("read from the environment: %+v", sd)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reload := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- a.serveWith(ctx, reload, sd) }()

	if m, _ := fake.next(t); m != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("first message %q, want READY=1", m)
	}
	// Pings every 100 ms: five in well under 10 s.
	for n := 0; n < 5; {
		select {
		case m := <-fake.msgs:
			if m != "WATCHDOG=1\n" {
				t.Fatalf("message %q while idle, want WATCHDOG=1", m)
			}
			n++
		case <-time.After(5 * time.Second):
			t.Fatalf("%d watchdog pings in 5 s, want one every 100 ms", n)
		}
	}

	before, _ := monotonicUsec()
	reload <- syscall.SIGHUP
	m, _ := fake.next(t)
	after, _ := monotonicUsec()
	fields := strings.Split(strings.TrimSpace(m), "\n")
	if len(fields) != 2 || fields[0] != "RELOADING=1" || !strings.HasPrefix(fields[1], "MONOTONIC_USEC=") {
		t.Fatalf("reload began with %q, want RELOADING=1 and MONOTONIC_USEC", m)
	}
	usec, err := strconv.ParseUint(strings.TrimPrefix(fields[1], "MONOTONIC_USEC="), 10, 64)
	if err != nil || usec < before || usec > after {
		t.Fatalf("MONOTONIC_USEC %s not between %d and %d (CLOCK_MONOTONIC around the reload)", fields[1], before, after)
	}
	if m, _ := fake.next(t); m != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("reload ended with %q, want READY=1", m)
	}

	// A reload that fails still ends with READY=1, and says so in STATUS.
	if err := os.WriteFile(a.config().Path, []byte("[bogus]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	reload <- syscall.SIGHUP
	if m, _ := fake.next(t); !strings.HasPrefix(m, "RELOADING=1\n") {
		t.Fatalf("second reload began with %q", m)
	}
	if m, _ := fake.next(t); !strings.HasPrefix(m, "READY=1\nSTATUS=serving; reload failed") {
		t.Fatalf("a failed reload ended with %q, want READY=1 and a status that says it failed", m)
	}

	cancel()
	if m, _ := fake.next(t); m != "STOPPING=1\n" {
		t.Fatalf("on SIGTERM %q, want STOPPING=1", m)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v, want a clean stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestSystemdEnvironment: an abstract socket ("@name") works; a watchdog meant for another
// process (WATCHDOG_PID) is not ours; outside systemd nothing is sent and nothing fails.
func TestSystemdEnvironment(t *testing.T) {
	name := "@deskd-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	fake := newFakeSystemd(t, name)
	t.Setenv("NOTIFY_SOCKET", name)
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", "1")
	sd := systemdFromEnv()
	if sd.watchdog != 0 {
		t.Fatalf("watchdog %v for another process", sd.watchdog)
	}
	if err := sd.notify("READY=1"); err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.next(t); m != "READY=1\n" {
		t.Fatalf("got %q", m)
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if err := systemdFromEnv().notify("READY=1"); err != nil {
		t.Fatalf("outside systemd: %v", err)
	}
}

// TestServeExitsWhenALoopDies: when the ingest loop dies for good (here it panics), deskd serve
// stops everything and returns the error, so that the process exits non-zero and systemd's
// Restart=on-failure starts it again; the watchdog is no longer fed.
func TestServeExitsWhenALoopDies(t *testing.T) {
	a, logs := servedApp(t)
	sock := filepath.Join(t.TempDir(), "notify")
	fake := newFakeSystemd(t, sock)
	dial := make(chan struct{})
	a.in.Dial = func(*imapclient.Options) (*imapclient.Client, error) {
		<-dial
		panic("the ingester met a bug")
	}
	done := make(chan error, 1)
	go func() {
		done <- a.serveWith(context.Background(), nil, &systemd{socket: sock, watchdog: 100 * time.Millisecond})
	}()
	if m, _ := fake.next(t); m != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("first message %q", m)
	}
	close(dial)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "ingest stopped: panic: the ingester met a bug") {
			t.Fatalf("serve returned %v, want the ingester's death", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve still running 10 s after the ingester died; log:\n%s", logs.String())
	}
	if m, _ := fake.next(t); m != "STOPPING=1\n" {
		t.Fatalf("on the way out %q, want STOPPING=1", m)
	}
	select {
	case m := <-fake.msgs:
		t.Fatalf("%q after STOPPING=1", m)
	case <-time.After(300 * time.Millisecond):
	}
	if !strings.Contains(logs.String(), "stack=") {
		t.Errorf("the panic's stack is not in the log:\n%s", logs.String())
	}
}
