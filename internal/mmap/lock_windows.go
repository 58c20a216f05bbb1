//go:build windows

package mmap

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockRange returns where the lock lives: the last byte of the largest
// possible file, far from any data. Windows locks are mandatory, so a lock
// over real data would block reads and writes through other handles.
func lockRange() *windows.Overlapped {
	return &windows.Overlapped{Offset: ^uint32(0), OffsetHigh: ^uint32(0)}
}

// Lock takes a lock on f without waiting: exclusive, or shared if not
// exclusive. If another handle (in this process or another) holds a
// conflicting lock, Lock returns an error matching ErrLocked.
//
// The lock belongs to the handle: a second os.File of the same path
// conflicts with the first. To change a lock's kind, Unlock first (Windows
// does not convert locks). Closing f releases it.
func Lock(f *os.File, exclusive bool) error {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		err = ErrLocked
	}
	if err != nil {
		return err
	}
	return nil
}

// Unlock releases f's lock. Unlocking a file that holds none does nothing.
func Unlock(f *os.File) error {
	err := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange())
	if err != nil && !errors.Is(err, windows.ERROR_NOT_LOCKED) {
		return err
	}
	return nil
}
