package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Several processes may share one store: `deskd serve` on two machines over one PostgreSQL
// database (or twice on one SQLite file). A role is a job only one of them may do at a time, such
// as reading a mailbox: HoldRole waits until the caller holds it. Each holder is recorded (table
// roles) for `deskd check`, which also tells whether a process holds the role now (Roles).
//
// On PostgreSQL a role is a session-level advisory lock, on a connection of its own: the server
// releases it when that session ends, so a process that dies, or loses its connection, loses its
// roles, and a waiting process takes them over. The holder pings its connection every rolePing and
// gives the role up (Lost) when a ping fails within rolePingTimeout; the server, which sends TCP
// keepalives on that session every second after five idle ones, ends it once three go
// unanswered. The holder has stopped by then (3 s against 8 s), and a waiting process, which tries
// the lock every roleRetry, holds the role within 10 s of the holder's loss of its connection, and
// within a second of its death (the kernel closes its connection at once).
//
// On SQLite a role is an flock on a file beside the database (DATABASE-role-NAME), which the
// kernel releases when the process dies; it is never lost otherwise.

// Timings of roles on PostgreSQL.
const (
	roleRetry       = time.Second     // A waiting process tries the lock this often.
	rolePing        = time.Second     // The holder pings its connection this often…
	rolePingTimeout = 2 * time.Second // …and gives the role up when a ping takes longer.
)

// Role is a role this process holds (HoldRole).
type Role struct {
	Name     string
	lost     chan struct{}
	once     sync.Once
	release  func()
	released sync.Once
}

// Lost is closed when the role is lost: the connection that holds it failed. The holder stops
// doing the role's work at once; another process may already be taking it over.
func (r *Role) Lost() <-chan struct{} { return r.lost }

func (r *Role) lose() { r.once.Do(func() { close(r.lost) }) }

// Release gives the role up.
func (r *Role) Release() { r.released.Do(r.release) }

// HoldRole waits until this process holds the role name, or ctx ends. holder names the process
// in the record that Roles reads ("deskd@HOST pid N").
func (s *Store) HoldRole(ctx context.Context, name, holder string) (*Role, error) {
	var r *Role
	var err error
	if s.dialect == postgres {
		r, err = s.holdPG(ctx, name, holder)
	} else {
		r, err = s.holdFile(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO roles (name, holder, since) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, since = excluded.since`, name, holder, time.Now().Unix())
		return err
	})
	if err != nil {
		r.Release()
		return nil, fmt.Errorf("record role %s: %w", name, err)
	}
	return r, nil
}

// holdPG takes the role's advisory lock on a connection of its own, retrying every roleRetry.
func (s *Store) holdPG(ctx context.Context, name, holder string) (*Role, error) {
	cfg := s.pg.Copy()
	cfg.RuntimeParams["application_name"] = truncate("deskd "+holder, 63)
	// The server sends keepalives on this session: it ends it, and frees the role, when the
	// holder's machine or network is gone.
	cfg.RuntimeParams["tcp_keepalives_idle"] = "5"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "1"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	cfg.RuntimeParams["tcp_user_timeout"] = "8000"
	key := s.key("role:" + name)
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close(context.Background())
		}
	}()
	for {
		if conn == nil {
			c, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			conn = c
			if err != nil {
				conn = nil
			}
		}
		if conn != nil {
			var got bool
			qctx, cancel := context.WithTimeout(ctx, rolePingTimeout+roleRetry)
			err := conn.QueryRow(qctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got)
			cancel()
			if err == nil && got {
				r := &Role{Name: name, lost: make(chan struct{})}
				held := conn
				conn = nil // Kept by the role now.
				stop := make(chan struct{})
				done := make(chan struct{})
				go s.keepRole(r, held, stop, done)
				r.release = func() {
					close(stop)
					<-done
					ctx, cancel := context.WithTimeout(context.Background(), rolePingTimeout)
					defer cancel()
					_, _ = held.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key)
					_ = held.Close(ctx)
					r.lose()
				}
				return r, nil
			}
			if err != nil {
				_ = conn.Close(context.Background())
				conn = nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(roleRetry):
		}
	}
}

// keepRole pings the connection that holds a role until stop, and loses the role when a ping
// fails.
func (s *Store) keepRole(r *Role, conn *pgx.Conn, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(rolePing)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), rolePingTimeout)
		err := conn.Ping(ctx)
		cancel()
		if err != nil {
			r.lose()
			_ = conn.Close(context.Background())
			<-stop
			return
		}
	}
}

// holdFile takes the role's file lock beside the SQLite database, retrying every roleRetry.
func (s *Store) holdFile(ctx context.Context, name string) (*Role, error) {
	f, err := os.OpenFile(s.roleFile(name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("role %s: %w", name, err)
	}
	for {
		err := lockFile(f, true, false)
		if err == nil {
			r := &Role{Name: name, lost: make(chan struct{})}
			r.release = func() { _ = unlockFile(f); _ = f.Close(); r.lose() }
			return r, nil
		}
		if !errors.Is(err, errLocked) {
			_ = f.Close()
			return nil, fmt.Errorf("role %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(roleRetry):
		}
	}
}

func (s *Store) roleFile(name string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, name)
	return s.lockDir + "-role-" + clean
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// RoleHolder is who last took a role, and whether a process holds it now.
type RoleHolder struct {
	Name   string
	Holder string    // As HoldRole was told.
	Since  time.Time // When it took the role.
	Held   bool      // A process holds the role now (on PostgreSQL: a live session holds its lock).
	Client string    // PostgreSQL: the session holding it now, as the server sees it.
}

// Roles lists the roles taken so far and who holds them.
func (s *Store) Roles(ctx context.Context) ([]RoleHolder, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, holder, since FROM roles ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	var out []RoleHolder
	for rows.Next() {
		var h RoleHolder
		var since int64
		if err := rows.Scan(&h.Name, &h.Holder, &since); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roles: %w", err)
		}
		h.Since = time.Unix(since, 0).UTC()
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	for i := range out {
		if err := s.roleHeld(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// roleHeld tells whether a process holds a role now.
func (s *Store) roleHeld(ctx context.Context, h *RoleHolder) error {
	if s.dialect == postgres {
		key := uint64(s.key("role:" + h.Name))
		var app, addr sql.NullString
		err := s.r.QueryRowContext(ctx, `SELECT a.application_name, host(a.client_addr)
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid::bigint = ? AND l.objid::bigint = ?`, int64(key>>32), int64(key&0xffffffff)).Scan(&app, &addr)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("role %s: %w", h.Name, err)
		}
		h.Held, h.Client = true, strings.TrimPrefix(app.String, "deskd ")
		if addr.Valid {
			h.Client += " from " + addr.String
		}
		return nil
	}
	f, err := os.OpenFile(s.roleFile(h.Name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("role %s: %w", h.Name, err)
	}
	defer f.Close()
	switch err := lockFile(f, true, false); {
	case err == nil:
		_ = unlockFile(f)
	case errors.Is(err, errLocked):
		h.Held = true
	default:
		return fmt.Errorf("role %s: %w", h.Name, err)
	}
	return nil
}

// ClaimRun records that holder runs a scheduled job as of now, unless it ran less than gap
// before: with several processes on one store, each fires the schedule, and the first to claim
// the run does the job. It reports whether the caller is to run it.
func (s *Store) ClaimRun(ctx context.Context, job, holder string, now time.Time, gap time.Duration) (bool, error) {
	var ok bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT at FROM job_runs WHERE job = ?`, job).Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && now.Sub(time.Unix(last, 0)) < gap {
			ok = false
			return nil
		}
		ok = true
		_, err = tx.ExecContext(ctx, `INSERT INTO job_runs (job, at, holder) VALUES (?, ?, ?)
			ON CONFLICT (job) DO UPDATE SET at = excluded.at, holder = excluded.holder`, job, now.Unix(), holder)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim run of %s: %w", job, err)
	}
	return ok, nil
}

// JobRun is the last run of a scheduled job.
type JobRun struct {
	Job, Holder string
	At          time.Time
}

// JobRuns lists the last run of each scheduled job claimed with ClaimRun.
func (s *Store) JobRuns(ctx context.Context) ([]JobRun, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT job, holder, at FROM job_runs ORDER BY job`)
	if err != nil {
		return nil, fmt.Errorf("job runs: %w", err)
	}
	defer rows.Close()
	var out []JobRun
	for rows.Next() {
		var j JobRun
		var at int64
		if err := rows.Scan(&j.Job, &j.Holder, &at); err != nil {
			return nil, fmt.Errorf("job runs: %w", err)
		}
		j.At = time.Unix(at, 0).UTC()
		out = append(out, j)
	}
	return out, rows.Err()
}

// Heartbeat records that a claimant of outbox rows (a sender) is alive at now: a sender on
// another machine tells a dead one from a live one by it (HeartbeatAt).
func (s *Store) Heartbeat(ctx context.Context, claimant string, now time.Time) error {
	return s.writeRows(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO heartbeats (claimant, at) VALUES (?, ?)
			ON CONFLICT (claimant) DO UPDATE SET at = excluded.at`, claimant, now.Unix())
		if err != nil {
			return fmt.Errorf("heartbeat: %w", err)
		}
		// Forget claimants silent for a day: their claims were taken back long ago.
		_, err = tx.ExecContext(ctx, `DELETE FROM heartbeats WHERE at < ?`, now.Add(-24*time.Hour).Unix())
		return err
	})
}

// HeartbeatAt returns a claimant's last heartbeat; false when it never sent one.
func (s *Store) HeartbeatAt(ctx context.Context, claimant string) (time.Time, bool, error) {
	var at int64
	err := s.r.QueryRowContext(ctx, `SELECT at FROM heartbeats WHERE claimant = ?`, claimant).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("heartbeat of %s: %w", claimant, err)
	}
	return time.Unix(at, 0).UTC(), true, nil
}

// Heartbeats lists the claimants that sent a heartbeat since a time, with its time.
func (s *Store) Heartbeats(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT claimant, at FROM heartbeats WHERE at >= ?`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("heartbeats: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var c string
		var at int64
		if err := rows.Scan(&c, &at); err != nil {
			return nil, fmt.Errorf("heartbeats: %w", err)
		}
		out[c] = time.Unix(at, 0).UTC()
	}
	return out, rows.Err()
}
