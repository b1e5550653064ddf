package mailin

import (
	"fmt"
	"time"

	"github.com/deskd/deskd/tickets"
)

// Config is the [imap] section: where the desk's inbox is and how to read it. DefaultConfig gives
// the defaults; the configuration file decodes the section over them.
type Config struct {
	Address            string           `toml:"address"`  // HOST:PORT.
	Security           string           `toml:"security"` // none, starttls or tls.
	Username           string           `toml:"username"`
	Password           string           `toml:"password"` // As written, or read by the configuration file from password_env or password_file.
	Auth               string           `toml:"auth"`     // password (LOGIN), xoauth2 or oauthbearer (an OAuth2 token from Settings.Tokens).
	Mailbox            string           `toml:"mailbox"`
	DoneMailbox        string           `toml:"done_mailbox"`       // "": flag \Seen; else MOVE there.
	QuarantineMailbox  string           `toml:"quarantine_mailbox"` // Mail that cannot be processed goes here.
	PollInterval       tickets.Duration `toml:"poll_interval"`
	NoopInterval       tickets.Duration `toml:"noop_interval"` // Ask with NOOP this often instead of IDLE (see noopWait); 0: IDLE.
	InsecureSkipVerify bool             `toml:"insecure_skip_verify"`
	BatchSize          int              `toml:"batch_size"`  // Mails fetched and committed together.
	MaxMessage         tickets.Size     `toml:"max_message"` // Larger mails are read only this far; 0: no limit.
	// Backfill is which mail already in the mailbox a first run takes (no record of the mailbox
	// yet, or its UIDs renumbered): "unseen" (not flagged \Seen), "all", or a duration such as
	// "7d" (arrived, by INTERNALDATE, that long before). Mail it does not take is left untouched.
	Backfill string `toml:"backfill"`
	// AckMaxAge: a mail a first run takes that arrived longer ago than this gets its ticket but
	// no acknowledgement.
	AckMaxAge tickets.Duration `toml:"ack_max_age"`
}

// DefaultConfig returns the [imap] defaults.
func DefaultConfig() Config {
	return Config{Security: "none", Auth: AuthPassword, Mailbox: "INBOX", QuarantineMailbox: "deskd-quarantine",
		PollInterval: tickets.Duration{Duration: time.Minute}, BatchSize: 200, MaxMessage: 64 << 20,
		Backfill: BackfillUnseen, AckMaxAge: tickets.Duration{Duration: 7 * 24 * time.Hour}}
}

// minNoopInterval bounds noop_interval from below: each NOOP costs the server some work.
const minNoopInterval = 10 * time.Millisecond

// ConfigError is an [imap] setting that is not valid; Key names it within the section.
type ConfigError struct{ Key, Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Validate reports the first setting that is not valid, as a *ConfigError.
func (c Config) Validate() error {
	if c.Security != "none" && c.Security != "starttls" && c.Security != "tls" {
		return &ConfigError{"security", fmt.Sprintf("security %q: use none, starttls or tls", c.Security)}
	}
	switch c.Auth {
	case "", AuthPassword, AuthXOAuth2, AuthOAuthBearer:
	default:
		return &ConfigError{"auth", fmt.Sprintf("auth %q: use password, xoauth2 or oauthbearer", c.Auth)}
	}
	if c.PollInterval.Duration <= 0 {
		return &ConfigError{"poll_interval", "poll_interval: must be longer than 0"}
	}
	if n := c.NoopInterval.Duration; n != 0 && n < minNoopInterval {
		return &ConfigError{"noop_interval", fmt.Sprintf("noop_interval %s: 0 (IDLE) or at least %s", n, minNoopInterval)}
	}
	if c.BatchSize < 1 {
		return &ConfigError{"batch_size", fmt.Sprintf("batch_size %d: at least 1", c.BatchSize)}
	}
	if c.Mailbox == "" {
		return &ConfigError{"mailbox", "mailbox: name the mailbox to read"}
	}
	if _, err := backfillWithin(c.Backfill); err != nil {
		return &ConfigError{"backfill", err.Error()}
	}
	return nil
}

// The [imap] backfill values besides a duration.
const (
	BackfillUnseen = "unseen" // Mail not flagged \Seen.
	BackfillAll    = "all"
)

// backfillWithin returns the duration a backfill names, 0 for "unseen" and "all".
func backfillWithin(s string) (time.Duration, error) {
	if s == BackfillUnseen || s == BackfillAll {
		return 0, nil
	}
	d, err := tickets.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("backfill %q: use \"unseen\", \"all\" or a duration such as \"7d\"", s)
	}
	return d, nil
}
