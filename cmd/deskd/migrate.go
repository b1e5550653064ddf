package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// migrateCommand copies the desk's SQLite database into an empty PostgreSQL database.
func migrateCommand() *command {
	var to string
	return &command{
		name: "migrate", args: "--to postgres://…",
		summary: "Copy the desk's SQLite database into an empty PostgreSQL database, and count.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&to, "to", "", "the PostgreSQL database (postgres://USER@HOST/DB); it must hold no desk yet")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if !tickets.IsPostgres(to) {
				return usagef("--to: want a postgres:// or postgresql:// URL")
			}
			cfg, err := config.Load(e.configPath)
			if err != nil {
				return err
			}
			if tickets.IsPostgres(cfg.Database) {
				return fmt.Errorf("[desk] database is already PostgreSQL (%s): nothing to migrate", tickets.Redact(cfg.Database))
			}
			src, err := tickets.OpenStore(ctx, cfg.Database)
			if err != nil {
				return err
			}
			defer closeStore(src, e.log)
			dst, err := tickets.OpenStore(ctx, to)
			if err != nil {
				return err
			}
			defer closeStore(dst, e.log)
			counts, err := src.CopyTo(ctx, dst)
			if err != nil {
				return err
			}
			var rows int64
			for _, c := range counts {
				fmt.Fprintf(e.stdout, "%-16s %8d rows  ok\n", c.Table, c.Copy)
				rows += c.Copy
			}
			fmt.Fprintf(e.stdout, "copied %d tables, %d rows, from %s to %s; every count matches.\n", len(counts), rows, cfg.Database, tickets.Redact(to))
			fmt.Fprintf(e.stdout, "Now set [desk] database = %q in %s (stop deskd first), and keep %s: every instance needs it.\n",
				tickets.Redact(to), e.configPath, cfg.SecretFile)
			return nil
		},
	}
}
