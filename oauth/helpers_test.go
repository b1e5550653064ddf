package oauth_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

const (
	testClient = "deskd-test"
	mailbox    = "helpdesk@corp.example"
)

// customConfig is a completed configuration for the test IdP.
func customConfig(t *testing.T, idp *oauthtest.IdP, flow string) *oauth.Config {
	t.Helper()
	cfg := &oauth.Config{
		Provider:                    oauth.Custom,
		Flow:                        flow,
		ClientID:                    testClient,
		Scopes:                      []string{"mail", "offline_access", "openid"},
		AuthorizationEndpoint:       idp.URL + "/authorize",
		TokenEndpoint:               idp.URL + "/token",
		DeviceAuthorizationEndpoint: idp.URL + "/device",
	}
	cfg.SetDefaults(t.TempDir(), "/nonexistent")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// logBuffer is a slog handler's output the test reads.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// options are the Source options of a test: the IdP's clock, logs into buf.
func options(idp *oauthtest.IdP, buf *logBuffer) oauth.Options {
	var w io.Writer = io.Discard
	if buf != nil {
		w = buf
	}
	return oauth.Options{
		Log: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: idp.Now,
	}
}

var userCodeRE = regexp.MustCompile(`enter the code ([A-Z0-9]{4}-[A-Z0-9]{4})`)

// deviceLogin runs oauth.Login with the device flow and approves it as user once the code is
// printed, as the person at the browser would.
func deviceLogin(t *testing.T, idp *oauthtest.IdP, cfg *oauth.Config, user string) (*oauth.Status, string) {
	t.Helper()
	pr, pw := io.Pipe()
	var out bytes.Buffer
	approved := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		sc := bufio.NewScanner(pr)
		done := false
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if m := userCodeRE.FindStringSubmatch(sc.Text()); m != nil && !done {
				done = true
				approved <- idp.Approve(m[1], user)
			}
		}
		if !done {
			approved <- io.ErrUnexpectedEOF
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := oauth.Login(ctx, cfg, oauth.Options{Now: idp.Now}, pw, nil)
	pw.Close()
	<-finished
	if aerr := <-approved; aerr != nil {
		t.Fatalf("approve the device login: %v\noutput:\n%s", aerr, out.String())
	}
	if err != nil {
		t.Fatalf("Login: %v\noutput:\n%s", err, out.String())
	}
	return st, out.String()
}

func countLines(s, substr string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}
