package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/web"
)

// app is deskd assembled from its configuration: the store, the desk, the templates, the
// ingester that reads the inbox into the desk, the sender that empties the outbox, the web desk,
// and the scheduled jobs. newApp builds it, serve runs it, Reload reconfigures it, Close ends it.
type app struct {
	log   *slog.Logger
	store *tickets.Store
	desk  *tickets.Desk
	in    *mailin.Ingester
	out   *mailout.Sender
	web   *web.Server    // nil when [web] address is "".
	jobs  map[string]job // The scheduled jobs by name (config.Schedule); tests replace them.
	// holder names this process in the store's records of roles and job runs (instances.go).
	holder string

	// sendErr is why the sender cannot log in (its password or its OAuth2 source is unusable),
	// for a command that only queues mail: the mail stays queued for `deskd serve`.
	sendErr error

	mu     sync.Mutex         // Guards cfg, tokens and cron, which Reload replaces.
	cfg    *config.File       // The configuration in force.
	tokens mailin.TokenSource // The OAuth2 tokens of IMAP and SMTP; nil without [oauth2].
	cron   *cron.Cron         // The running schedule; nil unless serving.
	// limits is set by serveLimited: the process's memory limits follow [serve] (memory.go).
	limits bool
}

// job is a scheduled check, a function of the time it runs at.
type job func(ctx context.Context, now time.Time) error

// part is a part of deskd that a command runs. newApp reads the passwords of the parts it is
// given only: a coordinator's `deskd ticket resolve` queues mail and tries to send it, and needs
// no IMAP password.
type part uint8

const (
	ingesting part = 1 << iota // The ingester reads the inbox: the IMAP password must be readable.
	sending                    // The sender must log in to SMTP: the SMTP password must be readable.
	triaging                   // The classifier is ready: trained once on a desk from before its counts were stored.

	serving = ingesting | sending | triaging // `deskd serve`, `deskd poll`.
)

// newApp builds deskd from its configuration, in order: the passwords of the parts it uses and
// the OAuth2 token source, the store and the desk, the templates, the ingester, the sender, the
// web desk, the jobs. Close releases what it opened.
func newApp(ctx context.Context, cfg *config.File, log *slog.Logger, uses part) (*app, error) {
	if uses&ingesting != 0 {
		if err := cfg.ReadIMAPPassword(); err != nil {
			return nil, err
		}
	}
	sendErr := cfg.ReadSMTPPassword()
	if sendErr != nil && uses&sending != 0 {
		return nil, sendErr
	}
	tokens, err := newTokenSource(cfg, log)
	if err != nil && uses&(ingesting|sending) != 0 {
		return nil, err
	}
	if err != nil && sendErr == nil {
		sendErr = err
	}
	tpl, err := templates.Load(cfg.Templates)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	desk, err := openDesk(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	desk.SetWords(tpl) // The desk says its refusals and reasons in the templates' words.
	out, err := mailout.New(cfg.SMTP, cfg.Desk.Desk, desk.Store, desk.Signer, tpl, log)
	if err != nil {
		closeStore(desk.Store, log)
		return nil, err
	}
	out.SetTokens(tokens)
	in := mailin.NewIngester(desk, ingestSettings(cfg, desk, tokens), log)
	desk.OnQueued(out.Wake) // A commit that queued mail wakes the sender at once.
	a := &app{log: log, store: desk.Store, desk: desk, in: in, out: out, cfg: cfg, tokens: tokens, sendErr: sendErr, holder: holderName()}
	if cfg.Web.Enabled() {
		a.web, err = web.New(cfg.Web, web.Options{Desk: desk, Store: desk.Store, Signer: desk.Signer, Words: tpl, Log: log,
			Wake: out.Wake, Search: desk, Probes: a.probes(), Metrics: a.metrics()})
		if err != nil {
			closeStore(desk.Store, log)
			return nil, err
		}
		out.SetLinker(a.web) // Requesters' mails carry their follow-up links; staff get sign-in links.
	}
	a.jobs = map[string]job{"escalation": a.escalation, "digest": a.digest, "autoclose": a.autoclose, "prune": a.prune}
	if uses&triaging != 0 {
		a.train(ctx)
	}
	return a, nil
}

// probes are the readiness checks of /readyz: the database takes writes, the IMAP session is up
// (or was, and reconnecting has not failed yet), the SMTP server was reachable at the last try.
func (a *app) probes() []web.Probe {
	return []web.Probe{
		{Name: "database", Check: func(ctx context.Context) error { return a.store.Writable(ctx, time.Now()) }},
		{Name: "imap", Check: func(context.Context) error {
			st := a.in.Status()
			switch {
			case st.Connected:
				return nil
			case !st.Running:
				return errors.New("the ingester is not running")
			case st.RetryAt.IsZero():
				return errors.New("connecting")
			case !st.FailingSince.IsZero():
				// As for SMTP: the last attempt failed. A session that just ended is not down
				// until reconnecting fails.
				return fmt.Errorf("cannot connect since %s (next try %s): %s", st.FailingSince.Format(time.RFC3339),
					st.RetryAt.Format(time.RFC3339), st.LastErr)
			}
			return nil // Reconnecting within its backoff.
		}},
		{Name: "smtp", Check: func(context.Context) error {
			if st := a.out.Status(); !st.Tried.IsZero() && !st.Reachable {
				return fmt.Errorf("unreachable at %s: %s", st.Tried.Format(time.RFC3339), st.LastErr)
			}
			return nil
		}},
	}
}

// openDesk opens the store and the desk over it: all that commands reading or changing tickets
// need. Close the desk's store when done.
func openDesk(ctx context.Context, cfg *config.File, log *slog.Logger) (*tickets.Desk, error) {
	secret, err := config.LoadSecret(cfg.SecretFile)
	if err != nil {
		return nil, err
	}
	store, err := tickets.OpenStore(tickets.WithLog(ctx, log), cfg.Database) // The reindex says how far it is.
	if err != nil {
		return nil, err
	}
	desk, err := tickets.NewDesk(&cfg.Desk, store, secret, log)
	if err != nil {
		closeStore(store, log)
		return nil, err
	}
	return desk, nil
}

func closeStore(s *tickets.Store, log *slog.Logger) {
	if err := s.Close(); err != nil {
		log.Error("close store", "err", err)
	}
}

// ingestSettings are the ingester's settings for a configuration and its token source.
func ingestSettings(cfg *config.File, d *tickets.Desk, tokens mailin.TokenSource) mailin.Settings {
	return mailin.Settings{IMAP: cfg.IMAP, Parse: mailin.DeskOptions(cfg.Desk.Desk, d.Signer), Language: cfg.Desk.Desk.Language, Tokens: tokens}
}

// Close stops the schedule, if running, and closes the store.
func (a *app) Close() {
	a.mu.Lock()
	c := a.cron
	a.cron = nil
	a.mu.Unlock()
	if c != nil {
		<-c.Stop().Done()
	}
	closeStore(a.store, a.log)
}

// config returns the configuration in force.
func (a *app) config() *config.File {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// train makes the classifier ready for the commands that triage mail: its counts are in the
// store, read at the first request; a desk from before they were kept there is trained once.
func (a *app) train(ctx context.Context) {
	if err := a.desk.PrepareModel(ctx); err != nil {
		a.log.Warn("train classifier", "err", err)
	}
}

func (a *app) escalation(ctx context.Context, now time.Time) error {
	rep, err := a.desk.RunEscalation(ctx, now)
	if len(rep.Escalated)+len(rep.Reminded) > 0 {
		a.log.Info("escalation", "escalated", rep.Escalated, "reminded", rep.Reminded)
	}
	return err
}

func (a *app) digest(ctx context.Context, now time.Time) error {
	n, err := a.desk.RunDigest(ctx, now)
	a.log.Info("digest", "mails", n)
	return err
}

func (a *app) prune(ctx context.Context, now time.Time) error {
	rep, err := a.desk.RunPrune(ctx, now)
	if rep.Tickets+rep.Messages > 0 {
		a.log.Info("retention", "tickets", rep.Tickets, "raw_mails", rep.Messages, "files", rep.Files)
	}
	return err
}

func (a *app) autoclose(ctx context.Context, now time.Time) error {
	ids, err := a.desk.RunAutoClose(ctx, now)
	if len(ids) > 0 {
		a.log.Info("autoclose", "closed", ids)
	}
	return err
}

// drain sends what the outbox has due now and returns how many mails left; mail that cannot leave
// stays queued.
func (a *app) drain(ctx context.Context) (int, error) {
	if a.sendErr != nil {
		return 0, a.sendErr
	}
	return a.out.Drain(ctx, time.Now())
}

// deliver sends what the outbox has due now, for the commands that change tickets; when SMTP is
// unreachable the mail stays queued for `deskd serve`, and the command says so.
func (a *app) deliver(ctx context.Context, stdout io.Writer) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	sent, err := a.drain(ctx)
	if err != nil {
		fmt.Fprintf(stdout, "mail queued; not sent now (%v): deskd serve will send it\n", oneLine(err.Error()))
		return
	}
	if sent > 0 {
		fmt.Fprintf(stdout, "sent %s\n", count(sent, "mail", "mails"))
	}
}

// cronLogger adapts slog to robfig/cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// schedule returns the jobs scheduled as cfg says, not yet started.
func (a *app) schedule(ctx context.Context, cfg *config.File) (*cron.Cron, error) {
	l := cronLogger{a.log}
	// SkipIfStillRunning then Recover: the other order would skip a job forever after a panic.
	c := cron.New(cron.WithLocation(cfg.Desk.Location()), cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)))
	specs := cfg.Schedule.Jobs()
	for name, run := range a.jobs {
		run := a.claimed(name, specs[name], run) // Once per schedule across the instances.
		if _, err := c.AddFunc(specs[name], func() {
			if err := run(ctx, time.Now()); err != nil {
				a.log.Error("job failed", "job", name, "err", err)
			}
			a.out.Wake()
		}); err != nil {
			return nil, fmt.Errorf("schedule %s %q: %w", name, specs[name], err)
		}
	}
	return c, nil
}

// serve runs deskd as the daemon: SIGHUP reloads the configuration, and systemd hears how it
// goes when it started deskd (Type=notify, $NOTIFY_SOCKET).
func (a *app) serve(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return a.serveWith(ctx, hup, systemdFromEnv())
}

// webRetry is how long deskd serve waits before it tries again to bind the web desk's address.
var webRetry = 30 * time.Second

// serveWeb serves the web desk until ctx ends, binding its address first when the start could
// not: every webRetry until it can.
func (a *app) serveWeb(ctx context.Context) error {
	for a.web.Addr() == "" {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(webRetry):
		}
		if err := a.web.Listen(); err != nil {
			a.log.Warn("web desk still not served", "err", err)
			continue
		}
		a.log.Info("web desk bound at last", "address", a.web.Addr())
	}
	return a.web.Run(ctx)
}

// serveWith runs the ingester, the sender and the jobs until ctx ends, and reloads the
// configuration on every value of reload. When the ingester or the sender dies for good (it
// returns an error or panics), the rest is stopped and the error returned: deskd exits non-zero
// and systemd's Restart=on-failure starts it again. The mail in hand is finished before it returns.
//
// systemd is told READY=1 once everything runs, RELOADING=1 then READY=1 around a reload,
// STOPPING=1 on the way out, and, when it set a watchdog, WATCHDOG=1 at half its interval while
// both loops are alive.
func (a *app) serveWith(ctx context.Context, reload <-chan os.Signal, sd *systemd) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := a.desk.LoadModel(ctx); err != nil { // Now, not at the first mail.
		a.log.Warn("load classifier", "err", err)
	}
	var wg sync.WaitGroup
	var alive atomic.Int32 // The loops running.
	var mu sync.Mutex
	var died error // The first loop that died, and why.
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		alive.Add(1)
		go func() {
			defer wg.Done()
			err := a.guard(ctx, name, f)
			alive.Add(-1)
			if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
				return // Stopped as asked.
			}
			if err == nil {
				err = errors.New("returned early")
			}
			a.log.Error(name+" stopped for good: deskd stops", "err", err)
			mu.Lock()
			if died == nil {
				died = fmt.Errorf("%s stopped: %w", name, err)
			}
			mu.Unlock()
			cancel()
		}()
	}
	if a.web != nil && a.web.Addr() == "" {
		if err := a.web.Listen(); err != nil {
			// The mail is the desk's work: a web address taken by another program (Mailpit's
			// web page is on 8025 too) must not stop it. The address is tried again meanwhile.
			a.log.Error("web desk not served: its address cannot be bound; the mail goes on, and the address is tried again", "err", err, "retry", webRetry)
		}
	}
	run("ingest", a.ingest)
	run("sender", func(ctx context.Context) error { a.out.Run(ctx); return nil })
	loops := int32(2)
	if a.web != nil {
		run("web", a.serveWeb) // Stops accepting at the end, and finishes the requests in hand.
		loops++
	}
	cfg := a.config()
	c, err := a.schedule(ctx, cfg)
	if err != nil {
		cancel()
		wg.Wait()
		return err
	}
	a.mu.Lock()
	a.cron = c
	a.mu.Unlock()
	c.Start()
	if sd.watchdog > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(sd.watchdog / 2)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if alive.Load() == loops && ctx.Err() == nil {
						a.tell(sd, "WATCHDOG=1")
					}
				}
			}
		}()
	}
	webAddr := ""
	if a.web != nil {
		webAddr = a.web.BaseURL()
	}
	a.log.Info("deskd serving", "desk", cfg.Desk.Desk.Address, "imap", cfg.IMAP.Address, "smtp", cfg.SMTP.Address, "web", webAddr)
	a.logSecurity(cfg)
	a.tell(sd, "READY=1", "STATUS=serving")
	for {
		select {
		case <-ctx.Done():
			a.tell(sd, "STOPPING=1")
			a.mu.Lock()
			c := a.cron
			a.cron = nil
			a.mu.Unlock()
			<-c.Stop().Done()
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			if died != nil {
				a.log.Error("deskd stopped", "err", died)
				return died
			}
			a.log.Info("deskd stopped")
			return nil
		case <-reload:
			a.tell(sd, reloading()...)
			if err := a.Reload(ctx); err != nil {
				a.log.Error("reload: keeping the old configuration", "err", err)
				a.tell(sd, "READY=1", "STATUS=serving; reload failed, old configuration kept: "+oneLine(err.Error()))
				continue
			}
			a.log.Info("configuration reloaded")
			a.logSecurity(a.config())
			a.tell(sd, "READY=1", "STATUS=serving")
		}
	}
}

// guard runs one loop of the daemon, turning a panic into an error (its stack is logged).
func (a *app) guard(ctx context.Context, name string, f func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("panic", "part", name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f(ctx)
}

// tell sends systemd a notification, logging a failure (the watchdog's at debug level: it
// repeats every few seconds).
func (a *app) tell(sd *systemd, fields ...string) {
	if err := sd.notify(fields...); err != nil {
		if fields[0] == "WATCHDOG=1" {
			a.log.Debug("systemd watchdog", "err", err)
			return
		}
		a.log.Warn("systemd", "err", err)
	}
}

// logSecurity logs what protects the desk with cfg, and its warnings (securitySummary).
func (a *app) logSecurity(cfg *config.File) {
	lines, warnings := securitySummary(cfg)
	for _, l := range lines {
		a.log.Info("security: " + l)
	}
	for _, w := range warnings {
		a.log.Warn("security: " + w)
	}
}

// Reload reads the configuration file again and applies it whole, or not at all. Everything the
// new file names is checked first: its keys, the passwords it reads, its templates, its schedule.
// Only then are the desk, the ingester, the sender and the schedule switched over. Keys that take
// effect only at start (config.RestartKeys) are logged and keep their old values.
func (a *app) Reload(ctx context.Context) error {
	old := a.config()
	next, err := config.Load(old.Path)
	if err != nil {
		return err
	}
	if err := next.ReadPasswords(); err != nil {
		return err
	}
	tpl, err := templates.Load(next.Templates)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	if err := next.SMTP.ValidateSend(); err != nil {
		return fmt.Errorf("smtp.%w", err)
	}
	a.mu.Lock()
	tokens, err := reloadTokenSource(old, next, a.tokens, a.log)
	a.mu.Unlock()
	if err != nil {
		return err
	}
	for _, key := range config.RestartKeys(old, next) {
		a.log.Warn("reload: this key takes effect at the next start; kept as it was", "key", key)
	}
	next.Database, next.SecretFile = old.Database, old.SecretFile
	a.mu.Lock()
	defer a.mu.Unlock()
	var sched *cron.Cron
	if a.cron != nil {
		if sched, err = a.schedule(ctx, next); err != nil {
			return err
		}
	}
	// Everything is checked: switch every part over.
	if err := a.desk.SetConfig(&next.Desk); err != nil {
		return err // Its calendar, which Load validated: nothing is switched yet.
	}
	a.desk.SetWords(tpl)
	a.in.SetConfig(ingestSettings(next, a.desk, tokens))
	if err := a.out.SetConfig(next.SMTP, next.Desk.Desk, tpl); err != nil {
		a.log.Error("reload: sender", "err", err) // Cannot happen: ValidateSend passed.
	}
	a.out.SetTokens(tokens)
	a.tokens = tokens
	if a.web != nil {
		next.Web.Address = old.Web.Address // Takes effect at the next start.
		if err := a.web.SetConfig(next.Web, tpl); err != nil {
			a.log.Error("reload: web desk", "err", err) // Cannot happen: Load validated [web]; the pages are embedded.
		}
	}
	if sched != nil {
		<-a.cron.Stop().Done() // A job running now finishes first: no job runs twice at once.
		a.cron = sched
		sched.Start()
	}
	a.cfg = next
	if a.limits {
		limitMemory(next.Serve, a.log)
	}
	return nil
}
