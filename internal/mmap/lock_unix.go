//go:build unix

package mmap

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an advisory lock on f without waiting: exclusive, or shared if
// not exclusive. If another open file (in this process or another) holds a
// conflicting lock, Lock returns an error matching ErrLocked.
//
// The lock belongs to the open file, not to the process: a second os.File
// of the same path conflicts with the first. Locking a file that already
// holds a lock converts it; on Windows, Unlock first. Closing f releases it.
func Lock(f *os.File, exclusive bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	err := ignoringEINTR(func() error { return unix.Flock(int(f.Fd()), how|unix.LOCK_NB) })
	if errors.Is(err, unix.EWOULDBLOCK) {
		err = ErrLocked
	}
	if err != nil {
		return err
	}
	return nil
}

// Unlock releases f's lock. Unlocking a file that holds none does nothing.
func Unlock(f *os.File) error {
	err := ignoringEINTR(func() error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) })
	if err != nil {
		return err
	}
	return nil
}
