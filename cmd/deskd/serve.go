package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailout"
)

// withApp loads the configuration, builds the parts of deskd a command uses, runs fn and closes
// it.
func withApp(ctx context.Context, e *env, uses part, fn func(*app) error) error {
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, e.log, uses)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// holdGC stops the garbage collector until the returned function is called. `deskd poll --once`
// holds it while it starts: the configuration, the templates, the store and the desk allocate
// some 20 MB, most of which stays, and the collector, whose first goal is 4 MB, went through it
// six times, marking the growing heap each time, for one mark once it is built. The collector
// then runs at pollGCPercent, unless the GOGC environment variable sets its own.
func holdGC() (collect func()) {
	gc := debug.SetGCPercent(-1)
	if os.Getenv("GOGC") == "" {
		gc = pollGCPercent
	}
	return func() { debug.SetGCPercent(gc) }
}

// pollGCPercent is the collector's goal for `deskd poll --once`, a pass that ends: the heap may
// grow to three times what stays live (Go's default, 100, lets it double). The pass's live heap
// is a few batches of mail in flight over the desk's fixed part, some 7 MB since the templates
// keep only what the evaluator runs; the peak is bounded by the batches, not by the inbox.
// bench/run.sh's whole stage (2,000 requests from Dovecot, acks and notices to the sink, desk of
// 0, three alternated runs at load 6-8): 31-36 collections and 2.63-2.69 CPU-s at 100, 14-15
// and 2.39-2.48 at 200 (-8 %), peak RSS 60-63 MB and 70-73 MB (before the templates' heap
// shrank, 100 took 67-70 MB); the whole of bench/run.sh, poll's peak RSS 77-81 MB against
// 68-69 before this and the templates' change. deskd serve keeps Go's default under its memory
// limit.
const pollGCPercent = 200

func serveCommand() *command {
	return &command{
		name: "serve", summary: "Run the daemon: IMAP ingest, the outbox sender and the scheduled jobs.",
		run: func(ctx context.Context, e *env, args []string) error {
			return withApp(ctx, e, serving, func(a *app) error { return a.serveLimited(ctx) })
		},
	}
}

func pollCommand() *command {
	return &command{
		name: "poll", args: "--once", summary: "Process everything now in the inbox, send what is due, exit.",
		flags: func(fs *flag.FlagSet) { fs.Bool("once", true, "one pass (the only mode)") },
		run: func(ctx context.Context, e *env, args []string) error {
			collect := holdGC()
			return withApp(ctx, e, serving, func(a *app) error {
				collect()
				// The sender follows the ingest: each commit that queues mail wakes it, so the
				// acknowledgements leave while the rest of the inbox is read.
				stop, followed := make(chan struct{}), make(chan int, 1)
				go func() { followed <- a.out.Follow(ctx, stop) }()
				st, err := a.in.Once(ctx)
				close(stop)
				early := <-followed
				if err != nil {
					return err
				}
				sent, err := a.out.Drain(ctx, time.Now())
				sent += early
				summary := fmt.Sprintf("fetched %d: opened %d, into tickets %d, duplicates %d, automatic %d, quarantined %d, retry later %d; sent %d",
					st.Fetched, st.Opened, st.Appended, st.Duplicates, st.Automatic, st.Quarantined, st.Failed, sent)
				if errors.Is(err, mailout.ErrUnreachable) {
					// The inbox is done; the mail waits in the outbox for the server (exitHeld).
					queued, _, cerr := a.store.OutboxDepth(ctx)
					if cerr != nil {
						return errors.Join(err, cerr)
					}
					fmt.Fprintf(e.stdout, "%s; %d mails stay queued: the SMTP server cannot be reached\n", summary, queued)
					return statusError{exitHeld, fmt.Errorf("%w; the next poll or deskd serve sends it", err)}
				}
				if err == nil {
					// Mails not sent in this pass (a retry's wait, a claim of another live
					// sender) are said, so that a pass that leaves work behind does not look done.
					n, _, cerr := a.store.OutboxDepth(ctx) // The pending rows alone: not a count of all the sent ones.
					if cerr != nil {
						return cerr
					}
					if n > 0 {
						summary += fmt.Sprintf("; %s stay queued for a later try", count(n, "mail", "mails"))
					}
				}
				fmt.Fprintln(e.stdout, summary)
				return err
			})
		},
	}
}

// runCommand runs one scheduled job now: "deskd run escalation".
func runCommand(name string) *command {
	var nowFlag string
	return &command{
		name: "run " + name, args: "[--now RFC3339]", summary: "Run the " + name + " job once, then send what it queued.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&nowFlag, "now", "", "run as if the clock read this time (RFC 3339); what the job does is recorded at that time, so a time in the future puts it after what happens meanwhile in the tickets' history, and in ticket list --since (for tests and demos)")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			now := time.Now()
			if nowFlag != "" {
				t, err := time.Parse(time.RFC3339, nowFlag)
				if err != nil {
					return usagef("--now %q: want RFC 3339, e.g. 2026-11-26T09:00:00+01:00", nowFlag)
				}
				now = t
			}
			return withApp(ctx, e, triaging, func(a *app) error {
				if err := a.jobs[name](ctx, now); err != nil {
					return err
				}
				// The job ran as of --now; the sender works on the real clock. The job's work is
				// committed whatever the sender does: exit 0, so that nobody runs it twice.
				sent, err := a.drain(ctx)
				if err != nil {
					fmt.Fprintf(e.stdout, "%s: done; mail queued, not sent now (%s): deskd serve will send it\n", name, oneLine(err.Error()))
					return nil
				}
				fmt.Fprintf(e.stdout, "%s: done; sent %s\n", name, count(sent, "mail", "mails"))
				return nil
			})
		},
	}
}
