package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// checks are extra reachability checks that the mail packages add (IMAP, SMTP, templates); they
// get the desk that check opened.
var checks []func(ctx context.Context, e *env, cfg *config.File, d *tickets.Desk) error

// deliver sends what the outbox has due, if a sender is wired in; otherwise mails stay queued
// for `deskd serve`.
var deliver = func(ctx context.Context, e *env, cfg *config.File, d *tickets.Desk) error { return nil }

func init() {
	register(&command{
		name: "version", summary: "Print the version and build information.",
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			rev, mod := "", ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				mod = bi.Main.Path
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						rev = s.Value
					}
				}
			}
			fmt.Fprintf(e.stdout, "deskd %s (%s %s, %s, %s/%s)\n", version, mod, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
	register(&command{
		name: "check", summary: "Validate the config, open the database, reach IMAP and SMTP.",
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			cfg, err := config.Load(e.configPath)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "config %s: ok (%d technicians, %d coordinators, %d categories)\n", e.configPath,
				len(cfg.Desk.Technicians), len(cfg.Desk.Coordinator), len(cfg.Desk.Categories))
			for _, w := range cfg.Warnings {
				fmt.Fprintf(e.stdout, "warning: %s\n", w)
			}
			d, done, err := openDeskWith(ctx, e, cfg)
			if err != nil {
				return fmt.Errorf("database: %w", err)
			}
			defer done()
			v, err := d.Store.SchemaVersion(ctx)
			if err != nil {
				return fmt.Errorf("database: %w", err)
			}
			fmt.Fprintf(e.stdout, "database %s: ok (schema %d)\n", cfg.Database, v)
			failed := 0
			for _, c := range checks {
				if err := c(ctx, e, cfg, d); err != nil {
					fmt.Fprintf(e.stdout, "%v\n", err)
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d check(s) failed", failed)
			}
			return nil
		},
	})
}
