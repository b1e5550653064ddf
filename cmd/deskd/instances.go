package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailout"
	"github.com/deskd/deskd/tickets"
)

// Several `deskd serve` may share one desk (one PostgreSQL database, or one SQLite file on one
// machine). Each sends: outbox rows are claimed (tickets.Store.DueMail), and a dead instance's
// claims are taken back by its heartbeat (mailout.HeartbeatTimeout). One at a time reads a
// mailbox: ingest holds the mailbox's role (tickets.Store.HoldRole) while it reads, and the
// others wait to take it over. Each scheduled job runs once per schedule: the first instance to
// claim the run does it (tickets.Store.ClaimRun). `deskd check` says who holds what.

// holderName names this process in the store's records of roles and runs.
func holderName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("deskd@%s pid %d", host, os.Getpid())
}

// ingestRole is the role of reading the configured mailbox.
func ingestRole(cfg *config.File) string {
	return fmt.Sprintf("ingest %s %s %s", cfg.IMAP.Address, cfg.IMAP.Username, cfg.IMAP.Mailbox)
}

// ingest runs the ingester while this instance holds the mailbox's role. When the role is lost
// (the connection that holds it failed), the batch in hand is finished and the ingester stops;
// the instance then waits to take the role again, as the others do.
func (a *app) ingest(ctx context.Context) error {
	for ctx.Err() == nil {
		name := ingestRole(a.config())
		a.log.Debug("waiting for the ingest role", "role", name)
		role, err := a.store.HoldRole(ctx, name, a.holder)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.log.Warn("ingest role", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		a.log.Info("ingest role taken: reading the mailbox", "role", name)
		rctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-role.Lost():
				a.log.Warn("ingest role lost (the database connection holding it failed): stopping ingest", "role", name)
				cancel()
			case <-rctx.Done():
			}
		}()
		err = a.in.Run(rctx)
		cancel()
		role.Release()
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

// claimed wraps a scheduled job so that it runs once per schedule across the instances: each
// fires it, and only the first to claim the run (within half the schedule's period) does it.
func (a *app) claimed(name, spec string, run job) job {
	sched, err := cron.ParseStandard(spec)
	return func(ctx context.Context, now time.Time) error {
		if err == nil {
			next := sched.Next(now)
			gap := sched.Next(next).Sub(next) / 2
			ok, err := a.store.ClaimRun(ctx, name, a.holder, now, gap)
			if err != nil {
				return err
			}
			if !ok {
				a.log.Debug("job already run by another instance", "job", name)
				return nil
			}
		}
		return run(ctx, now)
	}
}

// printInstances says, for `deskd check`, who holds each role, which senders are alive and where
// each job last ran, times in loc (the desk's zone), named.
func printInstances(ctx context.Context, w io.Writer, s *tickets.Store, now time.Time, loc *time.Location) error {
	roles, err := s.Roles(ctx)
	if err != nil {
		return err
	}
	for _, r := range roles {
		switch {
		case r.Held && r.Client != "":
			fmt.Fprintf(w, "role %s: held by %s (taken %s)\n", r.Name, r.Client, fmtTime(&r.Since, loc))
		case r.Held:
			fmt.Fprintf(w, "role %s: held by %s (taken %s)\n", r.Name, r.Holder, fmtTime(&r.Since, loc))
		default:
			fmt.Fprintf(w, "role %s: free (last held by %s)\n", r.Name, r.Holder)
		}
	}
	beats, err := s.Heartbeats(ctx, now.Add(-mailout.HeartbeatTimeout))
	if err != nil {
		return err
	}
	self := mailout.Self()
	for c, at := range beats {
		who, gone := c, false
		if cl, ok := mailout.ParseClaimant(c); ok {
			who, gone = fmt.Sprintf("pid %d on machine %.8s", cl.PID, cl.Machine), self.Gone(cl)
		}
		if gone { // On this machine, its process is no more: its heartbeat has not run out yet.
			fmt.Fprintf(w, "sender gone: %s (heartbeat %s ago, no such process)\n", who, now.Sub(at).Round(time.Second))
			continue
		}
		fmt.Fprintf(w, "sender alive: %s (heartbeat %s ago)\n", who, now.Sub(at).Round(time.Second))
	}
	runs, err := s.JobRuns(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		fmt.Fprintf(w, "job %s: last run %s by %s\n", r.Job, fmtTime(&r.At, loc), r.Holder)
	}
	return nil
}
