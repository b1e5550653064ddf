package main

import (
	"strconv"
	"sync"
	"testing"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets/storetest"
)

// onTestDatabase points a configuration at the database the suite runs on: the file it names
// (SQLite), or, when DESKD_TEST_DATABASE names a server, the test's PostgreSQL schema (the same
// one each time within a test; freshTestDatabase makes another).
func onTestDatabase(t testing.TB, text string) string {
	t.Helper()
	if !storetest.OnPostgres() {
		return text
	}
	testDBs.Lock()
	db, ok := testDBs.m[t]
	testDBs.Unlock()
	if !ok {
		db = storetest.Database(t)
		testDBs.Lock()
		testDBs.m[t] = db
		testDBs.Unlock()
		t.Cleanup(func() {
			testDBs.Lock()
			delete(testDBs.m, t)
			testDBs.Unlock()
		})
	}
	return config.SetKey(text, "desk", "database", strconv.Quote(db))
}

var testDBs = struct {
	sync.Mutex
	m map[testing.TB]string
}{m: map[testing.TB]string{}}

// freshTestDatabase points a configuration at a new, empty database when the suite runs on
// PostgreSQL; on SQLite it leaves the file the configuration names.
func freshTestDatabase(t testing.TB, text string) string {
	t.Helper()
	if !storetest.OnPostgres() {
		return text
	}
	return config.SetKey(text, "desk", "database", strconv.Quote(storetest.Database(t)))
}
