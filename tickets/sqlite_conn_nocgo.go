//go:build !cgo

package tickets

import (
	"errors"

	"github.com/mattn/go-sqlite3"
)

// connExec fails: without cgo, go-sqlite3 is a stub that opens no database (a build without
// cgo runs on PostgreSQL alone).
func connExec(c *sqlite3.SQLiteConn, query string) error {
	return errors.New("sqlite3: this binary was built without cgo")
}
