//go:build !unix

package tickets

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked by another process")

// lockFile does nothing where flock(2) is missing: one process per database there.
func lockFile(f *os.File, exclusive, wait bool) error { return nil }

func unlockFile(f *os.File) error { return nil }
