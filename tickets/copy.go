package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// TableCount is how many rows a table holds in the source and in the copy.
type TableCount struct {
	Table        string
	Source, Copy int64
}

// CopyTo copies every table of a SQLite store into a PostgreSQL store that holds no row yet
// (deskd migrate): tickets, events, attachments, raw mails, the outbox, the model, the mail
// reader's state, and whatever else the schema has. Both are at this deskd's schema (OpenStore
// migrated them). The copy is one transaction (COPY, table after table, parents first, the
// tables' own triggers off so that rows derived by them, such as loads, are copied as they are,
// not counted twice); then the identity columns' sequences continue after the copied ids, and
// every table's rows are counted on both sides. The full-text index (SQLite's virtual tables,
// and the term counts of search_terms) is not copied: the PostgreSQL store builds its own from
// the copied tickets (ensureSearchIndex) once the copy has committed.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCount, error) {
	if s.dialect != sqlite || dst.dialect != postgres {
		return nil, errors.New("copy: from a SQLite store to a PostgreSQL one only")
	}
	src, err := s.r.BeginTx(ctx, nil) // One snapshot of the source.
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	defer func() { _ = src.Rollback() }()
	tables, err := sqliteTables(ctx, src)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, dst.pg)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	defer conn.Close(context.Background())
	for _, t := range tables {
		if t.name == "kv" {
			continue // The new store's own records (its index, what its migrations noted): the source's replace them.
		}
		var n int64
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{t.name}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("copy: the PostgreSQL database has no table %s of this schema: %w", t.name, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("copy: the PostgreSQL database is not empty (%s has %d rows)", t.name, n)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, `DELETE FROM kv`); err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	counts := make([]TableCount, 0, len(tables))
	for _, t := range tables {
		n, err := copyTable(ctx, src, tx, t)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		counts = append(counts, TableCount{Table: t.name, Source: n})
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("copy: commit: %w", err)
	}
	// Statistics now, not when autovacuum comes by: without them the planner takes the copied
	// tables for empty (the first start on a copy of 10,000 tickets trained its classifier in 34 s
	// instead of 1 s).
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		return nil, fmt.Errorf("copy: analyze: %w", err)
	}
	for i, t := range tables {
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM `+pgx.Identifier{t.name}.Sanitize()).Scan(&counts[i].Copy); err != nil {
			return counts, fmt.Errorf("copy: count %s: %w", t.name, err)
		}
		var n int64
		if err := src.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+t.name+`"`).Scan(&n); err != nil {
			return counts, fmt.Errorf("copy: count %s: %w", t.name, err)
		}
		counts[i].Source = n
		if counts[i].Copy != n {
			return counts, fmt.Errorf("copy: %s has %d rows in SQLite and %d in PostgreSQL", t.name, n, counts[i].Copy)
		}
	}
	if err := dst.ensureSearchIndex(ctx); err != nil { // kv names the source's index: it builds its own.
		return counts, fmt.Errorf("copy: %w", err)
	}
	return counts, nil
}

type sqliteTable struct {
	name    string
	columns []string
	parents []string // Tables its foreign keys name.
}

// sqliteTables lists the source's tables to copy, parents before children: every table but
// SQLite's own, schema_migrations, and the full-text index (virtual tables and their shadows,
// search_terms).
func sqliteTables(ctx context.Context, tx *sql.Tx) ([]sqliteTable, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("copy: tables: %w", err)
	}
	type entry struct{ name, sql string }
	var all []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.name, &e.sql); err != nil {
			rows.Close()
			return nil, fmt.Errorf("copy: tables: %w", err)
		}
		all = append(all, e)
	}
	rows.Close()
	var virtual []string
	for _, e := range all {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(e.sql)), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, e.name)
		}
	}
	var out []sqliteTable
	for _, e := range all {
		if strings.HasPrefix(e.name, "sqlite_") || e.name == "schema_migrations" || e.name == "search_terms" || slices.Contains(virtual, e.name) ||
			slices.ContainsFunc(virtual, func(v string) bool { return strings.HasPrefix(e.name, v+"_") }) {
			continue
		}
		t := sqliteTable{name: e.name}
		cols, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, e.name)
		if err != nil {
			return nil, fmt.Errorf("copy: columns of %s: %w", e.name, err)
		}
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				cols.Close()
				return nil, err
			}
			t.columns = append(t.columns, c)
		}
		cols.Close()
		fks, err := tx.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, e.name)
		if err != nil {
			return nil, fmt.Errorf("copy: foreign keys of %s: %w", e.name, err)
		}
		for fks.Next() {
			var p string
			if err := fks.Scan(&p); err != nil {
				fks.Close()
				return nil, err
			}
			if p != e.name {
				t.parents = append(t.parents, p)
			}
		}
		fks.Close()
		out = append(out, t)
	}
	// Parents first.
	var ordered []sqliteTable
	placed := map[string]bool{}
	for len(ordered) < len(out) {
		progress := false
		for _, t := range out {
			if placed[t.name] {
				continue
			}
			ready := true
			for _, p := range t.parents {
				if !placed[p] && slices.ContainsFunc(out, func(o sqliteTable) bool { return o.name == p }) {
					ready = false
				}
			}
			if ready {
				ordered, placed[t.name], progress = append(ordered, t), true, true
			}
		}
		if !progress {
			return nil, errors.New("copy: the tables' foreign keys make a cycle")
		}
	}
	return ordered, nil
}

// copyTable copies one table's rows with COPY, its own triggers off, and moves its identity
// columns' sequences past the copied ids.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, t sqliteTable) (int64, error) {
	name := pgx.Identifier{t.name}.Sanitize()
	types := map[string]string{}
	identity := map[string]bool{}
	rows, err := dst.Query(ctx, `SELECT column_name, data_type, is_identity FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, t.name)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var c, typ, ident string
		if err := rows.Scan(&c, &typ, &ident); err != nil {
			rows.Close()
			return 0, err
		}
		types[c], identity[c] = typ, ident == "YES"
	}
	rows.Close()
	for _, c := range t.columns {
		if types[c] == "" {
			return 0, fmt.Errorf("PostgreSQL has no column %s", c)
		}
	}
	if _, err := dst.Exec(ctx, `ALTER TABLE `+name+` DISABLE TRIGGER USER`); err != nil {
		return 0, err
	}
	quoted := make([]string, len(t.columns))
	for i, c := range t.columns {
		quoted[i] = `"` + c + `"`
	}
	srcRows, err := src.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+t.name+`"`)
	if err != nil {
		return 0, err
	}
	defer srcRows.Close()
	n, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, &rowSource{rows: srcRows, columns: t.columns, types: types})
	if err != nil {
		return 0, err
	}
	if _, err := dst.Exec(ctx, `ALTER TABLE `+name+` ENABLE TRIGGER USER`); err != nil {
		return 0, err
	}
	for _, c := range t.columns {
		if identity[c] {
			q := `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(` + pgx.Identifier{c}.Sanitize() + `), 0) + 1, false) FROM ` + name
			if _, err := dst.Exec(ctx, q, t.name, c); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// rowSource feeds COPY from SQLite's rows, each value as the PostgreSQL column takes it.
type rowSource struct {
	rows    *sql.Rows
	columns []string
	types   map[string]string
	err     error
}

func (r *rowSource) Next() bool { return r.rows.Next() }

func (r *rowSource) Err() error { return errors.Join(r.err, r.rows.Err()) }

func (r *rowSource) Values() ([]any, error) {
	vals := make([]any, len(r.columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return nil, err
	}
	for i, v := range vals {
		c, err := pgValue(v, r.types[r.columns[i]])
		if err != nil {
			r.err = fmt.Errorf("column %s: %w", r.columns[i], err)
			return nil, r.err
		}
		vals[i] = c
	}
	return vals, nil
}

// pgValue converts a value SQLite returned into one for a PostgreSQL column of a type: SQLite
// holds any value in any column.
func pgValue(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case []byte:
			return strconv.ParseInt(string(x), 10, 64)
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "text", "character varying":
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			s = fmt.Sprint(x)
		}
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
		}
		return s, nil
	case "double precision", "real":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("%T %v does not fit %s", v, v, typ)
}
