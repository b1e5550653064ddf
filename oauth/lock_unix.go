//go:build unix

package oauth

import (
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on path+".lock", so that two deskd processes (serve and a
// poll --once, say) never spend the same refresh token: with rotation the second would find it
// already replaced. The lock is released by the returned function.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock token file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock token file: %w", err)
	}
	return func() {
		// Closing the descriptor releases the lock.
		_ = f.Close()
	}, nil
}
