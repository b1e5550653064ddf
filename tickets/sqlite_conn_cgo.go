//go:build cgo

package tickets

import "github.com/mattn/go-sqlite3"

// connExec runs a statement on a connection as its driver opens it.
func connExec(c *sqlite3.SQLiteConn, query string) error {
	_, err := c.Exec(query, nil)
	return err
}
