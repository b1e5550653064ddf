package web

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

// Config is the [web] section: where the web desk listens and how its links and sessions behave.
// DefaultConfig gives the defaults; the configuration file decodes the section over them.
type Config struct {
	Address     string           `toml:"address"`      // HOST:PORT to listen on; "" turns the web desk off.
	BaseURL     string           `toml:"base_url"`     // How people reach it, for links in mails; "" for http://ADDRESS.
	SessionIdle tickets.Duration `toml:"session_idle"` // A staff session ends after this long unused.
	// SessionMaxAge ends a staff session this long after sign-in, however much it is used.
	SessionMaxAge tickets.Duration `toml:"session_max_age"`
	LinkValid     tickets.Duration `toml:"link_valid"`  // How long a requester's link in a mail works.
	TrustProxy    bool             `toml:"trust_proxy"` // Take the client's address from X-Forwarded-For (behind a reverse proxy).
	// OperatorNetworks may read /metrics and /readyz's details (CIDR); so may a staff API token.
	OperatorNetworks []string `toml:"operator_networks"`
}

// DefaultConfig returns the [web] defaults.
func DefaultConfig() Config {
	return Config{
		Address:       "127.0.0.1:8025",
		SessionIdle:   tickets.Duration{Duration: 8 * time.Hour},
		SessionMaxAge: tickets.Duration{Duration: 7 * 24 * time.Hour},
		LinkValid:     tickets.Duration{Duration: 60 * 24 * time.Hour},

		OperatorNetworks: append([]string(nil), defaultOperatorNetworks...),
	}
}

// ConfigError is a [web] setting that is not valid; Key names it within the section.
type ConfigError struct{ Key, Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Validate reports the first setting that is not valid, as a *ConfigError.
func (c Config) Validate() error {
	if c.Address != "" {
		if _, port, err := net.SplitHostPort(c.Address); err != nil || port == "" {
			return &ConfigError{"address", fmt.Sprintf("address %q: want HOST:PORT, or \"\" for no web desk", c.Address)}
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return &ConfigError{"base_url", fmt.Sprintf("base_url %q: want http(s)://HOST[/PATH]", c.BaseURL)}
		}
	}
	if c.SessionIdle.Duration < time.Minute {
		return &ConfigError{"session_idle", "session_idle: at least 1m"}
	}
	if c.SessionMaxAge.Duration < time.Hour {
		return &ConfigError{"session_max_age", "session_max_age: at least 1h"}
	}
	if c.LinkValid.Duration < time.Hour {
		return &ConfigError{"link_valid", "link_valid: at least 1h"}
	}
	for _, n := range c.OperatorNetworks {
		if !validNetwork(n) {
			return &ConfigError{"operator_networks", fmt.Sprintf("operator_networks: %q is not a network (want CIDR, e.g. \"10.0.0.0/8\")", n)}
		}
	}
	return nil
}

// Enabled reports whether the web desk is on.
func (c Config) Enabled() bool { return c.Address != "" }

// base returns the base URL without its trailing slash, the listening address standing in for
// an unset base_url.
func (c Config) base(listening string) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + listening
}
