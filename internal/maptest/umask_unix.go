//go:build unix

package maptest

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Umask sets the process's umask to mask until the test ends, when the
// one it replaced is restored. The umask belongs to the whole process: a
// test that sets it must not run in parallel with tests that create
// files.
func Umask(t testing.TB, mask int) {
	t.Helper()
	old := unix.Umask(mask)
	t.Cleanup(func() { unix.Umask(old) })
}
