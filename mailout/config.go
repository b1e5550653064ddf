package mailout

import "fmt"

// Config is the [smtp] section: the server the desk sends through. DefaultConfig gives the
// defaults; the configuration file decodes the section over them.
type Config struct {
	Address            string `toml:"address"`  // HOST:PORT.
	Security           string `toml:"security"` // none, starttls or tls.
	Username           string `toml:"username"` // "": no login.
	Password           string `toml:"password"` // As written, or read by the configuration file from password_env or password_file.
	Auth               string `toml:"auth"`     // password, xoauth2 or oauthbearer (an OAuth2 token from SetTokens).
	InsecureSkipVerify bool   `toml:"insecure_skip_verify"`
	HelloName          string `toml:"hello_name"`  // The name said in EHLO; "" for the library's.
	Connections        int    `toml:"connections"` // SMTP connections a drain sends over at once, at most.
}

// DefaultConnections is the default of [smtp] connections: enough to keep a local MTA's disk and
// the round trips busy on a small machine, well under any server's limit per client.
const DefaultConnections = 3

// DefaultConfig returns the [smtp] defaults.
func DefaultConfig() Config {
	return Config{Security: "none", Auth: AuthPassword, Connections: DefaultConnections}
}

// ConfigError is an [smtp] setting that is not valid; Key names it within the section.
type ConfigError struct{ Key, Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Validate reports the first setting that is not valid, as a *ConfigError. An empty address is
// valid here (commands that send nothing need none); ValidateSend refuses it.
func (c Config) Validate() error {
	if c.Security != "none" && c.Security != "starttls" && c.Security != "tls" {
		return &ConfigError{"security", fmt.Sprintf("security %q: use none, starttls or tls", c.Security)}
	}
	switch c.Auth {
	case "", AuthPassword, AuthXOAuth2, AuthOAuthBearer:
	default:
		return &ConfigError{"auth", fmt.Sprintf("auth %q: use password, xoauth2 or oauthbearer", c.Auth)}
	}
	if c.Connections < 0 || c.Connections > 32 {
		return &ConfigError{"connections", fmt.Sprintf("connections %d: use 1 to 32", c.Connections)}
	}
	if c.Address != "" {
		if _, _, err := splitAddress(c.Address); err != nil {
			return &ConfigError{"address", err.Error()}
		}
	}
	return nil
}

// ValidateSend is Validate, and an address to send to: what New and SetConfig require.
func (c Config) ValidateSend() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if _, _, err := splitAddress(c.Address); err != nil {
		return &ConfigError{"address", err.Error()}
	}
	return nil
}
