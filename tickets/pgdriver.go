package tickets

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL driver is pgx's database/sql driver with the dialect layer in front: every
// query is rewritten into PostgreSQL's form (rebind), and arguments into what the schema holds.
// The store (and whoever reads through Store.Reader) keeps writing SQLite's SQL with ?
// placeholders. The driver is opened through a connector, not registered by name: only the
// store opens it, and tickets already is the one package that knows SQL.

// openPG opens a pool of PostgreSQL connections with the dialect layer.
func openPG(cfg *pgx.ConnConfig) *sql.DB {
	return sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
}

type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is a pgx connection that takes SQLite's SQL. Its other methods are stdlib.Conn's.
type pgConn struct{ *stdlib.Conn }

func (c *pgConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(rebind(q)) }

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(q))
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(q), args)
}

func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(q), args)
}

// CheckNamedValue turns an argument into what the schema stores: a bool into 0 or 1 (flags are
// INTEGER columns, as in SQLite), a named type into its base type, and text into valid UTF-8
// without NUL (PostgreSQL refuses both in text; SQLite keeps them, and no mail needs them).
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	v := nv.Value
	if _, ok := v.(driver.Valuer); !ok {
		if cv, err := driver.DefaultParameterConverter.ConvertValue(v); err == nil {
			v = cv
		}
	}
	switch x := v.(type) {
	case bool:
		if x {
			v = int64(1)
		} else {
			v = int64(0)
		}
	case string:
		if !utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0 {
			v = strings.ReplaceAll(strings.ToValidUTF8(x, "\uFFFD"), "\x00", "")
		}
	}
	nv.Value = v
	return nil
}
