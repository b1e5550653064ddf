//go:build !unix

package oauth

// lockFile is a no-op where flock(2) is missing: one process at a time must refresh.
func lockFile(path string) (unlock func(), err error) { return func() {}, nil }
