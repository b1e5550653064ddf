package oauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/oauth/oauthtest"
)

// TestDeviceLogin: the login prints where to go and the code, waits for the person, and
// keeps the tokens in a 0600 file; the status names the account and shows no secret.
func TestDeviceLogin(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	cfg := customConfig(t, idp, oauth.FlowDevice)
	st, out := deviceLogin(t, idp, cfg, mailbox)
	for _, want := range []string{idp.URL + "/device", "enter the code", "Signed in as " + mailbox, cfg.TokenFile} {
		if !strings.Contains(out, want) {
			t.Errorf("login output lacks %q:\n%s", want, out)
		}
	}
	if st.Account != mailbox || st.Username != mailbox || !st.SignedIn {
		t.Errorf("status %+v, want signed in as %s", st, mailbox)
	}
	fi, err := os.Stat(cfg.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(cfg.TokenFile))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left beside the token file", e.Name())
		}
	}
	file, _ := os.ReadFile(cfg.TokenFile)
	rt := refreshTokenOf(t, file)

	var b strings.Builder
	got, err := oauth.ReadStatus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got.Write(&b, idp.Now())
	text := b.String()
	for _, want := range []string{"account:      " + mailbox, "scopes:       mail offline_access openid", "access token: valid until"} {
		if !strings.Contains(text, want) {
			t.Errorf("status lacks %q:\n%s", want, text)
		}
	}
	src, _ := oauth.NewSource(cfg, options(idp, nil))
	at, _ := src.Token(context.Background())
	if strings.Contains(text, rt) || strings.Contains(text, at) || strings.Contains(out, rt) || strings.Contains(out, at) {
		t.Errorf("a secret is printed:\nlogin:\n%s\nstatus:\n%s", out, text)
	}
	t.Logf("login output:\n%s\nstatus:\n%s", out, text)
}

// TestDeviceLoginDeclined: a declined sign-in says so and writes nothing.
func TestDeviceLoginDeclined(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	cfg := customConfig(t, idp, oauth.FlowDevice)
	pr, pw := io.Pipe()
	go func() {
		buf := make([]byte, 4096)
		var seen string
		for {
			n, err := pr.Read(buf)
			seen += string(buf[:n])
			if m := userCodeRE.FindStringSubmatch(seen); m != nil {
				_ = idp.Deny(m[1])
				_, _ = io.Copy(io.Discard, pr)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	_, err := oauth.Login(context.Background(), cfg, oauth.Options{Now: idp.Now}, pw, nil)
	pw.Close()
	if err == nil || !strings.Contains(err.Error(), "declined") {
		t.Fatalf("Login: %v, want the sign-in declined", err)
	}
	if _, err := os.Stat(cfg.TokenFile); !os.IsNotExist(err) {
		t.Errorf("token file after a declined login: %v", err)
	}
}

// TestCodeLogin: the authorization code flow, with the browser coming back to deskd, and
// with the person pasting the address the browser ended on.
func TestCodeLogin(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	idp.SetSignIn(mailbox)
	for _, paste := range []bool{false, true} {
		name := "browser"
		if paste {
			name = "paste"
		}
		t.Run(name, func(t *testing.T) {
			cfg := customConfig(t, idp, oauth.FlowAuthorizationCode)
			outR, outW := io.Pipe()
			inR, inW := io.Pipe()
			browsed := make(chan error, 1)
			go func() {
				defer func() { _, _ = io.Copy(io.Discard, outR) }()
				buf := make([]byte, 8192)
				var seen string
				for {
					n, err := outR.Read(buf)
					seen += string(buf[:n])
					if i := strings.Index(seen, idp.URL+"/authorize?"); i >= 0 && strings.Contains(seen[i:], "\n") {
						u := seen[i : i+strings.Index(seen[i:], "\n")]
						browsed <- browse(u, inW, paste)
						return
					}
					if err != nil {
						browsed <- err
						return
					}
				}
			}()
			st, err := oauth.Login(context.Background(), cfg, oauth.Options{Now: idp.Now}, outW, inR)
			outW.Close()
			if berr := <-browsed; berr != nil {
				t.Fatalf("browser: %v", berr)
			}
			inW.Close()
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if st.Account != mailbox {
				t.Errorf("signed in as %q, want %s", st.Account, mailbox)
			}
		})
	}
	t.Run("declined", func(t *testing.T) {
		idp.SetSignIn("")
		cfg := customConfig(t, idp, oauth.FlowAuthorizationCode)
		outR, outW := io.Pipe()
		go func() {
			buf := make([]byte, 8192)
			var seen string
			for {
				n, err := outR.Read(buf)
				seen += string(buf[:n])
				if i := strings.Index(seen, idp.URL+"/authorize?"); i >= 0 && strings.Contains(seen[i:], "\n") {
					_ = browse(seen[i:i+strings.Index(seen[i:], "\n")], nil, false)
					_, _ = io.Copy(io.Discard, outR)
					return
				}
				if err != nil {
					return
				}
			}
		}()
		_, err := oauth.Login(context.Background(), cfg, oauth.Options{Now: idp.Now}, outW, nil)
		outW.Close()
		if err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Errorf("Login: %v, want access_denied", err)
		}
	})
}

// browse plays the browser: it opens the address; it follows the redirect back to deskd, or
// pastes the address it was sent to.
func browse(u string, paste io.Writer, doPaste bool) error {
	c := &http.Client{Timeout: 10 * time.Second}
	if doPaste {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if doPaste {
		_, err = io.WriteString(paste, "\n  not an address\n"+resp.Header.Get("Location")+"\n")
	}
	return err
}

// TestRefresh: the token is handed out while fresh, refreshed within the margin, and the
// rotated refresh token replaces the old one on disk; the old one is then dead.
func TestRefresh(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	idp.SetLifetimes(time.Hour, 24*time.Hour)
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	src, _ := oauth.NewSource(cfg, options(idp, nil))
	ctx := context.Background()

	t1, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idp.Advance(54 * time.Minute) // 6 minutes left: more than the 5-minute margin.
	if t2, _ := src.Token(ctx); t2 != t1 || idp.Count(oauthtest.GrantRefreshToken) != 0 {
		t.Fatalf("token changed or refreshed with 6 minutes left")
	}
	file1, _ := os.ReadFile(cfg.TokenFile)
	idp.Advance(2 * time.Minute) // 4 minutes left.
	t3, err := src.Token(ctx)
	if err != nil || t3 == t1 || idp.Count(oauthtest.GrantRefreshToken) != 1 {
		t.Fatalf("4 minutes before expiry: token %v new, err %v, %d refreshes; want a new token from one refresh",
			t3 != t1, err, idp.Count(oauthtest.GrantRefreshToken))
	}
	if _, _, ok := idp.Active(t3); !ok {
		t.Error("the refreshed token is not active")
	}
	file2, _ := os.ReadFile(cfg.TokenFile)
	if refreshTokenOf(t, file1) == refreshTokenOf(t, file2) {
		t.Fatal("rotated refresh token not written")
	}

	// Without rotation the refresh token stays, and the file keeps it.
	idp.SetRotation(false)
	idp.Advance(time.Hour)
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	file3, _ := os.ReadFile(cfg.TokenFile)
	if refreshTokenOf(t, file3) != refreshTokenOf(t, file2) {
		t.Error("refresh token changed although the provider sent none")
	}
}

// TestShortLifetimes: with tokens of a few seconds the margin is a quarter of the lifetime,
// not five minutes (which would refresh at every call).
func TestShortLifetimes(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	idp.SetLifetimes(8*time.Second, time.Minute)
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	src, _ := oauth.NewSource(cfg, options(idp, nil))
	ctx := context.Background()
	t1, _ := src.Token(ctx)
	idp.Advance(5 * time.Second)
	if t2, _ := src.Token(ctx); t2 != t1 {
		t.Error("refreshed with 3 of 8 seconds left; the margin is 2")
	}
	idp.Advance(2 * time.Second)
	if t3, _ := src.Token(ctx); t3 == t1 {
		t.Error("not refreshed with 1 of 8 seconds left")
	}
}

// TestConcurrentRefresh: IMAP and SMTP (here 16 goroutines) and a second process (a second
// Source on the same file) asking at once after expiry cause one refresh, and all get the
// same new token.
func TestConcurrentRefresh(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	a, _ := oauth.NewSource(cfg, options(idp, nil))
	b, _ := oauth.NewSource(cfg, options(idp, nil))
	idp.Advance(2 * time.Hour)
	var wg sync.WaitGroup
	tokens := make([]string, 16)
	errs := make([]error, 16)
	for i := range tokens {
		src := a
		if i%2 == 1 {
			src = b
		}
		wg.Go(func() { tokens[i], errs[i] = src.Token(context.Background()) })
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] {
			t.Fatalf("caller %d: token %q, err %v; want all the same token", i, tokens[i], errs[i])
		}
	}
	if n := idp.Count(oauthtest.GrantRefreshToken); n != 1 {
		t.Errorf("%d refreshes, want 1 (a rotated refresh token spent twice revokes the login)", n)
	}
}

// TestRefused: a refused token is replaced at the next call, once.
func TestRefused(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	src, _ := oauth.NewSource(cfg, options(idp, nil))
	ctx := context.Background()
	t1, _ := src.Token(ctx)
	src.Refused(t1)
	t2, err := src.Token(ctx)
	if err != nil || t2 == t1 {
		t.Fatalf("after Refused: %v, same token %v", err, t2 == t1)
	}
	src.Refused(t1) // Late news about the old token.
	if t3, _ := src.Token(ctx); t3 != t2 || idp.Count(oauthtest.GrantRefreshToken) != 1 {
		t.Errorf("a refusal of an old token caused a refresh")
	}
}

// TestLoginRequired: no login yet, and a revoked one, are errors naming the fix; the revoked
// one is logged once and the provider not asked again until a new login.
func TestLoginRequired(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	cfg := customConfig(t, idp, oauth.FlowDevice)
	var logs logBuffer
	src, _ := oauth.NewSource(cfg, options(idp, &logs))
	ctx := context.Background()
	_, err := src.Token(ctx)
	if !errors.Is(err, oauth.ErrLoginRequired) || !strings.Contains(err.Error(), "run deskd oauth login") {
		t.Fatalf("before any login: %v", err)
	}
	if src.Username() != "" {
		t.Errorf("Username before login: %q", src.Username())
	}
	deviceLogin(t, idp, cfg, mailbox)
	if src.Username() != mailbox {
		t.Errorf("Username after login: %q, want %s", src.Username(), mailbox)
	}
	if _, err := src.Token(ctx); err != nil {
		t.Fatalf("after login: %v", err)
	}
	idp.RevokeUser(mailbox)
	idp.Advance(2 * time.Hour)
	for range 5 {
		_, err = src.Token(ctx)
	}
	var ae *oauth.AuthError
	if !errors.As(err, &ae) || ae.Code != "invalid_grant" || !errors.Is(err, oauth.ErrLoginRequired) {
		t.Fatalf("after revocation: %v", err)
	}
	if n := idp.Count(oauthtest.GrantRefreshToken); n != 0 {
		t.Errorf("%d successful refreshes after revocation", n)
	}
	if n := countLines(logs.String(), "oauth2 needs a person"); n != 2 { // Not signed in, then revoked.
		t.Errorf("%d log lines, want 2 (one per distinct refusal):\n%s", n, logs.String())
	}
	st, _ := oauth.ReadStatus(cfg)
	var b strings.Builder
	st.Write(&b, idp.Now())
	if !strings.Contains(b.String(), "expired") {
		t.Errorf("status after revocation does not say the access token expired:\n%s", b.String())
	}
}

// TestConfigChanged: a token file made for another client is not used.
func TestConfigChanged(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient(testClient, "", "")
	idp.AddClient("other", "", "")
	cfg := customConfig(t, idp, oauth.FlowDevice)
	deviceLogin(t, idp, cfg, mailbox)
	other := *cfg
	other.ClientID = "other"
	src, _ := oauth.NewSource(&other, options(idp, nil))
	if _, err := src.Token(context.Background()); !errors.Is(err, oauth.ErrLoginRequired) || !strings.Contains(err.Error(), "another configuration") {
		t.Errorf("token file of another client: %v", err)
	}
}

// TestClientCredentials: the application's own token, kept in memory and renewed before it
// expires; a wrong secret is an error naming the fix, logged once.
func TestClientCredentials(t *testing.T) {
	idp := oauthtest.Start(t)
	idp.AddClient("app", "s3cret", mailbox)
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &oauth.Config{Provider: oauth.Custom, Flow: oauth.FlowClientCredentials, ClientID: "app", ClientSecretFile: secret,
		Username: mailbox, Scopes: []string{"https://outlook.office365.com/.default"}, TokenEndpoint: idp.URL + "/token"}
	cfg.SetDefaults(dir, dir)
	var logs logBuffer
	src, err := oauth.NewSource(cfg, options(idp, &logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t1, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u, _, ok := idp.Active(t1); !ok || u != mailbox || src.Username() != mailbox {
		t.Errorf("app token for %q (active %v), Username %q; want %s", u, ok, src.Username(), mailbox)
	}
	if t2, _ := src.Token(ctx); t2 != t1 {
		t.Error("a fresh app token was not reused")
	}
	idp.Advance(58 * time.Minute)
	if t3, _ := src.Token(ctx); t3 == t1 {
		t.Error("app token not renewed 2 minutes before expiry")
	}
	var out strings.Builder
	if _, err := oauth.Login(ctx, cfg, options(idp, nil), &out, nil); err != nil || !strings.Contains(out.String(), "needs no sign-in") {
		t.Errorf("Login with client credentials: %v\n%s", err, out.String())
	}

	if err := os.WriteFile(secret, []byte("wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad, _ := oauth.NewSource(cfg, options(idp, &logs))
	for range 3 {
		_, err = bad.Token(ctx)
	}
	var ae *oauth.AuthError
	if !errors.As(err, &ae) || ae.Code != "invalid_client" || !strings.Contains(err.Error(), "client_secret_file") || errors.Is(err, oauth.ErrLoginRequired) {
		t.Errorf("wrong secret: %v", err)
	}
	if n := countLines(logs.String(), "oauth2 needs a person"); n != 1 {
		t.Errorf("%d log lines for the wrong secret, want 1:\n%s", n, logs.String())
	}
}
