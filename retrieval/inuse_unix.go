//go:build unix

package retrieval

import (
	"errors"
	"os"
	"syscall"
)

// inUse reports whether a bleve index holds path (its root.bolt) open for
// writing: bolt keeps an exclusive flock on it while the index is open, in
// this process or another.
func inUse(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true
	}
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return false
}
