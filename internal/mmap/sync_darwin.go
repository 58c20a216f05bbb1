package mmap

import (
	"os"

	"golang.org/x/sys/unix"
)

// Sync flushes f's data to stable storage with fcntl(F_FULLFSYNC): a plain
// fsync on macOS stops at the drive's cache. File systems that do not
// support F_FULLFSYNC get fsync.
func Sync(f *os.File) error {
	fd := f.Fd()
	_, err := unix.FcntlInt(fd, unix.F_FULLFSYNC, 0)
	if err != nil {
		err = ignoringEINTR(func() error { return unix.Fsync(int(fd)) })
	}
	if err != nil {
		return Cause(err)
	}
	return nil
}
