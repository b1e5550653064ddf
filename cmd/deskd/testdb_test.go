package main

import (
	"strconv"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets/storetest"
)

// onTestDatabase points a configuration at the database the suite runs on: the file it names
// (SQLite), or a fresh PostgreSQL schema when DESKD_TEST_DATABASE names a server.
func onTestDatabase(t testing.TB, text string) string {
	t.Helper()
	if !storetest.OnPostgres() {
		return text
	}
	return config.SetKey(text, "desk", "database", strconv.Quote(storetest.Database(t)))
}
