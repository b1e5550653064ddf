package tickets

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The store speaks one SQL: SQLite's, as far as PostgreSQL understands it too. Queries are
// written once, with ? placeholders, `INSERT … RETURNING id` instead of LastInsertId, upserts as
// `ON CONFLICT (key) DO UPDATE SET col = excluded.col` with the table's own columns qualified
// (`SET n = loads.n + 1`: PostgreSQL finds a bare n ambiguous), NULLS FIRST/LAST where an order
// on a nullable column matters. The PostgreSQL driver (pgdriver.go) rewrites each query once
// (cached) into PostgreSQL's form:
//
//   - ? becomes $1, $2, …;
//   - `INDEXED BY index` (a hint to SQLite's planner) is dropped;
//   - LIKE becomes ILIKE (SQLite's LIKE ignores the case of ASCII letters);
//   - `INSERT OR IGNORE` becomes `INSERT … ON CONFLICT DO NOTHING`;
//   - SQLite's functions become PostgreSQL's: min(a, b) and max(a, b) (scalar, two arguments or
//     more) LEAST and GREATEST, ifnull coalesce, char chr, group_concat string_agg.
//
// A placeholder whose type PostgreSQL cannot infer (in a CASE, or compared with another
// placeholder) is written CAST(? AS BIGINT) or CAST(? AS TEXT), which SQLite reads alike.
//
// Schema migrations are written once too, in SQLite's DDL, and translated (pgSchema): INTEGER
// becomes BIGINT (an INTEGER PRIMARY KEY an identity column), BLOB BYTEA, a TEXT column
// TEXT COLLATE "C" (SQLite compares text byte by byte), and WITHOUT ROWID goes. What has no
// translation (triggers, virtual tables, JSON functions) is given for PostgreSQL in the same
// migration after a line `-- postgres` (see migrationFor). A query that must differ (full-text
// search, a lock) picks its form with Store.dialect.

// dialect is the SQL a store speaks.
type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) String() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// pick returns the form of a query for this dialect.
func (d dialect) pick(sqliteForm, postgresForm string) string {
	if d == postgres {
		return postgresForm
	}
	return sqliteForm
}

// pgMarker starts the PostgreSQL form of a migration.
const pgMarker = "-- postgres"

// migrationFor returns a migration's SQL for a dialect: the text before a line "-- postgres" is
// SQLite's; the text after it, PostgreSQL's. Without the line, PostgreSQL's is translated from
// SQLite's.
func migrationFor(m string, d dialect) (string, error) {
	lite, pg, split := cutLine(m, pgMarker)
	if d == sqlite {
		return lite, nil
	}
	if split {
		return pg, nil
	}
	return pgSchema(lite)
}

// cutLine splits s around the first line that reads exactly line (spaces aside).
func cutLine(s, line string) (before, after string, found bool) {
	off := 0
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.TrimSpace(l) == line {
			return s[:off], s[off+len(l):], true
		}
		off += len(l)
	}
	return s, "", false
}

// token is a piece of SQL text: a word, a run of spaces, an opaque span (a string, a quoted
// name, a comment), a ? placeholder or one other character.
type token struct {
	kind byte // 'w' word, ' ' space, 'o' opaque, '?' placeholder, 'c' other character.
	text string
}

func (t token) is(word string) bool { return t.kind == 'w' && strings.EqualFold(t.text, word) }

// lex cuts SQL into tokens. Strings ('…', a quote doubled inside), quoted names ("…"), comments (-- and /* */)
// and PostgreSQL's dollar-quoted bodies ($tag$…$tag$) are opaque: nothing in them is rewritten.
func lex(q string) []token {
	var out []token
	for i := 0; i < len(q); {
		c := q[i]
		j := i + 1
		kind := byte('c')
		switch {
		case isWordByte(c):
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			kind = 'w'
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			for j < len(q) && (q[j] == ' ' || q[j] == '\t' || q[j] == '\n' || q[j] == '\r') {
				j++
			}
			kind = ' '
		case c == '\'' || c == '"' || c == '`':
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // Doubled: an escaped quote.
						j += 2
						continue
					}
					j++
					break
				}
				j++
			}
			kind = 'o'
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			if k := strings.IndexByte(q[i:], '\n'); k >= 0 {
				j = i + k
			} else {
				j = len(q)
			}
			kind = 'o'
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			if k := strings.Index(q[i+2:], "*/"); k >= 0 {
				j = i + 2 + k + 2
			} else {
				j = len(q)
			}
			kind = 'o'
		case c == '$' && dollarTag(q[i:]) != "":
			tag := dollarTag(q[i:])
			if k := strings.Index(q[i+len(tag):], tag); k >= 0 {
				j = i + len(tag) + k + len(tag)
			} else {
				j = len(q)
			}
			kind = 'o'
		case c == '?':
			kind = '?'
		}
		out = append(out, token{kind, q[i:j]})
		i = j
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// dollarTag returns the opening $tag$ of a dollar-quoted string at the start of s, or "".
func dollarTag(s string) string {
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '$':
			if i > 1 && s[1] >= '0' && s[1] <= '9' {
				return "" // $1: a placeholder, not a tag.
			}
			return s[:i+1]
		case !isWordByte(c):
			return ""
		}
	}
	return ""
}

// next returns the index of the first token after i that is not a space, or len(ts).
func next(ts []token, i int) int {
	for i++; i < len(ts) && ts[i].kind == ' '; i++ {
	}
	return i
}

// args returns the number of arguments of a function call whose name is ts[i], 0 if ts[i] is not
// followed by a parenthesis.
func args(ts []token, i int) int {
	j := next(ts, i)
	if j >= len(ts) || ts[j].text != "(" {
		return 0
	}
	n, depth, empty := 1, 0, true
	for k := j + 1; k < len(ts); k++ {
		switch ts[k].text {
		case "(":
			depth++
		case ")":
			if depth == 0 {
				if empty {
					return 0
				}
				return n
			}
			depth--
		case ",":
			if depth == 0 {
				n++
			}
		}
		if ts[k].kind != ' ' {
			empty = false
		}
	}
	return n
}

// closing returns the index of the parenthesis that closes the one at ts[j].
func closing(ts []token, j int) int {
	depth := 0
	for k := j; k < len(ts); k++ {
		switch ts[k].text {
		case "(":
			depth++
		case ")":
			if depth--; depth == 0 {
				return k
			}
		}
	}
	return len(ts)
}

var (
	rebound  sync.Map     // Query → its PostgreSQL form.
	nRebound atomic.Int64 // Entries in rebound.
)

// maxRebound bounds the cache: the store's queries are a few hundred shapes.
const maxRebound = 4096

// rebind returns a query in PostgreSQL's form, cached (the store's queries are few and fixed).
func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	out := rewrite(lex(q))
	if len(q) < 64<<10 && nRebound.Load() < maxRebound {
		if _, loaded := rebound.LoadOrStore(q, out); !loaded {
			nRebound.Add(1)
		}
	}
	return out
}

// rewrite applies the query rules of this file to tokens.
func rewrite(ts []token) string {
	var b strings.Builder
	n := 0          // Placeholders so far.
	ignore := false // INSERT OR IGNORE: add ON CONFLICT DO NOTHING.
	returning := -1 // Where RETURNING starts in b, if it does.
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case t.kind == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		case t.is("INDEXED"):
			if j := next(ts, i); j < len(ts) && ts[j].is("BY") {
				if k := next(ts, j); k < len(ts) && ts[k].kind == 'w' {
					i = k
					continue
				}
			}
		case t.is("LIKE"):
			b.WriteString("ILIKE")
			continue
		case t.is("MIN") || t.is("MAX"):
			if args(ts, i) > 1 { // SQLite's scalar min and max.
				b.WriteString(map[bool]string{true: "LEAST", false: "GREATEST"}[t.is("MIN")])
				continue
			}
		case t.is("IFNULL"):
			if args(ts, i) > 0 {
				b.WriteString("COALESCE")
				continue
			}
		case t.is("CHAR"):
			if args(ts, i) > 0 {
				b.WriteString("chr")
				continue
			}
		case t.is("GROUP_CONCAT"):
			if n := args(ts, i); n > 0 {
				b.WriteString("string_agg")
				if n == 1 { // string_agg needs its separator: SQLite's is a comma.
					j := closing(ts, next(ts, i))
					ts = append(ts[:j:j], append([]token{{'c', ", ','"}}, ts[j:]...)...)
				}
				continue
			}
		case t.is("INSERT"):
			if j := next(ts, i); j < len(ts) && ts[j].is("OR") {
				if k := next(ts, j); k < len(ts) && ts[k].is("IGNORE") {
					ignore = true
					b.WriteString(t.text)
					i = k
					continue
				}
			}
		case t.is("RETURNING"):
			returning = b.Len()
		}
		b.WriteString(t.text)
	}
	out := b.String()
	if ignore {
		if returning >= 0 {
			out = out[:returning] + "ON CONFLICT DO NOTHING " + out[returning:]
		} else {
			trimmed := strings.TrimRight(out, " \t\r\n;")
			out = trimmed + " ON CONFLICT DO NOTHING" + out[len(trimmed):]
		}
	}
	return out
}

// pgSchema translates SQLite DDL (a migration) into PostgreSQL's. It refuses what it cannot
// translate: such a migration needs its PostgreSQL form after a "-- postgres" line.
func pgSchema(ddl string) (string, error) {
	ts := lex(ddl)
	for _, t := range ts {
		if t.is("TRIGGER") || t.is("VIRTUAL") || t.is("PRAGMA") ||
			t.kind == 'w' && strings.HasPrefix(strings.ToLower(t.text), "json_") {
			return "", fmt.Errorf("no PostgreSQL form for %q: write one after a line %q", t.text, pgMarker)
		}
	}
	out := make([]token, 0, len(ts))
	prevWord := func() token { // The last word before the current token.
		for k := len(out) - 1; k >= 0; k-- {
			if out[k].kind != ' ' {
				return out[k]
			}
		}
		return token{}
	}
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case t.is("INTEGER"):
			j := next(ts, i)
			if j < len(ts) && ts[j].is("PRIMARY") {
				if k := next(ts, j); k < len(ts) && ts[k].is("KEY") {
					out = append(out, token{'w', "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"})
					i = k
					continue
				}
			}
			t.text = "BIGINT"
		case t.is("BLOB"):
			t.text = "BYTEA"
		case t.is("REAL"):
			t.text = "DOUBLE PRECISION"
		case t.is("AUTOINCREMENT"):
			continue
		case t.is("WITHOUT"):
			if j := next(ts, i); j < len(ts) && ts[j].is("ROWID") {
				i = j
				continue
			}
		case t.is("TEXT"):
			// A column's type (after its name, not after AS in a CAST): compare bytes, as SQLite.
			if p := prevWord(); p.kind == 'w' && !p.is("AS") || p.kind == 'o' && strings.HasPrefix(p.text, `"`) {
				t.text = `TEXT COLLATE "C"`
			}
		}
		out = append(out, t)
	}
	var b strings.Builder
	for _, t := range out {
		b.WriteString(t.text)
	}
	return rewrite(lex(b.String())), nil
}
