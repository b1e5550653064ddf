//go:build unix

package tickets

import (
	"errors"
	"os"
	"syscall"
)

// errLocked: another process holds the lock asked for without waiting.
var errLocked = errors.New("locked by another process")

// lockFile takes flock(2) on f, shared or exclusive; unless wait, it gives up at once when
// another process holds a lock in the way (errLocked).
func lockFile(f *os.File, exclusive, wait bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLocked
		default:
			return err
		}
	}
}

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
