package oauthtest

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DovecotBin is where Debian's dovecot-imapd puts Dovecot.
const DovecotBin = "/usr/sbin/dovecot"

// The uid and gid Dovecot's mail processes run as (nobody:nogroup); the Maildirs belong to them.
const mailUID, mailGID = 65534, 65534

// Dovecot is a Dovecot of the test's own whose only passdb is oauth2: IMAP logins are
// AUTHENTICATE XOAUTH2 or OAUTHBEARER, and Dovecot asks the IdP's introspection endpoint
// (RFC 7662, introspection_mode = post) whether each token is active and whose it is.
type Dovecot struct {
	Addr string // The IMAP listener, 127.0.0.1:port.
	Dir  string // Its configuration, state, log and the users' Maildirs.

	cmd  *exec.Cmd
	done chan struct{}
}

const dovecotOAuthConf = `protocols = imap
listen = 127.0.0.1
base_dir = {D}/run
state_dir = {D}/state
log_path = {D}/dovecot.log
info_log_path = {D}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {D}/dovecot-oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home={D}/home/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {PORT}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`

const dovecotOAuth2Ext = `introspection_url = {IDP}/introspect
introspection_mode = post
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`

// StartDovecot runs such a Dovecot until the test ends, with an empty Maildir for each user.
// It skips the test when Dovecot is not installed, or when the test does not run as root
// (Dovecot switches to uid 65534 for mail).
func StartDovecot(tb testing.TB, idp *IdP, users ...string) *Dovecot {
	tb.Helper()
	if _, err := os.Stat(DovecotBin); err != nil {
		tb.Skipf("Dovecot is not installed (%v); apt-get install dovecot-imapd to run this test", err)
	}
	if os.Geteuid() != 0 {
		tb.Skip("this test starts its own Dovecot, which must run as root")
	}
	d := tb.TempDir()
	// t.TempDir's parent is 0700; the mail processes (uid 65534) must reach the Maildirs.
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	for p := d; p != filepath.Dir(p); p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			tb.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			tb.Skipf("%s is not traversable by uid %d (mode %v); set TMPDIR elsewhere", p, mailUID, fi.Mode().Perm())
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	r := strings.NewReplacer("{D}", d, "{PORT}", port, "{IDP}", idp.URL)
	files := map[string]string{"dovecot.conf": dovecotOAuthConf, "dovecot-oauth2.conf.ext": dovecotOAuth2Ext}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(r.Replace(text)), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	dirs := []string{"home"}
	for _, u := range users {
		local, _, _ := strings.Cut(u, "@")
		h := filepath.Join("home", local)
		dirs = append(dirs, h, h+"/Maildir", h+"/Maildir/new", h+"/Maildir/cur", h+"/Maildir/tmp")
	}
	for _, p := range dirs {
		p = filepath.Join(d, p)
		if err := os.Mkdir(p, 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.Chown(p, mailUID, mailGID); err != nil {
			tb.Fatal(err)
		}
	}
	dc := &Dovecot{Addr: addr, Dir: d}
	tb.Cleanup(func() {
		dc.stop()
		if tb.Failed() {
			tb.Logf("dovecot.log:\n%s", dc.Log())
		}
	})
	dc.start(tb)
	return dc
}

// Log returns Dovecot's log so far.
func (dc *Dovecot) Log() string {
	b, _ := os.ReadFile(filepath.Join(dc.Dir, "dovecot.log"))
	return string(b)
}

// start runs Dovecot in the foreground and waits for its IMAP greeting.
func (dc *Dovecot) start(tb testing.TB) {
	tb.Helper()
	var out lockedBuffer
	cmd := exec.Command(DovecotBin, "-F", "-c", filepath.Join(dc.Dir, "dovecot.conf"))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Its children too are ours to kill.
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start dovecot: %v", err)
	}
	dc.cmd, dc.done = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(dc.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-dc.done:
			tb.Fatalf("dovecot exited at start: %v\n%s\n%s", cmd.ProcessState, out.String(), dc.Log())
		default:
		}
		if greeted(dc.Addr) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("dovecot does not greet on %s after 30 s:\n%s\n%s", dc.Addr, out.String(), dc.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills Dovecot and every process of its group.
func (dc *Dovecot) stop() {
	if dc.cmd == nil {
		return
	}
	_ = syscall.Kill(-dc.cmd.Process.Pid, syscall.SIGKILL)
	<-dc.done
}

// greeted reports whether an IMAP server on addr says "* OK".
func greeted(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "* OK")
}

// lockedBuffer is a bytes.Buffer a subprocess writes and the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
