// Package oauthtest holds what tests need to exercise OAuth 2.0 mail logins for real: a small
// identity provider (IdP), an SMTP server that checks XOAUTH2 and OAUTHBEARER against it, and
// a Dovecot whose oauth2 passdb asks it about each token.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Grant types the token endpoint knows.
const (
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
	GrantClientCredentials = "client_credentials"
)

// IdP is an OAuth 2.0 authorization server on 127.0.0.1 for tests: the device authorization
// endpoint (RFC 8628), an authorization endpoint that signs in a chosen user at once, the token
// endpoint (device code, authorization code with PKCE, refresh token with rotation, client
// credentials), revocation (RFC 7009) and introspection (RFC 7662), which Dovecot's oauth2
// passdb and SMTPServer ask. Lifetimes are short if the test wants, and its clock can be moved
// forward (Advance) so that nothing has to sleep.
type IdP struct {
	URL string // Base address; the endpoints are URL+"/device", "/token", "/authorize", "/revoke", "/introspect".

	srv *httptest.Server

	mu          sync.Mutex
	offset      time.Duration // Added to the wall clock: Advance.
	accessTTL   time.Duration
	refreshTTL  time.Duration
	rotate      bool
	clients     map[string]*client
	devices     map[string]*deviceGrant // By device code.
	codes       map[string]*codeGrant
	refresh     map[string]*grant
	access      map[string]*grant
	families    map[int]bool // Revoked logins.
	family      int
	signIn      string // The user /authorize signs in; "" refuses (access_denied).
	counts      map[string]int
	introspects int
}

type client struct {
	secret  string // "" for a public client.
	mailbox string // The mailbox client credentials tokens are good for.
}

type deviceGrant struct {
	userCode string
	clientID string
	scopes   []string
	expiry   time.Time
	user     string // Set by Approve.
	denied   bool
}

type codeGrant struct {
	clientID, redirectURI, challenge, user string
	scopes                                 []string
	expiry                                 time.Time
}

// grant is one access or refresh token.
type grant struct {
	clientID string
	user     string
	scopes   []string
	expiry   time.Time
	family   int  // The login it descends from; revoking one token revokes the family.
	used     bool // A refresh token already exchanged (rotated away).
}

// Start runs an IdP until the test ends. Tokens last an hour, refresh tokens a day, and
// refresh tokens rotate at each use; SetLifetimes and SetRotation change that.
func Start(tb testing.TB) *IdP {
	tb.Helper()
	i := &IdP{
		accessTTL:  time.Hour,
		refreshTTL: 24 * time.Hour,
		rotate:     true,
		clients:    map[string]*client{},
		devices:    map[string]*deviceGrant{},
		codes:      map[string]*codeGrant{},
		refresh:    map[string]*grant{},
		access:     map[string]*grant{},
		families:   map[int]bool{},
		counts:     map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /device", i.deviceAuthorization)
	mux.HandleFunc("GET /device", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Enter the code shown by the device.")
	})
	mux.HandleFunc("GET /authorize", i.authorize)
	mux.HandleFunc("POST /token", i.token)
	mux.HandleFunc("POST /revoke", i.revoke)
	mux.HandleFunc("/introspect", i.introspect)
	i.srv = httptest.NewServer(mux) // 127.0.0.1, port 0.
	i.URL = i.srv.URL
	tb.Cleanup(i.srv.Close)
	return i
}

// AddClient registers an application: a public client with no secret, or a confidential one.
// mailbox is the account the client's client-credentials tokens are good for ("" none).
func (i *IdP) AddClient(id, secret, mailbox string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.clients[id] = &client{secret: secret, mailbox: mailbox}
}

// SetLifetimes sets the lifetimes of the tokens issued from now on.
func (i *IdP) SetLifetimes(access, refresh time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.accessTTL, i.refreshTTL = access, refresh
}

// SetRotation says whether a refresh replaces the refresh token (the default) or keeps it.
func (i *IdP) SetRotation(on bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.rotate = on
}

// SetSignIn names the user the authorization endpoint signs in; "" makes it answer
// access_denied, as when a person declines.
func (i *IdP) SetSignIn(user string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.signIn = user
}

// Now is the IdP's clock: the wall clock moved forward by Advance.
func (i *IdP) Now() time.Time {
	i.mu.Lock()
	defer i.mu.Unlock()
	return time.Now().Add(i.offset)
}

// Advance moves the IdP's clock forward: tokens expire without waiting.
func (i *IdP) Advance(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.offset += d
}

func (i *IdP) now() time.Time { return time.Now().Add(i.offset) }

// Approve signs user in on the device login whose user code is given, as the person at the
// verification page would.
func (i *IdP) Approve(userCode, user string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, d := range i.devices {
		if d.userCode == userCode {
			d.user = user
			return nil
		}
	}
	return fmt.Errorf("no device login with user code %q", userCode)
}

// Deny declines the device login whose user code is given.
func (i *IdP) Deny(userCode string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, d := range i.devices {
		if d.userCode == userCode {
			d.denied = true
			return nil
		}
	}
	return fmt.Errorf("no device login with user code %q", userCode)
}

// RevokeUser revokes every login of a user, as an administrator does ("revoke sessions").
func (i *IdP) RevokeUser(user string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, g := range i.refresh {
		if g.user == user {
			i.families[g.family] = true
		}
	}
	for _, g := range i.access {
		if g.user == user {
			i.families[g.family] = true
		}
	}
}

// RevokeAccess revokes one access token and nothing else: the server refuses it before it
// expires, and the refresh token still works.
func (i *IdP) RevokeAccess(token string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if g, ok := i.access[token]; ok {
		g.expiry = time.Time{}
	}
}

// Count is how many tokens the token endpoint issued for a grant type.
func (i *IdP) Count(grantType string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.counts[grantType]
}

// Introspections is how many introspection requests were answered.
func (i *IdP) Introspections() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.introspects
}

// Active reports the user an access token is good for, if it is active now.
func (i *IdP) Active(token string) (user string, scopes []string, ok bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	g := i.activeAccess(token)
	if g == nil {
		return "", nil, false
	}
	return g.user, g.scopes, true
}

func (i *IdP) activeAccess(token string) *grant {
	g, ok := i.access[token]
	if !ok || i.families[g.family] || !i.now().Before(g.expiry) {
		return nil
	}
	return g
}

func (i *IdP) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	id := r.PostForm.Get("client_id")
	if _, ok := i.clients[id]; !ok {
		oauthError(w, http.StatusBadRequest, "invalid_client", "unknown client_id "+id)
		return
	}
	d := &deviceGrant{
		userCode: strings.ToUpper(random(4)) + "-" + strings.ToUpper(random(4)),
		clientID: id,
		scopes:   strings.Fields(r.PostForm.Get("scope")),
		expiry:   i.now().Add(5 * time.Minute),
	}
	code := "dc-" + random(24)
	i.devices[code] = d
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code":               code,
		"user_code":                 d.userCode,
		"verification_uri":          i.URL + "/device",
		"verification_uri_complete": i.URL + "/device?user_code=" + d.userCode,
		"expires_in":                300,
		"interval":                  1,
	})
}

func (i *IdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, ok := i.clients[q.Get("client_id")]; !ok {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	switch {
	case i.signIn == "":
		back.Set("error", "access_denied")
		back.Set("error_description", "The user declined.")
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required.")
	default:
		code := "ac-" + random(24)
		i.codes[code] = &codeGrant{
			clientID:    q.Get("client_id"),
			redirectURI: q.Get("redirect_uri"),
			challenge:   q.Get("code_challenge"),
			user:        i.signIn,
			scopes:      strings.Fields(q.Get("scope")),
			expiry:      i.now().Add(5 * time.Minute),
		}
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (i *IdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	i.mu.Lock()
	defer i.mu.Unlock()
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	c, ok := i.clients[id]
	if !ok {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Application with identifier '"+id+"' was not found.")
		return
	}
	if c.secret != "" && secret != c.secret {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client secret provided.")
		return
	}
	now := i.now()
	switch gt := f.Get("grant_type"); gt {
	case GrantDeviceCode:
		d, ok := i.devices[f.Get("device_code")]
		switch {
		case !ok || d.clientID != id:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Unknown device code.")
		case !now.Before(d.expiry):
			oauthError(w, http.StatusBadRequest, "expired_token", "The device code has expired.")
		case d.denied:
			oauthError(w, http.StatusBadRequest, "access_denied", "The user declined.")
		case d.user == "":
			oauthError(w, http.StatusBadRequest, "authorization_pending", "The user has not yet signed in.")
		default:
			delete(i.devices, f.Get("device_code"))
			i.family++
			i.issue(w, gt, id, d.user, d.scopes, i.family, true)
		}
	case GrantAuthorizationCode:
		a, ok := i.codes[f.Get("code")]
		delete(i.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok || a.clientID != id || !now.Before(a.expiry):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is unknown, used or expired.")
		case f.Get("redirect_uri") != a.redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The redirect_uri differs from the authorization request's.")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != a.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The code_verifier does not match the code_challenge.")
		default:
			i.family++
			i.issue(w, gt, id, a.user, a.scopes, i.family, true)
		}
	case GrantRefreshToken:
		rt := f.Get("refresh_token")
		g, ok := i.refresh[rt]
		switch {
		case !ok || g.clientID != id:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is unknown.")
		case i.families[g.family]:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token has been revoked.")
		case g.used:
			// Reuse of a rotated refresh token: someone else may hold it (RFC 9700 section 4.14.2).
			i.families[g.family] = true
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token was already used; the login is revoked.")
		case !now.Before(g.expiry):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The refresh token has expired.")
		default:
			scopes := g.scopes
			if s := strings.Fields(f.Get("scope")); len(s) > 0 {
				for _, x := range s {
					if !slices.Contains(g.scopes, x) {
						oauthError(w, http.StatusBadRequest, "invalid_scope", "The scope "+x+" was not granted.")
						return
					}
				}
				scopes = s
			}
			if i.rotate {
				g.used = true
			}
			i.issue(w, gt, id, g.user, scopes, g.family, i.rotate)
			if !i.rotate {
				// The response carried no refresh token: the old one stays.
				g.expiry = now.Add(i.refreshTTL)
			}
		}
	case GrantClientCredentials:
		if c.secret == "" {
			oauthError(w, http.StatusUnauthorized, "invalid_client", "A public client cannot use client credentials.")
			return
		}
		if c.mailbox == "" {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "The client has no application permission.")
			return
		}
		i.family++
		i.issue(w, gt, id, c.mailbox, strings.Fields(f.Get("scope")), i.family, false)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unknown grant_type "+gt+".")
	}
}

// issue writes a token response: an access token, a refresh token if withRefresh, and an ID
// token (unsigned) when the scopes ask for openid.
func (i *IdP) issue(w http.ResponseWriter, grantType, clientID, user string, scopes []string, family int, withRefresh bool) {
	now := i.now()
	at := "at-" + random(24)
	i.access[at] = &grant{clientID: clientID, user: user, scopes: scopes, expiry: now.Add(i.accessTTL), family: family}
	resp := map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   i.accessTTL.Seconds(),
		"scope":        strings.Join(scopes, " "),
	}
	if withRefresh {
		rt := "rt-" + random(24)
		i.refresh[rt] = &grant{clientID: clientID, user: user, scopes: scopes, expiry: now.Add(i.refreshTTL), family: family}
		resp["refresh_token"] = rt
	}
	if slices.Contains(scopes, "openid") {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		p, _ := json.Marshal(map[string]any{"iss": i.URL, "aud": clientID, "sub": user, "email": user, "iat": now.Unix(), "exp": now.Add(i.accessTTL).Unix()})
		resp["id_token"] = h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
	}
	i.counts[grantType]++
	writeJSON(w, http.StatusOK, resp)
}

func (i *IdP) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	tok := r.PostForm.Get("token")
	i.mu.Lock()
	defer i.mu.Unlock()
	if g, ok := i.refresh[tok]; ok {
		i.families[g.family] = true
	}
	if g, ok := i.access[tok]; ok {
		g.expiry = time.Time{}
	}
	w.WriteHeader(http.StatusOK) // RFC 7009 section 2.2: also for a token it does not know.
}

// introspect answers RFC 7662 requests: POST token=… (Dovecot's introspection_mode = post),
// or the token as a bearer (introspection_mode = auth).
func (i *IdP) introspect(w http.ResponseWriter, r *http.Request) {
	tok := ""
	if a := r.Header.Get("Authorization"); strings.HasPrefix(strings.ToLower(a), "bearer ") {
		tok = strings.TrimSpace(a[len("bearer "):])
	} else if err := r.ParseForm(); err == nil {
		tok = r.Form.Get("token")
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.introspects++
	g := i.activeAccess(tok)
	if g == nil {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active":     true,
		"username":   g.user,
		"email":      g.user,
		"sub":        g.user,
		"client_id":  g.clientID,
		"scope":      strings.Join(g.scopes, " "),
		"token_type": "Bearer",
		"exp":        g.expiry.Unix(),
	})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func random(n int) string {
	const letters = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for k := range b {
		b[k] = letters[int(b[k])%len(letters)]
	}
	return string(b)
}
