package mmap

import (
	"os"

	"golang.org/x/sys/unix"
)

// Sync flushes f's data to stable storage with fdatasync(2), which skips
// metadata such as the modification time but not the size.
func Sync(f *os.File) error {
	err := ignoringEINTR(func() error { return unix.Fdatasync(int(f.Fd())) })
	if err != nil {
		return Cause(err)
	}
	return nil
}

// syncCoversMappings: Linux's fdatasync writes back pages dirtied through
// shared mappings (msync(MS_SYNC) is the same call on a range).
const syncCoversMappings = true
