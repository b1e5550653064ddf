package tickets

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestRowDefaultsAreTheSchemas checks every default the writer's multi-row INSERTs rely on to
// leave a column out (rowDefaults) against the schema: the column's DEFAULT, or NULL for a
// column that has none and takes NULL.
func TestRowDefaultsAreTheSchemas(t *testing.T) {
	storetest.SQLiteOnly(t)
	d := newTestDesk(t)
	for table, cols := range rowDefaults {
		schema := map[string][2]sql.NullString{} // Column → its default, and whether NOT NULL.
		rows, err := d.Store.w.Query(`SELECT name, dflt_value, "notnull" FROM pragma_table_info(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name string
			var dflt sql.NullString
			var notNull int
			if err := rows.Scan(&name, &dflt, &notNull); err != nil {
				t.Fatal(err)
			}
			schema[name] = [2]sql.NullString{dflt, {String: strconv.Itoa(notNull), Valid: true}}
		}
		rows.Close()
		for name, def := range cols {
			s, ok := schema[name]
			if !ok {
				t.Errorf("%s.%s: no such column", table, name)
				continue
			}
			var want string
			switch {
			case def.null:
				if s[1].String != "0" || s[0].Valid && !strings.EqualFold(s[0].String, "NULL") {
					t.Errorf("%s.%s: NULL in rowDefaults, schema default %v, not null %s", table, name, s[0], s[1].String)
				}
				continue
			case def.text:
				want = "'" + def.s + "'"
			default:
				want = strconv.FormatInt(def.i, 10)
			}
			if s[0].String != want {
				t.Errorf("%s.%s: %s in rowDefaults, schema default %q", table, name, want, s[0].String)
			}
		}
	}
}

// TestRowsInsertLeavesDefaultsOut: a column left out only when every row holds its default, and
// its value not bound.
func TestRowsInsertLeavesDefaultsOut(t *testing.T) {
	rows := [][]any{
		{int64(1), int64(5), "note", "a@x", false, "", "", ""},
		{int64(1), int64(6), "note", "a@x", false, "text", "", "{}"},
	}
	q, args := rowsInsert("events", eventRowColumns, rows)
	want := "INSERT INTO events (ticket_id, at, kind, actor, text, phrase) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)"
	if q != want || len(args) != 12 || args[4] != "" || args[5] != "" || args[10] != "text" || args[11] != "{}" {
		t.Fatalf("got %s %q\nwant %s", q, args, want)
	}
	// A bool true is 1, not the default 0; a typed value is never taken for a default.
	rows[0][4] = true
	if q, _ := rowsInsert("events", eventRowColumns, rows); !strings.Contains(q, "public") {
		t.Errorf("public left out: %s", q)
	}
	if (colDefault{set: true, text: true}).holds(Status("")) || !intDefault(1).holds(1) || intDefault(0).holds(int64(1)) || !nullDefault.holds(nil) {
		t.Error("holds")
	}
	// A table without defaults: every column.
	if q, args := rowsInsert("messages", messageRowColumns, [][]any{make([]any, 10)}); strings.Count(q, "?") != 10 || len(args) != 10 {
		t.Errorf("messages: %s", q)
	}
}
