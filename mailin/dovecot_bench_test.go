package mailin

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/internal/dovecottest"
)

// BenchmarkIngestDovecot ingests the mail bench/run.sh delivers (BenchmarkParseGenerated's
// generator, 500 new mails a round, out-of-office replies among them) from a Dovecot of its own,
// as `deskd poll --once` does: the server is another process, so that a profile or an
// instruction count of the test binary is the ingester's (the IMAP client, parsing, the desk),
// but for the round's mail, made and written into the Maildir while the timer is stopped: an
// instruction count (which no timer stops) has about 150k instructions a mail of it, the same
// for every version of the ingester. Skipped without Dovecot or root. The desk grows by a
// round's tickets each round.
//
// Under valgrind the benchmark must not start Dovecot itself (callgrind fails on the signals of
// a child process): $DESKD_BENCH_DOVECOT names the directory of one already running, with the
// configuration startBenchDovecot writes (its file addr holds the listener's host:port) and an
// empty Maildir.
//
//	go test -c -tags sqlite_fts5 ./mailin && GOMAXPROCS=1 valgrind --tool=callgrind \
//	  ./mailin.test -test.run '^$' -test.bench IngestDovecot -test.benchtime 4x   (less 2x)
func BenchmarkIngestDovecot(b *testing.B) {
	dc := startBenchDovecot(b)
	d := newDesk(b, dc.addr, "", 200)
	g := d.ingester()
	ctx := context.Background()
	const perRound = 500
	opened := 0
	b.ReportAllocs() // B/op and allocs/op are a round's: 500 mails.
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		gen := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: fmt.Sprintf("r%d", i),
			Mix: bench.Mix{OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(uint64(i), 2)), Now: time.Now()}
		for j := range perRound {
			dc.deliver(b, gen.Make(j).Raw)
		}
		b.StartTimer()
		st, err := g.Once(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.Fetched != perRound {
			b.Fatalf("round %d: %+v", i, st)
		}
		opened += st.Opened
	}
	b.ReportMetric(float64(opened)/float64(b.N), "opened/round")
}

// benchDovecot is a Dovecot of the benchmark's own, one user helpdesk with the password secret,
// its mail in a Maildir.
type benchDovecot struct {
	addr    string
	maildir string
	seq     int
}

const benchMailID = 65534 // Dovecot's mail processes run as nobody.

func startBenchDovecot(b *testing.B) *benchDovecot {
	b.Helper()
	if d := os.Getenv("DESKD_BENCH_DOVECOT"); d != "" {
		addr, err := os.ReadFile(filepath.Join(d, "addr"))
		if err != nil {
			b.Fatal(err)
		}
		return &benchDovecot{addr: strings.TrimSpace(string(addr)), maildir: filepath.Join(d, "home", "helpdesk", "Maildir")}
	}
	const bin = "/usr/sbin/dovecot"
	if _, err := os.Stat(bin); err != nil || os.Geteuid() != 0 {
		b.Skip("needs Dovecot and root")
	}
	d, err := os.MkdirTemp("", "deskd-dovecot-bench")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := strings.NewReplacer("{D}", d, "{PORT}", port).Replace(dovecottest.Conf)
	if err := os.WriteFile(filepath.Join(d, "dovecot.conf"), []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "passwd"), []byte("helpdesk:{PLAIN}secret\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	dc := &benchDovecot{addr: addr, maildir: filepath.Join(d, "home", "helpdesk", "Maildir")}
	for _, p := range []string{"home", "home/helpdesk", "home/helpdesk/Maildir", "home/helpdesk/Maildir/new", "home/helpdesk/Maildir/cur", "home/helpdesk/Maildir/tmp"} {
		p = filepath.Join(d, p)
		if err := os.Mkdir(p, 0o700); err != nil {
			b.Fatal(err)
		}
		if err := os.Chown(p, benchMailID, benchMailID); err != nil {
			b.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "-F", "-c", filepath.Join(d, "dovecot.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	b.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		_ = os.RemoveAll(d)
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := imapclient.DialInsecure(addr, nil)
		if err == nil {
			err = c.Login("helpdesk", "secret").Wait()
			_ = c.Close()
			if err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("dovecot on %s: %v", addr, err)
		}
	}
	return dc
}

// deliver puts a mail into the Maildir as an MDA does: written in tmp/, renamed into new/.
func (dc *benchDovecot) deliver(b *testing.B, msg []byte) {
	b.Helper()
	dc.seq++
	name := fmt.Sprintf("%d.M%dP%dQ%d.bench", time.Now().Unix(), time.Now().Nanosecond()/1000, os.Getpid(), dc.seq)
	tmp := filepath.Join(dc.maildir, "tmp", name)
	if err := os.WriteFile(tmp, msg, 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.Chown(tmp, benchMailID, benchMailID); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dc.maildir, "new", name)); err != nil {
		b.Fatal(err)
	}
}
