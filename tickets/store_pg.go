package tickets

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// IsPostgres reports whether a [desk] database names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// Redact returns a database as it may be shown: a URL without its password.
func Redact(database string) string {
	if !IsPostgres(database) {
		return database
	}
	u, err := url.Parse(database)
	if err != nil {
		return "postgres://…" // Unreadable: show nothing of it.
	}
	return u.Redacted()
}

// pgConfig reads a PostgreSQL URL into pgx's settings, with deskd's defaults: a connect timeout,
// TCP keepalives on both sides, and the application name that pg_stat_activity shows.
func pgConfig(database string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(database)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", Redact(database), err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 5 * time.Second}
	cfg.DialFunc = d.DialContext
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "deskd"
	}
	return cfg, nil
}

// openPostgres opens a PostgreSQL store: a pool of writers (each write transaction takes the
// store's advisory write lock), a pool of read-only readers, and no sent journal (MarkSent's
// commit does not wait for other writers there; see sentjournal.go).
func openPostgres(ctx context.Context, database string) (*Store, error) {
	cfg, err := pgConfig(database)
	if err != nil {
		return nil, err
	}
	w := openPG(cfg)
	w.SetMaxOpenConns(8)
	w.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{w: w, dialect: postgres, database: database, pg: cfg, stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	if err := w.QueryRowContext(ctx, `SELECT current_database() || '.' || current_schema()`).Scan(&s.ns); err != nil {
		s.closeQuietly()
		return nil, fmt.Errorf("open store %s: %w", Redact(database), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.closeQuietly()
		return nil, err
	}
	s.search = dialectPG
	if err := s.ensureSearchIndex(ctx); err != nil {
		s.closeQuietly()
		return nil, err
	}
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	s.r = openPG(rcfg)
	s.r.SetMaxOpenConns(8)
	s.r.SetConnMaxIdleTime(5 * time.Minute)
	return s, nil
}

// key is the advisory lock of a name in this store: the names are the store's own (the write
// lock, migrations, roles), kept apart from other desks' sharing the server by the database and
// schema.
func (s *Store) key(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(s.ns + "\x00" + name))
	return int64(h.Sum64())
}

// migratePG applies the pending migrations in one transaction that holds the migration lock:
// instances starting together apply them once, and a failure leaves the schema as it was.
func (s *Store) migratePG(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, s.key("migrate")); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have >= len(migrations) {
		return fmt.Errorf("migrate: the database's schema (%d) is newer than this deskd's (%d)", have, len(migrations)-1)
	}
	for v := have + 1; v < len(migrations); v++ {
		m, err := migrationFor(migrations[v], postgres)
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if strings.TrimSpace(m) != "" {
			if _, err := tx.ExecContext(ctx, m); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, time.Now().Unix()); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// OpenRaw opens a pool of connections to a store's database that speaks the store's SQL (the
// dialect layer), without the store: for tools and tests that read or write what no operation
// does. The schema must exist (OpenStore made it).
func OpenRaw(database string) (*sql.DB, error) {
	if !IsPostgres(database) {
		db, err := sql.Open("sqlite3", "file:"+database+"?_busy_timeout=5000&_txlock=immediate&_foreign_keys=on")
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", database, err)
		}
		return db, nil
	}
	cfg, err := pgConfig(database)
	if err != nil {
		return nil, err
	}
	return openPG(cfg), nil
}
