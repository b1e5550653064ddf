package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// FixLogin is what a person must do when the refresh token is gone, revoked or expired.
const FixLogin = "run deskd oauth login"

// ErrLoginRequired is matched (errors.Is) by an *AuthError that only a new login cures: no
// token file yet, or the provider refused the refresh token (invalid_grant).
var ErrLoginRequired = errors.New("oauth2 login required")

// AuthError is a refusal that retrying cannot cure: a person must act, and Fix says how. The
// Source logs it once, when it first happens, not at each attempt.
type AuthError struct {
	Code        string // The OAuth error code (invalid_grant, invalid_client…), or no_login.
	Description string // The provider's words, first line only (Microsoft's start with an AADSTS code).
	Fix         string // What to do, for example FixLogin.
}

func (e *AuthError) Error() string {
	what := "oauth2 token refused"
	switch e.Code {
	case "no_login":
		what = "oauth2 not signed in"
	case "invalid_grant":
		what = "oauth2 refresh token expired or revoked"
	case "config_changed":
		what = "oauth2 login was made for another configuration"
	case "invalid_client":
		what = "oauth2 client refused"
	}
	if e.Description != "" {
		return fmt.Sprintf("%s (%s: %s): %s", what, e.Code, e.Description, e.Fix)
	}
	return fmt.Sprintf("%s (%s): %s", what, e.Code, e.Fix)
}

// Is makes errors.Is(err, ErrLoginRequired) true when the login is missing or refused.
func (e *AuthError) Is(target error) bool {
	return target == ErrLoginRequired && (e.Code == "no_login" || e.Code == "invalid_grant" || e.Code == "config_changed")
}

// Options are the parts of a Source, a Login or a Status that tests replace.
type Options struct {
	Log        *slog.Logger     // Default slog.Default().
	HTTPClient *http.Client     // Default a client with a 30-second timeout.
	Now        func() time.Time // Default time.Now.
	// Margin: an access token is refreshed this long before it expires, or a quarter of its
	// lifetime before if that is shorter. Default 5 minutes.
	Margin time.Duration
}

func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Margin <= 0 {
		o.Margin = 5 * time.Minute
	}
	return o
}

// appRetry is how long a Source with the client credentials flow waits, after the provider
// refused the client, before it asks again (the secret file may have been replaced meanwhile).
const appRetry = time.Minute

// Source gives the access tokens deskd logs in to IMAP and SMTP with. It refreshes them
// before they expire, persists the refresh tokens the provider rotates, and is safe for
// concurrent use: IMAP and SMTP share one Source, and a refresh happens once for both.
// Several processes may share a token file: a refresh holds a lock on it.
type Source struct {
	cfg Config
	opt Options

	sem chan struct{} // Held by the Token call at work: one refresh at a time.

	// Guarded by sem.
	refused string        // An access token a server refused: the next Token refreshes.
	app     *oauth2.Token // Client credentials flow: the current token,
	appExp  time.Time     // when it expires
	appIss  time.Time     // and when it was issued.
	fail    *AuthError    // The last refusal that needs a person, logged once.
	failKey string        // The refresh token fail was for: fail stands while the file holds it.
	failAt  time.Time
}

// NewSource returns the token source of a configuration completed and validated.
func NewSource(cfg *Config, opt Options) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Source{cfg: *cfg, opt: opt.withDefaults(), sem: make(chan struct{}, 1)}, nil
}

// Username is the mailbox to log in as: oauth2.username, or else the account signed in with.
func (s *Source) Username() string {
	if s.cfg.Username != "" {
		return s.cfg.Username
	}
	if st, err := readStore(s.cfg.TokenFile); err == nil {
		return st.Account
	}
	return ""
}

// Refused tells the Source that a server refused this access token: the next Token call gets
// a new one instead of handing it out again until it expires.
func (s *Source) Refused(token string) {
	s.sem <- struct{}{}
	s.refused = token
	<-s.sem
}

// Token returns a valid access token, refreshed if it expires within the margin or was
// refused. An error that only a person can cure is an *AuthError (errors.Is(err,
// ErrLoginRequired) when the fix is a new login); until the token file changes, later calls
// return it again without asking the provider. Other errors (network, provider down) are
// worth retrying.
func (s *Source) Token(ctx context.Context) (string, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.sem }()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.opt.HTTPClient)
	if s.cfg.Flow == FlowClientCredentials {
		return s.appToken(ctx)
	}
	return s.userToken(ctx)
}

// fresh reports whether an access token may still be handed out.
func (s *Source) fresh(token string, expiry, issued time.Time) bool {
	if token == "" || token == s.refused {
		return false
	}
	if expiry.IsZero() {
		return true // The provider gave no lifetime.
	}
	margin := s.opt.Margin
	if !issued.IsZero() {
		if q := expiry.Sub(issued) / 4; q < margin {
			margin = q
		}
	}
	return s.opt.Now().Before(expiry.Add(-margin))
}

// userToken serves the flows with a refresh token: the token file is read at each call, so a
// new login or another process's refresh is seen at once.
func (s *Source) userToken(ctx context.Context) (string, error) {
	path := s.cfg.TokenFile
	st, err := s.load()
	if err != nil {
		return "", err
	}
	if s.fresh(st.AccessToken, st.Expiry, st.Issued) {
		s.recovered()
		return st.AccessToken, nil
	}

	unlock, err := lockFile(path)
	if err != nil {
		return "", err
	}
	defer unlock()
	if st, err = s.load(); err != nil { // Another process may have refreshed meanwhile.
		return "", err
	}
	if s.fresh(st.AccessToken, st.Expiry, st.Issued) {
		s.recovered()
		return st.AccessToken, nil
	}

	tok, err := s.refresh(ctx, st.RefreshToken)
	if err != nil {
		if ae := authError(err); ae != nil {
			return "", s.failed(ae, st.RefreshToken)
		}
		return "", fmt.Errorf("refresh oauth2 token: %w", err)
	}
	now := s.opt.Now()
	if tok.RefreshToken != "" && tok.RefreshToken != st.RefreshToken {
		st.RefreshToken = tok.RefreshToken
		st.Rotations++
	}
	st.AccessToken, st.TokenType = tok.AccessToken, tok.TokenType
	st.Expiry, st.Issued, st.RefreshedAt = expiryOf(tok, now), now, now
	if sc := grantedScopes(tok); len(sc) > 0 {
		st.Scopes = sc
	}
	if err := writeStore(path, st); err != nil {
		// With rotation the old refresh token may be dead already: this login is lost.
		return "", fmt.Errorf("keep refreshed oauth2 token (a later refresh may need %s): %w", FixLogin, err)
	}
	s.opt.Log.Debug("oauth2 token refreshed", "expiry", st.Expiry.Format(time.RFC3339), "rotated", tok.RefreshToken != "")
	s.recovered()
	return st.AccessToken, nil
}

// load reads the token file and checks it belongs to this configuration; a refusal recorded
// for the refresh token it holds is returned as is.
func (s *Source) load() (*stored, error) {
	st, err := readStore(s.cfg.TokenFile)
	if errors.Is(err, errNoToken) {
		return nil, s.failed(&AuthError{Code: "no_login", Description: "no token file " + s.cfg.TokenFile, Fix: FixLogin}, "")
	}
	if err != nil {
		return nil, err
	}
	if st.ClientID != s.cfg.ClientID || st.TokenURL != s.cfg.Endpoint().TokenURL {
		return nil, s.failed(&AuthError{Code: "config_changed", Description: "client_id or provider differ from the token file's", Fix: FixLogin}, st.RefreshToken)
	}
	if s.fail != nil && s.failKey == st.RefreshToken {
		return nil, s.fail
	}
	return st, nil
}

// refresh spends a refresh token. golang.org/x/oauth2 refreshes without the scope parameter,
// which Microsoft recommends sending (without it some of its resources issue tokens with fewer
// scopes), so the request is made through the clientcredentials package, whose grant_type may be
// overridden "to allow interoperability": grant_type=refresh_token, refresh_token, scope.
func (s *Source) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	secret, err := s.cfg.clientSecret()
	if err != nil {
		return nil, err
	}
	e := s.cfg.Endpoint()
	cc := &clientcredentials.Config{
		ClientID:     s.cfg.ClientID,
		ClientSecret: secret,
		TokenURL:     e.TokenURL,
		Scopes:       s.cfg.Scopes,
		AuthStyle:    e.AuthStyle,
		EndpointParams: map[string][]string{
			"grant_type":    {"refresh_token"},
			"refresh_token": {refreshToken},
		},
	}
	return cc.Token(ctx)
}

// appToken serves the client credentials flow: the token lives in memory only.
func (s *Source) appToken(ctx context.Context) (string, error) {
	if s.app != nil && s.fresh(s.app.AccessToken, s.appExp, s.appIss) {
		return s.app.AccessToken, nil
	}
	now := s.opt.Now()
	if s.fail != nil && now.Sub(s.failAt) < appRetry {
		return "", s.fail
	}
	secret, err := s.cfg.clientSecret()
	if err != nil {
		return "", err
	}
	e := s.cfg.Endpoint()
	cc := &clientcredentials.Config{ClientID: s.cfg.ClientID, ClientSecret: secret, TokenURL: e.TokenURL, Scopes: s.cfg.Scopes, AuthStyle: e.AuthStyle}
	tok, err := cc.Token(ctx)
	if err != nil {
		if ae := authError(err); ae != nil {
			return "", s.failed(ae, "")
		}
		return "", fmt.Errorf("get oauth2 token: %w", err)
	}
	s.app, s.appExp, s.appIss = tok, expiryOf(tok, now), now
	s.recovered()
	return tok.AccessToken, nil
}

// failed records a refusal that needs a person and logs it if it is new.
func (s *Source) failed(e *AuthError, key string) *AuthError {
	if s.fail == nil || s.fail.Error() != e.Error() || s.failKey != key {
		s.opt.Log.Error("oauth2 needs a person", "err", e.Error())
	}
	s.fail, s.failKey, s.failAt = e, key, s.opt.Now()
	return e
}

// recovered clears a recorded refusal once tokens flow again.
func (s *Source) recovered() {
	if s.fail != nil {
		s.opt.Log.Info("oauth2 tokens flow again", "after", s.fail.Code)
		s.fail, s.failKey = nil, ""
	}
}

// authError turns the provider's refusals that retrying cannot cure into an *AuthError; it
// returns nil for errors worth retrying (network, 5xx, 429).
func authError(err error) *AuthError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode == "" {
		return nil
	}
	if re.Response != nil && re.Response.StatusCode != http.StatusBadRequest && re.Response.StatusCode != http.StatusUnauthorized {
		return nil
	}
	e := &AuthError{Code: re.ErrorCode, Description: firstLine(re.ErrorDescription)}
	e.Fix = fixFor(e.Code, e.Description)
	return e
}

// microsoftFixes are the fixes of the Microsoft identity platform's errors that a skipped setup
// step causes (its descriptions start with the AADSTS code).
var microsoftFixes = map[string]string{
	"AADSTS7000218": "in the app registration, set Authentication, Allow public client flows to Yes",
	"AADSTS65001":   "grant admin consent to the app registration's API permissions, then " + FixLogin,
	"AADSTS700016":  "check oauth2.client_id and oauth2.tenant: the app registration is not in that directory",
	"AADSTS7000215": "put the client secret's Value (not its Secret ID) in oauth2.client_secret_file",
	"AADSTS7000222": "the client secret has expired: make a new one and put it in oauth2.client_secret_file",
	"AADSTS90002":   "check oauth2.tenant: no such directory",
}

// fixFor says what a person should do about a refusal.
func fixFor(code, desc string) string {
	if id, _, ok := strings.Cut(desc, ":"); ok {
		if fix, ok := microsoftFixes[id]; ok {
			return fix
		}
	}
	switch code {
	case "invalid_grant":
		return FixLogin
	case "invalid_client":
		return "check oauth2.client_id and oauth2.client_secret_file (client secrets expire: make a new one)"
	case "unauthorized_client":
		return "check the app registration: it must allow oauth2.flow"
	case "invalid_scope":
		return "check oauth2.scopes and the app registration's API permissions"
	}
	return "check the app registration and the [oauth2] settings"
}

// firstLine keeps the first line of a provider's error description: Microsoft's go on with
// trace and correlation IDs and a timestamp.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	s, _, _ = strings.Cut(s, " Trace ID:")
	return strings.TrimSpace(s)
}

// expiryOf computes when a token expires from its expires_in and the Source's clock (the
// library's Expiry is computed with the wall clock); the library's value is the fallback.
func expiryOf(tok *oauth2.Token, now time.Time) time.Time {
	var secs float64
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		secs = v
	case string:
		secs, _ = strconv.ParseFloat(v, 64)
	}
	if secs > 0 {
		return now.Add(time.Duration(secs * float64(time.Second)))
	}
	if tok.ExpiresIn > 0 {
		return now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	return tok.Expiry
}

// grantedScopes is the token response's scope, when the provider sent one.
func grantedScopes(tok *oauth2.Token) []string {
	s, _ := tok.Extra("scope").(string)
	return strings.Fields(s)
}
