// Package config reads deskd.toml, the file deskd is configured with. The settings themselves
// belong to the rooms that use them, each a plain struct with its defaults and its validation:
// tickets.Config (the desk: [desk], [[technician]], [[coordinator]], [[category]], [sla.*],
// [calendar], [priority], [security], [escalation]), mailin.Config ([imap]), mailout.Config
// ([smtp]), oauth.Config ([oauth2]) and web.Config ([web]). This package composes them into
// one file format: it decodes the file over the rooms' defaults, refuses unknown keys, adds the
// binary's own keys (database, secret_file, templates, [schedule]), takes relative paths from the
// file's directory, reads the passwords, and says on which line a problem is.
package config

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

	"github.com/pelletier/go-toml/v2"
	"github.com/robfig/cron/v3"

	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/oauth"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/web"
)

// File is a loaded configuration file: the rooms' settings and the binary's own.
type File struct {
	Path string // The file it was read from.

	Desk     tickets.Config // The desk: team, categories, SLAs, calendar, policy.
	IMAP     mailin.Config  // [imap]. Password is set by ReadPasswords when it comes from elsewhere.
	SMTP     mailout.Config // [smtp]. Likewise.
	OAuth2   *oauth.Config  // [oauth2], completed; nil when the file has none.
	Web      web.Config     // [web].
	Schedule Schedule       // [schedule].
	Serve    Serve          // [serve].

	Database   string // [desk] database: the SQLite file, or a postgres:// URL. Needs a restart to change.
	SecretFile string // [desk] secret_file: the key of the reply tokens. Needs a restart to change.
	Templates  string // [desk] templates: a directory overriding the built-in templates; "" for none.

	Warnings []string // Problems that do not stop deskd; `deskd check` prints them.

	imapSecret, smtpSecret secretSource
	data                   []byte // The file's text, to find the line of a problem.
}

// Schedule is the [schedule] section: when the jobs run, in cron syntax.
type Schedule struct {
	Escalation string `toml:"escalation"`
	Digest     string `toml:"digest"`
	AutoClose  string `toml:"autoclose"`
	Prune      string `toml:"prune"` // Retention: see desk.keep_raw.
}

// DefaultSchedule returns the [schedule] defaults.
func DefaultSchedule() Schedule {
	return Schedule{Escalation: "@every 1m", Digest: "0 8 * * 1-5", AutoClose: "@every 1h", Prune: "30 3 * * *"}
}

// Jobs returns the schedule by job name.
func (s Schedule) Jobs() map[string]string {
	return map[string]string{"escalation": s.Escalation, "digest": s.Digest, "autoclose": s.AutoClose, "prune": s.Prune}
}

// Serve is the [serve] section: how the daemon (deskd serve) runs.
type Serve struct {
	// MemoryLimit is the Go runtime's soft memory limit (runtime/debug.SetMemoryLimit): near it
	// the collector runs more often and gives freed memory back to the system at once. It counts
	// the Go heap, stacks and runtime, not SQLite's page caches nor the binary. 0 for none. The
	// GOMEMLIMIT environment variable, when set, wins.
	MemoryLimit tickets.Size `toml:"memory_limit"`
}

// DefaultServe returns the [serve] defaults.
func DefaultServe() Serve { return Serve{MemoryLimit: 24 << 20} }

// secretSource is where a password comes from besides the password key: an environment variable
// or a file.
type secretSource struct{ Env, File string }

// layout is the file as TOML sees it. The embedded tickets.Config gives the desk's sections; its
// [desk] is shadowed by Desk, which adds the binary's keys to the desk's.
type layout struct {
	tickets.Config
	Desk     deskSection   `toml:"desk"`
	IMAP     imapSection   `toml:"imap"`
	SMTP     smtpSection   `toml:"smtp"`
	OAuth2   *oauth.Config `toml:"oauth2"`
	Web      web.Config    `toml:"web"`
	Schedule Schedule      `toml:"schedule"`
	Serve    Serve         `toml:"serve"`
}

type deskSection struct {
	tickets.DeskConfig
	Database   string `toml:"database"`
	SecretFile string `toml:"secret_file"`
	Templates  string `toml:"templates"`
}

type imapSection struct {
	mailin.Config
	PasswordEnv  string `toml:"password_env"`
	PasswordFile string `toml:"password_file"`
}

type smtpSection struct {
	mailout.Config
	PasswordEnv  string `toml:"password_env"`
	PasswordFile string `toml:"password_file"`
}

// Error is a problem in a configuration file, with its line when known.
type Error struct {
	File string
	Line int // 0 when unknown.
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads, strictly decodes and validates the configuration file at path. Passwords are not
// read yet: see ReadPasswords.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes TOML data as if read from the file name; relative paths in it are taken relative
// to that file's directory.
func Parse(name string, data []byte) (*File, error) {
	def := tickets.DefaultConfig()
	l := layout{
		Config:   def,
		Desk:     deskSection{DeskConfig: def.Desk, Database: "deskd.db", SecretFile: "deskd.secret"},
		IMAP:     imapSection{Config: mailin.DefaultConfig()},
		SMTP:     smtpSection{Config: mailout.DefaultConfig()},
		Web:      web.DefaultConfig(),
		Schedule: DefaultSchedule(),
		Serve:    DefaultServe(),
	}
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		var strict *toml.StrictMissingError
		var derr *toml.DecodeError
		switch {
		case errors.As(err, &strict) && len(strict.Errors) > 0:
			e := strict.Errors[0]
			row, _ := e.Position()
			return nil, &Error{File: name, Line: row, Msg: fmt.Sprintf("unknown key %q", strings.Join(e.Key(), "."))}
		case errors.As(err, &derr):
			row, _ := derr.Position()
			return nil, &Error{File: name, Line: row, Msg: derr.Error()}
		default:
			return nil, &Error{File: name, Msg: err.Error()}
		}
	}
	dir := filepath.Dir(name)
	f := &File{
		Path: name, Desk: l.Config, IMAP: l.IMAP.Config, SMTP: l.SMTP.Config, OAuth2: l.OAuth2, Web: l.Web, Schedule: l.Schedule, Serve: l.Serve,
		Database: resolveDatabase(dir, l.Desk.Database), SecretFile: resolvePath(dir, l.Desk.SecretFile),
		Templates:  resolvePath(dir, l.Desk.Templates),
		imapSecret: secretSource{l.IMAP.PasswordEnv, resolvePath(dir, l.IMAP.PasswordFile)},
		smtpSecret: secretSource{l.SMTP.PasswordEnv, resolvePath(dir, l.SMTP.PasswordFile)},
		data:       data,
	}
	f.Desk.Desk = l.Desk.DeskConfig
	f.Desk.Complete()
	if f.OAuth2 != nil {
		beside := dir // The token file goes beside the database, or the config for PostgreSQL.
		if !tickets.IsPostgres(f.Database) {
			beside = filepath.Dir(f.Database)
		}
		f.OAuth2.SetDefaults(beside, dir)
	}
	if err := f.validate(); err != nil {
		return nil, err
	}
	f.Warnings = f.Desk.Warnings()
	if f.OAuth2 != nil && !f.IMAP.OAuth() && !f.SMTP.OAuth() {
		f.Warnings = append(f.Warnings, `[oauth2] is set, but neither imap.auth nor smtp.auth is "xoauth2" or "oauthbearer": it is not used`)
	}
	return f, nil
}

// validate checks each room's settings, then the file's own.
func (f *File) validate() error {
	if err := f.Desk.Validate(templates.Available(f.Templates)); err != nil {
		var ce *tickets.ConfigError
		if errors.As(err, &ce) {
			return f.errAt(ce.Table, ce.Index, ce.Key, ce.Msg)
		}
		return &Error{File: f.Path, Msg: err.Error()}
	}
	if err := f.IMAP.Validate(); err != nil {
		var ce *mailin.ConfigError
		if errors.As(err, &ce) {
			return f.errAt("imap", -1, ce.Key, "imap."+ce.Msg)
		}
		return &Error{File: f.Path, Msg: "imap: " + err.Error()}
	}
	if err := f.SMTP.Validate(); err != nil {
		var ce *mailout.ConfigError
		if errors.As(err, &ce) {
			return f.errAt("smtp", -1, ce.Key, "smtp."+ce.Msg)
		}
		return &Error{File: f.Path, Msg: "smtp: " + err.Error()}
	}
	if err := f.Web.Validate(); err != nil {
		var ce *web.ConfigError
		if errors.As(err, &ce) {
			return f.errAt("web", -1, ce.Key, "web."+ce.Msg)
		}
		return &Error{File: f.Path, Msg: "web: " + err.Error()}
	}
	if f.OAuth2 != nil {
		if err := f.OAuth2.Validate(); err != nil {
			var ke *oauth.KeyError
			if errors.As(err, &ke) {
				return f.errAt("oauth2", -1, ke.Key, ke.Msg)
			}
			return &Error{File: f.Path, Msg: "oauth2: " + err.Error()}
		}
	}
	for _, s := range []struct {
		table, auth string
		oauth       bool
	}{{"imap", f.IMAP.Auth, f.IMAP.OAuth()}, {"smtp", f.SMTP.Auth, f.SMTP.OAuth()}} {
		if s.oauth && f.OAuth2 == nil {
			return f.errAt(s.table, -1, "auth", fmt.Sprintf("%s.auth %q needs an [oauth2] section: the provider and the application deskd signs in with", s.table, s.auth))
		}
	}
	for _, s := range []struct {
		table    string
		password string
		src      secretSource
	}{{"imap", f.IMAP.Password, f.imapSecret}, {"smtp", f.SMTP.Password, f.smtpSecret}} {
		if countSet(s.password != "", s.src.Env != "", s.src.File != "") > 1 {
			return f.errAt(s.table, -1, "password", s.table+": set only one of password, password_env, password_file")
		}
	}
	for name, spec := range f.Schedule.Jobs() {
		if _, err := cron.ParseStandard(spec); err != nil {
			return f.errAt("schedule", -1, name, fmt.Sprintf("schedule.%s %q: %v", name, spec, err))
		}
	}
	return nil
}

// errAt is a problem with a key, at the key's line.
func (f *File) errAt(table string, index int, key, msg string) error {
	return &Error{File: f.Path, Line: lineOf(f.data, table, index, key), Msg: msg}
}

// lineOf finds the line of a key: in table (an array of tables when index ≥ 0, at that entry).
// 0 when the key is not written in the file.
func lineOf(data []byte, table string, index int, key string) int {
	cur, count := "", -1
	for i, line := range strings.Split(string(data), "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "[["):
			name := strings.TrimSpace(strings.Trim(l[:strings.Index(l+"]]", "]]")], "[ "))
			if name == table {
				count++
			}
			cur = name
		case strings.HasPrefix(l, "["):
			cur = strings.TrimSpace(strings.Trim(l[:strings.Index(l+"]", "]")], "[ "))
		default:
			k, _, ok := strings.Cut(l, "=")
			if ok && cur == table && strings.TrimSpace(k) == key && (index < 0 || count == index) {
				return i + 1
			}
		}
	}
	return 0
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

// resolveDatabase resolves a SQLite path; a PostgreSQL URL is kept as it is.
func resolveDatabase(dir, db string) string {
	if tickets.IsPostgres(db) {
		return db
	}
	return resolvePath(dir, db)
}

func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

// ReadPasswords reads the IMAP and SMTP passwords that come from password_env or password_file
// into IMAP.Password and SMTP.Password. Commands call it for the servers they connect to
// (ReadIMAPPassword, ReadSMTPPassword); those that only read the database need no password.
func (f *File) ReadPasswords() error {
	if err := f.ReadIMAPPassword(); err != nil {
		return err
	}
	return f.ReadSMTPPassword()
}

// ReadIMAPPassword reads the IMAP password into IMAP.Password, when it comes from password_env
// or password_file.
func (f *File) ReadIMAPPassword() error {
	return f.readPassword("imap", f.imapSecret, &f.IMAP.Password)
}

// ReadSMTPPassword reads the SMTP password into SMTP.Password, when it comes from password_env
// or password_file and there is a username to log in with: a server that takes the desk's mail
// without login (username = "") needs no password.
func (f *File) ReadSMTPPassword() error {
	if f.SMTP.Username == "" {
		return nil
	}
	return f.readPassword("smtp", f.smtpSecret, &f.SMTP.Password)
}

func (f *File) readPassword(table string, src secretSource, dst *string) error {
	if src.Env == "" && src.File == "" {
		return nil
	}
	p, err := Password(*dst, src.Env, src.File)
	if err != nil {
		key := "password_env"
		if src.File != "" {
			key = "password_file"
		}
		return f.errAt(table, -1, key, fmt.Sprintf("%s.%s: %v", table, key, err))
	}
	*dst = p
	return nil
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

// LoadSecret reads the HMAC key of reply tokens from the secret file, creating it with mode 0600
// if missing.
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
	// Whoever reads the key can sign tokens, and so act as any member of the staff.
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("secret file %s is open to others (mode %04o): chmod 600 %s", path, st.Mode().Perm(), path)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("secret file %s: want at least 32 hex digits", path)
	}
	return key, nil
}

// RestartKeys names the keys that differ between two configurations and take effect only when
// deskd starts: a reload logs them and keeps the old values.
func RestartKeys(old, next *File) []string {
	var keys []string
	if old.Database != next.Database {
		keys = append(keys, "desk.database")
	}
	if old.SecretFile != next.SecretFile {
		keys = append(keys, "desk.secret_file")
	}
	if old.Web.Address != next.Web.Address {
		keys = append(keys, "web.address")
	}
	return keys
}
