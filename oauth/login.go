package oauth

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Login signs deskd in to the provider and keeps the refresh token in the token file; it is
// what `deskd oauth login` runs. out gets the instructions for the person at the terminal:
//
//   - flow device (RFC 8628): an address and a code to enter there, from any device; Login
//     waits until the person has signed in, or the code expires;
//   - flow authorization_code (RFC 6749 with PKCE, RFC 7636, and a loopback redirect, RFC 8252):
//     an address to open in a browser. After the sign-in the browser is sent back to deskd on
//     127.0.0.1; when deskd runs on another machine that page cannot load, and the person pastes
//     the address it shows into in (nil: no pasting);
//   - flow client_credentials: nothing to sign in; Login checks that the provider gives the
//     application a token.
//
// A login made for another client ID or provider is replaced. The Status returned is the one
// the token file now gives.
func Login(ctx context.Context, cfg *Config, opt Options, out io.Writer, in io.Reader) (*Status, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	if cfg.Flow == FlowClientCredentials {
		src, err := NewSource(cfg, opt)
		if err != nil {
			return nil, err
		}
		if _, err := src.Token(ctx); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "Flow client_credentials needs no sign-in: the provider gave the application a token for %s.\n", cfg.Username)
		return &Status{Provider: cfg.Provider, Tenant: cfg.Tenant, Flow: cfg.Flow, Username: cfg.Username, Scopes: cfg.Scopes, Expiry: src.appExp, SignedIn: true}, nil
	}

	oc, err := cfg.oauth2Config()
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, opt.HTTPClient)
	var tok *oauth2.Token
	switch cfg.Flow {
	case FlowDevice:
		tok, err = deviceLogin(ctx, cfg, oc, out)
	case FlowAuthorizationCode:
		tok, err = codeLogin(ctx, cfg, oc, out, in)
	}
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		hint := "add offline_access to oauth2.scopes"
		if cfg.Provider == Google {
			hint = "remove deskd from the account's third-party access (myaccount.google.com/permissions) and sign in again"
		}
		return nil, fmt.Errorf("the provider gave no refresh token, so deskd could not stay signed in: %s", hint)
	}

	now := opt.Now()
	st := &stored{
		Provider:     cfg.Provider,
		ClientID:     cfg.ClientID,
		TokenURL:     cfg.Endpoint().TokenURL,
		Account:      accountOf(tok),
		Scopes:       grantedScopes(tok),
		RefreshToken: tok.RefreshToken,
		AccessToken:  tok.AccessToken,
		TokenType:    tok.TokenType,
		Expiry:       expiryOf(tok, now),
		Issued:       now,
		LoginAt:      now,
	}
	unlock, err := lockFile(cfg.TokenFile)
	if err != nil {
		return nil, err
	}
	err = writeStore(cfg.TokenFile, st)
	unlock()
	if err != nil {
		return nil, err
	}
	status := statusOf(cfg, st)
	who := st.Account
	if who == "" {
		who = "an account the provider did not name"
	}
	fmt.Fprintf(out, "Signed in as %s. The refresh token is kept in %s.\n", who, cfg.TokenFile)
	if cfg.Username != "" && st.Account != "" && !strings.EqualFold(cfg.Username, st.Account) {
		fmt.Fprintf(out, "Note: deskd logs in as %s (oauth2.username), not %s: that account needs access to the mailbox.\n", cfg.Username, st.Account)
	}
	if status.Username == "" {
		fmt.Fprintln(out, "Note: the provider did not say which account signed in: set oauth2.username to the mailbox address.")
	}
	return status, nil
}

// deviceLogin runs the device authorization grant (RFC 8628).
func deviceLogin(ctx context.Context, cfg *Config, oc *oauth2.Config, out io.Writer) (*oauth2.Token, error) {
	da, err := oc.DeviceAuth(ctx)
	if err != nil {
		return nil, loginError("start the device login", err)
	}
	fmt.Fprintf(out, "To sign in, open %s in a browser and enter the code %s\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(out, "(or open %s)\n", da.VerificationURIComplete)
	}
	fmt.Fprintf(out, "Sign in as %s.", mailboxWords(cfg))
	if !da.Expiry.IsZero() {
		fmt.Fprintf(out, " Waiting until %s…", da.Expiry.Local().Format("15:04:05"))
	}
	fmt.Fprintln(out)
	tok, err := oc.DeviceAccessToken(ctx, da)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			switch re.ErrorCode {
			case "access_denied":
				return nil, fmt.Errorf("the sign-in was declined (access_denied): %s again", FixLogin)
			case "expired_token":
				return nil, fmt.Errorf("the code expired before the sign-in (expired_token): %s again", FixLogin)
			}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("the code expired before the sign-in: %s again", FixLogin)
		}
		return nil, loginError("device login", err)
	}
	return tok, nil
}

// codeLogin runs the authorization code grant with PKCE and a loopback redirect.
func codeLogin(ctx context.Context, cfg *Config, oc *oauth2.Config, out io.Writer, in io.Reader) (*oauth2.Token, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the browser: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	// Microsoft matches "http://localhost" registrations whatever the port; Google's desktop
	// clients and RFC 8252 section 7.3 prefer the loopback address.
	host := "127.0.0.1"
	if cfg.Provider == Microsoft {
		host = "localhost"
	}
	oc.RedirectURL = fmt.Sprintf("http://%s:%d/", host, port)
	verifier := oauth2.GenerateVerifier()
	state := randomString()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if cfg.Provider == Google {
		// A refresh token comes only with offline access, and only at a consent.
		opts = append(opts, oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent"))
	}
	if cfg.Username != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", cfg.Username))
	}
	authURL := oc.AuthCodeURL(state, opts...)

	type result struct {
		code string
		err  error
	}
	results := make(chan result, 2)
	deliver := func(q url.Values) error {
		var r result
		switch {
		case q.Get("state") != state:
			r.err = errors.New("the answer does not belong to this sign-in (state differs): start again")
		case q.Get("error") != "":
			r.err = fmt.Errorf("the provider refused the sign-in (%s: %s)", q.Get("error"), firstLine(q.Get("error_description")))
		case q.Get("code") == "":
			r.err = errors.New("the answer holds no authorization code")
		default:
			r.code = q.Get("code")
		}
		select {
		case results <- r:
		default:
		}
		return r.err
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("state") == "" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := deliver(r.URL.Query()); err != nil {
				fmt.Fprintf(w, loginPage, "deskd: échec de la connexion", html.EscapeString(err.Error()))
				return
			}
			fmt.Fprintf(w, loginPage, "deskd : connexion réussie, vous pouvez fermer cette page.", "deskd: signed in, you may close this page.")
		}),
	}
	go func() { _ = srv.Serve(l) }()
	defer func() { _ = srv.Close() }()
	if in != nil {
		// The reader may block past the login (a terminal); the goroutine ends with the process.
		go func() {
			sc := bufio.NewScanner(in)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" {
					continue
				}
				u, err := url.Parse(line)
				if err != nil || u.Query().Get("state") == "" {
					fmt.Fprintln(out, "That is not the address the browser ended on; paste the whole address, starting with http://.")
					continue
				}
				if err := deliver(u.Query()); err == nil {
					return
				}
			}
		}()
	}

	fmt.Fprintf(out, "To sign in, open this address in a browser and sign in as %s:\n\n%s\n\n", mailboxWords(cfg), authURL)
	fmt.Fprintf(out, "The browser then goes back to %s. If that page does not load (deskd runs on another machine),\ncopy the address it shows from the browser's address bar and paste it here.\n", oc.RedirectURL)
	var r result
	select {
	case r = <-results:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the sign-in: %w", ctx.Err())
	}
	if r.err != nil {
		return nil, r.err
	}
	tok, err := oc.Exchange(ctx, r.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, loginError("redeem the authorization code", err)
	}
	return tok, nil
}

const loginPage = `<!doctype html><meta charset="utf-8"><title>deskd</title><p>%s</p><p>%s</p>`

// mailboxWords names the account to sign in with.
func mailboxWords(cfg *Config) string {
	if cfg.Username != "" {
		return cfg.Username
	}
	return "the help desk's mailbox"
}

// loginError describes a provider's refusal during a login.
func loginError(what string, err error) error {
	if ae := authError(err); ae != nil {
		if ae.Fix == FixLogin {
			ae.Fix = FixLogin + " again"
		}
		return fmt.Errorf("%s: %w", what, ae)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24).
	return base64.RawURLEncoding.EncodeToString(b)
}

// accountOf names the account a token was issued to: from the ID token when the provider sent
// one (scope openid), else from the access token when it is a JWT (Microsoft's are). The claims
// are read, not verified: they came straight from the token endpoint over TLS, and deskd only
// shows them.
func accountOf(tok *oauth2.Token) string {
	if id, _ := tok.Extra("id_token").(string); id != "" {
		if a := jwtAccount(id); a != "" {
			return a
		}
	}
	return jwtAccount(tok.AccessToken)
}

func jwtAccount(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c map[string]any
	if json.Unmarshal(b, &c) != nil {
		return ""
	}
	for _, k := range []string{"email", "preferred_username", "upn", "unique_name"} {
		if s, ok := c[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}
