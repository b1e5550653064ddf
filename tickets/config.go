package tickets

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Config is the whole deskd configuration, as read from TOML.
type Config struct {
	Desk        DeskConfig           `toml:"desk"`
	IMAP        IMAPConfig           `toml:"imap"`
	SMTP        SMTPConfig           `toml:"smtp"`
	Technicians []Technician         `toml:"technician"`
	Coordinator []Coordinator        `toml:"coordinator"`
	Categories  []Category           `toml:"category"`
	SLA         map[string]SLAConfig `toml:"sla"` // Keyed by priority name.
	Calendar    CalendarConfig       `toml:"calendar"`
	Schedule    ScheduleConfig       `toml:"schedule"`
	Priority    PriorityConfig       `toml:"priority"`
	Security    SecurityConfig       `toml:"security"`
	Escalation  EscalationConfig     `toml:"escalation"`

	// Warnings are problems that do not stop deskd; `deskd check` prints them.
	Warnings []string `toml:"-"`

	path string // File the config was read from, "" when built in code.
}

// DeskConfig is the [desk] section.
type DeskConfig struct {
	Name          string   `toml:"name"`
	Address       string   `toml:"address"`   // Requesters write here.
	Addresses     []string `toml:"addresses"` // Other addresses that deliver to the same inbox.
	Tag           string   `toml:"tag"`       // Subject tag: [TAG #N].
	Database      string   `toml:"database"`
	Language      string   `toml:"language"` // Default language, "fr" or "en".
	Timezone      string   `toml:"timezone"`
	SecretFile    string   `toml:"secret_file"`
	Templates     string   `toml:"templates"`      // Directory overriding embedded templates.
	PlusAddress   *bool    `toml:"plus_address"`   // Reply-To with a signed plus-address; default true.
	MaxAttachment Size     `toml:"max_attachment"` // Larger attachments are recorded as omitted.
	ReopenDays    int      `toml:"reopen_days"`    // A reply within this many days reopens a resolved ticket.
	CloseAfter    Duration `toml:"close_after"`    // Resolved tickets close after this long without reply.
	RateLimit     int      `toml:"rate_limit"`     // Automatic mails to one address per hour.
	Signature     string   `toml:"signature"`      // Appended to the desk's name in technician replies.
	KeepRaw       Duration `toml:"keep_raw"`       // Raw mails and files of tickets closed this long ago are deleted; 0 keeps them.
}

// IMAPConfig is the [imap] section.
type IMAPConfig struct {
	Address            string   `toml:"address"`
	Security           string   `toml:"security"` // none, starttls or tls.
	Username           string   `toml:"username"`
	Password           string   `toml:"password"`
	PasswordEnv        string   `toml:"password_env"`
	PasswordFile       string   `toml:"password_file"`
	Mailbox            string   `toml:"mailbox"`
	DoneMailbox        string   `toml:"done_mailbox"`       // "": flag \Seen; else MOVE there.
	QuarantineMailbox  string   `toml:"quarantine_mailbox"` // Mail that cannot be processed goes here.
	PollInterval       Duration `toml:"poll_interval"`
	InsecureSkipVerify bool     `toml:"insecure_skip_verify"`
	BatchSize          int      `toml:"batch_size"`  // Mails fetched and committed together.
	MaxMessage         Size     `toml:"max_message"` // Larger mails are read only this far.
}

// SMTPConfig is the [smtp] section.
type SMTPConfig struct {
	Address            string `toml:"address"`
	Security           string `toml:"security"` // none, starttls or tls.
	Username           string `toml:"username"`
	Password           string `toml:"password"`
	PasswordEnv        string `toml:"password_env"`
	PasswordFile       string `toml:"password_file"`
	InsecureSkipVerify bool   `toml:"insecure_skip_verify"`
	HelloName          string `toml:"hello_name"`
}

// Technician is a [[technician]] entry.
type Technician struct {
	Name      string   `toml:"name"`
	Email     string   `toml:"email"`
	Skills    []string `toml:"skills"`
	Tier      int      `toml:"tier"` // 1 first line, 2 specialist, 3 expert.
	Language  string   `toml:"language"`
	Signature string   `toml:"signature"`
	Aliases   []string `toml:"aliases"` // Other addresses the technician writes from.
}

// Coordinator is a [[coordinator]] entry.
type Coordinator struct {
	Name     string `toml:"name"`
	Email    string `toml:"email"`
	Language string `toml:"language"`
}

// Category is a [[category]] entry.
type Category struct {
	Name     string   `toml:"name"`
	Label    string   `toml:"label"`    // Human name for mails; defaults to Name.
	LabelFR  string   `toml:"label_fr"` // The name in French mails, when it differs by language.
	LabelEN  string   `toml:"label_en"` // The name in English mails.
	Keywords []string `toml:"keywords"`
	Ask      []string `toml:"ask"`      // Questions the acknowledgement asks.
	AskFR    []string `toml:"ask_fr"`   // The questions in French, when they differ by language.
	AskEN    []string `toml:"ask_en"`   // The questions in English.
	Priority string   `toml:"priority"` // Minimum priority for this category, "" for none.
}

// SLAConfig is one [sla.PRIORITY] section.
type SLAConfig struct {
	FirstResponse Duration `toml:"first_response"`
	Resolve       Duration `toml:"resolve"`
}

// CalendarConfig is the [calendar] section: the business hours SLAs count in.
type CalendarConfig struct {
	Days     []string `toml:"days"`  // "mon" … "sun"; default Monday to Friday.
	Start    string   `toml:"start"` // "09:00".
	End      string   `toml:"end"`   // "18:00".
	Timezone string   `toml:"timezone"`
	Holidays []string `toml:"holidays"` // "2026-12-25".
	Always   bool     `toml:"always"`   // Count every hour of every day (24/7 desks).
}

// ScheduleConfig is the [schedule] section, in cron syntax.
type ScheduleConfig struct {
	Escalation string `toml:"escalation"`
	Digest     string `toml:"digest"`
	AutoClose  string `toml:"autoclose"`
	Prune      string `toml:"prune"` // Retention: see desk.keep_raw.
}

// PriorityConfig is the [priority] section.
type PriorityConfig struct {
	Default string   `toml:"default"`
	VIP     []string `toml:"vip"` // Senders whose tickets are at least high.
}

// SecurityConfig is the [security] section.
type SecurityConfig struct {
	// TrustedAuthservID names the server whose Authentication-Results header is trusted; when set,
	// technician commands are obeyed only with a DKIM or DMARC pass for the sender's domain.
	TrustedAuthservID string `toml:"trusted_authserv_id"`
}

// EscalationConfig is the [escalation] section.
type EscalationConfig struct {
	ReminderAt float64 `toml:"reminder_at"` // Fraction of the SLA used when the assignee is reminded.
	MaxTier    int     `toml:"max_tier"`
}

// Duration is a time.Duration read from a string such as "30m", "4h" or "2d".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ParseDuration parses a Go duration, also accepting a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || fmt.Sprint(days) != n || days < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// Size is a byte count read from a number or a string such as "10MB".
type Size int64

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Size) UnmarshalText(b []byte) error {
	str := strings.ToUpper(strings.TrimSpace(string(b)))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(str, u.suffix); ok {
			str, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(str, "%d", &n); err != nil || n < 0 {
		return fmt.Errorf("invalid size %q", string(b))
	}
	*s = Size(n * mult)
	return nil
}

// ConfigError is a configuration problem, with the line it was found on when known.
type ConfigError struct {
	File string
	Line int // 0 when unknown.
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// LoadConfig reads, strictly decodes, completes and validates the configuration file at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := ParseConfig(path, data)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// ParseConfig decodes TOML data as if read from the file name; relative paths in it are taken
// relative to that file's directory.
func ParseConfig(name string, data []byte) (*Config, error) {
	var cfg Config
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		var strict *toml.StrictMissingError
		var derr *toml.DecodeError
		switch {
		case errors.As(err, &strict) && len(strict.Errors) > 0:
			e := strict.Errors[0]
			row, _ := e.Position()
			return nil, &ConfigError{File: name, Line: row, Msg: fmt.Sprintf("unknown key %q", strings.Join(e.Key(), "."))}
		case errors.As(err, &derr):
			row, _ := derr.Position()
			return nil, &ConfigError{File: name, Line: row, Msg: derr.Error()}
		default:
			return nil, &ConfigError{File: name, Msg: err.Error()}
		}
	}
	cfg.path = name
	cfg.setDefaults(filepath.Dir(name))
	if err := cfg.validate(); err != nil {
		return nil, &ConfigError{File: name, Line: lineOf(data, err), Msg: err.Error()}
	}
	return &cfg, nil
}

// keyError is a validation error about a key, so its line can be found.
type keyError struct {
	table string // "technician", "category", "sla.urgent", … ("" for top level).
	index int    // Index within an array of tables, -1 otherwise.
	key   string
	msg   string
}

func (e *keyError) Error() string { return e.msg }

// lineOf finds the line of the key a validation error is about, 0 when unknown.
func lineOf(data []byte, err error) int {
	var ke *keyError
	if !errors.As(err, &ke) {
		return 0
	}
	table, count := "", -1
	for i, line := range strings.Split(string(data), "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "[["):
			name := strings.TrimSpace(strings.Trim(l[:strings.Index(l+"]]", "]]")], "[ "))
			if name == ke.table {
				count++
			}
			table = name
		case strings.HasPrefix(l, "["):
			table = strings.TrimSpace(strings.Trim(l[:strings.Index(l+"]", "]")], "[ "))
		default:
			k, _, ok := strings.Cut(l, "=")
			if ok && table == ke.table && strings.TrimSpace(k) == ke.key && (ke.index < 0 || count == ke.index) {
				return i + 1
			}
		}
	}
	return 0
}

func (c *Config) setDefaults(dir string) {
	d := &c.Desk
	if d.Name == "" {
		d.Name = "Help desk"
	}
	d.Address = strings.ToLower(strings.TrimSpace(d.Address))
	for i, a := range d.Addresses {
		d.Addresses[i] = strings.ToLower(strings.TrimSpace(a))
	}
	if d.Tag == "" {
		d.Tag = "HD"
	}
	if d.Database == "" {
		d.Database = "deskd.db"
	}
	if d.Language == "" {
		d.Language = "en"
	}
	if d.Timezone == "" {
		d.Timezone = "UTC"
	}
	if d.SecretFile == "" {
		d.SecretFile = "deskd.secret"
	}
	d.Database = resolvePath(dir, d.Database)
	d.SecretFile = resolvePath(dir, d.SecretFile)
	if d.Templates != "" {
		d.Templates = resolvePath(dir, d.Templates)
	}
	if d.PlusAddress == nil {
		t := true
		d.PlusAddress = &t
	}
	if d.MaxAttachment == 0 {
		d.MaxAttachment = 25 << 20
	}
	if d.ReopenDays == 0 {
		d.ReopenDays = 14
	}
	if d.CloseAfter.Duration == 0 {
		d.CloseAfter.Duration = 7 * 24 * time.Hour
	}
	if d.RateLimit == 0 {
		d.RateLimit = 10
	}

	if c.IMAP.Security == "" {
		c.IMAP.Security = "none"
	}
	if c.IMAP.Mailbox == "" {
		c.IMAP.Mailbox = "INBOX"
	}
	if c.IMAP.QuarantineMailbox == "" {
		c.IMAP.QuarantineMailbox = "deskd-quarantine"
	}
	if c.IMAP.PollInterval.Duration == 0 {
		c.IMAP.PollInterval.Duration = time.Minute
	}
	if c.IMAP.BatchSize == 0 {
		c.IMAP.BatchSize = 200
	}
	if c.IMAP.MaxMessage == 0 {
		c.IMAP.MaxMessage = 64 << 20
	}
	if c.IMAP.PasswordFile != "" {
		c.IMAP.PasswordFile = resolvePath(dir, c.IMAP.PasswordFile)
	}
	if c.SMTP.Security == "" {
		c.SMTP.Security = "none"
	}
	if c.SMTP.PasswordFile != "" {
		c.SMTP.PasswordFile = resolvePath(dir, c.SMTP.PasswordFile)
	}

	for i := range c.Technicians {
		t := &c.Technicians[i]
		t.Email = strings.ToLower(strings.TrimSpace(t.Email))
		if t.Tier == 0 {
			t.Tier = 1
		}
		if t.Language == "" {
			t.Language = d.Language
		}
		for j, s := range t.Skills {
			t.Skills[j] = strings.ToLower(strings.TrimSpace(s))
		}
		for j, a := range t.Aliases {
			t.Aliases[j] = strings.ToLower(strings.TrimSpace(a))
		}
	}
	for i := range c.Coordinator {
		co := &c.Coordinator[i]
		co.Email = strings.ToLower(strings.TrimSpace(co.Email))
		if co.Language == "" {
			co.Language = d.Language
		}
	}
	for i := range c.Categories {
		cat := &c.Categories[i]
		cat.Name = strings.ToLower(strings.TrimSpace(cat.Name))
		if cat.Label == "" {
			cat.Label = cat.Name
		}
	}

	defaults := map[string]SLAConfig{
		"urgent": {Duration{30 * time.Minute}, Duration{4 * time.Hour}},
		"high":   {Duration{2 * time.Hour}, Duration{8 * time.Hour}},
		"normal": {Duration{4 * time.Hour}, Duration{24 * time.Hour}},
		"low":    {Duration{8 * time.Hour}, Duration{72 * time.Hour}},
	}
	if c.SLA == nil {
		c.SLA = map[string]SLAConfig{}
	}
	for name, def := range defaults {
		s, ok := c.SLA[name]
		if !ok {
			c.SLA[name] = def
			continue
		}
		if s.FirstResponse.Duration == 0 {
			s.FirstResponse = def.FirstResponse
		}
		if s.Resolve.Duration == 0 {
			s.Resolve = def.Resolve
		}
		c.SLA[name] = s
	}

	cal := &c.Calendar
	if len(cal.Days) == 0 {
		cal.Days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	if cal.Start == "" {
		cal.Start = "09:00"
	}
	if cal.End == "" {
		cal.End = "18:00"
	}
	if cal.Timezone == "" {
		cal.Timezone = d.Timezone
	}

	if c.Schedule.Escalation == "" {
		c.Schedule.Escalation = "@every 1m"
	}
	if c.Schedule.Digest == "" {
		c.Schedule.Digest = "0 8 * * 1-5"
	}
	if c.Schedule.AutoClose == "" {
		c.Schedule.AutoClose = "@every 1h"
	}
	if c.Schedule.Prune == "" {
		c.Schedule.Prune = "30 3 * * *"
	}
	if c.Priority.Default == "" {
		c.Priority.Default = "normal"
	}
	for i, v := range c.Priority.VIP {
		c.Priority.VIP[i] = strings.ToLower(strings.TrimSpace(v))
	}
	if c.Escalation.ReminderAt == 0 {
		c.Escalation.ReminderAt = 0.8
	}
	if c.Escalation.MaxTier == 0 {
		c.Escalation.MaxTier = 1
		for _, t := range c.Technicians {
			c.Escalation.MaxTier = max(c.Escalation.MaxTier, t.Tier)
		}
	}
}

func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

func validAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t<>,;\"")
}

func (c *Config) validate() error {
	d := c.Desk
	if d.Address == "" {
		return &keyError{"desk", -1, "address", "desk.address is required"}
	}
	if !validAddress(d.Address) {
		return &keyError{"desk", -1, "address", fmt.Sprintf("desk.address %q is not an e-mail address", d.Address)}
	}
	if d.Language != "fr" && d.Language != "en" {
		return &keyError{"desk", -1, "language", fmt.Sprintf("desk.language %q: use \"fr\" or \"en\"", d.Language)}
	}
	if _, err := time.LoadLocation(d.Timezone); err != nil {
		return &keyError{"desk", -1, "timezone", fmt.Sprintf("desk.timezone %q: unknown time zone", d.Timezone)}
	}
	if strings.ContainsAny(d.Tag, " []#") {
		return &keyError{"desk", -1, "tag", fmt.Sprintf("desk.tag %q: no spaces, brackets or #", d.Tag)}
	}
	for _, sec := range []struct{ name, v string }{{"imap", c.IMAP.Security}, {"smtp", c.SMTP.Security}} {
		if sec.v != "none" && sec.v != "starttls" && sec.v != "tls" {
			return &keyError{sec.name, -1, "security", fmt.Sprintf("%s.security %q: use none, starttls or tls", sec.name, sec.v)}
		}
	}
	if n := countSet(c.IMAP.Password != "", c.IMAP.PasswordEnv != "", c.IMAP.PasswordFile != ""); n > 1 {
		return &keyError{"imap", -1, "password", "imap: set only one of password, password_env, password_file"}
	}
	if n := countSet(c.SMTP.Password != "", c.SMTP.PasswordEnv != "", c.SMTP.PasswordFile != ""); n > 1 {
		return &keyError{"smtp", -1, "password", "smtp: set only one of password, password_env, password_file"}
	}

	cats := map[string]bool{}
	for i, cat := range c.Categories {
		if cat.Name == "" {
			return &keyError{"category", i, "name", fmt.Sprintf("category %d has no name", i+1)}
		}
		if cats[cat.Name] {
			return &keyError{"category", i, "name", fmt.Sprintf("category %q is defined twice", cat.Name)}
		}
		if cat.Priority != "" {
			if _, err := ParsePriority(cat.Priority); err != nil {
				return &keyError{"category", i, "priority", fmt.Sprintf("category %q: %v", cat.Name, err)}
			}
		}
		cats[cat.Name] = true
	}

	people := map[string]string{}
	for i, t := range c.Technicians {
		if t.Name == "" {
			return &keyError{"technician", i, "name", fmt.Sprintf("technician %d has no name", i+1)}
		}
		if !validAddress(t.Email) {
			return &keyError{"technician", i, "email", fmt.Sprintf("technician %q: email %q is not an e-mail address", t.Name, t.Email)}
		}
		if len(t.Skills) == 0 {
			return &keyError{"technician", i, "skills", fmt.Sprintf("technician %q has no skills", t.Name)}
		}
		for _, s := range t.Skills {
			if !cats[s] {
				// The contract's own example has a skill with no category: not an error, but
				// worth saying — no ticket can be classified into it.
				c.Warnings = append(c.Warnings, fmt.Sprintf("technician %q: skill %q is not a category", t.Name, s))
			}
		}
		if t.Tier < 1 || t.Tier > 3 {
			return &keyError{"technician", i, "tier", fmt.Sprintf("technician %q: tier %d: use 1, 2 or 3", t.Name, t.Tier)}
		}
		if t.Language != "fr" && t.Language != "en" {
			return &keyError{"technician", i, "language", fmt.Sprintf("technician %q: language %q: use \"fr\" or \"en\"", t.Name, t.Language)}
		}
		if prev, ok := people[t.Email]; ok {
			return &keyError{"technician", i, "email", fmt.Sprintf("%s is listed twice (%s)", t.Email, prev)}
		}
		if t.Email == d.Address {
			return &keyError{"technician", i, "email", fmt.Sprintf("technician %q uses the desk address", t.Name)}
		}
		people[t.Email] = "technician " + t.Name
	}
	for i, co := range c.Coordinator {
		if !validAddress(co.Email) {
			return &keyError{"coordinator", i, "email", fmt.Sprintf("coordinator %q: email %q is not an e-mail address", co.Name, co.Email)}
		}
		if co.Language != "fr" && co.Language != "en" {
			return &keyError{"coordinator", i, "language", fmt.Sprintf("coordinator %q: language %q: use \"fr\" or \"en\"", co.Name, co.Language)}
		}
	}
	for name := range c.SLA {
		if _, err := ParsePriority(name); err != nil {
			return &keyError{"sla." + name, -1, "resolve", fmt.Sprintf("sla.%s: not a priority (low, normal, high, urgent)", name)}
		}
		s := c.SLA[name]
		if s.FirstResponse.Duration > s.Resolve.Duration {
			return &keyError{"sla." + name, -1, "first_response", fmt.Sprintf("sla.%s: first_response %s is longer than resolve %s", name, s.FirstResponse.Duration, s.Resolve.Duration)}
		}
	}
	if _, err := ParsePriority(c.Priority.Default); err != nil {
		return &keyError{"priority", -1, "default", fmt.Sprintf("priority.default: %v", err)}
	}
	if _, err := c.Calendar.Build(); err != nil {
		return &keyError{"calendar", -1, "", fmt.Sprintf("calendar: %v", err)}
	}
	if c.Escalation.ReminderAt <= 0 || c.Escalation.ReminderAt >= 1 {
		return &keyError{"escalation", -1, "reminder_at", fmt.Sprintf("escalation.reminder_at %v: use a fraction between 0 and 1", c.Escalation.ReminderAt)}
	}
	return nil
}

func countSet(b ...bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

// Technician returns the configured technician with this address or one of their aliases.
func (c *Config) Technician(email string) (Technician, bool) {
	email = strings.ToLower(email)
	for _, t := range c.Technicians {
		if t.Email == email {
			return t, true
		}
		for _, a := range t.Aliases {
			if a == email {
				return t, true
			}
		}
	}
	return Technician{}, false
}

// LabelFor returns the category's name for a mail in lang.
func (c Category) LabelFor(lang string) string {
	switch {
	case lang == "fr" && c.LabelFR != "":
		return c.LabelFR
	case lang == "en" && c.LabelEN != "":
		return c.LabelEN
	}
	return c.Label
}

// Questions returns a category's questions for a requester writing in lang.
func (c Category) Questions(lang string) []string {
	switch {
	case lang == "fr" && len(c.AskFR) > 0:
		return c.AskFR
	case lang == "en" && len(c.AskEN) > 0:
		return c.AskEN
	}
	return c.Ask
}

// CoordinatorByEmail returns the configured coordinator with this address.
func (c *Config) CoordinatorByEmail(email string) (Coordinator, bool) {
	email = strings.ToLower(email)
	for _, co := range c.Coordinator {
		if co.Email == email {
			return co, true
		}
	}
	return Coordinator{}, false
}

// Category returns the configured category with this name.
func (c *Config) Category(name string) (Category, bool) {
	for _, cat := range c.Categories {
		if cat.Name == name {
			return cat, true
		}
	}
	return Category{}, false
}

// IsStaff reports whether the address is a technician or a coordinator.
func (c *Config) IsStaff(email string) bool {
	_, t := c.Technician(email)
	_, co := c.CoordinatorByEmail(email)
	return t || co
}

// IsDeskAddress reports whether the address is one of the desk's own, plus-addresses included.
func (c *Config) IsDeskAddress(email string) bool {
	email = strings.ToLower(email)
	for _, a := range append([]string{c.Desk.Address}, c.Desk.Addresses...) {
		if email == a {
			return true
		}
		local, domain, _ := strings.Cut(a, "@")
		if l, d, ok := strings.Cut(email, "@"); ok && d == domain && strings.HasPrefix(l, local+"+") {
			return true
		}
	}
	return false
}

// DeskDomain is the domain of the desk address, used for Message-IDs.
func (c *Config) DeskDomain() string {
	_, d, _ := strings.Cut(c.Desk.Address, "@")
	return d
}

// Location is the desk's time zone.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Desk.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Password returns the secret configured by one of password, password_env or password_file.
func Password(plain, env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read password file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return plain, nil
}

// IMAPPassword resolves the IMAP password.
func (c *Config) IMAPPassword() (string, error) {
	return Password(c.IMAP.Password, c.IMAP.PasswordEnv, c.IMAP.PasswordFile)
}

// SMTPPassword resolves the SMTP password.
func (c *Config) SMTPPassword() (string, error) {
	return Password(c.SMTP.Password, c.SMTP.PasswordEnv, c.SMTP.PasswordFile)
}

// LoadSecret reads the HMAC key from the secret file, creating it with mode 0600 if missing.
func LoadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("generate secret: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return LoadSecret(path) // Another process created it first.
		}
		if err != nil {
			return nil, fmt.Errorf("create secret file: %w", err)
		}
		_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("write secret file: %w", werr)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read secret file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("secret file %s: want at least 32 hex digits", path)
	}
	return key, nil
}
