package mmap

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// lockPoll is how often LockWait tries the lock again.
const lockPoll = 10 * time.Millisecond

// LockWait takes f's lock as Lock does, trying again until timeout has
// passed; with timeout 0 it tries once. Once it holds the lock
// exclusively, it writes the process's id into f, for the error of the
// next one that tries (see Holder). It fails as Lock does.
func LockWait(f *os.File, exclusive bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := Lock(f, exclusive)
		switch {
		case err == nil:
			if exclusive {
				writePID(f)
			}
			return nil
		case !errors.Is(err, ErrLocked) || !time.Now().Before(deadline):
			return err
		}
		time.Sleep(min(lockPoll, time.Until(deadline)))
	}
}

// writePID writes the process's id into the lock file f, which this
// process holds exclusively. It is a hint for error messages only: a
// failure to write it is no failure of the lock.
func writePID(f *os.File) {
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
}

// Holder tells who holds the lock on f that Lock could not take: a writer,
// with the process id it wrote into the file (0 if none can be read), or,
// if a shared lock can be had, readers only. f must hold no lock.
func Holder(f *os.File) (writer bool, pid int) {
	if Lock(f, false) == nil {
		_ = Unlock(f) // only readers hold it: the lock was to ask
		return false, 0
	}
	var b [24]byte
	n, _ := f.ReadAt(b[:], 0) // a short read or none leaves pid 0
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		pid = 0
	}
	return true, pid
}
