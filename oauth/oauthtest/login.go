package oauthtest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/deskd/deskd/oauth"
)

var userCodeRE = regexp.MustCompile(`enter the code ([A-Z0-9]{4}-[A-Z0-9]{4})`)

// UserCode finds the user code in what a device login printed ("… and enter the code
// ABCD-EFGH"); "" when there is none yet.
func UserCode(text string) string {
	if m := userCodeRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// DeviceLogin runs the device login of cfg (oauth.Login, flow device) against the IdP and
// approves it as user once the code is printed, as the person at the verification page would.
// It returns what the login printed.
func DeviceLogin(tb testing.TB, idp *IdP, cfg *oauth.Config, user string) string {
	tb.Helper()
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
			if code := UserCode(sc.Text()); code != "" && !done {
				done = true
				approved <- idp.Approve(code, user)
			}
		}
		if !done {
			approved <- io.ErrUnexpectedEOF
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := oauth.Login(ctx, cfg, oauth.Options{Now: idp.Now}, pw, nil)
	_ = pw.Close() // A pipe's Close never fails.
	<-finished
	if aerr := <-approved; aerr != nil {
		tb.Fatalf("approve the device login: %v\noutput:\n%s", aerr, out.String())
	}
	if err != nil {
		tb.Fatalf("login: %v\noutput:\n%s", err, out.String())
	}
	return out.String()
}
