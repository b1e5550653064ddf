package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func versionCommand() *command {
	return &command{
		name: "version", summary: "Print the version and build information.",
		run: func(ctx context.Context, e *env, args []string) error {
			fmt.Fprintln(e.stdout, versionLine())
			return nil
		},
	}
}

// versionLine is what `deskd version` prints: the version, then the module, the commit (when the
// binary was built from a checkout) and the toolchain, e.g.
// "deskd dev (github.com/deskd/deskd 70bcce5a1b2c, go1.26.8, linux/amd64)".
func versionLine() string {
	var build []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		mod := bi.Main.Path
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				mod += " " + s.Value[:min(12, len(s.Value))]
			case s.Key == "vcs.modified" && s.Value == "true":
				mod += "+changes"
			}
		}
		if mod = strings.TrimSpace(mod); mod != "" {
			build = append(build, mod)
		}
	}
	build = append(build, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("deskd %s (%s)", version, strings.Join(build, ", "))
}

func checkCommand() *command {
	return &command{
		name: "check", summary: "Validate the config, open the database, reach IMAP and SMTP.",
		run: func(ctx context.Context, e *env, args []string) error { return check(ctx, e) },
	}
}

// check builds deskd part by part, as newApp does, and says what is wrong with each part in
// words: a broken part does not hide the others' problems.
func check(ctx context.Context, e *env) error {
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "config %s: ok (%s, %s, %s)\n", e.configPath,
		count(len(cfg.Desk.Technicians), "technician", "technicians"), count(len(cfg.Desk.Coordinator), "coordinator", "coordinators"),
		count(len(cfg.Desk.Categories), "category", "categories"))
	for _, w := range cfg.Warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", w)
	}
	lines, warnings := securitySummary(cfg)
	for _, l := range lines {
		fmt.Fprintf(e.stdout, "security: %s\n", l)
	}
	for _, w := range warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", w)
	}
	failed := 0
	fail := func(err error) {
		fmt.Fprintf(e.stdout, "%v\n", err)
		failed++
	}
	d, done, err := checkDesk(ctx, cfg, e, fail)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer done()
	if err := printInstances(ctx, e.stdout, d.Store, time.Now(), cfg.Desk.Location()); err != nil {
		fail(fmt.Errorf("database: %w", err))
	}
	if _, err := templates.Load(cfg.Templates); err != nil {
		fail(err) // It names the templates and the file.
	} else if cfg.Templates != "" {
		fmt.Fprintf(e.stdout, "templates %s: ok\n", cfg.Templates)
	}
	if err := cfg.ReadPasswords(); err != nil {
		fail(err)
	}
	// Each server gets 30 seconds to answer.
	within := func(f func(context.Context) error) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return f(ctx)
	}
	tokens, tokensOK := checkOAuth(ctx, e, cfg, fail)
	in := mailin.NewIngester(d, ingestSettings(cfg, d, tokens), e.log)
	if cfg.IMAP.OAuth() && !tokensOK {
		fmt.Fprintf(e.stdout, "imap %s: not checked: no OAuth2 token\n", cfg.IMAP.Address)
	} else if err := within(in.Check); err != nil {
		fail(fmt.Errorf("imap: %w", err))
	} else {
		fmt.Fprintf(e.stdout, "imap %s: ok (mailbox %s)\n", cfg.IMAP.Address, cfg.IMAP.Mailbox)
		var fr *mailin.FirstRun
		if err := within(func(ctx context.Context) (err error) { fr, err = in.Preview(ctx); return err }); err != nil {
			fail(fmt.Errorf("imap: %w", err))
		} else if fr != nil {
			fmt.Fprintln(e.stdout, firstRunLine(fr))
		}
	}
	// The built-in templates: a broken override is reported above.
	if cfg.SMTP.OAuth() && !tokensOK {
		fmt.Fprintf(e.stdout, "smtp %s: not checked: no OAuth2 token\n", cfg.SMTP.Address)
	} else if err := checkSMTP(d, cfg, tokens, within, e); err != nil {
		fail(fmt.Errorf("smtp: %w", err))
	} else {
		fmt.Fprintf(e.stdout, "smtp %s: ok\n", cfg.SMTP.Address)
	}
	if failed > 0 {
		return fmt.Errorf("%s failed", count(failed, "check", "checks"))
	}
	return nil
}

// checkDesk opens the desk that check checks the servers with, creating nothing: the database
// and the secret file when they exist (and says so), else a desk in a temporary folder, removed by
// done, as a first run would find it (and says what serve would create). A database without its
// secret file is a failure: serve would make a new secret, and every link and reply address
// already mailed would stop working.
func checkDesk(ctx context.Context, cfg *config.File, e *env, fail func(error)) (d *tickets.Desk, done func(), err error) {
	path := cfg.Database
	var missing []string
	if !tickets.IsPostgres(path) {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			where := "deskd serve would create it"
			if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, fs.ErrNotExist) {
				where += ", and its folder " + filepath.Dir(path)
			}
			fmt.Fprintf(e.stdout, "database %s: does not exist (%s): a new, empty desk\n", path, where)
			missing = append(missing, "database")
		} else if err != nil {
			return nil, nil, err
		}
	}
	var secret []byte
	if _, err := os.Stat(cfg.SecretFile); errors.Is(err, fs.ErrNotExist) {
		switch {
		case tickets.IsPostgres(path):
			// A PostgreSQL desk cannot be told new from used without opening it: warn only.
			fmt.Fprintf(e.stdout, "warning: secret file %s: does not exist (deskd serve would create it): if this desk "+
				"already mailed links and reply addresses, restore the file or correct secret_file\n", cfg.SecretFile)
		case len(missing) == 0:
			fail(fmt.Errorf("secret file %s: does not exist, but the database does: deskd serve would create a new secret, and "+
				"every link and reply address already mailed would stop working; restore the file or correct secret_file", cfg.SecretFile))
		default:
			fmt.Fprintf(e.stdout, "secret file %s: does not exist (deskd serve would create it)\n", cfg.SecretFile)
		}
		secret = make([]byte, 32) // For the checks below only: signs nothing that is kept.
		if _, err := rand.Read(secret); err != nil {
			return nil, nil, err
		}
	} else if secret, err = config.LoadSecret(cfg.SecretFile); err != nil {
		return nil, nil, err
	} else if len(missing) > 0 {
		fmt.Fprintf(e.stdout, "warning: the secret file %s exists but the database does not: is database's path right?\n", cfg.SecretFile)
	}
	tmp := ""
	if len(missing) > 0 {
		if tmp, err = os.MkdirTemp("", "deskd-check-"); err != nil {
			return nil, nil, err
		}
		path = filepath.Join(tmp, "deskd.db")
	}
	cleanup := func() {
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
	}
	store, err := tickets.OpenStore(ctx, path)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	done = func() { closeStore(store, e.log); cleanup() }
	if d, err = tickets.NewDesk(&cfg.Desk, store, secret, e.log); err != nil {
		done()
		return nil, nil, err
	}
	if tmp == "" {
		v, err := store.SchemaVersion(ctx)
		if err != nil {
			done()
			return nil, nil, err
		}
		fmt.Fprintf(e.stdout, "database %s: ok (%s, schema %d)\n", tickets.Redact(cfg.Database), store.Dialect(), v)
	}
	return d, done, nil
}

// checkSMTP logs in to the SMTP server as the sender would.
func checkSMTP(d *tickets.Desk, cfg *config.File, tokens mailin.TokenSource, within func(func(context.Context) error) error, e *env) error {
	out, err := mailout.New(cfg.SMTP, cfg.Desk.Desk, d.Store, d.Signer, nil, e.log)
	if err != nil {
		return err
	}
	out.SetTokens(tokens)
	return within(out.Check)
}

// firstRunLine says what the first run on the mailbox will take: "first run: 1 mail; 20 already
// read are left alone".
func firstRunLine(fr *mailin.FirstRun) string {
	age := fr.AckMaxAge.String()
	if d := fr.AckMaxAge; d > 0 && d%(24*time.Hour) == 0 {
		age = fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	line := "first run: " + plural(fr.Take, "mail", "mails")
	if fr.NoAck > 0 {
		line += fmt.Sprintf(" (%d arrived over %s ago: %s, no acknowledgement)", fr.NoAck, age, count1(fr.NoAck, "a ticket", "tickets"))
	}
	if fr.Leave > 0 {
		verb := count1(fr.Leave, "is", "are")
		switch fr.Backfill {
		case mailin.BackfillUnseen:
			line += fmt.Sprintf("; %d already read %s left alone", fr.Leave, verb)
		default:
			line += fmt.Sprintf("; %d older than %s %s left alone", fr.Leave, fr.Backfill, verb)
		}
	}
	return line
}

// plural is "1 mail", "2 mails".
func plural(n int, one, many string) string { return fmt.Sprintf("%d %s", n, count1(n, one, many)) }

func count1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
