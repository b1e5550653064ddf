package oauth_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskd/deskd/oauth"
)

func TestConfigDefaults(t *testing.T) {
	for _, tc := range []struct {
		in         oauth.Config
		flow       string
		tenant     string
		scopes     []string
		endpointIn string
	}{
		{oauth.Config{Provider: "microsoft", ClientID: "x"}, "device", "organizations",
			[]string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"},
			"https://login.microsoftonline.com/organizations/oauth2/v2.0/token"},
		{oauth.Config{Provider: "Microsoft", ClientID: "x", Tenant: "corp.example", Flow: "client_credentials", Username: "helpdesk@corp.example"}, "client_credentials", "corp.example",
			[]string{"https://outlook.office365.com/.default"},
			"https://login.microsoftonline.com/corp.example/oauth2/v2.0/token"},
		{oauth.Config{Provider: "google", ClientID: "x"}, "authorization_code", "",
			[]string{"https://mail.google.com/"}, "https://oauth2.googleapis.com/token"},
	} {
		c := tc.in
		c.SetDefaults("/var/lib/deskd", "/etc/deskd")
		if c.Flow != tc.flow || c.Tenant != tc.tenant || !slices.Equal(c.Scopes, tc.scopes) || c.TokenFile != "/var/lib/deskd/deskd-oauth2.json" {
			t.Errorf("%s: flow %q tenant %q scopes %q token_file %q", tc.in.Provider, c.Flow, c.Tenant, c.Scopes, c.TokenFile)
		}
		if got := c.Endpoint().TokenURL; got != tc.endpointIn {
			t.Errorf("%s: token endpoint %q, want %q", tc.in.Provider, got, tc.endpointIn)
		}
	}
	c := oauth.Config{Provider: "custom", TokenFile: "tokens.json", ClientSecretFile: "secret"}
	c.SetDefaults("/var/lib/deskd", "/etc/deskd")
	if c.TokenFile != "/etc/deskd/tokens.json" || c.ClientSecretFile != "/etc/deskd/secret" {
		t.Errorf("relative paths: %q %q, want them beside the configuration", c.TokenFile, c.ClientSecretFile)
	}
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		c    oauth.Config
		key  string // "" valid.
		msg  string
	}{
		{"microsoft", oauth.Config{Provider: "microsoft", ClientID: "x"}, "", ""},
		{"google", oauth.Config{Provider: "google", ClientID: "x", ClientSecretFile: secret}, "", ""},
		{"no provider", oauth.Config{ClientID: "x"}, "provider", "oauth2.provider is required"},
		{"bad provider", oauth.Config{Provider: "yahoo", ClientID: "x"}, "provider", `"yahoo"`},
		{"no client", oauth.Config{Provider: "microsoft"}, "client_id", "oauth2.client_id is required"},
		{"bad flow", oauth.Config{Provider: "microsoft", ClientID: "x", Flow: "password"}, "flow", `"password"`},
		{"google device", oauth.Config{Provider: "google", ClientID: "x", Flow: "device"}, "flow", "Google does not allow"},
		{"google app", oauth.Config{Provider: "google", ClientID: "x", Flow: "client_credentials"}, "flow", "Google"},
		{"tenant elsewhere", oauth.Config{Provider: "google", ClientID: "x", Tenant: "t"}, "tenant", "microsoft"},
		{"tenant url", oauth.Config{Provider: "microsoft", ClientID: "x", Tenant: "https://login.microsoftonline.com/x"}, "tenant", "not an address"},
		{"app without secret", oauth.Config{Provider: "microsoft", ClientID: "x", Tenant: "corp.example", Flow: "client_credentials", Username: "h@corp.example"}, "client_secret_file", "required"},
		{"app without mailbox", oauth.Config{Provider: "microsoft", ClientID: "x", Tenant: "corp.example", Flow: "client_credentials", ClientSecretFile: secret}, "username", "mailbox"},
		{"app in organizations", oauth.Config{Provider: "microsoft", ClientID: "x", Flow: "client_credentials", ClientSecretFile: secret, Username: "h@corp.example"}, "tenant", "tenant) ID"},
		{"missing secret file", oauth.Config{Provider: "microsoft", ClientID: "x", ClientSecretFile: filepath.Join(dir, "nope")}, "client_secret_file", "no such file"},
		{"custom without endpoints", oauth.Config{Provider: "custom", ClientID: "x", Scopes: []string{"mail"}}, "token_endpoint", "required"},
		{"custom device", oauth.Config{Provider: "custom", ClientID: "x", Scopes: []string{"mail"}, TokenEndpoint: "https://idp.example/token"}, "device_authorization_endpoint", "required"},
		{"custom without scopes", oauth.Config{Provider: "custom", ClientID: "x", TokenEndpoint: "https://idp.example/token", DeviceAuthorizationEndpoint: "https://idp.example/device"}, "scopes", "required"},
		{"custom bad url", oauth.Config{Provider: "custom", ClientID: "x", Scopes: []string{"mail"}, TokenEndpoint: "idp.example/token", DeviceAuthorizationEndpoint: "https://idp.example/device"}, "token_endpoint", "not an http(s) address"},
		{"endpoint for microsoft", oauth.Config{Provider: "microsoft", ClientID: "x", TokenEndpoint: "https://idp.example/token"}, "token_endpoint", "custom"},
		{"bad scope", oauth.Config{Provider: "microsoft", ClientID: "x", Scopes: []string{"a b"}}, "scopes", "not a scope"},
	} {
		c := tc.c
		c.SetDefaults(dir, dir)
		err := c.Validate()
		var ke *oauth.KeyError
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%s: %v, want valid", tc.name, err)
		case tc.key != "" && (!errors.As(err, &ke) || ke.Key != tc.key || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "oauth2."+tc.key)):
			t.Errorf("%s: %v, want an error about oauth2.%s saying %q", tc.name, err, tc.key, tc.msg)
		}
	}
}

// TestGoogleSecretJSON: client_secret_file may be the JSON file Google's console offers.
func TestGoogleSecretJSON(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "client_secret.json")
	if err := os.WriteFile(p, []byte(`{"installed":{"client_id":"x.apps.googleusercontent.com","client_secret":"GOCSPX-abc","redirect_uris":["http://localhost"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c := oauth.Config{Provider: "google", ClientID: "x.apps.googleusercontent.com", ClientSecretFile: p}
	c.SetDefaults(dir, dir)
	got, err := oauth.ClientSecret(&c)
	if err != nil || got != "GOCSPX-abc" {
		t.Errorf("secret %q, %v; want GOCSPX-abc", got, err)
	}
}

// TestFixes: Microsoft's refusals for a skipped setup step name the step.
func TestFixes(t *testing.T) {
	for _, tc := range []struct{ code, desc, want string }{
		{"invalid_client", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", "Allow public client flows"},
		{"invalid_grant", "AADSTS65001: The user or administrator has not consented to use the application with ID 'x' named 'deskd'.", "admin consent"},
		{"invalid_grant", "AADSTS700082: The refresh token has expired due to inactivity.", "run deskd oauth login"},
		{"invalid_grant", "Token has been expired or revoked.", "run deskd oauth login"},
		{"invalid_client", "AADSTS7000215: Invalid client secret provided.", "not its Secret ID"},
		{"unauthorized_client", "Client is unauthorized to retrieve access tokens using this method.", "oauth2.flow"},
	} {
		if got := oauth.FixFor(tc.code, tc.desc); !strings.Contains(got, tc.want) {
			t.Errorf("%s %q: fix %q, want it to say %q", tc.code, tc.desc, got, tc.want)
		}
	}
}
