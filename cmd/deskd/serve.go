package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// daemon is the desk with its mail plumbing: ingest, sender and jobs.
type daemon struct {
	cfg    *config.File
	desk   *tickets.Desk
	in     *mailin.Ingester
	out    *mailout.Sender
	log    *slog.Logger
	closeF func()
	// run holds the scheduled jobs by name; tests replace them.
	run map[string]func(ctx context.Context, now time.Time) error
}

func newDaemon(ctx context.Context, e *env, cfg *config.File) (*daemon, error) {
	tpl, err := templates.Load(cfg.Templates)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if err := cfg.ReadPasswords(); err != nil {
		return nil, err
	}
	d, done, err := openDeskWith(ctx, e, cfg)
	if err != nil {
		return nil, err
	}
	if err := d.TrainModel(ctx); err != nil {
		e.log.Warn("train classifier", "err", err)
	}
	out, err := mailout.New(cfg.SMTP, cfg.Desk.Desk, d.Store, d.Signer, tpl, e.log)
	if err != nil {
		done()
		return nil, err
	}
	in := mailin.NewIngester(d, ingestSettings(cfg, d), e.log)
	in.Processed = func(mailin.Stats) { out.Wake() }
	dm := &daemon{cfg: cfg, desk: d, in: in, out: out, log: e.log, closeF: done}
	dm.run = dm.jobs()
	return dm, nil
}

func (dm *daemon) close() { dm.closeF() }

// ingestSettings are the ingester's settings for a configuration.
func ingestSettings(cfg *config.File, d *tickets.Desk) mailin.Settings {
	return mailin.Settings{IMAP: cfg.IMAP, Parse: mailin.DeskOptions(cfg.Desk.Desk, d.Signer), Language: cfg.Desk.Desk.Language}
}

// withDaemon loads the configuration, builds the daemon, runs fn and closes it.
func withDaemon(ctx context.Context, e *env, fn func(*daemon) error) error {
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return err
	}
	dm, err := newDaemon(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer dm.close()
	return fn(dm)
}

// reload reads the configuration again (SIGHUP); a broken file keeps the old one.
func (dm *daemon) reload(path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	tpl, err := templates.Load(cfg.Templates)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	if err := cfg.ReadPasswords(); err != nil {
		return err
	}
	if err := dm.desk.SetConfig(&cfg.Desk); err != nil {
		return err
	}
	if err := dm.out.SetConfig(cfg.SMTP, cfg.Desk.Desk, tpl); err != nil {
		return err
	}
	dm.in.SetConfig(ingestSettings(cfg, dm.desk))
	dm.cfg = cfg
	return nil
}

// jobs are the scheduled checks, each a function of the time it runs at.
func (dm *daemon) jobs() map[string]func(ctx context.Context, now time.Time) error {
	return map[string]func(ctx context.Context, now time.Time) error{
		"escalation": func(ctx context.Context, now time.Time) error {
			rep, err := dm.desk.RunEscalation(ctx, now)
			if len(rep.Escalated)+len(rep.Reminded) > 0 {
				dm.log.Info("escalation", "escalated", rep.Escalated, "reminded", rep.Reminded)
			}
			return err
		},
		"digest": func(ctx context.Context, now time.Time) error {
			n, err := dm.desk.RunDigest(ctx, now)
			dm.log.Info("digest", "mails", n)
			return err
		},
		"prune": func(ctx context.Context, now time.Time) error {
			rep, err := dm.desk.RunPrune(ctx, now)
			if rep.Tickets+rep.Messages > 0 {
				dm.log.Info("retention", "tickets", rep.Tickets, "raw_mails", rep.Messages, "files", rep.Files)
			}
			return err
		},
		"autoclose": func(ctx context.Context, now time.Time) error {
			ids, err := dm.desk.RunAutoClose(ctx, now)
			if len(ids) > 0 {
				dm.log.Info("autoclose", "closed", ids)
			}
			return err
		},
	}
}

// cronLogger adapts slog to robfig/cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// schedule starts the cron jobs of the configuration.
func (dm *daemon) schedule(ctx context.Context) (*cron.Cron, error) {
	cfg := dm.cfg
	l := cronLogger{dm.log}
	// SkipIfStillRunning then Recover: the other order would skip a job forever after a panic.
	c := cron.New(cron.WithLocation(cfg.Desk.Location()), cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)))
	specs := cfg.Schedule.Jobs()
	for name, job := range dm.run {
		name, job := name, job
		if _, err := c.AddFunc(specs[name], func() {
			if err := job(ctx, time.Now()); err != nil {
				dm.log.Error("job failed", "job", name, "err", err)
			}
			dm.out.Wake()
		}); err != nil {
			return nil, fmt.Errorf("schedule %s %q: %w", name, specs[name], err)
		}
	}
	c.Start()
	return c, nil
}

func init() {
	register(&command{
		name: "serve", summary: "Run the daemon: IMAP ingest, the outbox sender and the scheduled jobs.",
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			return withDaemon(ctx, e, func(dm *daemon) error { return dm.serve(ctx, e.configPath) })
		},
	})

	register(&command{
		name: "poll", args: "--once", summary: "Process everything now in the inbox, send what is due, exit.",
		flags: func(fs *flag.FlagSet) { fs.Bool("once", true, "one pass (the only mode)") },
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			return withDaemon(ctx, e, func(dm *daemon) error {
				st, err := dm.in.Once(ctx)
				if err != nil {
					return err
				}
				sent, err := dm.out.Drain(ctx, time.Now())
				fmt.Fprintf(e.stdout, "fetched %d: opened %d, into tickets %d, duplicates %d, automatic %d, quarantined %d, retry later %d; sent %d\n",
					st.Fetched, st.Opened, st.Appended, st.Duplicates, st.Automatic, st.Quarantined, st.Failed, sent)
				return err
			})
		},
	})

	for _, name := range []string{"escalation", "digest", "autoclose", "prune"} {
		name := name
		var nowFlag string
		register(&command{
			name: "run " + name, args: "[--now RFC3339]", summary: "Run the " + name + " job once, then send what it queued.",
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&nowFlag, "now", "", "run as if the clock read this time (RFC 3339)")
			},
			run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
				now := time.Now()
				if nowFlag != "" {
					t, err := time.Parse(time.RFC3339, nowFlag)
					if err != nil {
						return usagef("--now %q: want RFC 3339, e.g. 2026-11-26T09:00:00+01:00", nowFlag)
					}
					now = t
				}
				return withDaemon(ctx, e, func(dm *daemon) error {
					if err := dm.run[name](ctx, now); err != nil {
						return err
					}
					// The job ran as of --now; the sender works on the real clock. The job's work is
					// committed whatever the sender does: exit 0, so that nobody runs it twice.
					sent, err := dm.out.Drain(ctx, time.Now())
					if err != nil {
						fmt.Fprintf(e.stdout, "%s: done; mail queued, not sent now (%s): deskd serve will send it\n", name, oneLine(err.Error()))
						return nil
					}
					fmt.Fprintf(e.stdout, "%s: done; sent %d mails\n", name, sent)
					return nil
				})
			},
		})
	}

	deliver = func(ctx context.Context, e *env, cfg *config.File, d *tickets.Desk) error {
		tpl, err := templates.Load(cfg.Templates)
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		if err := cfg.ReadPasswords(); err != nil {
			return err
		}
		out, err := mailout.New(cfg.SMTP, cfg.Desk.Desk, d.Store, d.Signer, tpl, e.log)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		sent, err := out.Drain(ctx, time.Now())
		if err != nil {
			fmt.Fprintf(e.stdout, "mail queued; not sent now (%v): deskd serve will send it\n", oneLine(err.Error()))
			return nil
		}
		if sent > 0 {
			fmt.Fprintf(e.stdout, "sent %d mails\n", sent)
		}
		return nil
	}

	checks = append(checks,
		func(ctx context.Context, e *env, cfg *config.File, d *tickets.Desk) error {
			if _, err := templates.Load(cfg.Templates); err != nil {
				return err // It names the templates and the file.
			}
			if cfg.Templates != "" {
				fmt.Fprintf(e.stdout, "templates %s: ok\n", cfg.Templates)
			}
			return nil
		},
		func(ctx context.Context, e *env, cfg *config.File, d *tickets.Desk) error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := mailin.NewIngester(d, ingestSettings(cfg, d), e.log).Check(ctx); err != nil {
				return fmt.Errorf("imap: %w", err)
			}
			fmt.Fprintf(e.stdout, "imap %s: ok (mailbox %s)\n", cfg.IMAP.Address, cfg.IMAP.Mailbox)
			return nil
		},
		func(ctx context.Context, e *env, cfg *config.File, d *tickets.Desk) error {
			tpl, err := templates.Load("") // The built-in ones: a broken override is reported above.
			if err != nil {
				return err
			}
			out, err := mailout.New(cfg.SMTP, cfg.Desk.Desk, d.Store, d.Signer, tpl, e.log)
			if err != nil {
				return fmt.Errorf("smtp: %w", err)
			}
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := out.Check(ctx); err != nil {
				return fmt.Errorf("smtp: %w", err)
			}
			fmt.Fprintf(e.stdout, "smtp %s: ok\n", cfg.SMTP.Address)
			return nil
		},
	)
}

// serve runs ingest, sender and jobs until ctx ends; SIGHUP reloads the configuration.
func (dm *daemon) serve(ctx context.Context, configPath string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					dm.log.Error("panic", "part", name, "panic", p)
					cancel()
				}
			}()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				dm.log.Error(name+" stopped", "err", err)
				cancel()
			}
		}()
	}
	run("ingest", dm.in.Run)
	run("sender", func(ctx context.Context) error { dm.out.Run(ctx); return nil })
	c, err := dm.schedule(ctx)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	dm.log.Info("deskd serving", "desk", dm.cfg.Desk.Desk.Address, "imap", dm.cfg.IMAP.Address, "smtp", dm.cfg.SMTP.Address)
	for {
		select {
		case <-ctx.Done():
			<-c.Stop().Done()
			wg.Wait()
			dm.log.Info("deskd stopped")
			return nil
		case <-hup:
			if err := dm.reload(configPath); err != nil {
				dm.log.Error("reload: keeping the old configuration", "err", err)
				continue
			}
			next, err := dm.schedule(ctx)
			if err != nil {
				dm.log.Error("reload: schedule; keeping the old one", "err", err)
				continue
			}
			<-c.Stop().Done()
			c = next
			dm.log.Info("configuration reloaded")
		}
	}
}
