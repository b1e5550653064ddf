package oauth

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"
)

// Providers.
const (
	Microsoft = "microsoft" // Microsoft 365 (Exchange Online), through the Microsoft identity platform v2.0.
	Google    = "google"    // Google Workspace and Gmail.
	Custom    = "custom"    // Any OAuth 2.0 server whose endpoints the configuration names.
)

// Flows: how deskd gets its first token.
const (
	// FlowDevice is the device authorization grant (RFC 8628): deskd prints an address and a
	// code, a person signs in on any device. Works on a headless server. Google refuses it for
	// its mail scope ("Invalid device flow scope").
	FlowDevice = "device"
	// FlowAuthorizationCode is the authorization code grant with PKCE (RFC 7636) and a loopback
	// redirect (RFC 8252): deskd prints an address to open in a browser; the browser comes back
	// to deskd, or the person pastes the address the browser ended on.
	FlowAuthorizationCode = "authorization_code"
	// FlowClientCredentials is the client credentials grant (RFC 6749 section 4.4): the
	// application signs in as itself, with its secret; Microsoft 365 calls this app-only access.
	// There is no refresh token and no login.
	FlowClientCredentials = "client_credentials"
)

// DefaultTokenFile is the name of the token file, in the directory given to SetDefaults.
const DefaultTokenFile = "deskd-oauth2.json"

// Scopes for the providers.
var (
	microsoftScopes         = []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"}
	microsoftAppOnlyScopes  = []string{"https://outlook.office365.com/.default"}
	googleScopes            = []string{"https://mail.google.com/"}
	defaultMicrosoftTenant  = "organizations"
	microsoftTenantsNotApps = []string{"organizations", "common", "consumers"}
)

// Config is the [oauth2] section: how deskd gets the access tokens it logs in to IMAP and
// SMTP with (SASL XOAUTH2 or OAUTHBEARER).
type Config struct {
	Provider         string   `toml:"provider"`           // microsoft, google or custom.
	Flow             string   `toml:"flow"`               // device, authorization_code or client_credentials; default per provider.
	Tenant           string   `toml:"tenant"`             // Microsoft: the directory (tenant) ID or a domain of it; default "organizations".
	ClientID         string   `toml:"client_id"`          // The application (client) ID of the app registration.
	ClientSecretFile string   `toml:"client_secret_file"` // A file holding the client secret; none for a public client.
	Username         string   `toml:"username"`           // The mailbox to log in as; default the account signed in with.
	TokenFile        string   `toml:"token_file"`         // Where the refresh token is kept (0600); default beside the database.
	Scopes           []string `toml:"scopes"`             // Default per provider and flow.

	// For provider "custom" (RFC 8414 names).
	AuthorizationEndpoint       string `toml:"authorization_endpoint"`
	TokenEndpoint               string `toml:"token_endpoint"`
	DeviceAuthorizationEndpoint string `toml:"device_authorization_endpoint"`
}

// KeyError is a problem with one key of the [oauth2] section.
type KeyError struct {
	Key string // The key at fault, as written in the file: "client_id".
	Msg string // A sentence that names the key: "oauth2.client_id is required".
}

func (e *KeyError) Error() string { return e.Msg }

// SetDefaults completes the configuration. dir is where the token file goes when token_file is
// not set (the database's directory); a relative token_file or client_secret_file is taken
// relative to configDir (the configuration file's directory).
func (c *Config) SetDefaults(dir, configDir string) {
	c.Provider = strings.ToLower(strings.TrimSpace(c.Provider))
	if c.Flow == "" {
		switch c.Provider {
		case Google:
			c.Flow = FlowAuthorizationCode
		default:
			c.Flow = FlowDevice
		}
	}
	if c.Provider == Microsoft && c.Tenant == "" {
		c.Tenant = defaultMicrosoftTenant
	}
	if len(c.Scopes) == 0 {
		switch {
		case c.Provider == Microsoft && c.Flow == FlowClientCredentials:
			c.Scopes = slices.Clone(microsoftAppOnlyScopes)
		case c.Provider == Microsoft:
			c.Scopes = slices.Clone(microsoftScopes)
		case c.Provider == Google:
			c.Scopes = slices.Clone(googleScopes)
		}
	}
	if c.TokenFile == "" {
		c.TokenFile = filepath.Join(dir, DefaultTokenFile)
	} else if !filepath.IsAbs(c.TokenFile) {
		c.TokenFile = filepath.Join(configDir, c.TokenFile)
	}
	if c.ClientSecretFile != "" && !filepath.IsAbs(c.ClientSecretFile) {
		c.ClientSecretFile = filepath.Join(configDir, c.ClientSecretFile)
	}
}

// Validate reports the first problem of a configuration completed by SetDefaults.
func (c *Config) Validate() error {
	switch c.Provider {
	case Microsoft, Google, Custom:
	case "":
		return &KeyError{"provider", `oauth2.provider is required: "microsoft", "google" or "custom"`}
	default:
		return &KeyError{"provider", fmt.Sprintf(`oauth2.provider %q: use "microsoft", "google" or "custom"`, c.Provider)}
	}
	switch c.Flow {
	case FlowDevice, FlowAuthorizationCode, FlowClientCredentials:
	default:
		return &KeyError{"flow", fmt.Sprintf(`oauth2.flow %q: use "device", "authorization_code" or "client_credentials"`, c.Flow)}
	}
	if c.ClientID == "" {
		return &KeyError{"client_id", "oauth2.client_id is required: the application (client) ID of the app registration"}
	}
	if c.Provider == Google && c.Flow == FlowDevice {
		return &KeyError{"flow", `oauth2.flow "device": Google does not allow its mail scope in the device flow; use "authorization_code"`}
	}
	if c.Provider == Google && c.Flow == FlowClientCredentials {
		return &KeyError{"flow", `oauth2.flow "client_credentials": Google has no client credentials grant for mail; use "authorization_code"`}
	}
	if c.Provider != Microsoft && c.Tenant != "" {
		return &KeyError{"tenant", "oauth2.tenant is for provider \"microsoft\" only"}
	}
	if c.Provider == Microsoft && strings.ContainsAny(c.Tenant, "/?#") {
		return &KeyError{"tenant", fmt.Sprintf("oauth2.tenant %q: give the directory (tenant) ID or a domain, not an address", c.Tenant)}
	}
	if c.Flow == FlowClientCredentials {
		if c.ClientSecretFile == "" {
			return &KeyError{"client_secret_file", "oauth2.client_secret_file is required with flow \"client_credentials\""}
		}
		if c.Username == "" {
			return &KeyError{"username", "oauth2.username is required with flow \"client_credentials\": the mailbox the application opens"}
		}
		if c.Provider == Microsoft && slices.Contains(microsoftTenantsNotApps, strings.ToLower(c.Tenant)) {
			return &KeyError{"tenant", fmt.Sprintf("oauth2.tenant %q: flow \"client_credentials\" needs the directory (tenant) ID or domain", c.Tenant)}
		}
	}
	if c.ClientSecretFile != "" {
		if _, err := os.Stat(c.ClientSecretFile); err != nil {
			return &KeyError{"client_secret_file", fmt.Sprintf("oauth2.client_secret_file: %v", err)}
		}
	}
	if len(c.Scopes) == 0 {
		return &KeyError{"scopes", "oauth2.scopes is required with provider \"custom\""}
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\"") {
			return &KeyError{"scopes", fmt.Sprintf("oauth2.scopes: %q is not a scope", s)}
		}
	}
	if c.Provider == Custom {
		need := []struct{ key, v string }{{"token_endpoint", c.TokenEndpoint}}
		switch c.Flow {
		case FlowDevice:
			need = append(need, struct{ key, v string }{"device_authorization_endpoint", c.DeviceAuthorizationEndpoint})
		case FlowAuthorizationCode:
			need = append(need, struct{ key, v string }{"authorization_endpoint", c.AuthorizationEndpoint})
		}
		for _, n := range need {
			if n.v == "" {
				return &KeyError{n.key, fmt.Sprintf("oauth2.%s is required with provider \"custom\" and flow %q", n.key, c.Flow)}
			}
		}
	} else {
		for _, k := range []struct{ key, v string }{{"authorization_endpoint", c.AuthorizationEndpoint}, {"token_endpoint", c.TokenEndpoint}, {"device_authorization_endpoint", c.DeviceAuthorizationEndpoint}} {
			if k.v != "" {
				return &KeyError{k.key, fmt.Sprintf("oauth2.%s is for provider \"custom\" only", k.key)}
			}
		}
	}
	for _, k := range []struct{ key, v string }{{"authorization_endpoint", c.AuthorizationEndpoint}, {"token_endpoint", c.TokenEndpoint}, {"device_authorization_endpoint", c.DeviceAuthorizationEndpoint}} {
		if k.v == "" {
			continue
		}
		u, err := url.Parse(k.v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &KeyError{k.key, fmt.Sprintf("oauth2.%s %q is not an http(s) address", k.key, k.v)}
		}
	}
	if c.TokenFile == "" {
		return &KeyError{"token_file", "oauth2.token_file is empty"}
	}
	return nil
}

// Endpoint returns the provider's OAuth 2.0 endpoints.
func (c *Config) Endpoint() oauth2.Endpoint {
	switch c.Provider {
	case Microsoft:
		e := endpoints.AzureAD(c.Tenant)
		e.AuthStyle = oauth2.AuthStyleInParams
		return e
	case Google:
		e := endpoints.Google
		e.AuthStyle = oauth2.AuthStyleInParams
		return e
	default:
		return oauth2.Endpoint{
			AuthURL:       c.AuthorizationEndpoint,
			TokenURL:      c.TokenEndpoint,
			DeviceAuthURL: c.DeviceAuthorizationEndpoint,
		}
	}
}

// clientSecret reads client_secret_file: its first line, trimmed, or the client_secret of the
// JSON file Google Cloud's console offers for download ({"installed": {"client_secret": …}}).
func (c *Config) clientSecret() (string, error) {
	if c.ClientSecretFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.ClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("read client secret: %w", err)
	}
	if t := strings.TrimSpace(string(b)); strings.HasPrefix(t, "{") {
		var j map[string]struct {
			ClientSecret string `json:"client_secret"`
		}
		if err := json.Unmarshal(b, &j); err != nil {
			return "", fmt.Errorf("client secret file %s: %w", c.ClientSecretFile, err)
		}
		for _, k := range []string{"installed", "web"} {
			if s := j[k].ClientSecret; s != "" {
				return s, nil
			}
		}
		return "", fmt.Errorf("client secret file %s: no installed.client_secret in it", c.ClientSecretFile)
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("client secret file %s is empty", c.ClientSecretFile)
	}
	return s, nil
}

// oauth2Config is the golang.org/x/oauth2 configuration of the user flows.
func (c *Config) oauth2Config() (*oauth2.Config, error) {
	secret, err := c.clientSecret()
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: secret, Endpoint: c.Endpoint(), Scopes: c.Scopes}, nil
}
