// Package storetest gives tests a fresh database of the kind the suite runs on: a SQLite file by
// default, a PostgreSQL schema of its own when $DESKD_TEST_DATABASE names a PostgreSQL server
// (postgres://…). The store and domain tests of every package open their store through Database,
// so that one suite runs on both stores: `go test ./...` runs it on SQLite, and
// `DESKD_TEST_DATABASE=postgres://… go test ./...` on PostgreSQL. `test/pg.sh` starts a private
// cluster for that; tests that need PostgreSQL whatever the suite runs on call Postgres.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // The "pgx" driver, to create and drop test schemas.
)

// Env names the PostgreSQL server the suite runs on; unset or empty: SQLite.
const Env = "DESKD_TEST_DATABASE"

// ServerEnv names a PostgreSQL server for the tests that need PostgreSQL whatever the suite runs
// on (Postgres); unset: the suite's server, else a private cluster per test.
const ServerEnv = "DESKD_TEST_POSTGRES"

// OnPostgres reports whether the suite runs on PostgreSQL.
func OnPostgres() bool {
	v := os.Getenv(Env)
	return strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://")
}

// SQLiteOnly skips a test of SQLite's own devices (the file, its journal, its query plans)
// when the suite runs on PostgreSQL.
func SQLiteOnly(t testing.TB) {
	t.Helper()
	if OnPostgres() {
		t.Skip("SQLite only: this suite runs on PostgreSQL")
	}
}

// Database returns a fresh, empty database for a test: the path of a SQLite file in a
// temporary directory, or the URL of a new PostgreSQL schema (dropped when the test ends).
func Database(t testing.TB) string {
	t.Helper()
	if !OnPostgres() {
		return filepath.Join(t.TempDir(), "deskd.db")
	}
	return Schema(t, os.Getenv(Env))
}

// Postgres returns the URL of a fresh PostgreSQL schema: on the server $DESKD_TEST_POSTGRES
// names, else on the suite's when it runs on PostgreSQL, else on a private cluster started for
// the test. It skips the test only when PostgreSQL is not installed.
func Postgres(t testing.TB) string {
	t.Helper()
	if v := os.Getenv(ServerEnv); v != "" {
		return Schema(t, v)
	}
	if OnPostgres() {
		return Schema(t, os.Getenv(Env))
	}
	bin := Bin()
	if bin == "" {
		t.Skip("no PostgreSQL: install Debian's postgresql (initdb, pg_ctl) or set " + Env)
	}
	c, err := StartCluster(bin, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return Schema(t, c.URL)
}

// Schema creates a schema of its own for a test on the server at base and returns base with
// search_path set to it. The schema is dropped when the test ends.
func Schema(t testing.TB, base string) string {
	t.Helper()
	db, err := adminDB(base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

var (
	adminMu  sync.Mutex
	adminDBs = map[string]*sql.DB{}
)

// adminDB is one small pool per server, for creating and dropping schemas.
func adminDB(base string) (*sql.DB, error) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if db := adminDBs[base]; db != nil {
		return db, nil
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	adminDBs[base] = db
	return db, nil
}

// Bin returns the directory of PostgreSQL's programs (initdb, pg_ctl, postgres), "" if none.
func Bin() string {
	if dir := os.Getenv("DESKD_PG_BIN"); dir != "" {
		return dir
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1])
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// Cluster is a private PostgreSQL server: its own directory, port and socket, on 127.0.0.1.
type Cluster struct {
	URL  string // postgres://postgres@127.0.0.1:PORT/postgres
	Dir  string
	Port int
	bin  string
	as   []string // The command prefix that runs as the cluster's owner (root may not run it).
}

// StartCluster initialises and starts a cluster in a new directory under parent ("": the
// system's temporary directory). As root it runs as the user postgres, which owns the directory. Durability is off (fsync, synchronous
// commit): a test server, not a store.
func StartCluster(bin, parent string) (*Cluster, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "deskd-pg")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("postgresql as root needs the user postgres: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		if fi, err := os.Stat(parent); err != nil {
			return nil, err
		} else if fi.Mode().Perm()&0o001 == 0 { // Let postgres reach its directory.
			if err := os.Chmod(parent, fi.Mode()|0o005); err != nil {
				return nil, err
			}
		}
		c.as = []string{"runuser", "-u", "postgres", "--"}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
		"--no-locale", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for try := 0; ; try++ {
		c.Port, err = freePort()
		if err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "+
			"-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB", c.Port, dir)
		out, err := c.run(filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "-o", opts, "start")
		if err == nil {
			break
		}
		if try == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		}
	}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port)
	return c, nil
}

// Stop stops the cluster at once and removes its directory.
func (c *Cluster) Stop() {
	_, _ = c.run(filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	_ = os.RemoveAll(c.Dir)
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, c.as...), name), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = "/"
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
